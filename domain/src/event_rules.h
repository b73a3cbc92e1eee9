// The intake rules of a child's events, by family. Internal to footprint_domain: the public
// entry points are ChildRecord (which applies events) and CompleteAndValidate (which checks a new
// one), in child_record.h; child_record.cc dispatches each event type to its family.
//
// Each family keeps, in the one file named after it, three things for each of its event types:
//   CheckFields  the field rules (codes, formats, required values); no record needed;
//   CheckState   what the child's record must allow, filling in what the service computes;
//   Apply        what the fact changes in the record (ChildRecord::Rebuild calls it, by date).
// The families and their files:
//   CareRules        care_rules.cc       periods of care, legal status, section 20 consent, PLO
//                                        and proceedings (start, end), permanence plans
//   PlacementRules   placement_rules.cc  placement changes (and any placement's fields); a
//                                        placement's approval, assessment and plan
//   ReviewRules      review_rules.cc     reviews held, IRO allocations, midway reviews, a
//                                        review's paperwork, the IRO's visits, quality forms,
//                                        life-story work and case-file audits
//   ChallengeRules   challenge_rules.cc  the dispute resolution process, CAFCASS referrals,
//                                        missed deadlines
//   CorrectionRules  correction_rules.cc corrections (applied by Rebuild itself)
//
// Thread-safety: stateless functions.
#ifndef FOOTPRINT_DOMAIN_SRC_EVENT_RULES_H_
#define FOOTPRINT_DOMAIN_SRC_EVENT_RULES_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "domain/child_record.h"
#include "footprint/v1/domain.pb.h"

namespace footprint::domain::internal {

// INVALID_ARGUMENT / FAILED_PRECONDITION naming the field at `path`.
absl::Status Invalid(absl::string_view path, absl::string_view message);
absl::Status Precondition(absl::string_view path, absl::string_view message);
// INTERNAL: `event` was dispatched to a family it does not belong to (a programming error).
absl::Status NotInFamily(const v1::ChildEvent& event, absl::string_view path,
                         absl::string_view family);
// YYYY-MM-DD, for messages.
std::string Day(absl::CivilDay day);

// Identifiers of people and challenges: 1-64 characters of [A-Za-z0-9._:@/-].
absl::Status CheckId(absl::string_view value, absl::string_view path, bool required);
// Free text: at most 4000 bytes.
absl::Status CheckText(absl::string_view value, absl::string_view path, bool required);
// A code in its list: `is_valid` decides, `list` and `what` name the list in the error.
absl::Status CheckCode(absl::string_view value, absl::string_view path,
                       bool (*is_valid)(absl::string_view), absl::string_view list,
                       absl::string_view what);
// A date field: required or optional, a real date, not before 1900 and (unless allowed) not
// after `today`.
absl::StatusOr<std::optional<absl::CivilDay>> CheckDate(absl::string_view value,
                                                        absl::string_view path, bool required,
                                                        absl::CivilDay today,
                                                        bool future_allowed = false);
// FAILED_PRECONDITION unless a period of care of the child covers `day`.
absl::Status RequireLookedAfter(const ChildRecord& record, absl::CivilDay day,
                                absl::string_view path);

// The signatures every family shares: `path` names the event's body ("events[2].review_held"),
// `field` the event ("events[2]"), `on` its occurred_on (already checked).
struct CareRules {
  static absl::Status CheckFields(const v1::ChildEvent& e, absl::string_view path,
                                  const ValidationContext& ctx);
  static absl::Status CheckState(const ChildRecord& record, v1::ChildEvent* e, absl::CivilDay on,
                                 absl::string_view path, absl::string_view field,
                                 const ValidationContext& ctx);
  static void Apply(const v1::ChildEvent& e, absl::CivilDay on, ChildRecord* record);
};

struct PlacementRules {
  static absl::Status CheckFields(const v1::ChildEvent& e, absl::string_view path,
                                  const ValidationContext& ctx);
  static absl::Status CheckState(const ChildRecord& record, v1::ChildEvent* e, absl::CivilDay on,
                                 absl::string_view path, absl::string_view field,
                                 const ValidationContext& ctx);
  static void Apply(const v1::ChildEvent& e, absl::CivilDay on, ChildRecord* record);
  // The fields of a placement (type, provider, distance, registration, postcodes), wherever one
  // is recorded (a placement change, or the placement a period of care starts in).
  static absl::Status CheckPlacement(const v1::Placement& p, absl::string_view path);
};

struct ReviewRules {
  static absl::Status CheckFields(const v1::ChildEvent& e, absl::string_view path,
                                  const ValidationContext& ctx);
  static absl::Status CheckState(const ChildRecord& record, v1::ChildEvent* e, absl::CivilDay on,
                                 absl::string_view path, absl::string_view field,
                                 const ValidationContext& ctx);
  static void Apply(const v1::ChildEvent& e, absl::CivilDay on, ChildRecord* record);
};

struct ChallengeRules {
  static absl::Status CheckFields(const v1::ChildEvent& e, absl::string_view path,
                                  const ValidationContext& ctx);
  static absl::Status CheckState(const ChildRecord& record, v1::ChildEvent* e, absl::CivilDay on,
                                 absl::string_view path, absl::string_view field,
                                 const ValidationContext& ctx);
  // A CAFCASS referral made outside any challenge: a fact of the child, applied by date.
  static void ApplyFact(const v1::ChildEvent& e, absl::CivilDay on, ChildRecord* record);
  // A challenge event (or a referral within a challenge): a command, applied in stream order.
  static void ApplyCommand(const ChildRecord::Entry& entry, ChildRecord* record);
};

struct CorrectionRules {
  static absl::Status CheckFields(const v1::ChildEvent& e, absl::string_view path,
                                  const ValidationContext& ctx);
  static absl::Status CheckState(const ChildRecord& record, v1::ChildEvent* e, absl::CivilDay on,
                                 absl::string_view path, absl::string_view field,
                                 const ValidationContext& ctx);
};

}  // namespace footprint::domain::internal

#endif  // FOOTPRINT_DOMAIN_SRC_EVENT_RULES_H_
