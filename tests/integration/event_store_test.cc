// EventStore against real RocksDB in a temporary directory.
#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "catch2/catch.hpp"
#include "event_codec.h"
#include "eventstore/event_store.h"
#include "eventstore/testing/manual_clock.h"
#include "key_format.h"
#include "store_dump.h"
#include "tamper.h"
#include "temp_dir.h"

namespace footprint::eventstore {
namespace {

using footprint::testing::AllEvents;
using footprint::testing::ManualClock;
using footprint::testing::Tamper;
using footprint::testing::TempDir;

const absl::Time kStart = absl::FromUnixSeconds(1767600000);  // 2026-01-05T08:00:00Z

struct Fixture {
  TempDir dir;
  ManualClock clock{kStart};
  std::unique_ptr<EventStore> store;

  explicit Fixture(StoreOptions options = {}) { Reopen(options); }

  void Reopen(StoreOptions options = {}) {
    store.reset();
    options.data_dir = dir.Sub("data");
    options.clock = &clock;
    auto opened = EventStore::Open(options);
    REQUIRE(opened.ok());
    store = std::move(*opened);
  }
  void Close() { store.reset(); }
};

NewEvent Event(std::string type, std::string data, std::string id = "") {
  NewEvent e;
  e.id = std::move(id);
  e.type = std::move(type);
  e.data = std::move(data);
  e.metadata.set_source_system("test");
  e.metadata.set_actor("tester");
  return e;
}

AppendRequest Request(std::string stream, std::vector<NewEvent> events,
                      ExpectedVersion expected = ExpectedVersion::Any()) {
  AppendRequest r;
  r.stream = std::move(stream);
  r.expected = expected;
  r.events = std::move(events);
  return r;
}

const char kId1[] = "11111111-1111-4111-8111-111111111111";
const char kId2[] = "22222222-2222-4222-8222-222222222222";
const char kId3[] = "33333333-3333-4333-8333-333333333333";

TEST_CASE("appends get gapless versions per stream and positions across streams", "[store]") {
  Fixture f;
  auto a0 = f.store->Append(Request("child-1", {Event("PeriodOfCareStarted", R"({"n":0})")},
                                    ExpectedVersion::NoStream()));
  REQUIRE(a0.ok());
  auto b0 = f.store->Append(Request("child-2", {Event("PeriodOfCareStarted", R"({"n":1})")}));
  REQUIRE(b0.ok());
  auto a1 = f.store->Append(
      Request("child-1", {Event("ReviewHeld", R"({"n":2})"), Event("ReviewHeld", R"({"n":3})")},
              ExpectedVersion::Exact(StreamVersion{0})));
  REQUIRE(a1.ok());

  CHECK(a0->first_version.value == 0);
  CHECK(a0->first_position.value == 0);
  CHECK(b0->first_version.value == 0);
  CHECK(b0->first_position.value == 1);
  CHECK(a1->first_version.value == 1);
  CHECK(a1->last_version.value == 2);
  CHECK(a1->first_position.value == 2);
  CHECK(a1->last_position.value == 3);
  CHECK(a1->event_ids.size() == 2);
  CHECK_FALSE(a1->duplicate);

  const auto all = AllEvents(*f.store);
  REQUIRE(all.size() == 4);
  const std::vector<std::pair<std::string, uint64_t>> expected = {
      {"child-1", 0}, {"child-2", 0}, {"child-1", 1}, {"child-1", 2}};
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].position() == i);
    CHECK(all[i].stream() == expected[i].first);
    CHECK(all[i].version() == expected[i].second);
    CHECK(all[i].metadata().actor() == "tester");
    CHECK(all[i].content_type() == v1::CONTENT_TYPE_JSON);
  }
  CHECK(all[3].data() == R"({"n":3})");
  CHECK(all[0].recorded_at().seconds() == 1767600000);
  CHECK(f.store->CommittedEnd().value == 4);
  CHECK(f.store->StreamHead(*StreamId::Parse("child-1"))->value().value == 2);
  CHECK_FALSE(f.store->StreamHead(*StreamId::Parse("child-3"))->has_value());
}

