// End-to-end tests of the gRPC API: the real footprintd as a child process, driven with the
// generated C++ stub (and raw generic calls for the health and reflection services).
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "catch2/catch.hpp"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
namespace v1 = footprint::v1;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

constexpr char kCurrentVersionTrailer[] = "footprint-current-version";

// A footprintd on 127.0.0.1:0 with its data in a fresh temporary directory.
struct RunningServer {
  RunningServer() : process(dir.Sub("data")) { process.Start(); }
  ft::TempDir dir;
  ft::ServerProcess process;
};

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

void SetDeadline(grpc::ClientContext* context, int seconds = 60) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

v1::EventData Event(const std::string& type, const std::string& data, const std::string& id = "") {
  v1::EventData event;
  event.set_id(id);
  event.set_type(type);
  event.set_content_type(v1::CONTENT_TYPE_JSON);
  event.set_data(data);
  event.mutable_metadata()->set_source_system("stub-test");
  event.mutable_metadata()->set_actor("tester");
  event.mutable_metadata()->set_correlation_id("run-1");
  return event;
}

// "00000000-0000-4000-8000-<n as 12 hex digits>" with the given prefix in the first group.
std::string TestId(uint32_t group, uint64_t n) {
  char text[40];
  std::snprintf(text, sizeof(text), "%08x-0000-4000-8000-%012llx", group,
                static_cast<unsigned long long>(n));
  return text;
}

struct AppendOutcome {
  grpc::Status status;
  v1::AppendResponse response;
  std::optional<std::string> current_version;  // the footprint-current-version trailer
};

AppendOutcome Append(v1::EventStore::Stub& stub, const v1::AppendRequest& request) {
  grpc::ClientContext context;
  SetDeadline(&context);
  AppendOutcome out;
  out.status = stub.Append(&context, request, &out.response);
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find(kCurrentVersionTrailer); it != trailers.end()) {
    out.current_version = std::string(it->second.data(), it->second.size());
  }
  return out;
}

v1::AppendRequest Request(const std::string& stream, std::vector<v1::EventData> events) {
  v1::AppendRequest request;
  request.set_stream(stream);
  for (auto& e : events) *request.add_events() = std::move(e);
  return request;
}

// Appends and requires success; returns the response.
v1::AppendResponse MustAppend(v1::EventStore::Stub& stub, const v1::AppendRequest& request) {
  AppendOutcome out = Append(stub, request);
  INFO("append to " << request.stream() << ": " << out.status.error_message());
  REQUIRE(out.status.ok());
  return out.response;
}

struct ReadAllResult {
  grpc::Status status;
  std::vector<v1::ReadAllResponse> messages;
  std::vector<v1::Event> events;
};

ReadAllResult ReadAll(v1::EventStore::Stub& stub, const v1::ReadAllRequest& request) {
  grpc::ClientContext context;
  SetDeadline(&context);
  ReadAllResult result;
  auto reader = stub.ReadAll(&context, request);
  v1::ReadAllResponse message;
  while (reader->Read(&message)) {
    for (const auto& e : message.events()) result.events.push_back(e);
    result.messages.push_back(message);
  }
  result.status = reader->Finish();
  return result;
}

std::vector<v1::Event> ReadWholeLog(v1::EventStore::Stub& stub) {
  ReadAllResult result = ReadAll(stub, v1::ReadAllRequest());
  INFO(result.status.error_message());
  REQUIRE(result.status.ok());
  return result.events;
}

std::vector<uint64_t> Positions(const std::vector<v1::Event>& events) {
  std::vector<uint64_t> out;
  for (const auto& e : events) out.push_back(e.position());
  return out;
}

std::vector<uint64_t> Versions(const std::vector<v1::Event>& events) {
  std::vector<uint64_t> out;
  for (const auto& e : events) out.push_back(e.version());
  return out;
}

std::vector<uint64_t> Range(uint64_t from, uint64_t to_inclusive, bool backwards = false) {
  std::vector<uint64_t> out;
  for (uint64_t v = from; v <= to_inclusive; ++v) out.push_back(v);
  if (backwards) std::reverse(out.begin(), out.end());
  return out;
}

std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

// Gapless positions from `first`, each event chained to the one before it.
void CheckChained(const std::vector<v1::Event>& events, uint64_t first = 0) {
  for (size_t i = 0; i < events.size(); ++i) {
    INFO("index " << i);
    CHECK(events[i].position() == first + i);
    CHECK(events[i].hash().size() == 32);
    if (i == 0 && first == 0) CHECK(events[i].prev_hash() == std::string(32, '\0'));
    if (i > 0) CHECK(events[i].prev_hash() == events[i - 1].hash());
  }
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// A raw unary call through the generic stub (no generated code needed).
grpc::Status GenericUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                          const std::string& request, std::string* response) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  SetDeadline(&context);
  const grpc::ByteBuffer request_buffer = ToByteBuffer(request);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  *response = FromByteBuffer(response_buffer);
  return status;
}

// One request on a raw bidi stream, half-closed, collecting every response until the server
// finishes the call.
class OneRequestBidiCall : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  OneRequestBidiCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const std::string& request)
      : stub_(channel), request_(ToByteBuffer(request)) {
    SetDeadline(&context_);
    stub_.PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    responses_.push_back(FromByteBuffer(response_));
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override { done_.set_value(status); }

  grpc::Status Await() { return done_.get_future().get(); }
  const std::vector<std::string>& responses() const { return responses_; }

 private:
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::vector<std::string> responses_;
  std::promise<grpc::Status> done_;
};

