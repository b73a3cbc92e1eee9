// The access log's records stay small whatever a caller sends: a request that is refused as
// invalid is not recorded at all, and every text a caller chooses is cut to a bounded size in
// the record (services/access_control.h, kMaxRecordedTextBytes). Measured on a real server in
// process, by the access log's committed end and the bytes of its events read back.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "footprint/v1/challenges.grpc.pb.h"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "footprint/v1/queries.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "services/access_control.h"
#include "services/server.h"
#include "temp_dir.h"

namespace footprint::services {
namespace {

using footprint::testing::TempDir;
using nlohmann::json;

// An upper bound on one record's data: the seven texts at kMaxRecordedTextBytes plus their
// "... (N bytes)" marks, the purpose at kMaxPurposeBytes, the correlation id, and the JSON
// around them.
constexpr size_t kMaxRecordBytes = 2560;

std::unique_ptr<FootprintServer> StartServer(const TempDir& dir) {
  ServerConfig config;
  config.data_dir = dir.Sub("data");
  config.listen = "127.0.0.1:0";
  config.reviews.record_missed_deadlines = false;
  auto started = FootprintServer::Start(config);
  REQUIRE(started.ok());
  return std::move(*started);
}

std::shared_ptr<grpc::Channel> Connect(const FootprintServer& server) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(server.address(), grpc::InsecureChannelCredentials(), args);
}

// Every event of the access log, as stored.
std::vector<v1::Event> AccessLog(FootprintServer& server) {
  eventstore::ChunkLimits limits;
  limits.max_events = 100000;
  auto events = server.access_log().ReadAllEvents(eventstore::GlobalPosition{0}, {}, limits);
  REQUIRE(events.ok());
  return *events;
}

size_t AccessLogBytes(FootprintServer& server) {
  size_t bytes = 0;
  for (const v1::Event& e : AccessLog(server)) bytes += e.ByteSizeLong();
  return bytes;
}

TEST_CASE("a ReadStream refused as invalid writes nothing to the access log", "[access-log]") {
  TempDir dir;
  auto server = StartServer(dir);
  auto stub = v1::EventStore::NewStub(Connect(*server));
  const std::string huge(120 * 1024, 'a');  // a 120 KB stream name

  struct Refused {
    const char* what;
    v1::ReadStreamRequest request;
    std::string message_start;
  };
  std::vector<Refused> refused(4);
  refused[0].what = "a 120 KB stream id";
  refused[0].request.set_stream(huge);
  refused[0].message_start = "stream: ";
  refused[1].what = "a stream id with a space";
  refused[1].request.set_stream("child 1");
  refused[1].message_start = "stream: ";
  refused[2].what = "an unknown direction";
  refused[2].request.set_stream("child-1");
  refused[2].request.set_direction(static_cast<v1::Direction>(7));
  refused[2].message_start = "direction: must be FORWARDS or BACKWARDS";
  refused[3].what = "from_end forwards";
  refused[3].request.set_stream("child-1");
  refused[3].request.set_from_end(true);
  refused[3].message_start = "from_end: only allowed with DIRECTION_BACKWARDS";

  for (const Refused& r : refused) {
    INFO(r.what);
    for (int i = 0; i < 3; ++i) {
      grpc::ClientContext context;
      context.AddMetadata(kPurposeMetadata, "checking");
      v1::ReadStreamResponse response;
      const grpc::Status st = stub->ReadStream(&context, r.request, &response);
      CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK(st.error_message().rfind(r.message_start, 0) == 0);
    }
  }
  CHECK(server->access_log().CommittedEnd().value == 0);
  CHECK(AccessLogBytes(*server) == 0);

  // A valid read is recorded, once.
  grpc::ClientContext context;
  v1::ReadStreamRequest request;
  request.set_stream("child-1");
  v1::ReadStreamResponse response;
  CHECK(stub->ReadStream(&context, request, &response).error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(server->access_log().CommittedEnd().value == 1);
}

TEST_CASE("a read whose request carries huge text is recorded in a bounded record",
          "[access-log]") {
  TempDir dir;
  auto server = StartServer(dir);
  auto channel = Connect(*server);
  const std::string huge(120 * 1024, 'x');
  // A purpose of the longest accepted size: kept whole.
  const std::string purpose(kMaxPurposeBytes, 'p');

  // Queries.Child with a 120 KB child id: refused (the id is invalid) before it is recorded.
  {
    auto queries = v1::Queries::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata(kPurposeMetadata, purpose);
    v1::ChildSummaryRequest request;
    request.set_child_id(huge);
    v1::ChildSummary response;
    CHECK(queries->Child(&context, request, &response).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);
  }
  // ReadAll with a valid filter naming one type 20,000 times: its scope is ~300 KB of text.
  {
    auto events = v1::EventStore::NewStub(channel);
    {
      grpc::ClientContext context;
      v1::AppendRequest append;
      append.set_stream("notes-1");
      auto* e = append.add_events();
      e->set_type("ReviewHeld");
      e->set_data("{}");
      v1::AppendResponse appended;
      REQUIRE(events->Append(&context, append, &appended).ok());
    }
    grpc::ClientContext context;
    context.AddMetadata(kPurposeMetadata, purpose);
    v1::ReadAllRequest request;
    for (int i = 0; i < 20000; ++i) request.mutable_filter()->add_event_types("ReviewHeld");
    auto reader = events->ReadAll(&context, request);
    v1::ReadAllResponse response;
    int read = 0;
    while (reader->Read(&response)) read += response.events_size();
    CHECK(reader->Finish().ok());
    CHECK(read == 1);
  }
  // Challenges.Get of a challenge id with a 120 KB child id: refused before it is recorded.
  {
    auto challenges = v1::Challenges::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata(kPurposeMetadata, "audit");
    v1::GetChallengeRequest request;
    request.set_challenge_id(huge + ":1");
    v1::ChallengeView response;
    CHECK(challenges->Get(&context, request, &response).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);
  }

  const std::vector<v1::Event> records = AccessLog(*server);
  for (const v1::Event& record : records) {
    INFO(record.data().substr(0, 400));
    CHECK(record.data().size() <= kMaxRecordBytes);
    CHECK(record.ByteSizeLong() <= kMaxRecordBytes + 1024);
  }
  // ReadAll only: Queries.Child and Challenges.Get were refused before they recorded anything.
  REQUIRE(records.size() == 1);
  const json all = json::parse(records[0].data());
  CHECK(all.at("method") == "EventStore.ReadAll");
  CHECK(all.at("subject") == "log");
  CHECK(all.at("purpose") == purpose);  // the purpose is kept whole
  const std::string scope = all.at("scope");
  CHECK(scope.rfind("event_types: \"ReviewHeld\"", 0) == 0);
  CHECK(scope.size() <= 256 + 32);  // cut to 256 bytes, and marked
  CHECK(scope.find(" bytes)") != std::string::npos);
}

TEST_CASE("a read made for a person records the person beside the client's identity",
          "[access-log]") {
  TempDir dir;
  auto server = StartServer(dir);
  auto queries = v1::Queries::NewStub(Connect(*server));
  const auto ask = [&](const std::string* person) {
    grpc::ClientContext context;
    context.AddMetadata(kPurposeMetadata, "review preparation");
    if (person != nullptr) context.AddMetadata(kPersonMetadata, *person);
    v1::Section20Request request;
    request.mutable_scope()->set_as_at("2026-03-31");
    v1::Section20Report response;
    return queries->Section20(&context, request, &response);
  };
  // Percent-encoded UTF-8, as the purpose: "Zoë Adeyemi".
  const std::string zoe = "Zo%C3%AB Adeyemi";
  REQUIRE(ask(&zoe).ok());
  REQUIRE(ask(nullptr).ok());
  const std::string bad = "Zo%C3";  // not UTF-8 once decoded
  const grpc::Status refused = ask(&bad);
  CHECK(refused.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(refused.error_message() ==
        "metadata footprint-person: must be valid UTF-8 once percent-decoded");
  const std::string long_person(kMaxPersonBytes + 1, 'p');
  CHECK(ask(&long_person).error_code() == grpc::StatusCode::INVALID_ARGUMENT);

  const std::vector<v1::Event> log = AccessLog(*server);
  REQUIRE(log.size() == 2);  // the refused reads are not recorded
  const json first = json::parse(log[0].data());
  CHECK(first.at("person") == "Zo\u00eb Adeyemi");
  CHECK(first.at("purpose") == "review preparation");
  CHECK(first.at("identity") == "local");
  CHECK(first.at("method") == "Queries.Section20");
  CHECK_FALSE(json::parse(log[1].data()).contains("person"));
}

}  // namespace
}  // namespace footprint::services
