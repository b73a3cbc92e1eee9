#include "services/executors.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cassert>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"

namespace footprint::services {
namespace {

std::shared_ptr<absl::AnyInvocable<void()>> Share(absl::AnyInvocable<void()> work) {
  return std::make_shared<absl::AnyInvocable<void()>>(std::move(work));
}

}  // namespace

const char* ExecutorKindName(ExecutorKind kind) {
  switch (kind) {
    case ExecutorKind::kRpc:
      return "rpc";
    case ExecutorKind::kStoreWait:
      return "store_wait";
    case ExecutorKind::kLongJob:
      return "long_job";
  }
  return "unknown";
}

Executors::Executors(const ExecutorSizes& sizes)
    : long_job_queue_(std::max(0, sizes.long_job_queue)) {
  const int threads[kExecutorKinds] = {sizes.rpc_threads, sizes.store_wait_threads,
                                       sizes.long_job_threads};
  for (size_t i = 0; i < kExecutorKinds; ++i) {
    pools_[i].size = std::max(1, threads[i]);
    pools_[i].threads = std::make_unique<boost::asio::thread_pool>(pools_[i].size);
  }
}

Executors::~Executors() { Join(); }

void Executors::Post(ExecutorKind kind, absl::AnyInvocable<void()> work) {
  assert(kind != ExecutorKind::kLongJob);
  Pool& pool = PoolOf(kind);
  pool.queued.fetch_add(1);
  // Asio copies handlers in places: the move-only work travels behind a shared pointer.
  boost::asio::post(*pool.threads, [&pool, shared = Share(std::move(work))] {
    pool.queued.fetch_sub(1);
    pool.running.fetch_add(1);
    (*shared)();
    pool.running.fetch_sub(1);
  });
}

absl::Status Executors::PostLongJob(absl::string_view name, absl::AnyInvocable<void()> work,
                                    absl::AnyInvocable<void()> then) {
  Pool& pool = PoolOf(ExecutorKind::kLongJob);
  bool waits = false;
  {
    base::MutexLock lock(&jobs_mu_);
    const size_t capacity = static_cast<size_t>(pool.size) + static_cast<size_t>(long_job_queue_);
    if (jobs_admitted_ >= capacity) {
      ++jobs_refused_;
      std::vector<std::string> names = jobs_running_;
      std::sort(names.begin(), names.end());
      const std::string running =
          names.empty() ? "jobs about to start" : absl::StrJoin(names, ", ");
      return absl::ResourceExhaustedError(
          absl::StrCat(name, " is a long job and cannot start now: every long-job thread is busy (",
                       "long_job_threads: ", pool.size, "; running: ", running,
                       ") and the queue is full (long_job_queue: ", long_job_queue_,
                       "); try again when one has finished"));
    }
    waits = jobs_admitted_ >= static_cast<size_t>(pool.size);
    ++jobs_admitted_;
  }
  pool.queued.fetch_add(1);
  const auto posted_at = std::chrono::steady_clock::now();
  boost::asio::post(
      *pool.threads, [this, &pool, shared = Share(std::move(work)), then = Share(std::move(then)),
                      waits, posted_at, job = std::string(name)] {
        pool.queued.fetch_sub(1);
        pool.running.fetch_add(1);
        {
          base::MutexLock lock(&jobs_mu_);
          jobs_running_.push_back(job);
        }
        if (waits) {
          spdlog::info(
              "long job {} starts after {:.3f} s waiting for a long-job thread", job,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - posted_at).count());
        }
        (*shared)();
        {
          base::MutexLock lock(&jobs_mu_);
          jobs_running_.erase(std::find(jobs_running_.begin(), jobs_running_.end(), job));
          --jobs_admitted_;
        }
        pool.running.fetch_sub(1);
        if (*then) (*then)();
      });
  return absl::OkStatus();
}

void Executors::Join() {
  for (Pool& pool : pools_) pool.threads->join();
}

std::vector<ExecutorLoad> Executors::Load() const {
  std::vector<ExecutorLoad> load;
  for (size_t i = 0; i < kExecutorKinds; ++i) {
    ExecutorLoad& l = load.emplace_back();
    l.kind = static_cast<ExecutorKind>(i);
    l.threads = pools_[i].size;
    l.queued = pools_[i].queued.load();
    l.running = pools_[i].running.load();
  }
  base::MutexLock lock(&jobs_mu_);
  load[static_cast<size_t>(ExecutorKind::kLongJob)].refused = jobs_refused_;
  return load;
}

}  // namespace footprint::services
