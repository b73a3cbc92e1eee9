#include "eventstore/event_store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backup.h"
#include "commit_mark.h"
#include "event_codec.h"
#include "fault_hooks.h"
#include "key_format.h"
#include "prepared_append.h"
#include "rocks_status.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/sst_file_manager.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "validation.h"

namespace footprint::eventstore {
namespace {

// SkipMemtableEntryForTesting.
std::atomic<bool> skip_memtable_entry_for_testing{false};

void AddToHistogram(SizeHistogram* h, uint64_t size) {
  size_t bucket = 0;
  while (bucket < kSizeBuckets.size() && size > kSizeBuckets[bucket]) ++bucket;
  ++h->counts[bucket];
  h->sum += size;
}

absl::string_view AsView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
rocksdb::Slice AsSlice(absl::string_view s) { return {s.data(), s.size()}; }

std::string PositionValue(uint64_t position) { return keys::EventKey(position); }

bool IsReadModelNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// Events of one group share one timestamp; it never goes backwards along positions.
struct Timestamp {
  int64_t seconds = 0;
  int32_t nanos = 0;
  auto operator<=>(const Timestamp&) const = default;
};

Timestamp ToTimestamp(absl::Time t) {
  const absl::Duration since_epoch = t - absl::UnixEpoch();
  const int64_t nanos_total = absl::ToInt64Nanoseconds(since_epoch);
  Timestamp ts{nanos_total / 1'000'000'000, static_cast<int32_t>(nanos_total % 1'000'000'000)};
  if (ts.nanos < 0) {
    ts.seconds -= 1;
    ts.nanos += 1'000'000'000;
  }
  return ts;
}

// The stream part of a `streams` key (everything up to and including the 0x00 separator).
class StreamPrefixTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "footprint.StreamPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* zero = std::memchr(key.data(), 0, key.size());
    return rocksdb::Slice(key.data(), static_cast<const char*>(zero) - key.data() + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), 0, key.size()) != nullptr;
  }
};

// The first 4 bytes of a version-7 UUID (its millisecond clock, to about a minute); other ids
// are outside the domain, so random ids never take a hint slot each.
class TimeOrderedIdPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "footprint.TimeOrderedIdPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), 4);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() == 16 && (static_cast<uint8_t>(key[6]) >> 4) == 7;
  }
};

// Keeps what RocksDB warns about while opening (a damaged write-ahead log record, say), so that
// an error can quote it.
class WarningCapture final : public rocksdb::Logger {
 public:
  WarningCapture() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char buffer[512];
    std::vsnprintf(buffer, sizeof(buffer), format, ap);
    // RocksDB prefixes "[WARN] [db/...cc:982] "; the rest says what and where.
    absl::string_view line(buffer);
    while (absl::StartsWith(line, "[") && line.find("] ") != absl::string_view::npos) {
      line.remove_prefix(line.find("] ") + 2);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (lines_.size() < 3) lines_.emplace_back(line);
  }
  std::string Joined() const {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::StrJoin(lines_, "; ");
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// RocksDB's info log, sent to the store's log sink instead of a LOG file in the data directory.
class SinkLogger final : public rocksdb::Logger {
 public:
  SinkLogger(StoreLogSink sink, StoreLogSeverity level)
      : rocksdb::Logger(RocksLevel(sink ? level : StoreLogSeverity::kWarning)),
        sink_(std::move(sink)) {}
  static rocksdb::InfoLogLevel RocksLevel(StoreLogSeverity severity) {
    switch (severity) {
      case StoreLogSeverity::kDebug:
        return rocksdb::InfoLogLevel::DEBUG_LEVEL;
      case StoreLogSeverity::kInfo:
        return rocksdb::InfoLogLevel::INFO_LEVEL;
      case StoreLogSeverity::kWarning:
        return rocksdb::InfoLogLevel::WARN_LEVEL;
      case StoreLogSeverity::kError:
        return rocksdb::InfoLogLevel::ERROR_LEVEL;
    }
    return rocksdb::InfoLogLevel::INFO_LEVEL;
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    StoreLogSeverity severity = StoreLogSeverity::kInfo;  // INFO and HEADER (the options dump)
    switch (level) {
      case rocksdb::InfoLogLevel::DEBUG_LEVEL:
        severity = StoreLogSeverity::kDebug;
        break;
      case rocksdb::InfoLogLevel::WARN_LEVEL:
        severity = StoreLogSeverity::kWarning;
        break;
      case rocksdb::InfoLogLevel::ERROR_LEVEL:
      case rocksdb::InfoLogLevel::FATAL_LEVEL:
        severity = StoreLogSeverity::kError;
        break;
      default:
        break;
    }
    if (!sink_ && severity < StoreLogSeverity::kWarning) return;
    char buffer[1024];
    const int n = std::vsnprintf(buffer, sizeof(buffer), format, ap);
    if (n < 0) return;
    absl::string_view line(buffer, std::min<size_t>(static_cast<size_t>(n), sizeof(buffer) - 1));
    if (sink_) {
      sink_(severity, line);
    } else {
      std::fprintf(stderr, "rocksdb: %.*s\n", static_cast<int>(line.size()), line.data());
    }
  }

 private:
  const StoreLogSink sink_;
};

}  // namespace

bool ReadFilter::Matches(absl::string_view stream, absl::string_view type) const {
  if (!stream_prefix.empty() && !absl::StartsWith(stream, stream_prefix)) return false;
  if (event_types.empty()) return true;
  for (const auto& t : event_types) {
    if (t == type) return true;
  }
  return false;
}

void PreparedAppendDeleter::operator()(PreparedAppend* append) const { delete append; }

void ConsumerBatch::Put(const ReadModelHandle& model, std::string key, std::string value) {
  ops_.push_back(Op{model.family_, std::move(key), std::move(value)});
}

void ConsumerBatch::Delete(const ReadModelHandle& model, std::string key) {
  ops_.push_back(Op{model.family_, std::move(key), std::nullopt});
}

// ------------------------------------------------------------------------------------------
// Impl: RocksDB handles, the writer thread and its state.

class EventStore::Impl {
 public:
  Impl(const StoreOptions& options, CommitNotifier* notifier)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : SystemClock::Get()),
        notifier_(notifier) {}

  ~Impl() { Close(); }

  absl::Status Open();
  void StartWriter() {
    completer_ = std::thread([this] { CompleterLoop(); });
    writer_ = std::thread([this] { WriterLoop(); });
  }
  void StopWriter();
  void Close();

  void Submit(PreparedAppendPtr append, AppendCallback done);

  // The stream's last version among events at positions before `end` (UINT64_MAX: all that
  // RocksDB shows; the writer's view).
  absl::StatusOr<std::optional<StreamVersion>> ReadHead(const rocksdb::ReadOptions& ro,
                                                        absl::string_view stream,
                                                        uint64_t end = UINT64_MAX) const;
  absl::StatusOr<StreamPage> ReadStream(const StreamId& stream, StreamVersion from,
                                        ReadDirection direction, size_t limit) const;
  absl::StatusOr<LogChunk> ReadAll(GlobalPosition from, const ReadFilter& filter,
                                   const ChunkLimits& limits) const;
  absl::StatusOr<VerifyResult> VerifyChain(GlobalPosition from,
                                           std::optional<GlobalPosition> to) const;
  bool TypeKnown(absl::string_view type) const {
    std::lock_guard<std::mutex> lock(types_mu_);
    return known_types_.contains(type);
  }
  std::vector<std::string> KnownTypes() const {
    std::lock_guard<std::mutex> lock(types_mu_);
    std::vector<std::string> types(known_types_.begin(), known_types_.end());
    std::sort(types.begin(), types.end());
    return types;
  }

  absl::StatusOr<BackupRecord> Backup(const std::string& dir, const std::string& label);
  absl::StatusOr<std::string> StoreId() const;

