// The escalation workflow on a real store with a manual clock: challenge deadlines counted on
// England & Wales working days, escalation on silence, and deadlines that fire exactly once.
// Every expected date below was counted by hand on the calendar (day 0 is the day a stage is
// entered; a deadline is missed when the first working day after it begins, 00:00 in England).
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "domain/child_record.h"
#include "domain/england_time.h"
#include "eventstore/event_store.h"
#include "eventstore/testing/manual_clock.h"
#include "footprint/v1/challenges.grpc.pb.h"
#include "projections/child_stream.h"
#include "services/child_recorder.h"
#include "services/deadline_runner.h"
#include "services/server.h"
#include "temp_dir.h"
#include "workflow/deadlines.h"

namespace footprint::services {
namespace {

namespace pj = footprint::projections;
using footprint::testing::ManualClock;
using footprint::testing::TempDir;

absl::Time Utc(int y, int m, int d, int hh = 12, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

absl::CivilDay Day(int y, int m, int d) { return absl::CivilDay(y, m, d); }

// A store, the default policy (informal and stages 1-4, 5 working days each, escalation on
// silence), the built-in calendar, the recorder and a deadline engine, all on one manual clock.
struct Workflow {
  TempDir dir;
  ManualClock clock{Utc(2026, 1, 5, 9)};
  domain::EscalationPolicy policy = domain::EscalationPolicy::Default();
  const domain::WorkingCalendar& calendar = domain::WorkingCalendar::EnglandAndWales();
  std::unique_ptr<eventstore::EventStore> store;
  std::unique_ptr<ChildRecorder> recorder;
  std::unique_ptr<workflow::ChallengeDeadlines> source;
  std::unique_ptr<workflow::DeadlineEngine> engine;

  explicit Workflow(bool auto_escalate = true) {
    policy.auto_escalate_on_silence = auto_escalate;
    eventstore::StoreOptions options;
    options.data_dir = dir.Sub("data");
    options.clock = &clock;
    auto opened = eventstore::EventStore::Open(options);
    REQUIRE(opened.ok());
    store = std::move(*opened);
    recorder = std::make_unique<ChildRecorder>(store.get(), &clock, &policy, &calendar);
    NewEngine();
    // The child is looked after from 5 January 2026.
    v1::ChildEvent start;
    start.set_occurred_on("2026-01-05");
    auto* b = start.mutable_period_of_care_started();
    b->set_legal_status("C2");
    b->mutable_placement()->set_type("U1");
    b->mutable_placement()->set_provider("PR1");
    b->set_category_of_need("N1");
    b->set_date_of_birth("2012-03-04");
    REQUIRE(Record("C1", start).ok());
  }

  // A fresh engine, as after a restart: it learns everything from the log.
  void NewEngine() {
    source = std::make_unique<workflow::ChallengeDeadlines>(store.get(), &policy, &calendar);
    engine = std::make_unique<workflow::DeadlineEngine>(store.get(), &clock);
    engine->AddSource(source.get());
  }

  absl::Status Record(const std::string& child, v1::ChildEvent event) {
    auto outcome = recorder->Record(
        child,
        [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
          return std::vector<Submission>{Submission{"", event}};
        },
        Recorder{"test", "iro-7", "", ""});
    return outcome.status();
  }

  // Raises challenge "C1:<n>" at `stage` on `date` (the clock moves to that day first).
  std::string Raise(const std::string& date, int stage, int number = 1) {
    SetToday(date);
    v1::ChildEvent e;
    e.set_occurred_on(date);
    auto* b = e.mutable_challenge_raised();
    const std::string id = "C1:" + std::to_string(number);
    b->set_challenge_id(id);
    b->set_iro_id("iro-7");
    b->set_theme("Drift and Delay");
    b->mutable_stage()->set_number(static_cast<uint32_t>(stage));
    REQUIRE(Record("C1", e).ok());
    return id;
  }

  // Noon UTC on `date` (the same day in England).
  void SetToday(const std::string& date) {
    const absl::CivilDay day = *domain::ParseIsoDate(date, "date");
    clock.Set(absl::FromCivil(absl::CivilSecond(day) + 12 * 3600, absl::UTCTimeZone()));
  }

  domain::ChallengeState Challenge(const std::string& id) {
    auto record = pj::LoadChildRecord(*store, "C1");
    REQUIRE(record.ok());
    const domain::ChallengeState* c = record->FindChallenge(id);
    REQUIRE(c != nullptr);
    return *c;
  }

  int Fire() {
    auto fired = engine->FireDue();
    REQUIRE(fired.ok());
    return *fired;
  }

  // The child's stream as (type, occurred_on) pairs from the first challenge event on.
  std::vector<std::pair<std::string, std::string>> ChallengeLog() {
    auto record = pj::LoadChildRecord(*store, "C1");
    REQUIRE(record.ok());
    std::vector<std::pair<std::string, std::string>> out;
    eventstore::ChunkLimits limits;
    limits.max_events = 100000;
    auto events = store->ReadAllEvents(eventstore::GlobalPosition{0}, {}, limits);
    REQUIRE(events.ok());
    for (const auto& e : *events) {
      if (!domain::IsChallengeEventType(e.type()) && e.type() != "CafcassReferralMade") continue;
      v1::ChildEvent body;
      REQUIRE(body.ParseFromString(e.data()));
      out.emplace_back(e.type(), body.occurred_on());
    }
    return out;
  }
};

using Log = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("events that are not domain events set no deadline and do not stop the engine",
          "[workflow]") {
  Workflow w;
  const std::string id = w.Raise("2026-04-02", 1);
  // What older versions let any poster append: a JSON ChallengeRaised in the child's stream,
  // and one of that type name in another stream. Neither is a domain event.
  for (const std::string stream : {"child-C1", "notes-C1"}) {
    eventstore::AppendRequest raw;
    raw.stream = stream;
    eventstore::NewEvent& e = raw.events.emplace_back();
    e.type = "ChallengeRaised";
    e.data = R"({"challenge_id":"C1:9","response_due_on":"2026-04-03"})";
    REQUIRE(w.store->Append(std::move(raw)).ok());
  }
  w.NewEngine();
  REQUIRE(w.engine->CatchUp().ok());
  const auto pending = w.engine->Pending();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].due_on == Day(2026, 4, 13));
  CHECK(absl::StrContains(pending[0].description, id));
}

TEST_CASE("a stage-1 challenge raised on the Thursday before Easter is due after the holidays",
          "[workflow]") {
  Workflow w;
  const std::string id = w.Raise("2026-04-02", 1);
  // Day 0 Thu 2 Apr; Fri 3 (Good Friday), Sat, Sun, Mon 6 (Easter Monday) do not count:
  // Tue 7 = 1, Wed 8 = 2, Thu 9 = 3, Fri 10 = 4, Mon 13 = 5.
  CHECK(w.Challenge(id).response_due_on == Day(2026, 4, 13));
  CHECK(w.Challenge(id).stage_name == "Stage 1");

  // Missed when Tue 14 April begins in England: 00:00 BST = 23:00 UTC on the 13th.
  w.clock.Set(Utc(2026, 4, 13, 22, 59));
  CHECK(w.Fire() == 0);
  REQUIRE(w.engine->NextDue().has_value());
  CHECK(*w.engine->NextDue() == Utc(2026, 4, 13, 23, 0));
  w.clock.Set(Utc(2026, 4, 13, 23, 0));
  CHECK(w.Fire() == 1);
  const domain::ChallengeState c = w.Challenge(id);
  CHECK(c.stage == 2);
  CHECK(c.stage_name == "Stage 2");
  CHECK(c.stage_entered_on == Day(2026, 4, 14));
  // Day 0 Tue 14: Wed 15, Thu 16, Fri 17, Mon 20, Tue 21.
  CHECK(c.response_due_on == Day(2026, 4, 21));
  CHECK(w.ChallengeLog() == Log{{"ChallengeRaised", "2026-04-02"},
                                {"DeadlineMissed", "2026-04-14"},
                                {"ChallengeEscalated", "2026-04-14"}});
  CHECK(w.Fire() == 0);  // nothing else is due yet
}

TEST_CASE("a stage deadline runs across Christmas and New Year", "[workflow]") {
  Workflow w;
  const std::string id = w.Raise("2026-12-23", 1);
  // Day 0 Wed 23 Dec: Thu 24 = 1; Fri 25 Christmas, Sat, Sun, Mon 28 (Boxing Day, substitute)
  // do not count; Tue 29 = 2, Wed 30 = 3, Thu 31 = 4; Fri 1 Jan 2027 New Year's Day, Sat, Sun;
  // Mon 4 Jan = 5.
  CHECK(w.Challenge(id).response_due_on == Day(2027, 1, 4));
  w.clock.Set(Utc(2027, 1, 4, 23, 59));  // still Monday 4 January in England (GMT)
  CHECK(w.Fire() == 0);
  w.clock.Set(Utc(2027, 1, 5, 0, 0));
  CHECK(w.Fire() == 1);
  const domain::ChallengeState c = w.Challenge(id);
  CHECK(c.stage == 2);
  // Day 0 Tue 5 Jan: Wed 6, Thu 7, Fri 8, Mon 11, Tue 12.
  CHECK(c.response_due_on == Day(2027, 1, 12));
}

TEST_CASE("silence escalates stage by stage to the last stage, once each", "[workflow]") {
  Workflow w;
  const std::string id = w.Raise("2026-11-02", 1);
  // Stage 1: day 0 Mon 2 Nov -> due Mon 9 Nov, missed Tue 10 Nov.
  CHECK(w.Challenge(id).response_due_on == Day(2026, 11, 9));
  w.clock.Set(Utc(2026, 11, 10, 0, 0));
  CHECK(w.Fire() == 1);
  // Stage 2: day 0 Tue 10 -> Wed 11, Thu 12, Fri 13, Mon 16, Tue 17; missed Wed 18.
  CHECK(w.Challenge(id).stage == 2);
  CHECK(w.Challenge(id).response_due_on == Day(2026, 11, 17));
  w.clock.Set(Utc(2026, 11, 18, 0, 0));
  CHECK(w.Fire() == 1);
  // Stage 3: day 0 Wed 18 -> Thu 19, Fri 20, Mon 23, Tue 24, Wed 25; missed Thu 26.
  CHECK(w.Challenge(id).stage == 3);
  CHECK(w.Challenge(id).response_due_on == Day(2026, 11, 25));
  w.clock.Set(Utc(2026, 11, 26, 0, 0));
  CHECK(w.Fire() == 1);
  // Stage 4: day 0 Thu 26 -> Fri 27, Mon 30, Tue 1 Dec, Wed 2, Thu 3; missed Fri 4 Dec.
  CHECK(w.Challenge(id).stage == 4);
  CHECK(w.Challenge(id).response_due_on == Day(2026, 12, 3));
  w.clock.Set(Utc(2026, 12, 4, 0, 0));
  CHECK(w.Fire() == 1);
  // The last stage: the miss is recorded, there is nowhere higher to go.
  const domain::ChallengeState last = w.Challenge(id);
  CHECK(last.stage == 4);
  CHECK(last.overdue);
  CHECK(last.status == domain::ChallengeState::Status::kAwaitingResponse);
  w.clock.Set(Utc(2027, 6, 1, 0, 0));
  CHECK(w.Fire() == 0);
  CHECK(w.engine->Pending().empty());
  CHECK(w.ChallengeLog() == Log{{"ChallengeRaised", "2026-11-02"},
                                {"DeadlineMissed", "2026-11-10"},
                                {"ChallengeEscalated", "2026-11-10"},
                                {"DeadlineMissed", "2026-11-18"},
                                {"ChallengeEscalated", "2026-11-18"},
                                {"DeadlineMissed", "2026-11-26"},
                                {"ChallengeEscalated", "2026-11-26"},
                                {"DeadlineMissed", "2026-12-04"}});
}

TEST_CASE("deadlines that passed while nobody ran fire in order at once, and only once",
          "[workflow]") {
  Workflow w;
  const std::string id = w.Raise("2026-11-02", 1);
  // The server was down from 2 November to 10 December: the whole cascade is due.
  w.clock.Set(Utc(2026, 12, 10, 8, 0));
  w.NewEngine();
  CHECK(w.Fire() == 4);
  const Log expected = {{"ChallengeRaised", "2026-11-02"},    {"DeadlineMissed", "2026-11-10"},
                        {"ChallengeEscalated", "2026-11-10"}, {"DeadlineMissed", "2026-11-18"},
                        {"ChallengeEscalated", "2026-11-18"}, {"DeadlineMissed", "2026-11-26"},
                        {"ChallengeEscalated", "2026-11-26"}, {"DeadlineMissed", "2026-12-04"}};
  CHECK(w.ChallengeLog() == expected);
  CHECK(w.Challenge(id).stage == 4);

  // Another restart (a fresh engine replays the log) fires nothing.
  w.NewEngine();
  CHECK(w.Fire() == 0);
  CHECK(w.ChallengeLog() == expected);
}

TEST_CASE("two engines firing the same deadline write it once", "[workflow]") {
  Workflow w;
  w.Raise("2026-11-02", 1);
  auto other_source =
      std::make_unique<workflow::ChallengeDeadlines>(w.store.get(), &w.policy, &w.calendar);
  workflow::DeadlineEngine other(w.store.get(), &w.clock);
  other.AddSource(other_source.get());
  w.clock.Set(Utc(2026, 11, 10, 0, 0));
  // The second engine decides what to append, but the first one writes first.
  REQUIRE(other.CatchUp().ok());
  const auto pending = other_source->Pending();
  REQUIRE(pending.size() == 1);
  auto action = other_source->OnDue(pending[0]);
  REQUIRE(action.ok());
  REQUIRE(action->has_value());
  CHECK(w.Fire() == 1);
  CHECK(w.ChallengeLog().size() == 3);
  // The second engine's append carries the same deterministic ids: it is a retry, not a
  // second escalation.
  auto late = w.store->Append(std::move(**action));
  REQUIRE(late.ok());
  CHECK(late->duplicate);
  CHECK(w.ChallengeLog().size() == 3);
  // And once it catches up, nothing is due for it either.
  auto fired = other.FireDue();
  REQUIRE(fired.ok());
  CHECK(*fired == 0);
  auto record = pj::LoadChildRecord(*w.store, "C1");
  REQUIRE(record.ok());
  CHECK(record->TypeOfEvent(workflow::ChallengeDeadlines::MissedEventId("C1:1", 1)) ==
        "DeadlineMissed");
  CHECK(record->TypeOfEvent(workflow::ChallengeDeadlines::EscalatedEventId("C1:1", 1)) ==
        "ChallengeEscalated");
}

TEST_CASE("a response one day late is recorded after the miss", "[workflow]") {
  SECTION("with escalation on silence: the response is to the next stage") {
    Workflow w;
    const std::string id = w.Raise("2026-11-02", 1);  // due Mon 9 Nov
    w.clock.Set(Utc(2026, 11, 10, 0, 0));
    CHECK(w.Fire() == 1);
    w.SetToday("2026-11-10");
    v1::ChildEvent response;
    response.set_occurred_on("2026-11-10");
    response.mutable_challenge_responded()->set_challenge_id(id);
    REQUIRE(w.Record("C1", response).ok());
    const domain::ChallengeState c = w.Challenge(id);
    CHECK(c.status == domain::ChallengeState::Status::kResponded);
    CHECK(c.stage == 2);
    CHECK_FALSE(c.response_due_on.has_value());
    CHECK(w.engine->CatchUp().ok());
    CHECK(w.engine->Pending().empty());
  }
  SECTION("without escalation on silence: the late response closes the overdue stage") {
    Workflow w(/*auto_escalate=*/false);
    const std::string id = w.Raise("2026-11-02", 1);
    w.clock.Set(Utc(2026, 11, 10, 0, 0));
    CHECK(w.Fire() == 1);
    CHECK(w.ChallengeLog() ==
          Log{{"ChallengeRaised", "2026-11-02"}, {"DeadlineMissed", "2026-11-10"}});
    CHECK(w.Challenge(id).overdue);
    CHECK(w.Challenge(id).stage == 1);
    w.SetToday("2026-11-10");
    v1::ChildEvent response;
    response.set_occurred_on("2026-11-10");
    response.mutable_challenge_responded()->set_challenge_id(id);
    REQUIRE(w.Record("C1", response).ok());
    const domain::ChallengeState c = w.Challenge(id);
    CHECK(c.status == domain::ChallengeState::Status::kResponded);
    REQUIRE(c.steps.size() == 3);
    CHECK(c.steps[1].kind == "response_overdue");
    CHECK(c.steps[2].kind == "responded");
    CHECK(c.steps[2].on == Day(2026, 11, 10));
  }
}

TEST_CASE("the IRO can bypass to stage 3, and the earlier deadline stops", "[workflow]") {
  Workflow w;
  const std::string id = w.Raise("2026-11-02", 0);
  // Informal: day 0 Mon 2 Nov -> due Mon 9 Nov.
  CHECK(w.Challenge(id).response_due_on == Day(2026, 11, 9));
  CHECK(w.Challenge(id).stage_name == "Informal");
  w.SetToday("2026-11-04");
  v1::ChildEvent escalate;
  escalate.set_occurred_on("2026-11-04");
  escalate.mutable_challenge_escalated()->set_challenge_id(id);
  escalate.mutable_challenge_escalated()->mutable_to_stage()->set_name("stage 3");
  REQUIRE(w.Record("C1", escalate).ok());
  domain::ChallengeState c = w.Challenge(id);
  CHECK(c.stage == 3);
  CHECK(c.stage_name == "Stage 3");
  // Day 0 Wed 4 Nov: Thu 5, Fri 6, Mon 9, Tue 10, Wed 11.
  CHECK(c.response_due_on == Day(2026, 11, 11));
  REQUIRE(w.engine->CatchUp().ok());
  const auto pending = w.engine->Pending();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].key == "challenge/C1:1/stage/3/response");
  w.clock.Set(Utc(2026, 11, 10, 0, 0));  // the informal deadline would have been missed now
  CHECK(w.Fire() == 0);
  w.clock.Set(Utc(2026, 11, 12, 0, 0));
  CHECK(w.Fire() == 1);
  c = w.Challenge(id);
  CHECK(c.stage == 4);
  // Day 0 Thu 12 Nov: Fri 13, Mon 16, Tue 17, Wed 18, Thu 19.
  CHECK(c.response_due_on == Day(2026, 11, 19));
  REQUIRE(c.steps.size() == 4);
  CHECK(c.steps[1].kind == "escalated");
  CHECK(c.steps[1].detail == "by the IRO from Informal");
  CHECK(c.steps[3].detail == "no response from Stage 3");
}

