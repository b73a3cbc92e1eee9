// The care family's rules (domain/src/care_rules.cc), on records built in memory.
#include "absl/status/status.h"
#include "catch2/catch.hpp"
#include "scenario.h"

namespace footprint::domain::testing {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("a period of care cannot start while one is open", "[domain][care]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  const absl::Status st = s.Record(CareStarted("2026-02-02"));
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(st.message()) ==
        "events[0].period_of_care_started: child C1 is already looked after on 2026-02-02 "
        "(period of care from 2026-01-05)");
  CHECK(s.record().periods().size() == 1);
}

TEST_CASE("care cannot end twice and ends only inside a period", "[domain][care]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  REQUIRE(s.Record(CareEnded("2026-03-02")).ok());
  const absl::Status twice = s.Record(CareEnded("2026-03-10"));
  CHECK(twice.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(twice.message()), Contains("care has already ended (on 2026-03-02)"));
  const absl::Status before = s.Record(CareEnded("2026-01-02"));
  CHECK(before.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(before.message()) ==
        "events[0].occurred_on: 2026-01-02 is before the period of care started");
  REQUIRE(s.record().periods().size() == 1);
  CHECK(s.record().periods()[0].end == absl::CivilDay(2026, 3, 2));
  CHECK(s.record().periods()[0].end_reason == "E11");
}

TEST_CASE("a legal status not in the LS list is refused naming the field", "[domain][care]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  const absl::Status st = s.Record(LegalStatusChanged("2026-02-02", "X9"));
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(st.message()),
             StartsWith("events[0].legal_status_changed.legal_status: 'X9' is not a legal "
                        "status (LS)"));
}

TEST_CASE("section 20 (V2) cannot start in a placement with parents (P1)", "[domain][care]") {
  Scenario s;
  const absl::Status st = s.Record(CareStarted("2026-01-05", "V2", "P1"));
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(st.message()), StartsWith("events[0].period_of_care_started: legal "
                                                   "status V2"));
  CHECK(s.record().periods().empty());
}

TEST_CASE("only a child aged 16 or 17 may consent alone to section 20", "[domain][care]") {
  // Born 1 Feb 2010: 15 on 6 Jan 2026, 16 from 1 Feb 2026.
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "V2", "U1", "2010-02-01")).ok());
  v1::ChildEvent consent = Event("2026-01-06");
  consent.mutable_section20_consent_recorded()->set_consented_by(
      v1::Section20ConsentRecorded::CHILD_AGED_16_OR_17);
  const absl::Status at15 = s.Record(consent);
  CHECK(at15.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(at15.message()) ==
        "events[0].section20_consent_recorded.consented_by: the child is 15 on 2026-01-06; only "
        "a child aged 16 or 17 may consent alone");
  consent.set_occurred_on("2026-02-01");
  CHECK(s.Record(consent).ok());
  REQUIRE(s.record().consents().size() == 1);
  CHECK(s.record().consents()[0].on == absl::CivilDay(2026, 2, 1));
}

TEST_CASE("section 20 consent needs a section 20 legal status on the day", "[domain][care]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "C1")).ok());
  v1::ChildEvent withdrawn = Event("2026-01-06");
  withdrawn.mutable_section20_consent_withdrawn();
  const absl::Status st = s.Record(withdrawn);
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(st.message()), Contains("the legal status on 2026-01-06 is C1"));
}

TEST_CASE("a legal status recorded late lands on its own date", "[domain][care]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "C1")).ok());
  REQUIRE(s.Record(LegalStatusChanged("2026-03-02", "C2")).ok());
  // Recorded after the March change, but it happened in February.
  REQUIRE(s.Record(LegalStatusChanged("2026-02-02", "L1")).ok());
  CHECK(s.record().LegalStatusOn(absl::CivilDay(2026, 2, 1)) == "C1");
  CHECK(s.record().LegalStatusOn(absl::CivilDay(2026, 2, 2)) == "L1");
  CHECK(s.record().LegalStatusOn(absl::CivilDay(2026, 3, 2)) == "C2");
  CHECK(s.record().LegalStatusOn(absl::CivilDay(2026, 1, 4)).empty());
  // The same status again on a day it already holds is refused.
  const absl::Status same = s.Record(LegalStatusChanged("2026-03-05", "C2"));
  CHECK(same.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(same.message()), Contains("the legal status is already C2 on 2026-03-05"));
}

