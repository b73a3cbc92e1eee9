#include "services/deadline_runner.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>

#include "spdlog/spdlog.h"

namespace footprint::services {

DeadlineRunner::DeadlineRunner(eventstore::EventStore* store, const Clock* clock,
                               workflow::DeadlineEngine* engine, absl::Duration max_sleep)
    : store_(store), clock_(clock), engine_(engine), max_sleep_(max_sleep), timer_(io_) {}

DeadlineRunner::~DeadlineRunner() { Stop(); }

void DeadlineRunner::Start() {
  // Queued before anything RunNow can queue: the start-up run always comes first.
  boost::asio::post(io_, [this] { Tick(); });
  thread_ = std::make_unique<std::thread>([this] {
    auto guard = boost::asio::make_work_guard(io_);
    io_.run();
  });
}

void DeadlineRunner::Stop() {
  {
    base::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    if (waiter_ != 0) store_->notifier().Cancel(waiter_);
    waiter_ = 0;
  }
  io_.stop();
  if (thread_ && thread_->joinable()) thread_->join();
}

absl::StatusOr<int> DeadlineRunner::RunNow() {
  std::promise<absl::StatusOr<int>> done;
  auto result = done.get_future();
  boost::asio::post(io_, [this, &done] {
    auto fired = engine_->FireDue();
    PublishStats(engine_->NextDue());
    done.set_value(std::move(fired));
  });
  return result.get();
}

void DeadlineRunner::Tick() {
  const uint64_t failures_before = engine_->stats().failures;
  auto fired = engine_->FireDue();
  if (engine_->stats().failures != failures_before) {
    spdlog::error("deadlines: {} failed; retrying in {}: last: {}",
                  engine_->stats().failures - failures_before,
                  absl::FormatDuration(workflow::DeadlineEngine::kRetryDelay),
                  engine_->stats().last_failure);
  }
  if (!fired.ok()) {
    spdlog::error("deadlines: {}", fired.status().ToString());
  } else if (*fired > 0) {
    spdlog::info("deadlines: recorded {} missed deadline(s)", *fired);
  }
  WatchCommits();
  Schedule();
}

DeadlineRunnerStats DeadlineRunner::Stats() const {
  base::MutexLock lock(&mu_);
  return stats_;
}

void DeadlineRunner::PublishStats(std::optional<absl::Time> next_due) {
  DeadlineRunnerStats stats;
  stats.pending = engine_->PendingBySource();
  stats.fired = engine_->stats().fired;
  stats.already = engine_->stats().already;
  stats.failures = engine_->stats().failures;
  const workflow::RecordReads reads = engine_->record_reads();
  stats.records_from_read_model = reads.from_read_model;
  stats.records_from_store = reads.from_store;
  stats.next_due = next_due;
  base::MutexLock lock(&mu_);
  stats_ = std::move(stats);
}

void DeadlineRunner::Schedule() {
  absl::Duration sleep = max_sleep_;
  const std::optional<absl::Time> next = engine_->NextDue();
  if (next) sleep = std::min(sleep, std::max(absl::ZeroDuration(), *next - clock_->Now()));
  PublishStats(next);
  timer_.expires_after(absl::ToChronoNanoseconds(sleep));
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) Tick();
  });
}

void DeadlineRunner::WatchCommits() {
  base::MutexLock lock(&mu_);
  if (stopped_ || waiter_ != 0) return;
  // New events may add or move deadlines: run again after the next commit (the engine reads
  // everything it has not seen, so one wake-up per batch of commits is enough).
  waiter_ = store_->notifier().WaitAsync(engine_->position(),
                                         [this](bool advanced) { OnCommit(advanced); });
  if (waiter_ == 0 && !store_->notifier().closed()) {
    // Already committed past what the engine has read.
    boost::asio::post(io_, [this] {
      timer_.cancel();
      Tick();
    });
  }
}

void DeadlineRunner::OnCommit(bool advanced) {
  {
    base::MutexLock lock(&mu_);
    waiter_ = 0;
    if (stopped_ || !advanced) return;
  }
  boost::asio::post(io_, [this] {
    timer_.cancel();  // Tick reschedules
    Tick();
  });
}

}  // namespace footprint::services
