// The wire AppendRequest as EventStore.Append converts it (services/append_wire.h): a domain
// stream is refused for every caller, and an expected_version flag set to false is refused
// rather than read as the check it names.
#include "services/append_wire.h"

#include "absl/strings/match.h"
#include "catch2/catch.hpp"

namespace footprint::services {
namespace {

absl::Status AnyType(absl::string_view, absl::string_view) { return absl::OkStatus(); }

v1::AppendRequest OneEvent(const std::string& stream) {
  v1::AppendRequest request;
  request.set_stream(stream);
  v1::EventData* event = request.add_events();
  event->set_type("PeriodOfCareStarted");
  event->set_data(R"({"date":"2026-01-05","legal_status":"C2"})");
  return request;
}

TEST_CASE("a child's stream cannot be written with a raw append", "[append_wire]") {
  for (const std::string stream : {"child-1", "child-C1", "child-"}) {
    INFO(stream);
    v1::AppendRequest request = OneEvent(stream);
    auto append = AppendFromProto(request, "admin-alice", AnyType);
    REQUIRE_FALSE(append.ok());
    CHECK(append.status().code() == absl::StatusCode::kPermissionDenied);
    const std::string message(append.status().message());
    CHECK(absl::StartsWith(message, "stream: '" + stream + "' is a child's stream"));
    CHECK_THAT(message, Catch::Contains("Intake.Record"));
    CHECK_THAT(message, Catch::Contains("Challenges."));
  }
  // Nor the stream of import runs (issue 22), whose events Intake.RecordImportRun validates.
  {
    v1::AppendRequest request = OneEvent("imports");
    auto append = AppendFromProto(request, "admin-alice", AnyType);
    REQUIRE_FALSE(append.ok());
    CHECK(append.status().code() == absl::StatusCode::kPermissionDenied);
    CHECK_THAT(std::string(append.status().message()), Catch::Contains("Intake.RecordImportRun"));
  }
  // Streams that merely look alike are not the domain's.
  for (const std::string stream :
       {"children-1", "Child-1", "note-child-1", "childx-1", "imports-2017", "Imports"}) {
    INFO(stream);
    v1::AppendRequest request = OneEvent(stream);
    CHECK(AppendFromProto(request, "local", AnyType).ok());
  }
}

TEST_CASE("an expected_version flag set to false is refused, naming it", "[append_wire]") {
  struct Case {
    const char* name;
    std::function<void(v1::ExpectedVersion*)> set;
  };
  const std::vector<Case> cases = {
      {"any", [](v1::ExpectedVersion* e) { e->set_any(false); }},
      {"no_stream", [](v1::ExpectedVersion* e) { e->set_no_stream(false); }},
      {"stream_exists", [](v1::ExpectedVersion* e) { e->set_stream_exists(false); }},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    v1::AppendRequest request = OneEvent("case-1");
    c.set(request.mutable_expected_version());
    auto append = AppendFromProto(request, "local", AnyType);
    REQUIRE_FALSE(append.ok());
    CHECK(append.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StartsWith(append.status().message(),
                           std::string("expected_version.") + c.name + ": must be true when set"));
  }
  // True flags and exact versions mean what they say.
  v1::AppendRequest request = OneEvent("case-1");
  request.mutable_expected_version()->set_no_stream(true);
  auto append = AppendFromProto(request, "local", AnyType);
  REQUIRE(append.ok());
  CHECK_FALSE(
      append->expected.Check(*eventstore::StreamId::Parse("case-1"), eventstore::StreamVersion{0})
          .ok());
  request = OneEvent("case-1");
  request.mutable_expected_version()->set_exact(0);
  append = AppendFromProto(request, "local", AnyType);
  REQUIRE(append.ok());
  CHECK(append->expected.Check(*eventstore::StreamId::Parse("case-1"), eventstore::StreamVersion{0})
            .ok());
  request = OneEvent("case-1");
  append = AppendFromProto(request, "local", AnyType);
  REQUIRE(append.ok());
  CHECK(append->expected.Check(*eventstore::StreamId::Parse("case-1"), std::nullopt).ok());
}

}  // namespace
}  // namespace footprint::services