TEST_CASE("a stream reads forwards and backwards from a version with a limit", "[store]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(f.store->Append(Request("child-1", {Event("E", std::to_string(i))})).ok());
    REQUIRE(f.store->Append(Request("child-10", {Event("E", std::to_string(100 + i))})).ok());
  }
  const StreamId s = *StreamId::Parse("child-1");
  auto fwd = f.store->ReadStream(s, StreamVersion{1}, ReadDirection::kForwards, 3);
  REQUIRE(fwd.ok());
  REQUIRE(fwd->events.size() == 3);
  CHECK(fwd->events[0].version() == 1);
  CHECK(fwd->events[2].version() == 3);
  CHECK(fwd->events[2].data() == "3");
  CHECK(fwd->last_version.value == 4);
  CHECK_FALSE(fwd->end_of_stream);

  auto rest = f.store->ReadStream(s, StreamVersion{4}, ReadDirection::kForwards, 10);
  REQUIRE(rest.ok());
  REQUIRE(rest->events.size() == 1);
  CHECK(rest->end_of_stream);

  auto back = f.store->ReadStream(s, StreamVersion{UINT64_MAX}, ReadDirection::kBackwards, 2);
  REQUIRE(back.ok());
  REQUIRE(back->events.size() == 2);
  CHECK(back->events[0].version() == 4);
  CHECK(back->events[1].version() == 3);
  CHECK_FALSE(back->end_of_stream);

  auto back_from_1 = f.store->ReadStream(s, StreamVersion{1}, ReadDirection::kBackwards, 10);
  REQUIRE(back_from_1.ok());
  REQUIRE(back_from_1->events.size() == 2);
  CHECK(back_from_1->events[1].version() == 0);
  CHECK(back_from_1->end_of_stream);

  auto missing = f.store->ReadStream(*StreamId::Parse("child-2"), StreamVersion{0},
                                     ReadDirection::kForwards, 10);
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("read-all filters by stream prefix and type and pages by count", "[store]") {
  Fixture f;
  REQUIRE(f.store->Append(Request("child-1", {Event("A", "1"), Event("B", "2")})).ok());
  REQUIRE(f.store->Append(Request("challenge-1", {Event("A", "3")})).ok());
  REQUIRE(f.store->Append(Request("child-2", {Event("B", "4")})).ok());

  ReadFilter children;
  children.stream_prefix = "child-";
  auto chunk = f.store->ReadAll(GlobalPosition{0}, children, ChunkLimits{});
  REQUIRE(chunk.ok());
  CHECK(chunk->events.size() == 3);
  CHECK(chunk->next_position.value == 4);

  ReadFilter type_a;
  type_a.event_types = {"A"};
  auto as = f.store->ReadAllEvents(GlobalPosition{0}, type_a, ChunkLimits{});
  REQUIRE(as.ok());
  REQUIRE(as->size() == 2);
  CHECK((*as)[0].position() == 0);
  CHECK((*as)[1].position() == 2);

  ChunkLimits two;
  two.max_events = 2;
  auto first = f.store->ReadAll(GlobalPosition{1}, {}, two);
  REQUIRE(first.ok());
  CHECK(first->events.size() == 2);
  CHECK(first->next_position.value == 3);
  auto end = f.store->ReadAll(GlobalPosition{4}, {}, two);
  REQUIRE(end.ok());
  CHECK(end->events.empty());
  CHECK(end->next_position.value == 4);

  CHECK(f.store->ValidateFilter(type_a, "filter").ok());
  ReadFilter unknown;
  unknown.event_types = {"A", "Nope"};
  const absl::Status st = f.store->ValidateFilter(unknown, "filter");
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(st.message()) ==
        "filter.event_types[1]: no event of type 'Nope' has been recorded; recorded types: A, B");
  ReadFilter bad_prefix;
  bad_prefix.stream_prefix = "child 1";
  CHECK(f.store->ValidateFilter(bad_prefix, "filter").code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a batch is all-or-nothing", "[store]") {
  Fixture f;
  REQUIRE(f.store->Append(Request("child-1", {Event("A", "{}")})).ok());
  const auto before = AllEvents(*f.store);
  // The third event is invalid: nothing of the batch is written.
  auto bad = f.store->Append(
      Request("child-1", {Event("A", "{}"), Event("B", "[1]"), Event("C", "{oops")}));
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("events[2].data: invalid JSON") == 0);
  // A version conflict fails the whole batch too.
  auto conflict = f.store->Append(Request("child-1", {Event("A", "{}"), Event("B", "{}")},
                                          ExpectedVersion::Exact(StreamVersion{3})));
  CHECK(conflict.status().code() == absl::StatusCode::kAborted);
  CHECK(AllEvents(*f.store).size() == before.size());
  CHECK(f.store->StreamHead(*StreamId::Parse("child-1"))->value().value == 0);
  // The failed batch's new type was not registered either.
  ReadFilter c;
  c.event_types = {"C"};
  CHECK(f.store->ValidateFilter(c, "filter").code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("bad input gets a precise error and leaves the store unchanged", "[store]") {
  StoreOptions options;
  options.max_event_bytes = 1000;
  options.max_batch_events = 3;
  options.max_batch_bytes = 2500;
  Fixture f(options);
  REQUIRE(f.store->Append(Request("child-1", {Event("A", "{}")})).ok());

  struct Case {
    AppendRequest request;
    std::string message_prefix;
  };
  std::vector<Case> cases;
  cases.push_back({Request("", {Event("A", "{}")}), "stream: stream id is required"});
  cases.push_back({Request("child 1", {Event("A", "{}")}), "stream: stream id 'child 1'"});
  cases.push_back({Request("child-1", {}), "events: an append needs at least one event"});
  cases.push_back(
      {Request("child-1", {Event("", "{}")}), "events[0].type: event type is required"});
  cases.push_back({Request("child-1", {Event("A", "{")}), "events[0].data: invalid JSON"});
  cases.push_back({Request("child-1", {Event("A", "")}), "events[0].data: invalid JSON"});
  cases.push_back({Request("child-1", {Event("A", "{}", "not-a-uuid")}), "events[0].id: event id"});
  cases.push_back({Request("child-1", {Event("A", "{}", kId1), Event("A", "{}", kId1)}),
                   "events[1].id: event id 11111111-1111-4111-8111-111111111111 also appears at "
                   "events[0]"});
  cases.push_back({Request("child-1", {Event("A", "\"" + std::string(1000, 'x') + "\"")}),
                   "events[0]: the event is 1013 bytes; the maximum is 1000"});
  cases.push_back(
      {Request("child-1", {Event("A", "1"), Event("A", "2"), Event("A", "3"), Event("A", "4")}),
       "events: 4 events in one append; the maximum is 3"});
  const std::string big = "\"" + std::string(900, 'x') + "\"";
  cases.push_back({Request("child-1", {Event("A", big), Event("A", big), Event("A", big)}),
                   "events: the append is more than 2500 bytes"});
  NewEvent bad_utf8 = Event("A", "{}");
  bad_utf8.metadata.set_actor("\xc3\x28");
  cases.push_back(
      {Request("child-1", {bad_utf8}), "events[0].metadata.actor: must be valid UTF-8"});
  NewEvent proto_unknown = Event("A", "x");
  proto_unknown.content_type = v1::CONTENT_TYPE_PROTOBUF;
  proto_unknown.payload_type = "footprint.v1.NoSuchMessage";
  cases.push_back({Request("child-1", {proto_unknown}),
                   "events[0].payload_type: 'footprint.v1.NoSuchMessage' is not a message known"});
  NewEvent json_with_type = Event("A", "{}");
  json_with_type.payload_type = "footprint.v1.Event";
  cases.push_back({Request("child-1", {json_with_type}),
                   "events[0].payload_type: must be empty for JSON content"});

  for (auto& c : cases) {
    INFO(c.message_prefix);
    auto result = f.store->Append(std::move(c.request));
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(result.status().message()).rfind(c.message_prefix, 0) == 0);
  }
  CHECK(f.store->CommittedEnd().value == 1);
  CHECK(AllEvents(*f.store).size() == 1);
  CHECK(f.store->VerifyChain(GlobalPosition{0}, std::nullopt)->ok);
}

