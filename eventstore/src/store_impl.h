// EventStore::Impl: what an open store holds, and where each concern lives.
//
// Like RocksDB's DBImpl, the implementation is one class split over files by concern:
//   store_open.cc       opening (the commit-mark check, metadata, recovery) and closing
//   group_commit_writer the writer thread and everything it owns (group_commit_writer.h)
//   store_read.cc       stream and log reads
//   store_verify.cc     VerifyChain, VerifyEvents
//   store_backup.cc     online backups and restores (BackupEngine itself: backup.h)
//   store_consumers.cc  read models and consumer checkpoints
//   rocks_tuning.cc     RocksDB's options, column family by column family
//   event_store.cc      the public EventStore: validation (Prepare) and forwarding
//
// Thread-safety: as EventStore. The RocksDB handle and the column families are set at open and
// only read until Close; the writer's state is the writer's (GroupCommitWriter).
#ifndef FOOTPRINT_EVENTSTORE_SRC_STORE_IMPL_H_
#define FOOTPRINT_EVENTSTORE_SRC_STORE_IMPL_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/mutex.h"
#include "column_families.h"
#include "eventstore/event_store.h"
#include "group_commit_writer.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "type_registry.h"

namespace footprint::eventstore {

class EventStore::Impl {
 public:
  Impl(const StoreOptions& options, CommitNotifier* notifier);
  ~Impl() { Close(); }

  // --- store_open.cc ---
  absl::Status Open();
  void StopWriter() {
    if (writer_ != nullptr) writer_->Stop();
  }
  void Close();

  void Submit(PreparedAppendPtr append, AppendCallback done) {
    writer_->Submit(std::move(append), std::move(done));
  }
  WriterStats Stats() const { return writer_->Stats(); }
  const TypeRegistry& types() const { return types_; }
  uint64_t BackgroundJobs() const;

  // --- store_read.cc ---
  absl::StatusOr<std::optional<StreamVersion>> StreamHead(const StreamId& stream) const;
  absl::StatusOr<StreamPage> ReadStream(const StreamId& stream, StreamVersion from,
                                        ReadDirection direction, size_t limit) const;
  absl::StatusOr<LogChunk> ReadAll(GlobalPosition from, const ReadFilter& filter,
                                   const ChunkLimits& limits) const;

  // --- store_verify.cc ---
  absl::StatusOr<VerifyResult> VerifyChain(GlobalPosition from,
                                           std::optional<GlobalPosition> to) const;
  absl::StatusOr<VerifyResult> VerifyEvents(const std::vector<GlobalPosition>& positions) const;
  // The checks of one stored event (`stored`, its bytes, at position `expected`) that need only
  // it, its predecessor's hash and canonical version, and the indexes: the reason it fails, or
  // nullopt.
  std::optional<std::string> CheckEvent(const rocksdb::ReadOptions& ro, const v1::Event& event,
                                        absl::string_view stored, uint64_t expected,
                                        absl::string_view prev_hash,
                                        uint32_t prev_canonical_version) const;

  // --- store_backup.cc ---
  absl::StatusOr<BackupRecord> Backup(const std::string& dir, const std::string& label);
  absl::StatusOr<std::string> StoreId() const;

  // --- store_consumers.cc ---
  absl::StatusOr<ReadModelHandle> OpenReadModel(absl::string_view name);
  absl::StatusOr<std::optional<GlobalPosition>> LoadCheckpoint(absl::string_view consumer) const;
  absl::Status CommitConsumer(absl::string_view consumer, GlobalPosition next_position,
                              const ConsumerBatch& batch);
  absl::Status ResetConsumer(absl::string_view consumer, const ReadModelHandle& model);
  absl::StatusOr<std::optional<std::string>> ReadModelGet(const ReadModelHandle& model,
                                                          absl::string_view key) const;
  absl::Status ReadModelScan(
      const ReadModelHandle& model, absl::string_view prefix,
      const std::function<bool(absl::string_view, absl::string_view)>& visit) const;

 private:
  // Reads the schema version (writing it for a new store) and the type registry.
  absl::Status InitMeta();
  // Opens a read-only view of the store (which changes nothing on disk) and checks that its
  // log holds the `acknowledged` events the commit mark records. DATA_LOSS naming the missing
  // positions otherwise.
  absl::Status CheckAgainstMark(const rocksdb::DBOptions& db_options,
                                const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors,
                                uint64_t acknowledged) const;
  absl::Status MissingEvents(uint64_t log_end, uint64_t acknowledged,
                             absl::string_view rocksdb_said) const;
  absl::StatusOr<BackupRecord> BackupLocked(const std::string& dir, const std::string& label)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(backup_mu_);
  rocksdb::Env* env() const {
    return options_.env != nullptr ? options_.env : rocksdb::Env::Default();
  }

  const StoreOptions options_;
  const Clock* const clock_;
  CommitNotifier* const notifier_;

  std::unique_ptr<rocksdb::DB> db_;
  ColumnFamilies families_;
  rocksdb::ColumnFamilyOptions read_model_options_;
  TypeRegistry types_;
  std::unique_ptr<GroupCommitWriter> writer_;
  // Held from before the commit-mark check until the store is closed, so that no other
  // process's writes race the check (RocksDB's own LOCK is taken only by DB::Open).
  rocksdb::FileLock* dir_lock_ = nullptr;
  // One backup at a time (BackupEngine is not shared between threads).
  base::Mutex backup_mu_;
};

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_STORE_IMPL_H_
