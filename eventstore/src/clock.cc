#include "eventstore/clock.h"

namespace footprint {

const Clock* SystemClock::Get() {
  static const SystemClock* const kClock = new SystemClock();
  return kClock;
}

}  // namespace footprint
