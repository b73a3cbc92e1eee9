// EventStore: Footprint's append-only, hash-chained log of events on RocksDB.
//
// Streams of events (one per child, one per challenge, ...) share one global order. Appends go
// through a single writer thread that commits many concurrent appends in one synced RocksDB
// WriteBatch (group commit) and acknowledges each only after that batch is durable. Reads take
// no lock shared with the writer. See eventstore/README.md for the storage layout and the
// canonical encoding behind the hash chain.
//
// Thread-safety: every public method may be called concurrently from any thread. Append
// callbacks run on the writer thread or on the store's completion thread, never on the
// submitting thread (except UNAVAILABLE once the writer has stopped); they must not block, and
// must never wait for another append.
#ifndef FOOTPRINT_EVENTSTORE_EVENT_STORE_H_
#define FOOTPRINT_EVENTSTORE_EVENT_STORE_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "eventstore/clock.h"
#include "eventstore/commit_notifier.h"
#include "eventstore/types.h"
#include "footprint/v1/event.pb.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace footprint::eventstore {

// How serious a line of RocksDB's own log is.
enum class StoreLogSeverity { kDebug, kInfo, kWarning, kError };
// Receives RocksDB's own log lines (its "info log"); must be thread-safe and must not block on
// the store.
using StoreLogSink = std::function<void(StoreLogSeverity, absl::string_view)>;

struct StoreOptions {
  // Created if missing.
  std::string data_dir;
  // Largest accepted event: data plus metadata plus type and payload type, in bytes.
  size_t max_event_bytes = 1 << 20;
  // Most events in one append request.
  size_t max_batch_events = 1000;
  // Most bytes (sum of event sizes as above) in one append request.
  size_t max_batch_bytes = 4 << 20;
  // The writer stops adding requests to a group at this many bytes; the rest wait for the next.
  size_t max_group_bytes = 16 << 20;
  // Longest metadata string (source system, correlation id, actor, principal).
  size_t max_metadata_field_bytes = 256;
  // RocksDB block cache shared by all column families.
  size_t block_cache_bytes = 128 << 20;
  // Stamps recorded_at. Not owned; nullptr means SystemClock::Get().
  const Clock* clock = nullptr;
  // RocksDB's file system access. Not owned; nullptr means the default. Tests inject I/O
  // faults (a full disk) through it.
  rocksdb::Env* env = nullptr;
  // The commit mark (COMMITTED) is written after every synced write and synced at most this
  // often, also when appends pause (the writer then syncs it once the interval has passed).
  std::chrono::milliseconds commit_mark_sync_interval{1000};
  // Where RocksDB's own log goes. Never to a file in the data directory: RocksDB's file logger
  // aborts the process when a full disk makes its writes fail (RocksDB 7.8). Empty: warnings
  // and errors to stderr, the rest dropped. footprintd sends them to its own log.
  StoreLogSink log_sink;
  // The least severe of RocksDB's lines to format and send to the sink; RocksDB does not even
  // format the others.
  StoreLogSeverity log_level = StoreLogSeverity::kInfo;
};

// An event to append, before the store assigns its position.
struct NewEvent {
  std::string id;  // UUID text; empty: generated.
  std::string type;
  v1::EventMetadata metadata;
  v1::ContentType content_type = v1::CONTENT_TYPE_JSON;  // UNSPECIFIED is treated as JSON.
  std::string payload_type;                              // protobuf message name, if PROTOBUF.
  std::string data;
};

struct AppendRequest {
  std::string stream;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<NewEvent> events;
};

struct AppendResult {
  StreamVersion first_version;
  StreamVersion last_version;
  GlobalPosition first_position;
  GlobalPosition last_position;
  std::vector<std::string> event_ids;
  // Every event was already stored (a retry); nothing was written.
  bool duplicate = false;
};

// An append request that passed validation, ready for the writer. Opaque; built by
// EventStore::Prepare so that validation and encoding run on the caller's thread.
class PreparedAppend;
struct PreparedAppendDeleter {
  void operator()(PreparedAppend* append) const;
};
using PreparedAppendPtr = std::unique_ptr<PreparedAppend, PreparedAppendDeleter>;

using AppendCallback = absl::AnyInvocable<void(absl::StatusOr<AppendResult>) &&>;

enum class ReadDirection { kForwards, kBackwards };

