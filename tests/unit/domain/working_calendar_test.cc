// WorkingCalendar: England & Wales working days, month arithmetic and ISO dates.
//
// Every expected date below is a literal counted by hand from a real calendar (and
// double-checked outside the repository); the comments show the counting where it is not
// obvious. "H" marks a bank holiday, "*" a substitute day, "(n)" the nth working day counted.
// The only computed expectations are the property loops, whose oracle is the literal
// bank-holiday table of shared/docs/domain.md section 5 copied below.
#include "domain/working_calendar.h"

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "catch2/catch.hpp"
#include "temp_dir.h"

namespace footprint::domain {
namespace {

absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

const WorkingCalendar& Cal() { return WorkingCalendar::EnglandAndWales(); }

// A date as text (absl's own formatting, not the code under test), or the error.
std::string Str(const absl::StatusOr<absl::CivilDay>& day) {
  return day.ok() ? absl::FormatCivilTime(*day) : day.status().ToString();
}

// `start` + `n` working days in the built-in calendar, as "YYYY-MM-DD" or the error.
std::string AddWd(absl::CivilDay start, int n) { return Str(Cal().AddWorkingDays(start, n)); }

std::string Working(const absl::StatusOr<bool>& working) {
  if (!working.ok()) return working.status().ToString();
  return *working ? "working" : "not working";
}

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

// shared/docs/domain.md section 5, copied by hand: the England & Wales bank holidays; and before
// it, for imported history, 2010-2014 from gov.uk's published lists (with the 2011 royal wedding,
// and the 2012 Diamond Jubilee with the spring bank holiday moved to 4 June).
const std::map<int, std::vector<absl::CivilDay>>& DomainTable() {
  static const auto* table = new std::map<int, std::vector<absl::CivilDay>>{
      {2010,
       {D(2010, 1, 1), D(2010, 4, 2), D(2010, 4, 5), D(2010, 5, 3), D(2010, 5, 31), D(2010, 8, 30),
        D(2010, 12, 27), D(2010, 12, 28)}},
      {2011,
       {D(2011, 1, 3), D(2011, 4, 22), D(2011, 4, 25), D(2011, 4, 29), D(2011, 5, 2),
        D(2011, 5, 30), D(2011, 8, 29), D(2011, 12, 26), D(2011, 12, 27)}},
      {2012,
       {D(2012, 1, 2), D(2012, 4, 6), D(2012, 4, 9), D(2012, 5, 7), D(2012, 6, 4), D(2012, 6, 5),
        D(2012, 8, 27), D(2012, 12, 25), D(2012, 12, 26)}},
      {2013,
       {D(2013, 1, 1), D(2013, 3, 29), D(2013, 4, 1), D(2013, 5, 6), D(2013, 5, 27), D(2013, 8, 26),
        D(2013, 12, 25), D(2013, 12, 26)}},
      {2014,
       {D(2014, 1, 1), D(2014, 4, 18), D(2014, 4, 21), D(2014, 5, 5), D(2014, 5, 26),
        D(2014, 8, 25), D(2014, 12, 25), D(2014, 12, 26)}},
      {2015,
       {D(2015, 1, 1), D(2015, 4, 3), D(2015, 4, 6), D(2015, 5, 4), D(2015, 5, 25), D(2015, 8, 31),
        D(2015, 12, 25), D(2015, 12, 28)}},
      {2016,
       {D(2016, 1, 1), D(2016, 3, 25), D(2016, 3, 28), D(2016, 5, 2), D(2016, 5, 30),
        D(2016, 8, 29), D(2016, 12, 26), D(2016, 12, 27)}},
      {2017,
       {D(2017, 1, 2), D(2017, 4, 14), D(2017, 4, 17), D(2017, 5, 1), D(2017, 5, 29),
        D(2017, 8, 28), D(2017, 12, 25), D(2017, 12, 26)}},
      {2018,
       {D(2018, 1, 1), D(2018, 3, 30), D(2018, 4, 2), D(2018, 5, 7), D(2018, 5, 28), D(2018, 8, 27),
        D(2018, 12, 25), D(2018, 12, 26)}},
      {2019,
       {D(2019, 1, 1), D(2019, 4, 19), D(2019, 4, 22), D(2019, 5, 6), D(2019, 5, 27),
        D(2019, 8, 26), D(2019, 12, 25), D(2019, 12, 26)}},
      {2020,
       {D(2020, 1, 1), D(2020, 4, 10), D(2020, 4, 13), D(2020, 5, 8), D(2020, 5, 25),
        D(2020, 8, 31), D(2020, 12, 25), D(2020, 12, 28)}},
      {2021,
       {D(2021, 1, 1), D(2021, 4, 2), D(2021, 4, 5), D(2021, 5, 3), D(2021, 5, 31), D(2021, 8, 30),
        D(2021, 12, 27), D(2021, 12, 28)}},
      {2022,
       {D(2022, 1, 3), D(2022, 4, 15), D(2022, 4, 18), D(2022, 5, 2), D(2022, 6, 2), D(2022, 6, 3),
        D(2022, 8, 29), D(2022, 9, 19), D(2022, 12, 26), D(2022, 12, 27)}},
      {2023,
       {D(2023, 1, 2), D(2023, 4, 7), D(2023, 4, 10), D(2023, 5, 1), D(2023, 5, 8), D(2023, 5, 29),
        D(2023, 8, 28), D(2023, 12, 25), D(2023, 12, 26)}},
      {2024,
       {D(2024, 1, 1), D(2024, 3, 29), D(2024, 4, 1), D(2024, 5, 6), D(2024, 5, 27), D(2024, 8, 26),
        D(2024, 12, 25), D(2024, 12, 26)}},
      {2025,
       {D(2025, 1, 1), D(2025, 4, 18), D(2025, 4, 21), D(2025, 5, 5), D(2025, 5, 26),
        D(2025, 8, 25), D(2025, 12, 25), D(2025, 12, 26)}},
      {2026,
       {D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25), D(2026, 8, 31),
        D(2026, 12, 25), D(2026, 12, 28)}},
      {2027,
       {D(2027, 1, 1), D(2027, 3, 26), D(2027, 3, 29), D(2027, 5, 3), D(2027, 5, 31),
        D(2027, 8, 30), D(2027, 12, 27), D(2027, 12, 28)}},
      {2028,
       {D(2028, 1, 3), D(2028, 4, 14), D(2028, 4, 17), D(2028, 5, 1), D(2028, 5, 29),
        D(2028, 8, 28), D(2028, 12, 25), D(2028, 12, 26)}},
      {2029,
       {D(2029, 1, 1), D(2029, 3, 30), D(2029, 4, 2), D(2029, 5, 7), D(2029, 5, 28), D(2029, 8, 27),
        D(2029, 12, 25), D(2029, 12, 26)}},
      {2030,
       {D(2030, 1, 1), D(2030, 4, 19), D(2030, 4, 22), D(2030, 5, 6), D(2030, 5, 27),
        D(2030, 8, 26), D(2030, 12, 25), D(2030, 12, 26)}},
  };
  return *table;
}

// The days marked `*` in the table.
const std::set<absl::CivilDay>& SubstituteDays() {
  static const auto* days = new std::set<absl::CivilDay>{
      D(2010, 12, 27), D(2010, 12, 28), D(2011, 1, 3),   D(2011, 12, 27), D(2012, 1, 2),
      D(2015, 12, 28), D(2016, 12, 27), D(2017, 1, 2),   D(2020, 12, 28), D(2021, 12, 27),
      D(2021, 12, 28), D(2022, 1, 3),   D(2022, 12, 27), D(2023, 1, 2),   D(2026, 12, 28),
      D(2027, 12, 27), D(2027, 12, 28), D(2028, 1, 3),
  };
  return *days;
}

const std::set<absl::CivilDay>& DomainHolidays() {
  static const auto* days = [] {
    auto* all = new std::set<absl::CivilDay>;
    for (const auto& [year, dates] : DomainTable()) all->insert(dates.begin(), dates.end());
    return all;
  }();
  return *days;
}

// The oracle for the property loops: weekday and not in the domain table.
bool ExpectedWorkingDay(absl::CivilDay day) {
  return !IsWeekend(day) && DomainHolidays().count(day) == 0;
}

// A gov.uk bank-holidays.json in miniature: England & Wales for 2031 and 2032 (computed from
// the usual rules: Easter Sunday is 13 Apr 2031 and 28 Mar 2032; Christmas 2032 is a Saturday),
// and a Scotland division for 2031 with different days.
constexpr absl::string_view kTwoYearsJson = R"json({
  "england-and-wales": {
    "division": "england-and-wales",
    "events": [
      {"title": "New Year’s Day", "date": "2031-01-01", "notes": "", "bunting": true},
      {"title": "Good Friday", "date": "2031-04-11", "notes": "", "bunting": false},
      {"title": "Easter Monday", "date": "2031-04-14", "notes": "", "bunting": true},
      {"title": "Early May bank holiday", "date": "2031-05-05", "notes": "", "bunting": true},
      {"title": "Spring bank holiday", "date": "2031-05-26", "notes": "", "bunting": true},
      {"title": "Summer bank holiday", "date": "2031-08-25", "notes": "", "bunting": true},
      {"title": "Christmas Day", "date": "2031-12-25", "notes": "", "bunting": true},
      {"title": "Boxing Day", "date": "2031-12-26", "notes": "", "bunting": true},
      {"title": "New Year’s Day", "date": "2032-01-01", "notes": "", "bunting": true},
      {"title": "Good Friday", "date": "2032-03-26", "notes": "", "bunting": false},
      {"title": "Easter Monday", "date": "2032-03-29", "notes": "", "bunting": true},
      {"title": "Early May bank holiday", "date": "2032-05-03", "notes": "", "bunting": true},
      {"title": "Spring bank holiday", "date": "2032-05-31", "notes": "", "bunting": true},
      {"title": "Summer bank holiday", "date": "2032-08-30", "notes": "", "bunting": true},
      {"title": "Christmas Day", "date": "2032-12-27", "notes": "Substitute day", "bunting": true},
      {"title": "Boxing Day", "date": "2032-12-28", "notes": "Substitute day", "bunting": true}
    ]
  },
  "scotland": {
    "division": "scotland",
    "events": [
      {"title": "New Year’s Day", "date": "2031-01-01", "notes": "", "bunting": true},
      {"title": "2nd January", "date": "2031-01-02", "notes": "", "bunting": true},
      {"title": "Good Friday", "date": "2031-04-11", "notes": "", "bunting": false},
      {"title": "Summer bank holiday", "date": "2031-08-04", "notes": "", "bunting": true},
      {"title": "Christmas Day", "date": "2031-12-25", "notes": "", "bunting": true}
    ]
  }
})json";

