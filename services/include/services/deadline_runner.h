// DeadlineRunner: drives a projections::DeadlineEngine with a Boost.Asio timer on its own
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
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "projections/deadlines.h"

namespace footprint::services {

class DeadlineRunner {
 public:
  // Neither owned; both must outlive the runner.
  DeadlineRunner(eventstore::EventStore* store, const Clock* clock,
                 projections::DeadlineEngine* engine, absl::Duration max_sleep = absl::Minutes(1));
  ~DeadlineRunner();

  void Start();
  // Stops the timer and the thread; a run in progress finishes first. Idempotent.
  void Stop();
  // Runs the engine now on the runner's thread and waits for it; returns the appends written.
  absl::StatusOr<int> RunNow();

 private:
  void Schedule();  // runner thread
  void Tick();      // runner thread
  void WatchCommits();
  void OnCommit(bool advanced);  // writer or committing thread: must not block

  eventstore::EventStore* const store_;
  const Clock* const clock_;
  projections::DeadlineEngine* const engine_;
  const absl::Duration max_sleep_;

  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<std::thread> thread_;
  std::mutex mu_;
  bool stopped_ = false;                             // Guarded by mu_.
  eventstore::CommitNotifier::WaiterId waiter_ = 0;  // Guarded by mu_.
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_DEADLINE_RUNNER_H_