// grpc.health.v1.HealthCheckResponse.status of a Check call for `service`.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                 grpc::Status* status) {
  UnknownFieldSet request;
  request.AddLengthDelimited(1, service);  // HealthCheckRequest.service
  std::string request_bytes, response_bytes;
  request.SerializeToString(&request_bytes);
  *status = GenericUnary(channel, "/grpc.health.v1.Health/Check", request_bytes, &response_bytes);
  UnknownFieldSet response;
  if (!response.ParseFromString(response_bytes)) return -1;
  for (int i = 0; i < response.field_count(); ++i) {
    if (response.field(i).number() == 1 && response.field(i).type() == UnknownField::TYPE_VARINT) {
      return static_cast<int>(response.field(i).varint());
    }
  }
  return 0;  // proto3 default: UNKNOWN
}

// The length-delimited sub-fields numbered `number` of `set`.
std::vector<std::string> Submessages(const UnknownFieldSet& set, int number) {
  std::vector<std::string> out;
  for (int i = 0; i < set.field_count(); ++i) {
    const UnknownField& f = set.field(i);
    if (f.number() == number && f.type() == UnknownField::TYPE_LENGTH_DELIMITED) {
      out.push_back(f.length_delimited());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("Append writes a batch all-or-nothing with consecutive versions and positions", "[e2e]") {
  RunningServer server;
  auto stub = v1::EventStore::NewStub(NewChannel(server.process.address()));
  MustAppend(*stub, Request("seed-1", {Event("Seeded", "{}")}));

  const auto check_rejected = [&](const v1::AppendRequest& request, grpc::StatusCode code,
                                  const std::string& message_prefix) {
    const AppendOutcome out = Append(*stub, request);
    INFO("message: " << out.status.error_message());
    CHECK(out.status.error_code() == code);
    CHECK(out.status.error_message().rfind(message_prefix, 0) == 0);
    const auto log = ReadWholeLog(*stub);
    CHECK(log.size() == 1);
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ReadStreamRequest read;
    read.set_stream("family-1");
    v1::ReadStreamResponse response;
    CHECK(stub->ReadStream(&context, read, &response).error_code() == grpc::StatusCode::NOT_FOUND);
  };

  check_rejected(Request("family-1", {Event("Opened", R"({"a":1})"), Event("Noted", R"({"b":)"),
                                      Event("Noted", "{}")}),
                 grpc::StatusCode::INVALID_ARGUMENT, "events[1].data: invalid JSON: ");
  check_rejected(
      Request("family-1", {Event("Opened", "{}"), Event("Noted", "{}"), Event("9x", "{}")}),
      grpc::StatusCode::INVALID_ARGUMENT,
      "events[2].type: event type '9x' must start with a letter");
  check_rejected(
      Request("family-1",
              {Event("Opened", "{}", TestId(1, 1)), Event("Noted", "{}", TestId(1, 1))}),
      grpc::StatusCode::INVALID_ARGUMENT,
      "events[1].id: event id " + TestId(1, 1) + " also appears at events[0]; ids must be unique");
  {
    v1::EventData unknown_proto = Event("Opened", "");
    unknown_proto.set_content_type(v1::CONTENT_TYPE_PROTOBUF);
    unknown_proto.set_payload_type("no.such.Message");
    check_rejected(Request("family-1", {Event("Opened", "{}"), unknown_proto}),
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "events[1].payload_type: 'no.such.Message' is not a message known to the "
                   "server");
  }
  {
    v1::EventData long_source = Event("Noted", "{}");
    long_source.mutable_metadata()->set_source_system(std::string(257, 's'));
    check_rejected(Request("family-1", {long_source}), grpc::StatusCode::INVALID_ARGUMENT,
                   "events[0].metadata.source_system: 257 bytes; the maximum is 256");
  }
  {
    // Five events of about 1 MB each: each fits, the append does not (4 MiB per append).
    const std::string megabyte = "\"" + std::string(999'998, 'x') + "\"";
    check_rejected(Request("family-1", std::vector<v1::EventData>(5, Event("Big", megabyte))),
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "events: the append is more than 4194304 bytes (the maximum per append) at "
                   "events[4]");
  }
  check_rejected(Request("family-1", {}), grpc::StatusCode::INVALID_ARGUMENT,
                 "events: an append needs at least one event");
  check_rejected(Request("family-1", std::vector<v1::EventData>(1001, Event("Noted", "{}"))),
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "events: 1001 events in one append; the maximum is 1000");

  // A valid batch: consecutive versions and positions, supplied ids kept, missing ids generated.
  v1::EventData as_proto = Event("Tagged", "");
  as_proto.set_content_type(v1::CONTENT_TYPE_PROTOBUF);
  as_proto.set_payload_type("footprint.v1.EventMetadata");
  v1::EventMetadata payload;
  payload.set_actor("payload-actor");
  as_proto.set_data(payload.SerializeAsString());
  const v1::AppendResponse ack =
      MustAppend(*stub, Request("family-1", {Event("Opened", R"({"n":0})", TestId(2, 0)),
                                             Event("Noted", R"({"n":1})"), as_proto}));
  CHECK(ack.first_version() == 0);
  CHECK(ack.last_version() == 2);
  CHECK(ack.first_position() == 1);
  CHECK(ack.last_position() == 3);
  CHECK_FALSE(ack.duplicate());
  REQUIRE(ack.event_ids_size() == 3);
  CHECK(ack.event_ids(0) == TestId(2, 0));
  CHECK(ack.event_ids(1).size() == 36);
  CHECK(ack.event_ids(1)[14] == '7');  // generated: UUID version 7
  CHECK(ack.event_ids(1) != ack.event_ids(2));

  const auto log = ReadWholeLog(*stub);
  REQUIRE(log.size() == 4);
  CheckChained(log);
  for (int i = 0; i < 3; ++i) {
    CHECK(log[1 + i].stream() == "family-1");
    CHECK(log[1 + i].version() == static_cast<uint64_t>(i));
    CHECK(log[1 + i].id() == ack.event_ids(i));
  }
  CHECK(log[1].data() == R"({"n":0})");
  CHECK(log[1].metadata().source_system() == "stub-test");
  CHECK(log[1].metadata().actor() == "tester");
  CHECK(log[1].metadata().correlation_id() == "run-1");
  CHECK(log[3].content_type() == v1::CONTENT_TYPE_PROTOBUF);
  CHECK(log[3].payload_type() == "footprint.v1.EventMetadata");
  CHECK(log[3].data() == payload.SerializeAsString());

  // A full retry is a duplicate with the original positions; a partial retry is refused.
  const v1::AppendRequest pair = Request(
      "family-1", {Event("Noted", R"({"n":3})", TestId(3, 0)), Event("Noted", "{}", TestId(3, 1))});
  const v1::AppendResponse first = MustAppend(*stub, pair);
  CHECK(first.first_position() == 4);
  CHECK(first.first_version() == 3);
  const v1::AppendResponse retry = MustAppend(*stub, pair);
  CHECK(retry.duplicate());
  CHECK(retry.first_position() == 4);
  CHECK(retry.last_position() == 5);
  CHECK(retry.first_version() == 3);
  CHECK(retry.last_version() == 4);
  const AppendOutcome partial =
      Append(*stub, Request("family-1", {Event("Noted", R"({"n":3})", TestId(3, 0)),
                                         Event("Noted", "{}", TestId(3, 2))}));
  CHECK(partial.status.error_code() == grpc::StatusCode::ALREADY_EXISTS);
  CHECK(partial.status.error_message().rfind("events[1].id: event " + TestId(3, 2) +
                                                 " is new, but other events of this append are "
                                                 "already stored",
                                             0) == 0);
  CHECK(ReadWholeLog(*stub).size() == 6);

  // A rejected batch on an existing stream leaves its head where it was.
  v1::AppendRequest bad = Request("family-1", {Event("Noted", "{}"), Event("Noted", "nope")});
  bad.mutable_expected_version()->set_exact(4);
  CHECK(Append(*stub, bad).status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  v1::AppendRequest good = Request("family-1", {Event("Noted", "{}")});
  good.mutable_expected_version()->set_exact(4);
  CHECK(MustAppend(*stub, good).first_version() == 5);
}

TEST_CASE("Append checks the expected version and reports the current one in a trailer", "[e2e]") {
  RunningServer server;
  auto stub = v1::EventStore::NewStub(NewChannel(server.process.address()));
  const auto request = [](std::function<void(v1::ExpectedVersion*)> set, int events = 1) {
    v1::AppendRequest r = Request("acct-1", std::vector<v1::EventData>(events, Event("E", "{}")));
    if (set) set(r.mutable_expected_version());
    return r;
  };
  const auto exact = [](uint64_t v) { return [v](v1::ExpectedVersion* e) { e->set_exact(v); }; };
  const auto no_stream = [](v1::ExpectedVersion* e) { e->set_no_stream(true); };
  const auto exists = [](v1::ExpectedVersion* e) { e->set_stream_exists(true); };
  const auto any = [](v1::ExpectedVersion* e) { e->set_any(true); };

  const auto check_aborted = [&](const v1::AppendRequest& r, const std::string& message,
                                 const std::string& current) {
    const AppendOutcome out = Append(*stub, r);
    CHECK(out.status.error_code() == grpc::StatusCode::ABORTED);
    CHECK(out.status.error_message() == message);
    CHECK(out.current_version == std::optional<std::string>(current));
  };
  const auto check_ok = [&](const v1::AppendRequest& r, uint64_t first_version) {
    const AppendOutcome out = Append(*stub, r);
    INFO(out.status.error_message());
    REQUIRE(out.status.ok());
    CHECK(out.response.first_version() == first_version);
    CHECK_FALSE(out.current_version.has_value());
  };

  check_aborted(request(exists),
                "expected version: stream 'acct-1' must exist, but it does not exist", "none");
  check_aborted(request(exact(0)),
                "expected version: stream 'acct-1' expected at version 0, but it does not exist",
                "none");
  check_ok(request(no_stream, 2), 0);
  check_aborted(request(no_stream),
                "expected version: stream 'acct-1' must not exist, but it is at version 1", "1");
  check_aborted(request(exact(0)),
                "expected version: stream 'acct-1' expected at version 0, but it is at version 1",
                "1");
  check_aborted(request(exact(2)),
                "expected version: stream 'acct-1' expected at version 2, but it is at version 1",
                "1");
  check_ok(request(exact(1)), 2);
  check_ok(request(exists), 3);
  check_ok(request(any), 4);
  check_ok(request(nullptr), 5);
  check_aborted(request(exact(4), 3),
                "expected version: stream 'acct-1' expected at version 4, but it is at version 5",
                "5");

  const auto log = ReadWholeLog(*stub);
  CHECK(Versions(log) == Range(0, 5));
  CheckChained(log);
}

TEST_CASE(
    "Concurrent identical appends store the event once and concurrent creators race "
    "fairly",
    "[e2e]") {
  RunningServer server;
  const std::string address = server.process.address();
  constexpr int kThreads = 12;

  // The same append (same id, same content) sent by many clients at once: one write, and every
  // client gets the same positions back.
  std::vector<AppendOutcome> same(kThreads);
  {
    const v1::AppendRequest request = Request("dup-1", {Event("Once", R"({"x":1})", TestId(9, 1))});
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto stub = v1::EventStore::NewStub(NewChannel(address));
        start.wait();
        same[i] = Append(*stub, request);
      });
    }
    go.set_value();
    for (auto& t : threads) t.join();
  }
  int written = 0;
  for (const auto& out : same) {
    INFO(out.status.error_message());
    REQUIRE(out.status.ok());
    CHECK(out.response.first_position() == 0);
    CHECK(out.response.first_version() == 0);
    REQUIRE(out.response.event_ids_size() == 1);
    CHECK(out.response.event_ids(0) == TestId(9, 1));
    written += out.response.duplicate() ? 0 : 1;
  }
  CHECK(written == 1);

  // Many clients creating the same stream with no_stream at once: exactly one succeeds.
  std::vector<AppendOutcome> racing(kThreads);
  {
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto stub = v1::EventStore::NewStub(NewChannel(address));
        v1::AppendRequest request =
            Request("race-1", {Event("Created", "{\"by\":" + std::to_string(i) + "}")});
        request.mutable_expected_version()->set_no_stream(true);
        start.wait();
        racing[i] = Append(*stub, request);
      });
    }
    go.set_value();
    for (auto& t : threads) t.join();
  }
  int winners = 0;
  for (const auto& out : racing) {
    if (out.status.ok()) {
      ++winners;
      CHECK(out.response.first_version() == 0);
    } else {
      CHECK(out.status.error_code() == grpc::StatusCode::ABORTED);
      CHECK(out.current_version == std::optional<std::string>("0"));
    }
  }
  CHECK(winners == 1);

  auto stub = v1::EventStore::NewStub(NewChannel(address));
  const auto log = ReadWholeLog(*stub);
  REQUIRE(log.size() == 2);
  CHECK(log[0].id() == TestId(9, 1));
  CHECK(log[1].stream() == "race-1");
  CheckChained(log);
}

