// The quarterly report on children placed with parents (docs/web.md; shared/docs/domain.md
// section 12; CPPCR 2010 Part 4 chapter 1 and reg 9).
#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/codes.h"
#include "projections/reports.h"
#include "report_parts.h"

namespace footprint::projections {
namespace {

using domain::AddMonthsClamped;
using domain::ChildRecord;
using domain::PeriodOfCare;
using domain::PermanencePlan;
using domain::PlacementNote;
using domain::PlacementSpan;
using internal::Day;
using internal::DaysBetween;

bool PlacedWithParents(const PlacementSpan& span) { return span.placement.type() == "P1"; }

// One unbroken run of placements with parents (P1) in one period of care.
struct Run {
  const PeriodOfCare* period = nullptr;
  absl::CivilDay since;  // the first P1 placement's start
  // The run's placements in date order (a move with or without a change of carer keeps the
  // child with parents).
  std::vector<const PlacementSpan*> spans;
  // The first day the child was no longer placed with parents: the next placement's start, or
  // the day after care ended; nullopt while it goes on.
  std::optional<absl::CivilDay> ended;

  bool On(absl::CivilDay day) const { return since <= day && (!ended || day < *ended); }
  bool Starts(absl::CivilDay day) const {
    return std::any_of(spans.begin(), spans.end(),
                       [day](const PlacementSpan* s) { return s->from == day; });
  }
};

// Every run of placements with parents in the child's record, in date order.
std::vector<Run> RunsOf(const ChildRecord& child) {
  std::vector<Run> runs;
  for (const PeriodOfCare& period : child.periods()) {
    std::optional<Run> open;
    for (const PlacementSpan& span : child.placements()) {
      if (span.from < period.start || (period.end && span.from > *period.end)) continue;
      if (PlacedWithParents(span)) {
        if (!open) open = Run{&period, span.from, {}, std::nullopt};
        open->spans.push_back(&span);
      } else if (open) {
        open->ended = span.from;
        runs.push_back(std::move(*open));
        open.reset();
      }
    }
    if (open) {
      if (period.end) open->ended = *period.end + 1;
      runs.push_back(std::move(*open));
    }
  }
  return runs;
}

const Run* RunOn(const std::vector<Run>& runs, absl::CivilDay day) {
  for (const Run& run : runs) {
    if (run.On(day)) return &run;
  }
  return nullptr;
}

// The earliest note dated by `as_at` about a placement of `run` starting on or after `from`.
const PlacementNote* NoteOf(const std::vector<PlacementNote>& notes, const Run& run,
                            absl::CivilDay as_at, absl::CivilDay from) {
  const PlacementNote* found = nullptr;
  for (const PlacementNote& note : notes) {
    if (note.on > as_at || note.placement_start < from || !run.Starts(note.placement_start)) {
      continue;
    }
    if (found == nullptr || note.on < found->on) found = &note;
  }
  return found;
}

std::string OrderOf(absl::string_view legal_status) {
  if (legal_status == "C1") return "interim care order";
  if (legal_status == "C2") return "care order";
  const absl::string_view label = domain::codes::LegalStatusLabel(legal_status);
  return label.empty() ? std::string(legal_status) : absl::StrCat(legal_status, " ", label);
}

// The child's item; each flag raised is counted in `report`.
absl::StatusOr<v1::PlacementWithParentsItem> ItemOf(const ChildRecord& child, const Run& run,
                                                    absl::CivilDay as_at,
                                                    const CouncilSettings& settings,
                                                    const std::set<std::string>& import_sources,
                                                    v1::PlacementsWithParentsReport* report) {
  const PlacementsWithParentsSettings& flags = settings.placements_with_parents;
  v1::PlacementWithParentsItem item;
  item.set_child_id(child.child_id());
  item.set_placed_since(Day(run.since));
  item.set_placed_since_not_known(!run.period->start_known && run.period->start == run.since);
  const int days = DaysBetween(run.since, as_at);
  item.set_days_at_home(days);
  const std::string status = child.LegalStatusOn(as_at);
  item.set_legal_status(status);
  item.set_order(OrderOf(status));
  internal::SetIro(child, as_at, item.mutable_iro_id(), item.mutable_team());

  // The approval and the assessment are of the run (any of its placements); the plan is of the
  // placement since the last change of carer.
  absl::CivilDay placement_from = run.since;
  for (const PlacementSpan* span : run.spans) {
    if (span->from <= as_at && span->carer_changed) placement_from = span->from;
  }
  const PlacementNote* approval = NoteOf(child.placement_approvals(), run, as_at, run.since);
  const PlacementNote* assessment = NoteOf(child.parent_assessments(), run, as_at, run.since);
  const PlacementNote* plan = NoteOf(child.placement_plans(), run, as_at, placement_from);
  if (approval != nullptr) {
    item.set_approved_on(Day(approval->on));
    item.set_approved_by(approval->by);
    item.set_approved_before_assessment(approval->before_assessment);
  }
  if (assessment != nullptr) item.set_assessment_completed_on(Day(assessment->on));
  if (plan != nullptr) item.set_placement_plan_on(Day(plan->on));
  auto plan_due = settings.calendar->AddWorkingDays(placement_from, flags.plan_working_days);
  if (!plan_due.ok()) return plan_due.status();
  item.set_placement_plan_due_on(Day(*plan_due));

  const PermanencePlan* permanence = nullptr;
  for (const PermanencePlan& p : child.permanence_plans()) {
    if (p.on >= run.period->start && p.on <= as_at) permanence = &p;
  }
  if (permanence != nullptr) {
    item.set_permanence_plan(v1::PermanencePlanRecorded::Plan_Name(permanence->plan));
  }
  std::optional<domain::ReviewDue> buffer;
  auto due = internal::NextDue(child, as_at, settings, &buffer);
  if (!due.ok()) return due.status();
  if (**due && (**due)->LateAfter()) item.set_next_review_due(Day((**due)->due_on));

  // What 903 returns never carry cannot be missing from an imported record.
  if (internal::ImportedOnly(child, &import_sources)) {
    item.set_approval_not_known(true);
    return item;
  }
  const auto flag = [&](std::string text, int32_t (v1::PlacementsWithParentsReport::*get)() const,
                        void (v1::PlacementsWithParentsReport::*set)(int32_t)) {
    item.add_flags(std::move(text));
    (report->*set)((report->*get)() + 1);
  };
  using R = v1::PlacementsWithParentsReport;
  if (approval == nullptr) {
    flag("not approved by the nominated officer", &R::not_approved, &R::set_not_approved);
  } else if (approval->on > approval->placement_start) {
    flag("placed before approval", &R::placed_before_approval, &R::set_placed_before_approval);
  }
  if (flags.assessment_weeks > 0 && assessment == nullptr && days > 7 * flags.assessment_weeks) {
    flag(absl::StrCat("assessment not completed within ", flags.assessment_weeks,
                      " weeks of the placement"),
         &R::assessment_overdue, &R::set_assessment_overdue);
  }
  if (plan == nullptr && as_at > *plan_due) {
    flag("no placement plan", &R::no_placement_plan, &R::set_no_placement_plan);
  } else if (plan != nullptr && plan->on > *plan_due) {
    flag("placement plan late", &R::placement_plan_late, &R::set_placement_plan_late);
  }
  if (flags.discharge_months > 0 && (status == "C1" || status == "C2") &&
      AddMonthsClamped(run.since, flags.discharge_months) < as_at &&
      (permanence == nullptr ||
       permanence->plan != v1::PermanencePlanRecorded::DISCHARGE_OF_CARE_ORDER)) {
    flag(absl::StrCat("at home for more than ", flags.discharge_months,
                      " months without a plan to discharge the order"),
         &R::long_without_discharge_plan, &R::set_long_without_discharge_plan);
  }
  return item;
}

}  // namespace

absl::StatusOr<v1::PlacementsWithParentsReport> PlacementsWithParents(
    const ChildMap& children, absl::CivilDay as_at, const ReportFilter& filter,
    const CouncilSettings& settings, const std::set<std::string>& import_sources) {
  v1::PlacementsWithParentsReport report;
  report.set_as_at(Day(as_at));
  const absl::CivilDay previous = AddMonthsClamped(as_at, -3);
  report.set_previous_as_at(Day(previous));
  // Each child is counted by the IRO allocated on the day that counts it.
  for (const ChildRecord* child : children.InCareDuring(previous, as_at)) {
    const std::vector<Run> runs = RunsOf(*child);
    for (const Run& run : runs) {
      if (run.since > previous && run.since <= as_at &&
          internal::Passes(*child, run.since, filter)) {
        report.set_began_in_quarter(report.began_in_quarter() + 1);
      }
      if (run.ended && *run.ended > previous && *run.ended <= as_at &&
          internal::Passes(*child, *run.ended - 1, filter)) {
        report.set_ended_in_quarter(report.ended_in_quarter() + 1);
      }
    }
    if (RunOn(runs, previous) != nullptr && internal::Passes(*child, previous, filter)) {
      report.set_previous_placed_with_parents(report.previous_placed_with_parents() + 1);
    }
    const Run* run = RunOn(runs, as_at);
    if (run == nullptr || !internal::Passes(*child, as_at, filter)) continue;
    auto item = ItemOf(*child, *run, as_at, settings, import_sources, &report);
    if (!item.ok()) return item.status();
    (*report.mutable_by_order())[item->order()]++;
    if (item->flags_size() > 0) report.set_flagged(report.flagged() + 1);
    if (item->approval_not_known()) report.set_approval_not_known(report.approval_not_known() + 1);
    *report.add_children() = std::move(*item);
  }
  report.set_change(report.children_size() - report.previous_placed_with_parents());
  return report;
}

}  // namespace footprint::projections
