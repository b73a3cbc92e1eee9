#include "domain/england_time.h"

#include <optional>

namespace footprint::domain {
namespace {

const std::optional<absl::TimeZone>& London() {
  static const std::optional<absl::TimeZone>* const kZone = [] {
    absl::TimeZone tz;
    if (absl::LoadTimeZone("Europe/London", &tz)) return new std::optional<absl::TimeZone>(tz);
    return new std::optional<absl::TimeZone>();
  }();
  return *kZone;
}

absl::CivilDay LastSunday(int64_t year, int month) {
  absl::CivilDay day = absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;
  while (absl::GetWeekday(day) != absl::Weekday::sunday) --day;
  return day;
}

// UK summer time: 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
// October.
bool IsBritishSummerTime(absl::Time t) {
  const absl::CivilSecond utc = absl::ToCivilSecond(t, absl::UTCTimeZone());
  const absl::Time start = absl::FromCivil(
      absl::CivilSecond(absl::CivilHour(LastSunday(utc.year(), 3)) + 1), absl::UTCTimeZone());
  const absl::Time end = absl::FromCivil(
      absl::CivilSecond(absl::CivilHour(LastSunday(utc.year(), 10)) + 1), absl::UTCTimeZone());
  return t >= start && t < end;
}

}  // namespace

absl::CivilDay EnglandDay(absl::Time t) {
  if (London()) return absl::ToCivilDay(t, *London());
  return absl::ToCivilDay(t + (IsBritishSummerTime(t) ? absl::Hours(1) : absl::ZeroDuration()),
                          absl::UTCTimeZone());
}

absl::Time StartOfEnglandDay(absl::CivilDay day) {
  if (London()) return absl::FromCivil(day, *London());
  // Midnight is never inside a changeover (they happen at 01:00 UTC), so one lookup suffices.
  const absl::Time utc_midnight = absl::FromCivil(day, absl::UTCTimeZone());
  const absl::Time bst_midnight = utc_midnight - absl::Hours(1);
  return IsBritishSummerTime(bst_midnight) ? bst_midnight : utc_midnight;
}

}  // namespace footprint::domain
