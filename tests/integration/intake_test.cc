// Intake of domain events through ChildRecorder into a real EventStore (RocksDB in a temp dir):
// what is accepted is stored as a typed footprint.v1.ChildEvent with the fields the service
// fills in; what is rejected names the field and the rule, and writes nothing.
//
// Every test uses a fresh store, the England & Wales calendar, the default escalation policy
// (Informal, Stage 1 .. Stage 4, 5 working days each) and a clock at 2026-11-23 12:00 UTC (GMT in
// November), so today in England is Monday 2026-11-23.
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "catch2/catch.hpp"
#include "domain/child_record.h"
#include "domain/escalation_policy.h"
#include "domain/working_calendar.h"
#include "eventstore/event_store.h"
#include "eventstore/testing/manual_clock.h"
#include "footprint/v1/domain.pb.h"
#include "footprint/v1/event.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "projections/child_stream.h"
#include "services/child_recorder.h"
#include "temp_dir.h"
#include "workflow/deadlines.h"

namespace footprint::services {
namespace {

namespace es = footprint::eventstore;
namespace pj = footprint::projections;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using footprint::testing::ManualClock;
using footprint::testing::TempDir;
using google::protobuf::util::MessageDifferencer;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 11, 23, 12, 0, 0), absl::UTCTimeZone());

const Recorder kCouncil{"lcs", "sw.jones", "corr-1", ""};

const char kId1[] = "11111111-1111-4111-8111-111111111111";
const char kId2[] = "22222222-2222-4222-8222-222222222222";
const char kId3[] = "33333333-3333-4333-8333-333333333333";
const char kId4[] = "44444444-4444-4444-8444-444444444444";
const char kUnknownId[] = "99999999-9999-4999-8999-999999999999";

// A ChildEvent from its JSON form (proto field names).
v1::ChildEvent Json(const std::string& json) {
  v1::ChildEvent event;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &event);
  INFO(json);
  REQUIRE(status.ok());
  return event;
}

absl::CivilDay Day(int y, int m, int d) { return absl::CivilDay(y, m, d); }

// The period of care that most tests start from: section 20 (V2) in foster care (U1, own
// council), date of birth 2012-03-14 (aged 14 in 2026).
std::string CareStarted(const std::string& on, const std::string& legal_status = "V2",
                        const std::string& placement = R"({"type":"U1","provider":"PR1"})",
                        const std::string& date_of_birth = "2012-03-14") {
  return absl::StrCat(R"({"occurred_on":")", on, R"(","period_of_care_started":{"legal_status":")",
                      legal_status, R"(","placement":)", placement,
                      R"(,"category_of_need":"N1","date_of_birth":")", date_of_birth, R"("}})");
}

struct Intake {
  TempDir dir;
  ManualClock clock{kNow};
  std::unique_ptr<es::EventStore> store;
  const domain::EscalationPolicy policy = domain::EscalationPolicy::Default();
  const domain::WorkingCalendar& calendar = domain::WorkingCalendar::EnglandAndWales();
  std::unique_ptr<ChildRecorder> recorder;

  Intake() {
    es::StoreOptions options;
    options.data_dir = dir.Sub("data");
    options.clock = &clock;
    auto opened = es::EventStore::Open(options);
    REQUIRE(opened.ok());
    store = std::move(*opened);
    recorder = std::make_unique<ChildRecorder>(store.get(), &clock, &policy, &calendar);
  }

  absl::StatusOr<RecordOutcome> Record(const std::string& child,
                                       std::vector<Submission> submissions) {
    return recorder->Record(
        child,
        [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
          return submissions;
        },
        kCouncil);
  }

  // One request of `events`, with event ids `ids` (none if empty).
  absl::StatusOr<RecordOutcome> Record(const std::string& child,
                                       const std::vector<v1::ChildEvent>& events,
                                       const std::vector<std::string>& ids = {}) {
    std::vector<Submission> submissions;
    for (size_t i = 0; i < events.size(); ++i) {
      submissions.push_back(Submission{i < ids.size() ? ids[i] : "", events[i]});
    }
    return Record(child, std::move(submissions));
  }

  // Setup: records each JSON event as its own request; REQUIRE that all are accepted. Returns
  // the stored event ids.
  std::vector<std::string> Given(const std::string& child, const std::vector<std::string>& json) {
    std::vector<std::string> ids;
    for (const std::string& text : json) {
      auto outcome = Record(child, {Json(text)});
      INFO(text);
      INFO((outcome.ok() ? std::string("ok") : outcome.status().ToString()));
      REQUIRE(outcome.ok());
      ids.push_back(outcome->append.event_ids.at(0));
    }
    return ids;
  }

  uint64_t End() const { return store->CommittedEnd().value; }

  // Number of events in the child's stream.
  uint64_t StreamLength(const std::string& child) const {
    auto stream = es::StreamId::Parse(domain::ChildStream(child));
    REQUIRE(stream.ok());
    auto head = store->StreamHead(*stream);
    REQUIRE(head.ok());
    return head->has_value() ? (*head)->value + 1 : 0;
  }

  std::vector<v1::Event> Stream(const std::string& child) const {
    auto stream = es::StreamId::Parse(domain::ChildStream(child));
    REQUIRE(stream.ok());
    auto page =
        store->ReadStream(*stream, es::StreamVersion{0}, es::ReadDirection::kForwards, 100000);
    REQUIRE(page.ok());
    return page->events;
  }

  // The stored event at `version` of the child's stream.
  v1::Event Stored(const std::string& child, uint64_t version) const {
    const auto events = Stream(child);
    REQUIRE(version < events.size());
    return events[version];
  }

  domain::ChildRecord Load(const std::string& child) const {
    auto record = pj::LoadChildRecord(*store, child);
    REQUIRE(record.ok());
    return *record;
  }
};

// The payload of a stored event, which must be a footprint.v1.ChildEvent in protobuf.
v1::ChildEvent Decode(const v1::Event& stored) {
  REQUIRE(stored.content_type() == v1::CONTENT_TYPE_PROTOBUF);
  REQUIRE(stored.payload_type() == "footprint.v1.ChildEvent");
  v1::ChildEvent event;
  REQUIRE(event.ParseFromString(stored.data()));
  return event;
}

// Records `json` for `child` as one request and checks that it was stored as one event of
// `type`, exactly as sent (with the child id filled in), with the recorder's metadata. Returns
// the stored event.
v1::Event CheckStoredAsSent(Intake& f, const std::string& child, const std::string& json,
                            const std::string& type) {
  INFO(json);
  const v1::ChildEvent sent = Json(json);
  const uint64_t end_before = f.End();
  auto outcome = f.Record(child, {sent});
  INFO((outcome.ok() ? std::string("ok") : outcome.status().ToString()));
  REQUIRE(outcome.ok());
  CHECK_FALSE(outcome->append.duplicate);
  CHECK(outcome->append.first_position.value == end_before);
  CHECK(outcome->append.last_position.value == end_before);
  CHECK(f.End() == end_before + 1);

  const v1::Event stored = f.Stored(child, outcome->append.first_version.value);
  CHECK(stored.type() == type);
  CHECK(stored.stream() == domain::ChildStream(child));
  CHECK(stored.position() == end_before);
  CHECK(stored.id() == outcome->append.event_ids.at(0));
  CHECK(stored.metadata().source_system() == "lcs");
  CHECK(stored.metadata().actor() == "sw.jones");
  CHECK(stored.metadata().correlation_id() == "corr-1");
  v1::ChildEvent expected = sent;
  expected.set_child_id(child);
  const v1::ChildEvent decoded = Decode(stored);
  INFO(decoded.DebugString());
  CHECK(MessageDifferencer::Equals(decoded, expected));
  // The outcome's record already includes the event.
  CHECK(outcome->record.event_count() == outcome->append.last_version.value + 1);
  return stored;
}

// A request that must be rejected: `code`, an error "<path>: ..." mentioning `rule`.
struct Rejection {
  std::string why;
  std::vector<v1::ChildEvent> events;
  absl::StatusCode code;
  std::string path;
  std::string rule;
};

// Checks each rejection in turn, and that none of them wrote anything (neither the log nor the
// child's stream moved).
void CheckRejected(Intake& f, const std::string& child, const std::vector<Rejection>& cases) {
  for (const Rejection& r : cases) {
    INFO(r.why);
    const uint64_t end_before = f.End();
    const uint64_t stream_before = f.StreamLength(child);
    auto outcome = f.Record(child, r.events);
    const absl::Status status = outcome.status();
    INFO((status.ok() ? std::string("accepted") : status.ToString()));
    CHECK(status.code() == r.code);
    CHECK_THAT(std::string(status.message()), StartsWith(r.path + ": "));
    CHECK_THAT(std::string(status.message()), Contains(r.rule));
    CHECK(f.End() == end_before);
    CHECK(f.StreamLength(child) == stream_before);
  }
}

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kPrecondition = absl::StatusCode::kFailedPrecondition;
constexpr absl::StatusCode kAlreadyExists = absl::StatusCode::kAlreadyExists;

// ---------------------------------------------------------------------------------------------
// Accepted events: what is stored.

TEST_CASE("every fact about a child's care is stored as a ChildEvent named by its body",
          "[intake]") {
  Intake f;
  const std::string child = "A1";
  struct Accepted {
    std::string json;
    std::string type;
  };
  const std::vector<Accepted> facts = {
      {R"({"occurred_on":"2026-01-05","period_of_care_started":{"legal_status":"V2",
          "placement":{"type":"U1","provider":"PR1","registration":"REGISTERED",
          "distance_miles":3.5,"home_postcode":"S60 1AA","placement_postcode":"S61 2BB",
          "urn":"SC123456"},"category_of_need":"N1","date_of_birth":"2012-03-14"}})",
       "PeriodOfCareStarted"},
      {R"({"occurred_on":"2026-01-06","section20_consent_recorded":{"consented_by":"PARENT",
          "consenter_name":"Ms A"}})",
       "Section20ConsentRecorded"},
      {R"({"occurred_on":"2026-01-07","iro_allocated":{"iro_id":"iro-7","iro_name":"Sam Lee",
          "team":"IRO North"}})",
       "IroAllocated"},
      {R"({"occurred_on":"2026-01-26","social_worker_report_received":{
          "review_date":"2026-02-02"}})",
       "SocialWorkerReportReceived"},
      {R"({"occurred_on":"2026-02-02","review_held":{"iro_id":"iro-7","participation":"PN1",
          "kind":"LOOKED_AFTER"}})",
       "ReviewHeld"},
      {R"({"occurred_on":"2026-02-06","recommendations_issued":{"review_date":"2026-02-02"}})",
       "RecommendationsIssued"},
      {R"({"occurred_on":"2026-02-20","review_record_distributed":{"review_date":"2026-02-02"}})",
       "ReviewRecordDistributed"},
      {R"({"occurred_on":"2026-03-02","plo_started":{}})", "PloStarted"},
      {R"({"occurred_on":"2026-03-16","section20_consent_withdrawn":{"removal_requested":true,
          "note":"Mother asked for A1 to come home"}})",
       "Section20ConsentWithdrawn"},
      {R"({"occurred_on":"2026-03-17","proceedings_issued":{"court":"Sheffield Family Court"}})",
       "ProceedingsIssued"},
      {R"({"occurred_on":"2026-03-18","legal_status_changed":{"legal_status":"C1"}})",
       "LegalStatusChanged"},
      {R"({"occurred_on":"2026-04-01","placement_changed":{"placement":{"type":"K2",
          "provider":"PR4","registration":"UNREGISTERED","distance_miles":42},
          "reason_for_change":"CARPL","carer_changed":true}})",
       "PlacementChanged"},
      {R"({"occurred_on":"2026-05-01","midway_review_completed":{"iro_id":"iro-7"}})",
       "MidwayReviewCompleted"},
      {R"({"occurred_on":"2026-06-01","cafcass_referral_made":{"reason":"plan drifting"}})",
       "CafcassReferralMade"},
      {R"({"occurred_on":"2026-11-20","period_of_care_ended":{"reason":"E41"}})",
       "PeriodOfCareEnded"},
  };
  for (const Accepted& fact : facts) CheckStoredAsSent(f, child, fact.json, fact.type);

  const auto events = f.Stream(child);
  REQUIRE(events.size() == facts.size());
  for (size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].version() == i);
    CHECK(events[i].type() == facts[i].type);
  }

  // The record the stored events tell.
  const domain::ChildRecord record = f.Load(child);
  REQUIRE(record.periods().size() == 1);
  CHECK(record.periods()[0].start == Day(2026, 1, 5));
  CHECK(record.periods()[0].end == Day(2026, 11, 20));
  CHECK(record.periods()[0].end_reason == "E41");
  CHECK(record.LegalStatusOn(Day(2026, 3, 17)) == "V2");
  CHECK(record.LegalStatusOn(Day(2026, 3, 18)) == "C1");
  REQUIRE(record.PlacementOn(Day(2026, 4, 1)) != nullptr);
  CHECK(record.PlacementOn(Day(2026, 4, 1))->type() == "K2");
  CHECK(record.PlacementOn(Day(2026, 3, 31))->type() == "U1");
  CHECK(record.ReviewHeldOn(Day(2026, 2, 2)));
  CHECK(record.date_of_birth() == Day(2012, 3, 14));
  CHECK(record.AgeOn(Day(2026, 3, 13)) == 13);
  CHECK(record.AgeOn(Day(2026, 3, 14)) == 14);
  CHECK(record.child_cafcass_referrals() == std::vector<absl::CivilDay>{Day(2026, 6, 1)});
  CHECK_FALSE(record.LookedAfterOn(Day(2026, 11, 21)));
}