struct StreamPage {
  std::vector<v1::Event> events;
  StreamVersion last_version;  // The stream's last version at the time of the read.
  bool end_of_stream = false;  // Reached the last event (forwards) or version 0 (backwards).
};

struct ReadFilter {
  std::string stream_prefix;             // Empty: all streams.
  std::vector<std::string> event_types;  // Empty: all types.
  bool Matches(absl::string_view stream, absl::string_view type) const;
  bool empty() const { return stream_prefix.empty() && event_types.empty(); }
};

// A chunk of the global log as serialized Event messages, in position order.
struct LogChunk {
  // Each element is one stored event, exactly as serialized footprint.v1.Event bytes (empty
  // when ChunkLimits::frame_tag is set).
  std::vector<std::string> events;
  // With ChunkLimits::frame_tag: every event as protobuf length-delimited field bytes
  // (tag, varint length, event), ready to be spliced into a message without another copy.
  std::string framed;
  size_t count = 0;  // events in this chunk
  size_t bytes = 0;  // their stored bytes
  // Where the next read continues (past events that the filter skipped).
  GlobalPosition next_position;
};

struct ChunkLimits {
  size_t max_events = 1000;
  size_t max_bytes = 1 << 20;
  // Do not read at or beyond this position (exclusive). nullopt: up to the committed head.
  std::optional<GlobalPosition> end;
  // Non-zero: fill LogChunk::framed with this tag byte before each event instead of `events`.
  uint8_t frame_tag = 0;
};

struct VerifyResult {
  bool ok = true;
  uint64_t events_checked = 0;
  GlobalPosition first_position;
  GlobalPosition last_position;
  std::string head_hash_hex;  // Hash of last_position's event when ok and events_checked > 0.
  GlobalPosition first_bad_position;
  std::string reason;
};

// One backup of a store (RocksDB's BackupEngine; many backups share one directory and the
// table files they have in common) and the checkpoint recorded with it.
struct BackupRecord {
  uint32_t backup_id = 0;
  absl::Time created_at;  // by the store's clock
  uint64_t size_bytes = 0;
  uint32_t files = 0;
  std::string store_id;  // the store it was taken of (meta "store_id")
  // The checkpoint: the backup holds at least the events before `log_end`, and the event at
  // log_end - 1 had hash `head_hash_hex` when the backup was taken (empty for an empty log).
  uint64_t log_end = 0;
  std::string head_hash_hex;
  // The caller's own text (footprintd ties the access log's backup to the log's with it).
  std::string label;
};

// What a restore found: the backup it restored and the verification of the restored chain.
struct RestoreResult {
  BackupRecord backup;
  uint64_t events = 0;        // restored (at least backup.log_end)
  std::string head_hash_hex;  // of the last restored event
};

// Upper bounds (inclusive) of the size histograms in WriterStats; a last bucket counts the
// rest (up to max_batch_events or more).
inline constexpr std::array<uint64_t, 10> kSizeBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

// A histogram of sizes: counts[i] is how many were <= kSizeBuckets[i] and above the bucket
// before; counts.back() those above the last bound.
struct SizeHistogram {
  std::array<uint64_t, kSizeBuckets.size() + 1> counts{};
  uint64_t sum = 0;
  uint64_t total() const;
};

// Counters of the writer since the store was opened, for monitoring.
struct WriterStats {
  uint64_t synced_writes = 0;      // groups committed with one synced RocksDB write each
  uint64_t failed_writes = 0;      // group writes that failed (their appends got UNAVAILABLE)
  uint64_t groups = 0;             // groups processed (with or without anything to write)
  uint64_t appends_in_groups = 0;  // append requests in those groups
  uint64_t events_committed = 0;   // events made durable by the synced writes
  // Writes or syncs of the commit mark (DATA_DIR/COMMITTED) that failed; the appends were
  // durable and acknowledged regardless, but the mark lags until a later write succeeds.
  uint64_t commit_mark_failures = 0;
  SizeHistogram batch_events;   // events per committed append request (not retries)
  SizeHistogram group_appends;  // append requests per group that wrote something
};

// A named key space for a consumer's read model (a RocksDB column family "rm.<name>").
class ReadModelHandle {
 public:
  const std::string& name() const { return name_; }