// An England & Wales document whose events are `events` (a JSON array body).
std::string DocumentWithEvents(const std::string& events) {
  return R"({"england-and-wales": {"division": "england-and-wales", "events": [)" + events + "]}}";
}

// ---------------------------------------------------------------------------------------------
// The built-in table.

TEST_CASE("the built-in calendar covers exactly the years 2010 to 2030", "[calendar]") {
  CHECK(Cal().first_year() == 2010);
  CHECK(Cal().last_year() == 2030);
  CHECK(Cal().Covers(D(2010, 1, 1)));
  CHECK(Cal().Covers(D(2030, 12, 31)));
  CHECK_FALSE(Cal().Covers(D(2009, 12, 31)));
  CHECK_FALSE(Cal().Covers(D(2031, 1, 1)));
}

TEST_CASE("the built-in bank holidays are exactly domain.md's table, year by year", "[calendar]") {
  const auto& holidays = Cal().holidays();
  // 21 years x 8, plus the 2011 royal wedding, the 2012 Diamond Jubilee, the 2022 Platinum
  // Jubilee and State Funeral and the 2023 Coronation.
  CHECK(holidays.size() == 173);
  CHECK(DomainHolidays().size() == 173);  // the copied table itself

  std::map<int, int> count_by_year;
  for (const auto& [day, title] : holidays) ++count_by_year[static_cast<int>(day.year())];
  const std::map<int, int> expected_counts = {
      {2010, 8}, {2011, 9}, {2012, 9}, {2013, 8}, {2014, 8}, {2015, 8},  {2016, 8},
      {2017, 8}, {2018, 8}, {2019, 8}, {2020, 8}, {2021, 8}, {2022, 10}, {2023, 9},
      {2024, 8}, {2025, 8}, {2026, 8}, {2027, 8}, {2028, 8}, {2029, 8},  {2030, 8},
  };
  CHECK(count_by_year == expected_counts);

  for (const auto& [year, dates] : DomainTable()) {
    INFO("year " << year);
    CHECK(count_by_year[year] == static_cast<int>(dates.size()));
    for (absl::CivilDay day : dates) {
      INFO("holiday " << day);
      CHECK(holidays.count(day) == 1);
      CHECK(Working(Cal().IsWorkingDay(day)) == "not working");
      CHECK_FALSE(Cal().HolidayName(day).empty());
      CHECK_FALSE(IsWeekend(day));  // the table itself: bank holidays fall on weekdays
    }
  }
  for (const auto& [day, title] : holidays) {
    INFO("built-in holiday " << day << " " << title);
    CHECK(DomainHolidays().count(day) == 1);
  }
}

TEST_CASE("every day of 2010-2030 is a working day exactly when the table says so", "[calendar]") {
  for (absl::CivilDay day = D(2010, 1, 1); day <= D(2030, 12, 31); ++day) {
    INFO("day " << day);
    CHECK(Working(Cal().IsWorkingDay(day)) ==
          (ExpectedWorkingDay(day) ? "working" : "not working"));
    CHECK(Cal().HolidayName(day).empty() == (DomainHolidays().count(day) == 0));
  }
}

TEST_CASE("holiday titles name the occasion and mark substitute days", "[calendar]") {
  CHECK_THAT(Cal().HolidayName(D(2022, 9, 19)), Catch::Contains("State Funeral"));
  CHECK_THAT(Cal().HolidayName(D(2022, 6, 3)), Catch::Contains("Jubilee"));
  CHECK_THAT(Cal().HolidayName(D(2023, 5, 8)),
             Catch::Contains("coronation", Catch::CaseSensitive::No));
  CHECK_THAT(Cal().HolidayName(D(2020, 5, 8)), Catch::Contains("VE day", Catch::CaseSensitive::No));
  CHECK_THAT(Cal().HolidayName(D(2024, 3, 29)), Catch::Contains("Good Friday"));
  CHECK_THAT(Cal().HolidayName(D(2024, 4, 1)), Catch::Contains("Easter Monday"));
  CHECK_THAT(Cal().HolidayName(D(2024, 12, 25)), Catch::Contains("Christmas"));
  CHECK_THAT(Cal().HolidayName(D(2024, 12, 26)), Catch::Contains("Boxing"));
  CHECK_THAT(Cal().HolidayName(D(2024, 1, 1)), Catch::Contains("New Year"));

  for (const auto& [day, title] : Cal().holidays()) {
    INFO(day << " " << title);
    const bool says_substitute = absl::StrContains(absl::AsciiStrToLower(title), "substitute");
    CHECK(says_substitute == (SubstituteDays().count(day) == 1));
  }
  CHECK(SubstituteDays().size() == 18);

  // Not bank holidays: an ordinary day, Christmas Day 2021 itself (a Saturday; the holidays
  // are Mon 27 and Tue 28), and Mon 4 May 2020 (the early May holiday moved to VE Day).
  CHECK(Cal().HolidayName(D(2022, 9, 20)).empty());
  CHECK(Cal().HolidayName(D(2021, 12, 25)).empty());
  CHECK(Cal().HolidayName(D(2020, 5, 4)).empty());
  CHECK(Cal().HolidayName(D(2022, 5, 30)).empty());  // spring holiday moved to Thu 2 June
  CHECK(Cal().HolidayName(D(2031, 1, 1)).empty());   // outside the calendar: nothing known
}

// ---------------------------------------------------------------------------------------------
// IsWorkingDay.

TEST_CASE("weekdays are working days and weekends are not", "[calendar]") {
  // Fri 3 Mar 2023 to Mon 13 Mar 2023: no holidays.
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 3))) == "working");       // Fri
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 4))) == "not working");   // Sat
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 5))) == "not working");   // Sun
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 6))) == "working");       // Mon
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 7))) == "working");       // Tue
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 8))) == "working");       // Wed
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 9))) == "working");       // Thu
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 10))) == "working");      // Fri
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 11))) == "not working");  // Sat
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 12))) == "not working");  // Sun
  CHECK(Working(Cal().IsWorkingDay(D(2023, 3, 13))) == "working");      // Mon

  // The edges of the calendar.
  CHECK(Working(Cal().IsWorkingDay(D(2015, 1, 1))) == "not working");    // Thu, New Year
  CHECK(Working(Cal().IsWorkingDay(D(2015, 1, 2))) == "working");        // Fri
  CHECK(Working(Cal().IsWorkingDay(D(2015, 1, 3))) == "not working");    // Sat
  CHECK(Working(Cal().IsWorkingDay(D(2030, 12, 31))) == "working");      // Tue
  CHECK(Working(Cal().IsWorkingDay(D(2030, 12, 29))) == "not working");  // Sun

  // Moved holidays leave their usual Monday a working day.
  CHECK(Working(Cal().IsWorkingDay(D(2020, 5, 4))) == "working");   // Mon, not early May 2020
  CHECK(Working(Cal().IsWorkingDay(D(2022, 5, 30))) == "working");  // Mon, not spring 2022
  // Christmas Day on a Saturday is a weekend day, not a working day.
  CHECK(Working(Cal().IsWorkingDay(D(2021, 12, 25))) == "not working");
  // 29 Feb in leap years within the table.
  CHECK(Working(Cal().IsWorkingDay(D(2016, 2, 29))) == "working");      // Mon
  CHECK(Working(Cal().IsWorkingDay(D(2020, 2, 29))) == "not working");  // Sat
  CHECK(Working(Cal().IsWorkingDay(D(2024, 2, 29))) == "working");      // Thu
}

