#include "base/thread_role.h"

#include <sstream>
#include <string>

#include "absl/base/internal/raw_logging.h"

namespace footprint::base {
namespace {

std::string Describe(std::thread::id id) {
  if (id == std::thread::id()) return "no thread";
  std::ostringstream out;
  out << "thread " << id;
  return out.str();
}

}  // namespace

void ThreadRole::Acquire() {
  std::thread::id none;
  const std::thread::id self = std::this_thread::get_id();
  if (!owner_.compare_exchange_strong(none, self, std::memory_order_acq_rel)) {
    ABSL_RAW_LOG(FATAL, "%s: taken by %s while %s holds it", name_, Describe(self).c_str(),
                 Describe(none).c_str());
  }
}

void ThreadRole::Release() {
  std::thread::id self = std::this_thread::get_id();
  if (!owner_.compare_exchange_strong(self, std::thread::id(), std::memory_order_acq_rel)) {
    ABSL_RAW_LOG(FATAL, "%s: given up by %s, which does not hold it (%s does)", name_,
                 Describe(std::this_thread::get_id()).c_str(), Describe(self).c_str());
  }
}

void ThreadRole::AssertHeld() const {
  const std::thread::id owner = owner_.load(std::memory_order_acquire);
  if (owner != std::this_thread::get_id()) {
    ABSL_RAW_LOG(FATAL, "%s: used on %s, but %s holds it", name_,
                 Describe(std::this_thread::get_id()).c_str(), Describe(owner).c_str());
  }
}

}  // namespace footprint::base