  absl::StatusOr<ReadModelHandle> OpenReadModel(absl::string_view name);
  absl::StatusOr<std::optional<GlobalPosition>> LoadCheckpoint(absl::string_view consumer) const;
  absl::Status CommitConsumer(absl::string_view consumer, GlobalPosition next_position,
                              const ConsumerBatch& batch);
  absl::Status ResetConsumer(absl::string_view consumer, const ReadModelHandle& model);
  uint64_t BackgroundJobs() const;
  WriterStats Stats() const {
    WriterStats stats;
    stats.synced_writes = synced_writes_.load(std::memory_order_relaxed);
    stats.failed_writes = failed_writes_.load(std::memory_order_relaxed);
    stats.groups = groups_.load(std::memory_order_relaxed);
    stats.appends_in_groups = appends_in_groups_.load(std::memory_order_relaxed);
    stats.events_committed = events_committed_.load(std::memory_order_relaxed);
    stats.commit_mark_failures = commit_mark_failures_.load(std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(histograms_mu_);
    stats.batch_events = batch_events_;
    stats.group_appends = group_appends_;
    return stats;
  }
  absl::StatusOr<std::optional<std::string>> ReadModelGet(const ReadModelHandle& model,
                                                          absl::string_view key) const;
  absl::Status ReadModelScan(
      const ReadModelHandle& model, absl::string_view prefix,
      const std::function<bool(absl::string_view, absl::string_view)>& visit) const;

 private:
  struct Pending {
    PreparedAppendPtr append;
    AppendCallback done;
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

  void WriterLoop();
  // REQUIRES: queue_mu_ held. Moves queued requests into `group`, up to max_group_bytes.
  void TakeGroupLocked(std::vector<Pending>* group);
  void ProcessGroup(std::vector<Pending>& group);
  Outcome ProcessOne(const PreparedAppend& append, const Timestamp& now, GroupState& group,
                     rocksdb::WriteBatch& batch);
  absl::StatusOr<std::optional<IdLocation>> FindStoredId(const EventId& id) const;
  // The stream's head as the writer sees it: the group's pending head if an earlier request of
  // the group moved it (then *from_group is set), else the committed one.
  absl::StatusOr<std::optional<uint64_t>> HeadForWriter(const std::string& stream,
                                                        const GroupState& group, bool* from_group);
  absl::Status LoadChainHead();
  absl::Status InitMeta();
  // Opens a read-only view of the store (which changes nothing on disk) and checks that its
  // log holds the `acknowledged` events the commit mark records. DATA_LOSS naming the missing
  // positions otherwise.
  absl::Status CheckAgainstMark(const rocksdb::DBOptions& db_options,
                                const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors,
                                uint64_t acknowledged) const;
  absl::Status MissingEvents(uint64_t log_end, uint64_t acknowledged,
                             absl::string_view rocksdb_said) const;
  // Writer (and Open): keeps an entry in `meta`'s active memtable, written without the
  // write-ahead log, so that RocksDB's recovery from a failed write switches to a new log.
  absl::Status KeepMemtableEntry();
  // Writer, right after a write failed: notes the write-ahead log RocksDB was writing and
  // whether its recovery will leave it (some active memtable holds an entry).
  void NoteFailedWrite();
  // Writer, once RocksDB has recovered from the failed write: OK if it has left the log the
  // failed write went to; FAILED_PRECONDITION (for ever, in this process) if it has not.
  absl::Status CheckLeftFailedLog();
  // Writer: records the committed end in the commit mark (no sync).
  void WriteMark();
  // Writer: syncs the commit mark if it is due.
  void SyncMarkIfDue();
  rocksdb::Env* env() const {
    return options_.env != nullptr ? options_.env : rocksdb::Env::Default();
  }

  const StoreOptions options_;
  const Clock* const clock_;
  CommitNotifier* const notifier_;

  rocksdb::DB* db_ = nullptr;
  // Held from before the commit-mark check until the store is closed, so that no other
  // process's writes race the check (RocksDB's own LOCK is taken only by DB::Open).
  rocksdb::FileLock* dir_lock_ = nullptr;
  // Writer only (and Open/Close): the acknowledged end, outside the write-ahead log.
  std::unique_ptr<CommitMark> mark_;
  std::mutex backup_mu_;  // one backup at a time (BackupEngine is not shared between threads)
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_ = nullptr;
  rocksdb::ColumnFamilyHandle* ids_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles_;
  rocksdb::ColumnFamilyOptions read_model_options_;

  mutable std::mutex read_models_mu_;
  absl::flat_hash_map<std::string, rocksdb::ColumnFamilyHandle*> read_models_;  // by name

  mutable std::mutex types_mu_;
  absl::flat_hash_set<std::string> known_types_;  // Guarded by types_mu_.

  // Queue between Submit and the writer thread.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;  // Guarded by queue_mu_.
  bool stopping_ = false;      // Guarded by queue_mu_.
  // Whether a thread holds the writer role: the writer thread, or a submitting thread that
  // found the writer idle. Exactly one thread at a time owns the writer state below.
  bool writer_active_ = false;  // Guarded by queue_mu_.
  // Requests in the last group taken: more than one means appends arrive concurrently.
  size_t last_group_requests_ = 0;  // Guarded by queue_mu_.
  std::thread writer_;

  // Completions of durable (or failed) groups, run off the writer thread so that the writer
  // can start the next group's sync while gRPC replies are being sent.
  struct Completion {
    AppendCallback done;
    absl::StatusOr<AppendResult> result;
  };
  void CompleterLoop();
  std::mutex completion_mu_;
  std::condition_variable completion_cv_;
  std::vector<Completion> completions_;  // Guarded by completion_mu_.
  bool completer_stopping_ = false;      // Guarded by completion_mu_.
  std::thread completer_;

  // Counters for monitoring (WriterStats), written by the writer, read by anyone.
  std::atomic<uint64_t> synced_writes_{0};
  std::atomic<uint64_t> failed_writes_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> appends_in_groups_{0};
  std::atomic<uint64_t> events_committed_{0};
  std::atomic<uint64_t> commit_mark_failures_{0};
  bool needs_resume_ = false;  // writer only: the last write failed
  // Writer only, from NoteFailedWrite: the log the failed write went to, and whether RocksDB's
  // recovery would keep writing it (every active memtable was empty).
  uint64_t failed_log_ = 0;
  bool failed_log_kept_ = false;
  // Writer only: RocksDB could not leave the log of a failed write; no write is safe until the
  // store is opened again (CheckLeftFailedLog).
  absl::Status needs_reopen_;
  mutable std::mutex histograms_mu_;  // taken once per group by the writer, and by Stats
  SizeHistogram batch_events_;        // Guarded by histograms_mu_.
  SizeHistogram group_appends_;       // Guarded by histograms_mu_.

  // Writer state (committed): only the thread holding the writer role touches these.
  uint64_t next_position_ = 0;
  std::string chain_head_;
  Timestamp last_recorded_;
  absl::flat_hash_map<std::string, uint64_t> head_cache_;
};

absl::Status EventStore::Impl::Open() {
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("data_dir: cannot create '", options_.data_dir, "': ", ec.message()));
  }
  if (rocksdb::Status s = env()->LockFile(options_.data_dir + "/footprint.lock", &dir_lock_);
      !s.ok()) {
    dir_lock_ = nullptr;
    return absl::UnavailableError(absl::StrCat(
        "data_dir: '", options_.data_dir, "' is in use by another process (", s.ToString(), ")"));
  }
  auto acknowledged = CommitMark::Read(env(), options_.data_dir);
  if (!acknowledged.ok()) return acknowledged.status();

  auto cache = rocksdb::NewLRUCache(options_.block_cache_bytes);
  const auto table_options = [&](bool bloom) {
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    if (bloom) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    return std::shared_ptr<rocksdb::TableFactory>(rocksdb::NewBlockBasedTableFactory(t));
  };

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  if (options_.env != nullptr) db_options.env = options_.env;
  // With a file manager, RocksDB recovers by itself from a full disk once space returns (it
  // polls the free space); without one it would wait for a restart.
  db_options.sst_file_manager.reset(rocksdb::NewSstFileManager(db_options.env));
  db_options.max_background_jobs = 2;
  // RocksDB's own log goes to the service's log, never to a file on the data disk: with a full
  // disk, RocksDB 7.8's file logger fails an assertion (sync_without_flush_called_) while
  // reporting the failed write, and aborts the process.
  db_options.info_log = std::make_shared<SinkLogger>(options_.log_sink, options_.log_level);
  // An acknowledged append was synced; recovery replays the WAL up to the last intact record.
  // Consumer commits are not synced, so after a power cut the WAL's tail may be torn anywhere
  // past the last sync: point-in-time recovery opens that safely. Damage in the middle of the
  // WAL would also end the replay there; the commit mark check in Open refuses that
  // (docs/reliability.md, "Damaged data files").
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Families that take few writes (meta, checkpoints) would otherwise pin every WAL file until
  // the events memtable fills several times, making restarts replay gigabytes.
  db_options.max_total_wal_size = 128 << 20;

  // One thread writes events; the memtable insert hints below need non-concurrent inserts.
  db_options.allow_concurrent_memtable_write = false;

  rocksdb::ColumnFamilyOptions plain;
  plain.table_factory = table_options(false);
  rocksdb::ColumnFamilyOptions events = plain;
  events.write_buffer_size = 64 << 20;
  // Positions only grow: with a hint per 4-byte prefix each insert lands next to the last one
  // instead of searching the skip list (the largest cost of an append in profiles).
  events.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(4));
  rocksdb::ColumnFamilyOptions streams = plain;
  // Versions only grow within a stream: a hint per stream.
  streams.memtable_insert_with_hint_prefix_extractor = std::make_shared<StreamPrefixTransform>();
  rocksdb::ColumnFamilyOptions point_lookups;
  point_lookups.table_factory = table_options(true);
  // Most id lookups are for new ids (misses): filter in the memtable too.
  point_lookups.memtable_whole_key_filtering = true;
  point_lookups.memtable_prefix_bloom_size_ratio = 0.05;
  read_model_options_ = point_lookups;
  rocksdb::ColumnFamilyOptions ids = point_lookups;
  // Ids the store generates are time-ordered (UUIDv7), so a hint per 4-byte time prefix keeps
  // their inserts next to the previous one; client ids (often random v4) are inserted without
  // hints, and a smaller memtable keeps their search short.
  ids.memtable_insert_with_hint_prefix_extractor = std::make_shared<TimeOrderedIdPrefix>();
  ids.write_buffer_size = 16 << 20;

  std::vector<std::string> existing;
  rocksdb::Status list_status =
      rocksdb::DB::ListColumnFamilies(db_options, options_.data_dir, &existing);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, plain},
      {keys::kEventsFamily, events},
      {keys::kStreamsFamily, streams},
      {keys::kIdsFamily, ids},
      {keys::kCheckpointsFamily, plain},
      {keys::kMetaFamily, plain}};
  std::vector<std::string> read_model_names;
  if (list_status.ok()) {
    for (const auto& name : existing) {
      if (absl::StartsWith(name, keys::kReadModelFamilyPrefix)) {
        descriptors.emplace_back(name, read_model_options_);
        read_model_names.push_back(name.substr(sizeof(keys::kReadModelFamilyPrefix) - 1));
      }
    }
  }

  // Recovery writes (it flushes what it replayed and deletes the old write-ahead log files), so
  // first check, read-only, that the log holds every acknowledged event: a damaged log is then
  // refused with its files as they were.
  if (acknowledged->value_or(0) > 0) {
    if (auto st = CheckAgainstMark(db_options, descriptors, **acknowledged); !st.ok()) return st;
  }

  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options_.data_dir, descriptors, &all_handles_, &db_);
  if (!s.ok()) {
    if (s.IsIOError() && absl::StrContains(s.ToString(), "lock")) {
      return absl::UnavailableError(absl::StrCat(
          "data_dir: '", options_.data_dir, "' is in use by another process (", s.ToString(), ")"));
    }
    return FromRocks(s, absl::StrCat("opening '", options_.data_dir, "'"));
  }
  events_ = all_handles_[1];
  streams_ = all_handles_[2];
  ids_ = all_handles_[3];
  checkpoints_ = all_handles_[4];
  meta_ = all_handles_[5];
  for (size_t i = 0; i < read_model_names.size(); ++i) {
    read_models_.emplace(read_model_names[i], all_handles_[6 + i]);
  }

  if (absl::Status st = InitMeta(); !st.ok()) return st;
  if (absl::Status st = LoadChainHead(); !st.ok()) return st;
  if (absl::Status st = KeepMemtableEntry(); !st.ok()) return st;
  if (next_position_ < acknowledged->value_or(0)) {
    return MissingEvents(next_position_, **acknowledged, "");
  }
  auto mark = CommitMark::OpenForWrite(env(), options_.data_dir, next_position_);
  if (!mark.ok()) return mark.status();
  mark_ = std::move(*mark);
  if (auto st = mark_->Write(next_position_); !st.ok()) return st;
  if (auto st = mark_->Sync(); !st.ok()) return st;
  notifier_->Publish(next_position_);
  return absl::OkStatus();
}

