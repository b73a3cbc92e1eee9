#include "projections/reports.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "domain/codes.h"
#include "domain/collection_year.h"
#include "report_parts.h"

namespace footprint::projections {

namespace codes = domain::codes;
using domain::AddMonthsClamped;
using domain::AnswerLateness;
using domain::ChallengeState;
using domain::ChallengeStep;
using domain::ChildRecord;
using domain::CollectionYearOf;
using domain::ConsentInfo;
using domain::ForeignEvent;
using domain::FormatIsoDate;
using domain::HeldReview;
using domain::IroAllocation;
using domain::NextReviewDue;
using domain::PaperworkInfo;
using domain::PeriodOfCare;
using domain::PermanencePlan;
using domain::PlacementSpan;
using domain::ReviewDue;
using domain::ReviewHistory;
using domain::ReviewInfo;
using domain::ReviewPaperwork;
using domain::ReviewSettings;
using domain::ReviewTimeline;
using domain::TimelineFor;
using domain::WorkingCalendar;

namespace internal {

std::string Day(absl::CivilDay day) { return FormatIsoDate(day); }

int DaysBetween(absl::CivilDay from, absl::CivilDay to) { return static_cast<int>(to - from); }

bool Passes(const ChildRecord& child, absl::CivilDay day, const ReportFilter& filter) {
  if (filter.iro.empty() && filter.team.empty()) return true;
  const IroAllocation* iro = child.IroOn(day);
  if (iro == nullptr) return false;
  if (!filter.iro.empty() && iro->iro_id != filter.iro) return false;
  if (!filter.team.empty() && iro->team != filter.team) return false;
  return true;
}

void SetIro(const ChildRecord& child, absl::CivilDay day, std::string* iro_id, std::string* team) {
  if (const IroAllocation* iro = child.IroOn(day)) {
    *iro_id = iro->iro_id;
    *team = iro->team;
  }
}

bool IsV2(absl::string_view legal_status) { return legal_status == "V2"; }

bool ImportedOnly(const ChildRecord& child, const std::set<std::string>* import_sources) {
  if (import_sources == nullptr || import_sources->empty() || child.sources().empty()) return false;
  bool imported = false;
  for (const auto& [source, span] : child.sources()) {
    // The server's own appends (missed deadlines) say nothing of how the child was recorded.
    if (source == domain::kSystemSource) continue;
    if (!import_sources->contains(source)) return false;
    imported = true;
  }
  return imported;
}

const PlacementSpan* CurrentPlacement(const ChildRecord& child, absl::CivilDay as_at) {
  const PeriodOfCare* period = child.PeriodOn(as_at);
  if (period == nullptr) return nullptr;
  const PlacementSpan* current = nullptr;
  for (const PlacementSpan& span : child.placements()) {
    if (span.from >= period->start && span.from <= as_at) current = &span;
  }
  return current;
}

absl::StatusOr<const std::optional<ReviewDue>*> NextDue(const ChildRecord& child,
                                                        absl::CivilDay as_at,
                                                        const CouncilSettings& settings,
                                                        std::optional<ReviewDue>* buffer) {
  if (const ReviewTimeline* timeline = TimelineFor(child, settings.reviews, *settings.calendar)) {
    return &timeline->NextDue(as_at);
  }
  auto due = NextReviewDue(child, as_at, settings.reviews, *settings.calendar);
  if (!due.ok()) return due.status();
  *buffer = std::move(*due);
  return buffer;
}

std::optional<absl::CivilDay> LastDayInCare(const ChildRecord& child, absl::CivilDay from,
                                            absl::CivilDay to) {
  std::optional<absl::CivilDay> last;
  for (const PeriodOfCare& p : child.periods()) {
    if (p.start <= to && (!p.end || *p.end >= from)) last = p.end && *p.end < to ? *p.end : to;
  }
  return last;
}

bool StatusDuring(const ChildRecord& child, absl::CivilDay from, absl::CivilDay to,
                  bool (*is_status)(absl::string_view)) {
  std::vector<absl::CivilDay> days = {from};
  for (const auto& [d, status] : child.legal_statuses()) {
    if (d > from && d <= to) days.push_back(d);
  }
  for (const PeriodOfCare& p : child.periods()) {
    if (p.start > from && p.start <= to) days.push_back(p.start);
  }
  return std::any_of(days.begin(), days.end(), [&](absl::CivilDay d) {
    return child.LookedAfterOn(d) && is_status(child.LegalStatusOn(d));
  });
}

}  // namespace internal

using internal::CurrentPlacement;
using internal::Day;
using internal::DaysBetween;
using internal::ImportedOnly;
using internal::IsV2;
using internal::LastDayInCare;
using internal::NextDue;
using internal::Passes;
using internal::SetIro;
using internal::StatusDuring;

namespace {

// A code for a count's key: "(none)" when not recorded.
std::string Or(std::string code) { return code.empty() ? "(none)" : code; }

absl::StatusOr<v1::ReviewDueItem> DueItem(const ChildRecord& child, absl::CivilDay as_at,
                                          const ReviewDue& due) {
  v1::ReviewDueItem item;
  item.set_child_id(child.child_id());
  SetIro(child, as_at, item.mutable_iro_id(), item.mutable_team());
  item.set_period_start(Day(due.period_start));
  std::optional<absl::CivilDay> last;
  for (const ReviewInfo& r : child.reviews()) {
    if (r.on >= due.period_start && r.on <= as_at) last = r.on;
  }
  if (last) item.set_last_review(Day(*last));
  item.set_rule(due.rule);
  item.set_review_number(due.number);
  if (due.LateAfter()) {
    item.set_due_on(Day(due.due_on));
    item.set_days_until_due(DaysBetween(as_at, due.due_on));
    item.set_overdue(due.due_on < as_at);
  }
  item.set_due_date_exact(due.exact);
  if (due.earliest_due_on) item.set_earliest_due_on(Day(*due.earliest_due_on));
  return item;
}

// Paperwork and timeliness of one held review.
v1::HeldReviewItem HeldItem(const ChildRecord& child, const HeldReview& held) {
  v1::HeldReviewItem item;
  item.set_child_id(child.child_id());
  item.set_held_on(Day(held.review.on));
  if (held.due.LateAfter()) item.set_due_on(Day(held.due.due_on));
  if (held.due.earliest_due_on) item.set_earliest_due_on(Day(*held.due.earliest_due_on));
  item.set_rule(held.due.rule);
  item.set_in_time(held.in_time);
  item.set_timeliness_not_known(!held.timeliness_known);
  item.set_review_number(held.due.number);
  item.set_participation(held.review.participation);
  item.set_iro_id(held.review.iro_id);
  const ReviewPaperwork& paperwork = held.paperwork;
  if (paperwork.report_working_days_before) {
    item.set_report_working_days_before(*paperwork.report_working_days_before);
  }
  if (paperwork.recommendations_on) {
    item.set_recommendations_on(Day(*paperwork.recommendations_on));
    item.set_recommendations_in_time(paperwork.recommendations_in_time);
  }
  if (paperwork.record_on) {
    item.set_record_on(Day(*paperwork.record_on));
    item.set_record_in_time(paperwork.record_in_time);
  }
  return item;
}

// A challenge as it stood at the end of `as_at`, replayed from its dated steps.
struct ChallengeAt {
  bool exists = false;
  int stage = 0;
  std::string stage_name;
  std::string status;
  absl::CivilDay stage_entered_on;
  std::optional<absl::CivilDay> deadline;
  std::optional<absl::CivilDay> formal_since;
  std::optional<absl::CivilDay> closed_on;
  std::optional<absl::CivilDay> cafcass_on;
  bool overdue = false;
};

ChallengeAt ReplayChallenge(const ChallengeState& c, absl::CivilDay as_at) {
  ChallengeAt at;
  for (const ChallengeStep& s : c.steps) {
    if (s.on > as_at) break;
    if (s.kind == "raised" || s.kind == "escalated") {
      at.exists = true;
      at.stage = s.stage;
      at.stage_name = s.stage_name;
      at.status = "awaiting_response";
      at.stage_entered_on = s.on;
      at.deadline = s.due_on;
      at.overdue = false;
      if (s.stage >= 1 && !at.formal_since) at.formal_since = s.on;
    } else if (s.kind == "responded") {
      at.status = "responded";
      at.deadline.reset();
    } else if (s.kind == "resolved" || s.kind == "withdrawn") {
      at.status = s.kind;
      at.closed_on = s.on;
      at.deadline.reset();
    } else if (s.kind == "cafcass_referral") {
      at.cafcass_on = s.on;
    } else if (s.kind == "response_overdue") {
      // (Recorded after a late answer, it does not make the answered stage overdue.)
      if (s.stage == at.stage && at.status == "awaiting_response") at.overdue = true;
    }
  }
  return at;
}

int WorkingDays(const WorkingCalendar& calendar, absl::CivilDay from, absl::CivilDay to) {
  auto days = calendar.WorkingDaysBetween(from, to);
  return days.ok() ? *days : 0;
}

v1::ChallengeItem ChallengeItemOf(const ChildRecord& child, const ChallengeState& c,
                                  const ChallengeAt& at, absl::CivilDay as_at,
                                  const CouncilSettings& settings) {
  v1::ChallengeItem item;
  item.set_id(c.id);
  item.set_child_id(child.child_id());
  item.set_iro_id(c.iro_id);
  std::string iro_ignored;
  SetIro(child, as_at, &iro_ignored, item.mutable_team());
  item.set_theme(c.theme);
  item.mutable_stage()->set_number(static_cast<uint32_t>(at.stage));
  item.mutable_stage()->set_name(at.stage_name);
  item.set_status(at.status);
  item.set_raised_on(Day(c.raised_on));
  item.set_stage_entered_on(Day(at.stage_entered_on));
  if (at.deadline) item.set_deadline(Day(*at.deadline));
  const absl::CivilDay until = at.closed_on.value_or(as_at);
  item.set_working_days_open(WorkingDays(*settings.calendar, c.raised_on, until));
  item.set_working_days_at_stage(WorkingDays(*settings.calendar, at.stage_entered_on, until));
  item.set_response_overdue(
      at.overdue || (at.deadline && at.status == "awaiting_response" && *at.deadline < as_at));
  item.set_over_twenty_working_days(at.formal_since &&
                                    WorkingDays(*settings.calendar, *at.formal_since, until) > 20);
  if (at.cafcass_on) item.set_cafcass_referred_on(Day(*at.cafcass_on));
  if (at.closed_on) item.set_closed_on(Day(*at.closed_on));
  item.set_formal(at.formal_since.has_value());
  return item;
}

// The first day of the unbroken stretch of `is_status` legal statuses that covers `day`.
std::optional<absl::CivilDay> StretchSince(const ChildRecord& child, absl::CivilDay day,
                                           bool (*is_status)(absl::string_view)) {
  const PeriodOfCare* period = child.PeriodOn(day);
  if (period == nullptr || !is_status(child.LegalStatusOn(day))) return std::nullopt;
  absl::CivilDay since = day;
  for (auto it = child.legal_statuses().rbegin(); it != child.legal_statuses().rend(); ++it) {
    if (it->first > day || it->first < period->start) continue;
    if (!is_status(it->second)) break;
    since = it->first;
  }
  return since;
}

// Whether the child's consent to section 20 cannot be known from the record: every event of it
// came from an import (903 returns carry no consent) and none is about consent.
bool ConsentUnknown(const ChildRecord& child, const std::set<std::string>* import_sources) {
  return child.consents().empty() && ImportedOnly(child, import_sources);
}

v1::Section20Item Section20ItemOf(const ChildRecord& child, absl::CivilDay day,
                                  absl::CivilDay since, const CouncilSettings& settings,
                                  const std::set<std::string>* import_sources = nullptr) {
  const Section20Settings& flags = settings.section20;
  v1::Section20Item item;
  item.set_child_id(child.child_id());
  item.set_legal_status(child.LegalStatusOn(day));
  item.set_s20_since(Day(since));
  if (const PeriodOfCare* period = child.PeriodOn(since);
      period != nullptr && !period->start_known && period->start == since) {
    item.set_s20_since_not_known(true);
  }
  const int days = DaysBetween(since, day);
  item.set_days_in_s20(days);
  if (child.date_of_birth()) item.set_date_of_birth(Day(*child.date_of_birth()));
  const std::optional<int> age = child.AgeOn(day);
  if (age) item.set_age(*age);
  SetIro(child, day, item.mutable_iro_id(), item.mutable_team());
  const ConsentInfo* latest = nullptr;
  for (const ConsentInfo& c : child.consents()) {
    if (c.on >= since && c.on <= day) latest = &c;
  }
  if (latest != nullptr && !latest->withdrawn) {
    item.set_consent_recorded(true);
    item.set_consent_on(Day(latest->on));
  }
  if (latest != nullptr && latest->withdrawn && latest->removal_requested) {
    item.set_removal_requested(true);
  }
  std::optional<absl::CivilDay> plo;
  for (absl::CivilDay d : child.plo_starts()) {
    if (d >= since && d <= day) plo = d;
  }
  if (plo) item.set_plo_started_on(Day(*plo));
  std::optional<absl::CivilDay> proceedings;
  for (absl::CivilDay d : child.proceedings_issued()) {
    if (d >= since && d <= day) proceedings = d;
  }
  if (proceedings) item.set_proceedings_issued_on(Day(*proceedings));
  const PermanencePlan* plan = nullptr;
  const PeriodOfCare* period = child.PeriodOn(day);
  for (const PermanencePlan& p : child.permanence_plans()) {
    if (period != nullptr && p.on >= period->start && p.on <= day) plan = &p;
  }
  if (plan != nullptr) {
    item.set_permanence_plan(v1::PermanencePlanRecorded::Plan_Name(plan->plan));
    item.set_permanence_plan_on(Day(plan->on));
  }
  if (item.removal_requested()) item.add_flags("removal requested by a parent: act today");
  if (flags.under_5_weeks > 0 && age && *age < 5 && days > 7 * flags.under_5_weeks) {
    item.add_flags(
        absl::StrCat("under 5 and in section 20 for more than ", flags.under_5_weeks, " weeks"));
  }
  if (flags.months_without_plan > 0 && plan == nullptr &&
      AddMonthsClamped(since, flags.months_without_plan) < day) {
    item.add_flags(absl::StrCat("in section 20 for more than ", flags.months_without_plan,
                                " months without a permanence plan"));
  }
  if (ConsentUnknown(child, import_sources)) {
    item.set_consent_not_known(true);
  } else if (flags.flag_no_consent && !item.consent_recorded()) {
    item.add_flags("no consent recorded");
  }
  if (flags.plo_weeks > 0 && plo && !proceedings && DaysBetween(*plo, day) > 7 * flags.plo_weeks) {
    item.add_flags(
        absl::StrCat("PLO running for more than ", flags.plo_weeks, " weeks without proceedings"));
  }
  return item;
}

struct PlacementCounts {
  int placements = 0;
  int moves = 0;
};

// Placements over the 12 months to `as_at`: the one in force when the window opened (if in
// care then) and every new placement since with a change of carer, temporary ones excluded.
PlacementCounts CountPlacements(const ChildRecord& child, absl::CivilDay as_at) {
  const absl::CivilDay window_start = AddMonthsClamped(as_at, -12);
  PlacementCounts counts;
  if (child.LookedAfterOn(window_start)) counts.placements = 1;
  for (const PlacementSpan& span : child.placements()) {
    if (span.from <= window_start || span.from > as_at) continue;
    if (!span.starts_period && !span.carer_changed) continue;
    if (codes::IsTemporaryPlacement(span.placement.type())) continue;
    ++counts.placements;
    if (!span.starts_period) ++counts.moves;
  }
  return counts;
}

std::string Rating(double percent, const ReviewSettings& settings) {
  if (percent >= settings.green_percent) return "green";
  if (percent >= settings.amber_percent) return "amber";
  return "red";
}

// Every review the child has held up to `up_to` at least (by period, then date): the record's
// timeline when it has one for these settings (then later ones too), else computed into
// `buffer`.
absl::StatusOr<const std::vector<HeldReview>*> HeldReviews(const ChildRecord& child,
                                                           absl::CivilDay up_to,
                                                           const CouncilSettings& settings,
                                                           std::vector<HeldReview>* buffer) {
  if (const ReviewTimeline* timeline = TimelineFor(child, settings.reviews, *settings.calendar)) {
    return &timeline->history();
  }
  auto history = ReviewHistory(child, up_to, settings.reviews, *settings.calendar);
  if (!history.ok()) return history.status();
  *buffer = std::move(*history);
  return buffer;
}

// The last day anything happened to the challenge.
absl::CivilDay LastStepDay(const ChallengeState& c) {
  absl::CivilDay last = c.raised_on;
  for (const ChallengeStep& s : c.steps) last = std::max(last, s.on);
  return last;
}

}  // namespace

absl::StatusOr<v1::ReviewsDueReport> ReviewsDue(const ChildMap& children, absl::CivilDay as_at,
                                                int within_days, bool overdue_only,
                                                const ReportFilter& filter,
                                                const CouncilSettings& settings) {
  v1::ReviewsDueReport report;
  report.set_as_at(Day(as_at));
  std::vector<v1::ReviewDueItem> items;
  std::optional<ReviewDue> buffer;
  for (const ChildRecord* child : children.InCareDuring(as_at, as_at)) {
    if (!Passes(*child, as_at, filter)) continue;
    auto due = NextDue(*child, as_at, settings, &buffer);
    if (!due.ok()) return due.status();
    if (!**due) continue;
    const ReviewDue& next = ***due;
    if (!next.LateAfter()) {
      report.set_due_date_not_known(report.due_date_not_known() + 1);
      continue;
    }
    const bool overdue = next.due_on < as_at;
    if (overdue_only ? !overdue : (overdue || DaysBetween(as_at, next.due_on) > within_days)) {
      continue;
    }
    auto item = DueItem(*child, as_at, next);
    if (!item.ok()) return item.status();
    items.push_back(std::move(*item));
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.due_on() < b.due_on(); });
  for (auto& item : items) *report.add_items() = std::move(item);
  return report;
}

