// The source of "now" for everything that stamps or schedules by time. Injected through
// constructors so that tests run on a manual clock and never sleep.
#ifndef FOOTPRINT_EVENTSTORE_CLOCK_H_
#define FOOTPRINT_EVENTSTORE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace footprint {

// Thread-safety: implementations must be safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The real UTC wall clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // A process-wide instance; never destroyed.
  static const Clock* Get();
};

}  // namespace footprint

#endif  // FOOTPRINT_EVENTSTORE_CLOCK_H_