absl::Status EventStore::Impl::CheckAgainstMark(
    const rocksdb::DBOptions& db_options,
    const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors, uint64_t acknowledged) const {
  auto warnings = std::make_shared<WarningCapture>();
  rocksdb::DBOptions options = db_options;
  options.create_if_missing = false;
  options.info_log = warnings;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(options, options_.data_dir, descriptors, &handles, &db);
  if (s.IsPathNotFound() ||
      (s.IsInvalidArgument() && absl::StrContains(s.ToString(), "does not exist"))) {
    // RocksDB's files are gone (the commit mark is all that is left): every event is missing.
    return MissingEvents(0, acknowledged, s.ToString());
  }
  if (!s.ok()) {
    const std::string said = warnings->Joined();
    return FromRocks(
        s, absl::StrCat("data_dir '", options_.data_dir, "': checking the log against its ",
                        acknowledged, " acknowledged events", said.empty() ? "" : " (", said,
                        said.empty() ? "" : ")"));
  }
  uint64_t log_end = 0;
  rocksdb::Status it_status;
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
    it->SeekToLast();
    if (it->Valid()) {
      const auto position = keys::DecodeEventKey(AsView(it->key()));
      log_end = position ? *position + 1 : 0;
    }
    it_status = it->status();
  }
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  db->Close();
  delete db;
  if (auto st = FromRocks(it_status, "reading the last event"); !st.ok()) return st;
  if (log_end < acknowledged) return MissingEvents(log_end, acknowledged, warnings->Joined());
  return absl::OkStatus();
}

absl::Status EventStore::Impl::MissingEvents(uint64_t log_end, uint64_t acknowledged,
                                             absl::string_view rocksdb_said) const {
  return absl::DataLossError(absl::StrCat(
      "data_dir '", options_.data_dir, "': the log ends at position ", log_end,
      ", but the store acknowledged ", acknowledged, " events (", kCommitMarkFile, "): positions ",
      log_end, " to ", acknowledged - 1,
      " are missing. A write-ahead log or table file is damaged or missing, or older files were "
      "put back",
      rocksdb_said.empty() ? "" : absl::StrCat(" (RocksDB: ", rocksdb_said, ")"),
      ". Nothing was changed; restore from a backup (docs/operations.md, \"Damaged data\")"));
}

// RocksDB 7.8 (Debian 12's) leaves the write-ahead log of a failed write at its recovery only
// when some column family's active memtable holds an entry: its recovery flush then switches to a
// new log and moves every family's recovery past the old one. With every memtable empty (the
// first write after an open, or after a recovery flush) it goes on writing the old log, whose
// writer has seen the error (facebook/rocksdb#12873, fixed in RocksDB 9.x): the next write fails
// an assertion in Debian's build, which aborts the process, and a restart would replay the failed
// record beside the events given its positions since. So `meta` always holds an entry written
// without the log (its value means nothing), and when a failure finds every memtable empty all
// the same, the store stops writing instead (CheckLeftFailedLog).
absl::Status EventStore::Impl::KeepMemtableEntry() {
  if (skip_memtable_entry_for_testing.load(std::memory_order_relaxed)) return absl::OkStatus();
  uint64_t entries = 0;
  if (db_->GetIntProperty(meta_, "rocksdb.num-entries-active-mem-table", &entries) && entries > 0) {
    return absl::OkStatus();
  }
  rocksdb::WriteOptions no_log;
  no_log.disableWAL = true;
  return FromRocks(db_->Put(no_log, meta_, keys::kMetaMemtableEntry, ""),
                   "keeping an entry in the meta memtable");
}

void EventStore::Impl::NoteFailedWrite() {
  std::unique_ptr<rocksdb::LogFile> log;
  failed_log_ = db_->GetCurrentWalFile(&log).ok() && log != nullptr ? log->LogNumber() : 0;
  uint64_t entries = 0;
  bool any = false;
  std::lock_guard<std::mutex> lock(read_models_mu_);  // all_handles_ grows with read models
  for (rocksdb::ColumnFamilyHandle* family : all_handles_) {
    any |= db_->GetIntProperty(family, "rocksdb.num-entries-active-mem-table", &entries) &&
           entries > 0;
  }
  failed_log_kept_ = !any;
}

absl::Status EventStore::Impl::CheckLeftFailedLog() {
  if (!failed_log_kept_) return absl::OkStatus();
  std::unique_ptr<rocksdb::LogFile> log;
  if (db_->GetCurrentWalFile(&log).ok() && log != nullptr && log->LogNumber() != failed_log_) {
    return absl::OkStatus();  // something switched logs meanwhile
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the store cannot write again in this process: RocksDB recovered from the failed write "
      "without leaving its write-ahead log (",
      failed_log_,
      ", facebook/rocksdb#12873); restart footprintd (nothing acknowledged is lost, and the "
      "failed appends' outcome is then in the log: retry them with the same event ids)"));
}

void EventStore::Impl::WriteMark() {
  if (mark_ == nullptr) return;
  if (!mark_->Write(next_position_).ok()) {
    commit_mark_failures_.fetch_add(1, std::memory_order_relaxed);
  }
}

void EventStore::Impl::SyncMarkIfDue() {
  if (mark_ == nullptr) return;
  if (!mark_->SyncIfDue(options_.commit_mark_sync_interval).ok()) {
    commit_mark_failures_.fetch_add(1, std::memory_order_relaxed);
  }
}

absl::Status EventStore::Impl::InitMeta() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, keys::kMetaSchemaVersion, &value);
  if (s.IsNotFound()) {
    rocksdb::WriteBatch batch;
    batch.Put(meta_, keys::kMetaSchemaVersion, std::to_string(keys::kSchemaVersion));
    batch.Put(meta_, keys::kMetaStoreId, EventId::Generate().ToString());
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto st = FromRocks(db_->Write(wo, &batch), "writing store metadata"); !st.ok()) return st;
  } else if (!s.ok()) {
    return FromRocks(s, "reading schema version");
  } else if (value == "1") {
    // Schema 1 differs only in holding version-1 events, which are still verified as such:
    // taken up as it is. From now on an older binary refuses the store (it would check the
    // last event's hash in version 1 and call version-2 events damaged).
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto st = FromRocks(
            db_->Put(wo, meta_, keys::kMetaSchemaVersion, std::to_string(keys::kSchemaVersion)),
            "writing the schema version");
        !st.ok()) {
      return st;
    }
  } else if (value != std::to_string(keys::kSchemaVersion)) {
    return absl::FailedPreconditionError(absl::StrCat("data_dir: schema version ", value,
                                                      " is not supported (expected ",
                                                      keys::kSchemaVersion, ")"));
  }

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_));
  for (it->Seek(keys::kMetaTypePrefix); it->Valid() && it->key().starts_with(keys::kMetaTypePrefix);
       it->Next()) {
    known_types_.emplace(AsView(it->key()).substr(sizeof(keys::kMetaTypePrefix) - 1));
  }
  return FromRocks(it->status(), "reading the event type registry");
}

absl::Status EventStore::Impl::LoadChainHead() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_));
  it->SeekToLast();
  if (!it->Valid()) {
    if (auto st = FromRocks(it->status(), "reading the last event"); !st.ok()) return st;
    next_position_ = 0;
    chain_head_ = codec::GenesisHash();
    return absl::OkStatus();
  }
  const auto position = keys::DecodeEventKey(AsView(it->key()));
  v1::Event last;
  if (!position || !last.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
    return absl::DataLossError("the last stored event cannot be decoded");
  }
  if (last.position() != *position || last.hash().size() != codec::kHashBytes ||
      codec::RecomputeHash(last) != last.hash()) {
    return absl::DataLossError(
        absl::StrCat("the last stored event (position ", *position, ") does not match its hash"));
  }
  next_position_ = *position + 1;
  chain_head_ = last.hash();
  last_recorded_ = Timestamp{last.recorded_at().seconds(), last.recorded_at().nanos()};
  return absl::OkStatus();
}

void EventStore::Impl::StopWriter() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard<std::mutex> lock(completion_mu_);
    completer_stopping_ = true;
  }
  completion_cv_.notify_all();
  if (completer_.joinable()) completer_.join();
}

void EventStore::Impl::CompleterLoop() {
  std::vector<Completion> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(completion_mu_);
      completion_cv_.wait(lock, [&] { return completer_stopping_ || !completions_.empty(); });
      if (completions_.empty()) return;  // stopping, and every callback has run
      batch.swap(completions_);
    }
    for (auto& c : batch) std::move(c.done)(std::move(c.result));
    batch.clear();
  }
}