TEST_CASE("ReadStream pages a stream forwards and backwards", "[e2e]") {
  RunningServer server;
  auto stub = v1::EventStore::NewStub(NewChannel(server.process.address()));
  // 25 events in "pager", interleaved with "other" so that positions and versions differ.
  for (int i = 0; i < 25; ++i) {
    MustAppend(*stub, Request("pager", {Event("Paged", "{\"v\":" + std::to_string(i) + "}")}));
    if (i % 5 == 0) MustAppend(*stub, Request("other", {Event("Other", "{}")}));
  }
  const auto read = [&](uint64_t from, v1::Direction direction, bool from_end, uint32_t limit,
                        const std::string& stream = "pager") {
    v1::ReadStreamRequest request;
    request.set_stream(stream);
    request.set_from_version(from);
    request.set_direction(direction);
    request.set_from_end(from_end);
    request.set_limit(limit);
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ReadStreamResponse response;
    const grpc::Status status = stub->ReadStream(&context, request, &response);
    INFO(status.error_message());
    REQUIRE(status.ok());
    CHECK(response.last_version() == (stream == "pager" ? 24u : 1999u));
    return response;
  };
  const std::vector<v1::Event> log = ReadWholeLog(*stub);
  REQUIRE(log.size() == 30);

  // Forwards in pages of 10, continuing after the last version of each page.
  std::vector<v1::Event> forwards;
  std::vector<bool> ends;
  uint64_t next = 0;
  for (int page = 0; page < 10; ++page) {
    const auto response = read(next, v1::DIRECTION_FORWARDS, false, 10);
    for (const auto& e : response.events()) forwards.push_back(e);
    ends.push_back(response.end_of_stream());
    if (response.end_of_stream()) break;
    // For an auditor (here: everyone, without TLS) the next page starts right after this one.
    CHECK(response.next_version() == response.events(response.events_size() - 1).version() + 1);
    next = response.next_version();
  }
  CHECK(ends == std::vector<bool>{false, false, true});
  CHECK(Versions(forwards) == Range(0, 24));
  for (const auto& e : forwards) {
    INFO("version " << e.version());
    CHECK(e.stream() == "pager");
    CHECK(e.data() == "{\"v\":" + std::to_string(e.version()) + "}");
    // The same stored event as in the global log.
    REQUIRE(e.position() < log.size());
    CHECK(log[e.position()].SerializeAsString() == e.SerializeAsString());
  }

  // Backwards from the end in pages of 10.
  std::vector<v1::Event> backwards;
  ends.clear();
  auto response = read(0, v1::DIRECTION_BACKWARDS, true, 10);
  while (true) {
    for (const auto& e : response.events()) backwards.push_back(e);
    ends.push_back(response.end_of_stream());
    if (response.end_of_stream() || ends.size() > 10) break;
    CHECK(response.next_version() == response.events(response.events_size() - 1).version() - 1);
    response = read(response.next_version(), v1::DIRECTION_BACKWARDS, false, 10);
  }
  CHECK(ends == std::vector<bool>{false, false, true});
  CHECK(Versions(backwards) == Range(0, 24, true));

  // A page that ends exactly on the last (first) event reports the end.
  const auto last_five = read(20, v1::DIRECTION_FORWARDS, false, 5);
  CHECK(Versions({last_five.events().begin(), last_five.events().end()}) == Range(20, 24));
  CHECK(last_five.end_of_stream());
  const auto first_five = read(4, v1::DIRECTION_BACKWARDS, false, 5);
  CHECK(Versions({first_five.events().begin(), first_five.events().end()}) == Range(0, 4, true));
  CHECK(first_five.end_of_stream());
  // Backwards from beyond the last version starts at the last version.
  const auto beyond = read(100, v1::DIRECTION_BACKWARDS, false, 3);
  CHECK(Versions({beyond.events().begin(), beyond.events().end()}) == Range(22, 24, true));
  CHECK_FALSE(beyond.end_of_stream());

  // Errors: from_end forwards, unknown stream, bad stream id.
  const auto status_of = [&](const v1::ReadStreamRequest& request) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ReadStreamResponse r;
    return stub->ReadStream(&context, request, &r);
  };
  v1::ReadStreamRequest bad;
  bad.set_stream("pager");
  bad.set_from_end(true);
  grpc::Status status = status_of(bad);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "from_end: only allowed with DIRECTION_BACKWARDS");
  bad.set_stream("pager-2");
  bad.set_from_end(false);
  status = status_of(bad);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(status.error_message() == "stream 'pager-2' has no events");
  bad.set_stream("pager 2");
  status = status_of(bad);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message().rfind("stream: stream id 'pager 2' has a character", 0) == 0);

  // A page holds at most 1000 events, whatever the limit asks for.
  std::vector<v1::EventData> batch(1000, Event("Bulk", "{}"));
  MustAppend(*stub, Request("bulk", batch));
  MustAppend(*stub, Request("bulk", batch));
  const auto capped = read(0, v1::DIRECTION_FORWARDS, false, 0, "bulk");
  CHECK(capped.events_size() == 1000);
  CHECK_FALSE(capped.end_of_stream());
  CHECK(capped.next_version() == 1000);
  const auto asked_more = read(500, v1::DIRECTION_FORWARDS, false, 5000, "bulk");
  CHECK(asked_more.events_size() == 1000);
  CHECK(asked_more.events(0).version() == 500);
  CHECK(asked_more.events(999).version() == 1499);
  const auto rest = read(1500, v1::DIRECTION_FORWARDS, false, 0, "bulk");
  REQUIRE(rest.events_size() == 500);
  CHECK(rest.events(499).version() == 1999);
  CHECK(rest.end_of_stream());
  CHECK(rest.next_version() == 0);  // not set at the end
}

