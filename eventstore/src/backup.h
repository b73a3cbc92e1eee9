// Backups of a store's RocksDB with BackupEngine, and the checkpoint kept in each backup's
// metadata (internal to the event store; EventStore::Backup and RestoreBackup are the API).
#ifndef FOOTPRINT_EVENTSTORE_SRC_BACKUP_H_
#define FOOTPRINT_EVENTSTORE_SRC_BACKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "rocksdb/db.h"

namespace footprint::eventstore::backup {

// What is recorded with a backup, read from the store just before it is taken.
struct Checkpoint {
  std::string store_id;
  uint64_t log_end = 0;
  std::string head_hash_hex;
  absl::Time created_at;
  std::string label;
};

// Backs `db` up into `dir` (created if missing).
absl::StatusOr<BackupRecord> Create(rocksdb::DB* db, const std::string& dir,
                                    const Checkpoint& checkpoint);

// Deletes all but the newest `keep` backups in `dir` (0: none). Returns how many are left.
absl::StatusOr<uint32_t> Purge(const std::string& dir, uint32_t keep);

// The backups in `dir`, oldest first; NOT_FOUND if there are none.
absl::StatusOr<std::vector<BackupRecord>> List(const std::string& dir);

// Checks backup `backup_id` (0: the newest) file by file against its checksums and copies it
// into `data_dir`. Returns its record.
absl::StatusOr<BackupRecord> RestoreFiles(const std::string& dir, uint32_t backup_id,
                                          const std::string& data_dir);

}  // namespace footprint::eventstore::backup

#endif  // FOOTPRINT_EVENTSTORE_SRC_BACKUP_H_