void EventStore::Impl::Close() {
  StopWriter();
  if (db_ != nullptr) {
    // all_handles_ owns every handle, including read models created after open.
    read_models_.clear();
    for (auto* handle : all_handles_) db_->DestroyColumnFamilyHandle(handle);
    all_handles_.clear();
    db_->Close();
    delete db_;
    db_ = nullptr;
  }
  mark_.reset();  // syncs what the writer recorded last
  if (dir_lock_ != nullptr) {
    (void)env()->UnlockFile(dir_lock_);
    dir_lock_ = nullptr;
  }
}

void EventStore::Impl::TakeGroupLocked(std::vector<Pending>* group) {
  size_t bytes = 0;
  while (!queue_.empty() && (group->empty() || bytes < options_.max_group_bytes)) {
    bytes += queue_.front().append->total_bytes;
    group->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  last_group_requests_ = group->size();
}

void EventStore::Impl::Submit(PreparedAppendPtr append, AppendCallback done) {
  std::vector<Pending> group;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(append), std::move(done)});
      if (writer_active_ || last_group_requests_ > 1) {
        // The active writer takes it with its next group; or appends are arriving together,
        // and the writer thread should batch them without tying up the caller.
        if (!writer_active_) queue_cv_.notify_one();
        return;
      }
      // A lone append and an idle writer: commit on the caller's thread. The client then pays
      // no hand-off to the writer thread and back (about 90 us of a 450 us append here).
      writer_active_ = true;
      TakeGroupLocked(&group);
    }
  }
  if (group.empty()) {
    std::move(done)(absl::UnavailableError("the event store is shutting down"));
    return;
  }
  ProcessGroup(group);
  bool more;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    writer_active_ = false;
    more = !queue_.empty() || stopping_;
  }
  // Whatever arrived meanwhile is the writer thread's: this caller returns to its own work.
  if (more) queue_cv_.notify_one();
}

void EventStore::Impl::WriterLoop() {
  std::vector<Pending> group;
  while (true) {
    group.clear();
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      // Idle, the writer still wakes once per interval: appends that paused within an interval
      // of the commit mark's last sync left it written but unsynced, and it syncs it then.
      if (!queue_cv_.wait_for(lock, options_.commit_mark_sync_interval,
                              [&] { return !writer_active_ && (stopping_ || !queue_.empty()); })) {
        // An appender committing on its own thread syncs it itself when it is due.
        if (writer_active_) continue;
      } else {
        if (queue_.empty()) return;  // stopping, and everything queued has been committed
        TakeGroupLocked(&group);
      }
      writer_active_ = true;
    }
    if (group.empty()) {
      SyncMarkIfDue();
    } else {
      ProcessGroup(group);
    }
    std::lock_guard<std::mutex> lock(queue_mu_);
    writer_active_ = false;
  }
}

void EventStore::Impl::ProcessGroup(std::vector<Pending>& group) {
  const uint64_t saved_position = next_position_;
  const std::string saved_head = chain_head_;
  const Timestamp saved_recorded = last_recorded_;

  Timestamp now = ToTimestamp(clock_->Now());
  if (now < last_recorded_) now = last_recorded_;

  GroupState state;
  rocksdb::WriteBatch batch;
  std::vector<Outcome> outcomes;
  outcomes.reserve(group.size());
  for (auto& pending : group) {
    outcomes.push_back(ProcessOne(*pending.append, now, state, batch));
  }

  absl::Status write_status;
  if (batch.Count() > 0) {
    // After a failed write RocksDB refuses writes until it has recovered (a full disk that
    // has space again, say): try that first, so appends resume without a restart.
    if (!needs_reopen_.ok()) {
      write_status = absl::UnavailableError(needs_reopen_.message());
    } else if (needs_resume_) {
      const rocksdb::Status resumed = db_->Resume();
      if (resumed.IsBusy()) {
        write_status = absl::UnavailableError(
            "the store is recovering from a failed write (a full disk?); try again shortly");
      } else {
        write_status = FromRocks(resumed, "recovering from the last failed write");
      }
      if (write_status.ok()) {
        if (absl::Status left = CheckLeftFailedLog(); !left.ok()) {
          needs_reopen_ = left;
          write_status = absl::UnavailableError(left.message());
        } else {
          needs_resume_ = false;
        }
      }
    }
    // Before every write, so that RocksDB's recovery from its failure leaves its log.
    if (write_status.ok()) write_status = KeepMemtableEntry();
    if (write_status.ok()) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      write_status = FromRocks(db_->Write(wo, &batch), "committing appended events");
      if (!write_status.ok() && !needs_resume_) {
        needs_resume_ = true;
        NoteFailedWrite();
      }
    }
    (write_status.ok() ? synced_writes_ : failed_writes_).fetch_add(1, std::memory_order_relaxed);
  }
  groups_.fetch_add(1, std::memory_order_relaxed);
  appends_in_groups_.fetch_add(group.size(), std::memory_order_relaxed);
  if (write_status.ok()) {
    last_recorded_ = next_position_ != saved_position ? now : saved_recorded;
    for (auto& [stream, version] : state.heads) head_cache_[stream] = version;
    if (!state.new_types.empty()) {
      std::lock_guard<std::mutex> lock(types_mu_);
      for (auto& t : state.new_types) known_types_.insert(std::move(t));
    }
    events_committed_.fetch_add(next_position_ - saved_position, std::memory_order_relaxed);
    if (next_position_ != saved_position) {
      WriteMark();  // before any append of the group is answered
      notifier_->Publish(next_position_);
    }
  } else {
    next_position_ = saved_position;
    chain_head_ = saved_head;
    last_recorded_ = saved_recorded;
  }
  // Every outcome decided from the group's pending state (events written, a head moved or an
  // id stored by an earlier request of the group) was true only if the write succeeded: when it
  // failed, ABORTED at a version the stream never reached, or ALREADY_EXISTS at a position that
  // holds nothing, would be false. They all get the write's error (the outcome is unknown to
  // the client, who retries with the same ids).
  for (size_t i = 0; i < group.size(); ++i) {
    Outcome& outcome = outcomes[i];
    if (!write_status.ok() && outcome.depends_on_group) outcome.result = write_status;
  }
  if (write_status.ok() && next_position_ != saved_position) {
    std::lock_guard<std::mutex> lock(histograms_mu_);
    uint64_t written = 0;
    for (size_t i = 0; i < group.size(); ++i) {
      const auto& result = outcomes[i].result;
      if (!result.ok() || result->duplicate) continue;
      AddToHistogram(&batch_events_, group[i].append->events.size());
      ++written;
    }
    AddToHistogram(&group_appends_, written);
  }
  // With nothing queued, replying here is quickest (no thread hand-off for a lone client);
  // with appends waiting, the completion thread replies while the writer syncs the next group.
  bool queue_empty;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    queue_empty = queue_.empty();
  }
  if (queue_empty) {
    for (size_t i = 0; i < group.size(); ++i) {
      std::move(group[i].done)(std::move(outcomes[i].result));
    }
  } else {
    {
      std::lock_guard<std::mutex> lock(completion_mu_);
      for (size_t i = 0; i < group.size(); ++i) {
        completions_.push_back(Completion{std::move(group[i].done), std::move(outcomes[i].result)});
      }
    }
    completion_cv_.notify_one();
  }
  SyncMarkIfDue();  // after the replies: at most one sync a second, off their path
}

absl::StatusOr<std::optional<EventStore::Impl::IdLocation>> EventStore::Impl::FindStoredId(
    const EventId& id) const {
  std::string position_bytes;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), ids_, AsSlice(id.bytes_view()), &position_bytes);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "looking up an event id");
  const auto position = keys::DecodeU64BigEndian(position_bytes);
  if (!position) return absl::DataLossError("malformed id index entry");
  std::string value;
  s = db_->Get(rocksdb::ReadOptions(), events_, keys::EventKey(*position), &value);
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading event at position ", *position));
  v1::Event stored;
  if (!stored.ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("event at position ", *position, " cannot be decoded"));
  }
  // Compared in version 2 whatever the stored event's own version, so that a retry by another
  // client is a conflict also for events stored before version 2.
  return IdLocation{*position,
                    stored.version(),
                    stored.stream(),
                    codec::CanonicalContent(stored),
                    stored.metadata().principal(),
                    false};
}

absl::StatusOr<std::optional<uint64_t>> EventStore::Impl::HeadForWriter(const std::string& stream,
                                                                        const GroupState& group,
                                                                        bool* from_group) {
  if (auto it = group.heads.find(stream); it != group.heads.end()) {
    *from_group = true;
    return it->second;
  }
  if (auto it = head_cache_.find(stream); it != head_cache_.end()) return it->second;
  auto head = ReadHead(rocksdb::ReadOptions(), stream);
  if (!head.ok()) return head.status();
  if (!head->has_value()) return std::nullopt;
  head_cache_.emplace(stream, (*head)->value);
  return (*head)->value;
}

