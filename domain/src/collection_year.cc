#include "domain/collection_year.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace footprint::domain {

int CollectionYearOf(absl::CivilDay day) {
  return static_cast<int>(day.month() >= 4 ? day.year() : day.year() - 1);
}

absl::CivilDay CollectionYearStart(int year) { return absl::CivilDay(year, 4, 1); }

absl::CivilDay CollectionYearEnd(int year) { return absl::CivilDay(year + 1, 3, 31); }

absl::StatusOr<ReportWindow> AnnualReportWindow(int year, absl::CivilDay today) {
  const int current_year = CollectionYearOf(today);
  if (year < kFirstReportableYear || year > current_year) {
    return absl::InvalidArgumentError(
        absl::StrCat("year: ", year, " is not a collection year to report on: from ",
                     kFirstReportableYear, " to ", current_year, " (the year 1 April ",
                     current_year, " - 31 March ", current_year + 1, " is the current one)"));
  }
  return ReportWindow{CollectionYearStart(year), std::min(CollectionYearEnd(year), today)};
}

}  // namespace footprint::domain