TEST_CASE("a CAFCASS referral runs alongside the process", "[workflow]") {
  Workflow w;
  const std::string id = w.Raise("2026-11-02", 1);
  w.SetToday("2026-11-04");
  v1::ChildEvent refer;
  refer.set_occurred_on("2026-11-04");
  refer.mutable_cafcass_referral_made()->set_challenge_id(id);
  refer.mutable_cafcass_referral_made()->set_reason("plan drifting for 18 months");
  REQUIRE(w.Record("C1", refer).ok());
  domain::ChallengeState c = w.Challenge(id);
  CHECK(c.cafcass_referred_on == Day(2026, 11, 4));
  CHECK(c.status == domain::ChallengeState::Status::kAwaitingResponse);
  CHECK(c.response_due_on == Day(2026, 11, 9));
  // The stage deadline still runs.
  w.clock.Set(Utc(2026, 11, 10, 0, 0));
  CHECK(w.Fire() == 1);
  CHECK(w.Challenge(id).stage == 2);
  // Once per challenge.
  w.SetToday("2026-11-11");
  refer.set_occurred_on("2026-11-11");
  const absl::Status again = w.Record("C1", refer);
  CHECK(again.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(again.message().find("already referred to CAFCASS on 2026-11-04") !=
        absl::string_view::npos);
}

TEST_CASE("resolving a challenge stops every pending deadline", "[workflow]") {
  Workflow w;
  const std::string first = w.Raise("2026-11-02", 1, 1);
  const std::string second = w.Raise("2026-11-02", 0, 2);
  REQUIRE(w.engine->CatchUp().ok());
  CHECK(w.engine->Pending().size() == 2);
  w.SetToday("2026-11-05");
  v1::ChildEvent resolve;
  resolve.set_occurred_on("2026-11-05");
  resolve.mutable_challenge_resolved()->set_challenge_id(first);
  resolve.mutable_challenge_resolved()->set_outcome("plan updated");
  REQUIRE(w.Record("C1", resolve).ok());
  v1::ChildEvent withdraw;
  withdraw.set_occurred_on("2026-11-05");
  withdraw.mutable_challenge_withdrawn()->set_challenge_id(second);
  REQUIRE(w.Record("C1", withdraw).ok());
  REQUIRE(w.engine->CatchUp().ok());
  CHECK(w.engine->Pending().empty());
  w.clock.Set(Utc(2027, 3, 1, 0, 0));
  CHECK(w.Fire() == 0);
  CHECK(w.Challenge(first).status == domain::ChallengeState::Status::kResolved);
  CHECK(w.Challenge(second).status == domain::ChallengeState::Status::kWithdrawn);
  // Closed challenges refuse further steps.
  v1::ChildEvent respond;
  respond.set_occurred_on("2026-11-05");
  respond.mutable_challenge_responded()->set_challenge_id(first);
  const absl::Status closed = w.Record("C1", respond);
  CHECK(closed.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(closed.message().find("is closed (resolved on 2026-11-05)") != absl::string_view::npos);
}

// Late answers (docs/workflow.md, "Late answers"): a stage answered after its deadline still
// missed it, and the DeadlineMissed is recorded once, whichever comes first.

// Child L1, in care since Mon 1 Dec 2025, and `events` (raise, answer, ...) recorded in one
// request.
absl::Status RecordL1(Workflow& w, const std::vector<v1::ChildEvent>& events) {
  auto outcome = w.recorder->Record(
      "L1",
      [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
        std::vector<Submission> submissions;
        for (const v1::ChildEvent& e : events) submissions.push_back(Submission{"", e});
        return submissions;
      },
      Recorder{"test", "iro-7", "", ""});
  return outcome.status();
}

v1::ChildEvent StartL1() {
  v1::ChildEvent start;
  start.set_occurred_on("2025-12-01");
  auto* b = start.mutable_period_of_care_started();
  b->set_legal_status("C2");
  b->mutable_placement()->set_type("U1");
  b->mutable_placement()->set_provider("PR1");
  b->set_category_of_need("N1");
  b->set_date_of_birth("2012-03-04");
  return start;
}

v1::ChildEvent RaiseL1(const std::string& date, int stage) {
  v1::ChildEvent e;
  e.set_occurred_on(date);
  auto* b = e.mutable_challenge_raised();
  b->set_challenge_id("L1:1");
  b->set_iro_id("iro-7");
  b->set_theme("Drift and Delay");
  b->mutable_stage()->set_number(static_cast<uint32_t>(stage));
  return e;
}

v1::ChildEvent RespondL1(const std::string& date) {
  v1::ChildEvent e;
  e.set_occurred_on(date);
  e.mutable_challenge_responded()->set_challenge_id("L1:1");
  e.mutable_challenge_responded()->set_response("we will act");
  return e;
}

domain::ChallengeState ChallengeL1(Workflow& w) {
  auto record = pj::LoadChildRecord(*w.store, "L1");
  REQUIRE(record.ok());
  const domain::ChallengeState* c = record->FindChallenge("L1:1");
  REQUIRE(c != nullptr);
  return *c;
}

TEST_CASE("a late response in the same request as the raise still records the missed deadline",
          "[workflow]") {
  Workflow w;
  // Recorded on Wed 7 Jan 2026, in one request: raised informally Wed 24 Dec 2025 and answered
  // Tue 6 Jan 2026. Day 0 Wed 24 Dec; Thu 25, Fri 26 (Christmas, Boxing Day), Sat, Sun do not
  // count; Mon 29 = 1, Tue 30 = 2, Wed 31 = 3; Thu 1 Jan (New Year's Day); Fri 2 = 4, Mon 5 = 5:
  // due Mon 5 Jan, missed when Tue 6 Jan begins. The answer is 1 working day late.
  w.SetToday("2026-01-07");
  REQUIRE(RecordL1(w, {StartL1(), RaiseL1("2025-12-24", 0), RespondL1("2026-01-06")}).ok());
  const domain::ChallengeState before = ChallengeL1(w);
  CHECK(before.steps.front().due_on == Day(2026, 1, 5));
  CHECK(before.steps.back().kind == "responded");
  CHECK(before.steps.back().late);
  CHECK(before.steps.back().working_days_late == 1);

  // The engine records the miss, dated the day it happened, and nothing else (the stage was
  // answered: no escalation).
  CHECK(w.Fire() == 1);
  const Log expected = {{"ChallengeRaised", "2025-12-24"},
                        {"ChallengeResponded", "2026-01-06"},
                        {"DeadlineMissed", "2026-01-06"}};
  CHECK(w.ChallengeLog() == expected);
  auto record = pj::LoadChildRecord(*w.store, "L1");
  REQUIRE(record.ok());
  CHECK(record->TypeOfEvent(workflow::ChallengeDeadlines::MissedEventId("L1:1", 0)) ==
        "DeadlineMissed");
  const domain::ChallengeState after = ChallengeL1(w);
  CHECK(after.status == domain::ChallengeState::Status::kResponded);
  CHECK_FALSE(after.overdue);  // answered: not awaiting a response any more
  CHECK(after.MissedAt(0));
  CHECK(after.steps.back().kind == "response_overdue");
  CHECK(after.steps.back().detail ==
        "Informal (Social worker or team manager) to respond within 5 working days; due "
        "2026-01-05");

  // Once only: again, after a restart (a fresh engine replays the log), and much later.
  CHECK(w.Fire() == 0);
  w.NewEngine();
  CHECK(w.Fire() == 0);
  w.clock.Set(Utc(2026, 6, 1, 0, 0));
  CHECK(w.Fire() == 0);
  CHECK(w.engine->Pending().empty());
  CHECK(w.ChallengeLog() == expected);
}

TEST_CASE("a late response before the engine fired records the miss once and does not escalate",
          "[workflow]") {
  Workflow w;
  // Stage 1 raised Mon 2 Nov 2026, due Mon 9 Nov, missed when Tue 10 Nov begins. The engine
  // has seen the challenge but has not run since; the response comes on Wed 11 Nov (2 working
  // days late).
  const std::string id = w.Raise("2026-11-02", 1);
  REQUIRE(w.engine->CatchUp().ok());
  w.SetToday("2026-11-11");
  v1::ChildEvent response;
  response.set_occurred_on("2026-11-11");
  response.mutable_challenge_responded()->set_challenge_id(id);
  REQUIRE(w.Record("C1", response).ok());
  CHECK(w.Challenge(id).steps.back().working_days_late == 2);
  CHECK(w.Fire() == 1);
  const Log expected = {{"ChallengeRaised", "2026-11-02"},
                        {"ChallengeResponded", "2026-11-11"},
                        {"DeadlineMissed", "2026-11-10"}};
  CHECK(w.ChallengeLog() == expected);
  CHECK(w.Challenge(id).stage == 1);
  CHECK(w.Fire() == 0);
  w.NewEngine();
  CHECK(w.Fire() == 0);
  CHECK(w.ChallengeLog() == expected);
}

TEST_CASE("a late response after the timer fired adds no second miss", "[workflow]") {
  Workflow w(/*auto_escalate=*/false);
  // Stage 1 raised Mon 2 Nov 2026, due Mon 9 Nov: the timer records the miss at 00:00 on Tue
  // 10 Nov; the answer comes Thu 12 Nov, 3 working days late (Tue 10, Wed 11, Thu 12).
  const std::string id = w.Raise("2026-11-02", 1);
  w.clock.Set(Utc(2026, 11, 10, 0, 0));
  CHECK(w.Fire() == 1);
  w.SetToday("2026-11-12");
  v1::ChildEvent response;
  response.set_occurred_on("2026-11-12");
  response.mutable_challenge_responded()->set_challenge_id(id);
  REQUIRE(w.Record("C1", response).ok());
  const domain::ChallengeState c = w.Challenge(id);
  CHECK(c.steps.back().late);
  CHECK(c.steps.back().working_days_late == 3);
  CHECK(w.Fire() == 0);
  w.NewEngine();
  CHECK(w.Fire() == 0);
  CHECK(w.ChallengeLog() == Log{{"ChallengeRaised", "2026-11-02"},
                                {"DeadlineMissed", "2026-11-10"},
                                {"ChallengeResponded", "2026-11-12"}});
}

TEST_CASE("an engine that decided on the miss before a late response arrived writes it once",
          "[workflow]") {
  Workflow w;
  const std::string id = w.Raise("2026-11-02", 1);  // due Mon 9 Nov
  // A second engine decides, at 00:00 on Tue 10 Nov, to record the miss and escalate ...
  auto other_source =
      std::make_unique<workflow::ChallengeDeadlines>(w.store.get(), &w.policy, &w.calendar);
  workflow::DeadlineEngine other(w.store.get(), &w.clock);
  other.AddSource(other_source.get());
  w.clock.Set(Utc(2026, 11, 10, 0, 0));
  REQUIRE(other.CatchUp().ok());
  const auto pending = other_source->Pending();
  REQUIRE(pending.size() == 1);
  auto action = other_source->OnDue(pending[0]);
  REQUIRE(action.ok());
  REQUIRE(action->has_value());
  // ... but the late response (Tue 10 Nov, 1 working day late) is recorded first.
  w.SetToday("2026-11-10");
  v1::ChildEvent response;
  response.set_occurred_on("2026-11-10");
  response.mutable_challenge_responded()->set_challenge_id(id);
  REQUIRE(w.Record("C1", response).ok());
  // Its append no longer fits the stream: refused, nothing escalated.
  auto stale = w.store->Append(std::move(**action));
  CHECK(stale.status().code() == absl::StatusCode::kAborted);
  // Both engines then record the miss after the response, once between them.
  CHECK(w.Fire() == 1);
  auto fired = other.FireDue();
  REQUIRE(fired.ok());
  CHECK(*fired == 0);
  CHECK(w.ChallengeLog() == Log{{"ChallengeRaised", "2026-11-02"},
                                {"ChallengeResponded", "2026-11-10"},
                                {"DeadlineMissed", "2026-11-10"}});
}

TEST_CASE("a response or resolution in time records no miss and a late resolution one",
          "[workflow]") {
  SECTION("a response on the due date") {
    Workflow w;
    const std::string id = w.Raise("2026-11-02", 1);  // due Mon 9 Nov
    w.SetToday("2026-11-09");
    v1::ChildEvent response;
    response.set_occurred_on("2026-11-09");
    response.mutable_challenge_responded()->set_challenge_id(id);
    REQUIRE(w.Record("C1", response).ok());
    CHECK(w.Challenge(id).steps.back().answered_due_on == Day(2026, 11, 9));
    CHECK_FALSE(w.Challenge(id).steps.back().late);
    w.clock.Set(Utc(2027, 3, 1, 0, 0));
    CHECK(w.Fire() == 0);
    CHECK(w.ChallengeLog() ==
          Log{{"ChallengeRaised", "2026-11-02"}, {"ChallengeResponded", "2026-11-09"}});
  }
  SECTION("a response on the Saturday after a Friday deadline") {
    Workflow w;
    // Stage 1 raised Fri 6 Nov 2026: Mon 9 = 1 ... Fri 13 = 5, due Fri 13 Nov; missed only
    // when Mon 16 Nov begins.
    const std::string id = w.Raise("2026-11-06", 1);
    CHECK(w.Challenge(id).response_due_on == Day(2026, 11, 13));
    w.SetToday("2026-11-14");
    v1::ChildEvent response;
    response.set_occurred_on("2026-11-14");
    response.mutable_challenge_responded()->set_challenge_id(id);
    REQUIRE(w.Record("C1", response).ok());
    CHECK(w.Challenge(id).steps.back().answered_due_on == Day(2026, 11, 13));
    CHECK_FALSE(w.Challenge(id).steps.back().late);
    w.clock.Set(Utc(2027, 3, 1, 0, 0));
    CHECK(w.Fire() == 0);
    CHECK(w.ChallengeLog().size() == 2);
  }
  SECTION("a resolution with no response, 3 working days late, in one request") {
    Workflow w;
    // Stage 1 raised Mon 2 Nov 2026 (due Mon 9 Nov), resolved Thu 12 Nov with no response:
    // the resolution answers the stage, late by Tue 10, Wed 11, Thu 12.
    w.SetToday("2026-11-13");
    v1::ChildEvent resolve;
    resolve.set_occurred_on("2026-11-12");
    resolve.mutable_challenge_resolved()->set_challenge_id("L1:1");
    resolve.mutable_challenge_resolved()->set_outcome("plan agreed");
    REQUIRE(RecordL1(w, {StartL1(), RaiseL1("2026-11-02", 1), resolve}).ok());
    const domain::ChallengeState c = ChallengeL1(w);
    CHECK(c.steps.back().kind == "resolved");
    CHECK(c.steps.back().late);
    CHECK(c.steps.back().working_days_late == 3);
    CHECK(w.Fire() == 1);
    CHECK(w.ChallengeLog() == Log{{"ChallengeRaised", "2026-11-02"},
                                  {"ChallengeResolved", "2026-11-12"},
                                  {"DeadlineMissed", "2026-11-10"}});
    CHECK(ChallengeL1(w).status == domain::ChallengeState::Status::kResolved);
    w.NewEngine();
    CHECK(w.Fire() == 0);
  }
}

// Through the Challenges service: the answer to a late response says so (its own step, even
// without a purpose). Each step is its own request here, so the runner records the miss as soon
// as the backdated raise is committed (without escalating: the council's policy is off); the late
// response then adds no second one.
TEST_CASE("Challenges.Respond answers that a response was late", "[workflow]") {
  TempDir dir;
  ManualClock clock(Utc(2026, 1, 7, 10));
  ServerConfig config;
  config.data_dir = dir.Sub("data");
  config.listen = "127.0.0.1:0";
  config.escalation.auto_escalate_on_silence = false;
  auto server = FootprintServer::Start(config, &clock);
  REQUIRE(server.ok());
  ChildRecorder recorder(&(*server)->store(), &clock, &config.escalation, &(*server)->calendar());
  REQUIRE(recorder
              .Record(
                  "L1",
                  [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
                    return std::vector<Submission>{Submission{"", StartL1()}};
                  },
                  Recorder{"test", "tester", "", ""})
              .ok());
  auto stub = v1::Challenges::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  // Raised informally Wed 24 Dec 2025: due Mon 5 Jan 2026 (24 Dec is day 0; 29, 30, 31 Dec,
  // 2 Jan, 5 Jan).
  v1::RaiseChallengeRequest raise;
  raise.mutable_context()->set_actor("iro-7");
  raise.mutable_context()->set_date("2025-12-24");
  raise.set_child_id("L1");
  raise.set_stage("informal");
  raise.set_theme("Drift and Delay");
  raise.set_iro_id("iro-7");
  v1::ChallengeView raised;
  {
    grpc::ClientContext context;
    REQUIRE(stub->Raise(&context, raise, &raised).ok());
  }
  REQUIRE(raised.steps_size() == 1);
  CHECK(raised.steps(0).deadline() == "2026-01-05");
  CHECK(raised.steps(0).answered_deadline().empty());
  // The runner records the miss after the raise's commit, on its own thread; make sure it has
  // before answering (else, on a busy machine, the answer came first and the miss followed it,
  // which is also right: "a late response before the engine fired records the miss once").
  REQUIRE((*server)->deadlines().RunNow().ok());
  {
    auto before = pj::LoadChildRecord((*server)->store(), "L1");
    REQUIRE(before.ok());
    const domain::ChallengeState* c = before->FindChallenge(raised.id());
    REQUIRE(c != nullptr);
    REQUIRE(c->steps.size() == 2);
    REQUIRE(c->steps[1].kind == "response_overdue");
  }
  // Answered on Tue 6 Jan: 1 working day late.
  v1::RespondToChallengeRequest respond;
  respond.mutable_context()->set_actor("tm-1");
  respond.mutable_context()->set_date("2026-01-06");
  respond.set_challenge_id(raised.id());
  respond.set_responded_by("Team Manager");
  v1::ChallengeView responded;
  {
    grpc::ClientContext context;
    REQUIRE(stub->Respond(&context, respond, &responded).ok());
  }
  REQUIRE(responded.steps_size() == 1);
  CHECK(responded.steps(0).kind() == "responded");
  CHECK(responded.steps(0).answered_deadline() == "2026-01-05");
  CHECK(responded.steps(0).late());
  CHECK(responded.steps(0).working_days_late() == 1);
  // The runner recorded the miss once, when the raise was committed; nothing more is due.
  auto again = (*server)->deadlines().RunNow();
  REQUIRE(again.ok());
  CHECK(*again == 0);
  auto record = pj::LoadChildRecord((*server)->store(), "L1");
  REQUIRE(record.ok());
  const domain::ChallengeState* c = record->FindChallenge(raised.id());
  REQUIRE(c != nullptr);
  std::vector<std::string> kinds;
  for (const auto& step : c->steps)
    kinds.push_back(step.kind + "@" + domain::FormatIsoDate(step.on));
  CHECK(kinds == std::vector<std::string>{"raised@2025-12-24", "response_overdue@2026-01-06",
                                          "responded@2026-01-06"});
}

// The same through the real server with the runner: a restart in the middle of a challenge,
// with deadlines that passed while the server was down.
TEST_CASE("a restarted server fires deadlines missed while it was down, once", "[workflow]") {
  TempDir dir;
  ManualClock clock(Utc(2026, 11, 2, 10));
  ServerConfig config;
  config.data_dir = dir.Sub("data");
  config.listen = "127.0.0.1:0";
  const auto challenges_stub = [](const FootprintServer& server) {
    return v1::Challenges::NewStub(
        grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  };
  {
    auto server = FootprintServer::Start(config, &clock);
    REQUIRE(server.ok());
    // A child in care, and a stage-1 challenge raised on Mon 2 Nov through the API.
    ChildRecorder recorder(&(*server)->store(), &clock, &config.escalation, &(*server)->calendar());
    v1::ChildEvent start;
    start.set_occurred_on("2026-01-05");
    auto* b = start.mutable_period_of_care_started();
    b->set_legal_status("V2");
    b->mutable_placement()->set_type("U4");
    b->mutable_placement()->set_provider("PR4");
    b->set_category_of_need("N2");
    b->set_date_of_birth("2023-01-20");
    REQUIRE(recorder
                .Record(
                    "C1",
                    [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
                      return std::vector<Submission>{Submission{"", start}};
                    },
                    Recorder{"test", "tester", "", ""})
                .ok());
    v1::RaiseChallengeRequest raise;
    raise.mutable_context()->set_actor("iro-7");
    raise.set_child_id("C1");
    raise.set_stage("Stage 1");
    raise.set_theme("Quality of Plan");
    raise.set_iro_id("iro-7");
    grpc::ClientContext context;
    v1::ChallengeView view;
    REQUIRE(challenges_stub(**server)->Raise(&context, raise, &view).ok());
    CHECK(view.id() == "C1:1");
    // Without a purpose, the answer holds the raised step alone, with the deadline it set.
    REQUIRE(view.steps_size() == 1);
    CHECK(view.steps(0).deadline() == "2026-11-09");
    auto nothing = (*server)->deadlines().RunNow();
    REQUIRE(nothing.ok());
    CHECK(*nothing == 0);
    // What monitoring sees: one challenge deadline pending, missed when Tue 10 Nov begins (the
    // first working day after the due date; GMT in November), and no review deadline until the
    // overdue first review is held.
    const DeadlineRunnerStats stats = (*server)->deadlines().Stats();
    using Count = std::pair<std::string, size_t>;
    CHECK(stats.pending ==
          std::vector<Count>{Count{"challenge_deadlines", 1}, Count{"review_deadlines", 0}});
    // The child's first review (due Tue 3 February) was recorded as missed at start-up.
    CHECK(stats.fired == 1);
    CHECK(stats.failures == 0);
    REQUIRE(stats.next_due.has_value());
    CHECK(*stats.next_due == Utc(2026, 11, 10, 0));
  }
  // Down until Thursday 10 December.
  clock.Set(Utc(2026, 12, 10, 9));
  const auto show = [&](FootprintServer& server) {
    grpc::ClientContext context;
    v1::GetChallengeRequest get;
    get.set_challenge_id("C1:1");
    v1::ChallengeView view;
    REQUIRE(challenges_stub(server)->Get(&context, get, &view).ok());
    return view;
  };
  {
    auto server = FootprintServer::Start(config, &clock);
    REQUIRE(server.ok());
    // The runner fired at start-up; running again finds nothing more to do.
    auto again = (*server)->deadlines().RunNow();
    REQUIRE(again.ok());
    CHECK(*again == 0);
    // Four appends by this engine: each missed stage deadline, with the escalation on silence
    // in the same append for the first three (7 events).
    CHECK((*server)->deadlines().Stats().fired == 4);
    const v1::ChallengeView view = show(**server);
    CHECK(view.stage().name() == "Stage 4");
    CHECK(view.overdue());
    CHECK(view.deadline() == "2026-12-03");
    std::vector<std::string> kinds;
    for (const auto& step : view.steps()) kinds.push_back(step.kind() + "@" + step.date());
    CHECK(kinds == std::vector<std::string>{"raised@2026-11-02", "response_overdue@2026-11-10",
                                            "escalated@2026-11-10", "response_overdue@2026-11-18",
                                            "escalated@2026-11-18", "response_overdue@2026-11-26",
                                            "escalated@2026-11-26", "response_overdue@2026-12-04"});
  }
  {
    auto server = FootprintServer::Start(config, &clock);
    REQUIRE(server.ok());
    auto again = (*server)->deadlines().RunNow();
    REQUIRE(again.ok());
    CHECK(*again == 0);
    CHECK(show(**server).steps_size() == 8);
    // 1 + 1 + 7 events, none twice, and the child's first review (s20 from Tue 6 January,
    // 20 working days: due Tue 3 February) recorded as missed once, at the first start-up.
    CHECK((*server)->store().CommittedEnd().value == 10);
  }
}

}  // namespace
}  // namespace footprint::services

namespace footprint::services {
namespace {

TEST_CASE("a deadline that cannot be handled is retried later, without blocking others",
          "[workflow]") {
  Workflow w;
  const std::string stuck = w.Raise("2026-11-02", 3, 1);  // Stage 3, due Mon 9 Nov
  const std::string fine = w.Raise("2026-11-02", 1, 2);   // Stage 1, due Mon 9 Nov
  // The council shrinks its policy to informal + one stage while challenge 1 is at Stage 3.
  const domain::EscalationPolicy original = w.policy;
  w.policy.stages.resize(2);
  w.clock.Set(Utc(2026, 11, 10, 0, 0));
  CHECK(w.Fire() == 1);  // challenge 2 is handled
  CHECK(w.engine->stats().failures == 1);
  CHECK(w.engine->stats().last_failure.find("challenge/C1:1/stage/3/response") == 0);
  CHECK(w.Challenge(fine).overdue);
  CHECK_FALSE(w.Challenge(stuck).overdue);
  // It is not retried at once (no spinning): the next attempt is a minute later.
  REQUIRE(w.engine->NextDue().has_value());
  CHECK(*w.engine->NextDue() == Utc(2026, 11, 10, 0, 1));
  CHECK(w.Fire() == 0);
  CHECK(w.engine->stats().failures == 1);
  // Once the policy has the stage again, the retry succeeds.
  w.policy = original;
  w.clock.Set(Utc(2026, 11, 10, 0, 1));
  CHECK(w.Fire() == 1);
  CHECK(w.Challenge(stuck).stage == 4);
}

}  // namespace
}  // namespace footprint::services