absl::StatusOr<v1::TimelinessReport> Timeliness(const ChildMap& children, absl::CivilDay from,
                                                absl::CivilDay to, const ReportFilter& filter,
                                                const CouncilSettings& settings,
                                                const ListRange& list) {
  v1::TimelinessReport report;
  report.set_from(Day(from));
  report.set_to(Day(to));
  for (absl::string_view code : codes::kParticipationCodes) {
    (*report.mutable_participation())[std::string(code)] = 0;
  }
  report.mutable_social_worker_reports();  // present, all zero, in a period without reviews
  std::vector<HeldReview> buffer;
  std::optional<ReviewDue> next_buffer;
  int paperwork_events = 0;  // reviews of the period with any paperwork recorded
  // Reviews, and a review falling due, happen only in care.
  for (const ChildRecord* child : children.InCareDuring(from, to)) {
    if (!Passes(*child, to, filter)) continue;
    auto history = HeldReviews(*child, to, settings, &buffer);
    if (!history.ok()) return history.status();
    int held = 0;
    bool all_in_time = true;
    bool any_not_known = false;
    // The history is in date order: skip to the period's first review (reading every review of
    // ten years was most of this report's time, a cache miss each).
    const std::vector<HeldReview>& reviews = **history;
    auto first = std::partition_point(reviews.begin(), reviews.end(),
                                      [&](const HeldReview& h) { return h.review.on < from; });
    for (auto it = first; it != reviews.end() && it->review.on <= to; ++it) {
      const HeldReview& h = *it;
      ++held;
      const size_t index = static_cast<size_t>(report.reviews_held());
      report.set_reviews_held(report.reviews_held() + 1);
      if (!h.timeliness_known) {
        report.set_reviews_timeliness_not_known(report.reviews_timeliness_not_known() + 1);
        any_not_known = true;
      } else if (h.in_time) {
        report.set_reviews_in_time(report.reviews_in_time() + 1);
      } else {
        all_in_time = false;
      }
      if (!h.review.participation.empty()) {
        (*report.mutable_participation())[h.review.participation]++;
      }
      const ReviewPaperwork& paperwork = h.paperwork;
      if (paperwork.report_working_days_before || paperwork.recommendations_on ||
          paperwork.record_on) {
        ++paperwork_events;
      }
      auto* buckets = report.mutable_social_worker_reports();
      if (!paperwork.report_working_days_before) {
        buckets->set_not_received(buckets->not_received() + 1);
      } else if (*paperwork.report_working_days_before >= 5) {
        buckets->set_five_or_more_days_before(buckets->five_or_more_days_before() + 1);
      } else if (*paperwork.report_working_days_before >= 1) {
        buckets->set_one_to_four_days_before(buckets->one_to_four_days_before() + 1);
      } else if (*paperwork.report_working_days_before == 0) {
        buckets->set_same_day(buckets->same_day() + 1);
      } else {
        buckets->set_after(buckets->after() + 1);
      }
      if (paperwork.recommendations_on && paperwork.recommendations_in_time) {
        report.set_recommendations_in_time(report.recommendations_in_time() + 1);
      }
      if (paperwork.record_on && paperwork.record_in_time) {
        report.set_records_in_time(report.records_in_time() + 1);
      }
      if (list.Contains(index)) *report.add_reviews() = HeldItem(*child, h);
    }
    // A review that fell due in the period and was not held also makes the child late.
    auto next = NextDue(*child, to, settings, &next_buffer);
    if (!next.ok()) return next.status();
    const std::optional<ReviewDue>& due = **next;
    const std::optional<absl::CivilDay> late_after = due ? due->LateAfter() : std::nullopt;
    const bool missed = late_after && *late_after >= from && *late_after < to;
    if (held > 0 || missed) {
      report.set_children_reviewed(report.children_reviewed() + 1);
      if (all_in_time && !missed) {
        if (any_not_known) {
          report.set_children_timeliness_not_known(report.children_timeliness_not_known() + 1);
        } else {
          report.set_children_all_in_time(report.children_all_in_time() + 1);
        }
      }
    }
    for (absl::CivilDay d : child->midway_reviews()) {
      if (d >= from && d <= to) report.set_midway_reviews(report.midway_reviews() + 1);
    }
  }
  // Paperwork: with reviews held and not one paperwork event recorded for them, the record
  // cannot say when reports arrived or records went out (e.g. imported 903 years): not 0.
  if (report.reviews_held() > 0 && paperwork_events == 0) {
    report.clear_social_worker_reports();
    report.clear_recommendations_in_time();
    report.clear_records_in_time();
    for (const char* field :
         {"social_worker_reports", "recommendations_in_time", "records_in_time"}) {
      v1::NotRecorded* entry = report.add_not_recorded();
      entry->set_field(field);
      entry->set_reason(
          "no social worker's report, recommendations or review record is recorded for any "
          "review held then (903 returns carry none)");
    }
  } else {
    // Present (0 is a figure here), also in a period without reviews.
    report.set_recommendations_in_time(report.recommendations_in_time());
    report.set_records_in_time(report.records_in_time());
  }
  // Percentages are of what is known: a review whose timeliness is not known is neither.
  if (const int known = report.reviews_held() - report.reviews_timeliness_not_known(); known > 0) {
    report.set_percent_in_time(100.0 * report.reviews_in_time() / known);
    report.set_rating(Rating(report.percent_in_time(), settings.reviews));
  }
  if (const int known = report.children_reviewed() - report.children_timeliness_not_known();
      known > 0) {
    report.set_percent_children_in_time(100.0 * report.children_all_in_time() / known);
  }
  // Reviews held, and not one whose timeliness can be known: no percentage (not 0).
  const auto none_known = [&report](const char* field, const char* what) {
    v1::NotRecorded* entry = report.add_not_recorded();
    entry->set_field(field);
    entry->set_reason(absl::StrCat("the timeliness of every ", what,
                                   " is not known (periods of care begun before the record)"));
  };
  if (report.reviews_held() > 0 && report.reviews_held() == report.reviews_timeliness_not_known()) {
    none_known("percent_in_time", "review held in the period");
  }
  if (report.children_reviewed() > 0 &&
      report.children_reviewed() == report.children_timeliness_not_known()) {
    none_known("percent_children_in_time", "child reviewed in the period");
  }
  return report;
}

