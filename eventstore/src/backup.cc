#include "backup.h"

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "rocks_status.h"
#include "rocksdb/env.h"
#include "rocksdb/utilities/backup_engine.h"

namespace footprint::eventstore::backup {
namespace {

// The format of the metadata below; a backup with another is refused, not misread.
constexpr int kMetadataFormat = 1;

rocksdb::BackupEngineOptions EngineOptions(const std::string& dir) {
  rocksdb::BackupEngineOptions options(dir);
  options.share_table_files = true;  // table files common to several backups are copied once
  options.sync = true;               // a backup that was reported done survives a crash
  options.max_background_operations = 1;
  return options;
}

std::string EncodeMetadata(const Checkpoint& c) {
  nlohmann::json j = {
      {"format", kMetadataFormat},
      {"store_id", c.store_id},
      {"log_end", c.log_end},
      {"head_hash", c.head_hash_hex},
      {"created_at", absl::FormatTime(absl::RFC3339_full, c.created_at, absl::UTCTimeZone())},
      {"label", c.label}};
  return j.dump();
}

absl::StatusOr<BackupRecord> Decode(const std::string& dir, const rocksdb::BackupInfo& info) {
  BackupRecord record;
  record.backup_id = info.backup_id;
  record.size_bytes = info.size;
  record.files = info.number_files;
  const auto bad = [&](const std::string& why) {
    return absl::DataLossError(
        absl::StrCat("backup ", info.backup_id, " in '", dir, "': its checkpoint metadata ", why));
  };
  const nlohmann::json j = nlohmann::json::parse(info.app_metadata, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("is not JSON (not a Footprint backup?)");
  try {
    if (!j.contains("format") || !j.at("format").is_number_integer() ||
        j.at("format").get<int>() != kMetadataFormat) {
      return bad(absl::StrCat("has format ", j.contains("format") ? j.at("format").dump() : "none",
                              ", expected ", kMetadataFormat));
    }
    record.store_id = j.at("store_id").get<std::string>();
    record.log_end = j.at("log_end").get<uint64_t>();
    record.head_hash_hex = j.at("head_hash").get<std::string>();
    record.label = j.at("label").get<std::string>();
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, j.at("created_at").get<std::string>(),
                         &record.created_at, &error)) {
      return bad(absl::StrCat("has a bad created_at: ", error));
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(absl::StrCat("is incomplete: ", e.what()));
  }
  if ((record.log_end == 0) != record.head_hash_hex.empty()) {
    return bad("has a head hash that does not fit its log end");
  }
  return record;
}

absl::Status RequireBackupDir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("backup_dir: '", dir, "' is not a directory"));
  }
  // BackupEngine keeps one file per backup under meta/.
  if (!std::filesystem::is_directory(std::filesystem::path(dir) / "meta", ec)) {
    return absl::NotFoundError(absl::StrCat("backup_dir: '", dir, "' holds no backups"));
  }
  return absl::OkStatus();
}

template <typename Engine>
absl::StatusOr<std::unique_ptr<Engine>> OpenEngine(const std::string& dir) {
  Engine* raw = nullptr;
  rocksdb::IOStatus s = Engine::Open(EngineOptions(dir), rocksdb::Env::Default(), &raw);
  std::unique_ptr<Engine> engine(raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("backup_dir: opening '", dir, "'"));
  return engine;
}

// A read-only engine on an existing backup directory.
absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenReadOnly(
    const std::string& dir) {
  if (auto st = RequireBackupDir(dir); !st.ok()) return st;
  return OpenEngine<rocksdb::BackupEngineReadOnly>(dir);
}

