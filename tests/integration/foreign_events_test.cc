// Events in a child's stream that are not domain events ("foreign": appended raw, before
// EventStore.Append refused children's streams) no longer break the child: the README's own
// example (a JSON PeriodOfCareStarted appended to child-1) used to make every later record for
// the child fail with DATA_LOSS, and the child unknown to queries. Now such an event is left out
// of the record visibly (the child's summary lists it, the projections' status names it, the
// log warns), the child can be recorded again, an admin can void it with a reason, and the chain
// still verifies: nothing is deleted. In a real in-process server. (issue 21, section 1)
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "domain/child_record.h"
#include "eventstore/testing/manual_clock.h"
#include "footprint/v1/admin.grpc.pb.h"
#include "footprint/v1/challenges.grpc.pb.h"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "footprint/v1/intake.grpc.pb.h"
#include "footprint/v1/queries.grpc.pb.h"
#include "in_process_server.h"
#include "projections/child_stream.h"
#include "services/projection_host.h"
#include "services/server.h"
#include "temp_dir.h"

namespace footprint::services {
namespace {

namespace pj = footprint::projections;
using footprint::testing::ManualClock;
using footprint::testing::TempDir;

// 10:00 on Mon 12 January 2026.
ManualClock& Clock() {
  static ManualClock clock(
      absl::FromCivil(absl::CivilSecond(2026, 1, 12, 10, 0, 0), absl::UTCTimeZone()));
  return clock;
}

std::unique_ptr<FootprintServer> StartServer(const std::string& data_dir) {
  return footprint::testing::StartInProcessServer(data_dir, &Clock());
}

std::shared_ptr<grpc::Channel> Channel(const FootprintServer& server) {
  return footprint::testing::PlaintextChannel(server);
}

using footprint::testing::CareStartedEvent;

grpc::Status Record(const FootprintServer& server, const std::string& child,
                    const v1::ChildEvent& event, v1::RecordResponse* response) {
  auto intake = v1::Intake::NewStub(Channel(server));
  v1::RecordRequest request;
  request.set_child_id(child);
  request.set_source_system("case-system");
  request.set_recorded_by("tester");
  *request.add_events()->mutable_event() = event;
  grpc::ClientContext context;
  return intake->Record(&context, request, response);
}

v1::ChildSummary Child(const FootprintServer& server, const std::string& child) {
  auto queries = v1::Queries::NewStub(Channel(server));
  v1::ChildSummaryRequest request;
  request.set_child_id(child);
  v1::ChildSummary summary;
  grpc::ClientContext context;
  const grpc::Status st = queries->Child(&context, request, &summary);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return summary;
}

v1::ProjectionState ChildrenState(FootprintServer& server) {
  const v1::ProjectionsStatusResponse status = server.projections().Status();
  REQUIRE(status.projections_size() >= 1);
  REQUIRE(status.projections(0).name() == "children");
  return status.projections(0);
}

grpc::Status Void(const FootprintServer& server, const std::string& child,
                  const std::string& event_id, const std::string& reason,
                  const std::string& void_id, v1::VoidForeignEventResponse* response) {
  auto admin = v1::Admin::NewStub(Channel(server));
  v1::VoidForeignEventRequest request;
  request.set_child_id(child);
  request.set_event_id(event_id);
  request.set_reason(reason);
  request.set_recorded_by("admin-alice");
  request.set_void_event_id(void_id);
  grpc::ClientContext context;
  return admin->VoidForeignEvent(&context, request, response);
}

// What an older version let any poster do: a JSON event in a child's stream.
std::string AppendRawJson(FootprintServer& server, const std::string& stream,
                          const std::string& type, const std::string& data) {
  eventstore::AppendRequest append;
  append.stream = stream;
  eventstore::NewEvent& e = append.events.emplace_back();
  e.type = type;
  e.data = data;
  e.metadata.set_principal("local");
  auto result = server.store().Append(std::move(append));
  REQUIRE(result.ok());
  return result->event_ids.front();
}

constexpr char kVoidId[] = "5e1f0a11-0000-4000-8000-000000000001";

TEST_CASE("a raw event in a child's stream is left out visibly, and the child is recordable",
          "[foreign]") {
  TempDir dir;
  auto server = StartServer(dir.Sub("data"));
  // The README's old example, as a store written by an older version holds it.
  const std::string raw = AppendRawJson(*server, "child-1", "PeriodOfCareStarted",
                                        R"({"date":"2026-01-05","legal_status":"C2"})");

  // Recording the child works: the record leaves the raw event out, and the new event goes
  // after it in the stream.
  v1::RecordResponse recorded;
  grpc::Status st = Record(*server, "1", CareStartedEvent("1", "2026-01-05"), &recorded);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(recorded.first_version() == 1);
  CHECK(recorded.first_position() == 1);

  // The child is known, looked after, and the raw event is listed with why it was left out.
  v1::ChildSummary summary = Child(*server, "1");
  CHECK(summary.looked_after());
  CHECK(summary.period_start() == "2026-01-05");
  REQUIRE(summary.foreign_events_size() == 1);
  const v1::ForeignEventItem& foreign = summary.foreign_events(0);
  CHECK(foreign.event_id() == raw);
  CHECK(foreign.type() == "PeriodOfCareStarted");
  CHECK(foreign.version() == 0);
  CHECK(foreign.position() == 0);
  CHECK(foreign.reason() ==
        "its payload is JSON, not a footprint.v1.ChildEvent recorded through Intake or "
        "Challenges");
  CHECK(foreign.voided_by().empty());

  // The projections' status is healthy and says so.
  v1::ProjectionState children = ChildrenState(*server);
  CHECK(children.healthy());
  CHECK(children.foreign_events() == 1);
  CHECK(children.warning() ==
        "1 event in children's streams is not a domain event and is left out of the records, at "
        "position 0. An auditor finds each with `footprint read-all --from P --limit 1`, and "
        "`footprint child ID` lists a child's; an admin can void it with `footprint admin "
        "void-event`");

  // A challenge for the child works too.
  auto challenges = v1::Challenges::NewStub(Channel(*server));
  v1::RaiseChallengeRequest raise;
  raise.set_child_id("1");
  raise.set_stage("informal");
  raise.set_theme("Drift and Delay");
  raise.set_iro_id("iro-7");
  raise.mutable_context()->set_actor("iro-7");
  raise.mutable_context()->set_date("2026-01-12");
  v1::ChallengeView view;
  grpc::ClientContext raise_context;
  st = challenges->Raise(&raise_context, raise, &view);
  INFO(st.error_message());
  CHECK(st.ok());

  // Nothing was deleted: the chain holds all three events.
  auto verified = server->store().VerifyChain(eventstore::GlobalPosition{0}, std::nullopt);
  REQUIRE(verified.ok());
  CHECK(verified->ok);
  CHECK(verified->events_checked == 3);
}

TEST_CASE("an admin voids a foreign event with a reason, once", "[foreign]") {
  TempDir dir;
  std::string raw;
  std::string other_child;
  {
    auto server = StartServer(dir.Sub("data"));
    v1::RecordResponse recorded;
    REQUIRE(Record(*server, "A1", CareStartedEvent("A1", "2026-01-02"), &recorded).ok());
    // A well-formed domain event about child B2, in A1's stream (written raw): not A1's.
    eventstore::AppendRequest append;
    append.stream = domain::ChildStream("A1");
    append.events.push_back(
        pj::ToNewEvent(CareStartedEvent("B2", "2026-01-02"), "", "test", "tester", ""));
    auto stray = server->store().Append(std::move(append));
    REQUIRE(stray.ok());
    other_child = stray->event_ids.front();
    raw = AppendRawJson(*server, "child-A1", "NoteAdded", R"({"note":"raw"})");

    v1::ChildSummary summary = Child(*server, "A1");
    REQUIRE(summary.foreign_events_size() == 2);
    CHECK(summary.foreign_events(0).reason() == "its payload is about child 'B2'");
    CHECK(summary.foreign_events(1).event_id() == raw);
    CHECK(ChildrenState(*server).foreign_events() == 2);

    // Not through Intake: a Correction of it is an admin's act.
    v1::ChildEvent correction;
    correction.set_child_id("A1");
    correction.set_occurred_on("2026-01-12");
    correction.mutable_correction()->set_supersedes_event_id(raw);
    correction.mutable_correction()->set_reason("appended in error");
    grpc::Status st = Record(*server, "A1", correction, &recorded);
    CHECK(st.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK_THAT(st.error_message(), Catch::Contains("only an admin can void it"));

    // A reason is required, and only foreign events can be voided this way.
    v1::VoidForeignEventResponse voided;
    st = Void(*server, "A1", raw, "", "", &voided);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    st = Void(*server, "A1", recorded.event_ids(0), "no", "", &voided);
    CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK_THAT(st.error_message(), Catch::Contains("that is not a domain event"));

    st = Void(*server, "A1", raw, "posted raw by the old README example", kVoidId, &voided);
    INFO(st.error_message());
    REQUIRE(st.ok());
    CHECK_FALSE(voided.duplicate());
    CHECK(voided.event_id() == kVoidId);
    CHECK(voided.position() == 3);
    CHECK(voided.voided().event_id() == raw);
    CHECK(voided.voided().voided_by() == kVoidId);
    CHECK(voided.voided().void_reason() == "posted raw by the old README example");
    CHECK(voided.voided().voided_on() == "2026-01-12");

    // A retry with the same id is recognised; another void of it is refused.
    v1::VoidForeignEventResponse again;
    st = Void(*server, "A1", raw, "posted raw by the old README example", kVoidId, &again);
    REQUIRE(st.ok());
    CHECK(again.duplicate());
    CHECK(again.position() == 3);
    st = Void(*server, "A1", raw, "twice", "", &again);
    CHECK(st.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK_THAT(st.error_message(), Catch::Contains("already voided by " + std::string(kVoidId)));

    CHECK(ChildrenState(*server).foreign_events() == 1);
  }
  // After a restart (the records built again from the log) the same.
  auto server = StartServer(dir.Sub("data"));
  v1::ChildSummary summary = Child(*server, "A1");
  REQUIRE(summary.foreign_events_size() == 2);
  CHECK(summary.foreign_events(0).event_id() == other_child);
  CHECK(summary.foreign_events(0).voided_by().empty());
  CHECK(summary.foreign_events(1).voided_by() == kVoidId);
  CHECK(summary.looked_after());
  v1::ProjectionState children = ChildrenState(*server);
  CHECK(children.healthy());
  CHECK(children.foreign_events() == 1);
  CHECK_THAT(children.warning(), Catch::Contains("left out of the records, at position 1. "));
  auto verified = server->store().VerifyChain(eventstore::GlobalPosition{0}, std::nullopt);
  REQUIRE(verified.ok());
  CHECK(verified->ok);
  CHECK(verified->events_checked == 4);
}

TEST_CASE("EventStore.Append refuses a child's stream and writes nothing", "[foreign]") {
  TempDir dir;
  auto server = StartServer(dir.Sub("data"));
  auto store = v1::EventStore::NewStub(Channel(*server));
  v1::AppendRequest request;
  request.set_stream("child-1");
  request.mutable_expected_version()->set_no_stream(true);
  v1::EventData* event = request.add_events();
  event->set_type("PeriodOfCareStarted");
  event->set_data(R"({"date":"2026-01-05","legal_status":"C2"})");
  v1::AppendResponse response;
  grpc::ClientContext context;
  const grpc::Status st = store->Append(&context, request, &response);
  CHECK(st.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_THAT(st.error_message(),
             Catch::StartsWith("stream: 'child-1' is a child's stream (it starts with 'child-')"));
  CHECK(server->store().CommittedEnd().value == 0);
}

}  // namespace
}  // namespace footprint::services
