// FootprintServer: opens the store and serves it over gRPC, with the health and reflection
// services. Used by footprintd and by in-process end-to-end tests.
//
// Thread-safety: Start, Shutdown and Wait may be called from different threads; Shutdown is
// idempotent.
#ifndef FOOTPRINT_SERVICES_SERVER_H_
#define FOOTPRINT_SERVICES_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/mutex.h"
#include "eventstore/clock.h"
#include "eventstore/event_store.h"
#include "services/config.h"

// The parts are only declared here: the services' gRPC templates, Asio and the projections are
// left to server.cc, so that footprintd's main and the tests that start a server compile fast.
// Include the headers of the parts you use (projection_host.h, deadline_runner.h, ...).
namespace grpc {
class Server;
}  // namespace grpc
namespace footprint::workflow {
class ChallengeDeadlines;
class DeadlineEngine;
class ReviewDeadlines;
}  // namespace footprint::workflow

namespace footprint::services {

class AccessControl;
class AdminService;
class CalendarService;
class ChallengesService;
class ChildRecorder;
class DeadlineRunner;
class EventStoreService;
class Executors;
class IntakeService;
class Metrics;
class ProjectionHost;
class ProjectionsService;
class QueriesService;
class StreamLimits;

// The access log's directory inside a data directory.
std::string AccessLogDir(const std::string& data_dir);

class FootprintServer {
 public:
  // Opens the store in config.data_dir, loads the calendar and the escalation policy, starts the
  // deadline runner and listens on config.listen. `clock` (not owned; nullptr: the system
  // clock) is used for recorded times, "today" and deadlines.
  // While the stores open, a listen address with a fixed port already answers: the health
  // service with NOT_SERVING, every other call with UNAVAILABLE. `while_opening` (tests) runs
  // then, before the stores are opened.
  // Errors: those of EventStore::Open; INVALID_ARGUMENT for a malformed listen address;
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<FootprintServer>> Start(
      const ServerConfig& config, const Clock* clock = nullptr,
      const std::function<void()>& while_opening = nullptr);

  // Shuts down (if not yet) and releases everything.
  ~FootprintServer();

  // "host:port" with the port actually bound.
  const std::string& address() const { return address_; }
  // "host:port" of the metrics endpoint (GET /metrics), empty when off.
  std::string metrics_address() const;
  int port() const { return port_; }
  eventstore::EventStore& store() { return *store_; }
  // The access log (services/access_control.h).
  eventstore::EventStore& access_log() { return *access_store_; }
  // The deadline runner (tests run it with a manual clock).
  DeadlineRunner& deadlines() { return *deadline_runner_; }
  const domain::WorkingCalendar& calendar() const { return *calendar_; }
  ProjectionHost& projections() { return *projection_host_; }
  // The thread pools the RPCs' work runs on (tests occupy them to show one kind of work cannot
  // starve another).
  Executors& executors() { return *executors_; }

  // Health goes NOT_SERVING, subscriptions end with UNAVAILABLE, the server stops accepting
  // calls and waits up to shutdown_grace for in-flight ones (queued appends are committed and
  // acknowledged), then the writer drains and stops.
  void Shutdown();
  // Blocks until Shutdown has completed.
  void Wait();

 private:
  FootprintServer();

  ServerConfig config_;
  std::string address_;
  int port_ = 0;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<eventstore::EventStore> access_store_;
  std::unique_ptr<AccessControl> access_;
  // Streams' reactors hold slots of it; they are all done once server_ has shut down.
  std::unique_ptr<StreamLimits> stream_limits_;
  std::unique_ptr<Executors> executors_;
  std::unique_ptr<domain::WorkingCalendar> loaded_calendar_;  // when read from a file
  const domain::WorkingCalendar* calendar_ = nullptr;
  std::unique_ptr<ChildRecorder> recorder_;
  std::unique_ptr<workflow::ChallengeDeadlines> challenge_deadlines_;
  std::unique_ptr<workflow::ReviewDeadlines> review_deadlines_;
  std::unique_ptr<workflow::DeadlineEngine> deadline_engine_;
  std::unique_ptr<DeadlineRunner> deadline_runner_;
  std::unique_ptr<EventStoreService> event_store_service_;
  std::unique_ptr<IntakeService> intake_service_;
  std::unique_ptr<ChallengesService> challenges_service_;
  std::unique_ptr<CalendarService> calendar_service_;
  std::unique_ptr<ProjectionHost> projection_host_;
  std::unique_ptr<QueriesService> queries_service_;
  std::unique_ptr<ProjectionsService> projections_service_;
  std::unique_ptr<AdminService> admin_service_;
  // After the services and before the server: its interceptors count the server's calls.
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<grpc::Server> server_;

  base::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_SERVER_H_
