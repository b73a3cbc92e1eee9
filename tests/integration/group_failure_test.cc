// A group whose write fails must not answer with outcomes decided from its own, never written,
// events (issue 21, bug 3). The writer decides each request of a group against the state the
// group's earlier requests would leave: a second "no-stream" append to a stream that an earlier
// append of the group creates is ABORTED "at version 0", and an id reused with other content is
// ALREADY_EXISTS "at position N". When the write then fails, none of that is true: every answer
// that depended on the group must be the write's error.
//
// To put the requests into one group, a RocksDB FileSystem wrapper holds the writer inside the
// write-ahead log sync of a first append (a gate); the requests are queued meanwhile; the next
// write of the log then fails.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "eventstore/event_store.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "temp_dir.h"

namespace footprint::eventstore {
namespace {

using footprint::testing::TempDir;

// Bounds every wait below; reached only when the store is stuck.
constexpr auto kLimit = std::chrono::seconds(30);

// Write-ahead log files (*.log) only: a gate that holds the next sync until it is opened, and
// a switch that fails every write and sync of the log.
class GateFs final : public rocksdb::FileSystemWrapper {
 public:
  GateFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "GateFs"; }
  static const char* kClassName() { return "GateFs"; }

  void HoldNextSync() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_next_ = true;
  }
  // Waits until a sync is held at the gate.
  bool WaitHeld() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kLimit, [&] { return held_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void FailWrites(bool fail) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = fail;
  }
  int failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok() && absl::EndsWith(name, ".log")) {
      *result = std::make_unique<LogFile>(this, std::move(*result));
    }
    return s;
  }

 private:
  // Holds a sync at the gate if one is to be held (it then goes on as usual); otherwise an
  // injected failure if writes fail.
  rocksdb::IOStatus BeforeSync() {
    std::unique_lock<std::mutex> lock(mu_);
    if (hold_next_) {
      hold_next_ = false;
      held_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      return rocksdb::IOStatus::OK();
    }
    return BeforeWriteLocked();
  }
  rocksdb::IOStatus BeforeWrite() {
    std::lock_guard<std::mutex> lock(mu_);
    return BeforeWriteLocked();
  }
  rocksdb::IOStatus BeforeWriteLocked() {
    if (!fail_) return rocksdb::IOStatus::OK();
    ++failed_;
    return rocksdb::IOStatus::IOError("injected: the write-ahead log cannot be written");
  }

  class LogFile final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    LogFile(GateFs* fs, std::unique_ptr<rocksdb::FSWritableFile> file)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->BeforeWrite(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->BeforeWrite(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->BeforeSync(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->BeforeSync(); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    GateFs* fs_;
  };

  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_next_ = false;  // Guarded by mu_.
  bool held_ = false;       // Guarded by mu_.
  bool open_ = false;       // Guarded by mu_.
  bool fail_ = false;       // Guarded by mu_.
  int failed_ = 0;          // Guarded by mu_.
};

AppendRequest OneEvent(const std::string& stream, ExpectedVersion expected, const std::string& id,
                       const std::string& data) {
  AppendRequest request;
  request.stream = stream;
  request.expected = expected;
  NewEvent& e = request.events.emplace_back();
  e.id = id;
  e.type = "PlacementChanged";
  e.data = data;
  e.metadata.set_source_system("test");
  return request;
}

// The answers to appends queued with Submit.
class Answers {
 public:
  AppendCallback Slot(size_t i) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (results_.size() <= i) results_.resize(i + 1);
    }
    return [this, i](absl::StatusOr<AppendResult> result) {
      std::lock_guard<std::mutex> lock(mu_);
      results_[i] = std::move(result);
      cv_.notify_all();
    };
  }
  bool WaitAll() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kLimit, [&] {
      for (const auto& r : results_) {
        if (!r) return false;
      }
      return true;
    });
  }
  absl::StatusOr<AppendResult> Get(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return *results_[i];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<absl::StatusOr<AppendResult>>> results_;
};

std::string Describe(const absl::StatusOr<AppendResult>& result) {
  if (!result.ok()) return result.status().ToString();
  return absl::StrCat("OK at position ", result->first_position.value, ", version ",
                      result->first_version.value, result->duplicate ? ", duplicate" : "");
}

