// The executors: long jobs wait their turn on their own threads, a long job beyond the queue is
// refused naming it, and while every long-job thread is held the other executors still run
// work. Jobs block on promises, never on sleeps.
#include "services/executors.h"

#include <future>
#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace footprint::services {
namespace {

// One thread each for short work and store waits; `long_job_threads` and `long_job_queue`.
ExecutorSizes Sizes(int long_job_threads, int long_job_queue) {
  ExecutorSizes sizes;
  sizes.rpc_threads = 1;
  sizes.store_wait_threads = 1;
  sizes.long_job_threads = long_job_threads;
  sizes.long_job_queue = long_job_queue;
  return sizes;
}

const ExecutorLoad& LoadOf(const std::vector<ExecutorLoad>& load, ExecutorKind kind) {
  return load[static_cast<size_t>(kind)];
}

TEST_CASE("long jobs wait in order for their threads and one beyond the queue is refused",
          "[executors]") {
  Executors executors(Sizes(1, 1));

  std::promise<void> rebuild_started;
  std::promise<void> release_rebuild;
  std::shared_future<void> released = release_rebuild.get_future().share();
  REQUIRE(executors
              .PostLongJob("Projections.Rebuild",
                           [&rebuild_started, released] {
                             rebuild_started.set_value();
                             released.wait();
                           })
              .ok());
  rebuild_started.get_future().wait();

  std::promise<void> backup_ran;
  REQUIRE(executors.PostLongJob("Admin.Backup", [&backup_ran] { backup_ran.set_value(); }).ok());
  bool verify_ran = false;
  const absl::Status refused =
      executors.PostLongJob("EventStore.VerifyChain", [&verify_ran] { verify_ran = true; });
  CHECK(refused.code() == absl::StatusCode::kResourceExhausted);
  CHECK(refused.message() ==
        "EventStore.VerifyChain is a long job and cannot start now: every long-job thread is busy "
        "(long_job_threads: 1; running: Projections.Rebuild) and the queue is full "
        "(long_job_queue: 1); try again when one has finished");

  std::vector<ExecutorLoad> load = executors.Load();
  CHECK(LoadOf(load, ExecutorKind::kLongJob).threads == 1);
  CHECK(LoadOf(load, ExecutorKind::kLongJob).running == 1);
  CHECK(LoadOf(load, ExecutorKind::kLongJob).queued == 1);
  CHECK(LoadOf(load, ExecutorKind::kLongJob).refused == 1);

  // The rebuild holds the only long-job thread: the other executors still run their work.
  std::promise<std::string> short_work;
  std::promise<std::string> store_wait;
  executors.Post(ExecutorKind::kRpc, [&short_work] { short_work.set_value("read"); });
  executors.Post(ExecutorKind::kStoreWait, [&store_wait] { store_wait.set_value("append"); });
  CHECK(short_work.get_future().get() == "read");
  CHECK(store_wait.get_future().get() == "append");

  // The queued backup runs once the rebuild is done; then there is room again.
  release_rebuild.set_value();
  backup_ran.get_future().wait();
  executors.Join();
  CHECK_FALSE(verify_ran);  // a refused job never runs
  load = executors.Load();
  for (const ExecutorLoad& l : load) {
    INFO(ExecutorKindName(l.kind));
    CHECK(l.queued == 0);
    CHECK(l.running == 0);
  }
}

TEST_CASE("with no long-job queue a second long job is refused at once", "[executors]") {
  Executors executors(Sizes(2, 0));
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> first_started;
  std::promise<void> second_started;
  REQUIRE(executors
              .PostLongJob("Admin.Backup",
                           [&first_started, released] {
                             first_started.set_value();
                             released.wait();
                           })
              .ok());
  REQUIRE(executors
              .PostLongJob("Projections.Rebuild",
                           [&second_started, released] {
                             second_started.set_value();
                             released.wait();
                           })
              .ok());
  // Two threads: both run at once.
  first_started.get_future().wait();
  second_started.get_future().wait();
  const absl::Status refused = executors.PostLongJob("Admin.Backup", [] {});
  CHECK(refused.code() == absl::StatusCode::kResourceExhausted);
  CHECK(refused.message() ==
        "Admin.Backup is a long job and cannot start now: every long-job thread is busy "
        "(long_job_threads: 2; running: Admin.Backup, Projections.Rebuild) and the queue is full "
        "(long_job_queue: 0); try again when one has finished");
  release.set_value();
  executors.Join();
}

TEST_CASE("a long job's follow-up runs once its place is free for the next job", "[executors]") {
  // How OnPool answers a long job's call: the caller may ask for the next one as soon as it
  // has its answer, even with one thread and no queue.
  Executors executors(Sizes(1, 0));
  std::promise<absl::Status> next;
  std::promise<void> next_ran;
  REQUIRE(executors
              .PostLongJob(
                  "Admin.Backup", [] {},
                  [&] {
                    next.set_value(executors.PostLongJob("Admin.Backup",
                                                         [&next_ran] { next_ran.set_value(); }));
                  })
              .ok());
  CHECK(next.get_future().get().ok());
  next_ran.get_future().wait();
  executors.Join();
}

}  // namespace
}  // namespace footprint::services
