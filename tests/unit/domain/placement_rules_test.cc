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

}  // namespace
}  // namespace footprint::domain::testing