TEST_CASE("temporary and other placements are accepted without a provider", "[intake]") {
  Intake f;
  CheckStoredAsSent(f, "T1", CareStarted("2026-10-01", "L1", R"({"type":"T1"})"),
                    "PeriodOfCareStarted");
  CheckStoredAsSent(f, "T1",
                    R"({"occurred_on":"2026-10-02","placement_changed":{
                        "placement":{"type":"Z11"},"reason_for_change":"OTHER"}})",
                    "PlacementChanged");
  const domain::ChildRecord record = f.Load("T1");
  REQUIRE(record.PlacementOn(Day(2026, 10, 1)) != nullptr);
  CHECK(record.PlacementOn(Day(2026, 10, 1))->type() == "T1");
  CHECK(record.PlacementOn(Day(2026, 10, 2))->type() == "Z11");
}

TEST_CASE("a request's events get consecutive positions and the child id is filled in",
          "[intake]") {
  Intake f;
  f.Given("OTHER", {CareStarted("2026-01-05")});  // position 0, another child's stream
  auto outcome = f.Record(
      "A1", {Json(CareStarted("2026-01-05")), Json(R"({"occurred_on":"2026-02-02","child_id":"A1",
                                          "review_held":{"participation":"PN1"}})")},
      {kId1, kId2});
  REQUIRE(outcome.ok());
  CHECK(outcome->append.first_position.value == 1);
  CHECK(outcome->append.last_position.value == 2);
  CHECK(outcome->append.first_version.value == 0);
  CHECK(outcome->append.last_version.value == 1);
  CHECK(outcome->append.event_ids == std::vector<std::string>{kId1, kId2});
  const auto events = f.Stream("A1");
  REQUIRE(events.size() == 2);
  CHECK(events[0].id() == kId1);
  CHECK(events[1].id() == kId2);
  CHECK(Decode(events[0]).child_id() == "A1");
  CHECK(Decode(events[1]).child_id() == "A1");
  CHECK(events[0].recorded_at().seconds() == absl::ToUnixSeconds(kNow));
}

TEST_CASE("challenge events are stored with their stages and working-day deadlines filled in",
          "[intake]") {
  Intake f;
  const std::string child = "A1";
  f.Given(child, {CareStarted("2026-01-05")});

  // Raised on Wednesday 2026-04-01 at the informal stage (5 working days). Day 0 is Wed 1 Apr;
  // Thu 2 Apr is day 1; Fri 3 Apr (Good Friday), Sat 4, Sun 5 and Mon 6 Apr (Easter Monday) are
  // not working days; Tue 7 is day 2, Wed 8 day 3, Thu 9 day 4, Fri 10 Apr day 5.
  auto raised = f.Record(child, {Json(R"({"occurred_on":"2026-04-01","challenge_raised":{
      "challenge_id":"A1:1","iro_id":"iro-7","theme":"drift and delay",
      "issue":"No pre-meeting report"}})")});
  REQUIRE(raised.ok());
  {
    const v1::Event stored = f.Stored(child, raised->append.first_version.value);
    CHECK(stored.type() == "ChallengeRaised");
    const auto b = Decode(stored).challenge_raised();
    CHECK(b.challenge_id() == "A1:1");
    CHECK(b.stage().number() == 0);
    CHECK(b.stage().name() == "Informal");
    CHECK(b.theme() == "Drift and Delay");  // the policy's spelling
    CHECK(b.response_due_on() == "2026-04-10");
    CHECK(b.issue() == "No pre-meeting report");
    const domain::ChallengeState* c = raised->record.FindChallenge("A1:1");
    REQUIRE(c != nullptr);
    CHECK(c->status == domain::ChallengeState::Status::kAwaitingResponse);
    CHECK(c->response_due_on == Day(2026, 4, 10));
  }

  // Responded at the current stage, which the service fills in.
  auto responded = f.Record(child, {Json(R"({"occurred_on":"2026-04-09","challenge_responded":{
      "challenge_id":"A1:1","responded_by":"tm.smith","response":"Report due Friday"}})")});
  REQUIRE(responded.ok());
  {
    const v1::Event stored = f.Stored(child, responded->append.first_version.value);
    CHECK(stored.type() == "ChallengeResponded");
    const auto b = Decode(stored).challenge_responded();
    CHECK(b.stage().number() == 0);
    CHECK(b.stage().name() == "Informal");
    CHECK(b.responded_by() == "tm.smith");
    CHECK(responded->record.FindChallenge("A1:1")->status ==
          domain::ChallengeState::Status::kResponded);
  }

  // Escalated by the IRO on Friday 2026-05-01 to the next stage (Stage 1, 5 working days):
  // day 0 Fri 1 May; Mon 4 May is the Early May bank holiday; Tue 5 is day 1, Wed 6 day 2,
  // Thu 7 day 3, Fri 8 day 4, Mon 11 May day 5.
  auto escalated = f.Record(child, {Json(R"({"occurred_on":"2026-05-01","challenge_escalated":{
      "challenge_id":"A1:1"}})")});
  REQUIRE(escalated.ok());
  {
    const v1::Event stored = f.Stored(child, escalated->append.first_version.value);
    CHECK(stored.type() == "ChallengeEscalated");
    const auto b = Decode(stored).challenge_escalated();
    CHECK(b.from_stage().number() == 0);
    CHECK(b.from_stage().name() == "Informal");
    CHECK(b.to_stage().number() == 1);
    CHECK(b.to_stage().name() == "Stage 1");
    CHECK(b.reason() == v1::ChallengeEscalated::IRO_DECISION);
    CHECK(b.response_due_on() == "2026-05-11");
    const domain::ChallengeState* c = escalated->record.FindChallenge("A1:1");
    CHECK(c->stage == 1);
    CHECK(c->stage_entered_on == Day(2026, 5, 1));
    CHECK(c->status == domain::ChallengeState::Status::kAwaitingResponse);
  }
  f.Given(child, {R"({"occurred_on":"2026-05-08","challenge_responded":{"challenge_id":"A1:1",
      "stage":{"name":"Stage 1"}}})"});

  // Escalated by the IRO on Thursday 2026-08-27, bypassing Stage 2 to Stage 3 (named in lower
  // case): day 0 Thu 27 Aug; Fri 28 is day 1; Mon 31 Aug is the Summer bank holiday; Tue 1 Sep
  // day 2, Wed 2 day 3, Thu 3 day 4, Fri 4 Sep day 5.
  auto bypassed = f.Record(child, {Json(R"({"occurred_on":"2026-08-27","challenge_escalated":{
      "challenge_id":"A1:1","to_stage":{"name":"stage 3"},"reason":"IRO_DECISION"}})")});
  REQUIRE(bypassed.ok());
  {
    const auto b =
        Decode(f.Stored(child, bypassed->append.first_version.value)).challenge_escalated();
    CHECK(b.from_stage().number() == 1);
    CHECK(b.from_stage().name() == "Stage 1");
    CHECK(b.to_stage().number() == 3);
    CHECK(b.to_stage().name() == "Stage 3");
    CHECK(b.response_due_on() == "2026-09-04");
  }

  auto resolved = f.Record(child, {Json(R"({"occurred_on":"2026-09-03","challenge_resolved":{
      "challenge_id":"A1:1","outcome":"Report received, plan updated"}})")});
  REQUIRE(resolved.ok());
  {
    const v1::Event stored = f.Stored(child, resolved->append.first_version.value);
    CHECK(stored.type() == "ChallengeResolved");
    const auto b = Decode(stored).challenge_resolved();
    CHECK(b.stage().number() == 3);
    CHECK(b.stage().name() == "Stage 3");
    CHECK(b.outcome() == "Report received, plan updated");
    const domain::ChallengeState* c = resolved->record.FindChallenge("A1:1");
    CHECK(c->status == domain::ChallengeState::Status::kResolved);
    CHECK(c->closed_on == Day(2026, 9, 3));
    CHECK_FALSE(c->response_due_on.has_value());
  }

  // A CAFCASS referral is allowed at any point, even after the challenge closed.
  auto referred = f.Record(child, {Json(R"({"occurred_on":"2026-09-10","cafcass_referral_made":{
      "challenge_id":"A1:1","reason":"repeated drift"}})")});
  REQUIRE(referred.ok());
  CHECK(f.Stored(child, referred->append.first_version.value).type() == "CafcassReferralMade");
  CHECK(referred->record.FindChallenge("A1:1")->cafcass_referred_on == Day(2026, 9, 10));
  CHECK(referred->record.child_cafcass_referrals().empty());

  // Raised straight at Stage 2 (by number) on Thursday 2026-10-01: Fri 2 Oct day 1, Mon 5
  // day 2, Tue 6 day 3, Wed 7 day 4, Thu 8 Oct day 5 (no holidays).
  auto formal = f.Record(child, {Json(R"({"occurred_on":"2026-10-01","challenge_raised":{
      "challenge_id":"A1:2","iro_id":"iro-7","theme":"Quality of Plan","stage":{"number":2}}})")});
  REQUIRE(formal.ok());
  {
    const auto b = Decode(f.Stored(child, formal->append.first_version.value)).challenge_raised();
    CHECK(b.stage().number() == 2);
    CHECK(b.stage().name() == "Stage 2");
    CHECK(b.theme() == "Quality of Plan");
    CHECK(b.response_due_on() == "2026-10-08");
  }
  auto withdrawn = f.Record(child, {Json(R"({"occurred_on":"2026-10-05","challenge_withdrawn":{
      "challenge_id":"A1:2","reason":"raised in error"}})")});
  REQUIRE(withdrawn.ok());
  CHECK(f.Stored(child, withdrawn->append.first_version.value).type() == "ChallengeWithdrawn");
  CHECK(withdrawn->record.FindChallenge("A1:2")->status ==
        domain::ChallengeState::Status::kWithdrawn);
  CHECK(withdrawn->record.FindChallenge("A1:2")->closed_on == Day(2026, 10, 5));
}

