#include "group_commit_writer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "event_codec.h"
#include "fault_hooks.h"
#include "key_format.h"
#include "rocks_status.h"
#include "stream_index.h"

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

}  // namespace

void SkipMemtableEntryForTesting(bool skip) { skip_memtable_entry_for_testing.store(skip); }

GroupCommitWriter::Timestamp GroupCommitWriter::ToTimestamp(absl::Time t) {
  const absl::Duration since_epoch = t - absl::UnixEpoch();
  const int64_t nanos_total = absl::ToInt64Nanoseconds(since_epoch);
  Timestamp ts{nanos_total / 1'000'000'000, static_cast<int32_t>(nanos_total % 1'000'000'000)};
  if (ts.nanos < 0) {
    ts.seconds -= 1;
    ts.nanos += 1'000'000'000;
  }
  return ts;
}

GroupCommitWriter::GroupCommitWriter(Parts parts, Options options)
    : parts_(parts), options_(options) {}

GroupCommitWriter::~GroupCommitWriter() { Stop(); }

// --- Opening ----------------------------------------------------------------------------------

absl::StatusOr<uint64_t> GroupCommitWriter::Recover() {
  base::ThreadRole::Scope role(&role_);
  std::unique_ptr<rocksdb::Iterator> it(
      parts_.db->NewIterator(rocksdb::ReadOptions(), parts_.families->events()));
  it->SeekToLast();
  if (!it->Valid()) {
    if (auto st = FromRocks(it->status(), "reading the last event"); !st.ok()) return st;
    next_position_ = 0;
    chain_head_ = codec::GenesisHash();
  } else {
    const auto position = keys::DecodeEventKey(AsView(it->key()));
    v1::Event last;
    if (!position ||
        !last.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
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
  }
  if (absl::Status st = KeepMemtableEntry(); !st.ok()) return st;
  return next_position_;
}

absl::Status GroupCommitWriter::OpenMark(rocksdb::Env* env, const std::string& dir) {
  base::ThreadRole::Scope role(&role_);
  auto mark = CommitMark::OpenForWrite(env, dir, next_position_);
  if (!mark.ok()) return mark.status();
  mark_ = std::move(*mark);
  if (auto st = mark_->Write(next_position_); !st.ok()) return st;
  return mark_->Sync();
}

void GroupCommitWriter::Start() {
  completer_ = std::thread([this] { CompleterLoop(); });
  writer_ = std::thread([this] { WriterLoop(); });
}

// --- Any thread ---------------------------------------------------------------------------------

void GroupCommitWriter::Submit(PreparedAppendPtr append, AppendCallback done) {
  {
    base::MutexLock lock(&queue_mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(append), std::move(done)});
      queue_cv_.Signal();
      return;
    }
  }
  std::move(done)(absl::UnavailableError("the event store is shutting down"));
}

void GroupCommitWriter::Stop() {
  {
    base::MutexLock lock(&queue_mu_);
    stopping_ = true;
    queue_cv_.SignalAll();
  }
  if (writer_.joinable()) writer_.join();
  {
    base::MutexLock lock(&completion_mu_);
    completer_stopping_ = true;
    completion_cv_.SignalAll();
  }
  if (completer_.joinable()) completer_.join();
}

WriterStats GroupCommitWriter::Stats() const {
  WriterStats stats;
  stats.synced_writes = synced_writes_.load(std::memory_order_relaxed);
  stats.failed_writes = failed_writes_.load(std::memory_order_relaxed);
  stats.groups = groups_.load(std::memory_order_relaxed);
  stats.appends_in_groups = appends_in_groups_.load(std::memory_order_relaxed);
  stats.events_committed = events_committed_.load(std::memory_order_relaxed);
  stats.commit_mark_failures = commit_mark_failures_.load(std::memory_order_relaxed);
  base::MutexLock lock(&histograms_mu_);
  stats.batch_events = batch_events_;
  stats.group_appends = group_appends_;
  return stats;
}

