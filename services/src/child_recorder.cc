#include "services/child_recorder.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "domain/codes.h"
#include "domain/england_time.h"
#include "projections/child_stream.h"

namespace footprint::services {
namespace {

namespace pj = footprint::projections;
namespace es = footprint::eventstore;

constexpr int kMaxAttempts = 5;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat("run.", field, ": ", rule));
}

absl::Status CheckImportRun(const v1::ImportRun& run, absl::CivilDay today) {
  if (run.source_system().empty()) {
    return Invalid("source_system", "required (the import's --source)");
  }
  if (run.recorded_by().empty()) return Invalid("recorded_by", "required (who ran the import)");
  absl::Time finished;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, run.finished_at(), &finished, &error)) {
    return Invalid("finished_at",
                   absl::StrCat("'", run.finished_at(), "' is not an RFC 3339 time (", error, ")"));
  }
  for (int i = 0; i < run.years_size(); ++i) {
    const int year = run.years(i);
    if (year < 1990 || year > today.year()) {
      return Invalid(absl::StrCat("years[", i, "]"),
                     absl::StrCat(year, " is not a collection year from 1990 to ", today.year()));
    }
    if (i > 0 && year <= run.years(i - 1)) {
      return Invalid(absl::StrCat("years[", i, "]"), "years are ascending, each once");
    }
  }
  const uint64_t accounted = uint64_t{run.children_imported()} + run.children_already_imported() +
                             run.children_rejected() + run.children_without_events();
  if (accounted != run.children_read()) {
    return Invalid("children_read", absl::StrCat(run.children_read(),
                                                 " children read, but imported + already "
                                                 "imported + rejected + without events = ",
                                                 accounted));
  }
  if (run.children_start_not_known() >
      uint64_t{run.children_imported()} + run.children_already_imported()) {
    return Invalid("children_start_not_known", "more than the children imported");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<es::AppendResult> ChildRecorder::RecordImportRun(const v1::ImportRun& run,
                                                                const std::string& event_id,
                                                                const Recorder& recorder) const {
  if (auto st = CheckImportRun(run, Today()); !st.ok()) return st;
  es::NewEvent event = pj::ToNewEvent(run, std::string(domain::kImportRunEventType), event_id,
                                      run.source_system(), recorder.actor, recorder.correlation_id);
  event.metadata.set_principal(recorder.principal);
  es::AppendRequest append;
  append.stream = std::string(domain::kImportRunsStream);
  append.events.push_back(std::move(event));
  return store_->Append(std::move(append));
}

ChildRecorder::ChildRecorder(es::EventStore* store, const Clock* clock,
                             const domain::EscalationPolicy* policy,
                             const domain::WorkingCalendar* calendar)
    : store_(store), clock_(clock), policy_(policy), calendar_(calendar) {}

absl::CivilDay ChildRecorder::Today() const { return domain::EnglandDay(clock_->Now()); }

absl::StatusOr<domain::ChildRecord> ChildRecorder::Load(const std::string& child_id) const {
  if (auto st = domain::ValidateChildId(child_id, "child_id"); !st.ok()) return st;
  return pj::LoadChildRecord(*store_, child_id);
}

absl::StatusOr<es::AppendRequest> ChildRecorder::PlanAppend(domain::ChildRecord* record,
                                                            const std::string& child_id,
                                                            std::vector<Submission>& submissions,
                                                            const Recorder& recorder,
                                                            const domain::ValidationContext& ctx) {
  // Validate in order against the record as it will be, event by event.
  const bool was_consistent = record->Consistency().ok();
  es::AppendRequest append;
  append.stream = domain::ChildStream(child_id);
  append.expected = record->event_count() == 0
                        ? es::ExpectedVersion::NoStream()
                        : es::ExpectedVersion::Exact(es::StreamVersion{record->event_count() - 1});
  for (size_t i = 0; i < submissions.size(); ++i) {
    Submission& s = submissions[i];
    if (auto st =
            domain::CompleteAndValidate(*record, &s.event, absl::StrCat("events[", i, "]"), ctx);
        !st.ok()) {
      return st;
    }
    if (s.event_id.empty()) s.event_id = es::EventId::Generate().ToString();
    record->Add(s.event_id, s.event);
    append.events.push_back(pj::ToNewEvent(s.event, s.event_id, recorder.source_system,
                                           recorder.actor, recorder.correlation_id));
    append.events.back().metadata.set_principal(recorder.principal);
  }
  // Each event was checked against the record as it was; the request as a whole must leave
  // the record holding together (e.g. care ended before a later review is refused).
  if (was_consistent) {
    if (auto st = record->Consistency(); !st.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("events: the child's record would not hold together: ", st.message()));
    }
  }
  return append;
}