TEST_CASE("a missed response deadline is stored by the service and never by a council",
          "[intake]") {
  Intake f;
  const std::string child = "D1";
  f.Given(child, {CareStarted("2026-10-01")});
  // Raised on Friday 2026-11-13 at the informal stage: Mon 16 is day 1 ... Fri 20 Nov day 5, so
  // the response is due 2026-11-20 and missed when Monday 2026-11-23 (the next working day)
  // begins, which is before the clock's now (2026-11-23 12:00).
  f.Given(child, {R"({"occurred_on":"2026-11-13","challenge_raised":{"challenge_id":"D1:1",
      "iro_id":"iro-7","theme":"Management Oversight"}})"});
  REQUIRE(f.Load(child).FindChallenge("D1:1")->response_due_on == Day(2026, 11, 20));

  const v1::ChildEvent from_council = Json(R"({"occurred_on":"2026-11-23","deadline_missed":{
      "what":"challenge_response","rule":"Informal within 5 working days","due_on":"2026-11-20",
      "challenge_id":"D1:1","stage":{"number":0,"name":"Informal"}}})");
  CheckRejected(f, child,
                {{"a council system cannot record a DeadlineMissed",
                  {from_council},
                  kInvalid,
                  "events[0].deadline_missed",
                  "appended by Footprint itself"},
                 {"a council system cannot escalate for silence",
                  {Json(R"({"occurred_on":"2026-11-23","challenge_escalated":{"challenge_id":"D1:1",
            "reason":"NO_RESPONSE"}})")},
                  kInvalid,
                  "events[0].challenge_escalated.reason",
                  "made by Footprint itself"}});

  workflow::DeadlineEngine engine(f.store.get(), &f.clock);
  workflow::ChallengeDeadlines deadlines(f.store.get(), &f.policy, &f.calendar);
  engine.AddSource(&deadlines);
  const uint64_t end_before = f.End();
  auto fired = engine.FireDue();
  REQUIRE(fired.ok());
  CHECK(*fired == 1);
  CHECK(f.End() == end_before + 2);

  const auto events = f.Stream(child);
  REQUIRE(events.size() == 4);
  CHECK(events[2].type() == "DeadlineMissed");
  CHECK(events[2].metadata().source_system() == "footprint");
  const v1::ChildEvent missed = Decode(events[2]);
  CHECK(missed.child_id() == child);
  CHECK(missed.occurred_on() == "2026-11-23");
  CHECK(missed.deadline_missed().what() == "challenge_response");
  CHECK(missed.deadline_missed().due_on() == "2026-11-20");
  CHECK(missed.deadline_missed().challenge_id() == "D1:1");
  CHECK(missed.deadline_missed().stage().number() == 0);
  CHECK(missed.deadline_missed().stage().name() == "Informal");
  // Escalated on silence to Stage 1 on Mon 23 Nov: Tue 24 day 1 ... Fri 27 day 4, Mon 30 Nov
  // day 5.
  CHECK(events[3].type() == "ChallengeEscalated");
  const auto escalated = Decode(events[3]).challenge_escalated();
  CHECK(escalated.reason() == v1::ChallengeEscalated::NO_RESPONSE);
  CHECK(escalated.from_stage().name() == "Informal");
  CHECK(escalated.to_stage().name() == "Stage 1");
  CHECK(escalated.response_due_on() == "2026-11-30");

  // Firing again writes nothing: the deadline was handled once.
  auto again = engine.FireDue();
  REQUIRE(again.ok());
  CHECK(*again == 0);
  CHECK(f.End() == end_before + 2);

  // The service's own DeadlineMissed must match a stage awaiting a response: the challenge is
  // now at Stage 1, so another one for the informal stage is refused.
  const domain::ChildRecord record = f.Load(child);
  domain::ValidationContext system;
  system.today = Day(2026, 11, 23);
  system.policy = &f.policy;
  system.calendar = &f.calendar;
  system.system = true;
  v1::ChildEvent stale = from_council;
  const absl::Status status = domain::CompleteAndValidate(record, &stale, "events[0]", system);
  CHECK(status.code() == kPrecondition);
  CHECK_THAT(std::string(status.message()),
             StartsWith("events[0].deadline_missed: challenge D1:1 is not awaiting a response"));
}

TEST_CASE("a correction is stored as a Correction of the same child", "[intake]") {
  Intake f;
  const auto ids = f.Given("A1", {CareStarted("2026-01-05"),
                                  R"({"occurred_on":"2026-02-02","review_held":{
                                      "participation":"PN1"}})"});
  const v1::Event stored = CheckStoredAsSent(
      f, "A1",
      absl::StrCat(R"({"occurred_on":"2026-11-20","correction":{"supersedes_event_id":")", ids[1],
                   R"(","reason":"participation mistyped","replacement":{
                       "occurred_on":"2026-02-02","child_id":"A1",
                       "review_held":{"participation":"PN2"}}}})"),
      "Correction");
  CHECK(Decode(stored).correction().replacement().review_held().participation() == "PN2");
  // The corrected review is still the only review on that date.
  CHECK(f.Load("A1").ReviewHeldOn(Day(2026, 2, 2)));
}

// ---------------------------------------------------------------------------------------------
// Field rules: INVALID_ARGUMENT naming the field.

TEST_CASE("malformed dates, a foreign child id and a missing body are rejected", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05")});
  // Accepted the same way with a good date, which the last request shows.
  CheckRejected(f, "A1",
                {{"no occurred_on",
                  {Json(R"({"review_held":{"participation":"PN1"}})")},
                  kInvalid,
                  "events[0].occurred_on",
                  "required (YYYY-MM-DD)"},
                 {"month 13",
                  {Json(R"({"occurred_on":"2026-13-01","review_held":{"participation":"PN1"}})")},
                  kInvalid,
                  "events[0].occurred_on",
                  "'2026-13-01' is not a real calendar date"},
                 {"30 February",
                  {Json(R"({"occurred_on":"2026-02-30","review_held":{"participation":"PN1"}})")},
                  kInvalid,
                  "events[0].occurred_on",
                  "'2026-02-30' is not a real calendar date"},
                 {"903 style date",
                  {Json(R"({"occurred_on":"05/01/2026","review_held":{"participation":"PN1"}})")},
                  kInvalid,
                  "events[0].occurred_on",
                  "'05/01/2026' is not a date in the form YYYY-MM-DD"},
                 {"tomorrow in England",
                  {Json(R"({"occurred_on":"2026-11-24","review_held":{"participation":"PN1"}})")},
                  kInvalid,
                  "events[0].occurred_on",
                  "2026-11-24 is in the future (today is 2026-11-23)"},
                 {"before 1900",
                  {Json(R"({"occurred_on":"1899-12-31","plo_started":{}})")},
                  kInvalid,
                  "events[0].occurred_on",
                  "before 1900"},
                 {"another child's id in the event",
                  {Json(R"({"occurred_on":"2026-11-02","child_id":"B2",
                  "review_held":{"participation":"PN1"}})")},
                  kInvalid,
                  "events[0].child_id",
                  "'B2' is not the child of this request ('A1')"},
                 {"another child's id in the second event",
                  {Json(R"({"occurred_on":"2026-11-02","plo_started":{}})"),
                   Json(R"({"occurred_on":"2026-11-02","child_id":"A2","plo_started":{}})")},
                  kInvalid,
                  "events[1].child_id",
                  "'A2' is not the child of this request"},
                 {"no body",
                  {Json(R"({"occurred_on":"2026-11-02"})")},
                  kInvalid,
                  "events[0]",
                  "the event has no body"}});
  auto today = f.Record("A1", {Json(R"({"occurred_on":"2026-11-23","review_held":{
      "participation":"PN1"}})")});
  CHECK(today.ok());
}

TEST_CASE("a period of care needs known codes, a provider where one applies and a birth date",
          "[intake]") {
  Intake f;
  const std::string path = "events[0].period_of_care_started";
  const auto started = [](const std::string& legal_status, const std::string& placement,
                          const std::string& category, const std::string& date_of_birth) {
    std::string json = absl::StrCat(R"({"occurred_on":"2026-11-02","period_of_care_started":{)",
                                    R"("legal_status":")", legal_status, R"(",)");
    if (!placement.empty()) absl::StrAppend(&json, R"("placement":)", placement, ",");
    absl::StrAppend(&json, R"("category_of_need":")", category, R"(","date_of_birth":")",
                    date_of_birth, R"("}})");
    return Json(json);
  };
  const std::string u1 = R"({"type":"U1","provider":"PR1"})";
  CheckRejected(f, "N1",
                {{"legal status X9",
                  {started("X9", u1, "N1", "2015-06-01")},
                  kInvalid,
                  path + ".legal_status",
                  "'X9' is not a legal status (LS)"},
                 {"no legal status",
                  {started("", u1, "N1", "2015-06-01")},
                  kInvalid,
                  path + ".legal_status",
                  "required"},
                 {"no placement",
                  {started("C1", "", "N1", "2015-06-01")},
                  kInvalid,
                  path + ".placement",
                  "required"},
                 {"placement type U9",
                  {started("C1", R"({"type":"U9","provider":"PR1"})", "N1", "2015-06-01")},
                  kInvalid,
                  path + ".placement.type",
                  "'U9' is not a placement type (PLACE)"},
                 {"provider PR9",
                  {started("C1", R"({"type":"U1","provider":"PR9"})", "N1", "2015-06-01")},
                  kInvalid,
                  path + ".placement.provider",
                  "'PR9' is not a placement provider"},
                 {"no provider for foster care U1",
                  {started("C1", R"({"type":"U1"})", "N1", "2015-06-01")},
                  kInvalid,
                  path + ".placement.provider",
                  "required"},
                 {"a provider for a temporary placement T1",
                  {started("C1", R"({"type":"T1","provider":"PR1"})", "N1", "2015-06-01")},
                  kInvalid,
                  path + ".placement.provider",
                  "must be empty for a T1 placement"},
                 {"negative distance",
                  {started("C1", R"({"type":"U1","provider":"PR1","distance_miles":-1})", "N1",
                           "2015-06-01")},
                  kInvalid,
                  path + ".placement.distance_miles",
                  "must be between 0 and 1000"},
                 {"category of need N9",
                  {started("C1", u1, "N9", "2015-06-01")},
                  kInvalid,
                  path + ".category_of_need",
                  "'N9' is not a category of need (CIN)"},
                 {"no date of birth",
                  {started("C1", u1, "N1", "")},
                  kInvalid,
                  path + ".date_of_birth",
                  "required"},
                 {"903 style date of birth",
                  {started("C1", u1, "N1", "01/06/2015")},
                  kInvalid,
                  path + ".date_of_birth",
                  "is not a date in the form YYYY-MM-DD"},
                 {"born after care started",
                  {started("C1", u1, "N1", "2026-11-03")},
                  kInvalid,
                  path + ".date_of_birth",
                  "2026-11-03 is after the period of care starts"},
                 {"section 20 (V2) while placed with parents (P1)",
                  {started("V2", R"({"type":"P1","provider":"PR0"})", "N1", "2015-06-01")},
                  kInvalid,
                  path,
                  "V2 (single period of section 20) cannot be combined with placement P1"}});
  // The same request with good values is accepted.
  CHECK(f.Record("N1", {started("C1", u1, "N1", "2015-06-01")}).ok());
}

TEST_CASE("changes to care are rejected with codes that are not in the 903 lists", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05", "C1")});
  const auto moved = [](const std::string& placement, const std::string& reason) {
    return Json(
        absl::StrCat(R"({"occurred_on":"2026-11-02","placement_changed":{)",
                     placement.empty() ? "" : absl::StrCat(R"("placement":)", placement, ","),
                     R"("reason_for_change":")", reason, R"("}})"));
  };
  const std::string u2 = R"({"type":"U2","provider":"PR1"})";
  const std::string path = "events[0].placement_changed";
  CheckRejected(
      f, "A1",
      {{"care ended with X1, which continues care",
        {Json(R"({"occurred_on":"2026-11-02","period_of_care_ended":{"reason":"X1"}})")},
        kInvalid,
        "events[0].period_of_care_ended.reason",
        "'X1' is not a reason care ended (REC E-code)"},
       {"care ended with no reason",
        {Json(R"({"occurred_on":"2026-11-02","period_of_care_ended":{}})")},
        kInvalid,
        "events[0].period_of_care_ended.reason",
        "required"},
       {"legal status X9",
        {Json(R"({"occurred_on":"2026-11-02","legal_status_changed":{"legal_status":"X9"}})")},
        kInvalid,
        "events[0].legal_status_changed.legal_status",
        "'X9' is not a legal status"},
       {"placement type U9",
        {moved(R"({"type":"U9","provider":"PR1"})", "CARPL")},
        kInvalid,
        path + ".placement.type",
        "'U9' is not a placement type"},
       {"provider PR9",
        {moved(R"({"type":"U2","provider":"PR9"})", "CARPL")},
        kInvalid,
        path + ".placement.provider",
        "'PR9' is not a placement provider"},
       {"no provider for U1",
        {moved(R"({"type":"U1"})", "CARPL")},
        kInvalid,
        path + ".placement.provider",
        "required"},
       {"a provider for T1",
        {moved(R"({"type":"T1","provider":"PR4"})", "CARPL")},
        kInvalid,
        path + ".placement.provider",
        "must be empty for a T1 placement"},
       {"a provider for Z1",
        {moved(R"({"type":"Z1","provider":"PR4"})", "CARPL")},
        kInvalid,
        path + ".placement.provider",
        "must be empty for a Z1 placement"},
       {"negative distance",
        {moved(R"({"type":"U2","provider":"PR1","distance_miles":-0.5})", "CARPL")},
        kInvalid,
        path + ".placement.distance_miles",
        "must be between 0 and 1000"},
       {"reason MOVED",
        {moved(u2, "MOVED")},
        kInvalid,
        path + ".reason_for_change",
        "'MOVED' is not a reason for placement change (REASON_PLACE_CHANGE)"},
       {"no reason", {moved(u2, "")}, kInvalid, path + ".reason_for_change", "required"},
       {"no placement", {moved("", "CARPL")}, kInvalid, path + ".placement", "required"}});
  CHECK(f.Record("A1", {moved(u2, "CARPL")}).ok());
}

