#include "domain/working_calendar.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace footprint::domain {
namespace {

struct BuiltIn {
  int year, month, day;
  const char* title;
};

// shared/docs/domain.md section 5; titles as gov.uk publishes them. 2010-2014 are there for
// imported history (903 returns reach back years, and a review's due date in 2014 is counted on
// this calendar). 2028 onwards follows the usual rules and may change: load the government's
// file to update.
constexpr BuiltIn kEnglandAndWales[] = {
    {2010, 1, 1, "New Year's Day"},
    {2010, 4, 2, "Good Friday"},
    {2010, 4, 5, "Easter Monday"},
    {2010, 5, 3, "Early May bank holiday"},
    {2010, 5, 31, "Spring bank holiday"},
    {2010, 8, 30, "Summer bank holiday"},
    {2010, 12, 27, "Christmas Day (substitute day)"},
    {2010, 12, 28, "Boxing Day (substitute day)"},
    {2011, 1, 3, "New Year's Day (substitute day)"},
    {2011, 4, 22, "Good Friday"},
    {2011, 4, 25, "Easter Monday"},
    {2011, 4, 29, "Royal wedding"},
    {2011, 5, 2, "Early May bank holiday"},
    {2011, 5, 30, "Spring bank holiday"},
    {2011, 8, 29, "Summer bank holiday"},
    {2011, 12, 26, "Boxing Day"},
    {2011, 12, 27, "Christmas Day (substitute day)"},
    {2012, 1, 2, "New Year's Day (substitute day)"},
    {2012, 4, 6, "Good Friday"},
    {2012, 4, 9, "Easter Monday"},
    {2012, 5, 7, "Early May bank holiday"},
    {2012, 6, 4, "Spring bank holiday (moved)"},
    {2012, 6, 5, "Queen's Diamond Jubilee"},
    {2012, 8, 27, "Summer bank holiday"},
    {2012, 12, 25, "Christmas Day"},
    {2012, 12, 26, "Boxing Day"},
    {2013, 1, 1, "New Year's Day"},
    {2013, 3, 29, "Good Friday"},
    {2013, 4, 1, "Easter Monday"},
    {2013, 5, 6, "Early May bank holiday"},
    {2013, 5, 27, "Spring bank holiday"},
    {2013, 8, 26, "Summer bank holiday"},
    {2013, 12, 25, "Christmas Day"},
    {2013, 12, 26, "Boxing Day"},
    {2014, 1, 1, "New Year's Day"},
    {2014, 4, 18, "Good Friday"},
    {2014, 4, 21, "Easter Monday"},
    {2014, 5, 5, "Early May bank holiday"},
    {2014, 5, 26, "Spring bank holiday"},
    {2014, 8, 25, "Summer bank holiday"},
    {2014, 12, 25, "Christmas Day"},
    {2014, 12, 26, "Boxing Day"},
    {2015, 1, 1, "New Year's Day"},
    {2015, 4, 3, "Good Friday"},
    {2015, 4, 6, "Easter Monday"},
    {2015, 5, 4, "Early May bank holiday"},
    {2015, 5, 25, "Spring bank holiday"},
    {2015, 8, 31, "Summer bank holiday"},
    {2015, 12, 25, "Christmas Day"},
    {2015, 12, 28, "Boxing Day (substitute day)"},
    {2016, 1, 1, "New Year's Day"},
    {2016, 3, 25, "Good Friday"},
    {2016, 3, 28, "Easter Monday"},
    {2016, 5, 2, "Early May bank holiday"},
    {2016, 5, 30, "Spring bank holiday"},
    {2016, 8, 29, "Summer bank holiday"},
    {2016, 12, 26, "Boxing Day"},
    {2016, 12, 27, "Christmas Day (substitute day)"},
    {2017, 1, 2, "New Year's Day (substitute day)"},
    {2017, 4, 14, "Good Friday"},
    {2017, 4, 17, "Easter Monday"},
    {2017, 5, 1, "Early May bank holiday"},
    {2017, 5, 29, "Spring bank holiday"},
    {2017, 8, 28, "Summer bank holiday"},
    {2017, 12, 25, "Christmas Day"},
    {2017, 12, 26, "Boxing Day"},
    {2018, 1, 1, "New Year's Day"},
    {2018, 3, 30, "Good Friday"},
    {2018, 4, 2, "Easter Monday"},
    {2018, 5, 7, "Early May bank holiday"},
    {2018, 5, 28, "Spring bank holiday"},
    {2018, 8, 27, "Summer bank holiday"},
    {2018, 12, 25, "Christmas Day"},
    {2018, 12, 26, "Boxing Day"},
    {2019, 1, 1, "New Year's Day"},
    {2019, 4, 19, "Good Friday"},
    {2019, 4, 22, "Easter Monday"},
    {2019, 5, 6, "Early May bank holiday"},
    {2019, 5, 27, "Spring bank holiday"},
    {2019, 8, 26, "Summer bank holiday"},
    {2019, 12, 25, "Christmas Day"},
    {2019, 12, 26, "Boxing Day"},
    {2020, 1, 1, "New Year's Day"},
    {2020, 4, 10, "Good Friday"},
    {2020, 4, 13, "Easter Monday"},
    {2020, 5, 8, "Early May bank holiday (VE day)"},
    {2020, 5, 25, "Spring bank holiday"},
    {2020, 8, 31, "Summer bank holiday"},
    {2020, 12, 25, "Christmas Day"},
    {2020, 12, 28, "Boxing Day (substitute day)"},
    {2021, 1, 1, "New Year's Day"},
    {2021, 4, 2, "Good Friday"},
    {2021, 4, 5, "Easter Monday"},
    {2021, 5, 3, "Early May bank holiday"},
    {2021, 5, 31, "Spring bank holiday"},
    {2021, 8, 30, "Summer bank holiday"},
    {2021, 12, 27, "Christmas Day (substitute day)"},
    {2021, 12, 28, "Boxing Day (substitute day)"},
    {2022, 1, 3, "New Year's Day (substitute day)"},
    {2022, 4, 15, "Good Friday"},
    {2022, 4, 18, "Easter Monday"},
    {2022, 5, 2, "Early May bank holiday"},
    {2022, 6, 2, "Spring bank holiday"},
    {2022, 6, 3, "Platinum Jubilee bank holiday"},
    {2022, 8, 29, "Summer bank holiday"},
    {2022, 9, 19, "Bank Holiday for the State Funeral of Queen Elizabeth II"},
    {2022, 12, 26, "Boxing Day"},
    {2022, 12, 27, "Christmas Day (substitute day)"},
    {2023, 1, 2, "New Year's Day (substitute day)"},
    {2023, 4, 7, "Good Friday"},
    {2023, 4, 10, "Easter Monday"},
    {2023, 5, 1, "Early May bank holiday"},
    {2023, 5, 8, "Bank holiday for the coronation of King Charles III"},
    {2023, 5, 29, "Spring bank holiday"},
    {2023, 8, 28, "Summer bank holiday"},
    {2023, 12, 25, "Christmas Day"},
    {2023, 12, 26, "Boxing Day"},
    {2024, 1, 1, "New Year's Day"},
    {2024, 3, 29, "Good Friday"},
    {2024, 4, 1, "Easter Monday"},
    {2024, 5, 6, "Early May bank holiday"},
    {2024, 5, 27, "Spring bank holiday"},
    {2024, 8, 26, "Summer bank holiday"},
    {2024, 12, 25, "Christmas Day"},
    {2024, 12, 26, "Boxing Day"},
    {2025, 1, 1, "New Year's Day"},
    {2025, 4, 18, "Good Friday"},
    {2025, 4, 21, "Easter Monday"},
    {2025, 5, 5, "Early May bank holiday"},
    {2025, 5, 26, "Spring bank holiday"},
    {2025, 8, 25, "Summer bank holiday"},
    {2025, 12, 25, "Christmas Day"},
    {2025, 12, 26, "Boxing Day"},
    {2026, 1, 1, "New Year's Day"},
    {2026, 4, 3, "Good Friday"},
    {2026, 4, 6, "Easter Monday"},
    {2026, 5, 4, "Early May bank holiday"},
    {2026, 5, 25, "Spring bank holiday"},
    {2026, 8, 31, "Summer bank holiday"},
    {2026, 12, 25, "Christmas Day"},
    {2026, 12, 28, "Boxing Day (substitute day)"},
    {2027, 1, 1, "New Year's Day"},
    {2027, 3, 26, "Good Friday"},
    {2027, 3, 29, "Easter Monday"},
    {2027, 5, 3, "Early May bank holiday"},
    {2027, 5, 31, "Spring bank holiday"},
    {2027, 8, 30, "Summer bank holiday"},
    {2027, 12, 27, "Christmas Day (substitute day)"},
    {2027, 12, 28, "Boxing Day (substitute day)"},
    {2028, 1, 3, "New Year's Day (substitute day)"},
    {2028, 4, 14, "Good Friday"},
    {2028, 4, 17, "Easter Monday"},
    {2028, 5, 1, "Early May bank holiday"},
    {2028, 5, 29, "Spring bank holiday"},
    {2028, 8, 28, "Summer bank holiday"},
    {2028, 12, 25, "Christmas Day"},
    {2028, 12, 26, "Boxing Day"},
    {2029, 1, 1, "New Year's Day"},
    {2029, 3, 30, "Good Friday"},
    {2029, 4, 2, "Easter Monday"},
    {2029, 5, 7, "Early May bank holiday"},
    {2029, 5, 28, "Spring bank holiday"},
    {2029, 8, 27, "Summer bank holiday"},
    {2029, 12, 25, "Christmas Day"},
    {2029, 12, 26, "Boxing Day"},
    {2030, 1, 1, "New Year's Day"},
    {2030, 4, 19, "Good Friday"},
    {2030, 4, 22, "Easter Monday"},
    {2030, 5, 6, "Early May bank holiday"},
    {2030, 5, 27, "Spring bank holiday"},
    {2030, 8, 26, "Summer bank holiday"},
    {2030, 12, 25, "Christmas Day"},
    {2030, 12, 26, "Boxing Day"},
};

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

}  // namespace