absl::StatusOr<v1::EscalationReport> Escalations(const ChildMap& children, absl::CivilDay as_at,
                                                 absl::CivilDay from, absl::CivilDay to,
                                                 const ReportFilter& filter,
                                                 const CouncilSettings& settings) {
  v1::EscalationReport report;
  report.set_as_at(Day(as_at));
  report.set_from(Day(from));
  report.set_to(Day(to));
  for (const ChildRecord* child : children.WithChallengesFor(as_at, from, to)) {
    for (const auto& [challenge_id, c] : child->challenges()) {
      // Raised after both dates, or over (closed by as_at, nothing since `from`): no part in
      // the report.
      if (c.raised_on > to && c.raised_on > as_at) continue;
      if (c.closed_on && *c.closed_on <= as_at && LastStepDay(c) < from) continue;
      if (!filter.iro.empty() && c.iro_id != filter.iro) continue;
      if (!filter.team.empty()) {
        const IroAllocation* iro = child->IroOn(as_at);
        if (iro == nullptr || iro->team != filter.team) continue;
      }
      // Counts over the period.
      if (c.raised_on >= from && c.raised_on <= to) {
        report.set_raised(report.raised() + 1);
        const ChallengeAt at_raise = ReplayChallenge(c, c.raised_on);
        if (at_raise.stage == 0) {
          report.set_raised_informal(report.raised_informal() + 1);
        } else {
          report.set_raised_formal(report.raised_formal() + 1);
        }
        (*report.mutable_raised_by_theme())[c.theme]++;
      }
      const ChallengeAt at_to = ReplayChallenge(c, to);
      if (at_to.closed_on && *at_to.closed_on >= from) {
        if (at_to.status == "resolved") {
          (*report.mutable_resolved_by_stage())[at_to.stage_name]++;
        } else {
          report.set_withdrawn(report.withdrawn() + 1);
        }
      }
      if (at_to.cafcass_on && *at_to.cafcass_on >= from) {
        report.set_cafcass_referrals(report.cafcass_referrals() + 1);
      }
      // Answers to a stage dated in the period, in time or late (from the dates alone).
      for (const ChallengeStep& s : c.steps) {
        if (!s.answers_stage() || s.on < from || s.on > to) continue;
        if (AnswerLateness(*s.answered_due_on, s.on, *settings.calendar).late) {
          report.set_responses_late(report.responses_late() + 1);
          (*report.mutable_responses_late_by_stage())[s.stage_name]++;
        } else {
          report.set_responses_in_time(report.responses_in_time() + 1);
          (*report.mutable_responses_in_time_by_stage())[s.stage_name]++;
        }
      }
      // Open as at.
      const ChallengeAt at = ReplayChallenge(c, as_at);
      if (!at.exists || at.closed_on) continue;
      v1::ChallengeItem item = ChallengeItemOf(*child, c, at, as_at, settings);
      (*report.mutable_open_by_stage())[at.stage_name]++;
      (*report.mutable_open_by_theme())[c.theme]++;
      (*report.mutable_open_by_iro())[c.iro_id]++;
      (*report.mutable_open_by_team())[item.team().empty() ? "(none)" : item.team()]++;
      if (item.response_overdue()) report.set_overdue_responses(report.overdue_responses() + 1);
      *report.add_open() = std::move(item);
    }
  }
  std::stable_sort(report.mutable_open()->begin(), report.mutable_open()->end(),
                   [](const auto& a, const auto& b) { return a.raised_on() < b.raised_on(); });
  return report;
}