// --- The writer thread
// ----------------------------------------------------------------------------

void GroupCommitWriter::WriterLoop() {
  base::ThreadRole::Scope role(&role_);
  const absl::Duration interval = absl::FromChrono(options_.commit_mark_sync_interval);
  std::vector<Pending> group;
  while (true) {
    group.clear();
    {
      base::MutexLock lock(&queue_mu_);
      // Idle, the writer still wakes once per interval: appends that paused within an interval
      // of the commit mark's last sync left it written but unsynced, and it syncs it then.
      const absl::Time deadline = absl::Now() + interval;
      while (!stopping_ && queue_.empty()) {
        if (queue_cv_.WaitWithDeadline(&queue_mu_, deadline)) break;
      }
      if (queue_.empty() && stopping_) return;  // everything queued has been committed
      TakeGroupLocked(&group);
    }
    if (group.empty()) {
      SyncMarkIfDue();
    } else {
      ProcessGroup(group);
    }
  }
}

void GroupCommitWriter::CompleterLoop() {
  std::vector<Completion> batch;
  while (true) {
    {
      base::MutexLock lock(&completion_mu_);
      while (!completer_stopping_ && completions_.empty()) completion_cv_.Wait(&completion_mu_);
      if (completions_.empty()) return;  // stopping, and every callback has run
      batch.swap(completions_);
    }
    for (auto& c : batch) std::move(c.done)(std::move(c.result));
    batch.clear();
  }
}

