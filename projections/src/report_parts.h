// The parts the reports share (reports.cc, placements_with_parents.cc, plo_court.cc): dates as
// text, the IRO filter, the current placement, the next review due, and whether a child's record
// came from an import only. Internal to footprint_projections.
//
// Thread-safety: pure functions of their arguments.
#ifndef FOOTPRINT_PROJECTIONS_SRC_REPORT_PARTS_H_
#define FOOTPRINT_PROJECTIONS_SRC_REPORT_PARTS_H_

#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "domain/child_record.h"
#include "domain/review_schedule.h"
#include "projections/reports.h"

namespace footprint::projections::internal {

// YYYY-MM-DD.
std::string Day(absl::CivilDay day);
int DaysBetween(absl::CivilDay from, absl::CivilDay to);

// Whether the child passes `filter` by the IRO allocated on `day`.
bool Passes(const domain::ChildRecord& child, absl::CivilDay day, const ReportFilter& filter);
// The IRO allocated on `day` and their team, when one is.
void SetIro(const domain::ChildRecord& child, absl::CivilDay day, std::string* iro_id,
            std::string* team);

// Section 20 proper (V2: a single period of accommodation), not short breaks (V3/V4).
bool IsV2(absl::string_view legal_status);

// Whether every event of the child's record (the service's own appends aside) came from one of
// `import_sources`, the source systems of the import runs recorded: then what the imported
// returns never carry (section 20 consent, a placement's approval) is not known, not absent.
bool ImportedOnly(const domain::ChildRecord& child, const std::set<std::string>* import_sources);

// The placement in force on `as_at` in the period of care covering it (nullptr if none).
const domain::PlacementSpan* CurrentPlacement(const domain::ChildRecord& child,
                                              absl::CivilDay as_at);

// The last day from `from` to `to` the child was looked after, if any.
std::optional<absl::CivilDay> LastDayInCare(const domain::ChildRecord& child, absl::CivilDay from,
                                            absl::CivilDay to);

// Whether the child's legal status satisfied `is_status` on some day from `from` to `to` while
// looked after. The status changes only when care starts or a change takes effect, so those
// days (and `from`) are the only ones to look at.
bool StatusDuring(const domain::ChildRecord& child, absl::CivilDay from, absl::CivilDay to,
                  bool (*is_status)(absl::string_view));

// The next review due as at `as_at` (nullopt when not looked after): the record's timeline's
// when it has one for these settings, else computed into `buffer`.
absl::StatusOr<const std::optional<domain::ReviewDue>*> NextDue(
    const domain::ChildRecord& child, absl::CivilDay as_at, const CouncilSettings& settings,
    std::optional<domain::ReviewDue>* buffer);

}  // namespace footprint::projections::internal

#endif  // FOOTPRINT_PROJECTIONS_SRC_REPORT_PARTS_H_
