// base::ThreadRole: the writer's role is held by one thread, and a use from any other thread
// stops the process (in every build, not only with assertions on).
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "base/thread_role.h"
#include "catch2/catch.hpp"

namespace footprint::base {
namespace {

// Runs `f` in a forked child; true if the child was killed by SIGABRT.
template <typename F>
bool AbortsInChild(F f) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: silence the expected message, then run.
    std::freopen("/dev/null", "w", stderr);
    f();
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

TEST_CASE("a thread role is held by the thread that took it and by no other", "[base]") {
  ThreadRole role("the test's writer");
  CHECK_FALSE(role.HeldByCurrentThread());
  {
    ThreadRole::Scope scope(&role);
    CHECK(role.HeldByCurrentThread());
    role.AssertHeld();  // does not abort
    bool other_holds = true;
    std::thread other([&] { other_holds = role.HeldByCurrentThread(); });
    other.join();
    CHECK_FALSE(other_holds);
  }
  CHECK_FALSE(role.HeldByCurrentThread());
  // Released, it can be taken by another thread.
  bool taken = false;
  std::thread next([&] {
    ThreadRole::Scope scope(&role);
    taken = role.HeldByCurrentThread();
  });
  next.join();
  CHECK(taken);
}

TEST_CASE("using a thread role from a thread that does not hold it stops the process", "[base]") {
  CHECK(AbortsInChild([] {
    ThreadRole role("the test's writer");
    std::thread holder([&] {
      ThreadRole::Scope scope(&role);
      // Held by `holder`; this (the child's main) thread never took it.
    });
    holder.join();
    role.AssertHeld();  // nobody holds it now
  }));
  CHECK(AbortsInChild([] {
    ThreadRole role("the test's writer");
    ThreadRole::Scope scope(&role);
    std::thread intruder([&] { role.AssertHeld(); });
    intruder.join();
  }));
  CHECK(AbortsInChild([] {
    ThreadRole role("the test's writer");
    ThreadRole::Scope scope(&role);
    std::thread second([&] { role.Acquire(); });  // a second writer
    second.join();
  }));
  // The control: the holder's own use does not abort.
  CHECK_FALSE(AbortsInChild([] {
    ThreadRole role("the test's writer");
    ThreadRole::Scope scope(&role);
    role.AssertHeld();
  }));
}

}  // namespace
}  // namespace footprint::base
