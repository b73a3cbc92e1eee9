#include "import903/dates.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace footprint::import903 {
namespace {

// The number in text[from, from + n), all digits; -1 otherwise.
int Digits(absl::string_view text, size_t from, size_t n) {
  int value = 0;
  for (size_t i = from; i < from + n; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

absl::StatusOr<absl::CivilDay> Parse903Date(absl::string_view text, absl::string_view column) {
  text = absl::StripAsciiWhitespace(text);
  int year = -1, month = -1, day = -1;
  if (text.size() == 10 && text[2] == '/' && text[5] == '/') {
    day = Digits(text, 0, 2);
    month = Digits(text, 3, 2);
    year = Digits(text, 6, 4);
  } else if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    year = Digits(text, 0, 4);
    month = Digits(text, 5, 2);
    day = Digits(text, 8, 2);
  }
  if (year >= 1 && month >= 1 && day >= 1) {
    const absl::CivilDay date(year, month, day);
    // CivilDay normalises 31/02 to 3 March: only a date that exists comes back unchanged.
    if (date.year() == year && date.month() == month && date.day() == day) return date;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(column, ": '", text, "' is not a date (dd/mm/YYYY or YYYY-MM-DD)"));
}

}  // namespace footprint::import903
