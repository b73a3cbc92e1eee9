// ThreadRole: state that only one thread may touch, named and checked.
//
// A role is a capability for clang's thread-safety analysis, like a mutex that is never
// contended: state only the role's thread touches is ABSL_GUARDED_BY(role), functions that only
// it runs are ABSL_EXCLUSIVE_LOCKS_REQUIRED(role), and the thread that takes the role for its
// whole life (a writer thread, say) says so with a ThreadRole::Scope at its start. Unlike a
// debug-only check, AssertHeld checks in every build: it costs one atomic load and a compare,
// and a wrong thread there is a data race on the store's state, which must never be silent.
//
// Thread-safety: every method may be called from any thread.
#ifndef FOOTPRINT_BASE_THREAD_ROLE_H_
#define FOOTPRINT_BASE_THREAD_ROLE_H_

#include <atomic>
#include <thread>

#include "absl/base/thread_annotations.h"

namespace footprint::base {

class ABSL_LOCKABLE ThreadRole {
 public:
  // `name` (a literal) is quoted when a check fails: "the event store's writer", say.
  explicit constexpr ThreadRole(const char* name) : name_(name) {}
  ThreadRole(const ThreadRole&) = delete;
  ThreadRole& operator=(const ThreadRole&) = delete;

  // The calling thread takes the role. Aborts if another thread holds it.
  void Acquire() ABSL_EXCLUSIVE_LOCK_FUNCTION();
  // The calling thread gives the role up. Aborts unless it holds it.
  void Release() ABSL_UNLOCK_FUNCTION();
  // Aborts, naming the role, unless the calling thread holds it.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK();
  // Whether the calling thread holds the role.
  bool HeldByCurrentThread() const {
    return owner_.load(std::memory_order_acquire) == std::this_thread::get_id();
  }
  const char* name() const { return name_; }

  // Holds the role for a scope (a thread's whole loop, say).
  class ABSL_SCOPED_LOCKABLE Scope {
   public:
    explicit Scope(ThreadRole* role) ABSL_EXCLUSIVE_LOCK_FUNCTION(role) : role_(role) {
      role_->Acquire();
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() ABSL_UNLOCK_FUNCTION() { role_->Release(); }

   private:
    ThreadRole* const role_;
  };

 private:
  const char* const name_;
  std::atomic<std::thread::id> owner_{};
};

}  // namespace footprint::base

#endif  // FOOTPRINT_BASE_THREAD_ROLE_H_
