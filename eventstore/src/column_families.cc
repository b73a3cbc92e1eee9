#include "column_families.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "key_format.h"
#include "rocks_status.h"

namespace footprint::eventstore {

absl::Status ColumnFamilies::Adopt(std::vector<rocksdb::ColumnFamilyHandle*> handles) {
  base::MutexLock lock(&mu_);
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    const std::string& name = handle->GetName();
    if (name == keys::kEventsFamily) {
      events_ = handle;
    } else if (name == keys::kStreamsFamily) {
      streams_ = handle;
    } else if (name == keys::kIdsFamily) {
      ids_ = handle;
    } else if (name == keys::kCheckpointsFamily) {
      checkpoints_ = handle;
    } else if (name == keys::kMetaFamily) {
      meta_ = handle;
    } else if (absl::StartsWith(name, keys::kReadModelFamilyPrefix)) {
      read_models_.emplace(name.substr(sizeof(keys::kReadModelFamilyPrefix) - 1), handle);
    }
    all_.push_back(handle);
  }
  for (const auto& [family, name] :
       {std::pair{events_, keys::kEventsFamily}, std::pair{streams_, keys::kStreamsFamily},
        std::pair{ids_, keys::kIdsFamily}, std::pair{checkpoints_, keys::kCheckpointsFamily},
        std::pair{meta_, keys::kMetaFamily}}) {
    if (family == nullptr) {
      return absl::InternalError(absl::StrCat("column family '", name, "' was not opened"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<rocksdb::ColumnFamilyHandle*> ColumnFamilies::ReadModel(
    rocksdb::DB* db, const rocksdb::ColumnFamilyOptions& options, absl::string_view name) {
  base::MutexLock lock(&mu_);
  if (auto it = read_models_.find(name); it != read_models_.end()) return it->second;
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  rocksdb::Status s = db->CreateColumnFamily(options, keys::ReadModelFamily(name), &handle);
  if (!s.ok()) return FromRocks(s, absl::StrCat("creating read model '", name, "'"));
  read_models_.emplace(std::string(name), handle);
  all_.push_back(handle);
  return handle;
}

void ColumnFamilies::ForEach(const std::function<void(rocksdb::ColumnFamilyHandle*)>& visit) const {
  base::MutexLock lock(&mu_);
  for (rocksdb::ColumnFamilyHandle* handle : all_) visit(handle);
}

void ColumnFamilies::Close(rocksdb::DB* db) {
  base::MutexLock lock(&mu_);
  read_models_.clear();
  for (rocksdb::ColumnFamilyHandle* handle : all_) db->DestroyColumnFamilyHandle(handle);
  all_.clear();
  events_ = streams_ = ids_ = checkpoints_ = meta_ = nullptr;
}

}  // namespace footprint::eventstore
