#include "services/projection_host.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "domain/collection_year.h"
#include "domain/england_time.h"
#include "on_pool.h"
#include "services/event_store_service.h"
#include "spdlog/spdlog.h"

namespace footprint::services {
namespace {

namespace pj = footprint::projections;

absl::StatusOr<absl::CivilDay> DateOr(const std::string& text, absl::CivilDay fallback,
                                      absl::string_view field) {
  if (text.empty()) return fallback;
  return domain::ParseIsoDate(text, field);
}

struct Scope {
  absl::CivilDay as_at;
  pj::ReportFilter filter;
};

absl::StatusOr<Scope> ScopeOf(const v1::ReportScope& scope, const ProjectionHost& host) {
  auto as_at = DateOr(scope.as_at(), domain::EnglandDay(host.clock().Now()), "scope.as_at");
  if (!as_at.ok()) return as_at.status();
  return Scope{*as_at, pj::ReportFilter{scope.iro(), scope.team()}};
}

absl::Status CheckRange(absl::CivilDay from, absl::CivilDay to) {
  if (from > to) {
    return absl::InvalidArgumentError(absl::StrCat(
        "from: ", domain::FormatIsoDate(from), " is after to (", domain::FormatIsoDate(to), ")"));
  }
  return absl::OkStatus();
}

// A listing's first page: waits for the view to reflect every committed event (as every query
// does), then takes the state the listing is computed from.
absl::Status AwaitFirstPage(const ProjectionHost& host, ListPager::Page* page) {
  if (auto st = host.AwaitCurrentView(); !st.ok()) return st;
  pj::CouncilView::Published current = host.view().Current();
  page->children = std::move(current.children);
  page->position = current.position;
  return absl::OkStatus();
}

// Every event of `stream`, in order; NOT_FOUND when it has none.
absl::StatusOr<std::vector<v1::Event>> WholeStream(const eventstore::EventStore& store,
                                                   const eventstore::StreamId& stream) {
  std::vector<v1::Event> events;
  for (eventstore::StreamVersion from{0};;) {
    auto page = store.ReadStream(stream, from, eventstore::ReadDirection::kForwards, 1000);
    if (!page.ok()) return page.status();
    for (v1::Event& e : page->events) events.push_back(std::move(e));
    if (page->end_of_stream || page->events.empty()) return events;
    from = eventstore::StreamVersion{events.back().version() + 1};
  }
}

v1::ProjectionState StateOf(const pj::WorkerStatus& status, uint64_t log_end, bool rebuilding) {
  v1::ProjectionState state;
  state.set_name(status.name);
  state.set_position(status.next_position);
  state.set_lag(log_end > status.next_position ? log_end - status.next_position : 0);
  state.set_healthy(status.healthy);
  state.set_error(status.error);
  state.set_failed_position(status.failed_position);
  state.set_rebuilding(rebuilding);
  return state;
}

}  // namespace

absl::StatusOr<std::vector<v1::ImportRun>> ProjectionHost::ImportRuns(uint64_t up_to) const {
  std::vector<v1::ImportRun> runs;
  auto stream = eventstore::StreamId::Parse(domain::kImportRunsStream);
  if (!stream.ok()) return stream.status();
  auto events = WholeStream(*store_, *stream);
  if (absl::IsNotFound(events.status())) return runs;  // no import run recorded yet
  if (!events.ok()) return events.status();
  for (const v1::Event& event : *events) {
    if (event.position() >= up_to) break;  // after the view's position
    if (event.type() != domain::kImportRunEventType) continue;
    v1::ImportRun run;
    if (event.content_type() != v1::CONTENT_TYPE_PROTOBUF || !run.ParseFromString(event.data())) {
      return absl::DataLossError(absl::StrCat("the import run at position ", event.position(),
                                              " does not decode as footprint.v1.ImportRun"));
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

absl::StatusOr<std::set<std::string>> ProjectionHost::ImportSources(uint64_t up_to) const {
  auto runs = ImportRuns(up_to);
  if (!runs.ok()) return runs.status();
  std::set<std::string> sources;
  for (const v1::ImportRun& run : *runs) sources.insert(run.source_system());
  return sources;
}

absl::StatusOr<ProjectionHost::Reading> ProjectionHost::CurrentReading() const {
  if (auto st = AwaitCurrentView(); !st.ok()) return st;
  Reading reading{view().Current(), {}};
  auto sources = ImportSources(reading.view.position);
  if (!sources.ok()) return sources.status();
  reading.import_sources = std::move(*sources);
  return reading;
}

absl::StatusOr<v1::ChildHistory> ProjectionHost::ChildHistory(const std::string& child_id) const {
  const std::string stream_name = domain::ChildStream(child_id);
  v1::ChildHistory history;
  auto stream = eventstore::StreamId::Parse(stream_name, "child_id");
  if (!stream.ok()) return stream.status();
  auto read = WholeStream(*store_, *stream);
  if (absl::IsNotFound(read.status())) {
    return absl::NotFoundError(absl::StrCat("child_id: no child '", child_id, "' is recorded"));
  }
  if (!read.ok()) return read.status();
  const std::vector<v1::Event>& events = *read;
  history.set_child_id(child_id);
  std::map<std::string, std::string> superseded_by;  // event id -> correction's id
  std::vector<eventstore::GlobalPosition> positions;
  for (const v1::Event& stored : events) {
    positions.push_back(eventstore::GlobalPosition{stored.position()});
    v1::ChildHistoryEvent& item = *history.add_events();
    item.set_position(stored.position());
    item.set_version(stored.version());
    item.set_event_id(stored.id());
    item.set_type(stored.type());
    item.set_recorded_at(absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ",
                                          absl::FromUnixSeconds(stored.recorded_at().seconds()) +
                                              absl::Nanoseconds(stored.recorded_at().nanos()),
                                          absl::UTCTimeZone()));
    item.set_actor(stored.metadata().actor());
    item.set_source_system(stored.metadata().source_system());
    item.set_principal(stored.metadata().principal());
    v1::ChildEvent body;
    const std::string foreign = domain::DecodeChildEvent(stored, child_id, &body);
    if (!foreign.empty()) {
      item.set_foreign(foreign);
      continue;
    }
    item.set_occurred_on(body.occurred_on());
    // The fact's own fields: the child and the day are columns of their own.
    v1::ChildEvent fact = body;
    fact.clear_child_id();
    fact.clear_occurred_on();
    std::string summary = fact.ShortDebugString();
    if (summary.size() > 400) summary = absl::StrCat(summary.substr(0, 396), " ...");
    item.set_summary(std::move(summary));
    if (body.has_correction()) {
      superseded_by[body.correction().supersedes_event_id()] = stored.id();
    }
  }
  for (v1::ChildHistoryEvent& item : *history.mutable_events()) {
    if (auto it = superseded_by.find(item.event_id()); it != superseded_by.end()) {
      item.set_superseded_by(it->second);
    }
  }
  auto verified = store_->VerifyEvents(positions);
  if (!verified.ok()) return verified.status();
  history.set_chain_verified(verified->ok);
  history.set_events_checked(verified->events_checked);
  if (!verified->ok) {
    history.set_chain_problem(verified->reason);
    history.set_first_bad_position(verified->first_bad_position.value);
  }
  return history;
}

ProjectionHost::ProjectionHost(eventstore::EventStore* store, const Clock* clock,
                               pj::CouncilSettings settings)
    : store_(store),
      clock_(clock),
      settings_(settings),
      view_(settings_.reviews, settings_.calendar),
      pager_(clock) {
  // Kept listings must not hold records the view replaced wholesale (they share no memory with
  // the new ones), nor many old ones (list_pager.h).
  view_.SetPublishListener([this](size_t changed, size_t children, bool replaced) {
    pager_.OnPublished(changed, children, replaced);
  });
  Hosted children;
  auto projection = std::make_unique<pj::ChildrenProjection>(store_, &view_);
  projection->SetForeignListener([](const std::string& child, const domain::ForeignEvent& event) {
    spdlog::warn(
        "event {} at position {} ({}@{}, type {}) is not a domain event: {}. It is left out of "
        "child {}'s record; see it with `footprint child {}`, and an admin can void it with "
        "`footprint admin void-event`",
        event.event_id, event.position, domain::ChildStream(child), event.version, event.type,
        event.reason, child, child);
  });
  children.projection = std::move(projection);
  children.worker = std::make_unique<pj::ProjectionWorker>(store_, children.projection.get(), 2000);
  hosted_.push_back(std::move(children));
  for (Hosted& hosted : hosted_) {
    hosted.worker->SetStoppedListener([this](const pj::WorkerStatus& status) {
      spdlog::error("projection '{}' stopped at position {}: {}", status.name,
                    status.failed_position, status.error);
      if (health_listener_) health_listener_(false);
    });
  }
}

ProjectionHost::~ProjectionHost() { Stop(); }

void ProjectionHost::StartLocked(Hosted& hosted) {
  hosted.worker->Resume();
  pj::ProjectionWorker* worker = hosted.worker.get();
  hosted.thread = std::make_unique<std::thread>([worker] { worker->Run(); });
}

void ProjectionHost::StopLocked(Hosted& hosted) {
  hosted.worker->Stop();
  if (hosted.thread && hosted.thread->joinable()) hosted.thread->join();
  hosted.thread.reset();
}

void ProjectionHost::Start() {
  base::MutexLock lock(&mu_);
  if (started_) return;
  started_ = true;
  for (Hosted& hosted : hosted_) StartLocked(hosted);
}

void ProjectionHost::Stop() {
  base::MutexLock lock(&mu_);
  if (!started_) return;
  started_ = false;
  for (Hosted& hosted : hosted_) StopLocked(hosted);
}

absl::Status ProjectionHost::CatchUpNow() {
  base::MutexLock lock(&mu_);
  for (Hosted& hosted : hosted_) {
    if (hosted.thread) continue;  // its own thread does it
    auto applied = hosted.worker->CatchUp();
    if (!applied.ok()) return applied.status();
  }
  return absl::OkStatus();
}

bool ProjectionHost::healthy() const {
  base::MutexLock lock(&mu_);
  for (const Hosted& hosted : hosted_) {
    if (!hosted.worker->status().healthy) return false;
  }
  return true;
}

absl::Status ProjectionHost::AwaitCurrentView(absl::Duration timeout) const {
  const uint64_t log_end = store_->CommittedEnd().value;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    {
      base::MutexLock lock(&mu_);
      for (const Hosted& hosted : hosted_) {
        if (hosted.rebuilding) return absl::OkStatus();
        const pj::WorkerStatus status = hosted.worker->status();
        if (!status.healthy) {
          return absl::UnavailableError(absl::StrCat(
              "projection '", status.name, "' stopped at position ", status.failed_position, ": ",
              status.error, " (see `footprint projections status`)"));
        }
      }
    }
    // Short slices, so that a worker stopping meanwhile is reported at once.
    const absl::Duration left = deadline - absl::Now();
    if (view_.WaitFor(log_end, std::min(left, absl::Milliseconds(20)))) return absl::OkStatus();
    if (left <= absl::Milliseconds(20)) break;
  }
  return absl::UnavailableError(absl::StrCat("the read model is at position ", view_.position(),
                                             ", behind the log at ", log_end, " after ",
                                             absl::FormatDuration(timeout), "; try again"));
}

v1::ProjectionsStatusResponse ProjectionHost::Status() const {
  v1::ProjectionsStatusResponse response;
  const uint64_t log_end = store_->CommittedEnd().value;
  response.set_log_end(log_end);
  base::MutexLock lock(&mu_);
  for (const Hosted& hosted : hosted_) {
    v1::ProjectionState* state = response.add_projections();
    *state = StateOf(hosted.worker->status(), log_end, hosted.rebuilding);
    if (hosted.projection->name() == pj::ChildrenProjection::kName) {
      const pj::CouncilView::ForeignSummary foreign = view_.Foreign();
      state->set_foreign_events(foreign.unvoided);
      if (foreign.unvoided > 0) {
        const bool one = foreign.unvoided == 1;
        state->set_warning(
            absl::StrCat(foreign.unvoided,
                         one ? " event in children's streams is not a domain event and is"
                             : " events in children's streams are not domain events and are",
                         " left out of the records, at ", one ? "position " : "positions ",
                         absl::StrJoin(foreign.positions, ", "),
                         foreign.unvoided > foreign.positions.size() ? ", ..." : "",
                         ". An auditor finds each with `footprint read-all --from P --limit 1`, "
                         "and `footprint child ID` lists a child's; an admin can void ",
                         one ? "it" : "each", " with `footprint admin void-event`"));
      }
    }
  }
  return response;
}

absl::StatusOr<v1::RebuildProjectionResponse> ProjectionHost::Rebuild(const std::string& name) {
  Hosted* target = nullptr;
  bool was_running = false;
  {
    base::MutexLock lock(&mu_);
    for (Hosted& hosted : hosted_) {
      if (hosted.projection->name() == name) target = &hosted;
    }
    if (target == nullptr) {
      return absl::NotFoundError(absl::StrCat("name: no projection '", name, "'"));
    }
    if (target->rebuilding) {
      return absl::FailedPreconditionError(
          absl::StrCat("projection '", name, "' is already being rebuilt"));
    }
    was_running = target->thread != nullptr;
    StopLocked(*target);
    target->rebuilding = true;
    target->worker->Resume();
  }
  spdlog::info("rebuilding projection '{}' from position 0", name);
  const auto start = std::chrono::steady_clock::now();
  auto applied = target->worker->Rebuild();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  base::MutexLock lock(&mu_);
  target->rebuilding = false;
  if (was_running && started_) StartLocked(*target);
  if (!applied.ok()) return applied.status();
  if (health_listener_) {
    bool all = true;
    for (const Hosted& hosted : hosted_) all = all && hosted.worker->status().healthy;
    if (all) health_listener_(true);
  }
  spdlog::info("rebuilt projection '{}': {} events in {:.2f} s", name, *applied, seconds);
  v1::RebuildProjectionResponse response;
  *response.mutable_state() =
      StateOf(target->worker->status(), store_->CommittedEnd().value, false);
  response.set_events_applied(*applied);
  response.set_seconds(seconds);
  return response;
}

// ------------------------------------------------------------------------------------------

grpc::ServerUnaryReactor* QueriesService::ReviewsDue(grpc::CallbackServerContext* context,
                                                     const v1::ReviewsDueRequest* request,
                                                     v1::ReviewsDueReport* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.ReviewsDue"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    auto scope = ScopeOf(request->scope(), *host_);
    if (!scope.ok()) return scope.status();
    if (request->within_days() < 0) {
      return absl::InvalidArgumentError("within_days: must not be negative");
    }
    if (auto st = access_->RecordRead(*context, *caller, "Queries.ReviewsDue", "council",
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    if (auto st = host_->AwaitCurrentView(); !st.ok()) return st;
    const int within = request->within_days() == 0 ? 28 : request->within_days();
    auto report = pj::ReviewsDue(*host_->view().Snapshot(), scope->as_at, within,
                                 request->overdue_only(), scope->filter, host_->settings());
    if (!report.ok()) return report.status();
    *response = std::move(*report);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueriesService::Timeliness(grpc::CallbackServerContext* context,
                                                     const v1::TimelinessRequest* request,
                                                     v1::TimelinessReport* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.Timeliness"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    v1::TimelinessRequest listing = *request;
    listing.clear_paging();
    auto page = host_->pager()->Open(request->has_paging() ? &request->paging() : nullptr, listing,
                                     host_->view());
    if (!page.ok()) return page.status();
    v1::TimelinessRequest resolved = listing;
    if (page->continued) {
      resolved.mutable_scope()->set_as_at(page->as_at);
      resolved.set_from(page->from);
      resolved.set_to(page->to);
    } else if (auto st = AwaitFirstPage(*host_, &*page); !st.ok()) {
      return st;
    }
    auto scope = ScopeOf(resolved.scope(), *host_);
    if (!scope.ok()) return scope.status();
    auto to = DateOr(resolved.to(), scope->as_at, "to");
    if (!to.ok()) return to.status();
    auto from =
        DateOr(resolved.from(), domain::CollectionYearStart(domain::CollectionYearOf(*to)), "from");
    if (!from.ok()) return from.status();
    if (auto st = CheckRange(*from, *to); !st.ok()) return st;
    if (auto st = access_->RecordRead(*context, *caller, "Queries.Timeliness", "council",
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    if (request->counts_only()) page->range = pj::ListRange::None();
    auto report =
        pj::Timeliness(*page->children, *from, *to, scope->filter, host_->settings(), page->range);
    if (!report.ok()) return report.status();
    report->set_position(page->position);
    report->set_next_page_token(
        host_->pager()->Next(*page, static_cast<size_t>(report->reviews_held()), listing,
                             domain::FormatIsoDate(scope->as_at), domain::FormatIsoDate(*from),
                             domain::FormatIsoDate(*to)));
    *response = std::move(*report);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueriesService::Escalations(grpc::CallbackServerContext* context,
                                                      const v1::EscalationsRequest* request,
                                                      v1::EscalationReport* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.Escalations"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    auto scope = ScopeOf(request->scope(), *host_);
    if (!scope.ok()) return scope.status();
    auto to = DateOr(request->to(), scope->as_at, "to");
    if (!to.ok()) return to.status();
    auto from =
        DateOr(request->from(), domain::CollectionYearStart(domain::CollectionYearOf(*to)), "from");
    if (!from.ok()) return from.status();
    if (auto st = CheckRange(*from, *to); !st.ok()) return st;
    if (auto st = access_->RecordRead(*context, *caller, "Queries.Escalations", "council",
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    if (auto st = host_->AwaitCurrentView(); !st.ok()) return st;
    auto report = pj::Escalations(*host_->view().Snapshot(), scope->as_at, *from, *to,
                                  scope->filter, host_->settings());
    if (!report.ok()) return report.status();
    *response = std::move(*report);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueriesService::Section20(grpc::CallbackServerContext* context,
                                                    const v1::Section20Request* request,
                                                    v1::Section20Report* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.Section20"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    auto scope = ScopeOf(request->scope(), *host_);
    if (!scope.ok()) return scope.status();
    std::optional<absl::CivilDay> from;
    if (!request->from().empty()) {
      auto day = domain::ParseIsoDate(request->from(), "from");
      if (!day.ok()) return day.status();
      if (auto st = CheckRange(*day, scope->as_at); !st.ok()) return st;
      from = *day;
    }
    if (auto st = access_->RecordRead(*context, *caller, "Queries.Section20", "council",
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    auto reading = host_->CurrentReading();
    if (!reading.ok()) return reading.status();
    auto report = pj::Section20(*reading->view.children, scope->as_at, from, scope->filter,
                                host_->settings(), reading->import_sources);
    if (!report.ok()) return report.status();
    *response = std::move(*report);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueriesService::PlacementsWithParents(
    grpc::CallbackServerContext* context, const v1::PlacementsWithParentsRequest* request,
    v1::PlacementsWithParentsReport* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.PlacementsWithParents"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    auto scope = ScopeOf(request->scope(), *host_);
    if (!scope.ok()) return scope.status();
    if (auto st = access_->RecordRead(*context, *caller, "Queries.PlacementsWithParents", "council",
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    auto reading = host_->CurrentReading();
    if (!reading.ok()) return reading.status();
    auto report = pj::PlacementsWithParents(*reading->view.children, scope->as_at, scope->filter,
                                            host_->settings(), reading->import_sources);
    if (!report.ok()) return report.status();
    *response = std::move(*report);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueriesService::PloCourt(grpc::CallbackServerContext* context,
                                                   const v1::PloCourtRequest* request,
                                                   v1::PloCourtReport* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.PloCourt"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    auto to = DateOr(request->to(), domain::EnglandDay(host_->clock().Now()), "to");
    if (!to.ok()) return to.status();
    // Six months: from the day after the date six months before `to`.
    auto from = DateOr(request->from(), domain::AddMonthsClamped(*to, -6) + 1, "from");
    if (!from.ok()) return from.status();
    if (auto st = CheckRange(*from, *to); !st.ok()) return st;
    if (auto st = access_->RecordRead(*context, *caller, "Queries.PloCourt", "council",
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    if (auto st = host_->AwaitCurrentView(); !st.ok()) return st;
    auto report =
        pj::PloCourt(*host_->view().Snapshot(), *from, *to,
                     pj::ReportFilter{request->iro(), request->team()}, host_->settings());
    if (!report.ok()) return report.status();
    *response = std::move(*report);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueriesService::ChildHistory(grpc::CallbackServerContext* context,
                                                       const v1::ChildHistoryRequest* request,
                                                       v1::ChildHistory* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.ChildHistory"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    if (auto st = domain::ValidateChildId(request->child_id(), "child_id"); !st.ok()) return st;
    const std::string stream_name = domain::ChildStream(request->child_id());
    if (auto st = access_->RecordRead(*context, *caller, "Queries.ChildHistory", stream_name,
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    auto history = host_->ChildHistory(request->child_id());
    if (!history.ok()) return history.status();
    *response = std::move(*history);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueriesService::Placements(grpc::CallbackServerContext* context,
                                                     const v1::PlacementsRequest* request,
                                                     v1::PlacementReport* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.Placements"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    v1::PlacementsRequest listing = *request;
    listing.clear_paging();
    auto page = host_->pager()->Open(request->has_paging() ? &request->paging() : nullptr, listing,
                                     host_->view());
    if (!page.ok()) return page.status();
    v1::PlacementsRequest resolved = listing;
    if (page->continued) {
      resolved.mutable_scope()->set_as_at(page->as_at);
    } else if (auto st = AwaitFirstPage(*host_, &*page); !st.ok()) {
      return st;
    }
    auto scope = ScopeOf(resolved.scope(), *host_);
    if (!scope.ok()) return scope.status();
    if (auto st = access_->RecordRead(*context, *caller, "Queries.Placements", "council",
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    auto report = pj::Placements(*page->children, scope->as_at, scope->filter, host_->settings(),
                                 page->range, request->three_or_more_only());
    if (!report.ok()) return report.status();
    const int listed =
        request->three_or_more_only() ? report->three_or_more() : report->looked_after();
    report->set_position(page->position);
    report->set_next_page_token(host_->pager()->Next(*page, static_cast<size_t>(listed), listing,
                                                     domain::FormatIsoDate(scope->as_at), "", ""));
    *response = std::move(*report);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueriesService::Child(grpc::CallbackServerContext* context,
                                                const v1::ChildSummaryRequest* request,
                                                v1::ChildSummary* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.Child"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    if (auto st = domain::ValidateChildId(request->child_id(), "child_id"); !st.ok()) return st;
    auto as_at = DateOr(request->as_at(), domain::EnglandDay(host_->clock().Now()), "as_at");
    if (!as_at.ok()) return as_at.status();
    if (auto st = access_->RecordRead(*context, *caller, "Queries.Child",
                                      domain::ChildStream(request->child_id()),
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    auto reading = host_->CurrentReading();
    if (!reading.ok()) return reading.status();
    auto it = reading->view.children->find(request->child_id());
    if (it == reading->view.children->end()) {
      return absl::NotFoundError(
          absl::StrCat("child_id: no child '", request->child_id(), "' is recorded"));
    }
    auto summary = pj::Summarize(*it->second, *as_at, host_->settings(), reading->import_sources);
    if (!summary.ok()) return summary.status();
    *response = std::move(*summary);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* QueriesService::AnnualReport(grpc::CallbackServerContext* context,
                                                       const v1::AnnualReportRequest* request,
                                                       v1::AnnualReport* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Queries.AnnualReport"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    const absl::CivilDay today = domain::EnglandDay(host_->clock().Now());
    const int year = request->year();
    auto window = domain::AnnualReportWindow(year, today);
    if (!window.ok()) return window.status();
    if (auto st = access_->RecordRead(*context, *caller, "Queries.AnnualReport", "council",
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    if (auto st = host_->AwaitCurrentView(); !st.ok()) return st;
    const absl::CivilDay to = window->to;
    pj::CouncilView::Published current = host_->view().Current();
    pj::AnnualContext annual;
    auto runs = host_->ImportRuns(current.position);
    if (!runs.ok()) return runs.status();
    for (const v1::ImportRun& run : *runs) {
      annual.import_sources.insert(run.source_system());
      v1::ImportRunCoverage& out = annual.import_runs.emplace_back();
      out.set_source_system(run.source_system());
      *out.mutable_years() = run.years();
      out.set_children_read(run.children_read());
      out.set_children_imported(run.children_imported());
      out.set_children_already_imported(run.children_already_imported());
      out.set_children_rejected(run.children_rejected());
      out.set_children_without_events(run.children_without_events());
      out.set_rows_left_out(run.rows_left_out());
      out.set_children_start_not_known(run.children_start_not_known());
      out.set_finished_at(run.finished_at());
    }
    annual.produced_at =
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", host_->clock().Now(), absl::UTCTimeZone());
    auto report = pj::AnnualReport(*current.children, year, to,
                                   pj::ReportFilter{request->iro(), request->team()},
                                   host_->settings(), annual);
    if (!report.ok()) return report.status();
    report->set_position(current.position);
    *response = std::move(*report);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ProjectionsService::Status(grpc::CallbackServerContext* context,
                                                     const v1::ProjectionsStatusRequest*,
                                                     v1::ProjectionsStatusResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (auto caller = access_->Authorize(*context, Right::kStatus); !caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  *response = host_->Status();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* ProjectionsService::Rebuild(grpc::CallbackServerContext* context,
                                                      const v1::RebuildProjectionRequest* request,
                                                      v1::RebuildProjectionResponse* response) {
  const RunOn where{executors_, ExecutorKind::kLongJob, "Projections.Rebuild"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->Authorize(*context, Right::kAdmin);
    if (!caller.ok()) return caller.status();
    spdlog::info("projection rebuild of '{}' asked by '{}'", request->name(), caller->identity);
    auto rebuilt = host_->Rebuild(request->name());
    if (!rebuilt.ok()) return rebuilt.status();
    *response = std::move(*rebuilt);
    return absl::OkStatus();
  });
}

}  // namespace footprint::services