v1::ChildEvent PloStarted(absl::string_view on) {
  v1::ChildEvent e = Event(on);
  e.mutable_plo_started();
  return e;
}

v1::ChildEvent PloEnded(absl::string_view on, v1::PloEnded::Outcome outcome) {
  v1::ChildEvent e = Event(on);
  e.mutable_plo_ended()->set_outcome(outcome);
  return e;
}

v1::ChildEvent Issued(absl::string_view on) {
  v1::ChildEvent e = Event(on);
  e.mutable_proceedings_issued()->set_court("Family Court");
  return e;
}

v1::ChildEvent Concluded(absl::string_view on, v1::ProceedingsConcluded::Outcome outcome) {
  v1::ChildEvent e = Event(on);
  e.mutable_proceedings_concluded()->set_outcome(outcome);
  return e;
}

TEST_CASE("a PLO ends only while one runs, with an outcome", "[domain][care][plo]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "V2")).ok());
  const absl::Status none = s.Record(PloEnded("2026-02-02", v1::PloEnded::STEPPED_DOWN));
  CHECK(none.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(none.message()) ==
        "events[0].plo_ended: no PLO has started on or before 2026-02-02");
  REQUIRE(s.Record(PloStarted("2026-02-02")).ok());
  const absl::Status no_outcome =
      s.Record(PloEnded("2026-03-02", v1::PloEnded::OUTCOME_UNSPECIFIED));
  CHECK(no_outcome.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(no_outcome.message()),
             StartsWith("events[0].plo_ended.outcome: required (STEPPED_DOWN, "));
  // Before it started: none had.
  CHECK(s.Record(PloEnded("2026-01-30", v1::PloEnded::STEPPED_DOWN)).code() ==
        absl::StatusCode::kFailedPrecondition);
  REQUIRE(s.Record(PloEnded("2026-05-11", v1::PloEnded::STEPPED_DOWN)).ok());
  const absl::Status twice = s.Record(PloEnded("2026-05-12", v1::PloEnded::MONITORING_ENDED));
  CHECK(twice.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(twice.message()) ==
        "events[0].plo_ended: the PLO started on 2026-02-02 already ended on 2026-05-11");
  REQUIRE(s.record().plo_processes().size() == 1);
  const LegalProcess& plo = s.record().plo_processes()[0];
  CHECK(plo.start == absl::CivilDay(2026, 2, 2));
  CHECK(plo.end == absl::CivilDay(2026, 5, 11));
  CHECK(plo.outcome == "STEPPED_DOWN");
  // A new PLO may start after; one started while it ran continued it.
  REQUIRE(s.Record(PloStarted("2026-05-18")).ok());
  REQUIRE(s.Record(PloStarted("2026-05-25")).ok());
  CHECK(s.record().plo_processes().size() == 2);
  CHECK(s.record().plo_starts().size() == 3);
}

TEST_CASE("care proceedings conclude once, with the order made", "[domain][care][plo]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "C1")).ok());
  REQUIRE(s.Record(Issued("2026-01-05")).ok());
  const absl::Status no_outcome =
      s.Record(Concluded("2026-05-04", v1::ProceedingsConcluded::OUTCOME_UNSPECIFIED));
  CHECK(no_outcome.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(no_outcome.message()),
             StartsWith("events[0].proceedings_concluded.outcome: required (CARE_ORDER, "));
  REQUIRE(s.Record(Concluded("2026-05-04", v1::ProceedingsConcluded::CARE_ORDER)).ok());
  const absl::Status twice = s.Record(Concluded("2026-05-05", v1::ProceedingsConcluded::NO_ORDER));
  CHECK(twice.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(twice.message()) ==
        "events[0].proceedings_concluded: the care proceedings started on 2026-01-05 already "
        "ended on 2026-05-04");
  REQUIRE(s.record().court_processes().size() == 1);
  CHECK(s.record().court_processes()[0].outcome == "CARE_ORDER");
  // Outside care, no conclusion (the record must hold together).
  REQUIRE(s.Record(CareEnded("2026-05-29", "E4A")).ok());
  REQUIRE(s.Record(Issued("2026-05-20")).ok());
  CHECK(s.Record(Concluded("2026-06-01", v1::ProceedingsConcluded::NO_ORDER)).code() ==
        absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace footprint::domain::testing
