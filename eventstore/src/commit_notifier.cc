#include "eventstore/commit_notifier.h"

#include <vector>

namespace footprint::eventstore {

CommitNotifier::WaiterId CommitNotifier::WaitAsync(uint64_t end_seen, Callback cb) {
  base::MutexLock lock(&mu_);
  if (closed_.load(std::memory_order_relaxed) || end_.load(std::memory_order_relaxed) > end_seen) {
    return 0;
  }
  const WaiterId id = next_id_++;
  waiters_.emplace(id, Waiter{end_seen, std::move(cb)});
  return id;
}

bool CommitNotifier::Cancel(WaiterId id) {
  base::MutexLock lock(&mu_);
  return waiters_.erase(id) > 0;
}

bool CommitNotifier::WaitFor(uint64_t end_seen, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  base::MutexLock lock(&mu_);
  while (!closed_.load(std::memory_order_relaxed) &&
         end_.load(std::memory_order_relaxed) <= end_seen) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  return end_.load(std::memory_order_relaxed) > end_seen;
}

void CommitNotifier::Advance(uint64_t new_end) {
  // Waiters check the end under mu_; one that checked before this store and then waits is woken
  // by the Publish that follows, which takes mu_.
  end_.store(new_end, std::memory_order_release);
}

void CommitNotifier::Publish(uint64_t new_end) {
  std::vector<Callback> ready;
  {
    base::MutexLock lock(&mu_);
    end_.store(new_end, std::memory_order_release);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (new_end > it->second.end_seen) {
        ready.push_back(std::move(it->second.callback));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    cv_.SignalAll();
  }
  for (auto& cb : ready) std::move(cb)(true);
}

void CommitNotifier::Close() {
  std::map<WaiterId, Waiter> waiters;
  {
    base::MutexLock lock(&mu_);
    closed_.store(true, std::memory_order_release);
    waiters.swap(waiters_);
    cv_.SignalAll();
  }
  for (auto& [id, waiter] : waiters) std::move(waiter.callback)(false);
}

}  // namespace footprint::eventstore