TEST_CASE("protobuf payloads are stored with their message name", "[store]") {
  Fixture f;
  v1::EventMetadata payload;
  payload.set_actor("embedded");
  NewEvent e = Event("MetadataSnapshot", payload.SerializeAsString());
  e.content_type = v1::CONTENT_TYPE_PROTOBUF;
  e.payload_type = "footprint.v1.EventMetadata";
  REQUIRE(f.store->Append(Request("child-1", {e})).ok());
  const auto all = AllEvents(*f.store);
  REQUIRE(all.size() == 1);
  CHECK(all[0].content_type() == v1::CONTENT_TYPE_PROTOBUF);
  CHECK(all[0].payload_type() == "footprint.v1.EventMetadata");
  v1::EventMetadata back;
  REQUIRE(back.ParseFromString(all[0].data()));
  CHECK(back.actor() == "embedded");

  NewEvent garbage = e;
  garbage.data = "\xff\xff\xff";
  auto bad = f.store->Append(Request("child-1", {garbage}));
  CHECK(bad.status().message() == "events[0].data: does not parse as footprint.v1.EventMetadata");
}

TEST_CASE("a retried append returns the original positions under every mode", "[store]") {
  Fixture f;
  auto first = f.store->Append(
      Request("child-1", {Event("A", R"({"x":1})", kId1), Event("B", R"({"x":2})", kId2)},
              ExpectedVersion::NoStream()));
  REQUIRE(first.ok());
  REQUIRE(f.store->Append(Request("child-2", {Event("C", "{}")})).ok());
  REQUIRE(f.store->Append(Request("child-1", {Event("C", "{}")})).ok());
  const uint64_t end = f.store->CommittedEnd().value;

  for (ExpectedVersion mode :
       {ExpectedVersion::NoStream(), ExpectedVersion::Any(), ExpectedVersion::StreamExists(),
        ExpectedVersion::Exact(StreamVersion{0}), ExpectedVersion::Exact(StreamVersion{99})}) {
    INFO(mode.ToString());
    auto retry = f.store->Append(
        Request("child-1", {Event("A", R"({"x":1})", kId1), Event("B", R"({"x":2})", kId2)}, mode));
    REQUIRE(retry.ok());
    CHECK(retry->duplicate);
    CHECK(retry->first_position.value == 0);
    CHECK(retry->last_position.value == 1);
    CHECK(retry->first_version.value == 0);
    CHECK(retry->last_version.value == 1);
    CHECK(retry->event_ids == std::vector<std::string>{kId1, kId2});
  }
  CHECK(f.store->CommittedEnd().value == end);

  SECTION("reusing an id with other content is refused") {
    auto other = f.store->Append(Request("child-1", {Event("A", R"({"x":9})", kId1)}));
    CHECK(other.status().code() == absl::StatusCode::kAlreadyExists);
    CHECK(other.status().message() ==
          "events[0].id: event 11111111-1111-4111-8111-111111111111 is already stored at "
          "position 0 with different content");
  }
  SECTION("reusing an id in another stream is refused") {
    auto other = f.store->Append(Request("child-9", {Event("A", R"({"x":1})", kId1)}));
    CHECK(other.status().code() == absl::StatusCode::kAlreadyExists);
  }
  SECTION("a retry of part of a batch returns that part's positions") {
    auto part = f.store->Append(Request("child-1", {Event("B", R"({"x":2})", kId2)}));
    REQUIRE(part.ok());
    CHECK(part->duplicate);
    CHECK(part->first_position.value == 1);
    CHECK(part->first_version.value == 1);
  }
  SECTION("a retry that adds new events to stored ones is refused") {
    auto extra = f.store->Append(Request(
        "child-1",
        {Event("A", R"({"x":1})", kId1), Event("B", R"({"x":2})", kId2), Event("D", "{}", kId3)}));
    CHECK(extra.status().code() == absl::StatusCode::kAlreadyExists);
    CHECK(extra.status().message().find("events[2].id: event " + std::string(kId3) + " is new") ==
          0);
  }
  CHECK(f.store->CommittedEnd().value == end);
}

