// Mutex, MutexLock, CondVar: absl::Mutex and absl::CondVar, annotated for clang's thread-safety
// analysis (ABSL_GUARDED_BY, ABSL_EXCLUSIVE_LOCKS_REQUIRED) and visible to ThreadSanitizer.
//
// Debian's Abseil is not built with ThreadSanitizer, so its Mutex takes and releases the lock in
// code TSan cannot see, and every access to guarded data would be reported as a race. Under TSan
// these classes tell the runtime about each lock and unlock (the __tsan_mutex_* interface that
// Abseil itself uses when it is built with TSan); in every other build they are exactly the
// Abseil types, inlined.
//
// Only exclusive locking and CondVar waits are offered: Mutex::Await with a Condition would let
// Abseil evaluate the condition on the unlocking thread, which these annotations do not cover.
//
// Thread-safety: as absl::Mutex.
#ifndef FOOTPRINT_BASE_MUTEX_H_
#define FOOTPRINT_BASE_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FOOTPRINT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define FOOTPRINT_TSAN 1
#endif

#ifdef FOOTPRINT_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace footprint::base {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
#ifdef FOOTPRINT_TSAN
  ~Mutex() { __tsan_mutex_destroy(this, 0); }
#endif

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
#ifdef FOOTPRINT_TSAN
    __tsan_mutex_pre_lock(this, 0);
#endif
    mu_.Lock();
#ifdef FOOTPRINT_TSAN
    __tsan_mutex_post_lock(this, 0, 0);
#endif
  }

  void Unlock() ABSL_UNLOCK_FUNCTION() {
#ifdef FOOTPRINT_TSAN
    __tsan_mutex_pre_unlock(this, 0);
#endif
    mu_.Unlock();
#ifdef FOOTPRINT_TSAN
    __tsan_mutex_post_unlock(this, 0);
#endif
  }

  // Takes the lock if it is free; true if it did.
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
#ifdef FOOTPRINT_TSAN
    __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
#endif
    const bool locked = mu_.TryLock();
#ifdef FOOTPRINT_TSAN
    __tsan_mutex_post_lock(this, locked ? __tsan_mutex_try_lock : __tsan_mutex_try_lock_failed, 0);
#endif
    return locked;
  }

  // Tells the analysis (and, in debug builds, checks) that the calling thread holds the lock.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() { mu_.AssertHeld(); }

 private:
  friend class CondVar;
  absl::Mutex mu_;
};

// Holds `mu` for its scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }

 private:
  Mutex* const mu_;
};

class CondVar {
 public:
  // Releases `mu` while waiting, and holds it again on return. Returns on a signal or
  // spuriously: callers wait in a loop on their condition.
  void Wait(Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    BeforeWait(mu);
    cv_.Wait(&mu->mu_);
    AfterWait(mu);
  }
  // As Wait, but also returns once `timeout` has passed; true if it timed out.
  bool WaitWithTimeout(Mutex* mu, absl::Duration timeout) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    BeforeWait(mu);
    const bool timed_out = cv_.WaitWithTimeout(&mu->mu_, timeout);
    AfterWait(mu);
    return timed_out;
  }
  // As Wait, but also returns at `deadline`; true if it was reached.
  bool WaitWithDeadline(Mutex* mu, absl::Time deadline) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    BeforeWait(mu);
    const bool timed_out = cv_.WaitWithDeadline(&mu->mu_, deadline);
    AfterWait(mu);
    return timed_out;
  }
  void Signal() { cv_.Signal(); }
  void SignalAll() { cv_.SignalAll(); }

 private:
  // The wait releases and takes the lock inside Abseil: TSan is told of both.
  static void BeforeWait([[maybe_unused]] Mutex* mu) {
#ifdef FOOTPRINT_TSAN
    __tsan_mutex_pre_unlock(mu, 0);
    __tsan_mutex_post_unlock(mu, 0);
#endif
  }
  static void AfterWait([[maybe_unused]] Mutex* mu) {
#ifdef FOOTPRINT_TSAN
    __tsan_mutex_pre_lock(mu, 0);
    __tsan_mutex_post_lock(mu, 0, 0);
#endif
  }

  absl::CondVar cv_;
};

}  // namespace footprint::base

#endif  // FOOTPRINT_BASE_MUTEX_H_