void GroupCommitWriter::TakeGroupLocked(std::vector<Pending>* group) {
  size_t bytes = 0;
  while (!queue_.empty() && (group->empty() || bytes < options_.max_group_bytes)) {
    bytes += queue_.front().append->total_bytes;
    group->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void GroupCommitWriter::ProcessGroup(std::vector<Pending>& group) {
  role_.AssertHeld();
  const uint64_t saved_position = next_position_;
  const std::string saved_head = chain_head_;
  const Timestamp saved_recorded = last_recorded_;

  Timestamp now = ToTimestamp(parts_.clock->Now());
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
    write_status = Commit(batch);
    (write_status.ok() ? synced_writes_ : failed_writes_).fetch_add(1, std::memory_order_relaxed);
  }
  groups_.fetch_add(1, std::memory_order_relaxed);
  appends_in_groups_.fetch_add(group.size(), std::memory_order_relaxed);
  if (write_status.ok()) {
    last_recorded_ = next_position_ != saved_position ? now : saved_recorded;
    for (auto& [stream, version] : state.heads) head_cache_[stream] = version;
    if (!state.new_types.empty()) parts_.types->Add(std::move(state.new_types));
    events_committed_.fetch_add(next_position_ - saved_position, std::memory_order_relaxed);
    if (next_position_ != saved_position) {
      WriteMark();  // before any append of the group is answered
      // Readers see the new end before the answers go out (a client reads its own events);
      // they are woken after, so that the answers do not wait for them.
      parts_.notifier->Advance(next_position_);
      RecordGroupSizes(group, outcomes);
    }
  } else {
    next_position_ = saved_position;
    chain_head_ = saved_head;
    last_recorded_ = saved_recorded;
    // Every outcome decided from the group's pending state (events written, a head moved or an
    // id stored by an earlier request of the group) was true only if the write succeeded: when
    // it failed, ABORTED at a version the stream never reached, or ALREADY_EXISTS at a position
    // that holds nothing, would be false. They all get the write's error (the outcome is
    // unknown to the client, who retries with the same ids).
    for (Outcome& outcome : outcomes) {
      if (outcome.depends_on_group) outcome.result = write_status;
    }
  }
  Reply(group, outcomes);
  // The end moved only if the write succeeded (a failed one put next_position_ back).
  if (next_position_ != saved_position) parts_.notifier->Publish(next_position_);
  SyncMarkIfDue();  // after the replies: at most one sync a second, off their path
}

absl::Status GroupCommitWriter::Commit(rocksdb::WriteBatch& batch) {
  // After a failed write RocksDB refuses writes until it has recovered (a full disk that has
  // space again, say): try that first, so appends resume without a restart.
  if (!needs_reopen_.ok()) return absl::UnavailableError(needs_reopen_.message());
  if (needs_resume_) {
    const rocksdb::Status resumed = parts_.db->Resume();
    if (resumed.IsBusy()) {
      return absl::UnavailableError(
          "the store is recovering from a failed write (a full disk?); try again shortly");
    }
    if (auto st = FromRocks(resumed, "recovering from the last failed write"); !st.ok()) {
      return st;
    }
    if (absl::Status left = CheckLeftFailedLog(); !left.ok()) {
      needs_reopen_ = left;
      return absl::UnavailableError(left.message());
    }
    needs_resume_ = false;
  }
  // Before every write, so that RocksDB's recovery from its failure leaves its log.
  if (auto st = KeepMemtableEntry(); !st.ok()) return st;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  absl::Status written = FromRocks(parts_.db->Write(wo, &batch), "committing appended events");
  if (!written.ok() && !needs_resume_) {
    needs_resume_ = true;
    NoteFailedWrite();
  }
  return written;
}

void GroupCommitWriter::Reply(std::vector<Pending>& group, std::vector<Outcome>& outcomes) {
  // With nothing queued, replying here is quickest (no thread hand-off for a lone client);
  // with appends waiting, the completion thread replies while the writer syncs the next group.
  bool queue_empty;
  {
    base::MutexLock lock(&queue_mu_);
    queue_empty = queue_.empty();
  }
  if (queue_empty) {
    for (size_t i = 0; i < group.size(); ++i) {
      std::move(group[i].done)(std::move(outcomes[i].result));
    }
    return;
  }
  base::MutexLock lock(&completion_mu_);
  for (size_t i = 0; i < group.size(); ++i) {
    completions_.push_back(Completion{std::move(group[i].done), std::move(outcomes[i].result)});
  }
  completion_cv_.Signal();
}

void GroupCommitWriter::RecordGroupSizes(const std::vector<Pending>& group,
                                         const std::vector<Outcome>& outcomes) {
  base::MutexLock lock(&histograms_mu_);
  uint64_t written = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    const auto& result = outcomes[i].result;
    if (!result.ok() || result->duplicate) continue;
    AddToHistogram(&batch_events_, group[i].append->events.size());
    ++written;
  }
  AddToHistogram(&group_appends_, written);
}

absl::StatusOr<std::optional<GroupCommitWriter::IdLocation>> GroupCommitWriter::FindStoredId(
    const EventId& id) const {
  std::string position_bytes;
  rocksdb::Status s = parts_.db->Get(rocksdb::ReadOptions(), parts_.families->ids(),
                                     AsSlice(id.bytes_view()), &position_bytes);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "looking up an event id");
  const auto position = keys::DecodeU64BigEndian(position_bytes);
  if (!position) return absl::DataLossError("malformed id index entry");
  std::string value;
  s = parts_.db->Get(rocksdb::ReadOptions(), parts_.families->events(), keys::EventKey(*position),
                     &value);
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

absl::StatusOr<std::optional<uint64_t>> GroupCommitWriter::HeadForWriter(const std::string& stream,
                                                                         const GroupState& group,
                                                                         bool* from_group) {
  if (auto it = group.heads.find(stream); it != group.heads.end()) {
    *from_group = true;
    return it->second;
  }
  if (auto it = head_cache_.find(stream); it != head_cache_.end()) return it->second;
  auto head = ReadStreamHead(parts_.db, parts_.families->streams(), rocksdb::ReadOptions(), stream);
  if (!head.ok()) return head.status();
  if (!head->has_value()) return std::nullopt;
  head_cache_.emplace(stream, (*head)->value);
  return (*head)->value;
}

