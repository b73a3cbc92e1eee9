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

v1::ChildEvent Visit(absl::string_view on, v1::IroVisit::Mode mode) {
  v1::ChildEvent e = Event(on);
  e.mutable_iro_visit()->set_iro_id("iro-1");
  e.mutable_iro_visit()->set_mode(mode);
  return e;
}

v1::ChildEvent Form(absl::string_view on, absl::string_view review_date, v1::PracticeGrade grade,
                    std::vector<std::string> themes = {}) {
  v1::ChildEvent e = Event(on);
  auto* b = e.mutable_quality_assurance_completed();
  b->set_review_date(std::string(review_date));
  b->set_grade(grade);
  for (std::string& theme : themes) b->add_themes(std::move(theme));
  return e;
}

v1::ChildEvent Audited(absl::string_view on) {
  v1::ChildEvent e = Event(on);
  e.mutable_case_file_audited()->set_auditor("Priya Shah");
  return e;
}

TEST_CASE("an IRO visit says how, and happens while the child is looked after",
          "[domain][review][footprint]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  const absl::Status no_mode = s.Record(Visit("2026-02-02", v1::IroVisit::MODE_UNSPECIFIED));
  CHECK(no_mode.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(no_mode.message()) ==
        "events[0].iro_visit.mode: required (FACE_TO_FACE or VIRTUAL)");
  const absl::Status before = s.Record(Visit("2026-01-02", v1::IroVisit::VIRTUAL));
  CHECK(before.code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE(s.Record(Visit("2026-02-02", v1::IroVisit::FACE_TO_FACE)).ok());
  REQUIRE(s.record().iro_visits().size() == 1);
  CHECK(s.record().iro_visits()[0].face_to_face);
}

TEST_CASE("a quality-and-compliance form is of a review held, once, with themes when inadequate",
          "[domain][review][footprint]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  REQUIRE(s.Record(ReviewHeld("2026-02-02")).ok());
  const absl::Status no_review = s.Record(Form("2026-02-05", "2026-02-03", v1::GOOD));
  CHECK(no_review.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(no_review.message()) ==
        "events[0].quality_assurance_completed.review_date: no review held on 2026-02-03 is "
        "recorded");
  const absl::Status no_themes = s.Record(Form("2026-02-05", "2026-02-02", v1::INADEQUATE));
  CHECK(no_themes.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(no_themes.message()) ==
        "events[0].quality_assurance_completed.themes: required for an INADEQUATE grading (the "
        "themes of the findings)");
  const absl::Status no_grade =
      s.Record(Form("2026-02-05", "2026-02-02", v1::PRACTICE_GRADE_UNSPECIFIED));
  CHECK(no_grade.code() == absl::StatusCode::kInvalidArgument);
  const absl::Status early = s.Record(Form("2026-02-01", "2026-02-02", v1::GOOD));
  CHECK(early.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(early.message()) ==
        "events[0].occurred_on: 2026-02-01 is before the review (2026-02-02)");
  REQUIRE(s.Record(Form("2026-02-05", "2026-02-02", v1::INADEQUATE, {"Drift and Delay"})).ok());
  const absl::Status twice = s.Record(Form("2026-02-06", "2026-02-02", v1::GOOD));
  CHECK(twice.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(twice.message()),
             Catch::Matchers::StartsWith(
                 "events[0].quality_assurance_completed.review_date: the review of 2026-02-02 "
                 "already has a quality-and-compliance form"));
  REQUIRE(s.record().quality_assurance().size() == 1);
  CHECK(s.record().quality_assurance()[0].themes == std::vector<std::string>{"Drift and Delay"});
}

TEST_CASE("a case-file audit may follow care, not precede it", "[domain][review][footprint]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  REQUIRE(s.Record(CareEnded("2026-03-02")).ok());
  const absl::Status before = s.Record(Audited("2026-01-02"));
  CHECK(before.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(before.message()) ==
        "events[0].case_file_audited: child C1 has not been looked after by 2026-01-02");
  CHECK(s.Record(Audited("2026-04-01")).ok());
  CHECK(s.record().case_file_audits().size() == 1);
  CHECK(s.record().Consistency().ok());
}

}  // namespace
}  // namespace footprint::domain::testing
