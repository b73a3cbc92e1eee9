#include "domain/codes.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace footprint::domain {

absl::string_view DomainStreamPrefix(absl::string_view stream) {
  for (absl::string_view prefix : kDomainStreamPrefixes) {
    if (absl::StartsWith(stream, prefix)) return prefix;
  }
  for (absl::string_view name : kDomainStreams) {
    if (stream == name) return name;
  }
  return {};
}

absl::Status ValidateChildId(absl::string_view child_id, absl::string_view field) {
  constexpr size_t kMaxIdBytes = 64;
  const auto invalid = [&](absl::string_view message) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
  };
  if (child_id.empty()) return invalid("a child id is required");
  if (child_id.size() > kMaxIdBytes) {
    return invalid(absl::StrCat("at most ", kMaxIdBytes, " characters"));
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(child_id[0])) ||
      !std::all_of(child_id.begin(), child_id.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
               c == '-';
      })) {
    return invalid(absl::StrCat("child id '", child_id,
                                "' must be letters, digits, '.', '_' or '-', starting with a "
                                "letter or digit"));
  }
  return absl::OkStatus();
}

}  // namespace footprint::domain

namespace footprint::domain::codes {
namespace {

bool OneOf(absl::string_view code, std::initializer_list<absl::string_view> list) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

struct Label {
  absl::string_view code;
  absl::string_view text;
};

// Each SSDA903 code list once, with its short description (from the guidance's lists,
// shortened): membership and labels are both read from here.
constexpr Label kLegalStatuses[] = {
    {"C1", "interim care order"},
    {"C2", "full care order"},
    {"D1", "freeing order granted"},
    {"E1", "placement order granted"},
    {"V2", "single period of accommodation under section 20"},
    {"V3", "short breaks under section 20, single episodes"},
    {"V4", "short breaks under section 20, agreements"},
    {"L1", "police protection, in local authority accommodation"},
    {"L2", "emergency protection order"},
    {"L3", "child assessment order, in local authority accommodation"},
    {"J1", "remanded to local authority or youth detention accommodation"},
    {"J2", "placed in local authority accommodation under PACE"},
    {"J3", "youth rehabilitation order with residence requirement"},
};

constexpr Label kPlacementTypes[] = {
    {"U1", "foster care with a relative or friend, long term"},
    {"U2", "foster care with a relative or friend, fostering for adoption"},
    {"U3", "foster care with a relative or friend, other"},
    {"U4", "foster care with another carer, long term"},
    {"U5", "foster care with another carer, fostering for adoption"},
    {"U6", "foster care with another carer, other"},
    {"A3", "placed for adoption with consent, with current foster carer"},
    {"A4", "placed for adoption with consent, not with current foster carer"},
    {"A5", "placed for adoption with placement order, with current foster carer"},
    {"A6", "placed for adoption with placement order, not with current carer"},
    {"K1", "secure children's home"},
    {"K2", "children's home"},
    {"K3", "registered supported accommodation"},
    {"H5", "semi-independent living accommodation"},
    {"P1", "placed with parents or others with parental responsibility"},
    {"P2", "independent living"},
    {"P3", "residential employment"},
    {"R1", "residential care home"},
    {"R2", "NHS or health trust establishment"},
    {"R3", "family centre or mother and baby unit"},
    {"R5", "young offender institution or prison"},
    {"S1", "residential school"},
    {"T0", "temporary placement"},
    {"T1", "temporary: periods in hospital"},
    {"T2", "temporary: absence, child missing"},
    {"T3", "temporary: holiday or trip"},
    {"T4", "temporary: other"},
    {"Z1", "other placement"},
    {"Z11", "other placement"},
    {"Z12", "other placement"},
    {"Z13", "other placement"},
    {"Z14", "other placement"},
};

constexpr Label kReasonsForPlacementChange[] = {
    {"CARPL", "change to or implementation of the care plan"},
    {"CLOSE", "resignation or closure of the provision"},
    {"ALLEG", "allegation (section 47)"},
    {"STAND", "standards of care concern"},
    {"APPRR", "approval removed"},
    {"CREQB", "carer asked to end it: the child's behaviour"},
    {"CREQO", "carer asked to end it: other reasons"},
    {"CHILD", "child asked to end it"},
    {"LAREQ", "the authority asked to end it"},
    {"PLACE", "change in the placement's status only"},
    {"CUSTOD", "child in custody"},
    {"OTHER", "other"},
};

constexpr Label kReasonsCareEnded[] = {
    {"E11", "adopted: application unopposed"},
    {"E12", "adopted: consent dispensed with"},
    {"E13", "left to live with others without parental responsibility"},
    {"E14", "accommodation on remand ended"},
    {"E15", "age assessment found 18 or over"},
    {"E16", "moved abroad"},
    {"E17", "aged 18, stayed with current carers (staying put)"},
    {"E2", "died"},
    {"E3", "care taken over by another local authority"},
    {"E41", "child arrangements order"},
    {"E45", "special guardianship: former foster carer, relative or friend"},
    {"E46", "special guardianship: former foster carer, other"},
    {"E47", "special guardianship: other carer, relative or friend"},
    {"E48", "special guardianship: other carer, other"},
    {"E4A", "returned home as part of the care plan"},
    {"E4B", "returned home, not as part of the care plan"},
    {"E5", "independent living with formal support"},
    {"E6", "independent living without formal support"},
    {"E7", "transferred to adult social care"},
    {"E8", "care ceased for any other reason"},
    {"E9", "sentenced to custody"},
};

constexpr Label kParticipations[] = {
    {"PN0", "child under 4"},
    {"PN1", "attends and speaks for themselves"},
    {"PN2", "attends, an advocate speaks for them"},
    {"PN3", "attends, conveys their view non-verbally"},
    {"PN4", "attends, does not convey their view"},
    {"PN5", "does not attend, briefs an advocate"},
    {"PN6", "does not attend, conveys views by a facilitative medium"},
    {"PN7", "does not attend, views not conveyed"},
};

// The header's ordered REVIEW_CODE list (for reports) is this table's codes, in its order.
constexpr bool SameCodes(const Label (&labels)[std::size(kParticipationCodes)]) {
  for (size_t i = 0; i < std::size(kParticipationCodes); ++i) {
    if (labels[i].code != kParticipationCodes[i]) return false;
  }
  return true;
}
static_assert(SameCodes(kParticipations), "kParticipationCodes must list kParticipations' codes");

template <size_t N>
absl::string_view Find(absl::string_view code, const Label (&labels)[N]) {
  for (const Label& label : labels) {
    if (label.code == code) return label.text;
  }
  return {};
}

}  // namespace

bool IsLegalStatus(absl::string_view code) { return !Find(code, kLegalStatuses).empty(); }

bool IsSection20(absl::string_view legal_status) { return OneOf(legal_status, {"V2", "V3", "V4"}); }

bool IsShortBreaks(absl::string_view legal_status) { return OneOf(legal_status, {"V3", "V4"}); }

bool IsPlacementType(absl::string_view code) { return !Find(code, kPlacementTypes).empty(); }

bool IsTemporaryPlacement(absl::string_view placement_type) {
  return OneOf(placement_type, {"T0", "T1", "T2", "T3", "T4"});
}

bool PlacementNeedsProvider(absl::string_view placement_type) {
  return !IsTemporaryPlacement(placement_type) && !absl::StartsWith(placement_type, "Z");
}

bool IsProvider(absl::string_view code) {
  return OneOf(code, {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"});
}

bool IsReasonForPlacementChange(absl::string_view code) {
  return !Find(code, kReasonsForPlacementChange).empty();
}

bool IsReasonCareEnded(absl::string_view code) { return !Find(code, kReasonsCareEnded).empty(); }

bool IsCategoryOfNeed(absl::string_view code) {
  return OneOf(code, {"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"});
}

bool IsParticipation(absl::string_view code) { return !Find(code, kParticipations).empty(); }

ParticipationForAge CheckParticipationForAge(absl::string_view code, int age_in_years) {
  constexpr int kPn0Below = 4;
  const bool pn0 = code == "PN0";
  if (pn0 && age_in_years >= kPn0Below) return ParticipationForAge::kPn0AtFourOrOver;
  if (!pn0 && age_in_years < kPn0Below) return ParticipationForAge::kUnderFourNotPn0;
  return ParticipationForAge::kFits;
}

absl::string_view LegalStatusLabel(absl::string_view code) { return Find(code, kLegalStatuses); }

absl::string_view PlacementTypeLabel(absl::string_view code) { return Find(code, kPlacementTypes); }

absl::string_view ReasonForPlacementChangeLabel(absl::string_view code) {
  return Find(code, kReasonsForPlacementChange);
}

absl::string_view ReasonCareEndedLabel(absl::string_view code) {
  return Find(code, kReasonsCareEnded);
}

absl::string_view ParticipationLabel(absl::string_view code) { return Find(code, kParticipations); }

}  // namespace footprint::domain::codes
