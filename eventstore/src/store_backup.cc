// EventStore::Impl: online backups (store_impl.h); the BackupEngine side is backup.h.
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "backup.h"
#include "event_codec.h"
#include "key_format.h"
#include "rocks_status.h"
#include "store_impl.h"

namespace footprint::eventstore {

absl::StatusOr<std::string> EventStore::Impl::StoreId() const {
  std::string value;
  if (auto st =
          FromRocks(db_->Get(rocksdb::ReadOptions(), families_.meta(), keys::kMetaStoreId, &value),
                    "reading the store id");
      !st.ok()) {
    return st;
  }
  return value;
}

absl::StatusOr<BackupRecord> EventStore::Impl::Backup(const std::string& dir,
                                                      const std::string& label) {
  if (!backup_mu_.TryLock()) {
    return absl::AbortedError(
        "backup: another backup of this store is running; try again when it has finished");
  }
  auto record = BackupLocked(dir, label);
  backup_mu_.Unlock();
  return record;
}

absl::StatusOr<BackupRecord> EventStore::Impl::BackupLocked(const std::string& dir,
                                                            const std::string& label) {
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
    if (auto st = FromRocks(db_->Get(rocksdb::ReadOptions(), families_.events(),
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
  return backup::Create(db_.get(), dir, checkpoint);
}

// --- EventStore's backup functions ---

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

}  // namespace footprint::eventstore