absl::StatusOr<v1::Section20Report> Section20(const ChildMap& children, absl::CivilDay as_at,
                                              std::optional<absl::CivilDay> from,
                                              const ReportFilter& filter,
                                              const CouncilSettings& settings,
                                              const std::set<std::string>& import_sources) {
  v1::Section20Report report;
  report.set_as_at(Day(as_at));
  if (from) report.set_from(Day(*from));
  for (const ChildRecord* child : children.InCareDuring(from.value_or(as_at), as_at)) {
    if (!Passes(*child, as_at, filter) && !(from && Passes(*child, *from, filter))) continue;
    // The day to describe the child on: as_at if in s20 (or short breaks) then; otherwise,
    // with a range, the last day in s20 within it.
    std::optional<absl::CivilDay> day;
    const auto in_s20 = [&](absl::CivilDay d) {
      return codes::IsSection20(child->LegalStatusOn(d));
    };
    if (in_s20(as_at)) {
      day = as_at;
    } else if (from) {
      // Candidate days: the range start, and each day a status changed or care ended in it.
      std::vector<absl::CivilDay> candidates = {*from};
      for (const auto& [d, status] : child->legal_statuses()) {
        if (d > *from && d <= as_at) candidates.push_back(d - 1);
      }
      for (const PeriodOfCare& p : child->periods()) {
        if (p.end && *p.end >= *from && *p.end <= as_at) candidates.push_back(*p.end);
      }
      std::sort(candidates.begin(), candidates.end());
      for (absl::CivilDay d : candidates) {
        if (d >= *from && in_s20(d)) day = d;
      }
    }
    if (!day) continue;
    const bool v2 = IsV2(child->LegalStatusOn(*day));
    auto since = StretchSince(*child, *day, v2 ? &IsV2 : &codes::IsShortBreaks);
    if (!since) continue;
    v1::Section20Item item = Section20ItemOf(*child, *day, *since, settings, &import_sources);
    if (v2) {
      if (item.flags_size() > 0) report.set_flagged(report.flagged() + 1);
      if (item.s20_since_not_known()) report.set_since_not_known(report.since_not_known() + 1);
      *report.add_children() = std::move(item);
    } else {
      *report.add_short_breaks() = std::move(item);
    }
  }
  return report;
}

