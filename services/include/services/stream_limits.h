// StreamLimits: how many server-streaming calls (EventStore.ReadAll and Subscribe) may be open
// at once, in all and per caller identity (YAML `limits: {max_streams,
// max_streams_per_identity}`). Each open stream holds a reactor, a read position and up to two
// response messages (about 2.3 MiB measured for a subscriber that stopped reading), so the limits
// bound what idle or slow clients can hold; a stream beyond them is refused with
// RESOURCE_EXHAUSTED naming the limit, before its read is recorded or anything is read.
//
// Without TLS every caller is "local" (services/access_control.h), so the per-identity limit
// then bounds all callers together.
//
// Thread-safety: all methods may be called from any thread. A Slot must not outlive its
// StreamLimits.
#ifndef FOOTPRINT_SERVICES_STREAM_LIMITS_H_
#define FOOTPRINT_SERVICES_STREAM_LIMITS_H_

#include <cstddef>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/mutex.h"

namespace footprint::services {

class StreamLimits {
 public:
  // One open stream; releases its place when destroyed. Movable, not copyable.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { Release(); }

   private:
    friend class StreamLimits;
    Slot(StreamLimits* limits, std::string identity)
        : limits_(limits), identity_(std::move(identity)) {}
    void Release();

    StreamLimits* limits_ = nullptr;
    std::string identity_;
  };

  // Both limits at least 1.
  StreamLimits(size_t max_streams, size_t max_streams_per_identity)
      : max_streams_(max_streams), max_per_identity_(max_streams_per_identity) {}

  // A place for one more stream of `identity`'s, or RESOURCE_EXHAUSTED naming the limit that
  // is reached and the setting that raises it; `method` names the call in the message.
  absl::StatusOr<Slot> Acquire(const std::string& identity, absl::string_view method);

  size_t open() const;
  size_t open(const std::string& identity) const;
  size_t max_streams() const { return max_streams_; }
  size_t max_streams_per_identity() const { return max_per_identity_; }

 private:
  void Release(const std::string& identity);

  const size_t max_streams_;
  const size_t max_per_identity_;
  mutable base::Mutex mu_;
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, size_t> by_caller_ ABSL_GUARDED_BY(mu_);  // no zero entries
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_STREAM_LIMITS_H_
