// The collection year (domain/collection_year.h).
#include "domain/collection_year.h"

#include "absl/status/status.h"
#include "catch2/catch.hpp"

namespace footprint::domain {
namespace {

TEST_CASE("a collection year runs from 1 April to 31 March", "[domain][collection_year]") {
  CHECK(CollectionYearOf(absl::CivilDay(2026, 3, 31)) == 2025);
  CHECK(CollectionYearOf(absl::CivilDay(2026, 4, 1)) == 2026);
  CHECK(CollectionYearOf(absl::CivilDay(2026, 1, 1)) == 2025);
  CHECK(CollectionYearOf(absl::CivilDay(2025, 12, 31)) == 2025);
  CHECK(CollectionYearStart(2025) == absl::CivilDay(2025, 4, 1));
  CHECK(CollectionYearEnd(2025) == absl::CivilDay(2026, 3, 31));
}

TEST_CASE("an annual report covers a past year whole and the current one to today",
          "[domain][collection_year]") {
  const absl::CivilDay today(2026, 6, 1);
  auto past = AnnualReportWindow(2025, today);
  REQUIRE(past.ok());
  CHECK(past->from == absl::CivilDay(2025, 4, 1));
  CHECK(past->to == absl::CivilDay(2026, 3, 31));
  auto current = AnnualReportWindow(2026, today);
  REQUIRE(current.ok());
  CHECK(current->from == absl::CivilDay(2026, 4, 1));
  CHECK(current->to == today);
  // On 31 March the year in progress is still the one from the April before.
  auto last_day = AnnualReportWindow(2026, absl::CivilDay(2027, 3, 31));
  REQUIRE(last_day.ok());
  CHECK(last_day->to == absl::CivilDay(2027, 3, 31));
}

TEST_CASE("an annual report on a year not begun or before 1990 is refused",
          "[domain][collection_year]") {
  const absl::CivilDay today(2026, 3, 31);
  auto next = AnnualReportWindow(2026, today);
  CHECK(next.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(next.status().message()) ==
        "year: 2026 is not a collection year to report on: from 1990 to 2025 (the year 1 April "
        "2025 - 31 March 2026 is the current one)");
  CHECK(AnnualReportWindow(1989, today).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(AnnualReportWindow(1990, today).ok());
}

}  // namespace
}  // namespace footprint::domain
