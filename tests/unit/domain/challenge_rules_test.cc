// The challenge family's rules (domain/src/challenge_rules.cc), on records built in memory.
#include "absl/status/status.h"
#include "catch2/catch.hpp"
#include "scenario.h"

namespace footprint::domain::testing {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("raising a challenge fills in its stage and response deadline", "[domain][challenge]") {
  // Raised informally on Wed 24 Dec 2025 (day 0): the 5 working days are 29, 30, 31 Dec,
  // 2 Jan and 5 Jan (25 and 26 Dec and 1 Jan are bank holidays).
  Scenario s;
  REQUIRE(s.Record(CareStarted("2025-12-01")).ok());
  REQUIRE(s.Record(ChallengeRaised("2025-12-24", "C1:1")).ok());
  const v1::ChallengeRaised& raised = s.last_accepted().challenge_raised();
  CHECK(raised.stage().number() == 0);
  CHECK(raised.stage().name() == "Informal");
  CHECK(raised.response_due_on() == "2026-01-05");
  const ChallengeState* c = s.record().FindChallenge("C1:1");
  REQUIRE(c != nullptr);
  CHECK(c->open());
  CHECK(c->response_due_on == absl::CivilDay(2026, 1, 5));
}

TEST_CASE("a challenge id names its child", "[domain][challenge]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2025-12-01")).ok());
  const absl::Status st = s.Record(ChallengeRaised("2025-12-24", "C2:1"));
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(st.message()) ==
        "events[0].challenge_raised.challenge_id: 'C2:1' must be 'C1:' followed by the "
        "challenge's number or name");
}

TEST_CASE("a response to a closed challenge is refused", "[domain][challenge]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  REQUIRE(s.Record(ChallengeRaised("2026-02-02", "C1:1")).ok());
  REQUIRE(s.Record(ChallengeWithdrawn("2026-02-03", "C1:1")).ok());
  const absl::Status st = s.Record(ChallengeResponded("2026-02-04", "C1:1"));
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(st.message()) ==
        "events[0].challenge_responded.challenge_id: challenge C1:1 is closed (withdrawn on "
        "2026-02-03)");
  const ChallengeState* c = s.record().FindChallenge("C1:1");
  REQUIRE(c != nullptr);
  CHECK(c->status == ChallengeState::Status::kWithdrawn);
  CHECK(c->steps.size() == 2);
}

TEST_CASE("a response before the challenge reached its stage is refused", "[domain][challenge]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  REQUIRE(s.Record(ChallengeRaised("2026-02-02", "C1:1")).ok());
  const absl::Status st = s.Record(ChallengeResponded("2026-01-30", "C1:1"));
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(st.message()),
             StartsWith("events[0].occurred_on: 2026-01-30 is before challenge C1:1 reached "
                        "Informal (2026-02-02)"));
}

TEST_CASE("an answer after the due date is late by its working days", "[domain][challenge]") {
  // Due Mon 5 Jan 2026; answered Tue 6 Jan: 1 working day late. On the due date: in time.
  Scenario late;
  REQUIRE(late.Record(CareStarted("2025-12-01")).ok());
  REQUIRE(late.Record(ChallengeRaised("2025-12-24", "C1:1")).ok());
  REQUIRE(late.Record(ChallengeResponded("2026-01-06", "C1:1")).ok());
  const ChallengeState* c = late.record().FindChallenge("C1:1");
  REQUIRE(c != nullptr);
  CHECK(c->status == ChallengeState::Status::kResponded);
  REQUIRE(c->steps.size() == 2);
  CHECK(c->steps[1].kind == "responded");
  CHECK(c->steps[1].answered_due_on == absl::CivilDay(2026, 1, 5));
  CHECK(c->steps[1].late);
  CHECK(c->steps[1].working_days_late == 1);

  Scenario in_time;
  REQUIRE(in_time.Record(CareStarted("2025-12-01")).ok());
  REQUIRE(in_time.Record(ChallengeRaised("2025-12-24", "C1:1")).ok());
  REQUIRE(in_time.Record(ChallengeResponded("2026-01-05", "C1:1")).ok());
  CHECK_FALSE(in_time.record().FindChallenge("C1:1")->steps[1].late);

  // Answered on Sat 10 Jan after a Fri 9 Jan deadline: no working day has passed, in time.
  const Lateness weekend = AnswerLateness(absl::CivilDay(2026, 1, 9), absl::CivilDay(2026, 1, 10),
                                          WorkingCalendar::EnglandAndWales());
  CHECK_FALSE(weekend.late);
  const Lateness monday = AnswerLateness(absl::CivilDay(2026, 1, 9), absl::CivilDay(2026, 1, 12),
                                         WorkingCalendar::EnglandAndWales());
  CHECK(monday.late);
  CHECK(monday.working_days_late == 1);
}

TEST_CASE("escalation goes one stage up and starts a new deadline", "[domain][challenge]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  REQUIRE(s.Record(ChallengeRaised("2026-02-02", "C1:1")).ok());
  v1::ChildEvent escalate = Event("2026-02-09");
  escalate.mutable_challenge_escalated()->set_challenge_id("C1:1");
  REQUIRE(s.Record(escalate).ok());
  const v1::ChallengeEscalated& done = s.last_accepted().challenge_escalated();
  CHECK(done.from_stage().number() == 0);
  CHECK(done.to_stage().number() == 1);
  CHECK(done.reason() == v1::ChallengeEscalated::IRO_DECISION);
  // Mon 9 Feb + 5 working days: Mon 16 Feb.
  CHECK(done.response_due_on() == "2026-02-16");
  CHECK(s.record().FindChallenge("C1:1")->stage == 1);

  // Only Footprint itself escalates for silence.
  v1::ChildEvent silent = Event("2026-02-17");
  silent.mutable_challenge_escalated()->set_challenge_id("C1:1");
  silent.mutable_challenge_escalated()->set_reason(v1::ChallengeEscalated::NO_RESPONSE);
  const absl::Status refused = s.Record(silent);
  CHECK(refused.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(refused.message()),
             StartsWith("events[0].challenge_escalated.reason: NO_RESPONSE"));
  CHECK(s.Record(silent, /*system=*/true).ok());
  CHECK(s.record().FindChallenge("C1:1")->stage == 2);
}

TEST_CASE("a missed deadline is recorded by Footprint only, once, while awaited",
          "[domain][challenge]") {
  Scenario s;
  REQUIRE(s.Record(CareStarted("2026-01-05")).ok());
  REQUIRE(s.Record(ChallengeRaised("2026-02-02", "C1:1")).ok());
  v1::ChildEvent missed = Event("2026-02-10");
  auto* b = missed.mutable_deadline_missed();
  b->set_what("challenge_response");
  b->set_challenge_id("C1:1");
  b->set_due_on("2026-02-09");
  b->mutable_stage()->set_number(0);
  b->mutable_stage()->set_name("Informal");
  const absl::Status by_council = s.Record(missed);
  CHECK(by_council.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(by_council.message()), Contains("appended by Footprint itself"));
  REQUIRE(s.Record(missed, /*system=*/true).ok());
  CHECK(s.record().FindChallenge("C1:1")->overdue);
  const absl::Status again = s.Record(missed, /*system=*/true);
  CHECK(again.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(again.message()),
             Contains("challenge C1:1 is not awaiting a response at stage 0"));
}

}  // namespace
}  // namespace footprint::domain::testing
