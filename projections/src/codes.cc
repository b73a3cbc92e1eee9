#include "projections/codes.h"

#include <algorithm>
#include <initializer_list>

#include "absl/strings/match.h"

namespace footprint::projections::codes {
namespace {

bool OneOf(absl::string_view code, std::initializer_list<absl::string_view> list) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

}  // namespace

bool IsLegalStatus(absl::string_view code) {
  return OneOf(code,
               {"C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"});
}

bool IsSection20(absl::string_view legal_status) { return OneOf(legal_status, {"V2", "V3", "V4"}); }

bool IsShortBreaks(absl::string_view legal_status) { return OneOf(legal_status, {"V3", "V4"}); }

bool IsPlacementType(absl::string_view code) {
  return OneOf(code, {"U1", "U2", "U3", "U4", "U5", "U6", "A3",  "A4",  "A5",  "A6", "K1",
                      "K2", "K3", "H5", "P1", "P2", "P3", "R1",  "R2",  "R3",  "R5", "S1",
                      "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"});
}

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
  return OneOf(code, {"CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD",
                      "LAREQ", "PLACE", "CUSTOD", "OTHER"});
}

bool IsReasonCareEnded(absl::string_view code) {
  return OneOf(code, {"E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45",
                      "E46", "E47", "E48", "E4A", "E4B", "E5",  "E6",  "E7", "E8", "E9"});
}

bool IsCategoryOfNeed(absl::string_view code) {
  return OneOf(code, {"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"});
}

bool IsParticipation(absl::string_view code) {
  return OneOf(code, {"PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"});
}

}  // namespace footprint::projections::codes