 private:
  friend class EventStore;
  friend class ConsumerBatch;
  ReadModelHandle(std::string name, void* family) : name_(std::move(name)), family_(family) {}
  std::string name_;
  void* family_;  // rocksdb::ColumnFamilyHandle*, kept out of this header.
};

// Writes of one consumer step, committed atomically with the consumer's checkpoint.
class ConsumerBatch {
 public:
  void Put(const ReadModelHandle& model, std::string key, std::string value);
  void Delete(const ReadModelHandle& model, std::string key);
  size_t size() const { return ops_.size(); }

 private:
  friend class EventStore;
  struct Op {
    void* family;
    std::string key;
    std::optional<std::string> value;  // nullopt: delete.
  };
  std::vector<Op> ops_;
};

class EventStore {
 public:
  // Opens (creating if needed) the store in options.data_dir and starts its writer.
  // Errors: INVALID_ARGUMENT for bad options, UNAVAILABLE if the directory is locked by another
  // process or cannot be opened, DATA_LOSS if the stored log is inconsistent or holds fewer
  // events than the store acknowledged (its commit mark, DATA_DIR/COMMITTED): then nothing on
  // disk has been changed, and the message names the missing positions.
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(const StoreOptions& options);

  // Stops the writer after committing everything queued, then closes RocksDB.
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // --- Appends -------------------------------------------------------------------------------

  // Validates `request` (stream id, types, ids, payloads, sizes) and encodes it for the writer.
  // INVALID_ARGUMENT naming the field and the rule. Nothing is written.
  absl::StatusOr<PreparedAppendPtr> Prepare(AppendRequest request) const;

  // Queues a prepared append. `done` runs exactly once, after the group holding the append is
  // durable (or has failed), on the writer thread or the completion thread: Submit never waits
  // for the sync (after StopWriter, `done` gets UNAVAILABLE at once). Errors passed to
  // `done`: ABORTED (expected version), ALREADY_EXISTS (event id reused with other content),
  // UNAVAILABLE (storage error or store closing).
  void Submit(PreparedAppendPtr append, AppendCallback done);

  // Prepare + Submit, waiting for the result.
  absl::StatusOr<AppendResult> Append(AppendRequest request);

  // Stops accepting appends, commits everything already queued, and stops the writer. Later
  // appends fail with UNAVAILABLE. Reads keep working until the store is destroyed. Idempotent.
  void StopWriter();

  // --- Reads ---------------------------------------------------------------------------------

  // The stream's last version, or nullopt when it has no events.
  absl::StatusOr<std::optional<StreamVersion>> StreamHead(const StreamId& stream) const;

  // Up to `limit` events of `stream` starting at `from` (inclusive) in `direction`. For
  // backwards reads, a `from` beyond the last version starts at the last version.
  // NOT_FOUND when the stream has no events.
  absl::StatusOr<StreamPage> ReadStream(const StreamId& stream, StreamVersion from,
                                        ReadDirection direction, size_t limit) const;

  // Serialized events from `from` onwards matching `filter`, within `limits`. An empty chunk
  // with next_position == from means there is nothing more to read now.
  absl::StatusOr<LogChunk> ReadAll(GlobalPosition from, const ReadFilter& filter,
                                   const ChunkLimits& limits) const;

  // Checks a read filter: the prefix is a valid stream-id prefix and every type is well formed
  // and has been recorded in this store. INVALID_ARGUMENT naming `field` otherwise.
  absl::Status ValidateFilter(const ReadFilter& filter, absl::string_view field) const;

  // Parsed variant for in-process consumers.
  absl::StatusOr<std::vector<v1::Event>> ReadAllEvents(GlobalPosition from,
                                                       const ReadFilter& filter,
                                                       const ChunkLimits& limits) const;

  // The position the next committed event will get (= number of committed events).
  GlobalPosition CommittedEnd() const { return GlobalPosition{notifier_.committed_end()}; }

  // RocksDB flushes and compactions running or pending (0: the store is at rest); for
  // benchmarks that measure on a settled store.
  uint64_t BackgroundJobs() const;

  // The writer's counters (synced writes, failed writes, group sizes).
  WriterStats Stats() const;

  // Fires when new events are committed; subscriptions wait on it.
  CommitNotifier& notifier() const { return notifier_; }

  // Recomputes the hash chain from `from` to `to` (inclusive; nullopt: the committed head).
  // A mismatch is reported in the result (ok = false), not as an error status; errors are for
  // storage failures and invalid ranges (OUT_OF_RANGE).
  absl::StatusOr<VerifyResult> VerifyChain(GlobalPosition from,
                                           std::optional<GlobalPosition> to) const;

