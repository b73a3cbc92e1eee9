// Dates of 903 files: dd/mm/YYYY and ISO, days that exist only.
#include "import903/dates.h"

#include "catch2/catch.hpp"

namespace footprint::import903 {
namespace {

TEST_CASE("903 dates: dd/mm/YYYY and YYYY-MM-DD", "[import903][dates]") {
  CHECK(*Parse903Date("09/04/2017", "DECOM") == absl::CivilDay(2017, 4, 9));
  CHECK(*Parse903Date("2015-06-19", "DECOM") == absl::CivilDay(2015, 6, 19));
  CHECK(*Parse903Date(" 29/02/2020 ", "DEC") == absl::CivilDay(2020, 2, 29));  // a leap day
  CHECK(*Parse903Date("31/12/1999", "DOB") == absl::CivilDay(1999, 12, 31));
}

TEST_CASE("903 dates: anything else is refused, naming the column", "[import903][dates]") {
  for (const char* bad :
       {"", "29/02/2019", "31/04/2018", "00/01/2018", "01/13/2018", "1/4/2017", "2017/04/09",
        "09-04-2017", "2017-4-9", "09/04/17", "09/04/2017 00:00", "ab/cd/efgh", "2017-02-30"}) {
    INFO(bad);
    auto day = Parse903Date(bad, "DECOM");
    CHECK(day.status().code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(Parse903Date("31/02/2018", "REVIEW").status().message() ==
        "REVIEW: '31/02/2018' is not a date (dd/mm/YYYY or YYYY-MM-DD)");
}

}  // namespace
}  // namespace footprint::import903
