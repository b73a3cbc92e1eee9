// The IRO manager's reports, as pure functions of the children's records (CouncilView) and the
// council's settings, "as at" any date (docs/queries.md). Nothing here reads the log.
//
// Thread-safety: pure functions of their arguments.
#ifndef FOOTPRINT_PROJECTIONS_REPORTS_H_
#define FOOTPRINT_PROJECTIONS_REPORTS_H_

#include <cstddef>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "domain/escalation_policy.h"
#include "domain/review_schedule.h"
#include "domain/working_calendar.h"
#include "footprint/v1/reports.pb.h"
#include "projections/council_view.h"

namespace footprint::projections {

// Section 20 drift flags (shared/docs/domain.md section 8); 0 turns a flag off.
struct Section20Settings {
  int under_5_weeks = 8;        // under 5 and in s20 longer than this many weeks
  int months_without_plan = 6;  // in s20 longer than this with no permanence plan
  bool flag_no_consent = true;  // no consent recorded
  int plo_weeks = 0;            // PLO running longer than this without proceedings
};

// Placements with parents' flags (docs/web.md; local thresholds); 0 turns a flag off (the
// placement plan's flag cannot be: reg 9 sets it).
struct PlacementsWithParentsSettings {
  int assessment_weeks = 6;   // no assessment of the parent this many weeks after the placement
  int plan_working_days = 5;  // the placement plan is due this many working days after the start
  int discharge_months = 12;  // at home under an order this long with no plan to discharge it
};

struct CouncilSettings {
  domain::ReviewSettings reviews;
  Section20Settings section20;
  PlacementsWithParentsSettings placements_with_parents;
  const domain::EscalationPolicy* policy = nullptr;
  const domain::WorkingCalendar* calendar = nullptr;
};

// Restricts a report to one IRO or one team (of the IRO allocated as at the report's date).
struct ReportFilter {
  std::string iro;
  std::string team;
};

// The part of a report's list to build: the items from `offset` on, at most `limit` of them.
// The report's counts are always over the whole list; items outside the range are counted,
// never built.
struct ListRange {
  size_t offset = 0;
  size_t limit = std::numeric_limits<size_t>::max();
  bool Contains(size_t index) const { return index >= offset && index - offset < limit; }
  static ListRange None() { return ListRange{0, 0}; }
};

// Reviews of looked-after children: with `overdue_only`, those whose due date has passed;
// otherwise those due within `within_days` of `as_at` (not yet overdue).
absl::StatusOr<v1::ReviewsDueReport> ReviewsDue(const ChildMap& children, absl::CivilDay as_at,
                                                int within_days, bool overdue_only,
                                                const ReportFilter& filter,
                                                const CouncilSettings& settings);

// Reviews held between `from` and `to` (inclusive), each against the due date that applied;
// `list` selects the reviews listed (ListRange::None(): the counts only). The list is in child
// id order, then by date; reviews_held is its length.
absl::StatusOr<v1::TimelinessReport> Timeliness(const ChildMap& children, absl::CivilDay from,
                                                absl::CivilDay to, const ReportFilter& filter,
                                                const CouncilSettings& settings,
                                                const ListRange& list = {});

// Open challenges as at `as_at`, and counts of what happened between `from` and `to`.
absl::StatusOr<v1::EscalationReport> Escalations(const ChildMap& children, absl::CivilDay as_at,
                                                 absl::CivilDay from, absl::CivilDay to,
                                                 const ReportFilter& filter,
                                                 const CouncilSettings& settings);

// Children in section 20 on `as_at` or, with `from`, at any time from `from` to `as_at`.
// `import_sources`: the source systems of the import runs recorded; a child whose every event
// came from one of them, with no consent event, has consent_not_known and no "no consent" flag.
absl::StatusOr<v1::Section20Report> Section20(const ChildMap& children, absl::CivilDay as_at,
                                              std::optional<absl::CivilDay> from,
                                              const ReportFilter& filter,
                                              const CouncilSettings& settings,
                                              const std::set<std::string>& import_sources = {});

// Placements of the children looked after on `as_at`, over the 12 months to it. The list is
// every child looked after (with `three_or_more_only`, those with 3 or more placements), in id
// order; `list` selects the part built. The counts are over every child in scope.
absl::StatusOr<v1::PlacementReport> Placements(const ChildMap& children, absl::CivilDay as_at,
                                               const ReportFilter& filter,
                                               const CouncilSettings& settings,
                                               const ListRange& list = {},
                                               bool three_or_more_only = false);

// Children placed with parents (P1) on `as_at`, each with the approval, assessment, placement
// plan, order and flags of docs/web.md; counts, and the change over the quarter (the three months
// to `as_at`). `import_sources` as for Section20: a child whose record came from an import only
// has approval_not_known and no flags.
absl::StatusOr<v1::PlacementsWithParentsReport> PlacementsWithParents(
    const ChildMap& children, absl::CivilDay as_at, const ReportFilter& filter,
    const CouncilSettings& settings, const std::set<std::string>& import_sources = {});

// The Public Law Outline and care proceedings from `from` to `to` (docs/queries.md): every PLO
// and every set of proceedings that ran at some time in the range, with days and weeks, ends and
// outcomes, 26 weeks from issue, and section 20 alongside. A process whose end is not recorded
// ends, for the report, when the period of care it began in ended (outcome CARE_ENDED).
// `filter` keeps the children whose IRO is the filter's on `to`, or on the last day they were
// looked after in the range. INVALID_ARGUMENT when `from` is after `to`.
absl::StatusOr<v1::PloCourtReport> PloCourt(const ChildMap& children, absl::CivilDay from,
                                            absl::CivilDay to, const ReportFilter& filter,
                                            const CouncilSettings& settings);

// The IRO service's annual report for the collection year from 1 April `year` to `to`: 31 March
// `year`+1, or an earlier day for the year so far. Composes the timeliness and escalation
// reports over the year with counts of periods of care, section 20 and placements from the
// children's records (docs/annual-report.md defines each figure). `filter` keeps the children
// whose allocated IRO is the filter's on `to`, or on the last day they were looked after in the
// year. INVALID_ARGUMENT when `to` is outside the year.
//
// `context`: what the record holds besides the children (the import runs, for the coverage
// section and for telling imported children apart), when the report was produced, and whether
// to add the year before (`previous`). Figures the record cannot show are left unset and named
// in `not_recorded` (docs/annual-report.md).
struct AnnualContext {
  std::vector<v1::ImportRunCoverage> import_runs;
  std::set<std::string> import_sources;  // the runs' source systems
  std::string produced_at;               // RFC 3339
  bool with_previous = true;
};
absl::StatusOr<v1::AnnualReport> AnnualReport(const ChildMap& children, int year, absl::CivilDay to,
                                              const ReportFilter& filter,
                                              const CouncilSettings& settings,
                                              const AnnualContext& context = {});

// A foreign event (ChildRecord::foreign_events) as queries and Admin.VoidForeignEvent list it.
v1::ForeignEventItem ForeignEventItemOf(const domain::ForeignEvent& event);

// One child, as at a date; `import_sources` as for Section20 (consent not known for a child
// whose record came from an import only).
absl::StatusOr<v1::ChildSummary> Summarize(const domain::ChildRecord& child, absl::CivilDay as_at,
                                           const CouncilSettings& settings,
                                           const std::set<std::string>& import_sources = {});

}  // namespace footprint::projections

#endif  // FOOTPRINT_PROJECTIONS_REPORTS_H_
