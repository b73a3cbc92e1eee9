// A full disk, simulated under the real store: a RocksDB FileSystem wrapper whose writes fail
// with "no space" while `full` is set (StoreOptions::env). Appends then fail with
// RESOURCE_EXHAUSTED or UNAVAILABLE, nothing acknowledged is lost, reads go on, and appends
// resume once there is space again, also across a restart. (The same on a real size-limited
// tmpfs: tests/soak/disk-full.sh, docs/reliability.md.)
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "catch2/catch.hpp"
#include "eventstore/event_store.h"
#include "eventstore/testing/manual_clock.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "temp_dir.h"

namespace footprint::eventstore {
namespace {

using footprint::testing::ManualClock;
using footprint::testing::TempDir;

class FullDisk final : public rocksdb::FileSystemWrapper {
 public:
  FullDisk() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FullDisk"; }
  static const char* kClassName() { return "FullDisk"; }

  // What statvfs would say: nothing while full, plenty otherwise. RocksDB's file manager polls
  // this to decide when to recover by itself.
  rocksdb::IOStatus GetFreeSpace(const std::string&, const rocksdb::IOOptions&, uint64_t* free,
                                 rocksdb::IODebugContext*) override {
    *free = full ? 0 : uint64_t{1} << 40;
    return rocksdb::IOStatus::OK();
  }

  std::atomic<bool> full{false};
  std::atomic<int> refused{0};

  rocksdb::IOStatus Refuse() {
    refused.fetch_add(1);
    return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (full) return Refuse();
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto s = target()->NewWritableFile(name, options, &file, dbg);
    if (s.ok()) *result = std::make_unique<File>(this, std::move(file));
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    if (full) return Refuse();
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto s = target()->ReopenWritableFile(name, options, &file, dbg);
    if (s.ok()) *result = std::make_unique<File>(this, std::move(file));
    return s;
  }

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(FullDisk* disk, std::unique_ptr<rocksdb::FSWritableFile> file)
        : FSWritableFileOwnerWrapper(std::move(file)), disk_(disk) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (disk_->full) return disk_->Refuse();
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (disk_->full) return disk_->Refuse();
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (disk_->full) return disk_->Refuse();
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (disk_->full) return disk_->Refuse();
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    FullDisk* disk_;
  };
};

AppendRequest OneEvent(const std::string& stream, const std::string& id, int n) {
  AppendRequest request;
  request.stream = stream;
  NewEvent& e = request.events.emplace_back();
  e.id = id;
  e.type = "PlacementChanged";
  e.data = absl::StrCat("{\"n\":", n, "}");
  e.metadata.set_source_system("test");
  return request;
}

std::string IdOf(int n) { return absl::StrFormat("00000000-0000-4000-8000-%012d", n); }

TEST_CASE("a full disk refuses appends, keeps what was acknowledged, and recovers", "[diskfull]") {
  TempDir dir;
  ManualClock clock{absl::FromUnixSeconds(1767600000)};
  auto disk = std::make_shared<FullDisk>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(disk);
  StoreOptions options;
  options.data_dir = dir.Sub("data");
  options.clock = &clock;
  options.env = env.get();
  auto opened = EventStore::Open(options);
  REQUIRE(opened.ok());
  std::unique_ptr<EventStore> store = std::move(*opened);

  for (int i = 0; i < 20; ++i) REQUIRE(store->Append(OneEvent("child-1", IdOf(i), i)).ok());

  disk->full = true;
  for (int i = 20; i < 25; ++i) {
    auto refused = store->Append(OneEvent("child-1", IdOf(i), i));
    REQUIRE_FALSE(refused.ok());
    INFO(refused.status().ToString());
    if (i == 20) {
      // The write that met the full disk says so.
      CHECK(refused.status().code() == absl::StatusCode::kResourceExhausted);
      CHECK(refused.status().message().find("no space left on device") != absl::string_view::npos);
    } else {
      // Later ones are refused at once while RocksDB waits for space.
      CHECK(refused.status().code() == absl::StatusCode::kUnavailable);
      CHECK(refused.status().message() ==
            "the store is recovering from a failed write (a full disk?); try again shortly");
    }
  }
  CHECK(disk->refused.load() > 0);
  CHECK(store->Stats().failed_writes >= 1);
  // Reads go on and show exactly what was acknowledged.
  CHECK(store->CommittedEnd().value == 20);
  auto page = store->ReadStream(*StreamId::Parse("child-1", "stream"), StreamVersion{0},
                                ReadDirection::kForwards, 100);
  REQUIRE(page.ok());
  CHECK(page->events.size() == 20);
  auto verify = store->VerifyChain(GlobalPosition{0}, std::nullopt);
  REQUIRE(verify.ok());
  CHECK(verify->ok);

  disk->full = false;
  // Space again: RocksDB's file manager notices within its 5-second poll of the free space and
  // recovers; appends are refused (UNAVAILABLE) until then and go through after, with no
  // restart, at the next position. This waits for that real background recovery, bounded.
  absl::StatusOr<AppendResult> resumed;
  for (int attempt = 0; attempt < 150; ++attempt) {
    resumed = store->Append(OneEvent("child-1", IdOf(20), 20));
    if (resumed.ok() || resumed.status().code() != absl::StatusCode::kUnavailable) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(resumed.status().ToString());
  REQUIRE(resumed.ok());
  CHECK(resumed->first_position.value == 20);
  CHECK(resumed->first_version.value == 20);
  for (int i = 21; i < 25; ++i) REQUIRE(store->Append(OneEvent("child-1", IdOf(i), i)).ok());

  // And across a restart: 25 events, once each, the chain intact.
  store.reset();
  opened = EventStore::Open(options);
  REQUIRE(opened.ok());
  store = std::move(*opened);
  CHECK(store->CommittedEnd().value == 25);
  verify = store->VerifyChain(GlobalPosition{0}, std::nullopt);
  REQUIRE(verify.ok());
  CHECK(verify->ok);
  CHECK(verify->events_checked == 25);
  // A retry of an append that was refused while full and made after is found, in its place.
  auto retry = store->Append(OneEvent("child-1", IdOf(22), 22));
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  CHECK(retry->first_position.value == 22);
}

TEST_CASE("a full disk at start-up is reported, and the store opens when space returns",
          "[diskfull]") {
  TempDir dir;
  auto disk = std::make_shared<FullDisk>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(disk);
  StoreOptions options;
  options.data_dir = dir.Sub("data");
  options.env = env.get();
  {
    auto store = EventStore::Open(options);
    REQUIRE(store.ok());
    REQUIRE((*store)->Append(OneEvent("child-1", IdOf(1), 1)).ok());
  }
  disk->full = true;
  auto refused = EventStore::Open(options);
  REQUIRE_FALSE(refused.ok());
  INFO(refused.status().ToString());
  CHECK((refused.status().code() == absl::StatusCode::kResourceExhausted ||
         refused.status().code() == absl::StatusCode::kUnavailable));
  disk->full = false;
  auto reopened = EventStore::Open(options);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->CommittedEnd().value == 1);
}

}  // namespace
}  // namespace footprint::eventstore
