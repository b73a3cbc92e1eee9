// The placement family's rules (domain/src/placement_rules.cc), on records built in memory.
#include "absl/status/status.h"
#include "catch2/catch.hpp"
#include "scenario.h"

namespace footprint::domain::testing {
namespace {

using Catch::Matchers::StartsWith;

TEST_CASE("a placement change before the period of care starts is refused", "[domain][placement]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  const absl::Status st = s.Record(PlacementChanged("2026-01-02", "U4"));
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(st.message()) ==
        "events[0].placement_changed: child C1 is not looked after on 2026-01-02 (no period of "
        "care covers that date)");
  CHECK(s.record().placements().size() == 1);
}

TEST_CASE("a placement with parents (P1) is refused while the legal status is V2",
          "[domain][placement]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "V2", "U1")).ok());
  const absl::Status st = s.Record(PlacementChanged("2026-02-02", "P1"));
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(st.message()),
             StartsWith("events[0].placement_changed.placement.type: P1 (placed with parents)"));
  // Under a care order it is allowed.
  REQUIRE(s.Record(LegalStatusChanged("2026-02-01", "C2")).ok());
  CHECK(s.Record(PlacementChanged("2026-02-02", "P1")).ok());
}

TEST_CASE("a temporary placement has no provider", "[domain][placement]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  const absl::Status st = s.Record(PlacementChanged("2026-02-02", "T1", "PR1"));
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(st.message()),
             StartsWith("events[0].placement_changed.placement.provider: must be empty for a T1 "
                        "placement"));
  const absl::Status missing = s.Record(PlacementChanged("2026-02-02", "U4", ""));
  CHECK(missing.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(missing.message()),
             StartsWith("events[0].placement_changed.placement.provider: required"));
}

TEST_CASE("the placement on a day is the latest one from on or before it", "[domain][placement]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "C1", "U1")).ok());
  REQUIRE(s.Record(PlacementChanged("2026-03-02", "U4")).ok());
  REQUIRE(s.Record(PlacementChanged("2026-02-02", "K2")).ok());  // recorded late
  REQUIRE(s.Record(CareEnded("2026-04-01")).ok());
  const auto type_on = [&](absl::CivilDay day) {
    const v1::Placement* p = s.record().PlacementOn(day);
    return p == nullptr ? std::string("none") : p->type();
  };
  CHECK(type_on(absl::CivilDay(2026, 1, 4)) == "none");
  CHECK(type_on(absl::CivilDay(2026, 2, 1)) == "U1");
  CHECK(type_on(absl::CivilDay(2026, 2, 2)) == "K2");
  CHECK(type_on(absl::CivilDay(2026, 3, 31)) == "U4");
  CHECK(type_on(absl::CivilDay(2026, 4, 2)) == "none");
  REQUIRE(s.record().placements().size() == 3);
  CHECK(s.record().placements()[0].starts_period);
  CHECK_FALSE(s.record().placements()[1].starts_period);
}

v1::ChildEvent Approved(absl::string_view on, absl::string_view placement_start,
                        absl::string_view by = "N. Officer") {
  v1::ChildEvent e = Event(on);
  e.mutable_placement_with_parents_approved()->set_placement_start(std::string(placement_start));
  e.mutable_placement_with_parents_approved()->set_approved_by(std::string(by));
  return e;
}

v1::ChildEvent Assessed(absl::string_view on, absl::string_view placement_start) {
  v1::ChildEvent e = Event(on);
  e.mutable_parent_assessment_completed()->set_placement_start(std::string(placement_start));
  return e;
}

v1::ChildEvent PlanRecorded(absl::string_view on, absl::string_view placement_start) {
  v1::ChildEvent e = Event(on);
  e.mutable_placement_plan_recorded()->set_placement_start(std::string(placement_start));
  return e;
}

