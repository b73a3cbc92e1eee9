// EventStore::Backup, ListBackups and RestoreBackup against real RocksDB on disk, and
// services::RestoreDataDir over the log and the access log.
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "event_codec.h"
#include "eventstore/event_store.h"
#include "eventstore/testing/manual_clock.h"
#include "services/admin_service.h"
#include "services/server.h"
#include "temp_dir.h"

namespace footprint::eventstore {
namespace {

namespace fs = std::filesystem;
using footprint::testing::ManualClock;
using footprint::testing::TempDir;

const absl::Time kStart = absl::FromUnixSeconds(1767600000);  // 2026-01-05T08:00:00Z

std::unique_ptr<EventStore> OpenStore(const std::string& dir, const Clock* clock) {
  StoreOptions options;
  options.data_dir = dir;
  options.clock = clock;
  auto opened = EventStore::Open(options);
  REQUIRE(opened.ok());
  return std::move(*opened);
}

void AppendN(EventStore& store, const std::string& stream, int n) {
  for (int i = 0; i < n; ++i) {
    AppendRequest request;
    request.stream = stream;
    NewEvent& e = request.events.emplace_back();
    e.type = "PlacementChanged";
    e.data = absl::StrCat("{\"n\":", i, "}");
    e.metadata.set_source_system("test");
    REQUIRE(store.Append(std::move(request)).ok());
  }
}

// The stored hash of the event at `position`, in hex.
std::string HashAt(const EventStore& store, uint64_t position) {
  ChunkLimits limits;
  limits.max_events = 1;
  auto events = store.ReadAllEvents(GlobalPosition{position}, ReadFilter{}, limits);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  return codec::HexEncode((*events)[0].hash());
}

// Flips one byte in the middle of the largest file under `dir`.
void DamageLargestFile(const std::string& dir) {
  fs::path largest;
  uintmax_t size = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.file_size() > size) {
      size = entry.file_size();
      largest = entry.path();
    }
  }
  REQUIRE(size > 100);
  std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(size / 2));
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x5a);
  file.seekp(static_cast<std::streamoff>(size / 2));
  file.write(&byte, 1);
}

TEST_CASE("a backup records the log end and head hash, and a restore matches them", "[backup]") {
  TempDir dir;
  ManualClock clock{kStart};
  auto store = OpenStore(dir.Sub("data"), &clock);
  AppendN(*store, "child-1", 10);
  const std::string hash9 = HashAt(*store, 9);

  auto first = store->Backup(dir.Sub("backups"));
  REQUIRE(first.ok());
  CHECK(first->backup_id == 1);
  CHECK(first->log_end == 10);
  CHECK(first->head_hash_hex == hash9);
  CHECK(first->created_at == kStart);
  CHECK(first->files > 0);
  CHECK(first->size_bytes > 0);

  clock.Advance(absl::Hours(24));
  AppendN(*store, "child-2", 5);
  const std::string hash14 = HashAt(*store, 14);
  auto second = store->Backup(dir.Sub("backups"), "nightly");
  REQUIRE(second.ok());
  CHECK(second->backup_id == 2);
  CHECK(second->log_end == 15);
  CHECK(second->head_hash_hex == hash14);
  CHECK(second->label == "nightly");
  CHECK(second->created_at == kStart + absl::Hours(24));
  CHECK(second->store_id == first->store_id);

  auto listed = EventStore::ListBackups(dir.Sub("backups"));
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].log_end == 10);
  CHECK((*listed)[1].log_end == 15);

  // Backup 1 restores the first ten events exactly; the source store is untouched.
  auto restored = EventStore::RestoreBackup(dir.Sub("backups"), 1, dir.Sub("restored-1"));
  REQUIRE(restored.ok());
  CHECK(restored->backup.backup_id == 1);
  CHECK(restored->events == 10);
  CHECK(restored->head_hash_hex == hash9);
  auto reopened = OpenStore(dir.Sub("restored-1"), &clock);
  CHECK(reopened->CommittedEnd().value == 10);
  CHECK(HashAt(*reopened, 9) == hash9);
  auto verify = reopened->VerifyChain(GlobalPosition{0}, std::nullopt);
  REQUIRE(verify.ok());
  CHECK(verify->ok);
  CHECK(verify->events_checked == 10);
  // The restored store takes appends, continuing the chain from the checkpoint.
  AppendN(*reopened, "child-3", 1);
  CHECK(reopened->CommittedEnd().value == 11);

  // 0: the newest.
  auto newest = EventStore::RestoreBackup(dir.Sub("backups"), 0, dir.Sub("restored-2"));
  REQUIRE(newest.ok());
  CHECK(newest->backup.backup_id == 2);
  CHECK(newest->events == 15);
  CHECK(newest->head_hash_hex == hash14);
  CHECK(store->CommittedEnd().value == 15);
}