  // Checks each event at `positions` where it stands: its hash recomputed from its content and
  // its predecessor's hash, its stored form, and the stream and id indexes pointing at it (the
  // checks VerifyChain makes of each event of a range, without walking the range or the indexes
  // whole). A child's few events are checked in a few point reads each; what it cannot say is
  // whether events elsewhere in the log were altered (VerifyChain does). The first failure is
  // reported in the result; OUT_OF_RANGE for a position not committed.
  absl::StatusOr<VerifyResult> VerifyEvents(const std::vector<GlobalPosition>& positions) const;

  // --- Backups -------------------------------------------------------------------------------

  // Takes an online backup into `backup_dir` (created if missing) while appends go on, with the
  // checkpoint (log end and head hash) read just before. Nothing is deleted: retention is
  // PurgeBackups, applied by the caller once it knows the backup is wanted. ABORTED while
  // another backup of this store runs; UNAVAILABLE or RESOURCE_EXHAUSTED (disk full) on I/O
  // errors, leaving the earlier backups intact.
  absl::StatusOr<BackupRecord> Backup(const std::string& backup_dir, const std::string& label = "");

  // Deletes all but the newest `keep` backups in `backup_dir` (0: deletes nothing). Returns how
  // many backups are left there.
  static absl::StatusOr<uint32_t> PurgeBackups(const std::string& backup_dir, uint32_t keep);

  // The backups in `backup_dir`, oldest first. NOT_FOUND if it holds none.
  static absl::StatusOr<std::vector<BackupRecord>> ListBackups(const std::string& backup_dir);

  // Restores backup `backup_id` (0: the newest) of `backup_dir` into `data_dir`, which must not
  // exist or be empty (FAILED_PRECONDITION). Checks every file's checksum, opens the restored
  // store, verifies the whole hash chain, and checks that the event at the checkpoint has the
  // hash recorded at backup time: DATA_LOSS naming the position otherwise. The restored store
  // is closed again; open it with Open. On DATA_LOSS the restored files are left in
  // `data_dir` for inspection: never open them as a data directory (services::RestoreDataDir
  // restores into a staging directory and removes it instead).
  static absl::StatusOr<RestoreResult> RestoreBackup(const std::string& backup_dir,
                                                     uint32_t backup_id,
                                                     const std::string& data_dir);

  // OK when `data_dir` does not exist or is empty; FAILED_PRECONDITION naming it otherwise.
  static absl::Status CheckRestoreTarget(const std::string& data_dir);

  // --- Consumers: checkpoints and read models -------------------------------------------------

  // The read model's key space, created on first use. Names: [a-z0-9_]{1,64}.
  absl::StatusOr<ReadModelHandle> OpenReadModel(absl::string_view name);

  // The position consumer `name` will read next, or nullopt if it never committed.
  absl::StatusOr<std::optional<GlobalPosition>> LoadCheckpoint(absl::string_view consumer) const;

  // Applies `batch` and sets consumer's checkpoint to `next_position`, in one RocksDB write.
  // The write is not synced: a read model is derived from the (synced) log, so losing the
  // latest commits to a power loss only means applying them again; the write is atomic, and
  // durable once any later synced write (an append) completes.
  absl::Status CommitConsumer(absl::string_view consumer, GlobalPosition next_position,
                              const ConsumerBatch& batch);

  // Deletes every key of `model` and consumer's checkpoint in one write (a rebuild from zero).
  absl::Status ResetConsumer(absl::string_view consumer, const ReadModelHandle& model);

  absl::StatusOr<std::optional<std::string>> ReadModelGet(const ReadModelHandle& model,
                                                          absl::string_view key) const;
  // Calls `visit` for every key starting with `prefix`, in key order, until it returns false.
  absl::Status ReadModelScan(
      const ReadModelHandle& model, absl::string_view prefix,
      const std::function<bool(absl::string_view key, absl::string_view value)>& visit) const;

  const StoreOptions& options() const { return options_; }

 private:
  class Impl;
  EventStore(const StoreOptions& options, std::unique_ptr<Impl> impl);

  StoreOptions options_;
  mutable CommitNotifier notifier_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_EVENT_STORE_H_
