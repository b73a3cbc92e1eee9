// What the store's promises rest on, each against the real store: the hash chain covers every
// stored field (canonical version 2, the principal included; version-1 events still verify);
// an event id is retried only by the client that appended it; verification checks the indexes
// in both directions and the versions for gaps; a stream read never shows what ReadAll does not
// (positions past the committed end); a request whose hashing fails leaves nothing in the group;
// RocksDB's own log never goes to a file on the data disk. (issue 21, section 2)
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "commit_mark.h"
#include "event_codec.h"
#include "eventstore/event_store.h"
#include "eventstore/testing/manual_clock.h"
#include "fault_hooks.h"
#include "key_format.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "store_dump.h"
#include "tamper.h"
#include "temp_dir.h"

namespace footprint::eventstore {
namespace {

using footprint::testing::AllEvents;
using footprint::testing::ManualClock;
using footprint::testing::Tamper;
using footprint::testing::TamperPut;
using footprint::testing::TempDir;

const absl::Time kStart = absl::FromUnixSeconds(1767600000);  // 2026-01-05T08:00:00Z

struct Store {
  TempDir dir;
  ManualClock clock{kStart};
  std::unique_ptr<EventStore> store;
  StoreOptions options;

  explicit Store(StoreOptions base = {}) : options(std::move(base)) { Reopen(); }
  std::string data() const { return dir.Sub("data"); }
  void Reopen() {
    store.reset();
    options.data_dir = data();
    options.clock = &clock;
    auto opened = EventStore::Open(options);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    store = std::move(*opened);
  }
  absl::Status TryReopen() {
    store.reset();
    options.data_dir = data();
    auto opened = EventStore::Open(options);
    if (opened.ok()) store = std::move(*opened);
    return opened.status();
  }
  void Close() { store.reset(); }
};

NewEvent Event(std::string data, std::string id = "", std::string principal = "case-system") {
  NewEvent e;
  e.id = std::move(id);
  e.type = "ReviewHeld";
  e.data = std::move(data);
  e.metadata.set_source_system("test");
  e.metadata.set_actor("tester");
  e.metadata.set_principal(std::move(principal));
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

// Positions 0..9: child-2@0, child-1@0, child-2@1, child-1@1, ..., child-1@4.
void AppendTen(EventStore& store) {
  for (int i = 0; i < 10; ++i) {
    REQUIRE(store
                .Append(Request(i % 2 ? "child-1" : "child-2",
                                {Event(absl::StrCat("{\"n\":", i, "}"))}))
                .ok());
  }
}

VerifyResult Verify(const EventStore& store) {
  auto result = store.VerifyChain(GlobalPosition{0}, std::nullopt);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return *result;
}

void EditEvent(const std::string& data_dir, uint64_t position,
               const std::function<void(v1::Event&)>& edit) {
  Tamper(data_dir, keys::kEventsFamily, keys::EventKey(position), [&](std::string* value) {
    v1::Event e;
    REQUIRE(e.ParseFromString(*value));
    edit(e);
    *value = codec::StoredForm(e);
  });
}

const char kId1[] = "11111111-1111-4111-8111-111111111111";

TEST_CASE("new events name canonical version 2, whose hash covers the principal",
          "[store][integrity]") {
  Store s;
  AppendTen(*s.store);
  for (const v1::Event& e : AllEvents(*s.store)) {
    CHECK(e.canonical_version() == 2);
    CHECK(e.metadata().principal() == "case-system");
  }
  s.Close();

  SECTION("a principal rewritten in the middle of the log") {
    EditEvent(s.data(), 4, [](v1::Event& e) { e.mutable_metadata()->set_principal("forger"); });
    s.Reopen();
    const VerifyResult result = Verify(*s.store);
    CHECK_FALSE(result.ok);
    CHECK(result.first_bad_position.value == 4);
    CHECK(result.reason == "hash does not match the event's content (altered event)");
  }
  SECTION("the principal of the last event: the store refuses to open") {
    EditEvent(s.data(), 9, [](v1::Event& e) { e.mutable_metadata()->set_principal("forger"); });
    const absl::Status opened = s.TryReopen();
    CHECK(opened.code() == absl::StatusCode::kDataLoss);
    CHECK(opened.message() == "the last stored event (position 9) does not match its hash");
  }
  SECTION("an event passed off as version 1, to leave its principal uncovered") {
    EditEvent(s.data(), 4, [](v1::Event& e) {
      e.clear_canonical_version();
      e.mutable_metadata()->set_principal("forger");
    });
    s.Reopen();
    const VerifyResult result = Verify(*s.store);
    CHECK_FALSE(result.ok);
    CHECK(result.first_bad_position.value == 4);
  }
  SECTION("a field the hash does not cover, added to a stored event") {
    Tamper(s.data(), keys::kEventsFamily, keys::EventKey(6),
           [](std::string* value) { value->append("\x98\x06\x07", 3); });  // field 99 = 7
    s.Reopen();
    const VerifyResult result = Verify(*s.store);
    CHECK_FALSE(result.ok);
    CHECK(result.first_bad_position.value == 6);
    CHECK(result.reason ==
          "the stored bytes are not the event's stored form (fields repeated, added or moved), "
          "which its hash does not cover");
  }
  SECTION("a second type field put first, which a header scan reads and the parser does not") {
    // "\x2a\x07Forgery" is field 5 (type) = "Forgery": the parser keeps the last type field
    // (ReviewHeld, so the hash still matches), a filtered read scans the first.
    Tamper(s.data(), keys::kEventsFamily, keys::EventKey(6), [](std::string* value) {
      value->insert(0, std::string("\x2a\x07"
                                   "Forgery",
                                   9));
    });
    s.Reopen();
    ReadFilter reviews;
    reviews.event_types = {"ReviewHeld"};
    auto chunk = s.store->ReadAll(GlobalPosition{0}, reviews, ChunkLimits{});
    INFO(chunk.status().ToString());
    REQUIRE(chunk.ok());
    CHECK(chunk->count == 9);  // the deadline engine and projections would miss it
    const VerifyResult result = Verify(*s.store);
    CHECK_FALSE(result.ok);
    CHECK(result.first_bad_position.value == 6);
    CHECK_THAT(result.reason,
               Catch::StartsWith("the stored bytes are not the event's stored form"));
  }
  SECTION("a canonical version the store never writes (1)") {
    EditEvent(s.data(), 2, [](v1::Event& e) { e.set_canonical_version(1); });
    s.Reopen();
    const VerifyResult result = Verify(*s.store);
    CHECK_FALSE(result.ok);
    CHECK(result.first_bad_position.value == 2);
  }
}

TEST_CASE("a log written in canonical version 1 still verifies, and version 2 follows it",
          "[store][integrity]") {
  Store s;
  AppendTen(*s.store);
  s.Close();
  // Rewrite the log as a store from before version 2 wrote it: no canonical_version, each hash
  // over the version-1 encoding, chained.
  std::string prev = codec::GenesisHash();
  for (uint64_t p = 0; p < 10; ++p) {
    EditEvent(s.data(), p, [&](v1::Event& e) {
      e.clear_canonical_version();
      e.set_prev_hash(prev);
      e.clear_hash();
      e.set_hash(codec::ChainHash(
          prev, codec::CanonicalContentV1(e),
          {e.version(), e.position(), e.recorded_at().seconds(), e.recorded_at().nanos()}));
      prev = e.hash();
    });
  }
  s.Reopen();
  VerifyResult result = Verify(*s.store);
  CHECK(result.ok);
  CHECK(result.events_checked == 10);
  // Version 1 events have no canonical_version field: one that names 1, which the store never
  // writes (and which would hash alike), is refused.
  s.Close();
  EditEvent(s.data(), 3, [](v1::Event& e) { e.set_canonical_version(1); });
  s.Reopen();
  result = Verify(*s.store);
  CHECK_FALSE(result.ok);
  CHECK(result.first_bad_position.value == 3);
  CHECK(result.reason ==
        "the event names canonical encoding version 1, which the store never writes (version-1 "
        "events name none)");
  s.Close();
  EditEvent(s.data(), 3, [](v1::Event& e) { e.clear_canonical_version(); });
  s.Reopen();
  result = Verify(*s.store);
  CHECK(result.ok);
  // Version 1 never covered the principal: rewriting it goes unseen in those events (which is
  // why version 2 exists), but new events are version 2 and chain on.
  REQUIRE(s.store->Append(Request("child-3", {Event("{}")})).ok());
  REQUIRE(s.store->Append(Request("child-3", {Event("{}")})).ok());
  const auto all = AllEvents(*s.store);
  CHECK(all[9].canonical_version() == 0);
  CHECK(all[10].canonical_version() == 2);
  CHECK(all[10].prev_hash() == all[9].hash());
  result = Verify(*s.store);
  CHECK(result.ok);
  CHECK(result.events_checked == 12);
  s.Close();

  // A version-2 event turned back into version 1 to forge its principal, and re-hashed (it is
  // the last, so no link breaks): refused, since versions never go back along the log.
  EditEvent(s.data(), 11, [](v1::Event& e) {
    e.clear_canonical_version();
    e.mutable_metadata()->set_principal("forger");
    e.clear_hash();
    e.set_hash(codec::RecomputeHash(e));
  });
  s.Reopen();
  result = Verify(*s.store);
  CHECK_FALSE(result.ok);
  CHECK(result.first_bad_position.value == 11);
  CHECK(result.reason ==
        "the event's canonical encoding version 0 is older than the previous event's (2)");
}

std::string SchemaVersion(const std::string& data_dir) {
  std::string value;
  footprint::testing::WithFamily(
      data_dir, keys::kMetaFamily, [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta) {
        REQUIRE(db->Get(rocksdb::ReadOptions(), meta, keys::kMetaSchemaVersion, &value).ok());
      });
  return value;
}

TEST_CASE("a store of schema 1 is taken up, and one of a later schema refused",
          "[store][integrity]") {
  Store s;
  AppendTen(*s.store);
  s.Close();
  CHECK(SchemaVersion(s.data()) == "2");
  TamperPut(s.data(), keys::kMetaFamily, keys::kMetaSchemaVersion, "1");
  s.Reopen();
  CHECK(s.store->CommittedEnd().value == 10);
  REQUIRE(s.store->Append(Request("child-3", {Event("{}")})).ok());
  s.Close();
  CHECK(SchemaVersion(s.data()) == "2");  // an older binary now refuses it
  TamperPut(s.data(), keys::kMetaFamily, keys::kMetaSchemaVersion, "3");
  const absl::Status later = s.TryReopen();
  CHECK(later.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(later.message() == "data_dir: schema version 3 is not supported (expected 2)");
}

TEST_CASE("an event id retried by another client is a conflict, not a duplicate",
          "[store][integrity]") {
  Store s;
  auto first = s.store->Append(Request("child-1", {Event("{}", kId1, "case-system")}));
  REQUIRE(first.ok());
  // The same client retrying gets the original positions.
  auto retry = s.store->Append(Request("child-1", {Event("{}", kId1, "case-system")}));
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  CHECK(retry->first_position.value == 0);
  // Another client with exactly the same content does not.
  auto other = s.store->Append(Request("child-1", {Event("{}", kId1, "another-system")}));
  CHECK(other.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(other.status().message() ==
        absl::StrCat("events[0].id: event ", kId1,
                     " is already stored at position 0, appended by another client (only the "
                     "client that appended an event can retry it)"));
  CHECK(s.store->CommittedEnd().value == 1);
}

TEST_CASE("verification finds stream index entries that no event backs", "[store][integrity]") {
  Store s;
  AppendTen(*s.store);
  s.Close();
  SECTION("an entry for a version the stream never reached, pointing at another event") {
    TamperPut(s.data(), keys::kStreamsFamily, keys::StreamKey("child-2", 7), keys::EventKey(0));
    s.Reopen();
    const VerifyResult result = Verify(*s.store);
    CHECK_FALSE(result.ok);
    CHECK(result.first_bad_position.value == 0);
    CHECK(result.reason ==
          "the stream index entry 'child-2'@7 points at position 0, which holds another event");
  }
  SECTION("an entry pointing past the end of the log") {
    TamperPut(s.data(), keys::kStreamsFamily, keys::StreamKey("child-9", 0), keys::EventKey(42));
    s.Reopen();
    const VerifyResult result = Verify(*s.store);
    CHECK_FALSE(result.ok);
    CHECK(result.first_bad_position.value == 10);
    CHECK(result.reason ==
          "the stream index entry 'child-9'@0 points at position 42, past the end of the log");
  }
  SECTION("an id entry that names another event") {
    const auto id = EventId::Parse(kId1);
    REQUIRE(id.ok());
    TamperPut(s.data(), keys::kIdsFamily, std::string(id->bytes_view()), keys::EventKey(3));
    s.Reopen();
    const VerifyResult result = Verify(*s.store);
    CHECK_FALSE(result.ok);
    CHECK(result.first_bad_position.value == 3);
    CHECK(result.reason == absl::StrCat("the id index entry ", kId1,
                                        " points at position 3, which holds another event"));
  }
  SECTION("a range that the stray entry points into fails too, one before it does not") {
    TamperPut(s.data(), keys::kStreamsFamily, keys::StreamKey("child-2", 7), keys::EventKey(6));
    s.Reopen();
    auto before = s.store->VerifyChain(GlobalPosition{0}, GlobalPosition{5});
    REQUIRE(before.ok());
    CHECK(before->ok);
    auto covering = s.store->VerifyChain(GlobalPosition{4}, GlobalPosition{8});
    REQUIRE(covering.ok());
    CHECK_FALSE(covering->ok);
    CHECK(covering->first_bad_position.value == 6);
  }
}

TEST_CASE("one stream's events are each verified where they stand", "[store][integrity]") {
  Store s;
  AppendTen(*s.store);  // child-2 at even positions, child-1 at odd ones
  const std::vector<GlobalPosition> child_2 = {GlobalPosition{0}, GlobalPosition{2},
                                               GlobalPosition{4}, GlobalPosition{6},
                                               GlobalPosition{8}};
  auto intact = s.store->VerifyEvents(child_2);
  REQUIRE(intact.ok());
  CHECK(intact->ok);
  CHECK(intact->events_checked == 5);
  s.Close();
  SECTION("an altered event of the stream is found") {
    EditEvent(s.data(), 4, [](v1::Event& e) { e.set_data("{\"n\":40}"); });
    s.Reopen();
    auto result = s.store->VerifyEvents(child_2);
    REQUIRE(result.ok());
    CHECK_FALSE(result->ok);
    CHECK(result->first_bad_position.value == 4);
    CHECK(result->reason == "hash does not match the event's content (altered event)");
    CHECK(result->events_checked == 2);
    // The other stream's events stand where they were: position 4 is not theirs, but 5 links
    // to it, and its link still holds (4's stored hash is unchanged).
    auto other = s.store->VerifyEvents({GlobalPosition{1}, GlobalPosition{3}, GlobalPosition{5}});
    REQUIRE(other.ok());
    CHECK(other->ok);
  }
  SECTION("an event of another stream rewritten with a new hash breaks the next event's link") {
    EditEvent(s.data(), 3, [](v1::Event& e) {
      e.set_data("{\"n\":30}");
      e.set_hash(codec::RecomputeHash(e));
    });
    s.Reopen();
    auto result = s.store->VerifyEvents(child_2);
    REQUIRE(result.ok());
    CHECK_FALSE(result->ok);
    CHECK(result->first_bad_position.value == 4);
    CHECK(result->reason == "prev_hash does not match the hash of the previous event");
  }
  SECTION("a position not yet committed is out of range") {
    s.Reopen();
    CHECK(s.store->VerifyEvents({GlobalPosition{10}}).status().code() ==
          absl::StatusCode::kOutOfRange);
  }
}

TEST_CASE("verification finds a version gap in a stream", "[store][integrity]") {
  Store s;
  AppendTen(*s.store);
  s.Close();
  // The last event (child-1@4, position 9) made child-1@6, by a careful attacker: the index
  // entry moved with it and its hash recomputed (it is the last, so no link breaks).
  Tamper(s.data(), keys::kStreamsFamily, keys::StreamKey("child-1", 4), nullptr, /*erase=*/true);
  TamperPut(s.data(), keys::kStreamsFamily, keys::StreamKey("child-1", 6), keys::EventKey(9));
  EditEvent(s.data(), 9, [](v1::Event& e) {
    e.set_version(6);
    e.clear_hash();
    e.set_hash(codec::RecomputeHash(e));
  });
  s.Reopen();
  const VerifyResult result = Verify(*s.store);
  CHECK_FALSE(result.ok);
  CHECK(result.first_bad_position.value == 9);
  CHECK(result.reason ==
        "version 6 of stream 'child-1' follows no version 5 before it (a version gap)");
}

// Holds the writer between its synced write and its answer: a write of the commit mark (which
// the writer records after the group is durable, before it publishes the new end and answers)
// waits at a gate while the test looks.
class MarkGate final : public rocksdb::FileSystemWrapper {
 public:
  MarkGate() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "MarkGate"; }

  rocksdb::IOStatus NewRandomRWFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSRandomRWFile> file;
    auto s = target()->NewRandomRWFile(name, options, &file, dbg);
    if (s.ok() && absl::EndsWith(name, std::string("/") + kCommitMarkFile)) {
      *result = std::make_unique<File>(this, std::move(file));
    } else if (s.ok()) {
      *result = std::move(file);
    }
    return s;
  }
  void Arm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
  }
  void WaitHeld() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return held_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
    cv_.notify_all();
  }