TEST_CASE("backups taken while appends go on hold at least their checkpoint", "[backup]") {
  TempDir dir;
  ManualClock clock{kStart};
  auto store = OpenStore(dir.Sub("data"), &clock);
  AppendN(*store, "child-0", 50);
  std::atomic<bool> stop{false};
  std::thread appender([&] {
    int i = 0;
    while (!stop.load()) AppendN(*store, absl::StrCat("child-", 1 + (i++ % 7)), 1);
  });
  std::vector<BackupRecord> taken;
  for (int i = 0; i < 3; ++i) {
    auto backup = store->Backup(dir.Sub("backups"));
    REQUIRE(backup.ok());
    taken.push_back(*backup);
  }
  stop = true;
  appender.join();
  for (const BackupRecord& b : taken) {
    const std::string target = dir.Sub(absl::StrCat("restored-", b.backup_id));
    auto restored = EventStore::RestoreBackup(dir.Sub("backups"), b.backup_id, target);
    REQUIRE(restored.ok());
    CHECK(restored->events >= b.log_end);
    CHECK(restored->events <= store->CommittedEnd().value);
    // Whatever the backup holds beyond the checkpoint is the source's own events.
    auto reopened = OpenStore(target, &clock);
    CHECK(HashAt(*reopened, restored->events - 1) == HashAt(*store, restored->events - 1));
  }
}

TEST_CASE("retention keeps the newest backups", "[backup]") {
  TempDir dir;
  ManualClock clock{kStart};
  auto store = OpenStore(dir.Sub("data"), &clock);
  std::vector<uint32_t> left;
  for (int i = 1; i <= 4; ++i) {
    AppendN(*store, "child-1", 1);
    REQUIRE(store->Backup(dir.Sub("backups")).ok());
    auto kept = EventStore::PurgeBackups(dir.Sub("backups"), 2);
    REQUIRE(kept.ok());
    left.push_back(*kept);
  }
  CHECK(left == std::vector<uint32_t>{1, 2, 2, 2});
  // keep 0 deletes nothing and still counts.
  auto all = EventStore::PurgeBackups(dir.Sub("backups"), 0);
  REQUIRE(all.ok());
  CHECK(*all == 2);
  auto listed = EventStore::ListBackups(dir.Sub("backups"));
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].backup_id == 3);
  CHECK((*listed)[0].log_end == 3);
  CHECK((*listed)[1].backup_id == 4);
  CHECK((*listed)[1].log_end == 4);
  auto gone = EventStore::RestoreBackup(dir.Sub("backups"), 1, dir.Sub("restored"));
  CHECK(gone.status().code() == absl::StatusCode::kNotFound);
  CHECK(gone.status().message() ==
        absl::StrCat("backup_id: 1 is not in '", dir.Sub("backups"), "' (it holds 3, 4)"));
}

TEST_CASE("an empty store backs up and restores as empty", "[backup]") {
  TempDir dir;
  ManualClock clock{kStart};
  auto store = OpenStore(dir.Sub("data"), &clock);
  auto backup = store->Backup(dir.Sub("backups"));
  REQUIRE(backup.ok());
  CHECK(backup->log_end == 0);
  CHECK(backup->head_hash_hex.empty());
  auto restored = EventStore::RestoreBackup(dir.Sub("backups"), 0, dir.Sub("restored"));
  REQUIRE(restored.ok());
  CHECK(restored->events == 0);
}

