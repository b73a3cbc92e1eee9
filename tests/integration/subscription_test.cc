// Subscriptions through the real gRPC service (in-process server on port 0): catch-up, the
// switch to live delivery under concurrent appends, filters, and slow subscribers.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>

#include "catch2/catch.hpp"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "services/event_store_service.h"
#include "services/server.h"
#include "temp_dir.h"

namespace footprint::services {
namespace {

using footprint::testing::TempDir;

struct InProcessServer {
  TempDir dir;
  std::unique_ptr<FootprintServer> server;
  std::unique_ptr<v1::EventStore::Stub> stub;

  InProcessServer() {
    ServerConfig config;
    config.data_dir = dir.Sub("data");
    config.listen = "127.0.0.1:0";
    config.shutdown_grace = absl::Seconds(5);
    auto started = FootprintServer::Start(config);
    REQUIRE(started.ok());
    server = std::move(*started);
    stub = v1::EventStore::NewStub(
        grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials()));
  }
};

// Appends `count` events to `stream` in batches of `batch`; returns false on any error.
bool AppendMany(v1::EventStore::Stub& stub, const std::string& stream, int count, int batch,
                const std::string& type = "Tick") {
  for (int done = 0; done < count;) {
    v1::AppendRequest request;
    request.set_stream(stream);
    for (int i = 0; i < batch && done < count; ++i, ++done) {
      auto* e = request.add_events();
      e->set_type(type);
      e->set_data("{\"n\":" + std::to_string(done) + "}");
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::AppendResponse response;
    if (!stub.Append(&context, request, &response).ok()) return false;
  }
  return true;
}

TEST_CASE("a subscription catches up, switches to live, and misses or repeats nothing",
          "[subscribe]") {
  InProcessServer s;
  constexpr int kBefore = 2500;  // more than two response chunks of catch-up
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 300;
  constexpr uint64_t kTotal = kBefore + kWriters * kPerWriter;
  REQUIRE(AppendMany(*s.stub, "person-0", kBefore, 250));

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  v1::SubscribeRequest request;
  request.set_from_position(0);
  auto reader = s.stub->Subscribe(&context, request);

  // Writers start while the subscriber is still catching up.
  std::vector<std::thread> writers;
  std::atomic<int> writer_failures{0};
  for (int w = 1; w <= kWriters; ++w) {
    writers.emplace_back([&, w] {
      if (!AppendMany(*s.stub, "person-" + std::to_string(w), kPerWriter, 7)) ++writer_failures;
    });
  }

  std::vector<uint64_t> positions;
  int caught_up_messages = 0;
  uint64_t caught_up_at = 0;
  v1::ReadAllResponse response;
  while (positions.size() < kTotal && reader->Read(&response)) {
    for (const auto& e : response.events()) positions.push_back(e.position());
    if (response.caught_up()) {
      ++caught_up_messages;
      caught_up_at = response.next_position();
    }
    CHECK(response.next_position() == positions.size());
  }
  for (auto& t : writers) t.join();
  context.TryCancel();
  reader->Finish();

  CHECK(writer_failures.load() == 0);
  REQUIRE(positions.size() == kTotal);
  for (uint64_t i = 0; i < kTotal; ++i) {
    if (positions[i] != i) FAIL("position " << i << " delivered as " << positions[i]);
  }
  CHECK(caught_up_messages <= 1);  // at most once, and only where catch-up really ended
  if (caught_up_messages == 1) CHECK(caught_up_at >= static_cast<uint64_t>(kBefore));
}

TEST_CASE("a filtered subscription delivers only matching events, in order", "[subscribe]") {
  InProcessServer s;
  REQUIRE(AppendMany(*s.stub, "person-1", 5, 5, "ReviewHeld"));
  REQUIRE(AppendMany(*s.stub, "challenge-1", 5, 5, "ChallengeRaised"));
  REQUIRE(AppendMany(*s.stub, "person-2", 5, 5, "ReviewHeld"));

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::SubscribeRequest request;
  request.mutable_filter()->set_stream_prefix("person-");
  request.mutable_filter()->add_event_types("ReviewHeld");
  auto reader = s.stub->Subscribe(&context, request);

  std::vector<uint64_t> positions;
  v1::ReadAllResponse response;
  bool caught_up = false;
  while (!caught_up && reader->Read(&response)) {
    for (const auto& e : response.events()) {
      CHECK(e.stream().rfind("person-", 0) == 0);
      positions.push_back(e.position());
    }
    caught_up = response.caught_up();
  }
  REQUIRE(caught_up);
  CHECK(response.next_position() == 15);
  // A live event of another stream is skipped; the next match arrives.
  REQUIRE(AppendMany(*s.stub, "challenge-2", 1, 1, "ChallengeRaised"));
  REQUIRE(AppendMany(*s.stub, "person-3", 1, 1, "ReviewHeld"));
  while (positions.size() < 11 && reader->Read(&response)) {
    for (const auto& e : response.events()) positions.push_back(e.position());
  }
  context.TryCancel();
  reader->Finish();
  const std::vector<uint64_t> expected = {0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 16};
  CHECK(positions == expected);
}

TEST_CASE("a subscriber that does not read never stalls appends", "[subscribe]") {
  InProcessServer s;
  REQUIRE(AppendMany(*s.stub, "person-0", 10, 10));
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  auto reader = s.stub->Subscribe(&context, request);
  // Enough data to fill the stream's flow-control windows many times over; the subscriber
  // never calls Read.
  const std::string pad(4000, 'x');
  for (int i = 0; i < 40; ++i) {
    v1::AppendRequest append;
    append.set_stream("person-big");
    for (int j = 0; j < 100; ++j) {
      auto* e = append.add_events();
      e->set_type("Padded");
      e->set_data("\"" + pad + "\"");
    }
    grpc::ClientContext append_context;
    append_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::AppendResponse response;
    REQUIRE(s.stub->Append(&append_context, append, &response).ok());
    CHECK(response.last_position() == 10 + 100 * static_cast<uint64_t>(i) + 99);
  }
  context.TryCancel();
  reader->Finish();
  CHECK(s.server->store().CommittedEnd().value == 4010);
}

TEST_CASE("read-all streams the log in chunks up to the head at the time of the call",
          "[subscribe]") {
  InProcessServer s;
  REQUIRE(AppendMany(*s.stub, "person-1", 2345, 500));
  grpc::ClientContext context;
  v1::ReadAllRequest request;
  request.set_from_position(10);
  auto reader = s.stub->ReadAll(&context, request);
  v1::ReadAllResponse response;
  uint64_t next = 10;
  int messages = 0;
  while (reader->Read(&response)) {
    ++messages;
    CHECK(response.events_size() <= static_cast<int>(EventStoreService::kChunkEvents));
    for (const auto& e : response.events()) CHECK(e.position() == next++);
    CHECK(response.next_position() == next);
    CHECK_FALSE(response.caught_up());
  }
  CHECK(reader->Finish().ok());
  CHECK(next == 2345);
  CHECK(messages == 3);

  grpc::ClientContext limited;
  request.set_limit(15);
  request.set_from_position(0);
  auto limited_reader = s.stub->ReadAll(&limited, request);
  uint64_t count = 0;
  while (limited_reader->Read(&response)) count += response.events_size();
  CHECK(limited_reader->Finish().ok());
  CHECK(count == 15);

  grpc::ClientContext beyond;
  request.set_from_position(99999);
  auto beyond_reader = s.stub->ReadAll(&beyond, request);
  while (beyond_reader->Read(&response)) {
  }
  const grpc::Status status = beyond_reader->Finish();
  CHECK(status.error_code() == grpc::StatusCode::OUT_OF_RANGE);
  CHECK(status.error_message() == "from_position: 99999 is beyond the end of the log (2345)");
}

TEST_CASE("shutdown ends live subscriptions with UNAVAILABLE", "[subscribe]") {
  InProcessServer s;
  REQUIRE(AppendMany(*s.stub, "person-1", 3, 3));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto reader = s.stub->Subscribe(&context, v1::SubscribeRequest());
  v1::ReadAllResponse response;
  bool caught_up = false;
  while (!caught_up && reader->Read(&response)) caught_up = response.caught_up();
  REQUIRE(caught_up);
  std::thread stopper([&] { s.server->Shutdown(); });
  while (reader->Read(&response)) {
  }
  const grpc::Status status = reader->Finish();
  stopper.join();
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace footprint::services
