// The review family's rules (domain/src/review_rules.cc) and the review timetable
// (domain/review_schedule.h), on records built in memory.
#include "absl/status/status.h"
#include "catch2/catch.hpp"
#include "domain/codes.h"
#include "domain/review_schedule.h"
#include "scenario.h"

namespace footprint::domain::testing {
namespace {

using Catch::Matchers::Contains;

TEST_CASE("a review held before the period of care starts is refused naming the field",
          "[domain][review]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  const absl::Status st = s.Record(ReviewHeld("2026-01-02"));
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(st.message()) ==
        "events[0].review_held: child C1 is not looked after on 2026-01-02 (no period of care "
        "covers that date)");
  CHECK(s.record().reviews().empty());
}

TEST_CASE("PN0 is the code under 4 and only under 4: the rule the intake and import share",
          "[domain][review]") {
  using codes::CheckParticipationForAge;
  using codes::ParticipationForAge;
  CHECK(CheckParticipationForAge("PN0", 0) == ParticipationForAge::kFits);
  CHECK(CheckParticipationForAge("PN0", 3) == ParticipationForAge::kFits);
  CHECK(CheckParticipationForAge("PN0", 4) == ParticipationForAge::kPn0AtFourOrOver);
  CHECK(CheckParticipationForAge("PN1", 3) == ParticipationForAge::kUnderFourNotPn0);
  CHECK(CheckParticipationForAge("PN7", 4) == ParticipationForAge::kFits);
  CHECK(CheckParticipationForAge("PN7", 17) == ParticipationForAge::kFits);
}

TEST_CASE("the participation code follows the child's age on the day", "[domain][review]") {
  // Born 1 March 2015: 10 in January 2026. Born 1 March 2023: 2.
  Scenario older;
  REQUIRE(older.Record(CareStarted("2026-01-05", "C1", "U1", "2015-03-01")).ok());
  const absl::Status pn0 = older.Record(ReviewHeld("2026-01-20", "PN0"));
  CHECK(pn0.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(pn0.message()) ==
        "events[0].review_held.participation: PN0 is for children under 4; the child is 10 on "
        "2026-01-20");
  Scenario younger("C2");
  REQUIRE(younger.Record(CareStarted("2026-01-05", "C1", "U1", "2023-03-01")).ok());
  const absl::Status pn1 = younger.Record(ReviewHeld("2026-01-20", "PN1"));
  CHECK(pn1.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(pn1.message()), Contains("the child is under 4 on 2026-01-20"));
  CHECK(younger.Record(ReviewHeld("2026-01-20", "PN0")).ok());
}

TEST_CASE("one review a day, and its paperwork follows it", "[domain][review]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  REQUIRE(s.Record(ReviewHeld("2026-01-20")).ok());
  const absl::Status twice = s.Record(ReviewHeld("2026-01-20"));
  CHECK(twice.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(twice.message()), Contains("a review is already recorded on 2026-01-20"));

  v1::ChildEvent recommendations = Event("2026-01-19");
  recommendations.mutable_recommendations_issued()->set_review_date("2026-01-20");
  const absl::Status early = s.Record(recommendations);
  CHECK(early.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(early.message()) ==
        "events[0].occurred_on: 2026-01-19 is before the review (2026-01-20)");
  recommendations.mutable_recommendations_issued()->set_review_date("2026-01-21");
  recommendations.set_occurred_on("2026-01-22");
  const absl::Status no_review = s.Record(recommendations);
  CHECK(no_review.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(no_review.message()), Contains("no review held on 2026-01-21"));
  recommendations.mutable_recommendations_issued()->set_review_date("2026-01-20");
  REQUIRE(s.Record(recommendations).ok());
  REQUIRE(s.record().recommendations().size() == 1);
  CHECK(s.record().recommendations()[0].review_date == absl::CivilDay(2026, 1, 20));
  CHECK(s.record().recommendations()[0].on == absl::CivilDay(2026, 1, 22));
}

TEST_CASE("the first review is due 20 working days after the period starts, bank holidays skipped",
          "[domain][review]") {
  // Care from Mon 15 Dec 2025. Counting working days from the day after: 16-19 Dec (4),
  // 22-24 Dec (7); 25 and 26 Dec are bank holidays; 29-31 Dec (10); 1 Jan is a bank holiday;
  // 2 Jan (11); 5-9 Jan (16); 12-15 Jan (20). Without the three bank holidays it would be 12 Jan.
  Scenario s;
  REQUIRE(s.Record(CareStarted("2025-12-15")).ok());
  auto due = NextReviewDue(s.record(), absl::CivilDay(2025, 12, 15), ReviewSettings{},
                           WorkingCalendar::EnglandAndWales());
  REQUIRE(due.ok());
  REQUIRE(due->has_value());
  CHECK((*due)->due_on == absl::CivilDay(2026, 1, 15));
  CHECK((*due)->number == 1);
  CHECK((*due)->exact);
  // Held on the due date: in time; the next working day: late.
  CHECK((*due)->Judge(absl::CivilDay(2026, 1, 15)) == ReviewDue::Timeliness::kInTime);
  CHECK((*due)->Judge(absl::CivilDay(2026, 1, 16)) == ReviewDue::Timeliness::kLate);
  // Once held, the 2nd is due 3 months after the 1st.
  REQUIRE(s.Record(ReviewHeld("2026-01-14")).ok());
  auto second = NextReviewDue(s.record(), absl::CivilDay(2026, 1, 14), ReviewSettings{},
                              WorkingCalendar::EnglandAndWales());
  REQUIRE(second.ok());
  REQUIRE(second->has_value());
  CHECK((*second)->number == 2);
  CHECK((*second)->due_on == absl::CivilDay(2026, 4, 14));
}

}  // namespace
}  // namespace footprint::domain::testing