TEST_CASE("a failed group write answers every request of the group with the write's error",
          "[group-failure]") {
  TempDir dir;
  Answers answers;  // outlives the store, which may still answer as it closes
  auto fs = std::make_shared<GateFs>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  StoreOptions options;
  options.data_dir = dir.Sub("data");
  options.env = env.get();
  auto opened = EventStore::Open(options);
  REQUIRE(opened.ok());
  EventStore& store = **opened;
  REQUIRE(store
              .Append(OneEvent("child-0", ExpectedVersion::Any(),
                               "00000000-0000-4000-8000-000000000001", "{\"n\":0}"))
              .ok());
  const uint64_t end_before = store.CommittedEnd().value;
  const WriterStats stats_before = store.Stats();

  // 1. A first append is held inside its log sync: the writer is busy with it.
  fs->HoldNextSync();
  absl::StatusOr<AppendResult> first = absl::UnknownError("not answered");
  std::thread first_thread([&] {
    first = store.Append(OneEvent("child-x", ExpectedVersion::Any(),
                                  "00000000-0000-4000-8000-00000000000f", "{\"n\":1}"));
  });
  struct Join {
    GateFs* fs;
    std::thread* thread;
    ~Join() {
      fs->Open();
      if (thread->joinable()) thread->join();
    }
  } join{fs.get(), &first_thread};
  REQUIRE(fs->WaitHeld());

  // 2. Meanwhile A, B, C and D queue; the writer takes them as its next group.
  const std::string a = "00000000-0000-4000-8000-00000000000a";
  const std::string b = "00000000-0000-4000-8000-00000000000b";
  const std::vector<AppendRequest> requests = {
      // A creates stream s with event a.
      OneEvent("child-s", ExpectedVersion::Any(), a, "{\"n\":2}"),
      // B: s must not exist (it does not: A is never written).
      OneEvent("child-s", ExpectedVersion::NoStream(), b, "{\"n\":3}"),
      // C: id a again with other content (a is never stored).
      OneEvent("child-s", ExpectedVersion::Any(), a, "{\"n\":4}"),
      // D: a retry of A (same id, same content).
      OneEvent("child-s", ExpectedVersion::Any(), a, "{\"n\":2}"),
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    auto prepared = store.Prepare(requests[i]);
    REQUIRE(prepared.ok());
    store.Submit(std::move(*prepared), answers.Slot(i));
  }

  // 3. The next write of the log fails; open the gate.
  fs->FailWrites(true);
  fs->Open();
  first_thread.join();
  INFO("the held append: " << Describe(first));
  REQUIRE(first.ok());
  REQUIRE(answers.WaitAll());
  fs->FailWrites(false);

  const auto A = answers.Get(0);
  const auto B = answers.Get(1);
  const auto C = answers.Get(2);
  const auto D = answers.Get(3);
  INFO("A: " << Describe(A) << "\nB: " << Describe(B) << "\nC: " << Describe(C)
             << "\nD: " << Describe(D));
  // The setup worked: A, B, C and D were one group, after the held append's, and its write
  // failed.
  const WriterStats stats = store.Stats();
  REQUIRE(fs->failed() > 0);
  REQUIRE(stats.groups - stats_before.groups == 2);
  REQUIRE(stats.failed_writes - stats_before.failed_writes == 1);
  REQUIRE_FALSE(A.ok());
  CHECK((A.status().code() == absl::StatusCode::kUnavailable ||
         A.status().code() == absl::StatusCode::kResourceExhausted));
  CHECK(absl::StrContains(A.status().message(), "injected"));

  // B, C and D were decided from A, which was never written: they get the write's error.
  CHECK(B.status() == A.status());
  CHECK(C.status() == A.status());
  CHECK(D.status() == A.status());

  // Nothing of the group is stored: s does not exist and a was never stored.
  CHECK(store.CommittedEnd().value == end_before + 1);
  auto head = store.StreamHead(*StreamId::Parse("child-s", "stream"));
  REQUIRE(head.ok());
  CHECK_FALSE(head->has_value());
  auto log = store.ReadAllEvents(GlobalPosition{0}, ReadFilter{}, ChunkLimits{});
  REQUIRE(log.ok());
  REQUIRE(log->size() == end_before + 1);
  for (const auto& event : *log) {
    CHECK(event.id() != a);
    CHECK(event.id() != b);
  }
}

}  // namespace
}  // namespace footprint::eventstore
