// Corrections: a Correction replaces or voids an earlier fact of the record (or voids an event of
// the stream that is not a domain event). Rebuild applies them (child_record.cc); the rules a
// Correction must satisfy are here.
#include "event_rules.h"

#include "absl/strings/str_cat.h"
#include "eventstore/types.h"

namespace footprint::domain::internal {

using v1::ChildEvent;

absl::Status CorrectionRules::CheckFields(const ChildEvent& e, absl::string_view path,
                                          const ValidationContext& /*ctx*/) {
  switch (e.body_case()) {
    case ChildEvent::kCorrection: {
      const auto& b = e.correction();
      if (auto st = eventstore::EventId::Parse(b.supersedes_event_id(),
                                               absl::StrCat(path, ".supersedes_event_id"))
                        .status();
          !st.ok()) {
        return st;
      }
      return CheckText(b.reason(), absl::StrCat(path, ".reason"), true);
    }
    default:
      break;
  }
  return NotInFamily(e, path, "correction");
}

absl::Status CorrectionRules::CheckState(const ChildRecord& record, ChildEvent* e,
                                         absl::CivilDay /*on*/, absl::string_view path,
                                         absl::string_view /*field*/,
                                         const ValidationContext& ctx) {
  switch (e->body_case()) {
    case ChildEvent::kCorrection: {
      auto* b = e->mutable_correction();
      if (const ForeignEvent* foreign = record.FindForeign(b->supersedes_event_id())) {
        // Not a fact of the record: it can only be voided, and only by an admin.
        const std::string target = absl::StrCat(path, ".supersedes_event_id");
        if (!ctx.may_void_foreign_events) {
          return absl::PermissionDeniedError(absl::StrCat(
              target, ": event ", foreign->event_id, " (position ", foreign->position,
              ") is not a domain event of child ", record.child_id(),
              "; only an admin can void it (Admin.VoidForeignEvent, footprint admin void-event)"));
        }
        if (b->has_replacement()) {
          return Precondition(absl::StrCat(path, ".replacement"),
                              "an event that is not a domain event can be voided, not replaced: "
                              "record the fact it was meant to be with Intake.Record");
        }
        if (foreign->voided()) {
          return Precondition(target, absl::StrCat("event ", foreign->event_id,
                                                   " was already voided by ", foreign->voided_by));
        }
        return absl::OkStatus();
      }
      const std::string target_type = record.TypeOfEvent(b->supersedes_event_id());
      if (target_type.empty()) {
        return Precondition(absl::StrCat(path, ".supersedes_event_id"),
                            absl::StrCat("no event ", b->supersedes_event_id(), " in child ",
                                         record.child_id(), "'s record"));
      }
      if (IsChallengeEventType(target_type) || target_type == "Correction" ||
          target_type == "CafcassReferralMade") {
        return Precondition(absl::StrCat(path, ".supersedes_event_id"),
                            absl::StrCat("a ", target_type,
                                         " event cannot be corrected (challenge steps are "
                                         "changed with further challenge events; to change a "
                                         "correction, correct the original event again)"));
      }
      if (b->has_replacement()) {
        v1::ChildEvent* replacement = b->mutable_replacement();
        if (EventTypeOf(*replacement) != target_type) {
          return Precondition(
              absl::StrCat(path, ".replacement"),
              absl::StrCat("must be a ", target_type, " like the event it replaces"));
        }
        // The replacement must be acceptable in the record as it is without the event it
        // replaces, by the same rules as a new event.
        ChildRecord without = record;
        v1::ChildEvent void_target;
        void_target.set_child_id(record.child_id());
        void_target.set_occurred_on(e->occurred_on());
        void_target.mutable_correction()->set_supersedes_event_id(b->supersedes_event_id());
        without.Add("", void_target);
        if (auto st =
                CompleteAndValidate(without, replacement, absl::StrCat(path, ".replacement"), ctx);
            !st.ok()) {
          return st;
        }
      }
      // Replacing or voiding a fact must not leave the rest of the record stranded (voiding the
      // end of one period of care while a later one exists, say).
      if (record.Consistency().ok()) {
        ChildRecord after = record;
        after.Add("", *e);
        if (auto st = after.Consistency(); !st.ok()) {
          return Precondition(
              path, absl::StrCat("the corrected record would not hold together: ", st.message()));
        }
      }
      return absl::OkStatus();
    }
    default:
      break;
  }
  return NotInFamily(*e, path, "correction");
}

}  // namespace footprint::domain::internal
