// The placement family: where the child lives (PlacementChanged; the placement a period of care
// starts in is checked here too, with PlacementRules::CheckPlacement).
// Each event's field rules (CheckFields: codes, formats, required values; no record needed),
// state rules (CheckState: what the child's record must allow, filling in what the service
// computes) and application (Apply: what the fact changes in the record) are here, and only here;
// child_record.cc dispatches to them (docs/domain-events.md).
#include "event_rules.h"

#include "absl/strings/str_cat.h"
#include "domain/codes.h"

namespace footprint::domain::internal {

using v1::ChildEvent;

absl::Status PlacementRules::CheckPlacement(const v1::Placement& p, absl::string_view path) {
  if (auto st = CheckCode(p.type(), absl::StrCat(path, ".type"), codes::IsPlacementType,
                          codes::kPlacementTypeList, "placement type (PLACE)");
      !st.ok()) {
    return st;
  }
  const std::string provider_path = absl::StrCat(path, ".provider");
  if (codes::PlacementNeedsProvider(p.type())) {
    if (auto st = CheckCode(p.provider(), provider_path, codes::IsProvider, codes::kProviderList,
                            "placement provider (PLACE_PROVIDER)");
        !st.ok()) {
      return st;
    }
  } else if (!p.provider().empty()) {
    return Invalid(provider_path, absl::StrCat("must be empty for a ", p.type(),
                                               " placement (temporary T0-T4 and other Z* "
                                               "placements have no provider)"));
  }
  if (p.has_distance_miles() && (p.distance_miles() < 0 || p.distance_miles() > 1000)) {
    return Invalid(absl::StrCat(path, ".distance_miles"), "must be between 0 and 1000");
  }
  if (!v1::Placement::Registration_IsValid(p.registration())) {
    return Invalid(absl::StrCat(path, ".registration"), "unknown value");
  }
  for (const auto& [value, name] :
       {std::pair{&p.home_postcode(), "home_postcode"},
        std::pair{&p.placement_postcode(), "placement_postcode"}, std::pair{&p.urn(), "urn"}}) {
    if (value->size() > 16) return Invalid(absl::StrCat(path, ".", name), "at most 16 characters");
  }
  return absl::OkStatus();
}

absl::Status PlacementRules::CheckFields(const ChildEvent& e, absl::string_view path,
                                         const ValidationContext& /*ctx*/) {
  switch (e.body_case()) {
    case ChildEvent::kPlacementChanged: {
      const auto& b = e.placement_changed();
      if (!b.has_placement()) return Invalid(absl::StrCat(path, ".placement"), "required");
      if (auto st = PlacementRules::CheckPlacement(b.placement(), absl::StrCat(path, ".placement"));
          !st.ok()) {
        return st;
      }
      if (b.reason_not_recorded()) {
        if (!b.reason_for_change().empty()) {
          return Invalid(absl::StrCat(path, ".reason_for_change"),
                         "must be empty when reason_not_recorded is set");
        }
        return absl::OkStatus();
      }
      return CheckCode(b.reason_for_change(), absl::StrCat(path, ".reason_for_change"),
                       codes::IsReasonForPlacementChange, codes::kReasonForChangeList,
                       "reason for placement change (REASON_PLACE_CHANGE)");
    }
    default:
      break;
  }
  return NotInFamily(e, path, "placement");
}

absl::Status PlacementRules::CheckState(const ChildRecord& record, ChildEvent* e, absl::CivilDay on,
                                        absl::string_view path, absl::string_view /*field*/,
                                        const ValidationContext& /*ctx*/) {
  switch (e->body_case()) {
    case ChildEvent::kPlacementChanged: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      if (e->placement_changed().placement().type() == "P1" && record.LegalStatusOn(on) == "V2") {
        return Precondition(absl::StrCat(path, ".placement.type"),
                            "P1 (placed with parents) cannot apply while the legal status is V2 "
                            "(single period of section 20)");
      }
      return absl::OkStatus();
    }
    default:
      break;
  }
  return NotInFamily(*e, path, "placement");
}

void PlacementRules::Apply(const ChildEvent& e, absl::CivilDay on, ChildRecord* record) {
  switch (e.body_case()) {
    case ChildEvent::kPlacementChanged: {
      const auto& b = e.placement_changed();
      record->placements_.push_back(
          PlacementSpan{on, b.placement(), false, b.carer_changed(), b.reason_for_change()});
      record->care_facts_.emplace_back(on, "placement change");
      break;
    }
    default:
      break;
  }
}

}  // namespace footprint::domain::internal
