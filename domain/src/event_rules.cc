#include "event_rules.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace footprint::domain::internal {
namespace {

constexpr size_t kMaxTextBytes = 4000;
constexpr size_t kMaxIdBytes = 64;
const absl::CivilDay kEarliestDate(1900, 1, 1);

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == ':' || c == '@' || c == '/';
}

}  // namespace

absl::Status Invalid(absl::string_view path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

absl::Status Precondition(absl::string_view path, absl::string_view message) {
  return absl::FailedPreconditionError(absl::StrCat(path, ": ", message));
}

// Identifiers of people and challenges: 1-64 characters of [A-Za-z0-9._:@/-].
absl::Status CheckId(absl::string_view value, absl::string_view path, bool required) {
  if (value.empty()) return required ? Invalid(path, "required") : absl::OkStatus();
  if (value.size() > kMaxIdBytes) {
    return Invalid(path, absl::StrCat("at most ", kMaxIdBytes, " characters"));
  }
  if (!std::all_of(value.begin(), value.end(), IsIdChar)) {
    return Invalid(path, absl::StrCat("'", value, "' may only contain A-Z a-z 0-9 . _ : @ / -"));
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view value, absl::string_view path, bool required) {
  if (value.empty() && required) return Invalid(path, "required");
  if (value.size() > kMaxTextBytes) {
    return Invalid(path, absl::StrCat("at most ", kMaxTextBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckCode(absl::string_view value, absl::string_view path,
                       bool (*is_valid)(absl::string_view), absl::string_view list,
                       absl::string_view what) {
  if (value.empty()) return Invalid(path, absl::StrCat("required (", what, ": ", list, ")"));
  if (!is_valid(value)) {
    return Invalid(path, absl::StrCat("'", value, "' is not a ", what, " (", list, ")"));
  }
  return absl::OkStatus();
}

// A date field: required or optional, a real date, not before 1900 and (unless allowed) not
// after `today`.
absl::StatusOr<std::optional<absl::CivilDay>> CheckDate(absl::string_view value,
                                                        absl::string_view path, bool required,
                                                        absl::CivilDay today, bool future_allowed) {
  if (value.empty()) {
    if (required) return Invalid(path, "required (YYYY-MM-DD)");
    return std::optional<absl::CivilDay>();
  }
  auto day = ParseIsoDate(value, path);
  if (!day.ok()) return day.status();
  if (*day < kEarliestDate) return Invalid(path, absl::StrCat(value, " is before 1900"));
  if (!future_allowed && *day > today) {
    return Invalid(path, absl::StrCat(value, " is in the future (today is ", Day(today), ")"));
  }
  return std::optional<absl::CivilDay>(*day);
}

absl::Status RequireLookedAfter(const ChildRecord& record, absl::CivilDay day,
                                absl::string_view path) {
  if (record.LookedAfterOn(day)) return absl::OkStatus();
  return Precondition(path, absl::StrCat("child ", record.child_id(), " is not looked after on ",
                                         Day(day), " (no period of care covers that date)"));
}

std::string Day(absl::CivilDay day) { return FormatIsoDate(day); }

absl::Status NotInFamily(const v1::ChildEvent& event, absl::string_view path,
                         absl::string_view family) {
  return absl::InternalError(absl::StrCat(path, ": a ", EventTypeOf(event),
                                          " is not an event of the ", family, " family"));
}

}  // namespace footprint::domain::internal
