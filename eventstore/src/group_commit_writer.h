// GroupCommitWriter: the one thread that appends to the log.
//
// Appends from any thread are queued (Submit); the writer thread takes everything queued, up to
// max_group_bytes, as one group: it checks each append (idempotent retries, expected versions),
// seals its events into the hash chain, and commits the whole group with one synced RocksDB
// write. Only then does it record the new end in the commit mark, set it for readers, and
// answer the group's appends: on its own thread when nothing else is queued (a lone client
// pays no further hand-off), else through the completion thread, so that it can start the next
// group while the replies go out. It wakes the readers waiting for the new end last.
//
// The writer role: the chain head, the next position, the stream heads it has cached, the
// commit mark and the failed-write state belong to the role (base::ThreadRole) and are touched
// only by the thread that holds it: the opening thread while Recover and OpenMark run, then the
// writer thread for as long as it runs. Every function that touches them says so
// (ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_)), the clang build checks it, and the writer's entry
// points assert it in every build. No gRPC or caller thread ever holds it: a caller never
// blocks on the sync.
//
// Thread-safety: Submit, Stats and Stop may be called from any thread.
#ifndef FOOTPRINT_EVENTSTORE_SRC_GROUP_COMMIT_WRITER_H_
#define FOOTPRINT_EVENTSTORE_SRC_GROUP_COMMIT_WRITER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/mutex.h"
#include "base/thread_role.h"
#include "column_families.h"
#include "commit_mark.h"
#include "eventstore/clock.h"
#include "eventstore/commit_notifier.h"
#include "eventstore/event_store.h"
#include "prepared_append.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "type_registry.h"

namespace footprint::eventstore {

class GroupCommitWriter {
 public:
  struct Options {
    size_t max_group_bytes = 16 << 20;
    std::chrono::milliseconds commit_mark_sync_interval{1000};
  };
  // None is owned; each outlives the writer.
  struct Parts {
    rocksdb::DB* db = nullptr;
    const ColumnFamilies* families = nullptr;
    TypeRegistry* types = nullptr;
    CommitNotifier* notifier = nullptr;
    const Clock* clock = nullptr;
  };

  GroupCommitWriter(Parts parts, Options options);
  // Stops the threads (Stop) and syncs the commit mark.
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // --- Opening (on the opening thread, before Start) -------------------------------------------

  // Reads the log's end and its last event's hash (DATA_LOSS if that event does not match its
  // hash), and keeps an entry in `meta`'s memtable (see KeepMemtableEntry). Returns the end.
  absl::StatusOr<uint64_t> Recover();
  // Opens the commit mark in `dir` and records the log's end in it, synced.
  absl::Status OpenMark(rocksdb::Env* env, const std::string& dir);
  // Starts the writer and completion threads; the writer thread takes the role.
  void Start();

  // --- Any thread -------------------------------------------------------------------------------

  // Queues `append`; `done` runs once its group is durable or has failed, on the writer or the
  // completion thread. After Stop: UNAVAILABLE at once, on the calling thread.
  void Submit(PreparedAppendPtr append, AppendCallback done);
  // Commits everything queued, then stops both threads. Idempotent.
  void Stop();
  WriterStats Stats() const;

 private:
  struct Pending {
    PreparedAppendPtr append;
    AppendCallback done;
  };
  // Events of one group share one timestamp; it never goes backwards along positions.
  struct Timestamp {
    int64_t seconds = 0;
    int32_t nanos = 0;
    auto operator<=>(const Timestamp&) const = default;
  };
  // Where an event id is already stored (or pending in the group being built).
  struct IdLocation {
    uint64_t position;
    uint64_t version;
    std::string stream;
    std::string canonical;  // codec::CanonicalContent (version 2, whatever it was stored in)
    std::string principal;
    bool pending;  // In the current group, not yet durable.
  };
  // Provisional state of the group being built; merged into the writer state after the sync.
  struct GroupState {
    absl::flat_hash_map<std::string, uint64_t> heads;  // stream -> last version
    absl::flat_hash_map<std::string, IdLocation> ids;  // id bytes -> location
    std::vector<std::string> new_types;
  };
  struct Outcome {
    absl::StatusOr<AppendResult> result;
    // Decided with the group's pending state (its events written, or an answer that relied on
    // an earlier request of the group: a head it moved, an id it wrote): true only if the
    // group's write succeeds. When it fails, the outcome becomes the write's error.
    bool depends_on_group = false;
  };
  struct Completion {
    AppendCallback done;
    absl::StatusOr<AppendResult> result;
  };