TEST_CASE("a restore refuses a used directory, a missing backup and a damaged one", "[backup]") {
  TempDir dir;
  ManualClock clock{kStart};
  auto store = OpenStore(dir.Sub("data"), &clock);
  AppendN(*store, "child-1", 200);
  REQUIRE(store->Backup(dir.Sub("backups")).ok());

  SECTION("into a directory that is not empty: nothing is touched") {
    fs::create_directories(dir.Sub("used"));
    std::ofstream(dir.Sub("used/keep.txt")) << "mine";
    auto refused = EventStore::RestoreBackup(dir.Sub("backups"), 0, dir.Sub("used"));
    CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(refused.status().message() ==
          absl::StrCat("data_dir: '", dir.Sub("used"),
                       "' is not empty: a backup is restored into a new directory"));
    CHECK(footprint::testing::ReadFileText(dir.Sub("used/keep.txt")) == "mine");
  }
  SECTION("from a directory without backups") {
    fs::create_directories(dir.Sub("nothing"));
    auto missing = EventStore::RestoreBackup(dir.Sub("nothing"), 0, dir.Sub("restored"));
    CHECK(missing.status().code() == absl::StatusCode::kNotFound);
    CHECK(missing.status().message() ==
          absl::StrCat("backup_dir: '", dir.Sub("nothing"), "' holds no backups"));
    CHECK(EventStore::ListBackups(dir.Sub("absent")).status().code() ==
          absl::StatusCode::kNotFound);
  }
  SECTION("a damaged backup file is named and not restored") {
    store.reset();
    DamageLargestFile(dir.Sub("backups"));
    auto damaged = EventStore::RestoreBackup(dir.Sub("backups"), 0, dir.Sub("restored"));
    CHECK(damaged.status().code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(std::string(damaged.status().message()),
               Catch::Matchers::StartsWith(
                   absl::StrCat("backup 1 in '", dir.Sub("backups"), "' is damaged: ")));
  }
}

// Rewrites the checkpoint recorded in backup `id`'s metadata (BackupEngine's meta/<id> file
// holds it as a hex-encoded line "metadata <hex>").
void RewriteCheckpoint(const std::string& backup_dir, uint32_t id,
                       const std::function<void(std::string*)>& edit) {
  const std::string path = absl::StrCat(backup_dir, "/meta/", id);
  std::istringstream in(footprint::testing::ReadFileText(path));
  std::string out;
  std::string line;
  bool found = false;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "metadata ")) {
      std::string json = absl::HexStringToBytes(line.substr(9));
      edit(&json);
      line = "metadata " + absl::AsciiStrToUpper(absl::BytesToHexString(json));
      found = true;
    }
    out += line + "\n";
  }
  REQUIRE(found);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << out;
}

TEST_CASE("a restore checks the restored chain against the recorded checkpoint", "[backup]") {
  TempDir dir;
  ManualClock clock{kStart};
  auto store = OpenStore(dir.Sub("data"), &clock);
  AppendN(*store, "child-1", 10);
  auto backup = store->Backup(dir.Sub("backups"));
  REQUIRE(backup.ok());
  const std::string real = backup->head_hash_hex;
  const std::string other(64, 'a');

  SECTION("another head hash at the checkpoint: DATA_LOSS naming both") {
    RewriteCheckpoint(dir.Sub("backups"), 1, [&](std::string* json) {
      const size_t at = json->find(real);
      REQUIRE(at != std::string::npos);
      json->replace(at, real.size(), other);
    });
    auto restored = EventStore::RestoreBackup(dir.Sub("backups"), 1, dir.Sub("restored"));
    CHECK(restored.status().code() == absl::StatusCode::kDataLoss);
    CHECK(restored.status().message() == absl::StrCat("backup 1 of '", dir.Sub("backups"),
                                                      "' restored into '", dir.Sub("restored"),
                                                      "': the event at position 9 has hash ", real,
                                                      "; the backup recorded ", other));
  }
  SECTION("a checkpoint beyond the restored log: DATA_LOSS") {
    RewriteCheckpoint(dir.Sub("backups"), 1, [&](std::string* json) {
      const size_t at = json->find("\"log_end\":10");
      REQUIRE(at != std::string::npos);
      json->replace(at, 12, "\"log_end\":11");
    });
    auto restored = EventStore::RestoreBackup(dir.Sub("backups"), 1, dir.Sub("restored"));
    CHECK(restored.status().code() == absl::StatusCode::kDataLoss);
    CHECK(restored.status().message() ==
          absl::StrCat("backup 1 of '", dir.Sub("backups"), "' restored into '",
                       dir.Sub("restored"),
                       "': the restored log ends at position 10, before the checkpoint's log "
                       "end 11"));
  }
}

TEST_CASE("a second backup of the same store while one runs is refused", "[backup]") {
  // Many backups run concurrently from several threads; each either succeeds or is ABORTED
  // with the reason, and at least one succeeds.
  TempDir dir;
  ManualClock clock{kStart};
  auto store = OpenStore(dir.Sub("data"), &clock);
  AppendN(*store, "child-1", 2000);
  std::vector<absl::Status> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = store->Backup(dir.Sub("backups")).status(); });
  }
  for (auto& t : threads) t.join();
  int succeeded = 0;
  for (const absl::Status& st : results) {
    if (st.ok()) {
      ++succeeded;
    } else {
      CHECK(st.code() == absl::StatusCode::kAborted);
      CHECK(st.message() ==
            "backup: another backup of this store is running; try again when it has finished");
    }
  }
  CHECK(succeeded >= 1);
  auto listed = EventStore::ListBackups(dir.Sub("backups"));
  REQUIRE(listed.ok());
  CHECK(listed->size() == static_cast<size_t>(succeeded));
}

}  // namespace
}  // namespace footprint::eventstore

