// Scenarios for the domain's unit tests: a child's record built as the intake builds it (each
// event checked against the record so far with CompleteAndValidate, then added), without a store.
#ifndef FOOTPRINT_TESTS_UNIT_DOMAIN_SCENARIO_H_
#define FOOTPRINT_TESTS_UNIT_DOMAIN_SCENARIO_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "domain/child_record.h"
#include "domain/escalation_policy.h"
#include "domain/working_calendar.h"
#include "footprint/v1/domain.pb.h"

namespace footprint::domain::testing {

class Scenario {
 public:
  explicit Scenario(std::string child_id = "C1", absl::CivilDay today = absl::CivilDay(2026, 6, 1))
      : record_(std::move(child_id)), today_(today) {}

  // Checks `event` as the intake would (field "events[0]") and, when accepted, adds it to the
  // record. Returns the check's status.
  absl::Status Record(v1::ChildEvent event, bool system = false) {
    ValidationContext context{today_, &policy_, &WorkingCalendar::EnglandAndWales(), system};
    absl::Status status = CompleteAndValidate(record_, &event, "events[0]", context);
    if (status.ok()) {
      last_accepted_ = event;
      record_.Add(absl::StrCat("00000000-0000-4000-8000-", absl::Dec(++added_, absl::kZeroPad12)),
                  event);
    }
    return status;
  }
  // The last event accepted, as completed by the rules (stage names, deadlines filled in).
  const v1::ChildEvent& last_accepted() const { return last_accepted_; }
  const ChildRecord& record() const { return record_; }

 private:
  EscalationPolicy policy_ = EscalationPolicy::Default();
  ChildRecord record_;
  absl::CivilDay today_;
  v1::ChildEvent last_accepted_;
  int added_ = 0;
};

inline v1::ChildEvent Event(absl::string_view on) {
  v1::ChildEvent e;
  e.set_occurred_on(std::string(on));
  return e;
}

inline v1::ChildEvent CareStarted(absl::string_view on, absl::string_view legal_status = "C1",
                                  absl::string_view placement = "U1",
                                  absl::string_view date_of_birth = "2015-03-01") {
  v1::ChildEvent e = Event(on);
  auto* b = e.mutable_period_of_care_started();
  b->set_legal_status(std::string(legal_status));
  b->mutable_placement()->set_type(std::string(placement));
  if (placement[0] != 'T' && placement[0] != 'Z') {
    b->mutable_placement()->set_provider("PR1");
  }
  b->set_category_of_need("N1");
  b->set_date_of_birth(std::string(date_of_birth));
  return e;
}

inline v1::ChildEvent CareEnded(absl::string_view on, absl::string_view reason = "E11") {
  v1::ChildEvent e = Event(on);
  e.mutable_period_of_care_ended()->set_reason(std::string(reason));
  return e;
}

inline v1::ChildEvent LegalStatusChanged(absl::string_view on, absl::string_view status) {
  v1::ChildEvent e = Event(on);
  e.mutable_legal_status_changed()->set_legal_status(std::string(status));
  return e;
}

inline v1::ChildEvent PlacementChanged(absl::string_view on, absl::string_view type,
                                       absl::string_view provider = "PR1") {
  v1::ChildEvent e = Event(on);
  auto* b = e.mutable_placement_changed();
  b->mutable_placement()->set_type(std::string(type));
  b->mutable_placement()->set_provider(std::string(provider));
  b->set_reason_for_change("CARPL");
  b->set_carer_changed(true);
  return e;
}

inline v1::ChildEvent ReviewHeld(absl::string_view on, absl::string_view participation = "PN1") {
  v1::ChildEvent e = Event(on);
  e.mutable_review_held()->set_participation(std::string(participation));
  return e;
}

inline v1::ChildEvent ChallengeRaised(absl::string_view on, absl::string_view id) {
  v1::ChildEvent e = Event(on);
  auto* b = e.mutable_challenge_raised();
  b->set_challenge_id(std::string(id));
  b->set_iro_id("iro-7");
  b->set_theme("Drift and Delay");
  return e;
}

inline v1::ChildEvent ChallengeResponded(absl::string_view on, absl::string_view id) {
  v1::ChildEvent e = Event(on);
  e.mutable_challenge_responded()->set_challenge_id(std::string(id));
  e.mutable_challenge_responded()->set_responded_by("Team Manager");
  return e;
}

inline v1::ChildEvent ChallengeWithdrawn(absl::string_view on, absl::string_view id) {
  v1::ChildEvent e = Event(on);
  e.mutable_challenge_withdrawn()->set_challenge_id(std::string(id));
  return e;
}

}  // namespace footprint::domain::testing

#endif  // FOOTPRINT_TESTS_UNIT_DOMAIN_SCENARIO_H_