TEST_CASE("ReadAll filters by stream prefix and event types and stops at a limit", "[e2e]") {
  RunningServer server;
  auto stub = v1::EventStore::NewStub(NewChannel(server.process.address()));
  // 0 person-1 Registered, 1 case-1 Opened, 2 person-2 Registered, 3 person-1 Noted,
  // 4 case-1 Noted, 5 person-2 Noted, 6 case-2 Opened
  const std::vector<std::pair<std::string, std::string>> appends = {
      {"person-1", "Registered"}, {"case-1", "Opened"}, {"person-2", "Registered"},
      {"person-1", "Noted"},      {"case-1", "Noted"},  {"person-2", "Noted"},
      {"case-2", "Opened"}};
  for (const auto& [stream, type] : appends)
    MustAppend(*stub, Request(stream, {Event(type, "{}")}));

  const auto read = [&](uint64_t from, const std::string& prefix,
                        const std::vector<std::string>& types, uint64_t limit) {
    v1::ReadAllRequest request;
    request.set_from_position(from);
    request.mutable_filter()->set_stream_prefix(prefix);
    for (const auto& t : types) request.mutable_filter()->add_event_types(t);
    request.set_limit(limit);
    ReadAllResult result = ReadAll(*stub, request);
    INFO(result.status.error_message());
    REQUIRE(result.status.ok());
    return result;
  };
  using V = std::vector<uint64_t>;

  const auto all = read(0, "", {}, 0);
  CHECK(Positions(all.events) == Range(0, 6));
  CheckChained(all.events);
  for (size_t i = 0; i < appends.size(); ++i) {
    CHECK(all.events[i].stream() == appends[i].first);
    CHECK(all.events[i].type() == appends[i].second);
  }
  REQUIRE_FALSE(all.messages.empty());
  CHECK(all.messages.back().next_position() == 7);

  CHECK(Positions(read(0, "person-", {}, 0).events) == V{0, 2, 3, 5});
  CHECK(Positions(read(0, "", {"Noted"}, 0).events) == V{3, 4, 5});
  CHECK(Positions(read(0, "", {"Opened", "Registered"}, 0).events) == V{0, 1, 2, 6});
  CHECK(Positions(read(0, "person-", {"Noted"}, 0).events) == V{3, 5});
  CHECK(Positions(read(4, "case-", {}, 0).events) == V{4, 6});
  CHECK(Positions(read(0, "", {}, 3).events) == V{0, 1, 2});
  const auto limited = read(1, "person-", {"Registered", "Noted"}, 2);
  CHECK(Positions(limited.events) == V{2, 3});
  REQUIRE_FALSE(limited.messages.empty());
  CHECK(limited.messages.back().next_position() == 4);
  // The filter skips trailing events and still reports where to continue.
  const auto skipped = read(0, "person-", {}, 0);
  REQUIRE_FALSE(skipped.messages.empty());
  CHECK(skipped.messages.back().next_position() == 7);
  CHECK(read(7, "", {}, 0).events.empty());
  CHECK(read(0, "nobody-", {}, 0).events.empty());

  // Errors.
  const auto status_of = [&](uint64_t from, const std::vector<std::string>& types) {
    v1::ReadAllRequest request;
    request.set_from_position(from);
    for (const auto& t : types) request.mutable_filter()->add_event_types(t);
    return ReadAll(*stub, request);
  };
  auto failed = status_of(0, {"Noted", "Closed"});
  CHECK(failed.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(failed.status.error_message() ==
        "filter.event_types[1]: no event of type 'Closed' has been recorded; recorded types: "
        "Noted, Opened, Registered");
  CHECK(failed.events.empty());
  failed = status_of(8, {});
  CHECK(failed.status.error_code() == grpc::StatusCode::OUT_OF_RANGE);
  CHECK(failed.status.error_message() == "from_position: 8 is beyond the end of the log (7)");

  // A long log arrives in several messages, gapless, and a limit stops it exactly.
  std::vector<v1::EventData> batch(1000, Event("Bulk", R"({"padding":"0123456789"})"));
  MustAppend(*stub, Request("bulk-1", batch));
  MustAppend(*stub, Request("bulk-1", batch));
  MustAppend(*stub, Request("bulk-1", std::vector<v1::EventData>(500, batch[0])));
  const auto long_log = read(0, "", {}, 0);
  CHECK(long_log.events.size() == 2507);
  CHECK(long_log.messages.size() >= 3);
  CheckChained(long_log.events);
  for (const auto& m : long_log.messages) CHECK(m.events_size() <= 1000);
  const auto long_limited = read(5, "bulk-", {}, 1200);
  REQUIRE(long_limited.events.size() == 1200);
  CHECK(long_limited.events.front().position() == 7);
  CHECK(long_limited.events.back().position() == 1206);
  CHECK(Versions(long_limited.events) == Range(0, 1199));
}

TEST_CASE("Subscribe catches up, then delivers concurrent appends exactly once and in order",
          "[e2e]") {
  RunningServer server;
  const std::string address = server.process.address();
  auto stub = v1::EventStore::NewStub(NewChannel(address));
  constexpr int kStored = 60;
  constexpr int kPerAppender = 40;
  for (int b = 0; b < kStored / 10; ++b) {
    MustAppend(*stub, Request("stored-" + std::to_string(b),
                              std::vector<v1::EventData>(10, Event("Stored", "{}"))));
  }
  constexpr uint64_t kTotal = kStored + 2 * kPerAppender;

  // Acknowledged appends: id -> position.
  std::mutex acks_mu;
  std::map<std::string, uint64_t> acks;
  std::atomic<int> append_failures{0};
  // Each subscriber reports when it has caught up; the appenders' second halves wait for both.
  std::promise<void> whole_caught_up, filtered_caught_up;
  std::shared_future<void> caught_up[2] = {whole_caught_up.get_future().share(),
                                           filtered_caught_up.get_future().share()};

  // Subscribers: one for the whole log, one filtered to "live-a".
  struct Received {
    std::vector<v1::Event> events;
    std::vector<uint64_t> next_positions;
    int caught_up_messages = 0;
    size_t events_before_caught_up = 0;
    grpc::Status status;
  };
  const auto subscribe = [&](const std::string& prefix, uint64_t expected, Received* out,
                             std::promise<void>* on_caught_up) {
    auto sub_stub = v1::EventStore::NewStub(NewChannel(address));
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::SubscribeRequest request;
    request.mutable_filter()->set_stream_prefix(prefix);
    auto reader = sub_stub->Subscribe(&context, request);
    v1::ReadAllResponse message;
    while (out->events.size() < expected && reader->Read(&message)) {
      for (const auto& e : message.events()) out->events.push_back(e);
      out->next_positions.push_back(message.next_position());
      if (message.caught_up()) {
        if (++out->caught_up_messages == 1) {
          out->events_before_caught_up = out->events.size();
          if (on_caught_up != nullptr) on_caught_up->set_value();
        }
      }
    }
    context.TryCancel();
    while (reader->Read(&message)) {
    }
    out->status = reader->Finish();
  };

  Received whole, filtered;
  std::thread filtered_subscriber(subscribe, "live-a", kPerAppender, &filtered,
                                  &filtered_caught_up);
  std::thread whole_subscriber(subscribe, "", kTotal, &whole, &whole_caught_up);

  // Two appenders, each to its own stream: half racing with the subscribers' catch-up, half once
  // both report live delivery.
  const auto appender = [&](const std::string& stream, uint32_t group) {
    auto own = v1::EventStore::NewStub(NewChannel(address));
    for (int i = 0; i < kPerAppender; ++i) {
      if (i == kPerAppender / 2) {
        for (const auto& f : caught_up) {
          if (f.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
            ++append_failures;
            return;
          }
        }
      }
      v1::AppendRequest request =
          Request(stream, {Event("Live", "{\"i\":" + std::to_string(i) + "}", TestId(group, i))});
      request.mutable_expected_version()->set_exact(i - 1);
      if (i == 0) request.mutable_expected_version()->set_no_stream(true);
      AppendOutcome out = Append(*own, request);
      if (!out.status.ok() || out.response.first_version() != static_cast<uint64_t>(i)) {
        ++append_failures;
        return;
      }
      std::lock_guard<std::mutex> lock(acks_mu);
      acks[TestId(group, i)] = out.response.first_position();
    }
  };
  std::thread appender_a(appender, "live-a", 0xa);
  std::thread appender_b(appender, "live-b", 0xb);
  appender_a.join();
  appender_b.join();
  whole_subscriber.join();
  filtered_subscriber.join();

  CHECK(append_failures == 0);
  REQUIRE(acks.size() == 2 * kPerAppender);

  // The whole log: every position exactly once, in order, caught_up once.
  CHECK(whole.events.size() == kTotal);
  CheckChained(whole.events);
  CHECK(whole.caught_up_messages == 1);
  CHECK(whole.events_before_caught_up >= static_cast<size_t>(kStored));
  CHECK(whole.status.error_code() == grpc::StatusCode::CANCELLED);
  CHECK(std::is_sorted(whole.next_positions.begin(), whole.next_positions.end()));
  std::set<std::string> ids;
  for (const auto& e : whole.events) ids.insert(e.id());
  CHECK(ids.size() == whole.events.size());
  for (const auto& [id, position] : acks) {
    INFO("id " << id);
    REQUIRE(position < whole.events.size());
    CHECK(whole.events[position].id() == id);
  }
  // Live events were delivered after caught_up: the second halves of both appenders.
  size_t live_after = 0;
  for (size_t i = whole.events_before_caught_up; i < whole.events.size(); ++i) {
    if (whole.events[i].stream().rfind("live-", 0) == 0) ++live_after;
  }
  CHECK(live_after >= static_cast<size_t>(kPerAppender));

  // The filtered subscriber saw exactly live-a, in version order, at the acknowledged positions.
  CHECK(filtered.events.size() == static_cast<size_t>(kPerAppender));
  CHECK(Versions(filtered.events) == Range(0, kPerAppender - 1));
  for (const auto& e : filtered.events) {
    CHECK(e.stream() == "live-a");
    const auto it = acks.find(e.id());
    CHECK(it != acks.end());
    if (it != acks.end()) CHECK(it->second == e.position());
  }
  CHECK(filtered.caught_up_messages == 1);
  CHECK(filtered.status.error_code() == grpc::StatusCode::CANCELLED);

  // Subscribing beyond the head is refused.
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::SubscribeRequest beyond;
  beyond.set_from_position(kTotal + 1);
  auto reader = stub->Subscribe(&context, beyond);
  v1::ReadAllResponse message;
  CHECK_FALSE(reader->Read(&message));
  const grpc::Status status = reader->Finish();
  CHECK(status.error_code() == grpc::StatusCode::OUT_OF_RANGE);
  CHECK(status.error_message() == "from_position: " + std::to_string(kTotal + 1) +
                                      " is beyond the end of the log (" + std::to_string(kTotal) +
                                      ")");
}

TEST_CASE(
    "Subscribe from a position skips what came before and ends with UNAVAILABLE on "
    "shutdown",
    "[e2e]") {
  RunningServer server;
  auto stub = v1::EventStore::NewStub(NewChannel(server.process.address()));
  MustAppend(*stub, Request("s-1", std::vector<v1::EventData>(5, Event("E", "{}"))));

  auto context = std::make_unique<grpc::ClientContext>();
  SetDeadline(context.get());
  v1::SubscribeRequest request;
  request.set_from_position(3);
  auto reader = stub->Subscribe(context.get(), request);
  std::vector<v1::Event> events;
  v1::ReadAllResponse message;
  bool caught_up = false;
  while (!caught_up && reader->Read(&message)) {
    for (const auto& e : message.events()) events.push_back(e);
    caught_up = message.caught_up();
  }
  REQUIRE(caught_up);
  CHECK(Positions(events) == std::vector<uint64_t>{3, 4});
  CHECK(message.next_position() == 5);

  // A clean shutdown finishes live subscriptions instead of waiting for them. (The client keeps
  // reading meanwhile, as a real subscriber does.)
  int exit_status = -2;
  std::thread terminate([&] { exit_status = server.process.Terminate(); });
  while (reader->Read(&message)) {
  }
  const grpc::Status status = reader->Finish();
  // footprintd's shutdown waits for client connections to go away; close ours (the context
  // holds a reference to the channel too).
  reader.reset();
  context.reset();
  stub.reset();
  terminate.join();
  CHECK(exit_status == 0);
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(status.error_message() == "the server is shutting down");
}

TEST_CASE("VerifyChain confirms the hash chain over the whole log and over a range", "[e2e]") {
  RunningServer server;
  auto stub = v1::EventStore::NewStub(NewChannel(server.process.address()));
  const auto verify = [&](std::optional<uint64_t> from, std::optional<uint64_t> to,
                          v1::VerifyChainResponse* response) {
    v1::VerifyChainRequest request;
    if (from) request.set_from_position(*from);
    if (to) request.set_to_position(*to);
    grpc::ClientContext context;
    SetDeadline(&context);
    return stub->VerifyChain(&context, request, response);
  };

  v1::VerifyChainResponse empty;
  REQUIRE(verify(std::nullopt, std::nullopt, &empty).ok());
  CHECK(empty.ok());
  CHECK(empty.events_checked() == 0);

  for (int i = 0; i < 10; ++i) {
    MustAppend(*stub, Request("chain-" + std::to_string(i % 3),
                              {Event("Linked", "{\"i\":" + std::to_string(i) + "}")}));
  }
  const auto log = ReadWholeLog(*stub);
  REQUIRE(log.size() == 10);
  CheckChained(log);

  v1::VerifyChainResponse whole;
  REQUIRE(verify(std::nullopt, std::nullopt, &whole).ok());
  CHECK(whole.ok());
  CHECK(whole.events_checked() == 10);
  CHECK(whole.first_position() == 0);
  CHECK(whole.last_position() == 9);
  CHECK(whole.head_hash() == Hex(log[9].hash()));
  CHECK(whole.reason().empty());

  v1::VerifyChainResponse range;
  REQUIRE(verify(3, 6, &range).ok());
  CHECK(range.ok());
  CHECK(range.events_checked() == 4);
  CHECK(range.first_position() == 3);
  CHECK(range.last_position() == 6);
  CHECK(range.head_hash() == Hex(log[6].hash()));

  v1::VerifyChainResponse at_head;
  REQUIRE(verify(10, std::nullopt, &at_head).ok());
  CHECK(at_head.ok());
  CHECK(at_head.events_checked() == 0);

  v1::VerifyChainResponse unused;
  grpc::Status status = verify(0, 10, &unused);
  CHECK(status.error_code() == grpc::StatusCode::OUT_OF_RANGE);
  CHECK(status.error_message() == "to_position: 10 is beyond the last position 9");
  status = verify(7, 5, &unused);
  CHECK(status.error_code() == grpc::StatusCode::OUT_OF_RANGE);
  CHECK(status.error_message() == "from_position: 7 is after to_position 5");
}

TEST_CASE("the health service reports SERVING and reflection lists the services", "[e2e]") {
  RunningServer server;
  auto channel = NewChannel(server.process.address());

  // grpc.health.v1: SERVING = 1, for the server as a whole and for the event store.
  grpc::Status status;
  CHECK(HealthStatus(channel, "", &status) == 1);
  CHECK(status.ok());
  CHECK(HealthStatus(channel, "footprint.v1.EventStore", &status) == 1);
  CHECK(status.ok());
  HealthStatus(channel, "footprint.v1.NoSuchService", &status);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);

  // grpc.reflection.v1alpha: list_services (field 7) ...
  {
    UnknownFieldSet request;
    request.AddLengthDelimited(7, "");
    std::string bytes;
    request.SerializeToString(&bytes);
    OneRequestBidiCall call(
        channel, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", bytes);
    const grpc::Status done = call.Await();
    INFO(done.error_message());
    REQUIRE(done.ok());
    REQUIRE(call.responses().size() == 1);
    UnknownFieldSet response;
    REQUIRE(response.ParseFromString(call.responses()[0]));
    const auto list = Submessages(response, 6);  // list_services_response
    REQUIRE(list.size() == 1);
    UnknownFieldSet services;
    REQUIRE(services.ParseFromString(list[0]));
    std::set<std::string> names;
    for (const std::string& service : Submessages(services, 1)) {
      UnknownFieldSet entry;
      REQUIRE(entry.ParseFromString(service));
      const auto name = Submessages(entry, 1);
      if (!name.empty()) names.insert(name[0]);
    }
    CHECK(names.count("footprint.v1.EventStore") == 1);
    CHECK(names.count("grpc.health.v1.Health") == 1);
    CHECK(names.count("grpc.reflection.v1alpha.ServerReflection") == 1);
  }
  // ... and file_containing_symbol (field 4) returns the API's descriptor.
  {
    UnknownFieldSet request;
    request.AddLengthDelimited(4, "footprint.v1.EventStore");
    std::string bytes;
    request.SerializeToString(&bytes);
    OneRequestBidiCall call(
        channel, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", bytes);
    REQUIRE(call.Await().ok());
    REQUIRE(call.responses().size() == 1);
    UnknownFieldSet response;
    REQUIRE(response.ParseFromString(call.responses()[0]));
    const auto files = Submessages(response, 4);  // file_descriptor_response
    REQUIRE(files.size() == 1);
    UnknownFieldSet file_response;
    REQUIRE(file_response.ParseFromString(files[0]));
    std::set<std::string> methods;
    bool found = false;
    for (const std::string& proto : Submessages(file_response, 1)) {
      google::protobuf::FileDescriptorProto file;
      REQUIRE(file.ParseFromString(proto));
      if (file.name() != "footprint/v1/eventstore.proto") continue;
      found = true;
      REQUIRE(file.service_size() == 1);
      CHECK(file.service(0).name() == "EventStore");
      for (const auto& m : file.service(0).method()) methods.insert(m.name());
    }
    CHECK(found);
    CHECK(methods ==
          std::set<std::string>{"Append", "ReadStream", "ReadAll", "Subscribe", "VerifyChain"});
  }
}
