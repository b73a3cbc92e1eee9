// How the store tunes RocksDB: the database options and each column family's options, with the
// reasons (memtable insert hints, bloom filters, WAL limits, recovery mode).
#ifndef FOOTPRINT_EVENTSTORE_SRC_ROCKS_TUNING_H_
#define FOOTPRINT_EVENTSTORE_SRC_ROCKS_TUNING_H_

#include <string>
#include <vector>

#include "eventstore/event_store.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace footprint::eventstore {

struct StoreTuning {
  rocksdb::DBOptions db;
  rocksdb::ColumnFamilyOptions plain;  // default, checkpoints, meta
  rocksdb::ColumnFamilyOptions events;
  rocksdb::ColumnFamilyOptions streams;
  rocksdb::ColumnFamilyOptions ids;
  rocksdb::ColumnFamilyOptions read_models;  // every "rm.<name>"

  // What DB::Open needs: the core families, then every read model among `existing` (the
  // families on disk, from DB::ListColumnFamilies).
  std::vector<rocksdb::ColumnFamilyDescriptor> Descriptors(
      const std::vector<std::string>& existing) const;
};

StoreTuning TuneStore(const StoreOptions& options);

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_ROCKS_TUNING_H_
