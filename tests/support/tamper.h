// Changes a store's data files behind its back, as an attacker with disk access would: RocksDB
// opened directly, one value rewritten, added or erased. The store must be closed.
#ifndef FOOTPRINT_TESTS_SUPPORT_TAMPER_H_
#define FOOTPRINT_TESTS_SUPPORT_TAMPER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "rocksdb/db.h"

namespace footprint::testing {

// Opens RocksDB in `data_dir` with every column family and runs `change` on the family named
// `family`.
inline void WithFamily(
    const std::string& data_dir, const std::string& family,
    const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& change) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(options, data_dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(options, data_dir, descriptors, &handles, &db).ok());
  rocksdb::ColumnFamilyHandle* target = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == family) target = handles[i];
  }
  REQUIRE(target != nullptr);
  change(db, target);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

// Rewrites the stored value of `key` with `edit`, or erases it.
inline void Tamper(const std::string& data_dir, const std::string& family, const std::string& key,
                   const std::function<void(std::string*)>& edit, bool erase = false) {
  WithFamily(data_dir, family, [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* target) {
    if (erase) {
      REQUIRE(db->Delete(rocksdb::WriteOptions(), target, key).ok());
    } else {
      std::string value;
      REQUIRE(db->Get(rocksdb::ReadOptions(), target, key, &value).ok());
      edit(&value);
      REQUIRE(db->Put(rocksdb::WriteOptions(), target, key, value).ok());
    }
  });
}

// Adds (or overwrites) `key` with `value`.
inline void TamperPut(const std::string& data_dir, const std::string& family,
                      const std::string& key, const std::string& value) {
  WithFamily(data_dir, family, [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* target) {
    REQUIRE(db->Put(rocksdb::WriteOptions(), target, key, value).ok());
  });
}

}  // namespace footprint::testing

#endif  // FOOTPRINT_TESTS_SUPPORT_TAMPER_H_
