// ProjectionHost: runs the projection workers (each on its own thread, following the log) and
// serves the Queries and Projections gRPC services from their read models.
//
// Thread-safety: thread-safe. Rebuild stops the worker, rebuilds on the calling thread (a
// long-job thread), then restarts it; queries keep answering from the previous view meanwhile.
#ifndef FOOTPRINT_SERVICES_PROJECTION_HOST_H_
#define FOOTPRINT_SERVICES_PROJECTION_HOST_H_

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "base/mutex.h"
#include "eventstore/event_store.h"
#include "footprint/v1/intake.pb.h"
#include "footprint/v1/queries.grpc.pb.h"
#include "projections/council_view.h"
#include "projections/projection.h"
#include "projections/reports.h"
#include "services/access_control.h"
#include "services/executors.h"
#include "services/list_pager.h"

namespace footprint::services {

class ProjectionHost {
 public:
  // None owned; all must outlive the host.
  ProjectionHost(eventstore::EventStore* store, const Clock* clock,
                 projections::CouncilSettings settings);
  ~ProjectionHost();

  // Called (from a worker's thread) with false when a worker stops on an event it cannot
  // apply, and with true when a rebuild has made every worker healthy again. Set before Start.
  void SetHealthListener(std::function<void(bool healthy)> listener) {
    health_listener_ = std::move(listener);
  }

  // Starts every worker: it catches up from its checkpoint, then follows the log.
  void Start();
  void Stop();

  // Catches every worker up on the calling thread (tests; the workers' own threads do this).
  absl::Status CatchUpNow();

  v1::ProjectionsStatusResponse Status() const;
  absl::StatusOr<v1::RebuildProjectionResponse> Rebuild(const std::string& name);

  const projections::CouncilView& view() const { return view_; }
  const projections::CouncilSettings& settings() const { return settings_; }
  const Clock& clock() const { return *clock_; }
  // The states kept for paged listings (thread-safe; cleared by a rebuild).
  ListPager* pager() const { return &pager_; }
  // False when a worker stopped on an event it could not apply.
  bool healthy() const;
  // The import runs recorded (stream `imports`) before log position `up_to`, in order. They are
  // a handful of small events (one per run of an importer), read from the log's stream index
  // when a report asks; DATA_LOSS for one that does not decode.
  absl::StatusOr<std::vector<v1::ImportRun>> ImportRuns(uint64_t up_to) const;
  // Their source systems: a child whose every event came from one of them has a record from an
  // import only (what 903 returns never carry is not known for it, rather than absent).
  absl::StatusOr<std::set<std::string>> ImportSources(uint64_t up_to) const;

  // Every event of child `child_id`'s stream with who recorded it and when, each checked where
  // it stands in the hash chain (Queries.ChildHistory). NOT_FOUND for a child with no stream.
  absl::StatusOr<v1::ChildHistory> ChildHistory(const std::string& child_id) const;

  // The view a report reads, with the import sources recorded up to its position.
  struct Reading {
    projections::CouncilView::Published view;
    std::set<std::string> import_sources;
  };
  // Waits for the view to reflect every committed event (AwaitCurrentView), then takes it and
  // the import sources up to its position, so that both describe the same log.
  absl::StatusOr<Reading> CurrentReading() const;

  // Read-your-writes for queries: waits until the view reflects every event committed when
  // called. UNAVAILABLE, naming the projection and position, when a worker has stopped on an
  // event, or when the view is still behind after `timeout`. While the view is being rebuilt it
  // returns OK at once and queries answer from the previous view, which may be behind the log
  // (Projections.Status shows the rebuild running and its position).
  absl::Status AwaitCurrentView(absl::Duration timeout = kViewWait) const;
  static constexpr absl::Duration kViewWait = absl::Seconds(5);

 private:
  struct Hosted {
    std::unique_ptr<projections::Projection> projection;
    std::unique_ptr<projections::ProjectionWorker> worker;
    std::unique_ptr<std::thread> thread;
    bool rebuilding = false;
  };
  void StartLocked(Hosted& hosted) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StopLocked(Hosted& hosted) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  eventstore::EventStore* const store_;
  const Clock* const clock_;
  const projections::CouncilSettings settings_;
  projections::CouncilView view_;
  mutable ListPager pager_;
  std::function<void(bool)> health_listener_;

  mutable base::Mutex mu_;
  std::vector<Hosted> hosted_ ABSL_GUARDED_BY(mu_);  // the vector; workers are thread-safe
  bool started_ ABSL_GUARDED_BY(mu_) = false;
};

class QueriesService final : public v1::Queries::CallbackService {
 public:
  QueriesService(const ProjectionHost* host, Executors* executors, const AccessControl* access)
      : host_(host), executors_(executors), access_(access) {}

  grpc::ServerUnaryReactor* ReviewsDue(grpc::CallbackServerContext* context,
                                       const v1::ReviewsDueRequest* request,
                                       v1::ReviewsDueReport* response) override;
  grpc::ServerUnaryReactor* Timeliness(grpc::CallbackServerContext* context,
                                       const v1::TimelinessRequest* request,
                                       v1::TimelinessReport* response) override;
  grpc::ServerUnaryReactor* Escalations(grpc::CallbackServerContext* context,
                                        const v1::EscalationsRequest* request,
                                        v1::EscalationReport* response) override;
  grpc::ServerUnaryReactor* Section20(grpc::CallbackServerContext* context,
                                      const v1::Section20Request* request,
                                      v1::Section20Report* response) override;
  grpc::ServerUnaryReactor* PlacementsWithParents(
      grpc::CallbackServerContext* context, const v1::PlacementsWithParentsRequest* request,
      v1::PlacementsWithParentsReport* response) override;
  grpc::ServerUnaryReactor* ChildHistory(grpc::CallbackServerContext* context,
                                         const v1::ChildHistoryRequest* request,
                                         v1::ChildHistory* response) override;
  grpc::ServerUnaryReactor* PloCourt(grpc::CallbackServerContext* context,
                                     const v1::PloCourtRequest* request,
                                     v1::PloCourtReport* response) override;
  grpc::ServerUnaryReactor* Placements(grpc::CallbackServerContext* context,
                                       const v1::PlacementsRequest* request,
                                       v1::PlacementReport* response) override;
  grpc::ServerUnaryReactor* Child(grpc::CallbackServerContext* context,
                                  const v1::ChildSummaryRequest* request,
                                  v1::ChildSummary* response) override;
  grpc::ServerUnaryReactor* AnnualReport(grpc::CallbackServerContext* context,
                                         const v1::AnnualReportRequest* request,
                                         v1::AnnualReport* response) override;

 private:
  const ProjectionHost* const host_;
  Executors* const executors_;
  const AccessControl* const access_;
};

class ProjectionsService final : public v1::Projections::CallbackService {
 public:
  ProjectionsService(ProjectionHost* host, Executors* executors, const AccessControl* access)
      : host_(host), executors_(executors), access_(access) {}

  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* context,
                                   const v1::ProjectionsStatusRequest* request,
                                   v1::ProjectionsStatusResponse* response) override;
  grpc::ServerUnaryReactor* Rebuild(grpc::CallbackServerContext* context,
                                    const v1::RebuildProjectionRequest* request,
                                    v1::RebuildProjectionResponse* response) override;

 private:
  ProjectionHost* const host_;
  Executors* const executors_;
  const AccessControl* const access_;
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_PROJECTION_HOST_H_
