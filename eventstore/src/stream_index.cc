#include "stream_index.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "key_format.h"
#include "rocks_status.h"

namespace footprint::eventstore {

absl::StatusOr<std::optional<StreamVersion>> ReadStreamHead(rocksdb::DB* db,
                                                            rocksdb::ColumnFamilyHandle* streams,
                                                            const rocksdb::ReadOptions& ro,
                                                            absl::string_view stream,
                                                            uint64_t end) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, streams));
  // Versions grow with positions within a stream: step back over versions at or past `end`
  // (a group synced but not yet acknowledged; at most one group's worth).
  for (it->SeekForPrev(keys::StreamKey(stream, UINT64_MAX)); it->Valid(); it->Prev()) {
    const auto decoded = keys::DecodeStreamKey(AsView(it->key()));
    if (!decoded || decoded->stream != stream) return std::nullopt;
    const auto position = keys::DecodeU64BigEndian(AsView(it->value()));
    if (!position) {
      return absl::DataLossError(absl::StrCat("stream '", stream, "': malformed index entry"));
    }
    if (*position < end) return StreamVersion{decoded->version};
  }
  if (auto st = FromRocks(it->status(), "reading the stream index"); !st.ok()) return st;
  return std::nullopt;
}

}  // namespace footprint::eventstore