TEST_CASE("duplicates within one commit group resolve to the first append", "[store]") {
  // Many concurrent submits of the same id land in few groups; exactly one writes.
  Fixture f;
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<AppendResult>> results(kThreads, absl::UnknownError("unset"));
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(
        [&, t] { results[t] = f.store->Append(Request("child-1", {Event("A", "{}", kId1)})); });
  }
  for (auto& t : threads) t.join();
  int written = 0;
  for (const auto& r : results) {
    REQUIRE(r.ok());
    CHECK(r->first_position.value == 0);
    if (!r->duplicate) ++written;
  }
  CHECK(written == 1);
  CHECK(f.store->CommittedEnd().value == 1);
}

TEST_CASE("concurrent appenders to one stream: exactly one wins each version", "[store]") {
  Fixture f;
  constexpr int kThreads = 6;
  constexpr int kVersions = 40;
  std::atomic<int> aborted{0};
  // Catch2's assertions are not thread-safe: the threads count what is wrong, the test thread
  // checks it.
  std::atomic<int> won_other_version{0};
  std::atomic<int> failed_otherwise{0};
  std::vector<std::vector<uint64_t>> won(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t v = 0; v < kVersions; ++v) {
        const ExpectedVersion expected =
            v == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exact(StreamVersion{v - 1});
        auto r = f.store->Append(Request(
            "child-1", {Event("Claim", "{\"thread\":" + std::to_string(t) + "}")}, expected));
        if (r.ok()) {
          if (r->first_version.value != v) ++won_other_version;
          won[t].push_back(v);
        } else {
          if (r.status().code() != absl::StatusCode::kAborted) ++failed_otherwise;
          ++aborted;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(won_other_version == 0);
  REQUIRE(failed_otherwise == 0);
  std::map<uint64_t, int> winners;
  for (int t = 0; t < kThreads; ++t) {
    for (uint64_t v : won[t]) winners[v]++;
  }
  REQUIRE(winners.size() == kVersions);
  for (const auto& [version, count] : winners) {
    INFO("version " << version);
    CHECK(count == 1);
  }
  CHECK(aborted.load() == kThreads * kVersions - kVersions);
  const auto all = AllEvents(*f.store);
  REQUIRE(all.size() == kVersions);
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i].version() == i);
}