TEST_CASE("consent, allocation, court and review events are rejected with bad fields", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05"),
                 R"({"occurred_on":"2026-11-02","review_held":{"participation":"PN1"}})"});
  const std::string long_text(4001, 'x');
  v1::ChildEvent unknown_kind =
      Json(R"({"occurred_on":"2026-11-03","review_held":{"participation":"PN1"}})");
  unknown_kind.mutable_review_held()->set_kind(static_cast<v1::ReviewHeld::Kind>(7));
  CheckRejected(
      f, "A1",
      {{"consent with no consenter",
        {Json(R"({"occurred_on":"2026-11-03","section20_consent_recorded":{
            "consenter_name":"Ms A"}})")},
        kInvalid,
        "events[0].section20_consent_recorded.consented_by",
        "required"},
       {"withdrawal with a 4001-byte note",
        {Json(absl::StrCat(R"({"occurred_on":"2026-11-03","section20_consent_withdrawn":{"note":")",
                           long_text, R"("}})"))},
        kInvalid,
        "events[0].section20_consent_withdrawn.note",
        "at most 4000 bytes"},
       {"PLO started tomorrow",
        {Json(R"({"occurred_on":"2026-11-24","plo_started":{}})")},
        kInvalid,
        "events[0].occurred_on",
        "in the future"},
       {"proceedings with a 4001-byte court",
        {Json(absl::StrCat(R"({"occurred_on":"2026-11-03","proceedings_issued":{"court":")",
                           long_text, R"("}})"))},
        kInvalid,
        "events[0].proceedings_issued.court",
        "at most 4000 bytes"},
       {"IRO allocated with no IRO id",
        {Json(R"({"occurred_on":"2026-11-03","iro_allocated":{"iro_name":"Sam Lee"}})")},
        kInvalid,
        "events[0].iro_allocated.iro_id",
        "required"},
       {"IRO id with a space",
        {Json(R"({"occurred_on":"2026-11-03","iro_allocated":{"iro_id":"iro 7"}})")},
        kInvalid,
        "events[0].iro_allocated.iro_id",
        "'iro 7' may only contain"},
       {"participation PN8",
        {Json(R"({"occurred_on":"2026-11-03","review_held":{"participation":"PN8"}})")},
        kInvalid,
        "events[0].review_held.participation",
        "'PN8' is not a participation code (REVIEW_CODE)"},
       {"no participation",
        {Json(R"({"occurred_on":"2026-11-03","review_held":{}})")},
        kInvalid,
        "events[0].review_held.participation",
        "required"},
       {"review kind 7", {unknown_kind}, kInvalid, "events[0].review_held.kind", "unknown value"},
       {"review IRO id with '#'",
        {Json(R"({"occurred_on":"2026-11-03","review_held":{"iro_id":"iro#7",
            "participation":"PN1"}})")},
        kInvalid,
        "events[0].review_held.iro_id",
        "may only contain"},
       {"report with no review date",
        {Json(R"({"occurred_on":"2026-11-03","social_worker_report_received":{}})")},
        kInvalid,
        "events[0].social_worker_report_received.review_date",
        "required"},
       {"report with a malformed review date",
        {Json(R"({"occurred_on":"2026-11-03","social_worker_report_received":{
            "review_date":"2026/11/30"}})")},
        kInvalid,
        "events[0].social_worker_report_received.review_date",
        "is not a date in the form YYYY-MM-DD"},
       {"recommendations for a review in the future",
        {Json(R"({"occurred_on":"2026-11-03","recommendations_issued":{
            "review_date":"2026-11-30"}})")},
        kInvalid,
        "events[0].recommendations_issued.review_date",
        "is in the future"},
       {"record distributed with no review date",
        {Json(R"({"occurred_on":"2026-11-03","review_record_distributed":{}})")},
        kInvalid,
        "events[0].review_record_distributed.review_date",
        "required"},
       {"midway review with a 65-character IRO id",
        {Json(absl::StrCat(R"({"occurred_on":"2026-11-03","midway_review_completed":{"iro_id":")",
                           std::string(65, 'i'), R"("}})"))},
        kInvalid,
        "events[0].midway_review_completed.iro_id",
        "at most 64 characters"}});
  // A report may come before a review planned for a later date.
  CHECK(f.Record("A1", {Json(R"({"occurred_on":"2026-11-03","social_worker_report_received":{
      "review_date":"2026-11-30"}})")})
            .ok());
}

