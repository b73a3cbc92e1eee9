// Damaged data files under the real store: a flipped byte in a table file is detected by reads
// and verification and reported with the position of the event it hit; a damaged or missing
// write-ahead log is refused at open with the missing positions (the commit mark); a torn tail
// of unsynced consumer commits opens. Nothing is served altered or silently shortened. (Logical
// tampering with valid checksums is in event_store_test.cc, "[verify]".)
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "commit_mark.h"
#include "eventstore/event_store.h"
#include "temp_dir.h"

namespace footprint::eventstore {
namespace {

namespace fs = std::filesystem;
using footprint::testing::ReadFileText;
using footprint::testing::TempDir;

constexpr int kEvents = 2000;

std::unique_ptr<EventStore> OpenOrDie(const std::string& dir) {
  StoreOptions options;
  options.data_dir = dir;
  auto opened = EventStore::Open(options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  return std::move(*opened);
}

void Fill(EventStore& store) {
  for (int i = 0; i < kEvents; ++i) {
    AppendRequest request;
    request.stream = absl::StrCat("child-", i % 10);
    NewEvent& e = request.events.emplace_back();
    e.type = "PlacementChanged";
    e.data = absl::StrCat("{\"n\":", i, ",\"note\":\"", std::string(200, 'x'), "\"}");
    e.metadata.set_source_system("test");
    REQUIRE(store.Append(std::move(request)).ok());
  }
}

// The largest file in `dir` whose name ends with `suffix`.
fs::path Largest(const std::string& dir, const std::string& suffix) {
  fs::path best;
  uintmax_t size = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        entry.file_size() > size) {
      size = entry.file_size();
      best = entry.path();
    }
  }
  REQUIRE(size > 0);
  return best;
}

void FlipByteAt(const fs::path& file, double fraction) {
  const auto size = fs::file_size(file);
  const auto at = static_cast<std::streamoff>(static_cast<double>(size) * fraction);
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(at);
  char byte = 0;
  f.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x40);
  f.seekp(at);
  f.write(&byte, 1);
}

TEST_CASE("a damaged table file is reported by verification with the event's position",
          "[corruption]") {
  TempDir dir;
  {
    auto store = OpenOrDie(dir.Sub("data"));
    Fill(*store);
    // A backup flushes the memtables: the events are then in table files, not the log.
    REQUIRE(store->Backup(dir.Sub("backup")).ok());
  }
  FlipByteAt(Largest(dir.Sub("data"), ".sst"), 0.5);

  auto opened = EventStore::Open([&] {
    StoreOptions o;
    o.data_dir = dir.Sub("data");
    return o;
  }());
  // Table blocks are checked when read, not at open (which checks the last event only).
  REQUIRE(opened.ok());
  auto verify = (*opened)->VerifyChain(GlobalPosition{0}, std::nullopt);
  REQUIRE(verify.ok());
  INFO(verify->reason);
  CHECK_FALSE(verify->ok);
  CHECK(verify->first_bad_position.value > 0);
  CHECK(verify->first_bad_position.value < kEvents);
  CHECK(verify->reason.rfind("stored data is damaged", 0) == 0);
  // Reading across the damage fails; it never returns other events in their place.
  ChunkLimits limits;
  limits.max_events = kEvents;
  limits.max_bytes = 64 << 20;
  auto all = (*opened)->ReadAll(GlobalPosition{0}, ReadFilter{}, limits);
  CHECK(all.status().code() == absl::StatusCode::kDataLoss);
  CHECK(verify->reason.find("block checksum mismatch") != std::string::npos);
  CHECK(all.status().message().find("block checksum mismatch") != absl::string_view::npos);
}

std::vector<std::string> ReadEverything(EventStore& store) {
  ChunkLimits limits;
  limits.max_events = kEvents;
  limits.max_bytes = 64 << 20;
  auto all = store.ReadAll(GlobalPosition{0}, ReadFilter{}, limits);
  REQUIRE(all.ok());
  return all->events;
}

// Every file of `dir` with its size and content, to show that a refused open changed nothing.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[entry.path().filename().string()] = ReadFileText(entry.path().string());
    }
  }
  return files;
}