TEST_CASE("recorded time never goes backwards along positions", "[store]") {
  Fixture f;
  REQUIRE(f.store->Append(Request("child-1", {Event("A", "{}")})).ok());
  f.clock.Advance(absl::Seconds(-3600));  // the wall clock is stepped back an hour
  REQUIRE(f.store->Append(Request("child-1", {Event("A", "{}")})).ok());
  f.clock.Advance(absl::Seconds(7200));
  REQUIRE(f.store->Append(Request("child-1", {Event("A", "{}")})).ok());
  const auto all = AllEvents(*f.store);
  REQUIRE(all.size() == 3);
  CHECK(all[0].recorded_at().seconds() == 1767600000);
  CHECK(all[1].recorded_at().seconds() == 1767600000);
  CHECK(all[2].recorded_at().seconds() == 1767603600);
}

TEST_CASE("everything survives a close and reopen, and the chain continues", "[store]") {
  Fixture f;
  REQUIRE(f.store->Append(Request("child-1", {Event("A", "1", kId1)})).ok());
  REQUIRE(f.store->Append(Request("child-2", {Event("B", "2")})).ok());
  REQUIRE(f.store->Append(Request("child-1", {Event("C", "3")})).ok());
  const auto before = AllEvents(*f.store);
  f.Reopen();
  const auto after = AllEvents(*f.store);
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    CHECK(after[i].SerializeAsString() == before[i].SerializeAsString());
  }
  CHECK(f.store->StreamHead(*StreamId::Parse("child-1"))->value().value == 1);
  // The id index survived: a retry is still recognised.
  auto retry = f.store->Append(Request("child-1", {Event("A", "1", kId1)}));
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  // The version check uses the reopened head, and new events extend the same chain.
  CHECK(
      f.store
          ->Append(Request("child-1", {Event("D", "4")}, ExpectedVersion::Exact(StreamVersion{0})))
          .status()
          .code() == absl::StatusCode::kAborted);
  auto next = f.store->Append(
      Request("child-1", {Event("D", "4")}, ExpectedVersion::Exact(StreamVersion{1})));
  REQUIRE(next.ok());
  CHECK(next->first_position.value == 3);
  CHECK(next->first_version.value == 2);
  const auto all = AllEvents(*f.store);
  CHECK(all[3].prev_hash() == all[2].hash());
  ReadFilter c;
  c.event_types = {"C"};
  CHECK(f.store->ValidateFilter(c, "filter").ok());  // the type registry survived
  auto verified = f.store->VerifyChain(GlobalPosition{0}, std::nullopt);
  REQUIRE(verified.ok());
  CHECK(verified->ok);
  CHECK(verified->events_checked == 4);
}