TEST_CASE("challenge events are rejected with bad ids, themes, stages or reasons", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05"),
                 R"({"occurred_on":"2026-11-02","challenge_raised":{"challenge_id":"A1:1",
                     "iro_id":"iro-7","theme":"Drift and Delay"}})"});
  const auto raised = [](const std::string& fields) {
    return Json(absl::StrCat(R"({"occurred_on":"2026-11-03","challenge_raised":{)", fields, "}}"));
  };
  const std::string path = "events[0].challenge_raised";
  CheckRejected(
      f, "A1",
      {{"theme not in the council's list",
        {raised(R"("challenge_id":"A1:2","iro_id":"iro-7","theme":"Paperwork")")},
        kInvalid,
        path + ".theme",
        "'Paperwork' is not one of this council's themes"},
       {"no theme",
        {raised(R"("challenge_id":"A1:2","iro_id":"iro-7")")},
        kInvalid,
        path + ".theme",
        "required (one of: Drift and Delay, Management Oversight"},
       {"challenge id without the child",
        {raised(R"("challenge_id":"C2","iro_id":"iro-7","theme":"Quality of Plan")")},
        kInvalid,
        path + ".challenge_id",
        "'C2' must be 'A1:' followed by"},
       {"challenge id of another child",
        {raised(R"("challenge_id":"B2:1","iro_id":"iro-7","theme":"Quality of Plan")")},
        kInvalid,
        path + ".challenge_id",
        "must be 'A1:'"},
       {"challenge id of a child whose id starts the same",
        {raised(R"("challenge_id":"A10:1","iro_id":"iro-7","theme":"Quality of Plan")")},
        kInvalid,
        path + ".challenge_id",
        "must be 'A1:'"},
       {"challenge id with nothing after the child",
        {raised(R"("challenge_id":"A1:","iro_id":"iro-7","theme":"Quality of Plan")")},
        kInvalid,
        path + ".challenge_id",
        "must be 'A1:'"},
       {"no challenge id",
        {raised(R"("iro_id":"iro-7","theme":"Quality of Plan")")},
        kInvalid,
        path + ".challenge_id",
        "required"},
       {"no IRO",
        {raised(R"("challenge_id":"A1:2","theme":"Quality of Plan")")},
        kInvalid,
        path + ".iro_id",
        "required"},
       {"malformed response date",
        {raised(R"("challenge_id":"A1:2","iro_id":"iro-7","theme":"Quality of Plan",
                   "response_due_on":"30/11/2026")")},
        kInvalid,
        path + ".response_due_on",
        "is not a date in the form YYYY-MM-DD"},
       {"response due before the challenge",
        {raised(R"("challenge_id":"A1:2","iro_id":"iro-7","theme":"Quality of Plan",
                   "response_due_on":"2026-11-02")")},
        kInvalid,
        path + ".response_due_on",
        "is before the challenge"},
       {"stage name not in the policy",
        {raised(R"("challenge_id":"A1:2","iro_id":"iro-7","theme":"Quality of Plan",
                   "stage":{"name":"Stage 9"})")},
        kInvalid,
        path + ".stage",
        "'Stage 9' is not a stage of this council"},
       {"stage number beyond the last",
        {raised(R"("challenge_id":"A1:2","iro_id":"iro-7","theme":"Quality of Plan",
                   "stage":{"number":5})")},
        kInvalid,
        path + ".stage",
        "stage 5 does not exist (the last is 4)"},
       {"stage number and name disagree",
        {raised(R"("challenge_id":"A1:2","iro_id":"iro-7","theme":"Quality of Plan",
                   "stage":{"number":2,"name":"Stage 1"})")},
        kInvalid,
        path + ".stage",
        "number 2 does not match stage 'Stage 1'"},
       {"response with no challenge id",
        {Json(R"({"occurred_on":"2026-11-03","challenge_responded":{"response":"ok"}})")},
        kInvalid,
        "events[0].challenge_responded.challenge_id",
        "required"},
       {"response at a stage not in the policy",
        {Json(R"({"occurred_on":"2026-11-03","challenge_responded":{"challenge_id":"A1:1",
            "stage":{"name":"Stage 9"}}})")},
        kInvalid,
        "events[0].challenge_responded.stage",
        "'Stage 9' is not a stage"},
       {"escalation for silence from a council system",
        {Json(R"({"occurred_on":"2026-11-03","challenge_escalated":{"challenge_id":"A1:1",
            "reason":"NO_RESPONSE"}})")},
        kInvalid,
        "events[0].challenge_escalated.reason",
        "NO_RESPONSE escalations are made by Footprint itself"},
       {"resolution with no outcome",
        {Json(R"({"occurred_on":"2026-11-03","challenge_resolved":{"challenge_id":"A1:1"}})")},
        kInvalid,
        "events[0].challenge_resolved.outcome",
        "required"},
       {"withdrawal of a challenge id with a space",
        {Json(R"({"occurred_on":"2026-11-03","challenge_withdrawn":{"challenge_id":"A1 1"}})")},
        kInvalid,
        "events[0].challenge_withdrawn.challenge_id",
        "may only contain"},
       {"CAFCASS referral of a challenge id with '#'",
        {Json(R"({"occurred_on":"2026-11-03","cafcass_referral_made":{"challenge_id":"A1#1"}})")},
        kInvalid,
        "events[0].cafcass_referral_made.challenge_id",
        "may only contain"},
       {"deadline missed from a council system",
        {Json(R"({"occurred_on":"2026-11-03","deadline_missed":{"what":"challenge_response",
            "due_on":"2026-11-02","challenge_id":"A1:1","stage":{"number":0}}})")},
        kInvalid,
        "events[0].deadline_missed",
        "appended by Footprint itself"}});
  CHECK(f.Record("A1", {raised(R"("challenge_id":"A1:2","iro_id":"iro-7",
                                  "theme":"Quality of Plan")")})
            .ok());
}

TEST_CASE("a correction needs a well-formed target, a reason and a valid replacement", "[intake]") {
  Intake f;
  const auto ids = f.Given("A1", {CareStarted("2026-01-05"),
                                  R"({"occurred_on":"2026-02-02","review_held":{
                                      "participation":"PN1"}})"});
  const std::string review = ids[1];
  const auto correction = [](const std::string& fields) {
    return Json(absl::StrCat(R"({"occurred_on":"2026-11-20","correction":{)", fields, "}}"));
  };
  const std::string path = "events[0].correction";
  CheckRejected(
      f, "A1",
      {{"target is not a UUID",
        {correction(R"("supersedes_event_id":"review-1","reason":"typo")")},
        kInvalid,
        path + ".supersedes_event_id",
        "is not a UUID"},
       {"no target",
        {correction(R"("reason":"typo")")},
        kInvalid,
        path + ".supersedes_event_id",
        "is not a UUID"},
       {"no reason",
        {correction(absl::StrCat(R"("supersedes_event_id":")", review, R"(")"))},
        kInvalid,
        path + ".reason",
        "required"},
       {"replacement with participation PN8",
        {correction(absl::StrCat(R"("supersedes_event_id":")", review,
                                 R"(","reason":"typo","replacement":{"occurred_on":"2026-02-02",
                                     "review_held":{"participation":"PN8"}})"))},
        kInvalid,
        path + ".replacement.review_held.participation",
        "'PN8' is not a participation"},
       {"replacement about another child",
        {correction(absl::StrCat(R"("supersedes_event_id":")", review,
                                 R"(","reason":"typo","replacement":{"occurred_on":"2026-02-02",
                                     "child_id":"B2","review_held":{"participation":"PN2"}})"))},
        kInvalid,
        path + ".replacement.child_id",
        "'B2' is not the child of this request"},
       {"replacement dated in the future",
        {correction(absl::StrCat(R"("supersedes_event_id":")", review,
                                 R"(","reason":"typo","replacement":{"occurred_on":"2026-12-01",
                                     "review_held":{"participation":"PN2"}})"))},
        kInvalid,
        path + ".replacement.occurred_on",
        "is in the future"}});
  CHECK(f.Record("A1", {correction(absl::StrCat(R"("supersedes_event_id":")", review,
                                                R"(","reason":"recorded in error")"))})
            .ok());
}

TEST_CASE("requests without events, with a bad child id or a bad event id are rejected",
          "[intake]") {
  Intake f;
  const v1::ChildEvent start = Json(CareStarted("2026-01-05"));
  auto empty = f.Record("A1", std::vector<v1::ChildEvent>{});
  CHECK(empty.status().code() == kInvalid);
  CHECK_THAT(std::string(empty.status().message()), StartsWith("events: at least one event"));
  auto bad_child = f.Record("child 1", {start});
  CHECK(bad_child.status().code() == kInvalid);
  CHECK_THAT(std::string(bad_child.status().message()), StartsWith("child_id: "));
  auto bad_id = f.Record("A1", {start}, {"event-1"});
  CHECK(bad_id.status().code() == kInvalid);
  CHECK_THAT(std::string(bad_id.status().message()), StartsWith("events[0].event_id: "));
  CHECK(f.End() == 0);
  CHECK(f.StreamLength("A1") == 0);
}

// ---------------------------------------------------------------------------------------------
// Record rules: FAILED_PRECONDITION when the child's record does not allow the event.

TEST_CASE("events about care are refused for a child who is not looked after on their date",
          "[intake]") {
  Intake f;
  // E1 was looked after from Monday 2025-01-06 to 2026-06-30.
  f.Given("E1", {CareStarted("2025-01-06"),
                 R"({"occurred_on":"2026-06-30","period_of_care_ended":{"reason":"E4A"}})"});

  const std::string not_looked_after = "is not looked after on ";
  std::vector<Rejection> never = {
      {"review",
       {Json(R"({"occurred_on":"2026-11-02","review_held":{"participation":"PN1"}})")},
       kPrecondition,
       "events[0].review_held",
       "child N0 is not looked after on 2026-11-02"},
      {"placement change",
       {Json(R"({"occurred_on":"2026-11-02","placement_changed":{"placement":{"type":"U2",
           "provider":"PR1"},"reason_for_change":"CARPL"}})")},
       kPrecondition,
       "events[0].placement_changed",
       not_looked_after},
      {"legal status change",
       {Json(R"({"occurred_on":"2026-11-02","legal_status_changed":{"legal_status":"C2"}})")},
       kPrecondition,
       "events[0].legal_status_changed",
       not_looked_after},
      {"midway review",
       {Json(R"({"occurred_on":"2026-11-02","midway_review_completed":{"iro_id":"iro-7"}})")},
       kPrecondition,
       "events[0].midway_review_completed",
       not_looked_after},
      {"IRO allocation",
       {Json(R"({"occurred_on":"2026-11-02","iro_allocated":{"iro_id":"iro-7"}})")},
       kPrecondition,
       "events[0].iro_allocated",
       not_looked_after},
      {"PLO",
       {Json(R"({"occurred_on":"2026-11-02","plo_started":{}})")},
       kPrecondition,
       "events[0].plo_started",
       not_looked_after},
      {"proceedings",
       {Json(R"({"occurred_on":"2026-11-02","proceedings_issued":{}})")},
       kPrecondition,
       "events[0].proceedings_issued",
       not_looked_after},
      {"section 20 consent",
       {Json(R"({"occurred_on":"2026-11-02","section20_consent_recorded":{
           "consented_by":"PARENT"}})")},
       kPrecondition,
       "events[0].section20_consent_recorded",
       not_looked_after},
      {"social worker's report",
       {Json(R"({"occurred_on":"2026-11-02","social_worker_report_received":{
           "review_date":"2026-11-09"}})")},
       kPrecondition,
       "events[0].social_worker_report_received",
       not_looked_after},
      {"challenge",
       {Json(R"({"occurred_on":"2026-11-02","challenge_raised":{"challenge_id":"N0:1",
           "iro_id":"iro-7","theme":"Drift and Delay"}})")},
       kPrecondition,
       "events[0].challenge_raised",
       not_looked_after},
      {"care ended",
       {Json(R"({"occurred_on":"2026-11-02","period_of_care_ended":{"reason":"E4A"}})")},
       kPrecondition,
       "events[0].period_of_care_ended",
       "child N0 has never been looked after"},
      {"CAFCASS referral for the child",
       {Json(R"({"occurred_on":"2026-11-02","cafcass_referral_made":{}})")},
       kPrecondition,
       "events[0].cafcass_referral_made",
       "child N0 was not looked after before 2026-11-02"},
      {"recommendations with no review",
       {Json(R"({"occurred_on":"2026-11-02","recommendations_issued":{
           "review_date":"2026-11-02"}})")},
       kPrecondition,
       "events[0].recommendations_issued.review_date",
       "no review held on 2026-11-02 is recorded"},
  };
  CheckRejected(f, "N0", never);
  CHECK(f.StreamLength("N0") == 0);

  CheckRejected(
      f, "E1",
      {{"review the day after care ended",
        {Json(R"({"occurred_on":"2026-07-01","review_held":{"participation":"PN1"}})")},
        kPrecondition,
        "events[0].review_held",
        "child E1 is not looked after on 2026-07-01 (no period of care covers that date)"},
       {"review the day before care started",
        {Json(R"({"occurred_on":"2025-01-05","review_held":{"participation":"PN1"}})")},
        kPrecondition,
        "events[0].review_held",
        "child E1 is not looked after on 2025-01-05"},
       {"placement change after care ended",
        {Json(R"({"occurred_on":"2026-08-03","placement_changed":{"placement":{"type":"U2",
            "provider":"PR1"},"reason_for_change":"CARPL"}})")},
        kPrecondition,
        "events[0].placement_changed",
        "is not looked after on 2026-08-03"},
       {"legal status change after care ended",
        {Json(R"({"occurred_on":"2026-08-03","legal_status_changed":{"legal_status":"C2"}})")},
        kPrecondition,
        "events[0].legal_status_changed",
        "is not looked after on 2026-08-03"},
       {"midway review after care ended",
        {Json(R"({"occurred_on":"2026-08-03","midway_review_completed":{}})")},
        kPrecondition,
        "events[0].midway_review_completed",
        "is not looked after on 2026-08-03"},
       {"IRO allocated before care started",
        {Json(R"({"occurred_on":"2024-12-20","iro_allocated":{"iro_id":"iro-7"}})")},
        kPrecondition,
        "events[0].iro_allocated",
        "is not looked after on 2024-12-20"},
       {"care ended twice",
        {Json(R"({"occurred_on":"2026-08-03","period_of_care_ended":{"reason":"E4A"}})")},
        kPrecondition,
        "events[0].period_of_care_ended",
        "care has already ended (on 2026-06-30)"}});

  // Within the period the same events are accepted.
  CHECK(f.Record("E1", {Json(R"({"occurred_on":"2026-06-01","review_held":{
      "participation":"PN1"}})")})
            .ok());
  CHECK(f.Record("E1", {Json(R"({"occurred_on":"2025-01-06","iro_allocated":{
      "iro_id":"iro-7"}})")})
            .ok());
}

TEST_CASE("periods of care do not overlap and keep the date of birth first recorded", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05")});
  f.Given("E1", {CareStarted("2025-01-06"),
                 R"({"occurred_on":"2026-06-30","period_of_care_ended":{"reason":"E4A"}})"});
  CheckRejected(
      f, "A1",
      {{"a new period while one is open",
        {Json(CareStarted("2026-11-02"))},
        kPrecondition,
        "events[0].period_of_care_started",
        "child A1 is already looked after on 2026-11-02 (period of care from 2026-01-05)"},
       {"an end before the start",
        {Json(R"({"occurred_on":"2026-01-04","period_of_care_ended":{"reason":"E4A"}})")},
        kPrecondition,
        "events[0].occurred_on",
        "2026-01-04 is before the period of care started"}});
  CheckRejected(
      f, "E1",
      {{"a new period starting the day the previous one ended",
        {Json(CareStarted("2026-06-30"))},
        kPrecondition,
        "events[0].period_of_care_started",
        "child E1 is already looked after on 2026-06-30 (period of care from 2025-01-06)"},
       {"a new period starting inside the previous one",
        {Json(CareStarted("2026-03-02"))},
        kPrecondition,
        "events[0].period_of_care_started",
        "is already looked after on 2026-03-02"},
       {"another date of birth",
        {Json(CareStarted("2026-07-01", "V2", R"({"type":"U1","provider":"PR1"})", "2012-03-15"))},
        kPrecondition,
        "events[0].period_of_care_started.date_of_birth",
        "2012-03-15 differs from the date of birth recorded before (2012-03-14)"}});

  auto second = f.Record("E1", {Json(CareStarted("2026-07-01"))});
  REQUIRE(second.ok());
  REQUIRE(second->record.periods().size() == 2);
  CHECK(second->record.periods()[1].start == Day(2026, 7, 1));
  CHECK_FALSE(second->record.periods()[1].end.has_value());
}

TEST_CASE("section 20 consent needs a section 20 status and a consenter who may consent",
          "[intake]") {
  Intake f;
  f.Given("C2", {CareStarted("2026-01-05", "C2")});
  // Y12 is 12 and Y16 is 16 on 2026-11-02; both in section 20.
  f.Given("Y12",
          {CareStarted("2026-01-05", "V2", R"({"type":"U1","provider":"PR1"})", "2014-05-01")});
  f.Given("Y16",
          {CareStarted("2026-01-05", "V2", R"({"type":"U1","provider":"PR1"})", "2010-01-15")});
  const auto consent = [](const std::string& by) {
    return Json(absl::StrCat(R"({"occurred_on":"2026-11-02","section20_consent_recorded":{)",
                             R"("consented_by":")", by, R"("}})"));
  };
  CheckRejected(f, "C2",
                {{"consent under a care order",
                  {consent("PARENT")},
                  kPrecondition,
                  "events[0].section20_consent_recorded",
                  "section 20 consent applies to legal status V2, V3 or V4; the legal status on "
                  "2026-11-02 is C2"},
                 {"consent withdrawn under a care order",
                  {Json(R"({"occurred_on":"2026-11-02","section20_consent_withdrawn":{
            "removal_requested":true}})")},
                  kPrecondition,
                  "events[0].section20_consent_withdrawn",
                  "the legal status on 2026-11-02 is C2"}});
  CheckRejected(f, "Y12",
                {{"a 12-year-old consenting alone",
                  {consent("CHILD_AGED_16_OR_17")},
                  kPrecondition,
                  "events[0].section20_consent_recorded.consented_by",
                  "the child is 12 on 2026-11-02; only a child aged 16 or 17 may consent alone"}});
  CHECK(f.Record("Y12", {consent("PARENT")}).ok());
  CHECK(f.Record("Y16", {consent("CHILD_AGED_16_OR_17")}).ok());
}

