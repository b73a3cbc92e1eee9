// The 6-monthly report on the Public Law Outline and care proceedings (docs/queries.md;
// shared/docs/domain.md section 12; Children Act 1989 s32(1)(a): 26 weeks from issue).
#include <cmath>
#include <optional>
#include <string>

#include "domain/codes.h"
#include "projections/reports.h"
#include "report_parts.h"

namespace footprint::projections {
namespace {

using domain::ChildRecord;
using domain::LegalProcess;
using domain::PeriodOfCare;
using internal::Day;
using internal::DaysBetween;

constexpr int kCourtDays = 26 * 7;

// A process as the report sees it: ended when its end is recorded, or when the period of care
// it began in ended first (the record then says nothing more of it: "CARE_ENDED").
struct Span {
  absl::CivilDay start;
  std::optional<absl::CivilDay> end;
  std::string outcome;
};

Span SpanOf(const ChildRecord& child, const LegalProcess& p) {
  Span span{p.start, p.end, p.outcome};
  const PeriodOfCare* period = child.PeriodOn(p.start);
  if (period != nullptr && period->end && (!span.end || *period->end < *span.end)) {
    span.end = *period->end;
    span.outcome = "CARE_ENDED";
  }
  return span;
}

// Whole weeks with one decimal.
double Weeks(int days) { return std::round(days * 10.0 / 7.0) / 10.0; }

}  // namespace

absl::StatusOr<v1::PloCourtReport> PloCourt(const ChildMap& children, absl::CivilDay from,
                                            absl::CivilDay to, const ReportFilter& filter,
                                            const CouncilSettings& /*settings*/) {
  if (from > to) {
    return absl::InvalidArgumentError(
        absl::StrCat("from: ", Day(from), " is after to (", Day(to), ")"));
  }
  v1::PloCourtReport report;
  report.set_from(Day(from));
  report.set_to(Day(to));
  int concluded_days = 0;
  for (const ChildRecord* child : children.InCareDuring(from, to)) {
    const std::optional<absl::CivilDay> last_in_care = internal::LastDayInCare(*child, from, to);
    if (!last_in_care || !internal::Passes(*child, *last_in_care, filter)) continue;
    v1::PloItem base;
    base.set_child_id(child->child_id());
    internal::SetIro(*child, *last_in_care, base.mutable_iro_id(), base.mutable_team());

    bool s20_with_plo = false;
    for (const LegalProcess& p : child->plo_processes()) {
      const Span span = SpanOf(*child, p);
      if (span.start > to || (span.end && *span.end < from)) continue;
      v1::PloItem item = base;
      item.set_started_on(Day(span.start));
      const bool ended = span.end && *span.end <= to;
      if (ended) {
        item.set_ended_on(Day(*span.end));
        item.set_outcome(span.outcome);
        report.set_plo_ended(report.plo_ended() + 1);
        (*report.mutable_plo_ended_by_outcome())[span.outcome]++;
      } else {
        report.set_plo_running(report.plo_running() + 1);
      }
      if (span.start >= from) report.set_plo_started(report.plo_started() + 1);
      item.set_days(DaysBetween(span.start, ended ? *span.end : to));
      item.set_weeks(Weeks(item.days()));
      const absl::CivilDay window_start = std::max(span.start, from);
      const absl::CivilDay window_end = ended ? *span.end : to;
      item.set_s20_alongside(
          internal::StatusDuring(*child, window_start, window_end, &internal::IsV2));
      s20_with_plo = s20_with_plo || item.s20_alongside();
      *report.add_plo() = std::move(item);
    }
    if (s20_with_plo) report.set_s20_children_with_plo(report.s20_children_with_plo() + 1);

    for (const LegalProcess& p : child->court_processes()) {
      const Span span = SpanOf(*child, p);
      if (span.start > to || (span.end && *span.end < from)) continue;
      v1::ProceedingsItem item;
      item.set_child_id(base.child_id());
      item.set_iro_id(base.iro_id());
      item.set_team(base.team());
      item.set_issued_on(Day(span.start));
      if (span.start >= from) report.set_issued(report.issued() + 1);
      const bool concluded = span.end && *span.end <= to;
      item.set_days(DaysBetween(span.start, concluded ? *span.end : to));
      item.set_weeks(Weeks(item.days()));
      if (concluded) {
        item.set_concluded_on(Day(*span.end));
        item.set_outcome(span.outcome);
        item.set_within_26_weeks(item.days() <= kCourtDays);
        report.set_concluded(report.concluded() + 1);
        (*report.mutable_concluded_by_outcome())[span.outcome]++;
        if (item.within_26_weeks()) {
          report.set_concluded_within_26_weeks(report.concluded_within_26_weeks() + 1);
        }
        concluded_days += item.days();
      } else {
        item.set_over_26_weeks(item.days() > kCourtDays);
        report.set_running(report.running() + 1);
        if (item.over_26_weeks())
          report.set_running_over_26_weeks(report.running_over_26_weeks() + 1);
      }
      *report.add_proceedings() = std::move(item);
    }
  }
  if (report.concluded() > 0) {
    report.set_average_weeks_to_conclusion(
        std::round(concluded_days * 10.0 / 7.0 / report.concluded()) / 10.0);
  }
  return report;
}

}  // namespace footprint::projections