absl::StatusOr<RecordOutcome> ChildRecorder::Record(const std::string& child_id,
                                                    const Builder& build,
                                                    const Recorder& recorder) const {
  if (auto st = domain::ValidateChildId(child_id, "child_id"); !st.ok()) return st;
  domain::ValidationContext ctx;
  ctx.today = Today();
  ctx.policy = policy_;
  ctx.calendar = calendar_;
  ctx.may_void_foreign_events = recorder.may_void_foreign_events;

  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto record = pj::LoadChildRecord(*store_, child_id);
    if (!record.ok()) return record.status();
    auto submissions = build(*record);
    if (!submissions.ok()) return submissions.status();
    if (submissions->empty()) {
      return absl::InvalidArgumentError("events: at least one event is required");
    }

    // Normalise client ids, and recognise a retry of a request already recorded.
    size_t already = 0;
    for (size_t i = 0; i < submissions->size(); ++i) {
      Submission& s = (*submissions)[i];
      if (s.event_id.empty()) continue;
      auto id = es::EventId::Parse(s.event_id, absl::StrCat("events[", i, "].event_id"));
      if (!id.ok()) return id.status();
      s.event_id = id->ToString();
      if (record->FindEvent(s.event_id)) ++already;
    }
    if (already > 0) {
      if (already != submissions->size()) {
        for (size_t i = 0; i < submissions->size(); ++i) {
          if ((*submissions)[i].event_id.empty()) {
            return absl::AlreadyExistsError(absl::StrCat(
                "events[", i,
                "].event_id: other events of this request are already recorded, "
                "and this one has no event id, so it cannot be recognised as a retry; give every "
                "event an event_id"));
          }
        }
        return absl::AlreadyExistsError(
            "events: some of these event ids are already recorded and some are not; a retry "
            "must resend exactly the original request");
      }
      RecordOutcome outcome{es::AppendResult{}, *record};
      for (size_t i = 0; i < submissions->size(); ++i) {
        const Submission& s = (*submissions)[i];
        const auto stored = record->FindEvent(s.event_id);
        // Only the client that recorded an event can retry it, and another client learns
        // nothing of it (first, before anything about its content is said).
        if (!stored->principal.empty() && stored->principal != recorder.principal) {
          return absl::AlreadyExistsError(
              absl::StrCat("events[", i, "].event_id: ", s.event_id,
                           " is already recorded by another client (only the client that "
                           "recorded an event can retry it)"));
        }
        if (stored->type != domain::EventTypeOf(s.event) ||
            stored->occurred_on != s.event.occurred_on()) {
          return absl::AlreadyExistsError(
              absl::StrCat("events[", i, "].event_id: ", s.event_id, " is already recorded as a ",
                           stored->type, " on ", stored->occurred_on, ", not this event"));
        }
        if (i == 0) {
          outcome.append.first_version = es::StreamVersion{stored->version};
          outcome.append.first_position = es::GlobalPosition{stored->position};
        }
        outcome.append.last_version = es::StreamVersion{stored->version};
        outcome.append.last_position = es::GlobalPosition{stored->position};
        outcome.append.event_ids.push_back(s.event_id);
      }
      outcome.append.duplicate = true;
      return outcome;
    }

    domain::ChildRecord after = *record;
    auto append = PlanAppend(&after, child_id, *submissions, recorder, ctx);
    if (!append.ok()) return append.status();
    auto result = store_->Append(std::move(*append));
    if (result.ok()) {
      // Read back, so that the record carries the stored positions of the new events.
      auto stored = pj::LoadChildRecord(*store_, child_id);
      return RecordOutcome{std::move(*result), stored.ok() ? std::move(*stored) : std::move(after)};
    }
    if (result.status().code() != absl::StatusCode::kAborted) return result.status();
    // Another writer changed the child's record since we read it: read and decide again.
  }
  return absl::AbortedError(
      absl::StrCat("child ", child_id, "'s record kept changing while ", "recording; try again"));
}

}  // namespace footprint::services