TEST_CASE("review participation follows the child's age, one review a day, paperwork after it",
          "[intake]") {
  Intake f;
  // B4 turns 4 on 2026-11-01.
  f.Given("B4",
          {CareStarted("2026-01-05", "C1", R"({"type":"U1","provider":"PR1"})", "2022-11-01")});
  const auto review = [](const std::string& on, const std::string& code) {
    return Json(absl::StrCat(R"({"occurred_on":")", on, R"(","review_held":{"participation":")",
                             code, R"("}})"));
  };
  CheckRejected(f, "B4",
                {{"PN1 the day before the 4th birthday",
                  {review("2026-10-31", "PN1")},
                  kPrecondition,
                  "events[0].review_held.participation",
                  "the child is under 4 on 2026-10-31: the code is PN0"},
                 {"PN0 on the 4th birthday",
                  {review("2026-11-01", "PN0")},
                  kPrecondition,
                  "events[0].review_held.participation",
                  "PN0 is for children under 4; the child is 4 on 2026-11-01"}});
  REQUIRE(f.Record("B4", {review("2026-10-31", "PN0")}).ok());
  REQUIRE(f.Record("B4", {review("2026-11-01", "PN1")}).ok());

  CheckRejected(f, "B4",
                {{"a second review on the same date",
                  {review("2026-11-01", "PN2")},
                  kPrecondition,
                  "events[0].review_held",
                  "a review is already recorded on 2026-11-01"},
                 {"two reviews on one date in one request",
                  {review("2026-11-02", "PN1"), review("2026-11-02", "PN2")},
                  kPrecondition,
                  "events[1].review_held",
                  "a review is already recorded on 2026-11-02"},
                 {"recommendations for a date with no review",
                  {Json(R"({"occurred_on":"2026-11-03","recommendations_issued":{
            "review_date":"2026-11-02"}})")},
                  kPrecondition,
                  "events[0].recommendations_issued.review_date",
                  "no review held on 2026-11-02 is recorded"},
                 {"record distributed for a date with no review",
                  {Json(R"({"occurred_on":"2026-11-03","review_record_distributed":{
            "review_date":"2026-10-30"}})")},
                  kPrecondition,
                  "events[0].review_record_distributed.review_date",
                  "no review held on 2026-10-30 is recorded"},
                 {"recommendations before the review",
                  {Json(R"({"occurred_on":"2026-10-30","recommendations_issued":{
            "review_date":"2026-10-31"}})")},
                  kPrecondition,
                  "events[0].occurred_on",
                  "2026-10-30 is before the review (2026-10-31)"},
                 {"a report for a review before care started",
                  {Json(R"({"occurred_on":"2026-11-03","social_worker_report_received":{
            "review_date":"2026-01-02"}})")},
                  kPrecondition,
                  "events[0].social_worker_report_received.review_date",
                  "2026-01-02 is before the period of care started (2026-01-05)"}});
  CHECK(f.Record("B4", {Json(R"({"occurred_on":"2026-11-06","recommendations_issued":{
      "review_date":"2026-11-01"}})")})
            .ok());
}

TEST_CASE("section 20 cannot combine with a placement with parents, nor repeat a status",
          "[intake]") {
  Intake f;
  f.Given("P1", {CareStarted("2026-01-05", "C1", R"({"type":"P1","provider":"PR0"})")});
  f.Given("V2", {CareStarted("2026-01-05", "V2")});
  CheckRejected(
      f, "P1",
      {{"V2 while placed with parents",
        {Json(R"({"occurred_on":"2026-11-02","legal_status_changed":{"legal_status":"V2"}})")},
        kPrecondition,
        "events[0].legal_status_changed.legal_status",
        "V2 (single period of section 20) cannot apply while the child is placed with parents "
        "(P1)"},
       {"the status it already has",
        {Json(R"({"occurred_on":"2026-11-02","legal_status_changed":{"legal_status":"C1"}})")},
        kPrecondition,
        "events[0].legal_status_changed.legal_status",
        "the legal status is already C1 on 2026-11-02"}});
  CheckRejected(
      f, "V2",
      {{"placed with parents while in section 20",
        {Json(R"({"occurred_on":"2026-11-02","placement_changed":{"placement":{"type":"P1",
            "provider":"PR0"},"reason_for_change":"CARPL"}})")},
        kPrecondition,
        "events[0].placement_changed.placement.type",
        "P1 (placed with parents) cannot apply while the legal status is V2"}});
  CHECK(f.Record("P1", {Json(R"({"occurred_on":"2026-11-02","legal_status_changed":{
      "legal_status":"C2"}})")})
            .ok());
  // Moved from parents first, the child may then be accommodated under section 20.
  CHECK(f.Record("P1", {Json(R"({"occurred_on":"2026-11-03","placement_changed":{"placement":{
                            "type":"U1","provider":"PR1"},"reason_for_change":"CARPL"}})"),
                        Json(R"({"occurred_on":"2026-11-04","legal_status_changed":{
                            "legal_status":"V2"}})")})
            .ok());
}

TEST_CASE("challenge steps are refused for unknown or closed challenges and out of order",
          "[intake]") {
  Intake f;
  const std::string child = "A1";
  const auto raise = [](const std::string& id, const std::string& stage) {
    return absl::StrCat(R"({"occurred_on":"2026-11-02","challenge_raised":{"challenge_id":")", id,
                        R"(","iro_id":"iro-7","theme":"Drift and Delay","stage":{"name":")", stage,
                        R"("}}})");
  };
  f.Given(child,
          {CareStarted("2026-01-05"), raise("A1:1", "Informal"),
           R"({"occurred_on":"2026-11-05","challenge_resolved":{"challenge_id":"A1:1",
               "outcome":"done"}})",
           raise("A1:2", "Informal"),
           R"({"occurred_on":"2026-11-04","challenge_withdrawn":{"challenge_id":"A1:2"}})",
           raise("A1:3", "Informal"),
           R"({"occurred_on":"2026-11-03","challenge_responded":{"challenge_id":"A1:3"}})",
           raise("A1:4", "Stage 4"), raise("A1:5", "Stage 2"), raise("A1:6", "Informal"),
           R"({"occurred_on":"2026-11-10","cafcass_referral_made":{"challenge_id":"A1:6"}})"});
  const auto step = [](const std::string& body, const std::string& fields,
                       const std::string& on = "2026-11-12") {
    return Json(absl::StrCat(R"({"occurred_on":")", on, R"(",")", body, R"(":{)", fields, "}}"));
  };
  const std::string no_challenge = "no challenge 'A1:99' for child A1";
  CheckRejected(
      f, child,
      {{"response to an unknown challenge",
        {step("challenge_responded", R"("challenge_id":"A1:99")")},
        kPrecondition,
        "events[0].challenge_responded.challenge_id",
        no_challenge},
       {"escalation of an unknown challenge",
        {step("challenge_escalated", R"("challenge_id":"A1:99")")},
        kPrecondition,
        "events[0].challenge_escalated.challenge_id",
        no_challenge},
       {"resolution of an unknown challenge",
        {step("challenge_resolved", R"("challenge_id":"A1:99","outcome":"x")")},
        kPrecondition,
        "events[0].challenge_resolved.challenge_id",
        no_challenge},
       {"withdrawal of an unknown challenge",
        {step("challenge_withdrawn", R"("challenge_id":"A1:99")")},
        kPrecondition,
        "events[0].challenge_withdrawn.challenge_id",
        no_challenge},
       {"CAFCASS referral of an unknown challenge",
        {step("cafcass_referral_made", R"("challenge_id":"A1:99")")},
        kPrecondition,
        "events[0].cafcass_referral_made.challenge_id",
        no_challenge},
       {"response to another child's challenge",
        {step("challenge_responded", R"("challenge_id":"B2:1")")},
        kPrecondition,
        "events[0].challenge_responded.challenge_id",
        "no challenge 'B2:1' for child A1"},
       {"response to a resolved challenge",
        {step("challenge_responded", R"("challenge_id":"A1:1")")},
        kPrecondition,
        "events[0].challenge_responded.challenge_id",
        "challenge A1:1 is closed (resolved on 2026-11-05)"},
       {"escalation of a resolved challenge",
        {step("challenge_escalated", R"("challenge_id":"A1:1")")},
        kPrecondition,
        "events[0].challenge_escalated.challenge_id",
        "challenge A1:1 is closed (resolved"},
       {"resolution of a resolved challenge",
        {step("challenge_resolved", R"("challenge_id":"A1:1","outcome":"again")")},
        kPrecondition,
        "events[0].challenge_resolved.challenge_id",
        "challenge A1:1 is closed (resolved"},
       {"withdrawal of a resolved challenge",
        {step("challenge_withdrawn", R"("challenge_id":"A1:1")")},
        kPrecondition,
        "events[0].challenge_withdrawn.challenge_id",
        "challenge A1:1 is closed (resolved"},
       {"response to a withdrawn challenge",
        {step("challenge_responded", R"("challenge_id":"A1:2")")},
        kPrecondition,
        "events[0].challenge_responded.challenge_id",
        "challenge A1:2 is closed (withdrawn on 2026-11-04)"},
       {"escalation of a withdrawn challenge",
        {step("challenge_escalated", R"("challenge_id":"A1:2")")},
        kPrecondition,
        "events[0].challenge_escalated.challenge_id",
        "challenge A1:2 is closed (withdrawn"},
       {"resolution of a withdrawn challenge",
        {step("challenge_resolved", R"("challenge_id":"A1:2","outcome":"x")")},
        kPrecondition,
        "events[0].challenge_resolved.challenge_id",
        "challenge A1:2 is closed (withdrawn"},
       {"a second response at the same stage",
        {step("challenge_responded", R"("challenge_id":"A1:3")")},
        kPrecondition,
        "events[0].challenge_responded",
        "challenge A1:3 already has a response at Informal"},
       {"escalation from the last stage",
        {step("challenge_escalated", R"("challenge_id":"A1:4")")},
        kPrecondition,
        "events[0].challenge_escalated",
        "Stage 4 is the last stage; there is no higher stage to escalate to"},
       {"escalation to a lower stage",
        {step("challenge_escalated", R"("challenge_id":"A1:5","to_stage":{"name":"Stage 1"})")},
        kPrecondition,
        "events[0].challenge_escalated.to_stage",
        "can only escalate to a higher stage than Stage 2, not to Stage 1"},
       {"escalation to the same stage",
        {step("challenge_escalated", R"("challenge_id":"A1:5","to_stage":{"number":2})")},
        kPrecondition,
        "events[0].challenge_escalated.to_stage",
        "can only escalate to a higher stage than Stage 2"},
       {"escalation from a stage it is not at",
        {step("challenge_escalated", R"("challenge_id":"A1:5","from_stage":{"number":1})")},
        kPrecondition,
        "events[0].challenge_escalated.from_stage",
        "challenge A1:5 is at Stage 2, not Stage 1"},
       {"response at a stage it is not at",
        {step("challenge_responded", R"("challenge_id":"A1:5","stage":{"name":"Informal"})")},
        kPrecondition,
        "events[0].challenge_responded.stage",
        "challenge A1:5 is at Stage 2, not Informal"},
       {"resolution at a stage it is not at",
        {step("challenge_resolved", R"("challenge_id":"A1:5","stage":{"number":3},"outcome":"x")")},
        kPrecondition,
        "events[0].challenge_resolved.stage",
        "is at Stage 2, not Stage 3"},
       {"response dated before the challenge was raised",
        {step("challenge_responded", R"("challenge_id":"A1:5")", "2026-11-01")},
        kPrecondition,
        "events[0].occurred_on",
        "2026-11-01 is before challenge A1:5 reached Stage 2 (2026-11-02)"},
       {"a challenge id used before",
        {Json(raise("A1:5", "Informal"))},
        kPrecondition,
        "events[0].challenge_raised.challenge_id",
        "challenge A1:5 already exists"},
       {"a second CAFCASS referral of one challenge",
        {step("cafcass_referral_made", R"("challenge_id":"A1:6")")},
        kPrecondition,
        "events[0].cafcass_referral_made",
        "challenge A1:6 was already referred to CAFCASS on 2026-11-10"},
       {"a CAFCASS referral before the challenge was raised",
        {step("cafcass_referral_made", R"("challenge_id":"A1:5")", "2026-11-01")},
        kPrecondition,
        "events[0].occurred_on",
        "2026-11-01 is before the challenge was raised (2026-11-02)"}});

  // The open challenges move on as their stage allows.
  CHECK(f.Record(child, {step("challenge_resolved", R"("challenge_id":"A1:3","outcome":"ok")")})
            .ok());
  CHECK(f.Record(child, {step("challenge_escalated",
                              R"("challenge_id":"A1:5","to_stage":{"name":"Stage 3"})")})
            .ok());
  CHECK(f.Record(child, {step("cafcass_referral_made", R"("challenge_id":"A1:5")")}).ok());
}

