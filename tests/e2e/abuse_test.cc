// End to end: abusive clients against a real footprintd. An oversized message is refused by
// gRPC before it reaches the store; a hundred subscriptions that never read, and clients that
// vanish mid-stream, bound only themselves: other clients' appends and reads go on, and every
// acknowledged event is stored. Streams beyond limits.max_streams_per_identity are refused, and
// a closed stream gives its place back.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "process.h"

namespace {

namespace ft = footprint::testing;
namespace v1 = footprint::v1;

std::shared_ptr<grpc::Channel> Channel(const std::string& address, int index) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  args.SetInt("footprint.test.channel", index);  // a separate connection per index
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

grpc::Status AppendOne(v1::EventStore::Stub& stub, const std::string& stream, std::string data) {
  v1::AppendRequest request;
  request.set_stream(stream);
  v1::EventData* e = request.add_events();
  e->set_type("Note");
  e->set_content_type(v1::CONTENT_TYPE_JSON);
  e->set_data(std::move(data));
  e->mutable_metadata()->set_source_system("abuse-test");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::AppendResponse response;
  return stub.Append(&context, request, &response);
}

}  // namespace

TEST_CASE("an oversized message is refused and the server goes on", "[e2e][abuse]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  auto stub = v1::EventStore::NewStub(Channel(server.address(), 0));
  // The server takes messages up to limits.max_batch_bytes (4 MiB) plus 1 MiB of framing.
  const grpc::Status big =
      AppendOne(*stub, "note-1", "{\"x\":\"" + std::string(6 << 20, 'a') + "\"}");
  CHECK(big.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Within the gRPC limit but over the event limit (1 MiB): the store refuses it by name.
  const grpc::Status large =
      AppendOne(*stub, "note-1", "{\"x\":\"" + std::string(2 << 20, 'a') + "\"}");
  CHECK(large.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(large.error_message().rfind("events[0]: ", 0) == 0);
  CHECK(AppendOne(*stub, "note-1", "{\"n\":1}").ok());
  auto r = ft::Cli(server, {"verify"});
  CHECK(r.out.rfind("verified 1 events", 0) == 0);
}

TEST_CASE("idle and vanishing subscribers do not stall other clients", "[e2e][abuse]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  const std::string address = server.address();
  auto writer = v1::EventStore::NewStub(Channel(address, 0));
  for (int i = 0; i < 50; ++i) REQUIRE(AppendOne(*writer, "note-1", "{\"n\":1}").ok());

  // 100 subscriptions over 4 connections that read one message and then never read again.
  struct Idle {
    std::unique_ptr<v1::EventStore::Stub> stub;
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::ReadAllResponse>> reader;
  };
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 1; c <= 4; ++c) channels.push_back(Channel(address, c));
  std::vector<Idle> idle(100);
  for (size_t i = 0; i < idle.size(); ++i) {
    idle[i].stub = v1::EventStore::NewStub(channels[i % channels.size()]);
    idle[i].context = std::make_unique<grpc::ClientContext>();
    idle[i].reader = idle[i].stub->Subscribe(idle[i].context.get(), v1::SubscribeRequest());
    v1::ReadAllResponse first;
    REQUIRE(idle[i].reader->Read(&first));
  }
  // While they sit there, another client appends 2000 events of 2 KiB (4 MiB that every idle
  // subscriber is owed) and reads the whole log back.
  const std::string note = "{\"x\":\"" + std::string(2000, 'b') + "\"}";
  for (int i = 0; i < 2000; ++i) REQUIRE(AppendOne(*writer, "note-2", note).ok());
  auto r = ft::Cli(server, {"read", "note-2"});
  REQUIRE(r.exit_code == 0);
  CHECK(ft::Lines(r.out).size() == 2000);

  // Half vanish without a word (their connections close); the rest cancel.
  for (size_t i = 0; i < idle.size(); i += 2) idle[i].context->TryCancel();
  for (size_t i = 0; i < idle.size(); i += 2) {
    v1::ReadAllResponse message;
    while (idle[i].reader->Read(&message)) {
    }
    CHECK(idle[i].reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
  }
  channels.clear();
  idle.clear();  // the other half: contexts, readers and connections dropped mid-stream

  CHECK(AppendOne(*writer, "note-3", "{\"n\":3}").ok());
  r = ft::Cli(server, {"verify"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("verified 2051 events (positions 0..2050)", 0) == 0);
  // And it shuts down promptly: nothing is left holding it.
  CHECK(server.process.Terminate(20) == 0);
}

TEST_CASE("streams beyond the limit are refused until one closes", "[e2e][abuse]") {
  // Without TLS every caller is "local": the per-identity limit bounds them all.
  ft::RunningServer server(ft::ConfigYaml{std::string(ft::kWithoutReviewDeadlines) +
                                          "limits:\n  max_streams_per_identity: 8\n"});
  const std::string address = server.address();
  auto writer = v1::EventStore::NewStub(Channel(address, 0));
  REQUIRE(AppendOne(*writer, "note-1", "{\"n\":1}").ok());
  struct Open {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::ReadAllResponse>> reader;
  };
  auto channel = Channel(address, 1);
  auto stub = v1::EventStore::NewStub(channel);
  const auto subscribe = [&] {
    Open open;
    open.context = std::make_unique<grpc::ClientContext>();
    // A stream wrongly admitted ends at its deadline instead of hanging the test.
    open.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    open.reader = stub->Subscribe(open.context.get(), v1::SubscribeRequest());
    return open;
  };
  std::vector<Open> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(subscribe());
    v1::ReadAllResponse first;
    REQUIRE(held.back().reader->Read(&first));  // served: its place is taken
  }
  // The ninth, a Subscribe or a ReadAll, is refused by name; nothing of it is read.
  Open ninth = subscribe();
  v1::ReadAllResponse message;
  CHECK_FALSE(ninth.reader->Read(&message));
  grpc::Status refused = ninth.reader->Finish();
  CHECK(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(refused.error_message() ==
        "EventStore.Subscribe: 'local' has 8 streams open, the most one identity may hold "
        "(limits.max_streams_per_identity); close one first");
  auto r = ft::Cli(server, {"read-all"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("RESOURCE_EXHAUSTED: EventStore.ReadAll: 'local' has 8 streams open") !=
        std::string::npos);
  // Unary calls are not streams: appends go on.
  CHECK(AppendOne(*writer, "note-1", "{\"n\":2}").ok());

  // One closes; the next stream gets its place.
  held.front().context->TryCancel();
  while (held.front().reader->Read(&message)) {
  }
  CHECK(held.front().reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
  held.erase(held.begin());
  // The server releases the place when the call is done, shortly after the client sees it.
  bool admitted = false;
  for (int attempt = 0; attempt < 100 && !admitted; ++attempt) {
    r = ft::Cli(server, {"read-all"});
    admitted = r.exit_code == 0;
  }
  CHECK(admitted);
  CHECK(ft::Lines(r.out).size() == 2);
}