TEST_CASE("days outside 2010-2030 are OUT_OF_RANGE, not guessed", "[calendar]") {
  for (absl::CivilDay day : {D(2009, 12, 31), D(2031, 1, 1), D(2009, 1, 1), D(2031, 12, 31),
                             D(1999, 6, 15), D(2100, 1, 1)}) {
    INFO("day " << day);
    const auto working = Cal().IsWorkingDay(day);
    CHECK(working.status().code() == absl::StatusCode::kOutOfRange);
  }
}

// ---------------------------------------------------------------------------------------------
// AddWorkingDays.

TEST_CASE("adding zero working days gives the start, even on a weekend or holiday", "[calendar]") {
  CHECK(AddWd(D(2023, 3, 4), 0) == "2023-03-04");    // Sat
  CHECK(AddWd(D(2023, 3, 5), 0) == "2023-03-05");    // Sun
  CHECK(AddWd(D(2023, 12, 25), 0) == "2023-12-25");  // Christmas Day
  CHECK(AddWd(D(2015, 4, 3), 0) == "2015-04-03");    // Good Friday
  CHECK(AddWd(D(2023, 3, 8), 0) == "2023-03-08");    // Wed
  CHECK(AddWd(D(2015, 1, 1), 0) == "2015-01-01");    // first day of the calendar
  CHECK(AddWd(D(2030, 12, 31), 0) == "2030-12-31");  // last day of the calendar
}

TEST_CASE("counting from a weekend or holiday starts with the next working day", "[calendar]") {
  CHECK(AddWd(D(2023, 3, 4), 1) == "2023-03-06");  // Sat -> Mon
  CHECK(AddWd(D(2023, 3, 5), 1) == "2023-03-06");  // Sun -> Mon
  // Sat 4 Mar 2023 + 5 = Fri 10 Mar (Mon 6 (1) .. Fri 10 (5)).
  CHECK(AddWd(D(2023, 3, 4), 5) == "2023-03-10");
  // Sat 4 Mar 2023 + 6 = Mon 13 Mar.
  CHECK(AddWd(D(2023, 3, 4), 6) == "2023-03-13");
  // Mon 25 Dec 2023 H + 1 = Wed 27 Dec (Tue 26 H).
  CHECK(AddWd(D(2023, 12, 25), 1) == "2023-12-27");
  // Good Fri 29 Mar 2024 H + 1 = Tue 2 Apr (Sat, Sun, Mon 1 Apr Easter Monday).
  CHECK(AddWd(D(2024, 3, 29), 1) == "2024-04-02");
  // Easter Mon 1 Apr 2024 H + 1 = Tue 2 Apr.
  CHECK(AddWd(D(2024, 4, 1), 1) == "2024-04-02");
  // Backwards from a weekend: Sat 4 Mar 2023 - 1 = Fri 3 Mar; Sun 5 Mar - 1 = Fri 3 Mar.
  CHECK(AddWd(D(2023, 3, 4), -1) == "2023-03-03");
  CHECK(AddWd(D(2023, 3, 5), -1) == "2023-03-03");
  // Backwards from a holiday: Easter Mon 1 Apr 2024 - 1 = Thu 28 Mar (Sun, Sat, Good Fri).
  CHECK(AddWd(D(2024, 4, 1), -1) == "2024-03-28");
}

TEST_CASE("working days within an ordinary week and across a weekend", "[calendar]") {
  // Wed 8 Mar 2023: Thu 9 (1), Fri 10 (2), Mon 13 (3), ..., Fri 17 (7), Mon 20 (8).
  CHECK(AddWd(D(2023, 3, 8), 1) == "2023-03-09");
  CHECK(AddWd(D(2023, 3, 8), 2) == "2023-03-10");
  CHECK(AddWd(D(2023, 3, 8), 3) == "2023-03-13");
  CHECK(AddWd(D(2023, 3, 8), 7) == "2023-03-17");
  CHECK(AddWd(D(2023, 3, 8), 8) == "2023-03-20");
  // Fri 10 Mar 2023 + 1 = Mon 13 Mar.
  CHECK(Str(Cal().NextWorkingDay(D(2023, 3, 10))) == "2023-03-13");
  CHECK(Str(Cal().NextWorkingDay(D(2023, 3, 9))) == "2023-03-10");
  CHECK(Str(Cal().NextWorkingDay(D(2023, 3, 11))) == "2023-03-13");
}

TEST_CASE("Easter in every year: Good Friday and Easter Monday are skipped", "[calendar]") {
  // From the Thursday before Good Friday (GF): + 1 is the Tuesday after Easter Monday;
  // + 5 is the Monday after that (Tue (1), Wed, Thu, Fri (4), Mon (5)); + 20 is GF + 31 days,
  // a Monday (Tue (1) .. Fri (4), then 3 full weeks to Fri (19), Mon (20)), one day later for
  // each early May bank holiday reached on the way.
  struct Row {
    absl::CivilDay thursday;
    const char* plus_1;
    const char* plus_5;
    const char* plus_20;
  };
  const std::vector<Row> rows = {
      // GF 3 Apr; GF+31 = Mon 4 May is the early May holiday -> Tue 5 May.
      {D(2015, 4, 2), "2015-04-07", "2015-04-13", "2015-05-05"},
      // GF 25 Mar; GF+31 = Mon 25 Apr, before early May (2 May).
      {D(2016, 3, 24), "2016-03-29", "2016-04-04", "2016-04-25"},
      // GF 14 Apr; GF+31 = Mon 15 May, Mon 1 May passed -> Tue 16 May.
      {D(2017, 4, 13), "2017-04-18", "2017-04-24", "2017-05-16"},
      // GF 30 Mar; GF+31 = Mon 30 Apr, before early May (7 May).
      {D(2018, 3, 29), "2018-04-03", "2018-04-09", "2018-04-30"},
      // GF 19 Apr; GF+31 = Mon 20 May, Mon 6 May passed -> Tue 21 May.
      {D(2019, 4, 18), "2019-04-23", "2019-04-29", "2019-05-21"},
      // GF 10 Apr; GF+31 = Mon 11 May, Fri 8 May (VE Day) passed -> Tue 12 May.
      {D(2020, 4, 9), "2020-04-14", "2020-04-20", "2020-05-12"},
      // GF 2 Apr; GF+31 = Mon 3 May is the early May holiday -> Tue 4 May.
      {D(2021, 4, 1), "2021-04-06", "2021-04-12", "2021-05-04"},
      // GF 15 Apr; GF+31 = Mon 16 May, Mon 2 May passed -> Tue 17 May.
      {D(2022, 4, 14), "2022-04-19", "2022-04-25", "2022-05-17"},
      // GF 7 Apr; GF+31 = Mon 8 May (Coronation), Mon 1 May passed too -> Wed 10 May.
      {D(2023, 4, 6), "2023-04-11", "2023-04-17", "2023-05-10"},
      // GF 29 Mar; GF+31 = Mon 29 Apr, before early May (6 May).
      {D(2024, 3, 28), "2024-04-02", "2024-04-08", "2024-04-29"},
      // GF 18 Apr; GF+31 = Mon 19 May, Mon 5 May passed -> Tue 20 May.
      {D(2025, 4, 17), "2025-04-22", "2025-04-28", "2025-05-20"},
      // GF 3 Apr; GF+31 = Mon 4 May is the early May holiday -> Tue 5 May.
      {D(2026, 4, 2), "2026-04-07", "2026-04-13", "2026-05-05"},
      // GF 26 Mar; GF+31 = Mon 26 Apr, before early May (3 May).
      {D(2027, 3, 25), "2027-03-30", "2027-04-05", "2027-04-26"},
      // GF 14 Apr; GF+31 = Mon 15 May, Mon 1 May passed -> Tue 16 May.
      {D(2028, 4, 13), "2028-04-18", "2028-04-24", "2028-05-16"},
      // GF 30 Mar; GF+31 = Mon 30 Apr, before early May (7 May).
      {D(2029, 3, 29), "2029-04-03", "2029-04-09", "2029-04-30"},
      // GF 19 Apr; GF+31 = Mon 20 May, Mon 6 May passed -> Tue 21 May.
      {D(2030, 4, 18), "2030-04-23", "2030-04-29", "2030-05-21"},
  };
  CHECK(rows.size() == 16);
  for (const Row& row : rows) {
    INFO("Thursday before Good Friday: " << row.thursday);
    CHECK(absl::GetWeekday(row.thursday) == absl::Weekday::thursday);
    CHECK(AddWd(row.thursday, 1) == row.plus_1);
    CHECK(AddWd(row.thursday, 5) == row.plus_5);
    CHECK(AddWd(row.thursday, 20) == row.plus_20);
    CHECK(Str(Cal().NextWorkingDay(row.thursday)) == row.plus_1);
    // And back again: the Tuesday - 1 is the Thursday.
    absl::CivilDay tuesday;
    REQUIRE(absl::ParseCivilTime(row.plus_1, &tuesday));
    CHECK(AddWd(tuesday, -1) == absl::FormatCivilTime(row.thursday));
  }
}