absl::StatusOr<v1::PlacementReport> Placements(const ChildMap& children, absl::CivilDay as_at,
                                               const ReportFilter& filter,
                                               const CouncilSettings& /*settings*/,
                                               const ListRange& list, bool three_or_more_only) {
  v1::PlacementReport report;
  report.set_as_at(Day(as_at));
  const absl::CivilDay window_start = AddMonthsClamped(as_at, -12);
  size_t listed = 0;  // children in the list so far
  // Placements start, and end, only in care.
  for (const ChildRecord* child : children.InCareDuring(window_start, as_at)) {
    if (!Passes(*child, as_at, filter)) continue;
    for (const PlacementSpan& span : child->placements()) {
      if (!span.starts_period && span.from > window_start && span.from <= as_at &&
          !span.reason_previous_ended.empty()) {
        (*report.mutable_reasons_ended())[span.reason_previous_ended]++;
      }
    }
    const PlacementSpan* current = CurrentPlacement(*child, as_at);
    if (current == nullptr) continue;
    report.set_looked_after(report.looked_after() + 1);
    if (const PeriodOfCare* period = child->PeriodOn(as_at);
        period != nullptr && !period->start_known && period->start > window_start) {
      report.set_record_begins_in_window(report.record_begins_in_window() + 1);
    }
    const PlacementCounts counts = CountPlacements(*child, as_at);
    const bool three_or_more = counts.placements >= 3;
    const bool unregistered = current->placement.registration() == v1::Placement::UNREGISTERED;
    const bool over_20_miles =
        current->placement.has_distance_miles() && current->placement.distance_miles() > 20;
    if (three_or_more) report.set_three_or_more(report.three_or_more() + 1);
    if (unregistered) report.set_unregistered(report.unregistered() + 1);
    if (over_20_miles) report.set_over_20_miles(report.over_20_miles() + 1);
    if (three_or_more_only && !three_or_more) continue;
    if (!list.Contains(listed++)) continue;
    v1::PlacementItem item;
    item.set_child_id(child->child_id());
    item.set_placements_last_12_months(counts.placements);
    item.set_moves_last_12_months(counts.moves);
    *item.mutable_current() = current->placement;
    item.set_placed_since(Day(current->from));
    item.set_three_or_more(three_or_more);
    item.set_unregistered(unregistered);
    item.set_over_20_miles(over_20_miles);
    SetIro(*child, as_at, item.mutable_iro_id(), item.mutable_team());
    *report.add_children() = std::move(item);
  }
  return report;
}

namespace {

bool NotShortBreaks(absl::string_view status) { return !codes::IsShortBreaks(status); }

// Calls `visit` with each day the child's record says something happened.
template <typename Visit>
void ForEachFactDay(const ChildRecord& child, Visit visit) {
  for (const PeriodOfCare& p : child.periods()) {
    visit(p.start);
    if (p.end) visit(*p.end);
  }
  for (const auto& [d, status] : child.legal_statuses()) visit(d);
  for (const PlacementSpan& span : child.placements()) visit(span.from);
  for (const ReviewInfo& r : child.reviews()) visit(r.on);
  for (const IroAllocation& a : child.iro_allocations()) visit(a.from);
  for (const ConsentInfo& c : child.consents()) visit(c.on);
  for (absl::CivilDay d : child.midway_reviews()) visit(d);
  for (const PaperworkInfo& w : child.social_worker_reports()) visit(w.on);
  for (const PaperworkInfo& w : child.recommendations()) visit(w.on);
  for (const PaperworkInfo& w : child.records_distributed()) visit(w.on);
  for (absl::CivilDay d : child.child_cafcass_referrals()) visit(d);
  for (const auto& [id, c] : child.challenges()) {
    visit(c.raised_on);
    for (const ChallengeStep& step : c.steps) visit(step.on);
  }
}

// Whether any challenge or CAFCASS referral of any child is dated in the year or open in it.
bool ChallengesRecorded(const ChildMap& children, absl::CivilDay from, absl::CivilDay to) {
  for (const auto& [id, record] : children) {
    for (absl::CivilDay d : record->child_cafcass_referrals()) {
      if (d >= from && d <= to) return true;
    }
    for (const auto& [challenge_id, c] : record->challenges()) {
      if (c.raised_on <= to && (!c.closed_on || *c.closed_on >= from)) return true;
      for (const ChallengeStep& step : c.steps) {
        if (step.on >= from && step.on <= to) return true;
      }
    }
  }
  return false;
}

void AddNotRecorded(v1::AnnualReport* report, std::string field, std::string reason);

// 0 when there is no whole (as the timeliness percentages).
double Percent(int part, int whole) { return whole == 0 ? 0.0 : 100.0 * part / whole; }

// The IRO's footprint beyond reviews in the year, over `children` (the report's scope); a part
// with no such event in `all_children` is not recorded (docs/annual-report.md).
void FillIroFootprint(const ChildMap& children, const ChildMap& all_children, int year,
                      absl::CivilDay from, absl::CivilDay to, v1::AnnualReport* report) {
  v1::AnnualIroFootprint& f = *report->mutable_iro_footprint();
  const absl::CivilDay last_quarter(year + 1, 1, 1);
  const auto in_year = [&](absl::CivilDay d) { return d >= from && d <= to; };
  int reviews_held = 0;
  int forms = 0;
  int audits = 0;
  for (const char* grade : {"OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE"}) {
    (*f.mutable_quality_assurance()->mutable_by_grade())[grade] = 0;
  }
  for (const auto& [id, child] : children) {
    bool face_to_face = false;
    bool face_to_face_last_quarter = false;
    bool virtually = false;
    for (const domain::IroVisitInfo& v : child->iro_visits()) {
      if (!in_year(v.on)) continue;
      if (v.face_to_face) {
        f.mutable_visits()->set_face_to_face(f.visits().face_to_face() + 1);
        face_to_face = true;
        face_to_face_last_quarter = face_to_face_last_quarter || v.on >= last_quarter;
      } else {
        f.mutable_visits()->set_virtual_visits(f.visits().virtual_visits() + 1);
        virtually = true;
      }
    }
    auto& visits = *f.mutable_visits();
    if (face_to_face) visits.set_children_face_to_face(visits.children_face_to_face() + 1);
    if (face_to_face_last_quarter) {
      visits.set_children_face_to_face_last_quarter(visits.children_face_to_face_last_quarter() +
                                                    1);
    }
    if (virtually) visits.set_children_visited_virtually(visits.children_visited_virtually() + 1);
    for (const ReviewInfo& r : child->reviews()) reviews_held += in_year(r.on) ? 1 : 0;
    auto& qa = *f.mutable_quality_assurance();
    for (const domain::QualityAssuranceInfo& form : child->quality_assurance()) {
      if (!in_year(form.review_date)) continue;
      ++forms;
      (*qa.mutable_by_grade())[v1::PracticeGrade_Name(form.grade)]++;
      if (form.grade != v1::INADEQUATE) continue;
      for (const std::string& theme : form.themes) (*qa.mutable_inadequate_themes())[theme]++;
    }
    for (absl::CivilDay d : child->case_file_audits()) audits += in_year(d) ? 1 : 0;
    if (child->LookedAfterOn(to) && !codes::IsShortBreaks(child->LegalStatusOn(to))) {
      auto& life = *f.mutable_life_story_work();
      life.set_looked_after_at_end(life.looked_after_at_end() + 1);
      const auto& done = child->life_story_work();
      if (std::any_of(done.begin(), done.end(), [&](absl::CivilDay d) { return d <= to; })) {
        life.set_completed(life.completed() + 1);
      }
    }
  }
  auto& qa = *f.mutable_quality_assurance();
  qa.set_forms(forms);
  qa.set_reviews_held(reviews_held);
  qa.set_percent_of_reviews(Percent(forms, reviews_held));
  auto& life = *f.mutable_life_story_work();
  life.set_percent(Percent(life.completed(), life.looked_after_at_end()));
  f.set_case_file_audits(audits);

  // What the whole record holds, whatever the scope: none of a kind is "not recorded", not 0.
  bool any_visit = false, any_form = false, any_life_story = false, any_audit = false;
  for (const auto& [id, child] : all_children) {
    for (const domain::IroVisitInfo& v : child->iro_visits())
      any_visit = any_visit || in_year(v.on);
    for (const auto& form : child->quality_assurance()) {
      any_form = any_form || in_year(form.review_date);
    }
    for (absl::CivilDay d : child->life_story_work()) any_life_story = any_life_story || d <= to;
    for (absl::CivilDay d : child->case_file_audits()) any_audit = any_audit || in_year(d);
  }
  if (!any_visit) {
    f.clear_visits();
    AddNotRecorded(report, "iro_footprint.visits",
                   "no IRO visit to a child is recorded in the year");
  }
  if (!any_form) {
    f.clear_quality_assurance();
    AddNotRecorded(report, "iro_footprint.quality_assurance",
                   "no quality-and-compliance form is recorded for a review held in the year");
  }
  if (!any_life_story) {
    f.clear_life_story_work();
    AddNotRecorded(report, "iro_footprint.life_story_work",
                   "no life-story work is recorded as completed by the end of the year");
  }
  if (!any_audit) {
    f.clear_case_file_audits();
    AddNotRecorded(report, "iro_footprint.case_file_audits",
                   "no case-file audit is recorded in the year");
  }
}

void AddNotRecorded(v1::AnnualReport* report, std::string field, std::string reason) {
  v1::NotRecorded* entry = report->add_not_recorded();
  entry->set_field(std::move(field));
  entry->set_reason(std::move(reason));
}

std::string Month(absl::CivilDay day) {
  return absl::StrCat(day.year(), "-", day.month() < 10 ? "0" : "", day.month());
}

// The coverage section: what the record holds, whatever the filter.
void FillCoverage(const ChildMap& all_children, const AnnualContext& context,
                  const std::set<std::string>& import_sources, v1::AnnualCoverage* coverage) {
  coverage->set_children_in_record(static_cast<int32_t>(all_children.size()));
  for (const v1::ImportRunCoverage& run : context.import_runs) *coverage->add_import_runs() = run;
  struct Totals {
    int32_t children = 0;
    int64_t events = 0;
    std::string first_on;
    std::string last_on;
  };
  std::map<std::string, Totals> sources;
  std::optional<absl::CivilDay> latest;
  std::optional<absl::CivilDay> earliest;
  for (const auto& [id, record] : all_children) {
    for (const auto& [source, span] : record->sources()) {
      Totals& t = sources[source];
      ++t.children;
      t.events += static_cast<int64_t>(span.events);
      if (!span.first_on.empty() && (t.first_on.empty() || span.first_on < t.first_on)) {
        t.first_on = span.first_on;
      }
      if (span.last_on > t.last_on) t.last_on = span.last_on;
    }
    ForEachFactDay(*record, [&](absl::CivilDay d) {
      if (!latest || d > *latest) latest = d;
      if (!earliest || d < *earliest) earliest = d;
    });
  }
  for (const auto& [source, t] : sources) {
    v1::SourceCoverage* out = coverage->add_sources();
    out->set_source_system(source);
    out->set_children(t.children);
    out->set_events(t.events);
    out->set_first_event_on(t.first_on);
    out->set_last_event_on(t.last_on);
    out->set_imported(import_sources.contains(source));
  }
  if (latest) coverage->set_latest_event_on(Day(*latest));
  if (earliest) {
    coverage->set_first_year_with_data(CollectionYearOf(*earliest));
    coverage->set_last_year_with_data(CollectionYearOf(*latest));
  }
  coverage->set_produced_at(context.produced_at);
}

}  // namespace