 private:
  class File final : public rocksdb::FSRandomRWFileOwnerWrapper {
   public:
    File(MarkGate* gate, std::unique_ptr<rocksdb::FSRandomRWFile> file)
        : FSRandomRWFileOwnerWrapper(std::move(file)), gate_(gate) {}
    rocksdb::IOStatus Write(uint64_t offset, const rocksdb::Slice& data,
                            const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      {
        std::unique_lock<std::mutex> lock(gate_->mu_);
        if (gate_->armed_) {
          gate_->held_ = true;
          gate_->cv_.notify_all();
          gate_->cv_.wait(lock, [&] { return !gate_->armed_; });
          gate_->held_ = false;
        }
      }
      return FSRandomRWFileOwnerWrapper::Write(offset, data, options, dbg);
    }

   private:
    MarkGate* gate_;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool held_ = false;
};

TEST_CASE("a stream read shows no event before its append is acknowledged", "[store][integrity]") {
  auto gate = std::make_shared<MarkGate>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(gate);
  StoreOptions options;
  options.env = env.get();
  Store s(options);
  REQUIRE(s.store->Append(Request("child-1", {Event("{\"n\":0}")})).ok());

  gate->Arm();
  std::thread appender([&] {
    auto result = s.store->Append(Request("child-1", {Event("{\"n\":1}")}));
    CHECK(result.ok());
  });
  gate->WaitHeld();  // durable in RocksDB, not yet published or answered
  const StreamId stream = *StreamId::Parse("child-1");
  auto page = s.store->ReadStream(stream, StreamVersion{0}, ReadDirection::kForwards, 100);
  REQUIRE(page.ok());
  CHECK(page->events.size() == 1);
  CHECK(page->last_version.value == 0);
  CHECK(page->end_of_stream);
  auto backwards =
      s.store->ReadStream(stream, StreamVersion{UINT64_MAX}, ReadDirection::kBackwards, 100);
  REQUIRE(backwards.ok());
  REQUIRE(backwards->events.size() == 1);
  CHECK(backwards->events[0].position() == 0);
  CHECK(s.store->StreamHead(stream)->value().value == 0);
  CHECK(s.store->CommittedEnd().value == 1);
  gate->Release();
  appender.join();

  page = s.store->ReadStream(stream, StreamVersion{0}, ReadDirection::kForwards, 100);
  REQUIRE(page.ok());
  CHECK(page->events.size() == 2);
  CHECK(page->last_version.value == 1);
}

TEST_CASE("a request whose hashing fails leaves nothing behind", "[store][integrity]") {
  Store s;
  REQUIRE(s.store->Append(Request("child-1", {Event("{\"n\":0}")})).ok());
  codec::FailChainHashForTesting(1);  // the second event of the next request
  auto failed = s.store->Append(
      Request("child-1", {Event("{\"n\":1}", kId1), Event("{\"n\":2}"), Event("{\"n\":3}")}));
  CHECK(failed.status().code() == absl::StatusCode::kInternal);
  CHECK(s.store->CommittedEnd().value == 1);
  auto next = s.store->Append(
      Request("child-1", {Event("{\"n\":4}")}, ExpectedVersion::Exact(StreamVersion{0})));
  REQUIRE(next.ok());
  CHECK(next->first_position.value == 1);
  CHECK(next->first_version.value == 1);
  const auto all = AllEvents(*s.store);
  REQUIRE(all.size() == 2);
  CHECK(all[1].data() == "{\"n\":4}");
  CHECK(Verify(*s.store).ok);
  // The failed request's id was never stored: it can be appended now.
  auto again = s.store->Append(Request("child-1", {Event("{\"n\":1}", kId1)}));
  REQUIRE(again.ok());
  CHECK_FALSE(again->duplicate);
}

TEST_CASE("RocksDB's own log goes to the sink, never to a file in the data directory",
          "[store][integrity]") {
  std::mutex mu;
  std::vector<std::pair<StoreLogSeverity, std::string>> lines;
  StoreOptions options;
  options.log_sink = [&](StoreLogSeverity severity, absl::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(severity, std::string(line));
  };
  Store s(options);
  AppendTen(*s.store);
  s.Close();
  for (const auto& entry : std::filesystem::directory_iterator(s.data())) {
    const std::string name = entry.path().filename().string();
    INFO(name);
    CHECK_FALSE(absl::StartsWith(name, "LOG"));
  }
  std::lock_guard<std::mutex> lock(mu);
  CHECK(lines.size() > 10);  // RocksDB reports its options and its recovery at every open
  bool options_reported = false;
  for (const auto& [severity, line] : lines) {
    options_reported |= absl::StrContains(line, "Options.");
  }
  CHECK(options_reported);
}

}  // namespace
}  // namespace footprint::eventstore