TEST_CASE("an approval of a placement with parents names a P1 placement, once",
          "[domain][placement][pwp]") {
  Scenario s;  // today: 2026-06-01
  REQUIRE(s.Record(CareStarted("2026-01-05", "C2", "U1")).ok());
  // Before the move, the placement is still to come: any day, even after today.
  CHECK(s.Record(Approved("2026-05-20", "2026-06-08")).ok());
  CHECK(s.record().placement_approvals().size() == 1);
  CHECK(s.record().placement_approvals()[0].placement_start == absl::CivilDay(2026, 6, 8));
  CHECK(s.record().placement_approvals()[0].by == "N. Officer");

  // After it, the placement must be a P1 that starts that day.
  REQUIRE(s.Record(PlacementChanged("2026-02-02", "U4")).ok());
  const absl::Status not_p1 = s.Record(Approved("2026-02-10", "2026-02-02"));
  CHECK(not_p1.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(not_p1.message()) ==
        "events[0].placement_with_parents_approved.placement_start: no placement with parents "
        "(P1) of child C1 starts on 2026-02-02 (a placement with parents approval names its "
        "placement by the day it starts)");
  REQUIRE(s.Record(PlacementChanged("2026-03-02", "P1", "PR0")).ok());
  CHECK(s.Record(Approved("2026-03-04", "2026-03-02")).ok());  // placed before approval: a fact
  const absl::Status twice = s.Record(Approved("2026-03-05", "2026-03-02", "Someone Else"));
  CHECK(twice.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(twice.message()) ==
        "events[0].placement_with_parents_approved.placement_start: the placement starting on "
        "2026-03-02 already has a placement with parents approval (recorded for 2026-03-04); "
        "record a Correction to change it");
  CHECK(s.record().placement_approvals().size() == 2);
}

TEST_CASE("the placements-with-parents events' field rules name the field",
          "[domain][placement][pwp]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "C2", "P1")).ok());
  const absl::Status no_officer = s.Record(Approved("2026-01-05", "2026-01-05", ""));
  CHECK(no_officer.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(no_officer.message()) ==
        "events[0].placement_with_parents_approved.approved_by: required");
  const absl::Status bad_date = s.Record(Assessed("2026-01-05", "2026-02-30"));
  CHECK(bad_date.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(bad_date.message()),
             StartsWith("events[0].parent_assessment_completed.placement_start: "));
  const absl::Status missing = s.Record(PlanRecorded("2026-01-05", ""));
  CHECK(missing.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(missing.message()),
             StartsWith("events[0].placement_plan_recorded.placement_start: required"));
  CHECK(s.record().placement_plans().empty());
  CHECK(s.record().parent_assessments().empty());
}

TEST_CASE("an assessment is once per placement with parents and a plan is for any placement",
          "[domain][placement][pwp]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "C2", "U1")).ok());
  REQUIRE(s.Record(PlacementChanged("2026-02-02", "U4")).ok());
  // A plan names any placement; plans may be revised.
  CHECK(s.Record(PlanRecorded("2026-02-04", "2026-02-02")).ok());
  CHECK(s.Record(PlanRecorded("2026-03-04", "2026-02-02")).ok());
  CHECK(s.record().placement_plans().size() == 2);
  // An assessment of a parent is only for a placement with parents.
  const absl::Status not_p1 = s.Record(Assessed("2026-02-04", "2026-02-02"));
  CHECK(not_p1.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(not_p1.message()),
             StartsWith("events[0].parent_assessment_completed.placement_start: no placement with "
                        "parents (P1) of child C1 starts on 2026-02-02"));
  CHECK(s.Record(Assessed("2026-03-20", "2026-04-01")).ok());
  CHECK(s.Record(Assessed("2026-03-25", "2026-04-01")).code() ==
        absl::StatusCode::kFailedPrecondition);
  // Outside care, none of them.
  const absl::Status before = s.Record(PlanRecorded("2026-01-02", "2026-01-05"));
  CHECK(before.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(before.message()) ==
        "events[0].placement_plan_recorded: child C1 is not looked after on 2026-01-02 (no "
        "period of care covers that date)");
}

TEST_CASE("a record whose care ends before a placement plan in it does not hold together",
          "[domain][placement][pwp]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05", "C2", "U1")).ok());
  REQUIRE(s.Record(PlanRecorded("2026-03-02", "2026-03-09")).ok());
  CHECK(s.record().Consistency().ok());
  // The end's own rule looks only at the period; the request as a whole is refused by this
  // (ChildRecorder checks it after every request).
  REQUIRE(s.Record(CareEnded("2026-02-27")).ok());
  const absl::Status st = s.record().Consistency();
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(st.message()),
             Catch::Matchers::Contains("the placement plan on 2026-03-02 "
                                       "would fall outside any period "
                                       "of care"));
}

}  // namespace
}  // namespace footprint::domain::testing
