// The events that record one child's validated 903 history (docs/import-903.md, "Events and
// ids"): each episode and review as Footprint ChildEvents, in date order, each with an event id
// derived from what it records, so that importing the same files again sends the same ids (and
// the intake writes nothing new).
//
// Thread-safety: pure functions.
#ifndef FOOTPRINT_IMPORT903_PLAN_H_
#define FOOTPRINT_IMPORT903_PLAN_H_

#include <string>
#include <vector>

#include "footprint/v1/domain.pb.h"
#include "import903/returns.h"

namespace footprint::import903 {

// The namespace of imported events' name-based ids (eventstore::EventId::FromName).
inline constexpr char kImportIdNamespace[] = "footprint/import903";

struct PlannedEvent {
  std::string event_id;  // canonical UUID text
  v1::ChildEvent event;
  std::string from;  // the row it comes from, "file:line"
};

// The events of `child`, which must have passed Validate (with any repairs applied): for each
// period of care, PeriodOfCareStarted on its first episode's DECOM (with the header's DOB; for
// a first period that began before the files, start_not_known),
// then by RNE LegalStatusChanged (L, B, U) and PlacementChanged (P, T, B, U; the carer changed
// for P and B; the reason the previous placement ended from its REASON_PLACE_CHANGE, or
// reason_not_recorded; nothing for an episode that changes nothing), and
// PeriodOfCareEnded on the DEC of an episode whose REC is an E-code; a ReviewHeld for each
// review (kind SHORT_BREAK while the legal status is V3 or V4). In date order; on one day, what
// the episodes start (care, legal status, placement), then the review, then care ending.
std::vector<PlannedEvent> PlanEvents(const ChildReturn& child);

}  // namespace footprint::import903

#endif  // FOOTPRINT_IMPORT903_PLAN_H_
