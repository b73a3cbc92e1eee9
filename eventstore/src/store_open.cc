// EventStore::Impl: opening and closing (store_impl.h).
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "commit_mark.h"
#include "event_codec.h"
#include "key_format.h"
#include "rocks_loggers.h"
#include "rocks_status.h"
#include "rocks_tuning.h"
#include "rocksdb/write_batch.h"
#include "store_impl.h"

namespace footprint::eventstore {

EventStore::Impl::Impl(const StoreOptions& options, CommitNotifier* notifier)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : SystemClock::Get()),
      notifier_(notifier) {}

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

  const StoreTuning tuning = TuneStore(options_);
  read_model_options_ = tuning.read_models;
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(tuning.db, options_.data_dir, &existing).ok()) {
    existing.clear();  // a new store
  }
  const std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = tuning.Descriptors(existing);

  // Recovery writes (it flushes what it replayed and deletes the old write-ahead log files), so
  // first check, read-only, that the log holds every acknowledged event: a damaged log is then
  // refused with its files as they were.
  if (acknowledged->value_or(0) > 0) {
    if (auto st = CheckAgainstMark(tuning.db, descriptors, **acknowledged); !st.ok()) return st;
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(tuning.db, options_.data_dir, descriptors, &handles, &db);
  if (!s.ok()) {
    if (s.IsIOError() && absl::StrContains(s.ToString(), "lock")) {
      return absl::UnavailableError(absl::StrCat(
          "data_dir: '", options_.data_dir, "' is in use by another process (", s.ToString(), ")"));
    }
    return FromRocks(s, absl::StrCat("opening '", options_.data_dir, "'"));
  }
  db_.reset(db);
  if (absl::Status st = families_.Adopt(std::move(handles)); !st.ok()) return st;

  if (absl::Status st = InitMeta(); !st.ok()) return st;
  writer_ = std::make_unique<GroupCommitWriter>(
      GroupCommitWriter::Parts{db_.get(), &families_, &types_, notifier_, clock_},
      GroupCommitWriter::Options{options_.max_group_bytes, options_.commit_mark_sync_interval});
  auto log_end = writer_->Recover();
  if (!log_end.ok()) return log_end.status();
  if (*log_end < acknowledged->value_or(0)) return MissingEvents(*log_end, **acknowledged, "");
  if (auto st = writer_->OpenMark(env(), options_.data_dir); !st.ok()) return st;
  notifier_->Publish(*log_end);
  writer_->Start();
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
  rocksdb::DB* opened = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(options, options_.data_dir, descriptors, &handles, &opened);
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
  std::unique_ptr<rocksdb::DB> db(opened);
  ColumnFamilies families;
  absl::Status adopted = families.Adopt(std::move(handles));
  uint64_t log_end = 0;
  rocksdb::Status it_status;
  if (adopted.ok()) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), families.events()));
    it->SeekToLast();
    if (it->Valid()) {
      const auto position = keys::DecodeEventKey(AsView(it->key()));
      log_end = position ? *position + 1 : 0;
    }
    it_status = it->status();
  }
  families.Close(db.get());
  db->Close();
  if (!adopted.ok()) return adopted;
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

absl::Status EventStore::Impl::InitMeta() {
  rocksdb::ColumnFamilyHandle* meta = families_.meta();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta, keys::kMetaSchemaVersion, &value);
  if (s.IsNotFound()) {
    rocksdb::WriteBatch batch;
    batch.Put(meta, keys::kMetaSchemaVersion, std::to_string(keys::kSchemaVersion));
    batch.Put(meta, keys::kMetaStoreId, EventId::Generate().ToString());
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
            db_->Put(wo, meta, keys::kMetaSchemaVersion, std::to_string(keys::kSchemaVersion)),
            "writing the schema version");
        !st.ok()) {
      return st;
    }
  } else if (value != std::to_string(keys::kSchemaVersion)) {
    return absl::FailedPreconditionError(absl::StrCat("data_dir: schema version ", value,
                                                      " is not supported (expected ",
                                                      keys::kSchemaVersion, ")"));
  }

  std::vector<std::string> types;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta));
  for (it->Seek(keys::kMetaTypePrefix); it->Valid() && it->key().starts_with(keys::kMetaTypePrefix);
       it->Next()) {
    types.emplace_back(AsView(it->key()).substr(sizeof(keys::kMetaTypePrefix) - 1));
  }
  types_.Add(std::move(types));
  return FromRocks(it->status(), "reading the event type registry");
}

void EventStore::Impl::Close() {
  // The writer first: it commits what is queued, and its commit mark is synced as it goes.
  writer_.reset();
  if (db_ != nullptr) {
    families_.Close(db_.get());
    db_->Close();
    db_.reset();
  }
  if (dir_lock_ != nullptr) {
    (void)env()->UnlockFile(dir_lock_);
    dir_lock_ = nullptr;
  }
}

uint64_t EventStore::Impl::BackgroundJobs() const {
  uint64_t total = 0;
  uint64_t value = 0;
  for (const char* property : {"rocksdb.num-running-flushes", "rocksdb.num-running-compactions"}) {
    if (db_->GetIntProperty(property, &value)) total += value;
  }
  families_.ForEach([&](rocksdb::ColumnFamilyHandle* family) {
    for (const char* property : {"rocksdb.compaction-pending", "rocksdb.mem-table-flush-pending"}) {
      if (db_->GetIntProperty(family, property, &value)) total += value;
    }
  });
  return total;
}

}  // namespace footprint::eventstore