// "positions A to B are missing" in an open's DATA_LOSS message: A.
uint64_t FirstMissing(const absl::Status& status) {
  const std::string message(status.message());
  const std::string needle = "the log ends at position ";
  const size_t at = message.find(needle);
  REQUIRE(at != std::string::npos);
  return std::stoull(message.substr(at + needle.size()));
}

// The store acknowledged kEvents; the commit mark (outside the write-ahead log) records that.
// Recovery of a log damaged in the middle would end at the damage (point-in-time recovery, for
// the torn tail of a power cut), so Open first checks, read-only, that the log holds every
// acknowledged event, and refuses with the missing positions, leaving every file as it was.
TEST_CASE("a damaged write-ahead log is refused at open with the missing positions",
          "[corruption]") {
  TempDir dir;
  std::vector<std::string> original;
  {
    auto store = OpenOrDie(dir.Sub("data"));
    Fill(*store);  // the events are in the write-ahead log (the memtable was never flushed)
    original = ReadEverything(*store);
  }
  const fs::path log = Largest(dir.Sub("data"), ".log");
  FlipByteAt(log, 0.3);
  const auto before = Snapshot(dir.Sub("data"));

  StoreOptions options;
  options.data_dir = dir.Sub("data");
  auto refused = EventStore::Open(options);
  REQUIRE(refused.status().code() == absl::StatusCode::kDataLoss);
  const std::string message(refused.status().message());
  INFO(message);
  const uint64_t first_missing = FirstMissing(refused.status());
  CHECK(first_missing > 0);
  CHECK(first_missing < kEvents);
  CHECK_THAT(message, Catch::Contains(absl::StrCat("but the store acknowledged ", kEvents,
                                                   " events (COMMITTED): positions ", first_missing,
                                                   " to ", kEvents - 1, " are missing")));
  // RocksDB's own words name the damaged file.
  CHECK_THAT(message, Catch::Contains(log.filename().string()));
  CHECK_THAT(message, Catch::Contains("Nothing was changed"));
  // Refused again: the refusal left no trace that would let a second open through.
  CHECK(EventStore::Open(options).status().code() == absl::StatusCode::kDataLoss);
  CHECK(Snapshot(dir.Sub("data")) == before);

  // Nothing was changed indeed: with the byte restored, every event is back.
  FlipByteAt(log, 0.3);
  auto store = OpenOrDie(dir.Sub("data"));
  CHECK(store->CommittedEnd().value == kEvents);
  CHECK(ReadEverything(*store) == original);
  auto verify = store->VerifyChain(GlobalPosition{0}, std::nullopt);
  REQUIRE(verify.ok());
  CHECK(verify->ok);
  CHECK(verify->events_checked == kEvents);
}

TEST_CASE("a missing write-ahead log file is refused at open", "[corruption]") {
  TempDir dir;
  {
    auto store = OpenOrDie(dir.Sub("data"));
    Fill(*store);
  }
  fs::remove(Largest(dir.Sub("data"), ".log"));  // e.g. "cleaning up *.log files"
  StoreOptions options;
  options.data_dir = dir.Sub("data");
  auto refused = EventStore::Open(options);
  REQUIRE(refused.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Contains(absl::StrCat("the log ends at position 0, but the store acknowledged ",
                                          kEvents, " events (COMMITTED): positions 0 to ",
                                          kEvents - 1, " are missing")));
}

TEST_CASE("a data directory emptied of RocksDB's files is refused and not recreated",
          "[corruption]") {
  TempDir dir;
  {
    auto store = OpenOrDie(dir.Sub("data"));
    Fill(*store);
  }
  for (const auto& entry : fs::directory_iterator(dir.Sub("data"))) {
    const std::string name = entry.path().filename().string();
    if (name != "COMMITTED" && name != "footprint.lock") fs::remove_all(entry.path());
  }
  StoreOptions options;
  options.data_dir = dir.Sub("data");
  auto refused = EventStore::Open(options);
  INFO(refused.status().ToString());
  REQUIRE(refused.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Contains(absl::StrCat("the log ends at position 0, but the store acknowledged ",
                                          kEvents, " events (COMMITTED): positions 0 to ",
                                          kEvents - 1, " are missing")));
  // Nothing was created in its place.
  CHECK_FALSE(fs::exists(dir.Sub("data") + "/CURRENT"));
}

