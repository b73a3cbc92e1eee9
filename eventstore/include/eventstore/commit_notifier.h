// CommitNotifier: tells readers that the committed end of the log moved.
//
// The writer publishes the new committed end after each durable group; subscribers register a
// one-shot waiter and are called back (or woken) when the end passes the position they have
// read up to. Readers always fetch events from the store itself, so a waiter firing late or
// twice can never cause a gap or a duplicate.
//
// Thread-safety: all methods are thread-safe. Callbacks run on the publishing thread (the
// writer) or on the thread that calls Close(), outside the internal lock; they must not block.
#ifndef FOOTPRINT_EVENTSTORE_COMMIT_NOTIFIER_H_
#define FOOTPRINT_EVENTSTORE_COMMIT_NOTIFIER_H_

#include <atomic>
#include <cstdint>
#include <map>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "base/mutex.h"

namespace footprint::eventstore {

class CommitNotifier {
 public:
  using WaiterId = uint64_t;
  // Called with true when the end passed the awaited position, false when the notifier closed.
  using Callback = absl::AnyInvocable<void(bool advanced) &&>;

  // Number of committed events (the position the next event will get).
  uint64_t committed_end() const { return end_.load(std::memory_order_acquire); }

  // Registers `cb` to run once the committed end is greater than `end_seen`. When that is
  // already true, or the notifier is closed, returns 0 and drops `cb` without running it: the
  // caller checks again itself. Otherwise returns an id for Cancel.
  WaiterId WaitAsync(uint64_t end_seen, Callback cb);

  // Removes a waiter. Returns true when it was removed before running.
  bool Cancel(WaiterId id);

  // Blocks until the committed end is greater than `end_seen`, the notifier closes, or
  // `timeout` passes. Returns true when the end advanced.
  bool WaitFor(uint64_t end_seen, absl::Duration timeout);

  // Writer side: sets the committed end (committed_end() and new waits see it at once) without
  // waking anyone; Publish must follow. The writer answers a group's appends between the two, so
  // that waking readers does not delay the answers, and a client that reads after its answer
  // still finds its events.
  void Advance(uint64_t new_end);
  // Writer side: sets the committed end and runs (or wakes) the waiters it satisfies.
  void Publish(uint64_t new_end);

  // Runs every waiter with false; later waits return at once. Idempotent.
  void Close();
  bool closed() const { return closed_.load(std::memory_order_acquire); }

 private:
  std::atomic<uint64_t> end_{0};
  std::atomic<bool> closed_{false};
  base::Mutex mu_;
  base::CondVar cv_;
  WaiterId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  struct Waiter {
    uint64_t end_seen;
    Callback callback;
  };
  std::map<WaiterId, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_COMMIT_NOTIFIER_H_
