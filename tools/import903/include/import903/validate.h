// The validation of one child's pooled 903 history before anything of it is imported
// (docs/import-903.md, "Validation rules"): codes, the episode chain, the header, reviews
// against periods of care. A child is rejected whole only when its episode chain cannot be made
// consistent (or its header cannot be trusted), with every reason found, not the first; a bad
// review row is left out on its own and listed, and the rest of the child imported; the
// repairs asked for are applied in place and listed.
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
inline constexpr const char* kRepairableRules[] = {"episode.open_not_last", "episode.open_with_rec",
                                                   "episode.provider_not_applicable",
                                                   "episode.rne"};
// The repairs applied unless --strict: they only drop a value that cannot apply (an end reason
// on an open episode, a provider on a placement that has none).
inline constexpr const char* kDefaultRepairs[] = {"episode.open_with_rec",
                                                  "episode.provider_not_applicable"};

struct ValidationOptions {
  absl::CivilDay today;           // in England; nothing may be dated after it
  std::set<std::string> repairs;  // rule ids from kRepairableRules to repair
  // The first collection year of the files read (0: not known). A child whose first episode is
  // not RNE S and began on or before 1 April of that year was already looked after when the
  // files begin: its first period of care is imported with its start not known.
  int first_year = 0;
};

struct Checked {
  std::vector<Reason> reasons;  // empty: the child can be imported (repairs applied)
  std::vector<Reason> repairs;  // what was repaired, as rule and detail
  // Rows left out of a child that is imported (a review that cannot be right), and values the
  // files do not hold that are recorded as "not recorded" (a placement change's reason).
  std::vector<Reason> left_out;
  std::vector<Reason> not_recorded;
};

// A period of care as the episodes give it.
struct CarePeriod {
  absl::CivilDay start;
  std::optional<absl::CivilDay> end;  // the DEC of the episode whose REC ended care
};

// Checks `child` (the reasons met while reading it come first), applies the repairs `options`
// asks for to its episodes, drops the review rows it leaves out and sets start_not_known.
Checked Validate(ChildReturn* child, const ValidationOptions& options);

// The periods of care of a child whose episodes passed Validate.
std::vector<CarePeriod> PeriodsOf(const ChildReturn& child);

}  // namespace footprint::import903

#endif  // FOOTPRINT_IMPORT903_VALIDATE_H_