namespace footprint::services {
namespace {

using footprint::testing::TempDir;
namespace fs = std::filesystem;

// What Admin.Backup does: the log, then the access log labelled with the log backup's id.
void BackUpPair(eventstore::EventStore& log, eventstore::EventStore& access,
                const std::string& backup_dir) {
  auto log_backup = log.Backup(LogBackupDir(backup_dir));
  REQUIRE(log_backup.ok());
  REQUIRE(access
              .Backup(AccessLogBackupDir(backup_dir),
                      absl::StrCat("log-backup ", log_backup->backup_id, " ",
                                   absl::FormatTime(absl::RFC3339_full, log_backup->created_at,
                                                    absl::UTCTimeZone())))
              .ok());
}

TEST_CASE("RestoreDataDir restores the log and the access log as a pair, or nothing", "[backup]") {
  TempDir dir;
  testing::ManualClock clock{eventstore::kStart};
  const std::string data = dir.Sub("data");
  {
    auto log = eventstore::OpenStore(data, &clock);
    auto access = eventstore::OpenStore(AccessLogDir(data), &clock);
    eventstore::AppendN(*log, "child-1", 12);
    eventstore::AppendN(*access, "read-child-1", 3);
    BackUpPair(*log, *access, dir.Sub("backups"));
    // A second log backup whose access-log backup never happened (it failed half-way).
    eventstore::AppendN(*log, "child-1", 1);
    REQUIRE(log->Backup(LogBackupDir(dir.Sub("backups"))).ok());
  }

  auto sets = ListBackupSets(dir.Sub("backups"));
  REQUIRE(sets.ok());
  REQUIRE(sets->backups_size() == 2);
  CHECK(sets->backups(0).log().log_end() == 12);
  CHECK(sets->backups(0).access_log().log_end() == 3);
  CHECK_FALSE(sets->backups(1).has_access_log());

  auto half = RestoreDataDir(dir.Sub("backups"), 0, dir.Sub("restored"));
  CHECK(half.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(half.status().message() ==
        absl::StrCat("backup 2 in '", dir.Sub("backups"),
                     "' has no access-log backup (that backup failed half-way); restore another"));
  CHECK_FALSE(fs::exists(dir.Sub("restored")));

  // A trailing slash (as shells complete directories) names the same directory.
  auto restored = RestoreDataDir(dir.Sub("backups"), 1, dir.Sub("restored") + "/");
  INFO(restored.status().ToString());
  REQUIRE(restored.ok());
  CHECK(restored->log.events == 12);
  CHECK(restored->access_log.events == 3);
  CHECK_FALSE(fs::exists(dir.Sub("restored.restoring")));
  auto log = eventstore::OpenStore(dir.Sub("restored"), &clock);
  auto access = eventstore::OpenStore(AccessLogDir(dir.Sub("restored")), &clock);
  CHECK(log->CommittedEnd().value == 12);
  CHECK(access->CommittedEnd().value == 3);
}

TEST_CASE("a restore whose verification fails leaves no data directory", "[backup]") {
  TempDir dir;
  testing::ManualClock clock{eventstore::kStart};
  {
    auto log = eventstore::OpenStore(dir.Sub("data"), &clock);
    auto access = eventstore::OpenStore(AccessLogDir(dir.Sub("data")), &clock);
    eventstore::AppendN(*log, "child-1", 300);
    eventstore::AppendN(*access, "read-child-1", 100);
    BackUpPair(*log, *access, dir.Sub("backups"));
  }
  SECTION("the log's backup is damaged") {
    eventstore::DamageLargestFile(LogBackupDir(dir.Sub("backups")));
    auto damaged = RestoreDataDir(dir.Sub("backups"), 0, dir.Sub("restored"));
    CHECK(damaged.status().code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(std::string(damaged.status().message()),
               Catch::Matchers::StartsWith("the log: backup 1 in '"));
  }
  SECTION("the access log's is, after the log was restored and verified in staging") {
    eventstore::DamageLargestFile(AccessLogBackupDir(dir.Sub("backups")));
    auto damaged = RestoreDataDir(dir.Sub("backups"), 0, dir.Sub("restored"));
    CHECK(damaged.status().code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(std::string(damaged.status().message()),
               Catch::Matchers::StartsWith("the access log: backup 1 in '"));
  }
  CHECK_FALSE(fs::exists(dir.Sub("restored")));
  CHECK_FALSE(fs::exists(dir.Sub("restored.restoring")));
}

}  // namespace
}  // namespace footprint::services