TEST_CASE("twenty working days from a child becoming looked after before a long weekend",
          "[calendar]") {
  // Thu 2 Apr 2015: Fri 3 H, Sat, Sun, Mon 6 H; Tue 7 (1) .. Fri 10 (4), 13-17 (5-9),
  // 20-24 (10-14), 27 Apr - 1 May (15-19), Mon 4 May H, Tue 5 May (20).
  CHECK(AddWd(D(2015, 4, 2), 20) == "2015-05-05");
  // Fri 22 Dec 2023: Mon 25 H, Tue 26 H, Wed 27 (1), Thu 28 (2), Fri 29 (3), Mon 1 Jan H,
  // Tue 2 (4) .. Fri 5 (7), 8-12 (8-12), 15-19 (13-17), Mon 22 (18), Tue 23 (19), Wed 24 (20).
  CHECK(AddWd(D(2023, 12, 22), 20) == "2024-01-24");
  // The deadline is inclusive: 20 working days lie in (start, deadline].
  CHECK(*Cal().WorkingDaysBetween(D(2023, 12, 22), D(2024, 1, 24)) == 20);
  CHECK(*Cal().WorkingDaysBetween(D(2023, 12, 22), D(2024, 1, 23)) == 19);
}

TEST_CASE("Christmas and New Year at every year end, including substitute days", "[calendar]") {
  struct Row {
    absl::CivilDay start;
    int n;
    const char* expected;
  };
  const std::vector<Row> rows = {
      // 2015: Thu 24, Fri 25 H, Sat, Sun, Mon 28 H*, Tue 29 (1), Wed 30 (2), Thu 31 (3),
      //       Fri 1 Jan H, Sat, Sun, Mon 4 (4), Tue 5 (5).
      {D(2015, 12, 24), 1, "2015-12-29"},
      {D(2015, 12, 24), 5, "2016-01-05"},
      {D(2015, 12, 31), 1, "2016-01-04"},
      // 2016: Sat 24, Sun 25, Mon 26 H, Tue 27 H*, Wed 28 (1), Thu 29, Fri 30 (3), Sat 31,
      //       Sun 1 Jan, Mon 2 Jan H*, Tue 3 (4), Wed 4 (5).
      {D(2016, 12, 23), 1, "2016-12-28"},
      {D(2016, 12, 24), 5, "2017-01-04"},
      {D(2016, 12, 30), 1, "2017-01-03"},
      // 2017: Sun 24, Mon 25 H, Tue 26 H, Wed 27 (1), Thu 28, Fri 29 (3), Sat 30, Sun 31,
      //       Mon 1 Jan H, Tue 2 (4), Wed 3 (5).
      {D(2017, 12, 22), 1, "2017-12-27"},
      {D(2017, 12, 24), 5, "2018-01-03"},
      {D(2017, 12, 29), 1, "2018-01-02"},
      // 2018: Mon 24, Tue 25 H, Wed 26 H, Thu 27 (1), Fri 28 (2), Mon 31 (3), Tue 1 Jan H,
      //       Wed 2 (4), Thu 3 (5).
      {D(2018, 12, 24), 1, "2018-12-27"},
      {D(2018, 12, 24), 5, "2019-01-03"},
      {D(2018, 12, 31), 1, "2019-01-02"},
      // 2019: Tue 24, Wed 25 H, Thu 26 H, Fri 27 (1), Mon 30 (2), Tue 31 (3), Wed 1 Jan H,
      //       Thu 2 (4), Fri 3 (5).
      {D(2019, 12, 24), 1, "2019-12-27"},
      {D(2019, 12, 24), 5, "2020-01-03"},
      {D(2019, 12, 31), 1, "2020-01-02"},
      // 2020: Thu 24, Fri 25 H, Sat, Sun, Mon 28 H*, Tue 29 (1), Wed 30 (2), Thu 31 (3),
      //       Fri 1 Jan H, Sat, Sun, Mon 4 (4), Tue 5 (5).
      {D(2020, 12, 24), 1, "2020-12-29"},
      {D(2020, 12, 24), 2, "2020-12-30"},
      {D(2020, 12, 24), 5, "2021-01-05"},
      {D(2020, 12, 31), 1, "2021-01-04"},
      // 2021: Fri 24, Sat 25, Sun 26, Mon 27 H*, Tue 28 H*, Wed 29 (1), Thu 30, Fri 31 (3),
      //       Sat 1 Jan, Sun, Mon 3 Jan H*, Tue 4 (4), Wed 5 (5).
      {D(2021, 12, 24), 1, "2021-12-29"},
      {D(2021, 12, 24), 5, "2022-01-05"},
      {D(2021, 12, 31), 1, "2022-01-04"},
      // 2022: Fri 23, Sat 24, Sun 25, Mon 26 H, Tue 27 H*, Wed 28 (1), Thu 29, Fri 30 (3),
      //       Sat 31, Sun 1 Jan, Mon 2 Jan H*, Tue 3 (4), Wed 4 (5).
      {D(2022, 12, 23), 1, "2022-12-28"},
      {D(2022, 12, 23), 5, "2023-01-04"},
      {D(2022, 12, 30), 1, "2023-01-03"},
      // 2023: Fri 22, Sat, Sun, Mon 25 H, Tue 26 H, Wed 27 (1), Thu 28, Fri 29 (3), Sat, Sun,
      //       Mon 1 Jan H, Tue 2 (4), Wed 3 (5).
      {D(2023, 12, 22), 1, "2023-12-27"},
      {D(2023, 12, 22), 5, "2024-01-03"},
      {D(2023, 12, 29), 1, "2024-01-02"},
      // 2024: Tue 24, Wed 25 H, Thu 26 H, Fri 27 (1), Mon 30 (2), Tue 31 (3), Wed 1 Jan H,
      //       Thu 2 (4), Fri 3 (5).
      {D(2024, 12, 24), 1, "2024-12-27"},
      {D(2024, 12, 24), 5, "2025-01-03"},
      {D(2024, 12, 31), 1, "2025-01-02"},
      // 2025: Wed 24, Thu 25 H, Fri 26 H, Sat, Sun, Mon 29 (1), Tue 30 (2), Wed 31 (3),
      //       Thu 1 Jan H, Fri 2 (4), Sat, Sun, Mon 5 (5).
      {D(2025, 12, 24), 1, "2025-12-29"},
      {D(2025, 12, 24), 5, "2026-01-05"},
      {D(2025, 12, 31), 1, "2026-01-02"},
      // 2026: Thu 24, Fri 25 H, Sat, Sun, Mon 28 H*, Tue 29 (1), Wed 30 (2), Thu 31 (3),
      //       Fri 1 Jan H, Sat, Sun, Mon 4 (4), Tue 5 (5).
      {D(2026, 12, 24), 1, "2026-12-29"},
      {D(2026, 12, 24), 5, "2027-01-05"},
      {D(2026, 12, 31), 1, "2027-01-04"},
      // 2027: Fri 24, Sat 25, Sun 26, Mon 27 H*, Tue 28 H*, Wed 29 (1), Thu 30, Fri 31 (3),
      //       Sat 1 Jan, Sun, Mon 3 Jan 2028 H*, Tue 4 (4), Wed 5 (5).
      {D(2027, 12, 24), 1, "2027-12-29"},
      {D(2027, 12, 24), 5, "2028-01-05"},
      {D(2027, 12, 31), 1, "2028-01-04"},
      // 2028: Fri 22, Sat, Sun, Mon 25 H, Tue 26 H, Wed 27 (1), Thu 28, Fri 29 (3), Sat, Sun,
      //       Mon 1 Jan H, Tue 2 (4), Wed 3 (5).
      {D(2028, 12, 22), 1, "2028-12-27"},
      {D(2028, 12, 22), 5, "2029-01-03"},
      {D(2028, 12, 29), 1, "2029-01-02"},
      // 2029: Mon 24, Tue 25 H, Wed 26 H, Thu 27 (1), Fri 28 (2), Mon 31 (3), Tue 1 Jan H,
      //       Wed 2 (4), Thu 3 (5).
      {D(2029, 12, 24), 1, "2029-12-27"},
      {D(2029, 12, 24), 5, "2030-01-03"},
      {D(2029, 12, 31), 1, "2030-01-02"},
      // 2030: Tue 24, Wed 25 H, Thu 26 H, Fri 27 (1), Mon 30 (2), Tue 31 (3), then 2031.
      {D(2030, 12, 24), 1, "2030-12-27"},
      {D(2030, 12, 24), 3, "2030-12-31"},
  };
  for (const Row& row : rows) {
    INFO(row.start << " + " << row.n);
    CHECK(AddWd(row.start, row.n) == row.expected);
  }
}

