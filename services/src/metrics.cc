#include "services/metrics.h"
#include "base/mutex.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <exception>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/admin_service.h"
#include "services/config.h"
#include "services/deadline_runner.h"
#include "services/executors.h"
#include "services/projection_host.h"

namespace footprint::services {

struct Metrics::Families {
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& duration;
  prometheus::Family<prometheus::Gauge>& in_flight;
};

// What is read when scraped: the log's end, the writer's counters, the projection workers.
class StateCollector final : public prometheus::Collectable {
 public:
  explicit StateCollector(const eventstore::EventStore* store) : store_(store) {}

  void SetProjectionHost(const ProjectionHost* host) {
    base::MutexLock lock(&mu_);
    host_ = host;
  }
  void SetDeadlineRunner(const DeadlineRunner* runner) {
    base::MutexLock lock(&mu_);
    runner_ = runner;
  }
  void SetAdminService(const AdminService* admin) {
    base::MutexLock lock(&mu_);
    admin_ = admin;
  }
  void SetExecutors(const Executors* executors) {
    base::MutexLock lock(&mu_);
    executors_ = executors;
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    const auto one = [&](const char* name, const char* help, prometheus::MetricType type,
                         double value) {
      prometheus::MetricFamily family{name, help, type, {}};
      prometheus::ClientMetric metric;
      if (type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
      } else {
        metric.gauge.value = value;
      }
      family.metric.push_back(metric);
      out.push_back(std::move(family));
    };
    const eventstore::WriterStats stats = store_->Stats();
    one("footprint_log_events", "Events committed to the log (the log's end position).",
        prometheus::MetricType::Gauge, static_cast<double>(store_->CommittedEnd().value));
    one("footprint_synced_writes_total",
        "Group commits written with one synced RocksDB write (one fdatasync) each.",
        prometheus::MetricType::Counter, static_cast<double>(stats.synced_writes));
    one("footprint_failed_writes_total", "Group commits whose write failed.",
        prometheus::MetricType::Counter, static_cast<double>(stats.failed_writes));
    one("footprint_writer_groups_total", "Groups of appends the writer processed.",
        prometheus::MetricType::Counter, static_cast<double>(stats.groups));
    one("footprint_writer_appends_total", "Append requests in those groups.",
        prometheus::MetricType::Counter, static_cast<double>(stats.appends_in_groups));
    one("footprint_writer_events_total", "Events the writer committed.",
        prometheus::MetricType::Counter, static_cast<double>(stats.events_committed));
    one("footprint_commit_mark_failures_total",
        "Failed writes or syncs of the commit mark (DATA_DIR/COMMITTED); appends go on, but the "
        "check at open covers less until a later write succeeds.",
        prometheus::MetricType::Counter, static_cast<double>(stats.commit_mark_failures));

    const auto histogram = [&](const char* name, const char* help,
                               const eventstore::SizeHistogram& h) {
      prometheus::MetricFamily family{name, help, prometheus::MetricType::Histogram, {}};
      prometheus::ClientMetric metric;
      uint64_t cumulative = 0;
      for (size_t i = 0; i < eventstore::kSizeBuckets.size(); ++i) {
        cumulative += h.counts[i];
        metric.histogram.bucket.push_back(
            {cumulative, static_cast<double>(eventstore::kSizeBuckets[i])});
      }
      cumulative += h.counts.back();
      metric.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
      metric.histogram.sample_count = cumulative;
      metric.histogram.sample_sum = static_cast<double>(h.sum);
      family.metric.push_back(std::move(metric));
      out.push_back(std::move(family));
    };
    histogram("footprint_append_batch_events",
              "Events per committed append request (its batch size).", stats.batch_events);
    histogram("footprint_writer_group_appends",
              "Append requests committed together in one synced write.", stats.group_appends);

    base::MutexLock lock(&mu_);
    if (runner_ != nullptr) {
      const DeadlineRunnerStats d = runner_->Stats();
      prometheus::MetricFamily pending{"footprint_deadlines_pending",
                                       "Deadlines waiting to fall due, by source.",
                                       prometheus::MetricType::Gauge,
                                       {}};
      for (const auto& [source, count] : d.pending) {
        prometheus::ClientMetric metric;
        metric.label = {{"source", source}};
        metric.gauge.value = static_cast<double>(count);
        pending.metric.push_back(std::move(metric));
      }
      out.push_back(std::move(pending));
      one("footprint_deadlines_fired_total",
          "Missed deadlines recorded (DeadlineMissed, escalations on silence, overdue reviews).",
          prometheus::MetricType::Counter, static_cast<double>(d.fired));
      one("footprint_deadlines_already_recorded_total",
          "Deadlines found already recorded when they fell due (after a restart).",
          prometheus::MetricType::Counter, static_cast<double>(d.already));
      prometheus::MetricFamily reads{
          "footprint_deadline_record_reads_total",
          "Children's records the deadline sources needed to follow new events, by where they "
          "came from: the children read model, or the child's stream read again.",
          prometheus::MetricType::Counter,
          {}};
      for (const auto& [from, count] :
           {std::pair<const char*, uint64_t>{"read_model", d.records_from_read_model},
            {"store", d.records_from_store}}) {
        prometheus::ClientMetric metric;
        metric.label = {{"from", from}};
        metric.counter.value = static_cast<double>(count);
        reads.metric.push_back(std::move(metric));
      }
      out.push_back(std::move(reads));
      one("footprint_deadline_failures_total",
          "Deadline evaluations or appends that failed (each is retried after a minute).",
          prometheus::MetricType::Counter, static_cast<double>(d.failures));
      if (d.next_due) {
        one("footprint_deadline_next_due_timestamp_seconds",
            "When the earliest pending deadline falls due (Unix time).",
            prometheus::MetricType::Gauge, absl::ToDoubleSeconds(*d.next_due - absl::UnixEpoch()));
      }
    }
    if (admin_ != nullptr) {
      const BackupStats b = admin_->Stats();
      prometheus::MetricFamily backups{"footprint_backups_total",
                                       "Admin.Backup runs since the server started, by result.",
                                       prometheus::MetricType::Counter,
                                       {}};
      for (const auto& [result, count] : {std::pair{"ok", b.succeeded}, {"failed", b.failed}}) {
        prometheus::ClientMetric metric;
        metric.label = {{"result", result}};
        metric.counter.value = static_cast<double>(count);
        backups.metric.push_back(std::move(metric));
      }
      out.push_back(std::move(backups));
      if (b.last_success) {
        one("footprint_backup_last_success_timestamp_seconds",
            "When the last successful backup since the server started finished (Unix time).",
            prometheus::MetricType::Gauge,
            absl::ToDoubleSeconds(*b.last_success - absl::UnixEpoch()));
        one("footprint_backup_last_events", "Events in the log at the last successful backup.",
            prometheus::MetricType::Gauge, static_cast<double>(b.last_log_events));
        one("footprint_backup_last_size_bytes", "Size of the last successful log backup.",
            prometheus::MetricType::Gauge, static_cast<double>(b.last_log_bytes));
        one("footprint_backup_last_duration_seconds", "How long the last successful backup took.",
            prometheus::MetricType::Gauge, b.last_seconds);
      }
    }
    if (executors_ != nullptr) {
      const std::vector<ExecutorLoad> load = executors_->Load();
      const auto per_executor = [&](const char* name, const char* help, auto value) {
        prometheus::MetricFamily family{name, help, prometheus::MetricType::Gauge, {}};
        for (const ExecutorLoad& l : load) {
          prometheus::ClientMetric metric;
          metric.label = {{"executor", ExecutorKindName(l.kind)}};
          metric.gauge.value = static_cast<double>(value(l));
          family.metric.push_back(std::move(metric));
        }
        out.push_back(std::move(family));
      };
      per_executor("footprint_executor_threads", "Threads of the executor (a kind of RPC work).",
                   [](const ExecutorLoad& l) { return l.threads; });
      per_executor("footprint_executor_queued",
                   "Work posted to the executor, waiting for a thread.",
                   [](const ExecutorLoad& l) { return l.queued; });
      per_executor("footprint_executor_running", "Work running on the executor's threads.",
                   [](const ExecutorLoad& l) { return l.running; });
      one("footprint_long_jobs_refused_total",
          "Long jobs (rebuilds, backups, long verifications) refused because every long-job "
          "thread was busy and the queue was full.",
          prometheus::MetricType::Counter,
          static_cast<double>(load[static_cast<size_t>(ExecutorKind::kLongJob)].refused));
    }
    if (host_ == nullptr) return out;
    const v1::ProjectionsStatusResponse status = host_->Status();
    prometheus::MetricFamily position{"footprint_projection_position",
                                      "The next log position the projection worker will read.",
                                      prometheus::MetricType::Gauge,
                                      {}};
    prometheus::MetricFamily lag{"footprint_projection_lag",
                                 "Committed events the projection worker has not applied.",
                                 prometheus::MetricType::Gauge,
                                 {}};
    prometheus::MetricFamily healthy{"footprint_projection_healthy",
                                     "1 while the worker runs, 0 when it stopped on an error.",
                                     prometheus::MetricType::Gauge,
                                     {}};
    prometheus::MetricFamily foreign{
        "footprint_foreign_events",
        "Events of children's streams that are not domain events, left out of the records and not "
        "voided (docs/operations.md, \"Events that are not domain events\").",
        prometheus::MetricType::Gauge,
        {}};
    for (const v1::ProjectionState& p : status.projections()) {
      prometheus::ClientMetric metric;
      metric.label = {{"projection", p.name()}};
      metric.gauge.value = static_cast<double>(p.position());
      position.metric.push_back(metric);
      metric.gauge.value = static_cast<double>(p.lag());
      lag.metric.push_back(metric);
      metric.gauge.value = p.healthy() ? 1 : 0;
      healthy.metric.push_back(metric);
      if (p.name() == projections::ChildrenProjection::kName) {
        prometheus::ClientMetric count;
        count.gauge.value = static_cast<double>(p.foreign_events());
        foreign.metric.push_back(count);
      }
    }
    out.push_back(std::move(position));
    out.push_back(std::move(lag));
    out.push_back(std::move(healthy));
    out.push_back(std::move(foreign));
    return out;
  }

