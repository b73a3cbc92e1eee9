// ManualClock: a Clock that moves only when a test says so.
#ifndef FOOTPRINT_EVENTSTORE_TESTING_MANUAL_CLOCK_H_
#define FOOTPRINT_EVENTSTORE_TESTING_MANUAL_CLOCK_H_

#include <mutex>

#include "eventstore/clock.h"

namespace footprint::testing {

// Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Set(absl::Time t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

}  // namespace footprint::testing

#endif  // FOOTPRINT_EVENTSTORE_TESTING_MANUAL_CLOCK_H_
