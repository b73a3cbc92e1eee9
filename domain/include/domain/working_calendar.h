// WorkingCalendar: England & Wales working days, for every deadline Footprint computes.
//
// A working day is any day except Saturday, Sunday and a bank holiday. Counting follows the
// statutory convention: the trigger day is day 0, and "within N working days" means on or
// before the Nth working day after it. The calendar covers whole years; a date outside them is
// an error (OUT_OF_RANGE), never a guess, because one-off holidays are announced at short
// notice.
//
// Thread-safety: immutable after construction; share freely.
#ifndef FOOTPRINT_DOMAIN_WORKING_CALENDAR_H_
#define FOOTPRINT_DOMAIN_WORKING_CALENDAR_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace footprint::domain {

class WorkingCalendar {
 public:
  // The built-in England & Wales list for 2010-2030 (shared/docs/domain.md section 5).
  static const WorkingCalendar& EnglandAndWales();

  // From the government's bank-holidays.json (https://www.gov.uk/bank-holidays.json): the
  // `events` of `division`, each with `date` (YYYY-MM-DD) and `title`. The calendar covers the
  // whole years from the first to the last year listed. INVALID_ARGUMENT naming the problem.
  static absl::StatusOr<WorkingCalendar> FromBankHolidaysJson(
      absl::string_view json, absl::string_view division = "england-and-wales");
  static absl::StatusOr<WorkingCalendar> FromBankHolidaysFile(
      const std::string& path, absl::string_view division = "england-and-wales");

  // Holidays by date; covers [first_year, last_year].
  WorkingCalendar(std::map<absl::CivilDay, std::string> holidays, int first_year, int last_year);

  int first_year() const { return first_year_; }
  int last_year() const { return last_year_; }
  bool Covers(absl::CivilDay day) const {
    return day.year() >= first_year_ && day.year() <= last_year_;
  }

  // OUT_OF_RANGE when the day is not covered.
  absl::StatusOr<bool> IsWorkingDay(absl::CivilDay day) const;
  // The holiday's title, or empty when `day` is not a bank holiday.
  std::string HolidayName(absl::CivilDay day) const;

  // The day that is `n` working days after `start` (day 0). n = 0 gives `start` itself, even
  // when it is not a working day. n < 0 counts backwards (the Nth working day before).
  // OUT_OF_RANGE when the count leaves the calendar.
  absl::StatusOr<absl::CivilDay> AddWorkingDays(absl::CivilDay start, int n) const;

  // The number of working days d with from < d <= to (negative when to < from), so that
  // AddWorkingDays(from, WorkingDaysBetween(from, to)) == to whenever `to` is a working day.
  absl::StatusOr<int> WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to) const;

  // The first working day after `day` (day itself is not considered).
  absl::StatusOr<absl::CivilDay> NextWorkingDay(absl::CivilDay day) const {
    return AddWorkingDays(day, 1);
  }

  const std::map<absl::CivilDay, std::string>& holidays() const { return holidays_; }

 private:
  absl::Status CheckCovered(absl::CivilDay day, absl::string_view what) const;

  // Day index i is first_day_ + i, for every covered day.
  int64_t IndexOf(absl::CivilDay day) const { return day - first_day_; }

  std::map<absl::CivilDay, std::string> holidays_;
  int first_year_;
  int last_year_;
  // Built once by the constructor, so that counting is two array lookups instead of a walk
  // day by day (the reports count thousands of deadlines per query):
  absl::CivilDay first_day_;              // 1 January of first_year_
  std::vector<int32_t> working_through_;  // [i]: working days among days 0..i
  std::vector<int32_t> nth_working_;      // [k]: the index of the (k+1)th working day
};

// Adds calendar months, clamping to the end of a shorter month (31 Aug + 3 months = 30 Nov;
// 31 Jan + 1 month = 28 or 29 Feb).
absl::CivilDay AddMonthsClamped(absl::CivilDay day, int months);

// Whole years from `born` to `day`: an age on `day` (a birthday counts from the day itself).
int AgeInYears(absl::CivilDay born, absl::CivilDay day);

// "YYYY-MM-DD" (exactly). INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<absl::CivilDay> ParseIsoDate(absl::string_view text, absl::string_view field);
std::string FormatIsoDate(absl::CivilDay day);

}  // namespace footprint::domain

#endif  // FOOTPRINT_DOMAIN_WORKING_CALENDAR_H_