 private:
  const eventstore::EventStore* store_;
  mutable base::Mutex mu_;
  const ProjectionHost* host_ ABSL_GUARDED_BY(mu_) = nullptr;
  const DeadlineRunner* runner_ ABSL_GUARDED_BY(mu_) = nullptr;
  const AdminService* admin_ ABSL_GUARDED_BY(mu_) = nullptr;
  const Executors* executors_ ABSL_GUARDED_BY(mu_) = nullptr;
};

namespace {

using grpc::experimental::InterceptionHookPoints;

// One per call: counts it and times it. (It does not look into requests: Append is a raw
// method, its request bytes are decoded once, by the service.)
class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(grpc::experimental::ServerRpcInfo* info, Metrics::Families* families)
      : families_(families),
        method_(info->method() != nullptr ? info->method() : ""),
        start_(std::chrono::steady_clock::now()),
        in_flight_(families->in_flight.Add({{"method", method_}})) {
    in_flight_.Increment();
  }
  ~MetricsInterceptor() override { in_flight_.Decrement(); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const std::string code =
          absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
      families_->requests.Add({{"method", method_}, {"code", code}}).Increment();
      families_->duration.Add({{"method", method_}}, DurationBuckets())
          .Observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
    methods->Proceed();
  }

 private:
  static const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
    static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
        0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5};
    return *buckets;
  }

  Metrics::Families* families_;
  std::string method_;
  std::chrono::steady_clock::time_point start_;
  prometheus::Gauge& in_flight_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(Metrics::Families* families) : families_(families) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(info, families_);
  }

 private:
  Metrics::Families* families_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Start(const std::string& listen,
                                                        const eventstore::EventStore* store) {
  auto address = ParseHostPort(listen, "metrics_listen");
  if (!address.ok()) return address.status();
  std::unique_ptr<Metrics> metrics(new Metrics());
  metrics->registry_ = std::make_shared<prometheus::Registry>();
  prometheus::Registry& r = *metrics->registry_;
  metrics->families_.reset(new Families{
      prometheus::BuildCounter()
          .Name("footprint_rpc_requests_total")
          .Help("Calls answered, by gRPC method and status code.")
          .Register(r),
      prometheus::BuildHistogram()
          .Name("footprint_rpc_duration_seconds")
          .Help("Seconds from the start of a call to its status, by gRPC method.")
          .Register(r),
      prometheus::BuildGauge()
          .Name("footprint_rpc_in_flight")
          .Help("Calls open now, by gRPC method (streams: live subscriptions and reads).")
          .Register(r)});
  metrics->state_ = std::make_shared<StateCollector>(store);
  // CivetWeb's listening_ports: "host:port" binds one address, an IPv6 one in brackets.
  const std::string host =
      address->host.find(':') != std::string::npos ? "[" + address->host + "]" : address->host;
  try {
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(
        absl::StrCat(host, ":", address->port), /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("metrics_listen: cannot listen on ", listen, ": ", e.what()));
  }
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  metrics->exposer_->RegisterCollectable(metrics->state_);
  const std::vector<int> ports = metrics->exposer_->GetListeningPorts();
  metrics->address_ = absl::StrCat(host, ":", ports.empty() ? address->port : ports.front());
  return metrics;
}

Metrics::~Metrics() = default;

void Metrics::SetProjectionHost(const ProjectionHost* host) { state_->SetProjectionHost(host); }

void Metrics::SetDeadlineRunner(const DeadlineRunner* runner) { state_->SetDeadlineRunner(runner); }

void Metrics::SetAdminService(const AdminService* admin) { state_->SetAdminService(admin); }

void Metrics::SetExecutors(const Executors* executors) { state_->SetExecutors(executors); }

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::InterceptorFactory() {
  return std::make_unique<MetricsInterceptorFactory>(families_.get());
}

}  // namespace footprint::services
