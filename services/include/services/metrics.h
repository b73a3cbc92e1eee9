// footprintd's Prometheus metrics over HTTP (prometheus-cpp's pull exposer, GET /metrics), on
// their own address (config `metrics_listen`; off when empty):
//   footprint_rpc_requests_total{method,code}   calls answered, by gRPC method and status code
//   footprint_rpc_duration_seconds{method}       time from the call's start to its status
//   footprint_rpc_in_flight{method}              calls open now (streams: live subscriptions)
//   footprint_log_events                         events committed to the log (its end position)
//   footprint_synced_writes_total, footprint_failed_writes_total, footprint_writer_groups_total,
//   footprint_writer_appends_total, footprint_writer_events_total,
//   footprint_commit_mark_failures_total
//                                                the writer's group commits: one fdatasync per
//                                                synced write; appends / groups is the mean group
//                                                size, events / appends the mean batch size
//   footprint_append_batch_events, footprint_writer_group_appends
//                                                histograms: events per committed append, and
//                                                appends per synced write (eventstore's buckets
//                                                1, 2, 4, ... 512, +Inf)
//   footprint_deadlines_pending{source}, footprint_deadlines_fired_total,
//   footprint_deadlines_already_recorded_total, footprint_deadline_failures_total,
//   footprint_deadline_next_due_timestamp_seconds
//                                                the deadline runner, as of its last run
//   footprint_projection_position{projection}, footprint_projection_lag{projection},
//   footprint_projection_healthy{projection}     each projection worker (queries.proto)
//   footprint_backups_total{result}, footprint_backup_last_success_timestamp_seconds,
//   footprint_backup_last_events, footprint_backup_last_size_bytes,
//   footprint_backup_last_duration_seconds       Admin.Backup since the server started (the
//                                                last_* ones appear after its first success)
//   footprint_executor_threads{executor}, footprint_executor_queued{executor},
//   footprint_executor_running{executor}         each executor (executor="rpc", "store_wait",
//                                                "long_job"; services/executors.h): its threads,
//                                                the work waiting for one, the work on one
//   footprint_long_jobs_refused_total            long jobs refused with RESOURCE_EXHAUSTED
//                                                (every long-job thread busy, the queue full)
// The RPC metrics come from a gRPC server interceptor; the rest are read when scraped.
//
// Thread-safety: thread-safe.
#ifndef FOOTPRINT_SERVICES_METRICS_H_
#define FOOTPRINT_SERVICES_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "eventstore/event_store.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace footprint::services {

class AdminService;
class DeadlineRunner;
class Executors;
class ProjectionHost;
class StateCollector;

class Metrics {
 public:
  // Serves GET /metrics on `listen` (HOST:PORT; port 0 picks a free one). UNAVAILABLE when the
  // address cannot be bound (IPv6 addresses among them: Debian's CivetWeb, under
  // prometheus-cpp, binds IPv4 only). `store` must outlive the Metrics.
  static absl::StatusOr<std::unique_ptr<Metrics>> Start(const std::string& listen,
                                                        const eventstore::EventStore* store);
  ~Metrics();

  // The projections to report (set once the host exists; it must outlive the Metrics or be
  // reset to nullptr first).
  void SetProjectionHost(const ProjectionHost* host);
  // The deadline runner to report (the same lifetime rule).
  void SetDeadlineRunner(const DeadlineRunner* runner);
  // The admin service whose backups to report (the same lifetime rule).
  void SetAdminService(const AdminService* admin);
  // The executors whose load to report (the same lifetime rule).
  void SetExecutors(const Executors* executors);

  // For ServerBuilder::experimental().SetInterceptorCreators.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

  // "host:port" actually bound.
  const std::string& address() const { return address_; }

  struct Families;

 private:
  Metrics() = default;

  std::string address_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> families_;
  std::shared_ptr<StateCollector> state_;
  std::unique_ptr<prometheus::Exposer> exposer_;  // last: stops serving first
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_METRICS_H_