EventStore::Impl::Outcome EventStore::Impl::ProcessOne(const PreparedAppend& append,
                                                       const Timestamp& now, GroupState& group,
                                                       rocksdb::WriteBatch& batch) {
  const std::string& stream = append.stream.str();
  const size_t n = append.events.size();

  // 1. Idempotency: a retry of a stored (or pending) append returns the original result.
  std::vector<std::optional<IdLocation>> found(n);
  size_t found_count = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& event = append.events[i];
    if (event.id_generated) continue;
    const std::string key(event.id.bytes_view());
    if (auto it = group.ids.find(key); it != group.ids.end()) {
      found[i] = it->second;
    } else {
      auto stored = FindStoredId(event.id);
      if (!stored.ok()) return Outcome{stored.status()};
      found[i] = std::move(*stored);
    }
    if (found[i]) ++found_count;
  }
  // Whether this request's answer relies on events pending in the group: they are real only if
  // the group's write succeeds.
  bool relies_on_group = false;
  for (const auto& loc : found) relies_on_group |= loc.has_value() && loc->pending;
  if (found_count > 0) {
    for (size_t i = 0; i < n; ++i) {
      const auto& event = append.events[i];
      if (!found[i]) {
        return Outcome{absl::AlreadyExistsError(absl::StrCat(
                           "events[", i, "].id: event ", event.id_text,
                           " is new, but other events of this append are already stored; a "
                           "retry must resend exactly the original append")),
                       relies_on_group};
      }
      const IdLocation& loc = *found[i];
      const IdLocation& first = *found[0];
      if (loc.canonical != event.canonical) {
        return Outcome{absl::AlreadyExistsError(absl::StrCat(
                           "events[", i, "].id: event ", event.id_text,
                           " is already stored at position ", loc.position,
                           loc.principal != event.principal
                               ? ", appended by another client (only the client that appended "
                                 "an event can retry it)"
                               : " with different content")),
                       relies_on_group};
      }
      if (loc.stream != stream || loc.position != first.position + i ||
          loc.version != first.version + i) {
        return Outcome{
            absl::AlreadyExistsError(absl::StrCat(
                "events[", i, "].id: event ", event.id_text, " is already stored at position ",
                loc.position, " in stream '", loc.stream, "' as part of a different append")),
            relies_on_group};
      }
    }
    AppendResult result;
    result.first_version = StreamVersion{found[0]->version};
    result.last_version = StreamVersion{found[n - 1]->version};
    result.first_position = GlobalPosition{found[0]->position};
    result.last_position = GlobalPosition{found[n - 1]->position};
    for (const auto& event : append.events) result.event_ids.push_back(event.id_text);
    result.duplicate = true;
    return Outcome{std::move(result), relies_on_group};
  }

  // 2. Expected version.
  bool head_from_group = false;
  auto head = HeadForWriter(stream, group, &head_from_group);
  if (!head.ok()) return Outcome{head.status()};
  std::optional<StreamVersion> head_version;
  if (*head) head_version = StreamVersion{**head};
  if (absl::Status st = append.expected.Check(append.stream, head_version); !st.ok()) {
    return Outcome{st, head_from_group};
  }

  // 3. Seal every event, then stage them: the hashes are computed first, so that a failure
  // leaves nothing of this request in the batch or in the writer's state.
  const uint64_t first_version = *head ? **head + 1 : 0;
  std::vector<std::string> hashes(n);
  {
    std::string prev = chain_head_;
    for (size_t i = 0; i < n; ++i) {
      const codec::Seal seal{first_version + i, next_position_ + i, now.seconds, now.nanos};
      hashes[i] = codec::ChainHash(prev, append.events[i].canonical, seal);
      if (hashes[i].size() != codec::kHashBytes) {
        return Outcome{absl::InternalError(
            absl::StrCat("events[", i,
                         "]: computing the event hash failed; nothing of this append was "
                         "written"))};
      }
      prev = hashes[i];
    }
  }
  AppendResult result;
  result.first_version = StreamVersion{first_version};
  result.first_position = GlobalPosition{next_position_};
  for (size_t i = 0; i < n; ++i) {
    const auto& event = append.events[i];
    const codec::Seal seal{first_version + i, next_position_, now.seconds, now.nanos};
    std::string value;
    value.reserve(event.content_wire.size() + 96);
    value.append(event.content_wire);
    codec::AppendSealWire(&value, seal, chain_head_, hashes[i]);
    const std::string position_key = keys::EventKey(seal.position);
    batch.Put(events_, position_key, value);
    batch.Put(streams_, keys::StreamKey(stream, seal.version), position_key);
    batch.Put(ids_, AsSlice(event.id.bytes_view()), position_key);
    if (!TypeKnown(event.type) && std::find(group.new_types.begin(), group.new_types.end(),
                                            event.type) == group.new_types.end()) {
      batch.Put(meta_, keys::MetaTypeKey(event.type), "");
      group.new_types.push_back(event.type);
    }
    if (!event.id_generated) {  // a generated id cannot come again in this group
      group.ids.insert_or_assign(
          std::string(event.id.bytes_view()),
          IdLocation{seal.position, seal.version, stream, event.canonical, event.principal, true});
    }
    chain_head_ = std::move(hashes[i]);
    result.event_ids.push_back(event.id_text);
    ++next_position_;
  }
  result.last_version = StreamVersion{first_version + n - 1};
  result.last_position = GlobalPosition{next_position_ - 1};
  group.heads[stream] = first_version + n - 1;
  return Outcome{std::move(result), true};
}

absl::StatusOr<std::optional<StreamVersion>> EventStore::Impl::ReadHead(
    const rocksdb::ReadOptions& ro, absl::string_view stream, uint64_t end) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams_));
  // Versions grow with positions within a stream: step back over versions at or past `end`
  // (a group synced but not yet acknowledged; at most one group's worth).
  for (it->SeekForPrev(keys::StreamKey(stream, UINT64_MAX)); it->Valid(); it->Prev()) {
    const auto decoded = keys::DecodeStreamKey(AsView(it->key()));
    if (!decoded || decoded->stream != stream) return std::nullopt;
    const auto position = keys::DecodeU64BigEndian(AsView(it->value()));
    if (!position) {
      return absl::DataLossError(absl::StrCat("stream '", stream, "': malformed index entry"));
    }
    if (*position < end) return StreamVersion{decoded->version};
  }
  if (auto st = FromRocks(it->status(), "reading the stream index"); !st.ok()) return st;
  return std::nullopt;
}

absl::StatusOr<StreamPage> EventStore::Impl::ReadStream(const StreamId& stream, StreamVersion from,
                                                        ReadDirection direction,
                                                        size_t limit) const {
  // RocksDB shows a group once its WAL write is synced, a moment before the writer publishes
  // the new committed end and answers its appends: a stream read must not show positions that
  // ReadAll does not, nor events whose append has not been acknowledged yet. The end is read
  // before the snapshot, so the snapshot holds every event before it.
  const uint64_t end = notifier_->committed_end();
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~Release() { db->ReleaseSnapshot(snapshot); }
  } release{db_, snapshot};
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;

  auto head = ReadHead(ro, stream.str(), end);
  if (!head.ok()) return head.status();
  if (!*head) {
    return absl::NotFoundError(absl::StrCat("stream '", stream.str(), "' has no events"));
  }
  StreamPage page;
  page.last_version = **head;
  if (limit == 0) return page;

  std::vector<std::string> position_keys;
  std::vector<uint64_t> versions;
  const std::string prefix = keys::StreamKeyPrefix(stream.str());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams_));
  if (direction == ReadDirection::kForwards) {
    const std::string past_head = keys::StreamKey(stream.str(), page.last_version.value + 1);
    for (it->Seek(keys::StreamKey(stream.str(), from.value));
         it->Valid() && it->key().starts_with(prefix) && it->key().compare(past_head) < 0 &&
         position_keys.size() < limit;
         it->Next()) {
      position_keys.emplace_back(AsView(it->value()));
    }
  } else {
    const uint64_t start = std::min(from.value, page.last_version.value);
    for (it->SeekForPrev(keys::StreamKey(stream.str(), start));
         it->Valid() && it->key().starts_with(prefix) && position_keys.size() < limit; it->Prev()) {
      position_keys.emplace_back(AsView(it->value()));
    }
  }
  if (auto st = FromRocks(it->status(), "reading the stream index"); !st.ok()) return st;

  std::vector<rocksdb::Slice> slices(position_keys.begin(), position_keys.end());
  std::vector<std::string> values(slices.size());
  std::vector<rocksdb::ColumnFamilyHandle*> families(slices.size(), events_);
  std::vector<rocksdb::Status> statuses = db_->MultiGet(ro, families, slices, &values);
  page.events.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!statuses[i].ok()) {
      return FromRocks(statuses[i],
                       absl::StrCat("stream '", stream.str(), "': reading an indexed event"));
    }
    if (!page.events[i].ParseFromString(values[i]) || page.events[i].stream() != stream.str()) {
      return absl::DataLossError(absl::StrCat("stream '", stream.str(),
                                              "': indexed event does not decode to this stream"));
    }
  }
  if (direction == ReadDirection::kForwards) {
    page.end_of_stream =
        page.events.empty() || page.events.back().version() == page.last_version.value;
  } else {
    page.end_of_stream = page.events.empty() || page.events.back().version() == 0;
  }
  return page;
}

absl::StatusOr<LogChunk> EventStore::Impl::ReadAll(GlobalPosition from, const ReadFilter& filter,
                                                   const ChunkLimits& limits) const {
  LogChunk chunk;
  chunk.next_position = from;
  uint64_t end = notifier_->committed_end();
  if (limits.end && limits.end->value < end) end = limits.end->value;
  if (from.value >= end) return chunk;

  const std::string upper = keys::EventKey(end);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  ro.readahead_size = 2 << 20;
  // A scan would churn the block cache for everyone else; the OS page cache still helps.
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, events_));
  uint64_t expected = from.value;
  const bool filtered = !filter.empty();
  if (limits.frame_tag != 0) {
    chunk.framed.reserve(std::min<size_t>(limits.max_bytes, 1 << 20) + 4096);
  }
  for (it->Seek(keys::EventKey(from.value)); it->Valid(); it->Next()) {
    const auto position = keys::DecodeEventKey(AsView(it->key()));
    if (!position || *position != expected) {
      return absl::DataLossError(
          absl::StrCat("the log has no event at position ", expected, " (gap or bad key)"));
    }
    const absl::string_view value = AsView(it->value());
    bool take = true;
    if (filtered) {
      codec::EventHeader header;
      if (!codec::ScanHeader(value, &header)) {
        return absl::DataLossError(
            absl::StrCat("event at position ", expected, " cannot be decoded"));
      }
      take = filter.Matches(header.stream, header.type);
    }
    ++expected;
    if (take) {
      chunk.bytes += value.size();
      ++chunk.count;
      if (limits.frame_tag != 0) {
        chunk.framed.push_back(static_cast<char>(limits.frame_tag));
        for (uint64_t v = value.size();; v >>= 7) {
          if (v < 0x80) {
            chunk.framed.push_back(static_cast<char>(v));
            break;
          }
          chunk.framed.push_back(static_cast<char>((v & 0x7f) | 0x80));
        }
        chunk.framed.append(value.data(), value.size());
      } else {
        chunk.events.emplace_back(value);
      }
    }
    chunk.next_position = GlobalPosition{expected};
    if (chunk.count >= limits.max_events || chunk.bytes >= limits.max_bytes) break;
  }
  if (auto st = FromRocks(it->status(), "reading the log"); !st.ok()) return st;
  if (chunk.next_position.value < end && !it->Valid()) {
    return absl::DataLossError(absl::StrCat("the log ends at position ", chunk.next_position.value,
                                            " but events up to ", end - 1, " were committed"));
  }
  return chunk;
}