void AppendTen(EventStore& store) {
  for (int i = 0; i < 10; ++i) {
    REQUIRE(store
                .Append(Request(
                    i % 2 ? "child-1" : "child-2",
                    {Event("ReviewHeld", R"({"date":"2026-01-0)" + std::to_string(i) + "\"}")}))
                .ok());
  }
}

TEST_CASE("verification finds an altered event and reports its position", "[store][verify]") {
  Fixture f;
  AppendTen(*f.store);
  REQUIRE(f.store->VerifyChain(GlobalPosition{0}, std::nullopt)->ok);
  f.Close();
  // Change the data of the event at position 6 and re-serialize it, keeping its hash.
  Tamper(f.dir.Sub("data"), keys::kEventsFamily, keys::EventKey(6), [](std::string* value) {
    v1::Event e;
    REQUIRE(e.ParseFromString(*value));
    e.set_data(R"({"date":"2026-02-01"})");
    *value = e.SerializeAsString();
  });
  f.Reopen();
  auto whole = f.store->VerifyChain(GlobalPosition{0}, std::nullopt);
  REQUIRE(whole.ok());
  CHECK_FALSE(whole->ok);
  CHECK(whole->first_bad_position.value == 6);
  CHECK(whole->reason == "hash does not match the event's content (altered event)");
  auto before = f.store->VerifyChain(GlobalPosition{0}, GlobalPosition{5});
  REQUIRE(before.ok());
  CHECK(before->ok);
  CHECK(before->events_checked == 6);
  auto range = f.store->VerifyChain(GlobalPosition{4}, GlobalPosition{8});
  REQUIRE(range.ok());
  CHECK_FALSE(range->ok);
  CHECK(range->first_bad_position.value == 6);
}

TEST_CASE("verification finds a re-hashed event by its broken link", "[store][verify]") {
  Fixture f;
  AppendTen(*f.store);
  f.Close();
  // A careful attacker recomputes the altered event's own hash; the next link then breaks.
  Tamper(f.dir.Sub("data"), keys::kEventsFamily, keys::EventKey(3), [](std::string* value) {
    v1::Event e;
    REQUIRE(e.ParseFromString(*value));
    e.mutable_metadata()->set_actor("someone-else");
    e.clear_hash();
    e.set_hash(codec::RecomputeHash(e));
    *value = codec::StoredForm(e);
  });
  f.Reopen();
  auto result = f.store->VerifyChain(GlobalPosition{0}, std::nullopt);
  REQUIRE(result.ok());
  CHECK_FALSE(result->ok);
  CHECK(result->first_bad_position.value == 4);
  CHECK(result->reason == "prev_hash does not match the hash of the previous event");
}

