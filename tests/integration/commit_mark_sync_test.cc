// The commit mark (COMMITTED) reaches the disk also when appends pause: the writer records it
// after every synced write but syncs it at most once per interval, so the last appends before a
// pause leave it written and unsynced; the idle writer then syncs it once the interval has
// passed. Observed through a RocksDB FileSystem wrapper that counts the mark's writes and syncs.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "commit_mark.h"
#include "eventstore/event_store.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "temp_dir.h"

namespace footprint::eventstore {
namespace {

using footprint::testing::TempDir;

// Counts the writes to the commit mark and, at each sync, how many writes it covered.
class MarkWatch final : public rocksdb::FileSystemWrapper {
 public:
  MarkWatch() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "MarkWatch"; }
  static const char* kClassName() { return "MarkWatch"; }

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

  // Waits (at most `limit`) until a sync covers every write and there were at least `writes`.
  bool WaitSynced(int writes, std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit,
                        [&] { return writes_ >= writes && synced_writes_ == writes_; });
  }
  int writes() {
    std::lock_guard<std::mutex> lock(mu_);
    return writes_;
  }
  int synced_writes() {
    std::lock_guard<std::mutex> lock(mu_);
    return synced_writes_;
  }

 private:
  class File final : public rocksdb::FSRandomRWFileOwnerWrapper {
   public:
    File(MarkWatch* watch, std::unique_ptr<rocksdb::FSRandomRWFile> file)
        : FSRandomRWFileOwnerWrapper(std::move(file)), watch_(watch) {}
    rocksdb::IOStatus Write(uint64_t offset, const rocksdb::Slice& data,
                            const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      auto s = FSRandomRWFileOwnerWrapper::Write(offset, data, options, dbg);
      std::lock_guard<std::mutex> lock(watch_->mu_);
      ++watch_->writes_;
      return s;
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      std::unique_lock<std::mutex> lock(watch_->mu_);
      const int covered = watch_->writes_;
      lock.unlock();
      auto s = FSRandomRWFileOwnerWrapper::Sync(options, dbg);
      lock.lock();
      if (s.ok()) watch_->synced_writes_ = covered;
      watch_->cv_.notify_all();
      return s;
    }

   private:
    MarkWatch* watch_;
  };

  std::mutex mu_;
  std::condition_variable cv_;
  int writes_ = 0;
  int synced_writes_ = 0;
};

AppendRequest OneEvent(int n) {
  AppendRequest request;
  request.stream = "child-1";
  NewEvent& e = request.events.emplace_back();
  e.type = "ReviewHeld";
  e.data = "{\"n\":" + std::to_string(n) + "}";
  e.metadata.set_source_system("test");
  return request;
}

TEST_CASE("the commit mark is synced after appends pause, not only on the next append",
          "[commitmark]") {
  TempDir dir;
  auto watch = std::make_shared<MarkWatch>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(watch);
  StoreOptions options;
  options.data_dir = dir.Sub("data");
  options.env = env.get();
  // Long enough that the appends below come well within it of the sync at open.
  options.commit_mark_sync_interval = std::chrono::milliseconds(500);
  auto opened = EventStore::Open(options);
  REQUIRE(opened.ok());
  auto& store = **opened;
  // Open records and syncs the mark: one write, covered.
  REQUIRE(watch->writes() == 1);
  REQUIRE(watch->synced_writes() == 1);

  for (int i = 0; i < 3; ++i) REQUIRE(store.Append(OneEvent(i)).ok());
  // Each append recorded the mark before its answer.
  CHECK(watch->writes() == 4);

  // No more appends: the idle writer syncs the last value once the interval has passed. (The
  // limit only bounds a failure; the sync comes about half a second to a second after open.)
  CHECK(watch->WaitSynced(4, std::chrono::seconds(20)));
  CHECK(watch->synced_writes() == 4);
  auto on_disk = CommitMark::Read(env.get(), options.data_dir);
  REQUIRE(on_disk.ok());
  CHECK(on_disk->value_or(0) == 3);
}

}  // namespace
}  // namespace footprint::eventstore
