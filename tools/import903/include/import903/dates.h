// Dates in SSDA903 files: dd/mm/YYYY as the Department for Education specifies, and ISO
// YYYY-MM-DD as some councils' exports write them (shared/docs/domain.md section 10).
//
// Thread-safety: pure functions.
#ifndef FOOTPRINT_IMPORT903_DATES_H_
#define FOOTPRINT_IMPORT903_DATES_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace footprint::import903 {

// The date `text` (surrounding spaces ignored). INVALID_ARGUMENT naming `column` for anything
// else, including a day that does not exist (31/02/2018) and an empty text.
absl::StatusOr<absl::CivilDay> Parse903Date(absl::string_view text, absl::string_view column);

}  // namespace footprint::import903

#endif  // FOOTPRINT_IMPORT903_DATES_H_
