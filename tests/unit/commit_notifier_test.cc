// CommitNotifier: waiters fire once the committed end passes what they have seen.
#include "eventstore/commit_notifier.h"
#include "catch2/catch.hpp"

namespace footprint::eventstore {
namespace {

TEST_CASE("a waiter behind the committed end is not registered", "[notifier]") {
  CommitNotifier n;
  n.Publish(5);
  int calls = 0;
  CHECK(n.WaitAsync(4, [&](bool) { ++calls; }) == 0);
  CHECK(calls == 0);  // the caller reads again itself
  CHECK(n.committed_end() == 5);
}

TEST_CASE("a waiter at the end fires once when the end moves past it", "[notifier]") {
  CommitNotifier n;
  n.Publish(5);
  std::vector<bool> calls;
  const auto id = n.WaitAsync(5, [&](bool advanced) { calls.push_back(advanced); });
  CHECK(id != 0);
  n.Publish(5);  // no progress: nothing fires
  CHECK(calls.empty());
  n.Publish(6);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0]);
  n.Publish(7);
  CHECK(calls.size() == 1);
  CHECK_FALSE(n.Cancel(id));  // already ran
}

TEST_CASE("a waiter for a later position waits for that position", "[notifier]") {
  CommitNotifier n;
  int calls = 0;
  const auto id = n.WaitAsync(10, [&](bool) { ++calls; });
  CHECK(id != 0);
  n.Publish(10);
  CHECK(calls == 0);
  n.Publish(11);
  CHECK(calls == 1);
}

TEST_CASE("a cancelled waiter never fires", "[notifier]") {
  CommitNotifier n;
  int calls = 0;
  const auto id = n.WaitAsync(0, [&](bool) { ++calls; });
  CHECK(n.Cancel(id));
  n.Publish(1);
  CHECK(calls == 0);
}

TEST_CASE("closing fires every waiter with false and refuses new ones", "[notifier]") {
  CommitNotifier n;
  std::vector<bool> calls;
  n.WaitAsync(0, [&](bool advanced) { calls.push_back(advanced); });
  n.WaitAsync(0, [&](bool advanced) { calls.push_back(advanced); });
  n.Close();
  CHECK(calls == std::vector<bool>{false, false});
  CHECK(n.closed());
  CHECK(n.WaitAsync(0, [&](bool advanced) { calls.push_back(advanced); }) == 0);
  CHECK_FALSE(n.WaitFor(0, absl::Seconds(10)));  // returns at once: closed
}

TEST_CASE("blocking wait returns at once when the end is already past", "[notifier]") {
  CommitNotifier n;
  n.Publish(3);
  CHECK(n.WaitFor(2, absl::ZeroDuration()));
  CHECK_FALSE(n.WaitFor(3, absl::ZeroDuration()));
}

}  // namespace
}  // namespace footprint::eventstore