TEST_CASE("verification finds a deleted event and a wrong index entry", "[store][verify]") {
  Fixture f;
  AppendTen(*f.store);
  f.Close();
  SECTION("a deleted event is a gap") {
    Tamper(f.dir.Sub("data"), keys::kEventsFamily, keys::EventKey(2), nullptr, /*erase=*/true);
    f.Reopen();
    auto result = f.store->VerifyChain(GlobalPosition{0}, std::nullopt);
    REQUIRE(result.ok());
    CHECK_FALSE(result->ok);
    CHECK(result->first_bad_position.value == 2);
    CHECK(result->reason == "event missing (gap in positions)");
    // Reading across the gap is refused rather than served silently.
    auto read = f.store->ReadAll(GlobalPosition{0}, {}, ChunkLimits{});
    CHECK(read.status().code() == absl::StatusCode::kDataLoss);
  }
  SECTION("a stream index entry pointing elsewhere") {
    Tamper(f.dir.Sub("data"), keys::kStreamsFamily, keys::StreamKey("child-1", 2),
           [](std::string* value) { *value = keys::EventKey(0); });
    f.Reopen();
    auto result = f.store->VerifyChain(GlobalPosition{0}, std::nullopt);
    REQUIRE(result.ok());
    CHECK_FALSE(result->ok);
    CHECK(result->first_bad_position.value == 5);  // child-1@2 is the event at position 5
    CHECK(result->reason == "the stream index does not point at this event");
  }
}

TEST_CASE("a corrupted last event is refused at open", "[store][verify]") {
  Fixture f;
  AppendTen(*f.store);
  f.Close();
  Tamper(f.dir.Sub("data"), keys::kEventsFamily, keys::EventKey(9), [](std::string* value) {
    v1::Event e;
    REQUIRE(e.ParseFromString(*value));
    e.set_type("Forged");
    *value = e.SerializeAsString();
  });
  StoreOptions options;
  options.data_dir = f.dir.Sub("data");
  auto reopened = EventStore::Open(options);
  REQUIRE_FALSE(reopened.ok());
  CHECK(reopened.status().code() == absl::StatusCode::kDataLoss);
  CHECK(reopened.status().message() ==
        "the last stored event (position 9) does not match its hash");
}

