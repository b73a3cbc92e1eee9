// The gRPC service in-process: status mapping, the current-version trailer, and a shutdown
// that finishes in-flight appends.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "catch2/catch.hpp"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "services/event_store_service.h"
#include "services/server.h"
#include "temp_dir.h"

namespace footprint::services {
namespace {

using footprint::testing::TempDir;

std::unique_ptr<FootprintServer> StartServer(const TempDir& dir) {
  ServerConfig config;
  config.data_dir = dir.Sub("data");
  config.listen = "127.0.0.1:0";
  config.shutdown_grace = absl::Seconds(30);
  auto started = FootprintServer::Start(config);
  REQUIRE(started.ok());
  return std::move(*started);
}

std::unique_ptr<v1::EventStore::Stub> Connect(const FootprintServer& server) {
  return v1::EventStore::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
}

v1::AppendRequest OneEvent(const std::string& stream, const std::string& data,
                           const std::string& id = "") {
  v1::AppendRequest request;
  request.set_stream(stream);
  auto* e = request.add_events();
  e->set_id(id);
  e->set_type("ReviewHeld");
  e->set_data(data);
  return request;
}

TEST_CASE("append errors keep their codes and the field named", "[service]") {
  TempDir dir;
  auto server = StartServer(dir);
  auto stub = Connect(*server);

  v1::AppendResponse response;
  {
    grpc::ClientContext context;
    const grpc::Status st = stub->Append(&context, OneEvent("bad stream", "{}"), &response);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message().rfind("stream: stream id 'bad stream'", 0) == 0);
  }
  {
    grpc::ClientContext context;
    v1::AppendRequest request = OneEvent("person-1", "{}");
    request.mutable_events(0)->set_content_type(static_cast<v1::ContentType>(7));
    const grpc::Status st = stub->Append(&context, request, &response);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "events[0].content_type: unknown value 7");
  }
  {
    grpc::ClientContext context;
    REQUIRE(stub->Append(&context, OneEvent("person-1", "{}"), &response).ok());
    CHECK(response.first_position() == 0);
  }
  {
    grpc::ClientContext context;
    v1::AppendRequest request = OneEvent("person-1", "{}");
    request.mutable_expected_version()->set_no_stream(true);
    const grpc::Status st = stub->Append(&context, request, &response);
    CHECK(st.error_code() == grpc::StatusCode::ABORTED);
    CHECK(st.error_message() ==
          "expected version: stream 'person-1' must not exist, but it is at version 0");
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(EventStoreService::kCurrentVersionTrailer);
    REQUIRE(it != trailers.end());
    CHECK(std::string(it->second.data(), it->second.size()) == "0");
  }
  {
    grpc::ClientContext context;
    v1::AppendRequest request = OneEvent("person-2", "{}");
    request.mutable_expected_version()->set_stream_exists(true);
    CHECK(stub->Append(&context, request, &response).error_code() == grpc::StatusCode::ABORTED);
    auto it = context.GetServerTrailingMetadata().find(EventStoreService::kCurrentVersionTrailer);
    REQUIRE(it != context.GetServerTrailingMetadata().end());
    CHECK(std::string(it->second.data(), it->second.size()) == "none");
  }
  {
    grpc::ClientContext context;
    v1::ReadStreamRequest request;
    request.set_stream("person-1");
    request.set_from_end(true);  // only valid backwards
    v1::ReadStreamResponse read;
    const grpc::Status st = stub->ReadStream(&context, request, &read);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "from_end: only allowed with DIRECTION_BACKWARDS");
  }
  {
    grpc::ClientContext context;
    v1::VerifyChainRequest request;
    request.set_to_position(5);
    v1::VerifyChainResponse verify;
    CHECK(stub->VerifyChain(&context, request, &verify).error_code() ==
          grpc::StatusCode::OUT_OF_RANGE);
  }
  CHECK(server->store().CommittedEnd().value == 1);
}

// Sends raw request bytes to a method, as a client with a different protobuf library might.
grpc::Status RawCall(const FootprintServer& server, const std::string& method,
                     const std::string& bytes) {
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status st) { done.set_value(st); });
  return done.get_future().get();
}

