#include "services/stream_limits.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace footprint::services {

StreamLimits::Slot::Slot(Slot&& other) noexcept
    : limits_(std::exchange(other.limits_, nullptr)), identity_(std::move(other.identity_)) {}

StreamLimits::Slot& StreamLimits::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    limits_ = std::exchange(other.limits_, nullptr);
    identity_ = std::move(other.identity_);
  }
  return *this;
}

void StreamLimits::Slot::Release() {
  if (limits_ != nullptr) std::exchange(limits_, nullptr)->Release(identity_);
}

absl::StatusOr<StreamLimits::Slot> StreamLimits::Acquire(const std::string& identity,
                                                         absl::string_view method) {
  base::MutexLock lock(&mu_);
  if (open_ >= max_streams_) {
    return absl::ResourceExhaustedError(
        absl::StrCat(method, ": ", open_,
                     " streams are open, the most footprintd serves at once "
                     "(limits.max_streams); close one or try again later"));
  }
  auto it = by_caller_.find(identity);
  if (it != by_caller_.end() && it->second >= max_per_identity_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        method, ": '", identity, "' has ", it->second,
        " streams open, the most one identity may hold (limits.max_streams_per_identity); "
        "close one first"));
  }
  ++open_;
  ++by_caller_[identity];
  return Slot(this, identity);
}

void StreamLimits::Release(const std::string& identity) {
  base::MutexLock lock(&mu_);
  --open_;
  auto it = by_caller_.find(identity);
  if (--it->second == 0) by_caller_.erase(it);
}

size_t StreamLimits::open() const {
  base::MutexLock lock(&mu_);
  return open_;
}

size_t StreamLimits::open(const std::string& identity) const {
  base::MutexLock lock(&mu_);
  auto it = by_caller_.find(identity);
  return it == by_caller_.end() ? 0 : it->second;
}

}  // namespace footprint::services