absl::StatusOr<VerifyResult> EventStore::Impl::VerifyChain(GlobalPosition from,
                                                           std::optional<GlobalPosition> to) const {
  const uint64_t committed = notifier_->committed_end();
  VerifyResult result;
  result.first_position = from;
  if (to && to->value >= committed) {
    return absl::OutOfRangeError(absl::StrCat("to_position: ", to->value,
                                              " is beyond the last position ",
                                              committed == 0 ? "(the log is empty)" : "",
                                              committed == 0 ? "" : std::to_string(committed - 1)));
  }
  const uint64_t end = to ? to->value + 1 : committed;
  if (from.value > end || (from.value == end && from.value != committed)) {
    return absl::OutOfRangeError(
        absl::StrCat("from_position: ", from.value, " is after to_position ", end - 1));
  }
  if (from.value == end) return result;  // nothing to check (empty log or empty range at head)

  const auto fail = [&](uint64_t position, std::string reason) {
    result.ok = false;
    result.first_bad_position = GlobalPosition{position};
    result.reason = std::move(reason);
    return result;
  };

  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  ro.snapshot = snapshot;
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~Release() { db->ReleaseSnapshot(snapshot); }
  } release{db_, snapshot};

  std::string prev_hash = codec::GenesisHash();
  uint32_t prev_canonical_version = 0;
  if (from.value > 0) {
    std::string value;
    v1::Event anchor;
    rocksdb::Status s = db_->Get(ro, events_, keys::EventKey(from.value - 1), &value);
    if (!s.ok() || !anchor.ParseFromString(value) || anchor.hash().size() != codec::kHashBytes) {
      return fail(from.value - 1,
                  "the event before the range (its anchor) is missing or "
                  "cannot be decoded");
    }
    prev_hash = anchor.hash();
    prev_canonical_version = anchor.canonical_version();
  }

  // What each position of the range holds, by fingerprint, for the walk over the indexes below:
  // (stream, version) and the event id.
  const auto stream_fingerprint = [](absl::string_view stream, uint64_t version) {
    return absl::HashOf(stream, version);
  };
  std::vector<size_t> stream_prints;
  std::vector<size_t> id_prints;
  stream_prints.reserve(std::min<uint64_t>(end - from.value, 1 << 20));
  id_prints.reserve(std::min<uint64_t>(end - from.value, 1 << 20));

  {
    const std::string upper = keys::EventKey(end);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions walk = ro;
    walk.iterate_upper_bound = &upper_slice;
    walk.readahead_size = 2 << 20;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(walk, events_));
    uint64_t expected = from.value;
    v1::Event event;
    std::string index_value;
    for (it->Seek(keys::EventKey(from.value)); it->Valid(); it->Next()) {
      const auto position = keys::DecodeEventKey(AsView(it->key()));
      if (!position || *position != expected) {
        return fail(expected, "event missing (gap in positions)");
      }
      if (!event.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return fail(expected, "stored event cannot be decoded");
      }
      if (event.position() != expected) {
        return fail(expected, absl::StrCat("stored event claims position ", event.position()));
      }
      if (event.prev_hash() != prev_hash) {
        return fail(expected, "prev_hash does not match the hash of the previous event");
      }
      if (event.canonical_version() == 1) {
        return fail(expected,
                    "the event names canonical encoding version 1, which the store never writes "
                    "(version-1 events name none)");
      }
      if (event.canonical_version() > codec::kCanonicalVersion) {
        return fail(expected, absl::StrCat("the event names canonical encoding version ",
                                           event.canonical_version(),
                                           ", which this version of Footprint does not know"));
      }
      if (event.canonical_version() < prev_canonical_version) {
        return fail(
            expected,
            absl::StrCat("the event's canonical encoding version ", event.canonical_version(),
                         " is older than the previous event's (", prev_canonical_version, ")"));
      }
      if (codec::RecomputeHash(event) != event.hash()) {
        return fail(expected, "hash does not match the event's content (altered event)");
      }
      // The hash covers the decoded fields; the stored bytes must be exactly what the writer
      // wrote for them, or a reader that scans them (ReadAll's filters read the first stream
      // and type field they meet, protobuf keeps the last) could be shown something else.
      if (codec::HasUncoveredFields(event) || !codec::IsStoredForm(event, AsView(it->value()))) {
        return fail(expected,
                    "the stored bytes are not the event's stored form (fields repeated, added or "
                    "moved), which its hash does not cover");
      }
      // The indexes must point back at this event, or reads by stream or id would serve
      // something else.
      rocksdb::Status s =
          db_->Get(ro, streams_, keys::StreamKey(event.stream(), event.version()), &index_value);
      if (!s.ok() || keys::DecodeU64BigEndian(index_value) != expected) {
        return fail(expected, "the stream index does not point at this event");
      }
      // Versions are gapless: the stream's previous version is indexed, at an earlier position.
      if (event.version() > 0) {
        s = db_->Get(ro, streams_, keys::StreamKey(event.stream(), event.version() - 1),
                     &index_value);
        const auto previous = s.ok() ? keys::DecodeU64BigEndian(index_value) : std::nullopt;
        if (!previous || *previous >= expected) {
          return fail(expected, absl::StrCat("version ", event.version(), " of stream '",
                                             event.stream(), "' follows no version ",
                                             event.version() - 1, " before it (a version gap)"));
        }
      }
      auto id = EventId::Parse(event.id());
      s = id.ok() ? db_->Get(ro, ids_, AsSlice(id->bytes_view()), &index_value) : rocksdb::Status();
      if (!id.ok() || !s.ok() || keys::DecodeU64BigEndian(index_value) != expected) {
        return fail(expected, "the id index does not point at this event");
      }
      stream_prints.push_back(stream_fingerprint(event.stream(), event.version()));
      id_prints.push_back(absl::HashOf(id->bytes_view()));
      prev_hash = event.hash();
      prev_canonical_version = event.canonical_version();
      ++expected;
      ++result.events_checked;
    }
    if (!it->status().ok()) {
      // A damaged table or log block: the event being read when it was met is the first that
      // cannot be vouched for.
      if (it->status().IsCorruption()) {
        return fail(expected, absl::StrCat("stored data is damaged: ", it->status().ToString()));
      }
      return FromRocks(it->status(), "reading the log for verification");
    }
    if (expected != end) return fail(expected, "event missing (the log ends early)");
  }

  // The other direction: every index entry that points into the range is backed by the event
  // it names there, and none points past the end of the log. A stray entry (child-0@7 -> 0, say)
  // would otherwise verify, and move the stream's head for the next append.
  rocksdb::ReadOptions scan = ro;
  scan.fill_cache = false;  // a whole family read once: keep the block cache for everyone else
  const auto check_index = [&](rocksdb::ColumnFamilyHandle* family, absl::string_view what,
                               const std::vector<size_t>& prints, const auto& fingerprint_of,
                               const auto& event_print) -> std::optional<VerifyResult> {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(scan, family));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const auto position = keys::DecodeU64BigEndian(AsView(it->value()));
      std::string entry;
      std::optional<size_t> print;
      if (!fingerprint_of(AsView(it->key()), &entry, &print)) {
        return fail(from.value, absl::StrCat("the ", what, " holds a malformed key"));
      }
      if (!position) {
        return fail(from.value,
                    absl::StrCat("the ", what, " entry ", entry, " has a malformed position"));
      }
      if (*position >= from.value && *position < end) {
        if (print != prints[*position - from.value]) {
          return fail(*position,
                      absl::StrCat("the ", what, " entry ", entry, " points at position ",
                                   *position, ", which holds another event"));
        }
      } else if (*position >= committed) {
        // Past the end the verification started from: only an append committed since then
        // may be there.
        std::string value;
        rocksdb::Status s = db_->Get(ro, events_, keys::EventKey(*position), &value);
        if (s.IsNotFound()) {
          return fail(committed,
                      absl::StrCat("the ", what, " entry ", entry, " points at position ",
                                   *position, ", past the end of the log"));
        }
        if (!s.ok()) return fail(committed, s.ToString());
        v1::Event later;
        if (!later.ParseFromString(value) || event_print(later) != print) {
          return fail(committed,
                      absl::StrCat("the ", what, " entry ", entry, " points at position ",
                                   *position, ", which holds another event"));
        }
      }
    }
    if (!it->status().ok()) {
      return fail(from.value, absl::StrCat("reading the ", what, ": ", it->status().ToString()));
    }
    return std::nullopt;
  };
  if (auto bad = check_index(
          streams_, "stream index", stream_prints,
          [&](absl::string_view key, std::string* entry, std::optional<size_t>* print) {
            const auto decoded = keys::DecodeStreamKey(key);
            if (!decoded) return false;
            *entry = absl::StrCat("'", decoded->stream, "'@", decoded->version);
            *print = stream_fingerprint(decoded->stream, decoded->version);
            return true;
          },
          [&](const v1::Event& event) {
            return std::optional<size_t>(stream_fingerprint(event.stream(), event.version()));
          })) {
    return *bad;
  }
  if (auto bad = check_index(
          ids_, "id index", id_prints,
          [&](absl::string_view key, std::string* entry, std::optional<size_t>* print) {
            std::array<uint8_t, 16> bytes;
            if (key.size() != bytes.size()) return false;
            std::copy(key.begin(), key.end(), bytes.begin());
            *entry = EventId::FromBytes(bytes).ToString();
            *print = absl::HashOf(key);
            return true;
          },
          [&](const v1::Event& event) -> std::optional<size_t> {
            auto id = EventId::Parse(event.id());
            if (!id.ok()) return std::nullopt;
            return absl::HashOf(id->bytes_view());
          })) {
    return *bad;
  }
  result.last_position = GlobalPosition{end - 1};
  result.head_hash_hex = codec::HexEncode(prev_hash);
  return result;
}