GroupCommitWriter::Outcome GroupCommitWriter::ProcessOne(const PreparedAppend& append,
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
    batch.Put(parts_.families->events(), position_key, value);
    batch.Put(parts_.families->streams(), keys::StreamKey(stream, seal.version), position_key);
    batch.Put(parts_.families->ids(), AsSlice(event.id.bytes_view()), position_key);
    if (!parts_.types->Known(event.type) &&
        std::find(group.new_types.begin(), group.new_types.end(), event.type) ==
            group.new_types.end()) {
      batch.Put(parts_.families->meta(), keys::MetaTypeKey(event.type), "");
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

// --- Failed writes and the commit mark ----------------------------------------------------------

// RocksDB 7.8 (Debian 12's) leaves the write-ahead log of a failed write at its recovery only
// when some column family's active memtable holds an entry: its recovery flush then switches to a
// new log and moves every family's recovery past the old one. With every memtable empty (the
// first write after an open, or after a recovery flush) it goes on writing the old log, whose
// writer has seen the error (facebook/rocksdb#12873, fixed in RocksDB 9.x): the next write fails
// an assertion in Debian's build, which aborts the process, and a restart would replay the failed
// record beside the events given its positions since. So `meta` always holds an entry written
// without the log (its value means nothing), and when a failure finds every memtable empty all
// the same, the store stops writing instead (CheckLeftFailedLog).
absl::Status GroupCommitWriter::KeepMemtableEntry() {
  if (skip_memtable_entry_for_testing.load(std::memory_order_relaxed)) return absl::OkStatus();
  uint64_t entries = 0;
  if (parts_.db->GetIntProperty(parts_.families->meta(), "rocksdb.num-entries-active-mem-table",
                                &entries) &&
      entries > 0) {
    return absl::OkStatus();
  }
  rocksdb::WriteOptions no_log;
  no_log.disableWAL = true;
  return FromRocks(parts_.db->Put(no_log, parts_.families->meta(), keys::kMetaMemtableEntry, ""),
                   "keeping an entry in the meta memtable");
}

void GroupCommitWriter::NoteFailedWrite() {
  std::unique_ptr<rocksdb::LogFile> log;
  failed_log_ = parts_.db->GetCurrentWalFile(&log).ok() && log != nullptr ? log->LogNumber() : 0;
  bool any = false;
  parts_.families->ForEach([&](rocksdb::ColumnFamilyHandle* family) {
    uint64_t entries = 0;
    any |= parts_.db->GetIntProperty(family, "rocksdb.num-entries-active-mem-table", &entries) &&
           entries > 0;
  });
  failed_log_kept_ = !any;
}

absl::Status GroupCommitWriter::CheckLeftFailedLog() {
  if (!failed_log_kept_) return absl::OkStatus();
  std::unique_ptr<rocksdb::LogFile> log;
  if (parts_.db->GetCurrentWalFile(&log).ok() && log != nullptr &&
      log->LogNumber() != failed_log_) {
    return absl::OkStatus();  // something switched logs meanwhile
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the store cannot write again in this process: RocksDB recovered from the failed write "
      "without leaving its write-ahead log (",
      failed_log_,
      ", facebook/rocksdb#12873); restart footprintd (nothing acknowledged is lost, and the "
      "failed appends' outcome is then in the log: retry them with the same event ids)"));
}

void GroupCommitWriter::WriteMark() {
  if (mark_ == nullptr) return;
  if (!mark_->Write(next_position_).ok()) {
    commit_mark_failures_.fetch_add(1, std::memory_order_relaxed);
  }
}

void GroupCommitWriter::SyncMarkIfDue() {
  if (mark_ == nullptr) return;
  if (!mark_->SyncIfDue(options_.commit_mark_sync_interval).ok()) {
    commit_mark_failures_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace footprint::eventstore
