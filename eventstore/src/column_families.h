// ColumnFamilies: the store's RocksDB column families, by name, and the read models' families
// created while it runs.
//
// The five families every store has are named members (no indexes into a handle vector); read
// models ("rm.<name>") are found by name. The handles are owned here and destroyed by Close,
// before the DB they belong to.
//
// Thread-safety: the named handles are set once at open and then only read; the read-model
// registry takes its own lock.
#ifndef FOOTPRINT_EVENTSTORE_SRC_COLUMN_FAMILIES_H_
#define FOOTPRINT_EVENTSTORE_SRC_COLUMN_FAMILIES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/mutex.h"
#include "rocksdb/db.h"

namespace footprint::eventstore {

class ColumnFamilies {
 public:
  ColumnFamilies() = default;
  ColumnFamilies(const ColumnFamilies&) = delete;
  ColumnFamilies& operator=(const ColumnFamilies&) = delete;

  // Takes the handles DB::Open returned and sorts them by name. INTERNAL if one of the core
  // families is missing (DB::Open creates them, so that is a bug).
  absl::Status Adopt(std::vector<rocksdb::ColumnFamilyHandle*> handles);

  rocksdb::ColumnFamilyHandle* events() const { return events_; }
  rocksdb::ColumnFamilyHandle* streams() const { return streams_; }
  rocksdb::ColumnFamilyHandle* ids() const { return ids_; }
  rocksdb::ColumnFamilyHandle* checkpoints() const { return checkpoints_; }
  rocksdb::ColumnFamilyHandle* meta() const { return meta_; }

  // The read model's family, created in `db` with `options` on first use.
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> ReadModel(
      rocksdb::DB* db, const rocksdb::ColumnFamilyOptions& options, absl::string_view name);

  // Calls `visit` for every family, read models included.
  void ForEach(const std::function<void(rocksdb::ColumnFamilyHandle*)>& visit) const;

  // Destroys every handle (before `db` is closed).
  void Close(rocksdb::DB* db);

 private:
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_ = nullptr;
  rocksdb::ColumnFamilyHandle* ids_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;

  mutable base::Mutex mu_;
  // Every handle, owned (the core ones, `default`, and the read models).
  std::vector<rocksdb::ColumnFamilyHandle*> all_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, rocksdb::ColumnFamilyHandle*> read_models_
      ABSL_GUARDED_BY(mu_);  // by read model name
};

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_COLUMN_FAMILIES_H_