absl::StatusOr<std::string> EventStore::Impl::StoreId() const {
  std::string value;
  if (auto st = FromRocks(db_->Get(rocksdb::ReadOptions(), meta_, keys::kMetaStoreId, &value),
                          "reading the store id");
      !st.ok()) {
    return st;
  }
  return value;
}

absl::StatusOr<BackupRecord> EventStore::Impl::Backup(const std::string& dir,
                                                      const std::string& label) {
  std::unique_lock<std::mutex> lock(backup_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return absl::AbortedError(
        "backup: another backup of this store is running; try again when it has finished");
  }
  backup::Checkpoint checkpoint;
  auto id = StoreId();
  if (!id.ok()) return id.status();
  checkpoint.store_id = *std::move(id);
  checkpoint.created_at = clock_->Now();
  checkpoint.label = label;
  // Events are never rewritten: whatever the backup copies after this point holds the events
  // before log_end unchanged, with this hash at log_end - 1.
  checkpoint.log_end = notifier_->committed_end();
  if (checkpoint.log_end > 0) {
    std::string value;
    v1::Event last;
    if (auto st = FromRocks(db_->Get(rocksdb::ReadOptions(), events_,
                                     keys::EventKey(checkpoint.log_end - 1), &value),
                            "reading the checkpoint event");
        !st.ok()) {
      return st;
    }
    if (!last.ParseFromString(value) || last.hash().size() != codec::kHashBytes) {
      return absl::DataLossError(
          absl::StrCat("the event at position ", checkpoint.log_end - 1, " cannot be decoded"));
    }
    checkpoint.head_hash_hex = codec::HexEncode(last.hash());
  }
  return backup::Create(db_, dir, checkpoint);
}

absl::StatusOr<ReadModelHandle> EventStore::Impl::OpenReadModel(absl::string_view name) {
  if (name.empty() || name.size() > 64 ||
      !std::all_of(name.begin(), name.end(), IsReadModelNameChar)) {
    return absl::InvalidArgumentError(
        absl::StrCat("read model name '", name, "' must match [a-z0-9_]{1,64}"));
  }
  std::lock_guard<std::mutex> lock(read_models_mu_);
  if (auto it = read_models_.find(name); it != read_models_.end()) {
    return ReadModelHandle(std::string(name), it->second);
  }
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  rocksdb::Status s =
      db_->CreateColumnFamily(read_model_options_, keys::ReadModelFamily(name), &handle);
  if (!s.ok()) return FromRocks(s, absl::StrCat("creating read model '", name, "'"));
  read_models_.emplace(std::string(name), handle);
  all_handles_.push_back(handle);
  return ReadModelHandle(std::string(name), handle);
}

absl::StatusOr<std::optional<GlobalPosition>> EventStore::Impl::LoadCheckpoint(
    absl::string_view consumer) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), checkpoints_, AsSlice(consumer), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "reading a checkpoint");
  const auto position = keys::DecodeU64BigEndian(value);
  if (!position)
    return absl::DataLossError(absl::StrCat("checkpoint '", consumer, "' is malformed"));
  return GlobalPosition{*position};
}

absl::Status EventStore::Impl::CommitConsumer(absl::string_view consumer,
                                              GlobalPosition next_position,
                                              const ConsumerBatch& batch) {
  rocksdb::WriteBatch wb;
  for (const auto& op : batch.ops_) {
    auto* family = static_cast<rocksdb::ColumnFamilyHandle*>(op.family);
    if (op.value) {
      wb.Put(family, op.key, *op.value);
    } else {
      wb.Delete(family, op.key);
    }
  }
  wb.Put(checkpoints_, AsSlice(consumer), PositionValue(next_position.value));
  // Not synced (see the header): the batch reaches the WAL in one write, so it stays atomic and
  // survives the process dying; only a power loss can drop the latest commits, which the
  // consumer then applies again from the log. Recovery is point in time, and the next synced
  // write (any append) makes every earlier one durable too.
  rocksdb::WriteOptions wo;
  wo.sync = false;
  return FromRocks(db_->Write(wo, &wb), absl::StrCat("committing consumer '", consumer, "'"));
}

absl::Status EventStore::Impl::ResetConsumer(absl::string_view consumer,
                                             const ReadModelHandle& model) {
  auto* family = static_cast<rocksdb::ColumnFamilyHandle*>(model.family_);
  rocksdb::WriteBatch wb;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), family));
  it->SeekToFirst();
  if (it->Valid()) {
    const std::string first = it->key().ToString();
    it->SeekToLast();
    std::string past_last = it->key().ToString();
    past_last.push_back('\0');  // the smallest key after the last one
    wb.DeleteRange(family, first, past_last);
  }
  if (auto st = FromRocks(it->status(), "scanning a read model"); !st.ok()) return st;
  wb.Delete(checkpoints_, AsSlice(consumer));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &wb), absl::StrCat("resetting consumer '", consumer, "'"));
}

absl::StatusOr<std::optional<std::string>> EventStore::Impl::ReadModelGet(
    const ReadModelHandle& model, absl::string_view key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), static_cast<rocksdb::ColumnFamilyHandle*>(model.family_),
               AsSlice(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading read model '", model.name(), "'"));
  return value;
}

absl::Status EventStore::Impl::ReadModelScan(
    const ReadModelHandle& model, absl::string_view prefix,
    const std::function<bool(absl::string_view, absl::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(
      rocksdb::ReadOptions(), static_cast<rocksdb::ColumnFamilyHandle*>(model.family_)));
  for (it->Seek(AsSlice(prefix)); it->Valid() && it->key().starts_with(AsSlice(prefix));
       it->Next()) {
    if (!visit(AsView(it->key()), AsView(it->value()))) break;
  }
  return FromRocks(it->status(), absl::StrCat("scanning read model '", model.name(), "'"));
}

// ------------------------------------------------------------------------------------------
// EventStore

EventStore::EventStore(const StoreOptions& options, std::unique_ptr<Impl> impl)
    : options_(options), impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const StoreOptions& options) {
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: a data directory is required");
  }
  if (options.max_event_bytes == 0 || options.max_batch_events == 0 ||
      options.max_batch_bytes < options.max_event_bytes) {
    return absl::InvalidArgumentError(
        "limits: max_event_bytes and max_batch_events must be positive, and max_batch_bytes at "
        "least max_event_bytes");
  }
  std::unique_ptr<EventStore> store(new EventStore(options, nullptr));
  store->impl_ = std::make_unique<Impl>(options, &store->notifier_);
  if (absl::Status st = store->impl_->Open(); !st.ok()) return st;
  store->impl_->StartWriter();
  return store;
}

EventStore::~EventStore() {
  if (impl_) impl_->StopWriter();
  notifier_.Close();
  impl_.reset();
}

absl::StatusOr<PreparedAppendPtr> EventStore::Prepare(AppendRequest request) const {
  auto stream = StreamId::Parse(request.stream, "stream");
  if (!stream.ok()) return stream.status();
  if (request.events.empty()) {
    return absl::InvalidArgumentError("events: an append needs at least one event");
  }
  if (request.events.size() > options_.max_batch_events) {
    return absl::InvalidArgumentError(absl::StrCat("events: ", request.events.size(),
                                                   " events in one append; the maximum is ",
                                                   options_.max_batch_events));
  }
  PreparedAppendPtr prepared(new PreparedAppend(*stream, request.expected));
  prepared->events.reserve(request.events.size());
  absl::flat_hash_map<std::string, size_t> ids_seen;
  for (size_t i = 0; i < request.events.size(); ++i) {
    NewEvent& in = request.events[i];
    const std::string field = absl::StrCat("events[", i, "]");
    if (auto st = ValidateEventType(in.type, field + ".type"); !st.ok()) return st;

    const std::pair<absl::string_view, const std::string*> metadata_fields[] = {
        {"source_system", &in.metadata.source_system()},
        {"correlation_id", &in.metadata.correlation_id()},
        {"actor", &in.metadata.actor()}};
    for (const auto& [name, value] : metadata_fields) {
      if (value->size() > options_.max_metadata_field_bytes) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".metadata.", name, ": ",
                                                       value->size(), " bytes; the maximum is ",
                                                       options_.max_metadata_field_bytes));
      }
      if (!IsValidUtf8(*value)) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".metadata.", name, ": must be valid UTF-8"));
      }
    }
    const size_t bytes = in.data.size() + in.type.size() + in.payload_type.size() +
                         in.metadata.source_system().size() + in.metadata.correlation_id().size() +
                         in.metadata.actor().size();  // the principal is the server's own
    if (bytes > options_.max_event_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": the event is ", bytes, " bytes; the maximum is ", options_.max_event_bytes));
    }
    prepared->total_bytes += bytes;
    if (prepared->total_bytes > options_.max_batch_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("events: the append is more than ",
                                                     options_.max_batch_bytes,
                                                     " bytes (the maximum per append) at ", field));
    }
    if (in.content_type == v1::CONTENT_TYPE_UNSPECIFIED) in.content_type = v1::CONTENT_TYPE_JSON;
    if (!IsValidUtf8(in.payload_type)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".payload_type: must be valid UTF-8"));
    }
    // The principal is the server's (a configured client identity), not the caller's: it is not
    // held to the metadata limit, but it is stored text like the rest.
    if (!IsValidUtf8(in.metadata.principal())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".metadata.principal: must be valid UTF-8"));
    }
    if (auto st = ValidatePayload(in.content_type, in.payload_type, in.data, field); !st.ok()) {
      return st;
    }

    PreparedAppend::Event out{EventId::Generate(),    "", in.id.empty(), in.type, "", "",
                              in.metadata.principal()};
    if (!in.id.empty()) {
      auto id = EventId::Parse(in.id, field + ".id");
      if (!id.ok()) return id.status();
      out.id = *id;
    }
    out.id_text = out.id.ToString();
    if (auto [it, inserted] = ids_seen.emplace(out.id_text, i); !inserted) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".id: event id ", out.id_text,
                                                     " also appears at events[", it->second,
                                                     "]; ids must be unique"));
    }

    v1::Event content;
    content.set_id(out.id_text);
    content.set_stream(stream->str());
    content.set_type(std::move(in.type));
    *content.mutable_metadata() = std::move(in.metadata);
    content.set_content_type(in.content_type);
    content.set_payload_type(std::move(in.payload_type));
    content.set_data(std::move(in.data));
    content.set_canonical_version(codec::kCanonicalVersion);
    out.canonical = codec::CanonicalContent(content);
    content.SerializeToString(&out.content_wire);
    prepared->events.push_back(std::move(out));
  }
  return prepared;
}