TEST_CASE("an append that does not decode gets INVALID_ARGUMENT naming the field", "[service]") {
  TempDir dir;
  auto server = StartServer(dir);
  const std::string method = "/footprint.v1.EventStore/Append";

  v1::AppendRequest request = OneEvent("person-1", "{}");
  request.mutable_events(0)->mutable_metadata()->set_actor("@@");
  std::string bytes = request.SerializeAsString();
  bytes.replace(bytes.find("@@"), 2, "\xc3\x28");  // not UTF-8
  grpc::Status st = RawCall(*server, method, bytes);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "events[0].metadata.actor: must be valid UTF-8");

  request = OneEvent("person-1", "{}");
  request.add_events()->set_type("T@@");
  bytes = request.SerializeAsString();
  bytes.replace(bytes.find("T@@"), 3, "T\xff\xfe");
  st = RawCall(*server, method, bytes);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "events[1].type: must be valid UTF-8");

  st = RawCall(*server, method, std::string("\x1a\xff\xff\xff", 4));  // truncated field
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() ==
        "request: not a valid footprint.v1.AppendRequest (malformed protobuf)");
  CHECK(server->store().CommittedEnd().value == 0);
}

TEST_CASE("read-all tells where to continue when the filter skipped everything", "[service]") {
  TempDir dir;
  auto server = StartServer(dir);
  auto stub = Connect(*server);
  for (int i = 0; i < 5; ++i) {
    grpc::ClientContext context;
    v1::AppendResponse response;
    REQUIRE(stub->Append(&context, OneEvent("person-" + std::to_string(i), "{}"), &response).ok());
  }
  grpc::ClientContext context;
  v1::ReadAllRequest request;
  request.set_from_position(1);
  request.mutable_filter()->set_stream_prefix("challenge-");
  auto reader = stub->ReadAll(&context, request);
  v1::ReadAllResponse response;
  std::vector<uint64_t> next_positions;
  while (reader->Read(&response)) {
    CHECK(response.events_size() == 0);
    next_positions.push_back(response.next_position());
  }
  CHECK(reader->Finish().ok());
  CHECK(next_positions == std::vector<uint64_t>{5});
}

TEST_CASE("shutdown acknowledges in-flight appends and loses none of them", "[service]") {
  TempDir dir;
  auto server = StartServer(dir);
  auto stub = Connect(*server);

  constexpr int kClients = 8;
  std::mutex mu;
  std::condition_variable acked;
  std::set<std::string> acknowledged;  // event ids
  std::atomic<int> acks{0};
  std::atomic<int> other_errors{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 100000; ++i) {
        char id[37];
        std::snprintf(id, sizeof(id), "%08x-0000-4000-8000-%012x", c, i);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        v1::AppendResponse response;
        const grpc::Status st =
            stub->Append(&context, OneEvent("person-" + std::to_string(c), "{}", id), &response);
        if (st.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.insert(id);
          ++acks;
          acked.notify_all();
        } else if (st.error_code() == grpc::StatusCode::UNAVAILABLE ||
                   st.error_code() == grpc::StatusCode::CANCELLED) {
          // The server stopped accepting: gRPC cancels calls that arrive during shutdown
          // before any handler runs; the store refuses appends once its writer stopped.
          return;
        } else {
          ++other_errors;
          return;
        }
      }
    });
  }
  // Shut down once appends are flowing (bounded wait).
  {
    std::unique_lock<std::mutex> lock(mu);
    REQUIRE(acked.wait_for(lock, std::chrono::seconds(60), [&] { return acks.load() >= 200; }));
  }
  server->Shutdown();
  for (auto& t : clients) t.join();
  CHECK(other_errors.load() == 0);
  server.reset();

  eventstore::StoreOptions options;
  options.data_dir = dir.Sub("data");
  auto store = eventstore::EventStore::Open(options);
  REQUIRE(store.ok());
  eventstore::ChunkLimits limits;
  limits.max_events = SIZE_MAX;
  limits.max_bytes = SIZE_MAX;
  auto events = (*store)->ReadAllEvents(eventstore::GlobalPosition{0}, {}, limits);
  REQUIRE(events.ok());
  std::set<std::string> stored;
  for (const auto& e : *events) CHECK(stored.insert(e.id()).second);  // each id once
  for (const auto& id : acknowledged) {
    if (!stored.count(id)) FAIL("acknowledged event " << id << " is missing");
  }
  CHECK(stored.size() >= acknowledged.size());
  CHECK((*store)->VerifyChain(eventstore::GlobalPosition{0}, std::nullopt)->ok);
}

}  // namespace
}  // namespace footprint::services