WorkingCalendar::WorkingCalendar(std::map<absl::CivilDay, std::string> holidays, int first_year,
                                 int last_year)
    : holidays_(std::move(holidays)),
      first_year_(first_year),
      last_year_(last_year),
      first_day_(first_year, 1, 1) {
  const absl::CivilDay last_day(last_year, 12, 31);
  const int64_t days = last_day >= first_day_ ? (last_day - first_day_) + 1 : 0;
  working_through_.reserve(static_cast<size_t>(days));
  int32_t working = 0;
  absl::CivilDay day = first_day_;
  for (int64_t i = 0; i < days; ++i, ++day) {
    if (!IsWeekend(day) && !holidays_.contains(day)) {
      nth_working_.push_back(static_cast<int32_t>(i));
      ++working;
    }
    working_through_.push_back(working);
  }
}

const WorkingCalendar& WorkingCalendar::EnglandAndWales() {
  static const WorkingCalendar* const kCalendar = [] {
    std::map<absl::CivilDay, std::string> holidays;
    for (const BuiltIn& h : kEnglandAndWales) {
      holidays.emplace(absl::CivilDay(h.year, h.month, h.day), h.title);
    }
    return new WorkingCalendar(std::move(holidays), 2010, 2030);
  }();
  return *kCalendar;
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::FromBankHolidaysJson(absl::string_view json,
                                                                      absl::string_view division) {
  const nlohmann::json doc =
      nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("bank holidays: not a JSON object");
  }
  const std::string key(division);
  if (!doc.contains(key) || !doc[key].is_object() || !doc[key].contains("events") ||
      !doc[key]["events"].is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bank holidays: no \"", key, "\" division with an \"events\" list"));
  }
  std::map<absl::CivilDay, std::string> holidays;
  int first_year = 0;
  int last_year = 0;
  const auto& events = doc[key]["events"];
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    const std::string field = absl::StrCat(key, ".events[", i, "]");
    if (!e.is_object() || !e.contains("date") || !e["date"].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bank holidays: ", field, ".date is required"));
    }
    auto day = ParseIsoDate(e["date"].get<std::string>(), field + ".date");
    if (!day.ok())
      return absl::InvalidArgumentError(absl::StrCat("bank holidays: ", day.status().message()));
    std::string title = e.contains("title") && e["title"].is_string()
                            ? e["title"].get<std::string>()
                            : std::string("Bank holiday");
    if (holidays.empty() || day->year() < first_year) first_year = static_cast<int>(day->year());
    if (holidays.empty() || day->year() > last_year) last_year = static_cast<int>(day->year());
    holidays.insert_or_assign(*day, std::move(title));
  }
  if (holidays.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("bank holidays: \"", key, "\" lists none"));
  }
  // Every covered year must list its holidays: a year missing in the middle would silently
  // become a year without bank holidays.
  for (int year = first_year; year <= last_year; ++year) {
    auto it = holidays.lower_bound(absl::CivilDay(year, 1, 1));
    if (it == holidays.end() || it->first.year() != year) {
      return absl::InvalidArgumentError(absl::StrCat("bank holidays: no holiday listed for ", year,
                                                     ", between ", first_year, " and ", last_year));
    }
  }
  return WorkingCalendar(std::move(holidays), first_year, last_year);
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::FromBankHolidaysFile(const std::string& path,
                                                                      absl::string_view division) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("bank holidays: cannot read '", path, "'"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return FromBankHolidaysJson(text.str(), division);
}

