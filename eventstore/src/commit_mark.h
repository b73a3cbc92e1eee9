// The commit mark: how many events the store has acknowledged, kept in a small file beside
// RocksDB's own files (DATA_DIR/COMMITTED), outside the write-ahead log it vouches for.
//
// RocksDB recovers its write-ahead log up to the first damaged record (point-in-time recovery,
// which a power cut's torn tail of unsynced consumer commits needs). Damage in the middle of
// the log would then end the log early without a word. The mark lets Open tell the two apart:
// a log that ends before the mark lost acknowledged events, whatever the reason (a damaged
// write-ahead log, a missing table file, an older copy of the files put back).
//
// The writer records the new committed end after each synced write and before it answers the
// appends, so the mark never runs ahead of the durable log. It is written in place without a
// sync; CommitMark::SyncIfDue syncs it at most once per interval (the writer calls it after each
// group and, when appends pause, once the interval has passed), so after a power cut the mark
// may lag the log by about two intervals (the check then covers less), but never leads it.
//
// Format: two 32-byte slots, at offsets 0 and 4096, written alternately:
//   "FPCMARK1" | u64be(committed end) | first 16 bytes of SHA-256 of the 16 bytes before
// A torn or damaged slot fails its checksum; the other slot holds the previous value. Read
// takes the larger valid value.
#ifndef FOOTPRINT_EVENTSTORE_SRC_COMMIT_MARK_H_
#define FOOTPRINT_EVENTSTORE_SRC_COMMIT_MARK_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rocksdb/env.h"

namespace footprint::eventstore {

inline constexpr char kCommitMarkFile[] = "COMMITTED";

class CommitMark {
 public:
  // What the file says: nullopt when it does not exist (a new store, a restored backup, or a
  // store from before the mark) or is empty (a power cut while an older version created it).
  // DATA_LOSS naming the file when it has content but no valid slot.
  static absl::StatusOr<std::optional<uint64_t>> Read(rocksdb::Env* env, const std::string& dir);

  // Opens the file for writing. A missing file is created holding `committed_end` in both
  // slots, atomically: written under a temporary name, synced, renamed, and the directory
  // synced, so that no power cut can leave a mark without a valid slot.
  static absl::StatusOr<std::unique_ptr<CommitMark>> OpenForWrite(rocksdb::Env* env,
                                                                  const std::string& dir,
                                                                  uint64_t committed_end);

  ~CommitMark();
  CommitMark(const CommitMark&) = delete;
  CommitMark& operator=(const CommitMark&) = delete;

  // Writes `committed_end` into the next slot (no sync).
  absl::Status Write(uint64_t committed_end);
  // Syncs the file.
  absl::Status Sync();
  // Syncs when something was written since the last sync and `interval` has passed since it.
  absl::Status SyncIfDue(std::chrono::steady_clock::duration interval);

  const std::string& path() const { return path_; }

  // The encoded slot, for tests.
  static std::string EncodeSlot(uint64_t committed_end);
  static constexpr uint64_t kSlotOffsets[2] = {0, 4096};

 private:
  CommitMark(std::string path, std::unique_ptr<rocksdb::RandomRWFile> file)
      : path_(std::move(path)), file_(std::move(file)) {}

  std::string path_;
  std::unique_ptr<rocksdb::RandomRWFile> file_;
  int next_slot_ = 0;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_sync_{};
};

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_COMMIT_MARK_H_