// A power cut can tear the write-ahead log anywhere after its last synced write. Past that
// point it holds only consumer commits (read models are written without a sync), which the
// consumers apply again; the store must open with every acknowledged event, not refuse.
TEST_CASE("a torn tail of unsynced consumer commits opens with every acknowledged event",
          "[corruption]") {
  const bool truncate = GENERATE(true, false);
  INFO((truncate ? "truncated" : "a byte flipped") << " in the unsynced tail");
  TempDir dir;
  std::vector<std::string> original;
  uintmax_t synced_size = 0;
  {
    auto store = OpenOrDie(dir.Sub("data"));
    Fill(*store);
    original = ReadEverything(*store);
    synced_size = fs::file_size(Largest(dir.Sub("data"), ".log"));
    auto model = store->OpenReadModel("counts");
    REQUIRE(model.ok());
    for (int i = 1; i <= 200; ++i) {
      ConsumerBatch batch;
      batch.Put(*model, absl::StrCat("key-", i), std::string(500, 'v'));
      REQUIRE(
          store->CommitConsumer("counts", GlobalPosition{static_cast<uint64_t>(i)}, batch).ok());
    }
  }
  const fs::path log = Largest(dir.Sub("data"), ".log");
  const uintmax_t full_size = fs::file_size(log);
  REQUIRE(full_size > synced_size + 50'000);
  const double middle_of_tail =
      (static_cast<double>(synced_size) + static_cast<double>(full_size - synced_size) / 2) /
      static_cast<double>(full_size);
  if (truncate) {
    fs::resize_file(log, static_cast<uintmax_t>(middle_of_tail * static_cast<double>(full_size)));
  } else {
    FlipByteAt(log, middle_of_tail);
  }

  auto store = OpenOrDie(dir.Sub("data"));
  CHECK(store->CommittedEnd().value == kEvents);
  CHECK(ReadEverything(*store) == original);
  // The consumer lost its latest commits, and resumes from an earlier checkpoint.
  auto checkpoint = store->LoadCheckpoint("counts");
  REQUIRE(checkpoint.ok());
  REQUIRE(checkpoint->has_value());
  CHECK((*checkpoint)->value > 0);
  CHECK((*checkpoint)->value < 200);
}

TEST_CASE("the commit mark follows the log and is recreated when missing", "[corruption]") {
  TempDir dir;
  {
    auto store = OpenOrDie(dir.Sub("data"));
    auto mark = CommitMark::Read(rocksdb::Env::Default(), dir.Sub("data"));
    REQUIRE(mark.ok());
    CHECK(*mark == std::optional<uint64_t>(0));
    Fill(*store);
    // Written before each append was answered (synced at most once a second).
    mark = CommitMark::Read(rocksdb::Env::Default(), dir.Sub("data"));
    REQUIRE(mark.ok());
    CHECK(*mark == std::optional<uint64_t>(kEvents));
  }
  // A store from before the mark, or a mark lost with its directory entry in a power cut: the
  // check is skipped once, and the mark is written again at open.
  fs::remove(dir.Sub("data") + "/COMMITTED");
  {
    auto store = OpenOrDie(dir.Sub("data"));
    CHECK(store->CommittedEnd().value == kEvents);
  }
  auto mark = CommitMark::Read(rocksdb::Env::Default(), dir.Sub("data"));
  REQUIRE(mark.ok());
  CHECK(*mark == std::optional<uint64_t>(kEvents));
}

TEST_CASE("a second store on the same directory is refused before any check", "[corruption]") {
  TempDir dir;
  auto store = OpenOrDie(dir.Sub("data"));
  StoreOptions options;
  options.data_dir = dir.Sub("data");
  auto second = EventStore::Open(options);
  CHECK(second.status().code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(second.status().message()),
             Catch::Contains("is in use by another process"));
}

}  // namespace
}  // namespace footprint::eventstore
