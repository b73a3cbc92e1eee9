// EventStore::Impl: read models and consumer checkpoints (store_impl.h).
#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "key_format.h"
#include "rocks_status.h"
#include "store_impl.h"

namespace footprint::eventstore {
namespace {

bool IsReadModelNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

absl::StatusOr<ReadModelHandle> EventStore::Impl::OpenReadModel(absl::string_view name) {
  if (name.empty() || name.size() > 64 ||
      !std::all_of(name.begin(), name.end(), IsReadModelNameChar)) {
    return absl::InvalidArgumentError(
        absl::StrCat("read model name '", name, "' must match [a-z0-9_]{1,64}"));
  }
  auto family = families_.ReadModel(db_.get(), read_model_options_, name);
  if (!family.ok()) return family.status();
  return ReadModelHandle(std::string(name), *family);
}

absl::StatusOr<std::optional<GlobalPosition>> EventStore::Impl::LoadCheckpoint(
    absl::string_view consumer) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), families_.checkpoints(), AsSlice(consumer), &value);
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
  wb.Put(families_.checkpoints(), AsSlice(consumer), keys::EventKey(next_position.value));
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
  wb.Delete(families_.checkpoints(), AsSlice(consumer));
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

}  // namespace footprint::eventstore
