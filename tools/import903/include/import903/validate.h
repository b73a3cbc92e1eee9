// The validation of one child's pooled 903 history before anything of it is imported
// (docs/import-903.md, "Validation rules"): codes, the episode chain, the header, reviews
// against periods of care. Every reason found is reported (a child is rejected with all of
// them, not the first); the repairs asked for are applied in place and reported instead.
//
// Thread-safety: pure functions of their arguments.
#ifndef FOOTPRINT_IMPORT903_VALIDATE_H_
#define FOOTPRINT_IMPORT903_VALIDATE_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "import903/returns.h"

namespace footprint::import903 {

// The repairs there are (rule ids): only these can be asked for.
inline constexpr const char* kRepairableRules[] = {"episode.open_not_last",
                                                   "episode.open_with_rec"};

struct ValidationOptions {
  absl::CivilDay today;           // in England; nothing may be dated after it
  std::set<std::string> repairs;  // rule ids from kRepairableRules to repair
};

struct Checked {
  std::vector<Reason> reasons;  // empty: the child can be imported (repairs applied)
  std::vector<Reason> repairs;  // what was repaired, as rule and detail
};

// A period of care as the episodes give it.
struct CarePeriod {
  absl::CivilDay start;
  std::optional<absl::CivilDay> end;  // the DEC of the episode whose REC ended care
};

// Checks `child` (the reasons met while reading it come first) and applies the repairs
// `options` asks for to its episodes.
Checked Validate(ChildReturn* child, const ValidationOptions& options);

// The periods of care of a child whose episodes passed Validate.
std::vector<CarePeriod> PeriodsOf(const ChildReturn& child);

}  // namespace footprint::import903

#endif  // FOOTPRINT_IMPORT903_VALIDATE_H_
