// The SSDA903 collection year: 1 April to 31 March, named by the year it starts in (2025 is
// 1 April 2025 - 31 March 2026). The annual report covers one, and queries over a period default
// to the one in progress.
//
// Pure functions; thread-safe.
#ifndef FOOTPRINT_DOMAIN_COLLECTION_YEAR_H_
#define FOOTPRINT_DOMAIN_COLLECTION_YEAR_H_

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace footprint::domain {

// The collection year `day` falls in: its calendar year from April, the one before until March.
int CollectionYearOf(absl::CivilDay day);
// 1 April of `year`, and 31 March of the next: the year's first and last days.
absl::CivilDay CollectionYearStart(int year);
absl::CivilDay CollectionYearEnd(int year);

// The earliest collection year there is anything to report on.
inline constexpr int kFirstReportableYear = 1990;

// The days an annual report on collection year `year` covers, asked for on `today` (in England):
// the whole year, or for the year in progress the days up to today.
struct ReportWindow {
  absl::CivilDay from;
  absl::CivilDay to;
};
// INVALID_ARGUMENT naming "year" when `year` is before kFirstReportableYear or after the year in
// progress on `today`.
absl::StatusOr<ReportWindow> AnnualReportWindow(int year, absl::CivilDay today);

}  // namespace footprint::domain

#endif  // FOOTPRINT_DOMAIN_COLLECTION_YEAR_H_