void EventStore::Submit(PreparedAppendPtr append, AppendCallback done) {
  impl_->Submit(std::move(append), std::move(done));
}

absl::StatusOr<AppendResult> EventStore::Append(AppendRequest request) {
  auto prepared = Prepare(std::move(request));
  if (!prepared.ok()) return prepared.status();
  std::promise<absl::StatusOr<AppendResult>> promise;
  auto future = promise.get_future();
  Submit(std::move(*prepared),
         [&promise](absl::StatusOr<AppendResult> result) { promise.set_value(std::move(result)); });
  return future.get();
}

void EventStore::StopWriter() { impl_->StopWriter(); }

absl::StatusOr<std::optional<StreamVersion>> EventStore::StreamHead(const StreamId& stream) const {
  const uint64_t end = notifier_.committed_end();
  return impl_->ReadHead(rocksdb::ReadOptions(), stream.str(), end);
}

absl::StatusOr<StreamPage> EventStore::ReadStream(const StreamId& stream, StreamVersion from,
                                                  ReadDirection direction, size_t limit) const {
  return impl_->ReadStream(stream, from, direction, limit);
}

absl::StatusOr<LogChunk> EventStore::ReadAll(GlobalPosition from, const ReadFilter& filter,
                                             const ChunkLimits& limits) const {
  return impl_->ReadAll(from, filter, limits);
}

absl::Status EventStore::ValidateFilter(const ReadFilter& filter, absl::string_view field) const {
  if (auto st = ValidateStreamPrefix(filter.stream_prefix, absl::StrCat(field, ".stream_prefix"));
      !st.ok()) {
    return st;
  }
  for (size_t i = 0; i < filter.event_types.size(); ++i) {
    const std::string type_field = absl::StrCat(field, ".event_types[", i, "]");
    if (auto st = ValidateEventType(filter.event_types[i], type_field); !st.ok()) return st;
    if (!impl_->TypeKnown(filter.event_types[i])) {
      std::vector<std::string> known = impl_->KnownTypes();
      constexpr size_t kMaxListed = 20;
      const bool truncated = known.size() > kMaxListed;
      if (truncated) known.resize(kMaxListed);
      return absl::InvalidArgumentError(absl::StrCat(
          type_field, ": no event of type '", filter.event_types[i],
          "' has been recorded; recorded types: ",
          known.empty() ? "(none)" : absl::StrJoin(known, ", "), truncated ? ", ..." : ""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Event>> EventStore::ReadAllEvents(GlobalPosition from,
                                                                 const ReadFilter& filter,
                                                                 const ChunkLimits& limits) const {
  auto chunk = ReadAll(from, filter, limits);
  if (!chunk.ok()) return chunk.status();
  std::vector<v1::Event> events(chunk->events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (!events[i].ParseFromString(chunk->events[i])) {
      return absl::DataLossError("a stored event cannot be decoded");
    }
  }
  return events;
}

absl::StatusOr<VerifyResult> EventStore::VerifyChain(GlobalPosition from,
                                                     std::optional<GlobalPosition> to) const {
  return impl_->VerifyChain(from, to);
}

absl::StatusOr<ReadModelHandle> EventStore::OpenReadModel(absl::string_view name) {
  return impl_->OpenReadModel(name);
}

absl::StatusOr<BackupRecord> EventStore::Backup(const std::string& backup_dir,
                                                const std::string& label) {
  return impl_->Backup(backup_dir, label);
}

absl::StatusOr<uint32_t> EventStore::PurgeBackups(const std::string& backup_dir, uint32_t keep) {
  return backup::Purge(backup_dir, keep);
}

absl::Status EventStore::CheckRestoreTarget(const std::string& data_dir) {
  std::error_code ec;
  if (std::filesystem::exists(data_dir, ec) && !std::filesystem::is_empty(data_dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data_dir: '", data_dir, "' is not empty: a backup is restored into a new directory"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<BackupRecord>> EventStore::ListBackups(const std::string& backup_dir) {
  return backup::List(backup_dir);
}

absl::StatusOr<RestoreResult> EventStore::RestoreBackup(const std::string& backup_dir,
                                                        uint32_t backup_id,
                                                        const std::string& data_dir) {
  if (auto st = CheckRestoreTarget(data_dir); !st.ok()) return st;
  auto record = backup::RestoreFiles(backup_dir, backup_id, data_dir);
  if (!record.ok()) return record.status();
  StoreOptions options;
  options.data_dir = data_dir;
  options.block_cache_bytes = 8 << 20;
  auto store = Open(options);
  if (!store.ok()) return store.status();
  const auto lost = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat("backup ", record->backup_id, " of '", backup_dir,
                                            "' restored into '", data_dir, "': ", what));
  };
  auto store_id = (*store)->impl_->StoreId();
  if (!store_id.ok()) return store_id.status();
  if (*store_id != record->store_id) {
    return lost(absl::StrCat("the restored store is '", *store_id, "', the backup was taken of '",
                             record->store_id, "'"));
  }
  RestoreResult result;
  result.backup = *record;
  result.events = (*store)->CommittedEnd().value;
  if (result.events < record->log_end) {
    return lost(absl::StrCat("the restored log ends at position ", result.events,
                             ", before the checkpoint's log end ", record->log_end));
  }
  if (record->log_end > 0) {
    auto head = (*store)->VerifyChain(GlobalPosition{0}, GlobalPosition{record->log_end - 1});
    if (!head.ok()) return head.status();
    if (!head->ok) {
      return lost(absl::StrCat("the chain breaks at position ", head->first_bad_position.value,
                               ": ", head->reason));
    }
    if (head->head_hash_hex != record->head_hash_hex) {
      return lost(absl::StrCat("the event at position ", record->log_end - 1, " has hash ",
                               head->head_hash_hex, "; the backup recorded ",
                               record->head_hash_hex));
    }
    result.head_hash_hex = head->head_hash_hex;
  }
  if (result.events > record->log_end) {
    auto tail = (*store)->VerifyChain(GlobalPosition{record->log_end}, std::nullopt);
    if (!tail.ok()) return tail.status();
    if (!tail->ok) {
      return lost(absl::StrCat("the chain breaks at position ", tail->first_bad_position.value,
                               ": ", tail->reason));
    }
    result.head_hash_hex = tail->head_hash_hex;
  }
  return result;
}

absl::StatusOr<std::optional<GlobalPosition>> EventStore::LoadCheckpoint(
    absl::string_view consumer) const {
  return impl_->LoadCheckpoint(consumer);
}

absl::Status EventStore::CommitConsumer(absl::string_view consumer, GlobalPosition next_position,
                                        const ConsumerBatch& batch) {
  return impl_->CommitConsumer(consumer, next_position, batch);
}

absl::Status EventStore::ResetConsumer(absl::string_view consumer, const ReadModelHandle& model) {
  return impl_->ResetConsumer(consumer, model);
}

uint64_t EventStore::Impl::BackgroundJobs() const {
  uint64_t total = 0;
  uint64_t value = 0;
  for (const char* property : {"rocksdb.num-running-flushes", "rocksdb.num-running-compactions"}) {
    if (db_->GetIntProperty(property, &value)) total += value;
  }
  std::lock_guard<std::mutex> lock(read_models_mu_);  // all_handles_ grows with read models
  for (rocksdb::ColumnFamilyHandle* family : all_handles_) {
    for (const char* property : {"rocksdb.compaction-pending", "rocksdb.mem-table-flush-pending"}) {
      if (db_->GetIntProperty(family, property, &value)) total += value;
    }
  }
  return total;
}

uint64_t EventStore::BackgroundJobs() const { return impl_->BackgroundJobs(); }

WriterStats EventStore::Stats() const { return impl_->Stats(); }

uint64_t SizeHistogram::total() const {
  uint64_t n = 0;
  for (const uint64_t c : counts) n += c;
  return n;
}

absl::StatusOr<std::optional<std::string>> EventStore::ReadModelGet(const ReadModelHandle& model,
                                                                    absl::string_view key) const {
  return impl_->ReadModelGet(model, key);
}

absl::Status EventStore::ReadModelScan(
    const ReadModelHandle& model, absl::string_view prefix,
    const std::function<bool(absl::string_view, absl::string_view)>& visit) const {
  return impl_->ReadModelScan(model, prefix, visit);
}

void SkipMemtableEntryForTesting(bool skip) { skip_memtable_entry_for_testing.store(skip); }

}  // namespace footprint::eventstore
