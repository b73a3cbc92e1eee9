// Executors: the thread pools that run RPC work off gRPC's callback threads, one per kind of
// work, so that one kind cannot take the threads another needs.
//
//   kRpc        short work: reads answered from RocksDB at once (ReadAll/Subscribe chunks,
//               ListBackups, verification of a short range). Sized to the CPUs (config
//               `read_threads`): this work uses CPU, not waiting.
//   kStoreWait  work that blocks on the store without using a CPU meanwhile: an append waiting
//               for its synced commit (Intake, Challenges, VoidForeignEvent), a read recorded
//               in the access log (one synced write) before it is served, a query waiting for
//               the read model to reach the log's end. Many threads (`store_wait_threads`),
//               since each mostly sleeps and concurrent appends share a sync.
//   kLongJob    rebuilds, backups, verification of a long range of the chain: minutes of I/O.
//               Few threads (`long_job_threads`) and a bounded queue (`long_job_queue`): a job
//               that finds every thread busy waits its turn in order; one that finds the queue
//               full is refused with RESOURCE_EXHAUSTED naming it and the jobs running. A long
//               job can never run on the threads of the other two kinds.
//
// Work posted to kRpc and kStoreWait always runs (their queues are unbounded, as gRPC's own
// flow control bounds the calls in flight).
//
// Thread-safety: thread-safe. Join (or the destructor) waits for the work posted before it;
// work posted afterwards never runs.
#ifndef FOOTPRINT_SERVICES_EXECUTORS_H_
#define FOOTPRINT_SERVICES_EXECUTORS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/mutex.h"

namespace boost::asio {
class thread_pool;
}  // namespace boost::asio

namespace footprint::services {

enum class ExecutorKind { kRpc = 0, kStoreWait = 1, kLongJob = 2 };
inline constexpr size_t kExecutorKinds = 3;

// "rpc", "store_wait", "long_job": the label of the executor metrics.
const char* ExecutorKindName(ExecutorKind kind);

// Threads per executor, and how many long jobs may wait for a thread; the defaults (also
// ServerConfig's) suit a 2-core machine. footprintd's values are checked first
// (ServerConfig::ValidateThreads); here a thread count below 1 is taken as 1, a negative
// queue as 0.
struct ExecutorSizes {
  int rpc_threads = 2;
  int store_wait_threads = 16;
  int long_job_threads = 1;
  int long_job_queue = 4;
};

// One executor's load, as of the call.
struct ExecutorLoad {
  ExecutorKind kind = ExecutorKind::kRpc;
  int threads = 0;
  uint64_t queued = 0;   // posted, waiting for a thread
  uint64_t running = 0;  // on a thread now
  uint64_t refused = 0;  // long jobs refused since the start (always 0 for the others)
};

class Executors {
 public:
  explicit Executors(const ExecutorSizes& sizes);
  // Join()s.
  ~Executors();
  Executors(const Executors&) = delete;
  Executors& operator=(const Executors&) = delete;

  // Runs `work` on `kind`'s threads. REQUIRES: kind is kRpc or kStoreWait (long jobs are
  // admitted: PostLongJob).
  void Post(ExecutorKind kind, absl::AnyInvocable<void()> work);

  // Runs `work` on a long-job thread when one is free, after the jobs admitted before it, then
  // `then` (if any) on that thread once the job no longer counts against the limits: a call
  // answered there can be followed at once by another long job without finding its own place
  // still taken. `name` (the RPC, e.g. "Admin.Backup") names the job in refusals and in the
  // log. RESOURCE_EXHAUSTED naming the job, the jobs running and the config keys when
  // long_job_threads jobs run and long_job_queue wait; neither function then runs.
  absl::Status PostLongJob(absl::string_view name, absl::AnyInvocable<void()> work,
                           absl::AnyInvocable<void()> then = nullptr);

  // Waits for every thread to finish the work posted so far. Idempotent.
  void Join();

  // Each executor's threads and load, in ExecutorKind order.
  std::vector<ExecutorLoad> Load() const;

 private:
  struct Pool {
    std::unique_ptr<boost::asio::thread_pool> threads;
    int size = 0;
    std::atomic<uint64_t> queued{0};
    std::atomic<uint64_t> running{0};
  };
  Pool& PoolOf(ExecutorKind kind) { return pools_[static_cast<size_t>(kind)]; }

  std::array<Pool, kExecutorKinds> pools_;
  const int long_job_queue_;

  // Admission of long jobs: at most long_job_threads running plus long_job_queue waiting.
  mutable base::Mutex jobs_mu_;
  std::vector<std::string> jobs_running_ ABSL_GUARDED_BY(jobs_mu_);  // their names
  size_t jobs_admitted_ ABSL_GUARDED_BY(jobs_mu_) = 0;               // running + waiting
  uint64_t jobs_refused_ ABSL_GUARDED_BY(jobs_mu_) = 0;
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_EXECUTORS_H_
