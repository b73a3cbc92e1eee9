#include "workflow/review_deadlines.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/england_time.h"
#include "projections/child_stream.h"

namespace footprint::workflow {

using projections::LoadChildRecord;
using projections::ToNewEvent;

using domain::ChildRecord;
using domain::ChildStream;
using domain::CompleteAndValidate;
using domain::EnglandDay;
using domain::EscalationPolicy;
using domain::FormatIsoDate;
using domain::kChildStreamPrefix;
using domain::NextReviewDue;
using domain::PaperworkInfo;
using domain::ParseIsoDate;
using domain::PeriodOfCare;
using domain::ReviewInfo;
using domain::ReviewSettings;
using domain::StartOfEnglandDay;
using domain::ValidationContext;
using domain::WorkingCalendar;
namespace {

// Every fact of the record counts: the record "as it stands" (reviews, placements, legal
// statuses), as long as the period of care is still open.
constexpr absl::CivilDay kRecordAsItStands(2999, 12, 31);

constexpr char kReview[] = "review";
constexpr char kRecommendations[] = "review_recommendations";
constexpr char kRecord[] = "review_record";

std::string ReviewKey(absl::string_view child, absl::CivilDay due_on) {
  return absl::StrCat(kReview, "/", child, "/due/", FormatIsoDate(due_on));
}

std::string PaperworkKey(absl::string_view what, absl::string_view child,
                         absl::string_view review_date) {
  return absl::StrCat(what, "/", child, "/", review_date);
}

// The key a recorded DeadlineMissed answers; empty for other kinds of deadline.
std::string KeyOfMissed(const v1::ChildEvent& event) {
  const v1::DeadlineMissed& m = event.deadline_missed();
  if (m.what() == kReview) {
    auto due = ParseIsoDate(m.due_on(), "due_on");
    return due.ok() ? ReviewKey(event.child_id(), *due) : "";
  }
  if (m.what() == kRecommendations || m.what() == kRecord) {
    return PaperworkKey(m.what(), event.child_id(), m.review_date());
  }
  return "";
}

// The child id of a key "<kind>/<child>/...".
std::string ChildOfKey(absl::string_view key) {
  const size_t first = key.find('/');
  if (first == absl::string_view::npos) return "";
  const size_t second = key.find('/', first + 1);
  if (second == absl::string_view::npos) return "";
  return std::string(key.substr(first + 1, second - first - 1));
}

bool HasPaperwork(const std::vector<PaperworkInfo>& items, absl::CivilDay review) {
  for (const PaperworkInfo& p : items) {
    if (p.review_date == review) return true;
  }
  return false;
}

}  // namespace

ReviewDeadlines::ReviewDeadlines(const eventstore::EventStore* store,
                                 const ReviewSettings* settings, const EscalationPolicy* policy,
                                 const WorkingCalendar* calendar)
    : store_(store), settings_(settings), policy_(policy), calendar_(calendar) {}

std::string ReviewDeadlines::MissedEventId(absl::string_view key) {
  return eventstore::EventId::FromName(kDeadlineIdNamespace, absl::StrCat(key, "/missed"))
      .ToString();
}

absl::StatusOr<std::vector<PendingDeadline>> ReviewDeadlines::DeadlinesOf(
    const ChildRecord& record, const ReviewSettings& settings, const WorkingCalendar& calendar,
    const std::set<std::string>& done) {
  std::vector<PendingDeadline> out;
  const PeriodOfCare* period = record.CurrentPeriod();
  if (period == nullptr || period->end) return out;
  const std::string& child = record.child_id();

  auto due = NextReviewDue(record, kRecordAsItStands, settings, calendar);
  // A due date that is not known (a period whose start is not known) is missed only once the
  // latest day it can be has passed, and never when there is no such day.
  if (due.ok() && *due && (*due)->LateAfter()) {
    PendingDeadline d;
    d.key = ReviewKey(child, (*due)->due_on);
    d.due_on = (*due)->due_on;
    d.fires_at = StartOfEnglandDay((*due)->due_on + 1);
    d.description =
        absl::StrCat("child ", child, ": ", (*due)->rule, ", due ", FormatIsoDate((*due)->due_on));
    if (!done.contains(d.key)) out.push_back(std::move(d));
  } else if (!due.ok() && due.status().code() != absl::StatusCode::kOutOfRange) {
    return due.status();
  }
  // A due date the calendar cannot count yet waits for a calendar update (no deadline now).

  const ReviewInfo* latest = nullptr;
  for (const ReviewInfo& r : record.reviews()) {
    if (period->Contains(r.on)) latest = &r;
  }
  if (latest == nullptr) return out;
  const std::string review_date = FormatIsoDate(latest->on);
  const auto paperwork = [&](const char* what, int working_days,
                             const std::vector<PaperworkInfo>& recorded,
                             absl::string_view noun) -> absl::Status {
    if (HasPaperwork(recorded, latest->on)) return absl::OkStatus();
    PendingDeadline d;
    d.key = PaperworkKey(what, child, review_date);
    if (done.contains(d.key)) return absl::OkStatus();
    auto due_on = calendar.AddWorkingDays(latest->on, working_days);
    if (!due_on.ok()) {
      return due_on.status().code() == absl::StatusCode::kOutOfRange ? absl::OkStatus()
                                                                     : due_on.status();
    }
    auto fires_on = calendar.NextWorkingDay(*due_on);
    d.due_on = *due_on;
    d.fires_at = fires_on.ok() ? StartOfEnglandDay(*fires_on) : absl::InfiniteFuture();
    d.description = absl::StrCat("child ", child, ": ", noun, " of the review on ", review_date,
                                 " due ", FormatIsoDate(*due_on));
    out.push_back(std::move(d));
    return absl::OkStatus();
  };
  if (auto st = paperwork(kRecommendations, settings.recommendations_days_after,
                          record.recommendations(), "recommendations");
      !st.ok()) {
    return st;
  }
  if (auto st =
          paperwork(kRecord, settings.record_days_after, record.records_distributed(), "record");
      !st.ok()) {
    return st;
  }
  return out;
}

absl::Status ReviewDeadlines::Apply(const v1::Event& event) {
  constexpr absl::string_view kPrefix = kChildStreamPrefix;
  if (event.payload_type() != v1::ChildEvent::descriptor()->full_name() ||
      !absl::StartsWith(event.stream(), kPrefix)) {
    return absl::OkStatus();  // not a domain event
  }
  const std::string child(absl::string_view(event.stream()).substr(kPrefix.size()));
  if (event.type() == "DeadlineMissed") {
    v1::ChildEvent e;
    if (!e.ParseFromString(event.data())) {
      return absl::DataLossError("payload is not a footprint.v1.ChildEvent");
    }
    if (std::string key = KeyOfMissed(e); !key.empty()) done_[child].insert(std::move(key));
  }
  dirty_.insert(child);
  uint64_t& fed = fed_version_[child];
  fed = std::max(fed, event.version());
  fed_end_ = std::max(fed_end_, event.position() + 1);
  return absl::OkStatus();
}

absl::Status ReviewDeadlines::RefreshChild(const std::string& child_id) {
  // The read model's record serves when it holds every event of the child fed so far (it may
  // hold more: those later events mark the child again, as with a record read from the store).
  std::shared_ptr<const ChildRecord> record;
  if (lookup_) {
    record = lookup_(child_id);
    const uint64_t fed = fed_version_[child_id];
    if (record != nullptr && record->event_count() <= fed) record = nullptr;
  }
  if (record != nullptr) {
    ++reads_.from_read_model;
  } else {
    auto stored = LoadChildRecord(*store_, child_id);
    if (!stored.ok()) return stored.status();
    record = std::make_shared<const ChildRecord>(std::move(*stored));
    ++reads_.from_store;
  }
  auto pending = DeadlinesOf(*record, *settings_, *calendar_, done_[child_id]);
  if (!pending.ok()) return pending.status();
  if (pending->empty()) {
    pending_.erase(child_id);
  } else {
    pending_[child_id] = std::move(*pending);
  }
  return absl::OkStatus();
}

absl::Status ReviewDeadlines::Refresh() {
  // The record is read as stored now, which may be ahead of the events fed so far; those
  // later events mark the child again, so nothing is missed.
  if (!dirty_.empty() && lookup_ && await_) await_(fed_end_);
  while (!dirty_.empty()) {
    const std::string child = *dirty_.begin();
    if (auto st = RefreshChild(child); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat("child ", child, ": ", st.message()));
    }
    dirty_.erase(dirty_.begin());
  }
  return absl::OkStatus();
}