TEST_CASE("year ends with back-to-back holidays and substitute days", "[calendar]") {
  // Tue 24 Dec 2019: Wed 25 H, Thu 26 H, Fri 27 (1).
  CHECK(AddWd(D(2019, 12, 24), 1) == "2019-12-27");
  // Thu 24 Dec 2020: Fri 25 H, Sat, Sun, Mon 28 H*, Tue 29 (1), Wed 30 (2).
  CHECK(AddWd(D(2020, 12, 24), 2) == "2020-12-30");
  // Fri 24 Dec 2021: Sat 25, Sun 26, Mon 27 H*, Tue 28 H*, Wed 29 (1).
  CHECK(AddWd(D(2021, 12, 24), 1) == "2021-12-29");
  // Fri 23 Dec 2022: Sat 24, Sun 25, Mon 26 H, Tue 27 H*, Wed 28 (1).
  CHECK(AddWd(D(2022, 12, 23), 1) == "2022-12-28");
  // Fri 24 Dec 2027: Sat 25, Sun 26, Mon 27 H*, Tue 28 H*, Wed 29 (1).
  CHECK(AddWd(D(2027, 12, 24), 1) == "2027-12-29");
  // Fri 31 Dec 2027: Sat 1, Sun 2, Mon 3 Jan 2028 H*, Tue 4 (1).
  CHECK(AddWd(D(2027, 12, 31), 1) == "2028-01-04");
}

TEST_CASE("one-off holidays: VE Day 2020, June and September 2022, the 2023 Coronation",
          "[calendar]") {
  // 2020: the early May holiday moved from Mon 4 May to Fri 8 May (VE Day).
  CHECK(AddWd(D(2020, 5, 1), 1) == "2020-05-04");  // Fri 1 -> Mon 4, a working day
  CHECK(AddWd(D(2020, 5, 7), 1) == "2020-05-11");  // Thu 7: Fri 8 H, Sat, Sun, Mon 11 (1)
  // Thu 30 Apr 2020: Fri 1 (1), Mon 4 (2), Tue 5, Wed 6, Thu 7 (5), Mon 11 (6).
  CHECK(AddWd(D(2020, 4, 30), 5) == "2020-05-07");
  CHECK(AddWd(D(2020, 4, 30), 6) == "2020-05-11");

  // 2022: the spring holiday moved from Mon 30 May to Thu 2 June, with Fri 3 June added.
  CHECK(AddWd(D(2022, 5, 27), 1) == "2022-05-30");  // Fri 27 -> Mon 30, a working day
  CHECK(AddWd(D(2022, 6, 1), 1) == "2022-06-06");   // Wed 1: Thu 2 H, Fri 3 H, Sat, Sun, Mon 6
  // Tue 31 May 2022: Wed 1 Jun (1), Mon 6 (2), Tue 7 (3).
  CHECK(AddWd(D(2022, 5, 31), 3) == "2022-06-07");
  CHECK(AddWd(D(2022, 6, 6), -1) == "2022-06-01");  // Mon 6 back: Sun, Sat, Fri H, Thu H, Wed 1
  // 2022: Mon 19 Sep, the State Funeral.
  CHECK(AddWd(D(2022, 9, 16), 1) == "2022-09-20");  // Fri 16: Sat, Sun, Mon 19 H, Tue 20 (1)
  CHECK(AddWd(D(2022, 9, 20), -1) == "2022-09-16");
  // Thu 15 Sep 2022: Fri 16 (1), Tue 20 (2), Wed 21 (3), Thu 22 (4), Fri 23 (5).
  CHECK(AddWd(D(2022, 9, 15), 5) == "2022-09-23");

  // 2023: Mon 1 May (early May) and Mon 8 May (Coronation), a week apart.
  CHECK(AddWd(D(2023, 4, 28), 1) == "2023-05-02");  // Fri 28 Apr: Sat, Sun, Mon 1 H, Tue 2
  CHECK(AddWd(D(2023, 5, 5), 1) == "2023-05-09");   // Fri 5: Sat, Sun, Mon 8 H, Tue 9
  // Fri 28 Apr 2023: Tue 2 (1), Wed 3, Thu 4, Fri 5 (4), Tue 9 (5), ..., Fri 12 (8),
  // Mon 15 (9).
  CHECK(AddWd(D(2023, 4, 28), 5) == "2023-05-09");
  CHECK(AddWd(D(2023, 4, 28), 9) == "2023-05-15");
}

TEST_CASE("negative counts give the Nth working day before", "[calendar]") {
  // Tue 7 Apr 2015: Mon 6 H, Sun, Sat, Fri 3 H, Thu 2 (-1).
  CHECK(AddWd(D(2015, 4, 7), -1) == "2015-04-02");
  // Mon 4 Jan 2016: Sun, Sat, Fri 1 H, Thu 31 Dec 2015 (-1).
  CHECK(AddWd(D(2016, 1, 4), -1) == "2015-12-31");
  // Tue 29 Dec 2015: Mon 28 H*, Sun, Sat, Fri 25 H, Thu 24 (-1), Wed 23 (-2).
  CHECK(AddWd(D(2015, 12, 29), -1) == "2015-12-24");
  CHECK(AddWd(D(2015, 12, 29), -2) == "2015-12-23");
  // Wed 24 Jan 2024 - 20 = Fri 22 Dec 2023 (the forward case above, reversed).
  CHECK(AddWd(D(2024, 1, 24), -20) == "2023-12-22");
  // Tue 5 May 2015 - 20 = Thu 2 Apr 2015.
  CHECK(AddWd(D(2015, 5, 5), -20) == "2015-04-02");
  // Tue 4 Jan 2022: Mon 3 H*, Sun, Sat, Fri 31 Dec (-1), Thu 30 (-2), Wed 29 (-3),
  // Tue 28 H*, Mon 27 H*, Sun, Sat, Fri 24 (-4).
  CHECK(AddWd(D(2022, 1, 4), -4) == "2021-12-24");
  // From a weekend backwards: Sun 2 Jan 2022 - 1 = Fri 31 Dec 2021.
  CHECK(AddWd(D(2022, 1, 2), -1) == "2021-12-31");
}

TEST_CASE("long counts cross whole years", "[calendar]") {
  // 2015 has 261 weekdays and 8 weekday holidays: 253 working days, the last Thu 31 Dec.
  CHECK(AddWd(D(2015, 1, 1), 253) == "2015-12-31");
  CHECK(AddWd(D(2015, 1, 1), 254) == "2016-01-04");  // Fri 1 Jan 2016 H, Sat, Sun
  // Every working day of 2015-2030: 4043 (the per-year counts below, summed).
  CHECK(AddWd(D(2015, 1, 1), 4043) == "2030-12-31");
  CHECK(AddWd(D(2030, 12, 31), -4042) == "2015-01-02");
}

TEST_CASE("counts that leave the calendar are OUT_OF_RANGE naming the date", "[calendar]") {
  // Fri 20 Dec 2030: Mon 23 (1), Tue 24 (2), Fri 27 (3), Mon 30 (4), Tue 31 (5), then 2031.
  CHECK(AddWd(D(2030, 12, 20), 5) == "2030-12-31");
  for (int n : {6, 20, 1000}) {
    INFO("2030-12-20 + " << n);
    const auto result = Cal().AddWorkingDays(D(2030, 12, 20), n);
    CHECK(result.status().code() == absl::StatusCode::kOutOfRange);
    const std::string message(result.status().message());
    CHECK((absl::StrContains(message, "2031-01-01") || absl::StrContains(message, "2030-12-20")));
  }
  CHECK(Cal().NextWorkingDay(D(2030, 12, 31)).status().code() == absl::StatusCode::kOutOfRange);

  // Fri 8 Jan 2010: Thu 7 (-1), Wed 6, Tue 5, Mon 4 (-4), Fri 1 H, then 2009.
  CHECK(AddWd(D(2010, 1, 8), -4) == "2010-01-04");
  for (int n : {-5, -20}) {
    INFO("2010-01-08 + " << n);
    const auto result = Cal().AddWorkingDays(D(2010, 1, 8), n);
    CHECK(result.status().code() == absl::StatusCode::kOutOfRange);
    const std::string message(result.status().message());
    CHECK((absl::StrContains(message, "2009-12-31") || absl::StrContains(message, "2010-01-08")));
  }
}

TEST_CASE("NextWorkingDay agrees with the table for every day of 2010-2030", "[calendar]") {
  for (absl::CivilDay day = D(2010, 1, 1); day < D(2030, 12, 31); ++day) {
    absl::CivilDay expected = day + 1;
    while (!ExpectedWorkingDay(expected)) ++expected;
    INFO("day " << day);
    CHECK(Str(Cal().NextWorkingDay(day)) == absl::FormatCivilTime(expected));
  }
}

// ---------------------------------------------------------------------------------------------
// WorkingDaysBetween.

