// TypeRegistry: the event types recorded in the store (meta "type/<name>" keys), so that a read
// filter naming a type never recorded is refused instead of matching nothing.
//
// Thread-safety: every method may be called from any thread.
#ifndef FOOTPRINT_EVENTSTORE_SRC_TYPE_REGISTRY_H_
#define FOOTPRINT_EVENTSTORE_SRC_TYPE_REGISTRY_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "base/mutex.h"

namespace footprint::eventstore {

class TypeRegistry {
 public:
  bool Known(absl::string_view type) const {
    base::MutexLock lock(&mu_);
    return types_.contains(type);
  }
  // Sorted.
  std::vector<std::string> All() const {
    base::MutexLock lock(&mu_);
    std::vector<std::string> types(types_.begin(), types_.end());
    std::sort(types.begin(), types.end());
    return types;
  }
  // Called once the types' meta keys are durable (or read at open).
  void Add(std::vector<std::string> types) {
    base::MutexLock lock(&mu_);
    for (auto& type : types) types_.insert(std::move(type));
  }

 private:
  mutable base::Mutex mu_;
  absl::flat_hash_set<std::string> types_ ABSL_GUARDED_BY(mu_);
};

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_TYPE_REGISTRY_H_