absl::Status WorkingCalendar::CheckCovered(absl::CivilDay day, absl::string_view what) const {
  if (Covers(day)) return absl::OkStatus();
  return absl::OutOfRangeError(absl::StrCat(what, " ", FormatIsoDate(day),
                                            " is outside the working-day calendar (", first_year_,
                                            "-", last_year_, ")"));
}

absl::StatusOr<bool> WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  if (auto st = CheckCovered(day, "date"); !st.ok()) return st;
  return !IsWeekend(day) && !holidays_.contains(day);
}

std::string WorkingCalendar::HolidayName(absl::CivilDay day) const {
  auto it = holidays_.find(day);
  return it == holidays_.end() ? std::string() : it->second;
}

absl::StatusOr<absl::CivilDay> WorkingCalendar::AddWorkingDays(absl::CivilDay start, int n) const {
  if (auto st = CheckCovered(start, "date"); !st.ok()) return st;
  if (n == 0) return start;
  const int64_t index = IndexOf(start);
  // The (k+1)th working day of the calendar is the answer: counting forwards, k is the working
  // days up to and including `start`, plus n - 1; backwards, the working days before `start`
  // minus |n|.
  const int64_t k = n > 0 ? int64_t{working_through_[index]} + n - 1
                          : (index > 0 ? int64_t{working_through_[index - 1]} : 0) + n;
  if (k < 0 || k >= static_cast<int64_t>(nth_working_.size())) {
    return absl::OutOfRangeError(absl::StrCat(n, " working days from ", FormatIsoDate(start),
                                              " go beyond the working-day calendar (", first_year_,
                                              "-", last_year_, ")"));
  }
  return first_day_ + nth_working_[k];
}