  static Timestamp ToTimestamp(absl::Time t);

  void WriterLoop();
  void CompleterLoop();
  // Moves queued requests into `group`, up to max_group_bytes.
  void TakeGroupLocked(std::vector<Pending>* group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_);
  void ProcessGroup(std::vector<Pending>& group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_);
  Outcome ProcessOne(const PreparedAppend& append, const Timestamp& now, GroupState& group,
                     rocksdb::WriteBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_);
  // Commits `batch` with one synced write, first recovering from an earlier failed write.
  absl::Status Commit(rocksdb::WriteBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_);
  // Answers the group: here when nothing is queued, else through the completion thread.
  void Reply(std::vector<Pending>& group, std::vector<Outcome>& outcomes);
  absl::StatusOr<std::optional<IdLocation>> FindStoredId(const EventId& id) const;
  // The stream's head as the writer sees it: the group's pending head if an earlier request of
  // the group moved it (then *from_group is set), else the committed one.
  absl::StatusOr<std::optional<uint64_t>> HeadForWriter(const std::string& stream,
                                                        const GroupState& group, bool* from_group)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_);
  // Keeps an entry in `meta`'s active memtable, written without the write-ahead log, so that
  // RocksDB's recovery from a failed write switches to a new log (see the .cc).
  absl::Status KeepMemtableEntry() ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_);
  // Right after a write failed: notes the write-ahead log RocksDB was writing and whether its
  // recovery will leave it (some active memtable holds an entry).
  void NoteFailedWrite() ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_);
  // Once RocksDB has recovered from the failed write: OK if it has left the log the failed
  // write went to; FAILED_PRECONDITION (for ever, in this process) if it has not.
  absl::Status CheckLeftFailedLog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_);
  // Records the committed end in the commit mark (no sync).
  void WriteMark() ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_);
  // Syncs the commit mark if it is due.
  void SyncMarkIfDue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_);
  void RecordGroupSizes(const std::vector<Pending>& group, const std::vector<Outcome>& outcomes);

  const Parts parts_;
  const Options options_;

  base::ThreadRole role_{"the event store's writer"};

  // Queue between Submit and the writer thread.
  base::Mutex queue_mu_;
  base::CondVar queue_cv_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread writer_;

  // Answers of durable (or failed) groups, run by the completion thread while the writer
  // commits the next group.
  base::Mutex completion_mu_;
  base::CondVar completion_cv_;
  std::vector<Completion> completions_ ABSL_GUARDED_BY(completion_mu_);
  bool completer_stopping_ ABSL_GUARDED_BY(completion_mu_) = false;
  std::thread completer_;

  // The writer's state (committed).
  uint64_t next_position_ ABSL_GUARDED_BY(role_) = 0;
  std::string chain_head_ ABSL_GUARDED_BY(role_);
  Timestamp last_recorded_ ABSL_GUARDED_BY(role_);
  absl::flat_hash_map<std::string, uint64_t> head_cache_ ABSL_GUARDED_BY(role_);
  // The acknowledged end, outside the write-ahead log.
  std::unique_ptr<CommitMark> mark_ ABSL_GUARDED_BY(role_);
  bool needs_resume_ ABSL_GUARDED_BY(role_) = false;  // the last write failed
  // From NoteFailedWrite: the log the failed write went to, and whether RocksDB's recovery
  // would keep writing it (every active memtable was empty).
  uint64_t failed_log_ ABSL_GUARDED_BY(role_) = 0;
  bool failed_log_kept_ ABSL_GUARDED_BY(role_) = false;
  // RocksDB could not leave the log of a failed write; no write is safe until the store is
  // opened again (CheckLeftFailedLog).
  absl::Status needs_reopen_ ABSL_GUARDED_BY(role_);

  // Counters for monitoring (WriterStats): written by the writer, read by anyone.
  std::atomic<uint64_t> synced_writes_{0};
  std::atomic<uint64_t> failed_writes_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> appends_in_groups_{0};
  std::atomic<uint64_t> events_committed_{0};
  std::atomic<uint64_t> commit_mark_failures_{0};
  mutable base::Mutex histograms_mu_;  // taken once per group by the writer, and by Stats
  SizeHistogram batch_events_ ABSL_GUARDED_BY(histograms_mu_);
  SizeHistogram group_appends_ ABSL_GUARDED_BY(histograms_mu_);
};

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_GROUP_COMMIT_WRITER_H_