// Its backups, oldest first; NOT_FOUND when there are none.
absl::Status Infos(rocksdb::BackupEngineReadOnly& engine, const std::string& dir,
                   std::vector<rocksdb::BackupInfo>* infos) {
  engine.GetBackupInfo(infos);
  if (infos->empty()) {
    return absl::NotFoundError(absl::StrCat("backup_dir: '", dir, "' holds no backups"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BackupRecord> Create(rocksdb::DB* db, const std::string& dir,
                                    const Checkpoint& checkpoint) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("backup_dir: cannot create '", dir, "': ", ec.message()));
  }
  auto engine = OpenEngine<rocksdb::BackupEngine>(dir);
  if (!engine.ok()) return engine.status();
  // Flushing first makes the backup table files only (no partly copied write-ahead log).
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  rocksdb::IOStatus s =
      (*engine)->CreateNewBackupWithMetadata(options, db, EncodeMetadata(checkpoint), &id);
  if (!s.ok()) {
    // A failed backup leaves files that the next engine open would otherwise keep.
    (void)(*engine)->GarbageCollect();
    return FromRocks(s, absl::StrCat("backup into '", dir, "'"));
  }
  rocksdb::BackupInfo info;
  if (auto st = FromRocks((*engine)->GetBackupInfo(id, &info), "reading the new backup's record");
      !st.ok()) {
    return st;
  }
  return Decode(dir, info);
}

absl::StatusOr<uint32_t> Purge(const std::string& dir, uint32_t keep) {
  auto engine = OpenEngine<rocksdb::BackupEngine>(dir);
  if (!engine.ok()) return engine.status();
  if (keep > 0) {
    if (auto st =
            FromRocks((*engine)->PurgeOldBackups(keep),
                      absl::StrCat("deleting backups beyond the newest ", keep, " in '", dir, "'"));
        !st.ok()) {
      return st;
    }
  }
  std::vector<rocksdb::BackupInfo> infos;
  (*engine)->GetBackupInfo(&infos);
  return static_cast<uint32_t>(infos.size());
}

absl::StatusOr<std::vector<BackupRecord>> List(const std::string& dir) {
  auto engine = OpenReadOnly(dir);
  if (!engine.ok()) return engine.status();
  std::vector<rocksdb::BackupInfo> infos;
  if (auto st = Infos(**engine, dir, &infos); !st.ok()) return st;
  std::vector<BackupRecord> records;
  for (const auto& info : infos) {
    auto record = Decode(dir, info);
    if (!record.ok()) return record.status();
    records.push_back(*std::move(record));
  }
  return records;
}

absl::StatusOr<BackupRecord> RestoreFiles(const std::string& dir, uint32_t backup_id,
                                          const std::string& data_dir) {
  auto engine = OpenReadOnly(dir);
  if (!engine.ok()) return engine.status();
  std::vector<rocksdb::BackupInfo> infos;
  if (auto st = Infos(**engine, dir, &infos); !st.ok()) return st;
  const rocksdb::BackupInfo* chosen = backup_id == 0 ? &infos.back() : nullptr;
  std::vector<uint32_t> ids;
  for (const auto& info : infos) {
    ids.push_back(info.backup_id);
    if (info.backup_id == backup_id) chosen = &info;
  }
  if (chosen == nullptr) {
    return absl::NotFoundError(absl::StrCat("backup_id: ", backup_id, " is not in '", dir,
                                            "' (it holds ", absl::StrJoin(ids, ", "), ")"));
  }
  auto record = Decode(dir, *chosen);
  if (!record.ok()) return record.status();
  // Every file against the checksum recorded when it was copied: a damaged backup is named,
  // not restored.
  rocksdb::IOStatus s = (*engine)->VerifyBackup(chosen->backup_id, /*verify_with_checksum=*/true);
  if (!s.ok()) {
    return absl::DataLossError(
        absl::StrCat("backup ", chosen->backup_id, " in '", dir, "' is damaged: ", s.ToString()));
  }
  s = (*engine)->RestoreDBFromBackup(rocksdb::RestoreOptions(), chosen->backup_id, data_dir,
                                     data_dir);
  if (!s.ok()) {
    return FromRocks(s, absl::StrCat("restoring backup ", chosen->backup_id, " of '", dir,
                                     "' into '", data_dir, "'"));
  }
  return record;
}

}  // namespace footprint::eventstore::backup