TEST_CASE("working days between counts the days after `from` up to and including `to`",
          "[calendar]") {
  const WorkingCalendar& cal = Cal();
  CHECK(*cal.WorkingDaysBetween(D(2023, 3, 8), D(2023, 3, 8)) == 0);      // same working day
  CHECK(*cal.WorkingDaysBetween(D(2023, 3, 4), D(2023, 3, 4)) == 0);      // same Saturday
  CHECK(*cal.WorkingDaysBetween(D(2023, 12, 25), D(2023, 12, 25)) == 0);  // same holiday
  CHECK(*cal.WorkingDaysBetween(D(2023, 3, 3), D(2023, 3, 6)) == 1);      // Fri -> Mon
  CHECK(*cal.WorkingDaysBetween(D(2023, 3, 3), D(2023, 3, 5)) == 0);      // Fri -> Sun
  CHECK(*cal.WorkingDaysBetween(D(2023, 3, 2), D(2023, 3, 3)) == 1);      // Thu -> Fri
  // Sat 4 Mar -> Sun 12 Mar 2023: Mon 6 .. Fri 10.
  CHECK(*cal.WorkingDaysBetween(D(2023, 3, 4), D(2023, 3, 12)) == 5);
  // Thu 2 Apr -> Tue 7 Apr 2015: only Tue 7 (Fri 3 H, Sat, Sun, Mon 6 H).
  CHECK(*cal.WorkingDaysBetween(D(2015, 4, 2), D(2015, 4, 7)) == 1);
  CHECK(*cal.WorkingDaysBetween(D(2015, 4, 2), D(2015, 4, 6)) == 0);
  // Fri 24 Dec 2021 -> Tue 4 Jan 2022: Wed 29, Thu 30, Fri 31, Tue 4 (27, 28 Dec, 3 Jan H*).
  CHECK(*cal.WorkingDaysBetween(D(2021, 12, 24), D(2022, 1, 4)) == 4);
  // Wed 1 Jun -> Mon 6 Jun 2022: only Mon 6 (Thu 2 H, Fri 3 H).
  CHECK(*cal.WorkingDaysBetween(D(2022, 6, 1), D(2022, 6, 6)) == 1);
}

TEST_CASE("working days between is negative, and exactly opposite, when `to` is earlier",
          "[calendar]") {
  const WorkingCalendar& cal = Cal();
  CHECK(*cal.WorkingDaysBetween(D(2015, 4, 7), D(2015, 4, 2)) == -1);
  CHECK(*cal.WorkingDaysBetween(D(2024, 1, 24), D(2023, 12, 22)) == -20);
  CHECK(*cal.WorkingDaysBetween(D(2023, 3, 12), D(2023, 3, 4)) == -5);
  CHECK(*cal.WorkingDaysBetween(D(2023, 3, 6), D(2023, 3, 3)) == -1);  // Mon -> Fri
  CHECK(*cal.WorkingDaysBetween(D(2023, 3, 5), D(2023, 3, 3)) == 0);   // Sun -> Fri
  CHECK(*cal.WorkingDaysBetween(D(2022, 1, 4), D(2021, 12, 24)) == -4);

  // Every pair within a stretch that spans Christmas 2022 and Easter 2023.
  for (absl::CivilDay a = D(2022, 12, 1); a <= D(2023, 4, 30); a += 3) {
    for (absl::CivilDay b = D(2022, 12, 1); b <= D(2023, 4, 30); b += 5) {
      INFO(a << " / " << b);
      const auto forward = cal.WorkingDaysBetween(a, b);
      const auto backward = cal.WorkingDaysBetween(b, a);
      REQUIRE(forward.ok());
      REQUIRE(backward.ok());
      CHECK(*forward == -*backward);
    }
  }
}

TEST_CASE("working days in each whole year 2015-2030", "[calendar]") {
  // 1 Jan is always a holiday or a weekend day, so (1 Jan, 31 Dec] counts the whole year:
  // weekdays in the year minus the bank holidays (all of which fall on weekdays).
  const std::map<int, int> expected = {
      {2015, 253},  // 261 - 8
      {2016, 253},  // 261 - 8 (leap year starting Friday)
      {2017, 252},  // 260 - 8 (starts Sunday)
      {2018, 253},  // 261 - 8
      {2019, 253},  // 261 - 8
      {2020, 254},  // 262 - 8 (leap year starting Wednesday)
      {2021, 253},  // 261 - 8
      {2022, 250},  // 260 - 10 (starts Saturday; Jubilee and State Funeral)
      {2023, 251},  // 260 - 9 (starts Sunday; Coronation)
      {2024, 254},  // 262 - 8 (leap year starting Monday)
      {2025, 253},  // 261 - 8
      {2026, 253},  // 261 - 8
      {2027, 253},  // 261 - 8
      {2028, 252},  // 260 - 8 (leap year starting Saturday)
      {2029, 253},  // 261 - 8
      {2030, 253},  // 261 - 8
  };
  int total = 0;
  for (const auto& [year, days] : expected) {
    INFO("year " << year);
    CHECK(Working(Cal().IsWorkingDay(D(year, 1, 1))) == "not working");
    CHECK(*Cal().WorkingDaysBetween(D(year, 1, 1), D(year, 12, 31)) == days);
    total += days;
  }
  CHECK(total == 4043);
  CHECK(*Cal().WorkingDaysBetween(D(2015, 1, 1), D(2030, 12, 31)) == 4043);
  CHECK(*Cal().WorkingDaysBetween(D(2030, 12, 31), D(2015, 1, 1)) == -4043);
}