std::vector<PendingDeadline> ReviewDeadlines::Pending() const {
  std::vector<PendingDeadline> all;
  for (const auto& [child, pending] : pending_)
    all.insert(all.end(), pending.begin(), pending.end());
  return all;
}

absl::StatusOr<std::optional<eventstore::AppendRequest>> ReviewDeadlines::OnDue(
    const PendingDeadline& deadline) {
  const std::string child_id = ChildOfKey(deadline.key);
  if (child_id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("not a review deadline: ", deadline.key));
  }
  // Decide on the child's record as stored now: a review or paperwork recorded in the meantime
  // wins, and the deadline no longer applies.
  auto record = LoadChildRecord(*store_, child_id);
  if (!record.ok()) return record.status();
  auto pending = DeadlinesOf(*record, *settings_, *calendar_, done_[child_id]);
  if (!pending.ok()) return pending.status();
  const PendingDeadline* current = nullptr;
  for (const PendingDeadline& d : *pending) {
    if (d.key == deadline.key) current = &d;
  }
  if (current == nullptr) {
    dirty_.insert(child_id);
    return std::nullopt;
  }
  const absl::CivilDay missed_on = EnglandDay(current->fires_at);

  v1::ChildEvent missed;
  missed.set_child_id(child_id);
  missed.set_occurred_on(FormatIsoDate(missed_on));
  auto* m = missed.mutable_deadline_missed();
  m->set_due_on(FormatIsoDate(current->due_on));
  const std::string kind = deadline.key.substr(0, deadline.key.find('/'));
  m->set_what(kind);
  if (kind == kReview) {
    auto due = NextReviewDue(*record, kRecordAsItStands, *settings_, *calendar_);
    if (!due.ok()) return due.status();
    m->set_rule((*due)->rule);
  } else {
    const std::string review_date = deadline.key.substr(deadline.key.rfind('/') + 1);
    m->set_review_date(review_date);
    m->set_rule(
        kind == kRecommendations
            ? absl::StrCat("recommendations issued within ", settings_->recommendations_days_after,
                           " working days of the review on ", review_date)
            : absl::StrCat("review record distributed within ", settings_->record_days_after,
                           " working days of the review on ", review_date));
  }
  ValidationContext ctx;
  ctx.today = missed_on;
  ctx.policy = policy_;
  ctx.calendar = calendar_;
  ctx.system = true;
  if (auto st = CompleteAndValidate(*record, &missed, "deadline_missed", ctx); !st.ok()) return st;

  eventstore::AppendRequest append;
  append.stream = ChildStream(child_id);
  append.expected = eventstore::ExpectedVersion::Exact(
      eventstore::StreamVersion{record->event_count() - 1});  // the period exists: not empty
  append.events.push_back(
      ToNewEvent(missed, MissedEventId(deadline.key), kSystemSource, kSystemActor, deadline.key));
  return std::optional<eventstore::AppendRequest>(std::move(append));
}

}  // namespace footprint::workflow