absl::StatusOr<v1::AnnualReport> AnnualReport(const ChildMap& all_children, int year,
                                              absl::CivilDay to, const ReportFilter& filter,
                                              const CouncilSettings& settings,
                                              const AnnualContext& context) {
  const absl::CivilDay from = domain::CollectionYearStart(year);
  const absl::CivilDay year_end = domain::CollectionYearEnd(year);
  if (to < from || to > year_end) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to: ", Day(to), " is outside the collection year ", Day(from), " to ", Day(year_end)));
  }
  v1::AnnualReport report;
  report.set_year(year);
  report.set_from(Day(from));
  report.set_to(Day(to));
  report.set_complete(to == year_end);
  report.set_iro(filter.iro);
  report.set_team(filter.team);
  const std::set<std::string>& import_sources = context.import_sources;
  v1::AnnualCoverage& coverage = *report.mutable_coverage();
  FillCoverage(all_children, context, import_sources, &coverage);
  if (context.with_previous && year > 1990) {
    AnnualContext before = context;
    before.with_previous = false;
    auto previous =
        AnnualReport(all_children, year - 1, absl::CivilDay(year, 3, 31), filter, settings, before);
    if (!previous.ok()) return previous.status();
    previous->clear_coverage();  // the record's, the same as this year's
    *report.mutable_previous() = std::move(*previous);
  }

  // A year with no data at all (nothing dated in it; every fact of a child falls in care) is
  // marked, not shown as zeros: every section is not recorded.
  bool has_data = false;
  for (const ChildRecord* child : all_children.InCareDuring(from, to)) {
    ForEachFactDay(*child,
                   [&](absl::CivilDay d) { has_data = has_data || (d >= from && d <= to); });
    if (has_data) break;
  }
  coverage.set_year_has_data(has_data);
  // Before every import's files, with nothing recorded live in it: partial, so not shown.
  int first_import_year = 0;
  for (const v1::ImportRunCoverage& run : context.import_runs) {
    for (int y : run.years()) {
      if (first_import_year == 0 || y < first_import_year) first_import_year = y;
    }
  }
  if (has_data && first_import_year > 0 && year < first_import_year) {
    const std::string from_text = Day(from), to_text = Day(to);
    bool live = false;
    for (const ChildRecord* child : all_children.InCareDuring(from, to)) {
      for (const auto& [source, span] : child->sources()) {
        if (import_sources.contains(source) || source == domain::kSystemSource) continue;
        live = live || (span.first_on <= to_text && span.last_on >= from_text);
      }
      if (live) break;
    }
    if (!live) {
      coverage.set_year_before_imports(true);
      const std::string reason = absl::StrCat(
          "the record's history of this year comes only from imports whose files begin in the "
          "collection year ",
          first_import_year,
          ": it holds only the children still looked after then, so the figures would be "
          "partial");
      for (const char* section :
           {"care", "reviews", "challenges", "section20", "placements", "iro_footprint"}) {
        AddNotRecorded(&report, section, reason);
      }
      return report;
    }
  }
  if (!has_data) {
    const std::string reason =
        coverage.first_year_with_data() == 0
            ? std::string("the record holds no child's event yet")
            : absl::StrCat(
                  "the record holds nothing dated in this year; it holds data for the "
                  "collection years ",
                  coverage.first_year_with_data(), " to ", coverage.last_year_with_data());
    for (const char* section :
         {"care", "reviews", "challenges", "section20", "placements", "iro_footprint"}) {
      AddNotRecorded(&report, section, reason);
    }
    return report;
  }

  // One scope for every section: with a filter, the children whose allocated IRO on `to`, or on
  // the last day they were looked after in the year, is the filter's. The reports composed below
  // then run unfiltered over those children.
  ChildMap scoped;
  const bool filtered = !filter.iro.empty() || !filter.team.empty();
  if (filtered) {
    for (const ChildRecord* child : all_children.InCareDuring(from, to)) {
      const std::optional<absl::CivilDay> last = LastDayInCare(*child, from, to);
      if (last && (Passes(*child, to, filter) || Passes(*child, *last, filter))) {
        scoped.emplace(child->child_id(), all_children.at(child->child_id()));
      }
    }
    scoped.Index();
  }
  const ChildMap& children = filtered ? scoped : all_children;
  const ReportFilter everyone;

  v1::AnnualCare& care = *report.mutable_care();
  v1::AnnualSection20& s20 = *report.mutable_section20();
  v1::AnnualPlacements& placements = *report.mutable_placements();
  // The care and placement figures are of children looked after other than under an agreed
  // series of short breaks (V3/V4), as the 903 counts them; short breaks are counted apart in
  // section20. A day counts by the child's legal status on it.
  const auto looked_after_on = [](const ChildRecord& child, absl::CivilDay day) {
    return child.LookedAfterOn(day) && !codes::IsShortBreaks(child.LegalStatusOn(day));
  };
  for (absl::CivilMonth m(from); m <= absl::CivilMonth(to); ++m) {
    (*care.mutable_started_by_month())[Month(absl::CivilDay(m))] = 0;
    (*care.mutable_ended_by_month())[Month(absl::CivilDay(m))] = 0;
  }
  int placements_at_end = 0;
  int registration_known = 0;
  for (const ChildRecord* child : children.InCareDuring(from, to)) {
    bool started = false;
    std::set<std::string> admitted_to;
    if (!LastDayInCare(*child, from, to)) continue;
    if (StatusDuring(*child, from, to, &NotShortBreaks)) {
      care.set_looked_after_during(care.looked_after_during() + 1);
    }
    if (StatusDuring(*child, from, to, &IsV2)) s20.set_during(s20.during() + 1);
    if (StatusDuring(*child, from, to, &codes::IsShortBreaks)) {
      s20.set_short_breaks_during(s20.short_breaks_during() + 1);
    }
    bool at_start = false;
    bool at_end = false;
    for (const PeriodOfCare& p : child->periods()) {
      if (p.start < from && (!p.end || *p.end >= from) && looked_after_on(*child, from)) {
        at_start = true;
      }
      if (p.start <= to && (!p.end || *p.end > to) && looked_after_on(*child, to)) at_end = true;
      if (!p.start_known && p.start <= to && (!p.end || *p.end >= from)) {
        care.set_periods_start_not_known(care.periods_start_not_known() + 1);
      }
      if (p.start_known && p.start >= from && p.start <= to && looked_after_on(*child, p.start)) {
        care.set_periods_started(care.periods_started() + 1);
        (*care.mutable_started_by_legal_status())[Or(child->LegalStatusOn(p.start))]++;
        (*care.mutable_started_by_month())[Month(p.start)]++;
        started = true;
        const PlacementSpan* first = CurrentPlacement(*child, p.start);
        const std::string type = Or(first != nullptr ? first->placement.type() : "");
        (*care.mutable_admissions_by_placement())[type]++;
        admitted_to.insert(type);
      }
      if (p.end && *p.end >= from && *p.end <= to && looked_after_on(*child, *p.end)) {
        care.set_periods_ended(care.periods_ended() + 1);
        (*care.mutable_ended_by_reason())[Or(p.end_reason)]++;
        (*care.mutable_ended_by_month())[Month(*p.end)]++;
      }
    }
    if (started) care.set_children_started(care.children_started() + 1);
    for (const std::string& type : admitted_to) {
      (*care.mutable_children_admitted_by_placement())[type]++;
    }
    if (at_start) care.set_looked_after_at_start(care.looked_after_at_start() + 1);
    const std::string status_at_end = child->LookedAfterOn(to) ? child->LegalStatusOn(to) : "";
    if (codes::IsShortBreaks(status_at_end)) {
      s20.set_short_breaks_at_end(s20.short_breaks_at_end() + 1);
    }
    if (at_end) {
      care.set_looked_after_at_end(care.looked_after_at_end() + 1);
      (*care.mutable_legal_status_at_end())[Or(status_at_end)]++;
      if (IsV2(status_at_end)) {
        s20.set_at_end(s20.at_end() + 1);
        if (auto since = StretchSince(*child, to, &IsV2)) {
          const v1::Section20Item item =
              Section20ItemOf(*child, to, *since, settings, &import_sources);
          if (item.flags_size() > 0) s20.set_flagged_at_end(s20.flagged_at_end() + 1);
          if (item.consent_not_known()) {
            s20.set_consent_not_recorded_at_end(s20.consent_not_recorded_at_end() + 1);
          }
        }
      }
      if (const PlacementSpan* current = CurrentPlacement(*child, to)) {
        const v1::Placement& placement = current->placement;
        ++placements_at_end;
        if (placement.registration() != v1::Placement::REGISTRATION_UNSPECIFIED) {
          ++registration_known;
        }
        (*placements.mutable_type_at_end())[Or(placement.type())]++;
        if (placement.registration() == v1::Placement::UNREGISTERED) {
          placements.set_unregistered(placements.unregistered() + 1);
        }
        if (placement.has_distance_miles()) {
          placements.set_distance_known(placements.distance_known() + 1);
          if (placement.distance_miles() > 20) {
            placements.set_over_20_miles(placements.over_20_miles() + 1);
          }
        }
      }
      if (CountPlacements(*child, to).placements >= 3) {
        placements.set_three_or_more(placements.three_or_more() + 1);
      }
    }
    bool moved = false;
    for (const PlacementSpan& span : child->placements()) {
      if (span.starts_period || !span.carer_changed || span.from < from || span.from > to ||
          !looked_after_on(*child, span.from)) {
        continue;
      }
      placements.set_moves(placements.moves() + 1);
      moved = true;
      (*placements.mutable_reasons_ended())[Or(span.reason_previous_ended)]++;
    }
    if (moved) placements.set_children_who_moved(placements.children_who_moved() + 1);
  }
  if (placements_at_end > 0 && placements.distance_known() == 0) {
    placements.clear_over_20_miles();
    AddNotRecorded(&report, "placements.over_20_miles",
                   "no distance from home is recorded for any child looked after at the end "
                   "(903 returns carry postcodes, not distances)");
  } else if (!placements.has_over_20_miles()) {
    placements.set_over_20_miles(0);
  }
  if (placements_at_end > 0 && registration_known == 0) {
    placements.clear_unregistered();
    AddNotRecorded(&report, "placements.unregistered",
                   "no placement of a child looked after at the end has its registration "
                   "recorded (903 returns do not carry it)");
  } else if (!placements.has_unregistered()) {
    placements.set_unregistered(0);
  }
  // CAFCASS referrals in the year: every referral step of every challenge, and the child's own
  // referrals, over the children in scope.
  int referrals = 0;
  for (const auto& [id, record] : children) {
    for (absl::CivilDay d : record->child_cafcass_referrals()) {
      if (d >= from && d <= to) ++referrals;
    }
    for (const auto& [challenge_id, c] : record->challenges()) {
      for (const ChallengeStep& step : c.steps) {
        if (step.kind == "cafcass_referral" && step.on >= from && step.on <= to) ++referrals;
      }
    }
  }

  auto timeliness = Timeliness(children, from, to, everyone, settings, ListRange::None());
  if (!timeliness.ok()) return timeliness.status();
  v1::AnnualReviews& reviews = *report.mutable_reviews();
  reviews.set_held(timeliness->reviews_held());
  reviews.set_held_in_time(timeliness->reviews_in_time());
  reviews.set_percent_in_time(timeliness->percent_in_time());
  reviews.set_rating(timeliness->rating());
  reviews.set_children_reviewed(timeliness->children_reviewed());
  reviews.set_children_all_in_time(timeliness->children_all_in_time());
  reviews.set_percent_children_in_time(timeliness->percent_children_in_time());
  *reviews.mutable_participation() = timeliness->participation();
  // What the Timeliness report cannot show for the year (paperwork, a percentage), the annual
  // report cannot either: left unset, and named with the same reason.
  if (timeliness->has_social_worker_reports()) {
    *reviews.mutable_social_worker_reports() = timeliness->social_worker_reports();
  }
  if (timeliness->has_recommendations_in_time()) {
    reviews.set_recommendations_in_time(timeliness->recommendations_in_time());
  }
  if (timeliness->has_records_in_time()) {
    reviews.set_records_in_time(timeliness->records_in_time());
  }
  for (const v1::NotRecorded& n : timeliness->not_recorded()) {
    AddNotRecorded(&report, absl::StrCat("reviews.", n.field()), n.reason());
  }
  reviews.set_midway_reviews(timeliness->midway_reviews());
  reviews.set_timeliness_not_known(timeliness->reviews_timeliness_not_known());
  reviews.set_children_timeliness_not_known(timeliness->children_timeliness_not_known());
  std::map<std::string, int> by_iro;
  for (const ChildRecord* child : children.InCareDuring(from, to)) {
    for (const ReviewInfo& r : child->reviews()) {
      if (r.on < from || r.on > to) continue;
      std::string iro = r.iro_id;
      if (iro.empty()) {
        if (const IroAllocation* a = child->IroOn(r.on)) iro = a->iro_id;
      }
      by_iro[Or(iro)]++;
    }
  }
  int iros = 0;
  int total = 0;
  for (const auto& [iro, count] : by_iro) {
    (*reviews.mutable_held_by_iro())[iro] = count;
    if (iro == "(none)") continue;
    ++iros;
    total += count;
    reviews.set_per_iro_highest(std::max(reviews.per_iro_highest(), count));
    reviews.set_per_iro_lowest(iros == 1 ? count : std::min(reviews.per_iro_lowest(), count));
  }
  if (iros > 0) {
    reviews.set_per_iro_average(static_cast<double>(total) / iros);
  } else if (reviews.held() > 0) {
    reviews.clear_per_iro_highest();
    reviews.clear_per_iro_lowest();
    for (const char* field :
         {"reviews.per_iro_average", "reviews.per_iro_highest", "reviews.per_iro_lowest"}) {
      AddNotRecorded(&report, field,
                     "no review held in the year names its IRO, and no IRO is allocated to the "
                     "children then (903 returns carry none)");
    }
  } else {
    reviews.set_per_iro_average(0);
    reviews.set_per_iro_highest(0);
    reviews.set_per_iro_lowest(0);
  }

  auto escalations = Escalations(children, to, from, to, everyone, settings);
  if (!escalations.ok()) return escalations.status();
  v1::AnnualChallenges& challenges = *report.mutable_challenges();
  challenges.set_raised(escalations->raised());
  challenges.set_raised_informal(escalations->raised_informal());
  challenges.set_raised_formal(escalations->raised_formal());
  *challenges.mutable_raised_by_theme() = escalations->raised_by_theme();
  *challenges.mutable_resolved_by_stage() = escalations->resolved_by_stage();
  int resolved = 0;
  for (const auto& [stage, count] : escalations->resolved_by_stage()) resolved += count;
  challenges.set_resolved(resolved);
  challenges.set_withdrawn(escalations->withdrawn());
  challenges.set_cafcass_referrals(referrals);
  challenges.set_open_at_end(escalations->open_size());
  *challenges.mutable_open_at_end_by_stage() = escalations->open_by_stage();
  challenges.set_overdue_responses_at_end(escalations->overdue_responses());
  challenges.set_responses_in_time(escalations->responses_in_time());
  challenges.set_responses_late(escalations->responses_late());
  *challenges.mutable_responses_in_time_by_stage() = escalations->responses_in_time_by_stage();
  *challenges.mutable_responses_late_by_stage() = escalations->responses_late_by_stage();
  std::map<std::pair<std::string, std::string>, int> by_issue;
  for (const auto& [id, record] : children) {
    for (const auto& [challenge_id, c] : record->challenges()) {
      if (c.raised_on < from || c.raised_on > to) continue;
      if (!filter.iro.empty() && c.iro_id != filter.iro) continue;
      by_issue[{c.theme, Or(c.issue)}]++;
    }
  }
  for (const auto& [key, count] : by_issue) {
    v1::ThemeIssueCount* row = challenges.add_raised_by_theme_and_issue();
    row->set_theme(key.first);
    row->set_issue(key.second);
    row->set_count(count);
  }
  FillIroFootprint(children, all_children, year, from, to, &report);
  if (!ChallengesRecorded(all_children, from, to)) {
    // Nothing of the council's dispute resolution is recorded for the year: not zeros.
    report.clear_challenges();
    AddNotRecorded(&report, "challenges",
                   "no challenge, escalation or CAFCASS referral is recorded for any child in "
                   "the year (903 returns carry none)");
  }
  return report;
}