TEST_CASE("verify rejects ranges outside the log", "[store][verify]") {
  Fixture f;
  auto empty = f.store->VerifyChain(GlobalPosition{0}, std::nullopt);
  REQUIRE(empty.ok());
  CHECK(empty->ok);
  CHECK(empty->events_checked == 0);
  AppendTen(*f.store);
  CHECK(f.store->VerifyChain(GlobalPosition{0}, GlobalPosition{10}).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(f.store->VerifyChain(GlobalPosition{11}, std::nullopt).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(f.store->VerifyChain(GlobalPosition{5}, GlobalPosition{4}).status().code() ==
        absl::StatusCode::kOutOfRange);
  auto one = f.store->VerifyChain(GlobalPosition{9}, GlobalPosition{9});
  REQUIRE(one.ok());
  CHECK(one->ok);
  CHECK(one->events_checked == 1);
}

TEST_CASE("a second process cannot open a data directory in use", "[store]") {
  Fixture f;
  StoreOptions options;
  options.data_dir = f.dir.Sub("data");
  auto second = EventStore::Open(options);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == absl::StatusCode::kUnavailable);
  CHECK(second.status().message().find("is in use by another process") != absl::string_view::npos);
}

TEST_CASE("a lone append is committed and answered on the writer, never on the submitting thread",
          "[store][writer]") {
  // docs/architecture.md: a gRPC thread never commits or syncs. Before GroupCommitWriter, an
  // append that found the writer idle was committed (and fsynced) on the submitting thread and
  // answered before Submit returned.
  Fixture f;
  for (int i = 0; i < 5; ++i) {
    auto prepared = f.store->Prepare(Request("child-1", {Event("A", "{}")}));
    REQUIRE(prepared.ok());
    std::promise<std::thread::id> answered_on;
    auto answered = answered_on.get_future();
    f.store->Submit(std::move(*prepared), [&](absl::StatusOr<AppendResult> result) {
      CHECK(result.ok());
      answered_on.set_value(std::this_thread::get_id());
    });
    CHECK(answered.get() != std::this_thread::get_id());
  }
  CHECK(f.store->CommittedEnd().value == 5);
  CHECK(f.store->Stats().groups == 5);
}

TEST_CASE("a group is answered before the readers waiting for it are woken, and they see it",
          "[store][writer]") {
  // Waking readers (projection workers, subscriptions, the deadline runner) costs the writer
  // tens of microseconds; a lone client's answer must not wait for it. The committed end is set
  // before the answer, so that a client that reads after its answer finds its events.
  Fixture f;
  std::mutex mu;
  std::vector<std::string> order;
  uint64_t end_when_answered = 0;
  std::promise<void> woken;
  const uint64_t waiter = f.store->notifier().WaitAsync(0, [&](bool advanced) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(advanced ? "woken" : "closed");
    woken.set_value();
  });
  REQUIRE(waiter != 0);
  auto prepared = f.store->Prepare(Request("child-1", {Event("A", "{}")}));
  REQUIRE(prepared.ok());
  std::promise<void> answered;
  f.store->Submit(std::move(*prepared), [&](absl::StatusOr<AppendResult> result) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(result.ok() ? "answered" : "failed");
    end_when_answered = f.store->CommittedEnd().value;
    answered.set_value();
  });
  answered.get_future().wait();
  woken.get_future().wait();
  std::lock_guard<std::mutex> lock(mu);
  CHECK(order == std::vector<std::string>{"answered", "woken"});
  CHECK(end_when_answered == 1);
}

TEST_CASE("appends after the writer stopped fail with UNAVAILABLE", "[store]") {
  Fixture f;
  REQUIRE(f.store->Append(Request("child-1", {Event("A", "{}")})).ok());
  f.store->StopWriter();
  auto late = f.store->Append(Request("child-1", {Event("A", "{}")}));
  CHECK(late.status().code() == absl::StatusCode::kUnavailable);
  CHECK(f.store->CommittedEnd().value == 1);
}

TEST_CASE("consumer writes and checkpoint commit together, and a reset clears both", "[store]") {
  Fixture f;
  auto model = f.store->OpenReadModel("counts");
  REQUIRE(model.ok());
  CHECK_FALSE(f.store->LoadCheckpoint("counts")->has_value());
  ConsumerBatch batch;
  batch.Put(*model, "a", "1");
  batch.Put(*model, "b", "2");
  batch.Put(*model, "c", "3");
  batch.Delete(*model, "c");
  REQUIRE(f.store->CommitConsumer("counts", GlobalPosition{7}, batch).ok());
  CHECK(f.store->LoadCheckpoint("counts")->value().value == 7);
  CHECK(f.store->ReadModelGet(*model, "a")->value() == "1");
  CHECK_FALSE(f.store->ReadModelGet(*model, "c")->has_value());

  f.Reopen();  // read models are found again at open
  model = f.store->OpenReadModel("counts");
  REQUIRE(model.ok());
  std::vector<std::string> keys;
  REQUIRE(f.store
              ->ReadModelScan(*model, "",
                              [&](absl::string_view k, absl::string_view) {
                                keys.emplace_back(k);
                                return true;
                              })
              .ok());
  CHECK(keys == std::vector<std::string>{"a", "b"});
  CHECK(f.store->LoadCheckpoint("counts")->value().value == 7);

  REQUIRE(f.store->ResetConsumer("counts", *model).ok());
  CHECK_FALSE(f.store->LoadCheckpoint("counts")->has_value());
  CHECK_FALSE(f.store->ReadModelGet(*model, "a")->has_value());
  CHECK_FALSE(f.store->ReadModelGet(*model, "b")->has_value());

  CHECK(f.store->OpenReadModel("Bad Name").status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace footprint::eventstore
