// DeadlineRunner: drives a workflow::DeadlineEngine with a Boost.Asio timer on its own
// thread. It runs the engine at start-up (deadlines that passed while the server was down fire
// then, once each), whenever new events are committed, and when the earliest pending deadline
// falls due by the injected clock (re-checked at least every `max_sleep`, so a clock that jumps
// is noticed).
//
// Thread-safety: Start/Stop/RunNow may be called from any thread; the engine is only touched
// on the runner's thread.
#ifndef FOOTPRINT_SERVICES_DEADLINE_RUNNER_H_
#define FOOTPRINT_SERVICES_DEADLINE_RUNNER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "base/mutex.h"
#include "eventstore/event_store.h"
#include "workflow/deadlines.h"

namespace footprint::services {

// What the runner last saw, for monitoring (published after each run of the engine).
struct DeadlineRunnerStats {
  // by source ("challenge_deadlines", "review_deadlines")
  std::vector<std::pair<std::string, size_t>> pending;
  uint64_t fired = 0;     // appends written since start
  uint64_t already = 0;   // found already written (a retry after a restart)
  uint64_t failures = 0;  // failed evaluations or appends (each retried)
  // Children's records the sources needed to follow events: from the read model, or by reading
  // the child's stream again (workflow/README.md).
  uint64_t records_from_read_model = 0;
  uint64_t records_from_store = 0;
  std::optional<absl::Time> next_due;
};

class DeadlineRunner {
 public:
  // Neither owned; both must outlive the runner.
  DeadlineRunner(eventstore::EventStore* store, const Clock* clock,
                 workflow::DeadlineEngine* engine, absl::Duration max_sleep = absl::Minutes(1));
  ~DeadlineRunner();

  void Start();
  // Stops the timer and the thread; a run in progress finishes first. Idempotent.
  void Stop();
  // Runs the engine now on the runner's thread and waits for it; returns the appends written.
  absl::StatusOr<int> RunNow();
  // The counts as of the last run (any thread).
  DeadlineRunnerStats Stats() const;

 private:
  void Schedule();                                        // runner thread
  void Tick();                                            // runner thread
  void PublishStats(std::optional<absl::Time> next_due);  // runner thread
  void WatchCommits();
  void OnCommit(bool advanced);  // writer or committing thread: must not block

  eventstore::EventStore* const store_;
  const Clock* const clock_;
  workflow::DeadlineEngine* const engine_;
  const absl::Duration max_sleep_;

  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<std::thread> thread_;
  mutable base::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  DeadlineRunnerStats stats_ ABSL_GUARDED_BY(mu_);
  eventstore::CommitNotifier::WaiterId waiter_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_DEADLINE_RUNNER_H_