v1::ForeignEventItem ForeignEventItemOf(const ForeignEvent& event) {
  v1::ForeignEventItem item;
  item.set_event_id(event.event_id);
  item.set_type(event.type);
  item.set_version(event.version);
  item.set_position(event.position);
  item.set_reason(event.reason);
  item.set_voided_by(event.voided_by);
  item.set_void_reason(event.void_reason);
  if (event.voided_on) item.set_voided_on(Day(*event.voided_on));
  return item;
}

absl::StatusOr<v1::ChildSummary> Summarize(const ChildRecord& child, absl::CivilDay as_at,
                                           const CouncilSettings& settings,
                                           const std::set<std::string>& import_sources) {
  v1::ChildSummary summary;
  summary.set_child_id(child.child_id());
  summary.set_as_at(Day(as_at));
  for (const ForeignEvent& e : child.foreign_events()) {
    *summary.add_foreign_events() = ForeignEventItemOf(e);
  }
  if (child.date_of_birth()) summary.set_date_of_birth(Day(*child.date_of_birth()));
  if (auto age = child.AgeOn(as_at)) summary.set_age(*age);
  const PeriodOfCare* period = child.PeriodOn(as_at);
  summary.set_looked_after(period != nullptr);
  if (period != nullptr) {
    summary.set_period_start(Day(period->start));
    summary.set_period_start_not_known(!period->start_known);
    summary.set_legal_status(child.LegalStatusOn(as_at));
    if (const PlacementSpan* current = CurrentPlacement(child, as_at)) {
      *summary.mutable_placement() = current->placement;
      summary.set_placed_since(Day(current->from));
    }
    if (const IroAllocation* iro = child.IroOn(as_at)) {
      summary.set_iro_id(iro->iro_id);
      summary.set_iro_name(iro->iro_name);
      summary.set_team(iro->team);
    }
    summary.set_placements_last_12_months(CountPlacements(child, as_at).placements);
    auto due = NextReviewDue(child, as_at, settings.reviews, *settings.calendar);
    if (!due.ok()) return due.status();
    if (*due) {
      auto item = DueItem(child, as_at, **due);
      if (!item.ok()) return item.status();
      *summary.mutable_next_review() = std::move(*item);
      if ((*due)->LateAfter() && (*due)->due_on < as_at) summary.add_flags("review overdue");
    }
    if (codes::IsSection20(child.LegalStatusOn(as_at)) && IsV2(child.LegalStatusOn(as_at))) {
      if (auto since = StretchSince(child, as_at, &IsV2)) {
        // Kept in a local: a range-for over a member of a temporary would read freed memory
        // (the temporary dies before the loop body runs, until C++23).
        const v1::Section20Item item =
            Section20ItemOf(child, as_at, *since, settings, &import_sources);
        for (const std::string& flag : item.flags()) summary.add_flags(flag);
      }
    }
    if (CountPlacements(child, as_at).placements >= 3) {
      summary.add_flags("3 or more placements in 12 months");
    }
    if (const PlacementSpan* current = CurrentPlacement(child, as_at)) {
      if (current->placement.registration() == v1::Placement::UNREGISTERED) {
        summary.add_flags("unregistered placement");
      }
    }
  }
  auto history = ReviewHistory(child, as_at, settings.reviews, *settings.calendar);
  if (!history.ok()) return history.status();
  for (const HeldReview& h : *history) *summary.add_reviews() = HeldItem(child, h);
  for (const auto& [id, c] : child.challenges()) {
    const ChallengeAt at = ReplayChallenge(c, as_at);
    if (!at.exists || at.closed_on) continue;
    *summary.add_challenges() = ChallengeItemOf(child, c, at, as_at, settings);
  }
  return summary;
}

}  // namespace footprint::projections
