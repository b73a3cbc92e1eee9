// ManualClock: a Clock that moves only when a test says so.
#ifndef FOOTPRINT_EVENTSTORE_TESTING_MANUAL_CLOCK_H_
#define FOOTPRINT_EVENTSTORE_TESTING_MANUAL_CLOCK_H_

#include "base/mutex.h"
#include "eventstore/clock.h"

namespace footprint::testing {

// Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    base::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    base::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    base::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable base::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace footprint::testing

#endif  // FOOTPRINT_EVENTSTORE_TESTING_MANUAL_CLOCK_H_