TEST_CASE("corrections are refused for unknown events, challenge steps and another type",
          "[intake]") {
  Intake f;
  const auto ids = f.Given(
      "A1", {CareStarted("2026-01-05"),
             R"({"occurred_on":"2026-02-02","review_held":{"participation":"PN1"}})",
             R"({"occurred_on":"2026-11-02","challenge_raised":{"challenge_id":"A1:1",
                 "iro_id":"iro-7","theme":"Drift and Delay"}})",
             R"({"occurred_on":"2026-11-03","cafcass_referral_made":{"challenge_id":"A1:1"}})"});
  const std::string review = ids[1];
  const std::string challenge = ids[2];
  const std::string referral = ids[3];
  const auto correction_ids = f.Given(
      "A1", {absl::StrCat(R"({"occurred_on":"2026-11-04","correction":{"supersedes_event_id":")",
                          review, R"(","reason":"recorded in error"}})")});
  const auto other_child = f.Given("B2", {CareStarted("2026-01-05")});

  const auto correct = [](const std::string& target, const std::string& replacement = "") {
    std::string json = absl::StrCat(R"({"occurred_on":"2026-11-20","correction":{)",
                                    R"("supersedes_event_id":")", target, R"(","reason":"fix")");
    if (!replacement.empty()) absl::StrAppend(&json, R"(,"replacement":)", replacement);
    return Json(absl::StrCat(json, "}}"));
  };
  const std::string path = "events[0].correction.supersedes_event_id";
  CheckRejected(f, "A1",
                {{"an unknown event",
                  {correct(kUnknownId)},
                  kPrecondition,
                  path,
                  absl::StrCat("no event ", kUnknownId, " in child A1's record")},
                 {"another child's event",
                  {correct(other_child[0])},
                  kPrecondition,
                  path,
                  absl::StrCat("no event ", other_child[0], " in child A1's record")},
                 {"a challenge",
                  {correct(challenge)},
                  kPrecondition,
                  path,
                  "a ChallengeRaised event cannot be corrected"},
                 {"a CAFCASS referral of a challenge",
                  {correct(referral)},
                  kPrecondition,
                  path,
                  "a CafcassReferralMade event cannot be corrected"},
                 {"a correction",
                  {correct(correction_ids[0])},
                  kPrecondition,
                  path,
                  "a Correction event cannot be corrected"}});

  // Whether the replacement's type fits depends on the stored event, i.e. on the child's record:
  // FAILED_PRECONDITION by the split in child_record.h (INVALID_ARGUMENT is for malformed fields
  // and codes not in their lists).
  CheckRejected(f, "A1",
                {{"a replacement of another type",
                  {correct(ids[0], R"({"occurred_on":"2026-01-05","plo_started":{}})")},
                  kPrecondition,
                  "events[0].correction.replacement",
                  "must be a PeriodOfCareStarted like the event it replaces"}});
}

TEST_CASE("a correction cannot leave a record that intake would refuse", "[intake]") {
  Intake f;
  const auto a1 = f.Given("A1", {CareStarted("2026-01-05"),
                                 R"({"occurred_on":"2026-06-01","review_held":{
                                     "participation":"PN1"}})"});
  const auto e1 =
      f.Given("E1", {CareStarted("2025-01-06"),
                     R"({"occurred_on":"2026-06-30","period_of_care_ended":{"reason":"E4A"}})",
                     CareStarted("2026-08-03")});
  const auto correct = [](const std::string& target, const std::string& replacement) {
    std::string json = absl::StrCat(R"({"occurred_on":"2026-11-20","correction":{)",
                                    R"("supersedes_event_id":")", target, R"(","reason":"fix")");
    if (!replacement.empty()) absl::StrAppend(&json, R"(,"replacement":)", replacement);
    return Json(absl::StrCat(json, "}}"));
  };
  struct Case {
    std::string why;
    std::string child;
    v1::ChildEvent event;
  };
  const std::vector<Case> cases = {
      // Recorded directly, this review is refused: A1 is not looked after on 2025-06-01.
      {"a review moved to a date before care started", "A1",
       correct(a1[1], R"({"occurred_on":"2025-06-01","review_held":{"participation":"PN1"}})")},
      // Recorded directly, PN0 is refused for a 14-year-old.
      {"a review's participation changed to PN0 for a 14-year-old", "A1",
       correct(a1[1], R"({"occurred_on":"2026-06-01","review_held":{"participation":"PN0"}})")},
      // The first period would then be open when the second starts: two open periods.
      {"the end of a period that a later period follows, voided", "E1", correct(e1[1], "")},
      // An end before the start is ignored when the record is rebuilt: care silently reopens.
      {"the end of care moved before the period started", "E1",
       correct(e1[1], R"({"occurred_on":"2024-01-01","period_of_care_ended":{"reason":"E4A"}})")},
  };
  for (const Case& c : cases) {
    INFO(c.why);
    const uint64_t end_before = f.End();
    const uint64_t stream_before = f.StreamLength(c.child);
    auto outcome = f.Record(c.child, {c.event});
    INFO((outcome.ok() ? std::string("accepted") : outcome.status().ToString()));
    CHECK(outcome.status().code() == kPrecondition);
    CHECK_THAT(std::string(outcome.status().message()), StartsWith("events[0].correction"));
    CHECK(f.End() == end_before);
    CHECK(f.StreamLength(c.child) == stream_before);
  }
  const domain::ChildRecord e1_record = f.Load("E1");
  CHECK(e1_record.periods().size() == 2);
  CHECK(e1_record.periods()[0].end == Day(2026, 6, 30));
}

TEST_CASE("a challenge id names its child, so the challenge is found from the id alone",
          "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05")});
  // "A1:x:1" starts with "A1:", which intake checks; ChildOfChallenge (used by the Challenges
  // service to find the child's stream) takes everything before the last ':'.
  const std::string id = "A1:x:1";
  auto raised =
      f.Record("A1", {Json(absl::StrCat(R"({"occurred_on":"2026-11-02","challenge_raised":{)",
                                        R"("challenge_id":")", id,
                                        R"(","iro_id":"iro-7","theme":"Drift and Delay"}})"))});
  if (raised.ok()) {
    CHECK(domain::ChildOfChallenge(id) == "A1");
  } else {
    CHECK(raised.status().code() == kInvalid);
    CHECK_THAT(std::string(raised.status().message()),
               StartsWith("events[0].challenge_raised.challenge_id: "));
  }
  CHECK(domain::ChildOfChallenge("A1:1") == "A1");
}

TEST_CASE("an escalation's response deadline cannot be before the escalation", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05"),
                 R"({"occurred_on":"2026-11-02","challenge_raised":{"challenge_id":"A1:1",
                     "iro_id":"iro-7","theme":"Drift and Delay"}})"});
  // Raising a challenge with such a date is refused ("is before the challenge"); an escalation
  // with one would be missed at once and escalate again on silence.
  CheckRejected(f, "A1",
                {{"raised with a deadline before the challenge",
                  {Json(R"({"occurred_on":"2026-11-10","challenge_raised":{"challenge_id":"A1:2",
                      "iro_id":"iro-7","theme":"Drift and Delay",
                      "response_due_on":"2026-11-09"}})")},
                  kInvalid,
                  "events[0].challenge_raised.response_due_on",
                  "is before the challenge"},
                 {"escalated with a deadline before the escalation",
                  {Json(R"({"occurred_on":"2026-11-10","challenge_escalated":{
                      "challenge_id":"A1:1","response_due_on":"2026-01-01"}})")},
                  kInvalid,
                  "events[0].challenge_escalated.response_due_on",
                  "before"}});
}

// ---------------------------------------------------------------------------------------------
// Requests: all or nothing, retries, concurrent writers.

TEST_CASE("a request is recorded all or nothing, each event checked against the ones before",
          "[intake]") {
  Intake f;
  const std::string start = CareStarted("2026-01-05");
  const std::string review =
      R"({"occurred_on":"2026-02-02","review_held":{"participation":"PN1"}})";
  f.Given("OTHER", {start});
  const uint64_t end_before = f.End();

  CheckRejected(f, "A1",
                {{"the third event is invalid",
                  {Json(start), Json(review),
                   Json(R"({"occurred_on":"2026-05-01","review_held":{"participation":"PN8"}})")},
                  kInvalid,
                  "events[2].review_held.participation",
                  "'PN8' is not a participation code"},
                 {"the third event breaks a record rule",
                  {Json(start), Json(review),
                   Json(R"({"occurred_on":"2026-02-02","review_held":{"participation":"PN2"}})")},
                  kPrecondition,
                  "events[2].review_held",
                  "a review is already recorded on 2026-02-02"},
                 {"a review before the period that the same request starts",
                  {Json(start),
                   Json(R"({"occurred_on":"2026-01-02","review_held":{"participation":"PN1"}})")},
                  kPrecondition,
                  "events[1].review_held",
                  "is not looked after on 2026-01-02"}});
  CHECK(f.End() == end_before);
  CHECK(f.StreamLength("A1") == 0);

  // The review is valid only because the first event starts care.
  auto outcome = f.Record("A1", {Json(start), Json(review)});
  REQUIRE(outcome.ok());
  CHECK(outcome->append.first_position.value == end_before);
  CHECK(outcome->append.last_position.value == end_before + 1);
  const auto events = f.Stream("A1");
  REQUIRE(events.size() == 2);
  CHECK(events[0].type() == "PeriodOfCareStarted");
  CHECK(events[1].type() == "ReviewHeld");
  CHECK(outcome->record.ReviewHeldOn(Day(2026, 2, 2)));
}

TEST_CASE("a request resent by another client is not taken for a retry", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05")});
  const v1::ChildEvent review =
      Json(R"({"occurred_on":"2026-02-02","review_held":{"participation":"PN1"}})");
  const auto record_as = [&](const std::string& principal) {
    return f.recorder->Record(
        "A1",
        [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
          return std::vector<Submission>{Submission{kId1, review}};
        },
        Recorder{"lcs", "sw.jones", "", principal});
  };
  auto first = record_as("case-system-a");
  REQUIRE(first.ok());
  const uint64_t end_after = f.End();
  auto same = record_as("case-system-a");
  REQUIRE(same.ok());
  CHECK(same->append.duplicate);
  auto other = record_as("case-system-b");
  CHECK(other.status().code() == kAlreadyExists);
  // Also with other content: what is stored under the id is not told to another client.
  auto other_content = f.recorder->Record(
      "A1",
      [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
        return std::vector<Submission>{
            Submission{kId1, Json(R"({"occurred_on":"2026-03-03","midway_review_completed":{}})")}};
      },
      Recorder{"lcs", "sw.jones", "", "case-system-b"});
  CHECK(other_content.status().message() == other.status().message());
  CHECK(other.status().message() ==
        absl::StrCat("events[0].event_id: ", kId1,
                     " is already recorded by another client (only the client that recorded an "
                     "event can retry it)"));
  CHECK(f.End() == end_after);
}

