// The placement family: where the child lives (PlacementChanged; the placement a period of care
// starts in is checked here too, with PlacementRules::CheckPlacement), and the facts about one
// placement that name it by the day it starts: a placement with parents' approval by the
// nominated officer, the parent's assessment, and a placement plan (docs/web.md).
// Each event's field rules (CheckFields: codes, formats, required values; no record needed),
// state rules (CheckState: what the child's record must allow, filling in what the service
// computes) and application (Apply: what the fact changes in the record) are here, and only here;
// child_record.cc dispatches to them (docs/domain-events.md).
#include "event_rules.h"

#include "absl/strings/str_cat.h"
#include "domain/codes.h"
#include "domain/working_calendar.h"

namespace footprint::domain::internal {

using v1::ChildEvent;

namespace {

// What a placement note (an approval, an assessment or a plan) says about its placement.
struct NoteFields {
  const std::string* placement_start = nullptr;
  bool placed_with_parents = false;  // only about a placement with parents (P1)
  const char* what = "";             // for messages
};

NoteFields NoteOf(const ChildEvent& e) {
  switch (e.body_case()) {
    case ChildEvent::kPlacementWithParentsApproved:
      return {&e.placement_with_parents_approved().placement_start(), true,
              "placement with parents approval"};
    case ChildEvent::kParentAssessmentCompleted:
      return {&e.parent_assessment_completed().placement_start(), true, "parent assessment"};
    case ChildEvent::kPlacementPlanRecorded:
      return {&e.placement_plan_recorded().placement_start(), false, "placement plan"};
    default:
      return {};
  }
}

// Whether a placement (of type P1 when `placed_with_parents`) starts on `day` in the record.
bool PlacementStartsOn(const ChildRecord& record, absl::CivilDay day, bool placed_with_parents) {
  for (const PlacementSpan& span : record.placements()) {
    if (span.from == day && (!placed_with_parents || span.placement.type() == "P1")) return true;
  }
  return false;
}

const PlacementNote* NoteFor(const std::vector<PlacementNote>& notes, absl::CivilDay start) {
  for (const PlacementNote& note : notes) {
    if (note.placement_start == start) return &note;
  }
  return nullptr;
}

}  // namespace

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
                                         const ValidationContext& ctx) {
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
    case ChildEvent::kPlacementWithParentsApproved:
    case ChildEvent::kParentAssessmentCompleted:
    case ChildEvent::kPlacementPlanRecorded: {
      // A decision or a plan may come before the move: the day the placement starts may be
      // after today.
      if (auto day = CheckDate(*NoteOf(e).placement_start, absl::StrCat(path, ".placement_start"),
                               true, ctx.today, /*future_allowed=*/true);
          !day.ok()) {
        return day.status();
      }
      if (e.has_placement_with_parents_approved()) {
        return CheckText(e.placement_with_parents_approved().approved_by(),
                         absl::StrCat(path, ".approved_by"), true);
      }
      if (e.has_parent_assessment_completed()) {
        return CheckText(e.parent_assessment_completed().assessed(),
                         absl::StrCat(path, ".assessed"), false);
      }
      return CheckText(e.placement_plan_recorded().note(), absl::StrCat(path, ".note"), false);
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
    case ChildEvent::kPlacementWithParentsApproved:
    case ChildEvent::kParentAssessmentCompleted:
    case ChildEvent::kPlacementPlanRecorded: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      const NoteFields note = NoteOf(*e);
      const std::string field_path = absl::StrCat(path, ".placement_start");
      auto start = ParseIsoDate(*note.placement_start, field_path);
      if (!start.ok()) return start.status();
      // Dated on or after the placement began: that placement must be in the record. Before
      // it: the placement is still to come, and the report matches it when it is recorded.
      if (*start <= on && !PlacementStartsOn(record, *start, note.placed_with_parents)) {
        return Precondition(
            field_path,
            absl::StrCat("no ",
                         note.placed_with_parents ? "placement with parents (P1)" : "placement",
                         " of child ", record.child_id(), " starts on ", Day(*start), " (a ",
                         note.what, " names its placement by the day it starts)"));
      }
      const PlacementNote* earlier = nullptr;
      if (e->has_placement_with_parents_approved()) {
        earlier = NoteFor(record.placement_approvals(), *start);
      } else if (e->has_parent_assessment_completed()) {
        earlier = NoteFor(record.parent_assessments(), *start);
      }
      if (earlier != nullptr) {
        return Precondition(
            field_path, absl::StrCat("the placement starting on ", Day(*start), " already has a ",
                                     note.what, " (recorded for ", Day(earlier->on),
                                     "); record a Correction to change it"));
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
    case ChildEvent::kPlacementWithParentsApproved:
    case ChildEvent::kParentAssessmentCompleted:
    case ChildEvent::kPlacementPlanRecorded: {
      const NoteFields fields = NoteOf(e);
      auto start = ParseIsoDate(*fields.placement_start, "placement_start");
      if (!start.ok()) break;  // only validated events are stored
      PlacementNote note{on, *start, "", false};
      if (e.has_placement_with_parents_approved()) {
        note.by = e.placement_with_parents_approved().approved_by();
        note.before_assessment = e.placement_with_parents_approved().before_assessment();
        record->approvals_.push_back(std::move(note));
      } else if (e.has_parent_assessment_completed()) {
        record->assessments_.push_back(std::move(note));
      } else {
        record->placement_plans_.push_back(std::move(note));
      }
      record->care_facts_.emplace_back(on, fields.what);
      break;
    }
    default:
      break;
  }
}

}  // namespace footprint::domain::internal