absl::StatusOr<int> WorkingCalendar::WorkingDaysBetween(absl::CivilDay from,
                                                        absl::CivilDay to) const {
  if (auto st = CheckCovered(from, "from"); !st.ok()) return st;
  if (auto st = CheckCovered(to, "to"); !st.ok()) return st;
  if (to < from) {
    auto reverse = WorkingDaysBetween(to, from);
    if (!reverse.ok()) return reverse.status();
    return -*reverse;
  }
  return working_through_[IndexOf(to)] - working_through_[IndexOf(from)];
}

absl::CivilDay AddMonthsClamped(absl::CivilDay day, int months) {
  const absl::CivilMonth target = absl::CivilMonth(day) + months;
  const absl::CivilDay first_of_next = absl::CivilDay(target + 1);
  const int days_in_month = static_cast<int>((first_of_next - 1).day());
  return absl::CivilDay(target.year(), target.month(), std::min<int>(day.day(), days_in_month));
}

absl::StatusOr<absl::CivilDay> ParseIsoDate(absl::string_view text, absl::string_view field) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", text, "' is not a date in the form YYYY-MM-DD"));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return invalid();
  int parts[3] = {0, 0, 0};
  const std::pair<size_t, size_t> spans[3] = {{0, 4}, {5, 2}, {8, 2}};
  for (int i = 0; i < 3; ++i) {
    const char* begin = text.data() + spans[i].first;
    const char* end = begin + spans[i].second;
    for (const char* c = begin; c < end; ++c) {
      if (*c < '0' || *c > '9') return invalid();
    }
    std::from_chars(begin, end, parts[i]);
  }
  const absl::CivilDay day(parts[0], parts[1], parts[2]);
  // CivilDay normalises 2026-02-30 to 2026-03-02: a date that does not round-trip is invalid.
  if (day.year() != parts[0] || day.month() != parts[1] || day.day() != parts[2]) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", text, "' is not a real calendar date"));
  }
  return day;
}

int AgeInYears(absl::CivilDay born, absl::CivilDay day) {
  int age = static_cast<int>(day.year() - born.year());
  if (day.month() < born.month() || (day.month() == born.month() && day.day() < born.day())) {
    --age;
  }
  return age;
}

std::string FormatIsoDate(absl::CivilDay day) {
  // Reports format thousands of dates per call; absl::FormatCivilTime goes through the time-zone
  // formatter. Years 0-9999 (all real ones) are written directly, in the same form.
  const absl::civil_year_t year = day.year();
  if (year < 0 || year > 9999) return absl::FormatCivilTime(day);
  char out[10] = {static_cast<char>('0' + year / 1000),
                  static_cast<char>('0' + year / 100 % 10),
                  static_cast<char>('0' + year / 10 % 10),
                  static_cast<char>('0' + year % 10),
                  '-',
                  static_cast<char>('0' + day.month() / 10),
                  static_cast<char>('0' + day.month() % 10),
                  '-',
                  static_cast<char>('0' + day.day() / 10),
                  static_cast<char>('0' + day.day() % 10)};
  return std::string(out, sizeof(out));
}

}  // namespace footprint::domain