TEST_CASE("working days between refuses ranges that leave the calendar", "[calendar]") {
  CHECK(Cal().WorkingDaysBetween(D(2030, 12, 1), D(2031, 1, 5)).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(Cal().WorkingDaysBetween(D(2031, 1, 5), D(2030, 12, 1)).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(Cal().WorkingDaysBetween(D(2009, 12, 1), D(2010, 1, 5)).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(Cal().WorkingDaysBetween(D(2010, 1, 5), D(2009, 12, 1)).status().code() ==
        absl::StatusCode::kOutOfRange);
}

TEST_CASE("adding the working days between two dates lands on `to` (every day of 2022-2023)",
          "[calendar]") {
  const WorkingCalendar& cal = Cal();
  int working_targets = 0;
  int other_targets = 0;
  for (absl::CivilDay from = D(2022, 1, 1); from <= D(2023, 12, 31); ++from) {
    int expected_between = 0;  // the oracle: working days in (from, to] by the domain table
    for (int k = 0; k <= 40; ++k) {
      const absl::CivilDay to = from + k;
      if (k > 0 && ExpectedWorkingDay(to)) ++expected_between;
      INFO("from " << from << " to " << to);
      const auto between = cal.WorkingDaysBetween(from, to);
      REQUIRE(between.ok());
      CHECK(*between == expected_between);
      const auto back = cal.WorkingDaysBetween(to, from);
      REQUIRE(back.ok());
      CHECK(*back == -expected_between);

      const auto landed = cal.AddWorkingDays(from, *between);
      REQUIRE(landed.ok());
      if (ExpectedWorkingDay(to)) {
        ++working_targets;
        CHECK(*landed == to);
      } else {
        // The last working day before `to`, or `from` itself when none lies in (from, to].
        ++other_targets;
        absl::CivilDay last = to;
        while (last > from && !ExpectedWorkingDay(last)) --last;
        CHECK(*landed == last);
      }
      // And backwards from a working day to a working `from`.
      if (ExpectedWorkingDay(from) && ExpectedWorkingDay(to)) {
        const auto returned = cal.AddWorkingDays(to, -*between);
        REQUIRE(returned.ok());
        CHECK(*returned == from);
      }
    }
  }
  // The loop really exercised both kinds of target (counted from the table: 730 x 41 pairs).
  CHECK(working_targets == 20598);
  CHECK(other_targets == 9332);
}

// ---------------------------------------------------------------------------------------------
// AddMonthsClamped.

TEST_CASE("adding months clamps to the end of a shorter month", "[calendar]") {
  CHECK(AddMonthsClamped(D(2023, 8, 31), 3) == D(2023, 11, 30));  // domain.md's example
  CHECK(AddMonthsClamped(D(2023, 1, 31), 1) == D(2023, 2, 28));
  CHECK(AddMonthsClamped(D(2024, 1, 31), 1) == D(2024, 2, 29));
  CHECK(AddMonthsClamped(D(2024, 2, 29), 12) == D(2025, 2, 28));
  CHECK(AddMonthsClamped(D(2024, 2, 29), 48) == D(2028, 2, 29));
  CHECK(AddMonthsClamped(D(2022, 11, 30), 3) == D(2023, 2, 28));
  CHECK(AddMonthsClamped(D(2023, 11, 30), 3) == D(2024, 2, 29));
  CHECK(AddMonthsClamped(D(2023, 3, 31), 6) == D(2023, 9, 30));
  CHECK(AddMonthsClamped(D(2023, 3, 31), 3) == D(2023, 6, 30));
  CHECK(AddMonthsClamped(D(2023, 5, 31), 1) == D(2023, 6, 30));
  CHECK(AddMonthsClamped(D(2022, 12, 31), 2) == D(2023, 2, 28));
  CHECK(AddMonthsClamped(D(2023, 12, 31), 2) == D(2024, 2, 29));
  CHECK(AddMonthsClamped(D(2099, 12, 31), 2) == D(2100, 2, 28));  // 2100 is not a leap year
  CHECK(AddMonthsClamped(D(1999, 12, 31), 2) == D(2000, 2, 29));  // 2000 is
}

TEST_CASE("adding months keeps the day when it exists", "[calendar]") {
  CHECK(AddMonthsClamped(D(2023, 5, 15), 6) == D(2023, 11, 15));
  CHECK(AddMonthsClamped(D(2023, 1, 30), 2) == D(2023, 3, 30));
  CHECK(AddMonthsClamped(D(2023, 8, 31), 4) == D(2023, 12, 31));
  CHECK(AddMonthsClamped(D(2023, 7, 31), 1) == D(2023, 8, 31));
  // A clamped day is not remembered as "month end": 29 Feb + 1 month is 29 Mar, not 31 Mar,
  // and 30 Sep + 6 months is 30 Mar.
  CHECK(AddMonthsClamped(D(2024, 2, 29), 1) == D(2024, 3, 29));
  CHECK(AddMonthsClamped(D(2023, 9, 30), 6) == D(2024, 3, 30));
  CHECK(AddMonthsClamped(D(2023, 11, 30), 1) == D(2023, 12, 30));
  // Zero months changes nothing.
  CHECK(AddMonthsClamped(D(2023, 8, 31), 0) == D(2023, 8, 31));
  CHECK(AddMonthsClamped(D(2024, 2, 29), 0) == D(2024, 2, 29));
  CHECK(AddMonthsClamped(D(2023, 1, 1), 0) == D(2023, 1, 1));
}

TEST_CASE("adding months across year ends", "[calendar]") {
  CHECK(AddMonthsClamped(D(2023, 12, 15), 1) == D(2024, 1, 15));
  CHECK(AddMonthsClamped(D(2023, 7, 31), 6) == D(2024, 1, 31));
  CHECK(AddMonthsClamped(D(2023, 8, 31), 6) == D(2024, 2, 29));
  CHECK(AddMonthsClamped(D(2023, 10, 31), 4) == D(2024, 2, 29));
  CHECK(AddMonthsClamped(D(2022, 10, 31), 4) == D(2023, 2, 28));
  CHECK(AddMonthsClamped(D(2023, 11, 30), 12) == D(2024, 11, 30));
  CHECK(AddMonthsClamped(D(2023, 6, 30), 18) == D(2024, 12, 30));
  CHECK(AddMonthsClamped(D(2020, 2, 29), 120) == D(2030, 2, 28));
  CHECK(AddMonthsClamped(D(2023, 12, 31), 12) == D(2024, 12, 31));
  CHECK(AddMonthsClamped(D(2023, 12, 31), 13) == D(2025, 1, 31));
}

TEST_CASE("subtracting months clamps the same way", "[calendar]") {
  CHECK(AddMonthsClamped(D(2023, 5, 31), -3) == D(2023, 2, 28));
  CHECK(AddMonthsClamped(D(2024, 5, 31), -3) == D(2024, 2, 29));
  CHECK(AddMonthsClamped(D(2024, 3, 31), -1) == D(2024, 2, 29));
  CHECK(AddMonthsClamped(D(2023, 3, 31), -1) == D(2023, 2, 28));
  CHECK(AddMonthsClamped(D(2023, 12, 31), -1) == D(2023, 11, 30));
  CHECK(AddMonthsClamped(D(2023, 1, 15), -1) == D(2022, 12, 15));  // across the year end
  CHECK(AddMonthsClamped(D(2023, 3, 31), -6) == D(2022, 9, 30));
  CHECK(AddMonthsClamped(D(2023, 1, 31), -2) == D(2022, 11, 30));
  CHECK(AddMonthsClamped(D(2025, 2, 28), -12) == D(2024, 2, 28));
  CHECK(AddMonthsClamped(D(2024, 2, 29), -12) == D(2023, 2, 28));
  CHECK(AddMonthsClamped(D(2023, 8, 31), -18) == D(2022, 2, 28));
  CHECK(AddMonthsClamped(D(2030, 2, 28), -120) == D(2020, 2, 28));
}

TEST_CASE("a review cycle: each deadline counts from the review actually held", "[calendar]") {
  // 1st review held Thu 31 Aug 2023: 2nd due within 3 months = 30 Nov 2023; held on the due
  // date (in time), 3rd due 6 months later = 30 May 2024, not 31 May.
  const absl::CivilDay second_due = AddMonthsClamped(D(2023, 8, 31), 3);
  CHECK(second_due == D(2023, 11, 30));
  CHECK(D(2023, 11, 30) <= second_due);  // a review on the due date is in time
  CHECK_FALSE(D(2023, 12, 1) <= second_due);
  CHECK(AddMonthsClamped(second_due, 6) == D(2024, 5, 30));
  // Month steps do not compose: 31 Jan + 1 + 1 = 28 Mar 2023, but 31 Jan + 2 = 31 Mar.
  CHECK(AddMonthsClamped(AddMonthsClamped(D(2023, 1, 31), 1), 1) == D(2023, 3, 28));
  CHECK(AddMonthsClamped(D(2023, 1, 31), 2) == D(2023, 3, 31));
}

// ---------------------------------------------------------------------------------------------
// ParseIsoDate and FormatIsoDate.

TEST_CASE("ISO dates format as YYYY-MM-DD", "[calendar]") {
  CHECK(FormatIsoDate(D(2026, 2, 5)) == "2026-02-05");
  CHECK(FormatIsoDate(D(2015, 1, 1)) == "2015-01-01");
  CHECK(FormatIsoDate(D(2030, 12, 31)) == "2030-12-31");
  CHECK(FormatIsoDate(D(2024, 2, 29)) == "2024-02-29");
  CHECK(FormatIsoDate(D(1999, 10, 9)) == "1999-10-09");
}

TEST_CASE("ISO dates parse exactly", "[calendar]") {
  const auto parsed = ParseIsoDate("2026-02-05", "date");
  REQUIRE(parsed.ok());
  CHECK(*parsed == D(2026, 2, 5));
  CHECK(Str(ParseIsoDate("2024-02-29", "date")) == "2024-02-29");  // leap day
  CHECK(Str(ParseIsoDate("2000-02-29", "date")) == "2000-02-29");  // century leap year
  CHECK(Str(ParseIsoDate("2015-01-01", "date")) == "2015-01-01");
  CHECK(Str(ParseIsoDate("2030-12-31", "date")) == "2030-12-31");
  CHECK(Str(ParseIsoDate("1999-10-09", "date")) == "1999-10-09");
  // Only the viewed characters count: the view below stops before "xyz".
  const std::string buffer = "2026-02-05xyz";
  CHECK(Str(ParseIsoDate(absl::string_view(buffer.data(), 10), "date")) == "2026-02-05");
}

TEST_CASE("ISO dates round-trip for every day of 2014-2031", "[calendar]") {
  for (absl::CivilDay day = D(2014, 1, 1); day <= D(2031, 12, 31); ++day) {
    INFO("day " << day);
    const std::string text = FormatIsoDate(day);
    CHECK(text == absl::FormatCivilTime(day));
    const auto parsed = ParseIsoDate(text, "date");
    REQUIRE(parsed.ok());
    CHECK(*parsed == day);
  }
}

TEST_CASE("malformed ISO dates are INVALID_ARGUMENT naming the field", "[calendar]") {
  const std::string buffer = "2026-02-05";
  const std::vector<std::string> bad = {
      "2026-2-5",          // digits missing
      "2026-02-5",         // one-digit day
      "2026-2-05",         // one-digit month
      "2026-02-30",        // no 30 Feb
      "2023-02-29",        // 2023 is not a leap year
      "1900-02-29",        // nor 1900
      "2026-04-31",        // April has 30 days
      "2026-13-01",        // no month 13
      "2026-00-10",        // nor month 0
      "2026-01-00",        // nor day 0
      "2026-01-32",        // nor day 32
      "26-02-05",          // two-digit year
      "20260-02-05",       // five-digit year
      "2026/02/05",        // wrong separators
      "2026-02-05T00:00",  // a time
      "2026-02-05 ",       // trailing space
      " 2026-02-05",       // leading space
      "2026-02-05\n",      // trailing newline
      "+2026-02-05",       // sign
      "2026-+2-05",        // signed month
      "2026--2-05",        // negative month
      "2026-0a-05",        // not a digit
      "20260205",          // basic format
      "abcd-ef-gh",        // letters
      "",                  // empty
      "2026-02-0",         // cut short
  };
  for (const std::string& text : bad) {
    INFO("text '" << text << "'");
    const auto parsed = ParseIsoDate(text, "review_date");
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StartsWith(parsed.status().message(), "review_date"));
  }
  // The field name is whatever the caller passes.
  const auto other = ParseIsoDate("2026-02-30", "events[3].date");
  CHECK(other.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StartsWith(other.status().message(), "events[3].date"));
  // A view of the first 9 characters of "2026-02-05" must not be read past its end.
  CHECK(ParseIsoDate(absl::string_view(buffer.data(), 9), "d").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// A calendar from data: the constructor, FromBankHolidaysJson and FromBankHolidaysFile.

TEST_CASE("a calendar built from a holiday map covers exactly its years", "[calendar]") {
  // Wed 1 Jan 2031 and Fri 4 Jul 2031 (a made-up holiday).
  const WorkingCalendar cal({{D(2031, 1, 1), "New Year"}, {D(2031, 7, 4), "Made up"}}, 2031, 2031);
  CHECK(cal.first_year() == 2031);
  CHECK(cal.last_year() == 2031);
  CHECK(cal.holidays().size() == 2);
  CHECK(Working(cal.IsWorkingDay(D(2031, 7, 4))) == "not working");
  CHECK(Working(cal.IsWorkingDay(D(2031, 7, 3))) == "working");
  CHECK(cal.HolidayName(D(2031, 7, 4)) == "Made up");
  // Thu 3 Jul 2031: Fri 4 H, Sat, Sun, Mon 7 (1).
  CHECK(Str(cal.AddWorkingDays(D(2031, 7, 3), 1)) == "2031-07-07");
  CHECK(cal.IsWorkingDay(D(2030, 12, 31)).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(cal.IsWorkingDay(D(2032, 1, 1)).status().code() == absl::StatusCode::kOutOfRange);
}

TEST_CASE("a gov.uk bank-holidays document makes its years computable", "[calendar]") {
  const auto loaded = WorkingCalendar::FromBankHolidaysJson(kTwoYearsJson);
  REQUIRE(loaded.ok());
  const WorkingCalendar& cal = *loaded;
  CHECK(cal.first_year() == 2031);
  CHECK(cal.last_year() == 2032);
  CHECK(cal.holidays().size() == 16);
  CHECK(cal.HolidayName(D(2031, 4, 11)) == "Good Friday");
  CHECK(cal.HolidayName(D(2032, 12, 27)) == "Christmas Day");
  CHECK(cal.HolidayName(D(2031, 1, 2)).empty());  // a Scotland-only holiday

  CHECK(Working(cal.IsWorkingDay(D(2031, 1, 1))) == "not working");    // Wed, New Year
  CHECK(Working(cal.IsWorkingDay(D(2031, 1, 2))) == "working");        // Thu
  CHECK(Working(cal.IsWorkingDay(D(2031, 8, 4))) == "working");        // Mon, Scotland only
  CHECK(Working(cal.IsWorkingDay(D(2031, 8, 25))) == "not working");   // Mon, summer
  CHECK(Working(cal.IsWorkingDay(D(2032, 12, 25))) == "not working");  // Sat
  CHECK(Working(cal.IsWorkingDay(D(2032, 12, 27))) == "not working");  // Mon, substitute
  CHECK(Working(cal.IsWorkingDay(D(2032, 12, 31))) == "working");      // Fri

  // Thu 10 Apr 2031: Fri 11 H, Sat, Sun, Mon 14 H, Tue 15 (1).
  CHECK(Str(cal.AddWorkingDays(D(2031, 4, 10), 1)) == "2031-04-15");
  // Wed 24 Dec 2031: Thu 25 H, Fri 26 H, Sat, Sun, Mon 29 (1), Tue 30, Wed 31 (3),
  // Thu 1 Jan 2032 H, Fri 2 (4).
  CHECK(Str(cal.AddWorkingDays(D(2031, 12, 24), 1)) == "2031-12-29");
  CHECK(Str(cal.AddWorkingDays(D(2031, 12, 24), 4)) == "2032-01-02");
  CHECK(Str(cal.AddWorkingDays(D(2032, 1, 2), -4)) == "2031-12-24");
  // Fri 24 Dec 2032: Sat, Sun, Mon 27 H*, Tue 28 H*, Wed 29 (1), Thu 30 (2), Fri 31 (3).
  CHECK(Str(cal.AddWorkingDays(D(2032, 12, 24), 1)) == "2032-12-29");
  CHECK(Str(cal.AddWorkingDays(D(2032, 12, 24), 3)) == "2032-12-31");
  CHECK(cal.AddWorkingDays(D(2032, 12, 24), 4).status().code() == absl::StatusCode::kOutOfRange);
  // 2031: 261 weekdays - 8 = 253; 2032 (leap, starts Thursday): 262 - 8 = 254.
  CHECK(*cal.WorkingDaysBetween(D(2031, 1, 1), D(2031, 12, 31)) == 253);
  CHECK(*cal.WorkingDaysBetween(D(2032, 1, 1), D(2032, 12, 31)) == 254);
  CHECK(*cal.WorkingDaysBetween(D(2031, 1, 1), D(2032, 12, 31)) == 507);

  CHECK(cal.IsWorkingDay(D(2030, 12, 31)).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(cal.IsWorkingDay(D(2033, 1, 1)).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(cal.IsWorkingDay(D(2023, 3, 8)).status().code() == absl::StatusCode::kOutOfRange);
  // The built-in calendar is unaffected.
  CHECK(Cal().first_year() == 2010);
  CHECK(Cal().last_year() == 2030);
}

TEST_CASE("another division of the document can be selected", "[calendar]") {
  const auto loaded = WorkingCalendar::FromBankHolidaysJson(kTwoYearsJson, "scotland");
  REQUIRE(loaded.ok());
  const WorkingCalendar& cal = *loaded;
  CHECK(cal.first_year() == 2031);
  CHECK(cal.last_year() == 2031);
  CHECK(cal.holidays().size() == 5);
  CHECK(Working(cal.IsWorkingDay(D(2031, 1, 2))) == "not working");  // 2nd January
  CHECK(Working(cal.IsWorkingDay(D(2031, 8, 4))) == "not working");  // Scottish summer
  CHECK(Working(cal.IsWorkingDay(D(2031, 8, 25))) == "working");     // E&W summer only
  CHECK(Working(cal.IsWorkingDay(D(2031, 4, 14))) == "working");     // no Easter Monday
  CHECK(cal.HolidayName(D(2031, 1, 2)) == "2nd January");
  // Wed 1 Jan 2031 H: Thu 2 H (Scotland), Fri 3 (1).
  CHECK(Str(cal.AddWorkingDays(D(2031, 1, 1), 1)) == "2031-01-03");
  CHECK(cal.IsWorkingDay(D(2032, 1, 1)).status().code() == absl::StatusCode::kOutOfRange);
}

TEST_CASE("bank-holiday documents with problems are INVALID_ARGUMENT saying what is wrong",
          "[calendar]") {
  struct Case {
    const char* what;
    std::string json;
    std::string division;
    std::string message_mentions;
  };
  const std::vector<Case> cases = {
      {"not JSON", "this is not json {", "england-and-wales", ""},
      {"truncated JSON", std::string(kTwoYearsJson.substr(0, 200)), "england-and-wales", ""},
      {"missing division", std::string(kTwoYearsJson), "northern-ireland", "northern-ireland"},
      {"division of another document shape", R"({"scotland": {"events": []}})", "england-and-wales",
       "england-and-wales"},
      {"event without a date",
       DocumentWithEvents(R"({"title": "New Year’s Day", "date": "2031-01-01"},
                            {"title": "Mystery", "notes": ""})"),
       "england-and-wales", "date"},
      {"malformed date", DocumentWithEvents(R"({"title": "New Year’s Day", "date": "2031-01-01"},
                            {"title": "Good Friday", "date": "2031-4-11"})"),
       "england-and-wales", "2031-4-11"},
      {"impossible date", DocumentWithEvents(R"({"title": "Nope", "date": "2031-02-30"})"),
       "england-and-wales", "2031-02-30"},
      {"date that is not a string", DocumentWithEvents(R"({"title": "Nope", "date": 20310101})"),
       "england-and-wales", "date"},
      {"empty events list", DocumentWithEvents(""), "england-and-wales", "england-and-wales"},
      {"events not a list", R"({"england-and-wales": {"events": {}}})", "england-and-wales",
       "events"},
      {"no events key", R"({"england-and-wales": {"division": "england-and-wales"}})",
       "england-and-wales", "events"},
      {"a year missing in the middle",
       DocumentWithEvents(R"({"title": "New Year’s Day", "date": "2031-01-01"},
                            {"title": "New Year’s Day", "date": "2033-01-03"})"),
       "england-and-wales", "2032"},
      {"top level not an object", "[1, 2, 3]", "england-and-wales", ""},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const auto loaded = WorkingCalendar::FromBankHolidaysJson(c.json, c.division);
    CHECK(loaded.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(loaded.status().message()), Catch::Contains(c.message_mentions));
    CHECK_FALSE(loaded.status().message().empty());
  }
}

TEST_CASE("bank holidays load from a file", "[calendar]") {
  testing::TempDir dir;
  const std::string path = dir.Sub("bank-holidays.json");
  std::ofstream(path) << kTwoYearsJson;

  const auto loaded = WorkingCalendar::FromBankHolidaysFile(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->first_year() == 2031);
  CHECK(loaded->last_year() == 2032);
  CHECK(loaded->holidays().size() == 16);
  // Thu 10 Apr 2031: Fri 11 H, Sat, Sun, Mon 14 H, Tue 15 (1).
  CHECK(Str(loaded->AddWorkingDays(D(2031, 4, 10), 1)) == "2031-04-15");

  const auto scotland = WorkingCalendar::FromBankHolidaysFile(path, "scotland");
  REQUIRE(scotland.ok());
  CHECK(scotland->holidays().size() == 5);

  const auto missing = WorkingCalendar::FromBankHolidaysFile(dir.Sub("missing.json"));
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("missing.json"));

  const std::string bad_path = dir.Sub("bad.json");
  std::ofstream(bad_path) << "{ not json";
  CHECK(WorkingCalendar::FromBankHolidaysFile(bad_path).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace footprint::domain