TEST_CASE("a resent request is recognised by its event ids and written once", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05")});
  const v1::ChildEvent review =
      Json(R"({"occurred_on":"2026-02-02","review_held":{"participation":"PN1"}})");
  const v1::ChildEvent midway =
      Json(R"({"occurred_on":"2026-03-02","midway_review_completed":{}})");
  auto first = f.Record("A1", {review, midway}, {kId1, kId2});
  REQUIRE(first.ok());
  CHECK_FALSE(first->append.duplicate);
  const uint64_t end_after = f.End();

  auto again = f.Record("A1", {review, midway}, {kId1, kId2});
  REQUIRE(again.ok());
  CHECK(again->append.duplicate);
  CHECK(again->append.first_position.value == first->append.first_position.value);
  CHECK(again->append.last_position.value == first->append.last_position.value);
  CHECK(again->append.first_version.value == first->append.first_version.value);
  CHECK(again->append.last_version.value == first->append.last_version.value);
  CHECK(again->append.event_ids == std::vector<std::string>{kId1, kId2});
  CHECK(f.End() == end_after);
  CHECK(f.StreamLength("A1") == 3);

  // Ids are UUIDs in either case.
  auto upper =
      f.Record("A1", {review, midway}, {absl::AsciiStrToUpper(kId1), absl::AsciiStrToUpper(kId2)});
  REQUIRE(upper.ok());
  CHECK(upper->append.duplicate);
  CHECK(upper->append.first_position.value == first->append.first_position.value);
  CHECK(f.End() == end_after);

  const auto check_refused = [&](const std::string& why, absl::StatusOr<RecordOutcome> outcome,
                                 const std::string& prefix) {
    INFO(why);
    INFO((outcome.ok() ? std::string("accepted") : outcome.status().ToString()));
    CHECK(outcome.status().code() == kAlreadyExists);
    CHECK_THAT(std::string(outcome.status().message()), StartsWith(prefix));
    CHECK(f.End() == end_after);
    CHECK(f.StreamLength("A1") == 3);
  };
  check_refused("same id, another type",
                f.Record("A1", {Json(R"({"occurred_on":"2026-02-02","plo_started":{}})"), midway},
                         {kId1, kId2}),
                absl::StrCat("events[0].event_id: ", kId1,
                             " is already recorded as a ReviewHeld on 2026-02-02"));
  check_refused("same id, another date",
                f.Record("A1", {review, Json(R"({"occurred_on":"2026-03-03",
                                           "midway_review_completed":{}})")},
                         {kId1, kId2}),
                absl::StrCat("events[1].event_id: ", kId2,
                             " is already recorded as a MidwayReviewCompleted on 2026-03-02"));
  check_refused("a recorded id with a new id",
                f.Record("A1", {review, Json(R"({"occurred_on":"2026-04-01","plo_started":{}})")},
                         {kId1, kId3}),
                "events: some of these event ids are already recorded and some are not");
  check_refused(
      "a recorded id with an event without id",
      f.Record("A1", {review, Json(R"({"occurred_on":"2026-04-01","plo_started":{}})")}, {kId1}),
      "events[1].event_id: other events of this request are already recorded");

  // An id recorded for another child is not this child's event: the store refuses it.
  auto other = f.Record("B2", {Json(CareStarted("2026-01-05"))}, {kId1});
  CHECK(other.status().code() == kAlreadyExists);
  CHECK(f.End() == end_after);
  CHECK(f.StreamLength("B2") == 0);

  // A new id is recorded.
  auto fresh = f.Record("A1", {Json(R"({"occurred_on":"2026-04-01","plo_started":{}})")}, {kId4});
  REQUIRE(fresh.ok());
  CHECK_FALSE(fresh->append.duplicate);
  CHECK(f.End() == end_after + 1);
}

// ---------------------------------------------------------------------------------------------
// Corrections and late facts: the record tells facts by their date.

TEST_CASE("a correction replaces a placement in the record", "[intake]") {
  Intake f;
  const auto ids =
      f.Given("A1", {CareStarted("2026-01-05"),
                     R"({"occurred_on":"2026-06-01","placement_changed":{"placement":{"type":"K2",
                 "provider":"PR4"},"reason_for_change":"CARPL","carer_changed":true}})"});
  const std::string placement = ids[1];
  REQUIRE(f.Load("A1").PlacementOn(Day(2026, 7, 1))->type() == "K2");

  f.Given("A1", {absl::StrCat(R"({"occurred_on":"2026-11-20","correction":{
      "supersedes_event_id":")",
                              placement, R"(","reason":"wrong placement type",
      "replacement":{"occurred_on":"2026-06-01","placement_changed":{"placement":{"type":"U3",
      "provider":"PR1"},"reason_for_change":"CARPL","carer_changed":true}}}})")});
  {
    const domain::ChildRecord record = f.Load("A1");
    REQUIRE(record.PlacementOn(Day(2026, 7, 1)) != nullptr);
    CHECK(record.PlacementOn(Day(2026, 7, 1))->type() == "U3");
    CHECK(record.PlacementOn(Day(2026, 6, 1))->type() == "U3");
    CHECK(record.PlacementOn(Day(2026, 5, 31))->type() == "U1");
  }

  // A later correction of the same event wins; this one also moves the date.
  f.Given("A1", {absl::StrCat(R"({"occurred_on":"2026-11-21","correction":{
      "supersedes_event_id":")",
                              placement, R"(","reason":"wrong date",
      "replacement":{"occurred_on":"2026-08-03","placement_changed":{"placement":{"type":"U3",
      "provider":"PR1"},"reason_for_change":"CARPL","carer_changed":true}}}})")});
  const domain::ChildRecord record = f.Load("A1");
  CHECK(record.PlacementOn(Day(2026, 7, 1))->type() == "U1");
  CHECK(record.PlacementOn(Day(2026, 8, 3))->type() == "U3");
  CHECK(record.event_count() == 4);
}

TEST_CASE("a correction without replacement voids the end of care", "[intake]") {
  Intake f;
  const auto ids =
      f.Given("E1", {CareStarted("2025-01-06"),
                     R"({"occurred_on":"2026-06-30","period_of_care_ended":{"reason":"E4A"}})"});
  const v1::ChildEvent review =
      Json(R"({"occurred_on":"2026-07-15","review_held":{"participation":"PN1"}})");
  CheckRejected(f, "E1",
                {{"a review after care ended",
                  {review},
                  kPrecondition,
                  "events[0].review_held",
                  "is not looked after on 2026-07-15"}});

  f.Given("E1", {absl::StrCat(R"({"occurred_on":"2026-11-20","correction":{
      "supersedes_event_id":")",
                              ids[1], R"(","reason":"care did not end"}})")});
  const domain::ChildRecord record = f.Load("E1");
  REQUIRE(record.periods().size() == 1);
  CHECK_FALSE(record.periods()[0].end.has_value());
  CHECK(record.CurrentPeriod() != nullptr);
  CHECK(record.LookedAfterOn(Day(2026, 7, 15)));

  auto accepted = f.Record("E1", {review});
  REQUIRE(accepted.ok());
  CHECK(f.Stored("E1", accepted->append.first_version.value).type() == "ReviewHeld");
}

TEST_CASE("an event recorded late lands on its date", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05"),
                 R"({"occurred_on":"2026-06-01","placement_changed":{"placement":{"type":"K2",
                     "provider":"PR4"},"reason_for_change":"CARPL"}})"});
  // Recorded after the June move, but it happened in March.
  auto late = f.Record("A1", {Json(R"({"occurred_on":"2026-03-02","placement_changed":{
      "placement":{"type":"U2","provider":"PR2"},"reason_for_change":"CHILD"}})")});
  REQUIRE(late.ok());
  CHECK(late->append.first_version.value == 2);  // last in the stream
  const domain::ChildRecord record = f.Load("A1");
  CHECK(record.PlacementOn(Day(2026, 3, 1))->type() == "U1");
  CHECK(record.PlacementOn(Day(2026, 3, 2))->type() == "U2");
  CHECK(record.PlacementOn(Day(2026, 5, 31))->type() == "U2");
  CHECK(record.PlacementOn(Day(2026, 6, 1))->type() == "K2");
  CHECK(record.PlacementOn(Day(2026, 11, 23))->type() == "K2");

  // Later rules see the late fact on its date: P1 with parents from April makes V2 invalid then.
  f.Given("A1", {R"({"occurred_on":"2026-04-01","legal_status_changed":{"legal_status":"C1"}})",
                 R"({"occurred_on":"2026-04-02","placement_changed":{"placement":{"type":"P1",
                     "provider":"PR0"},"reason_for_change":"CARPL"}})"});
  CheckRejected(f, "A1",
                {{"V2 during the late placement with parents",
                  {Json(R"({"occurred_on":"2026-05-04","legal_status_changed":{
                      "legal_status":"V2"}})")},
                  kPrecondition,
                  "events[0].legal_status_changed.legal_status",
                  "placed with parents (P1)"}});
}

TEST_CASE("today is the day in England, not in UTC", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05")});
  // 23:30 UTC on 1 July is 00:30 BST on 2 July.
  f.clock.Set(absl::FromCivil(absl::CivilSecond(2026, 7, 1, 23, 30, 0), absl::UTCTimeZone()));
  CHECK(f.recorder->Today() == Day(2026, 7, 2));
  CHECK(f.Record("A1", {Json(R"({"occurred_on":"2026-07-02","plo_started":{}})")}).ok());
  CheckRejected(f, "A1",
                {{"the day after today in England",
                  {Json(R"({"occurred_on":"2026-07-03","plo_started":{}})")},
                  kInvalid,
                  "events[0].occurred_on",
                  "2026-07-03 is in the future (today is 2026-07-02)"}});
}

TEST_CASE("a writer that lost a race reads the child again and decides again", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05")});
  const v1::ChildEvent plo = Json(R"({"occurred_on":"2026-11-02","plo_started":{}})");
  const v1::ChildEvent review =
      Json(R"({"occurred_on":"2026-11-03","review_held":{"participation":"PN1"}})");

  // Another writer appends between this request's read and its append, once.
  int builds = 0;
  auto outcome = f.recorder->Record(
      "A1",
      [&](const domain::ChildRecord& record) -> absl::StatusOr<std::vector<Submission>> {
        ++builds;
        if (builds == 1) {
          auto other = f.Record("A1", {plo});
          if (!other.ok()) return other.status();
          CHECK(record.event_count() == 1);  // what this attempt read
        }
        return std::vector<Submission>{{"", review}};
      },
      kCouncil);
  REQUIRE(outcome.ok());
  CHECK(builds == 2);
  auto events = f.Stream("A1");
  REQUIRE(events.size() == 3);
  CHECK(events[1].type() == "PloStarted");
  CHECK(events[2].type() == "ReviewHeld");

  // The second attempt validates against what the other writer recorded: the same review date.
  builds = 0;
  const v1::ChildEvent second_review =
      Json(R"({"occurred_on":"2026-11-10","review_held":{"participation":"PN1"}})");
  auto lost = f.recorder->Record(
      "A1",
      [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
        if (++builds == 1) {
          auto other = f.Record("A1", {second_review});
          if (!other.ok()) return other.status();
        }
        return std::vector<Submission>{{"", second_review}};
      },
      kCouncil);
  CHECK(builds == 2);
  CHECK(lost.status().code() == kPrecondition);
  CHECK_THAT(std::string(lost.status().message()),
             StartsWith("events[0].review_held: a review is already recorded on 2026-11-10"));
  CHECK(f.StreamLength("A1") == 4);

  // A record that keeps changing gives up with ABORTED after a bounded number of attempts.
  builds = 0;
  const uint64_t end_before = f.End();
  auto busy = f.recorder->Record(
      "A1",
      [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
        ++builds;
        auto other = f.Record("A1", {plo});
        if (!other.ok()) return other.status();
        return std::vector<Submission>{{"", Json(R"({"occurred_on":"2026-11-11",
                                                     "midway_review_completed":{}})")}};
      },
      kCouncil);
  CHECK(busy.status().code() == absl::StatusCode::kAborted);
  CHECK(builds == 5);
  CHECK(f.End() == end_before + static_cast<uint64_t>(builds));  // only the other writer's
  for (const v1::Event& e : f.Stream("A1")) CHECK(e.type() != "MidwayReviewCompleted");
}

TEST_CASE("two writers recording for one child at once both succeed", "[intake]") {
  Intake f;
  f.Given("A1", {CareStarted("2026-01-05")});
  const v1::ChildEvent plo = Json(R"({"occurred_on":"2026-11-02","plo_started":{}})");
  const v1::ChildEvent iro =
      Json(R"({"occurred_on":"2026-11-03","iro_allocated":{"iro_id":"iro-9"}})");

  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    std::latch start(2);
    absl::StatusOr<RecordOutcome> first;
    absl::StatusOr<RecordOutcome> second;
    std::thread a([&] {
      start.arrive_and_wait();
      first = f.Record("A1", {plo});
    });
    std::thread b([&] {
      start.arrive_and_wait();
      second = f.Record("A1", {iro});
    });
    a.join();
    b.join();
    INFO("round " << round);
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first->append.first_version.value != second->append.first_version.value);
  }
  const auto events = f.Stream("A1");
  REQUIRE(events.size() == 1 + 2 * kRounds);
  int plos = 0;
  int allocations = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].version() == i);
    plos += events[i].type() == "PloStarted";
    allocations += events[i].type() == "IroAllocated";
  }
  CHECK(plos == kRounds);
  CHECK(allocations == kRounds);
}

}  // namespace
}  // namespace footprint::services
