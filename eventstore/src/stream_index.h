// The stream index (`streams` family): a stream's head as readers and the writer see it.
#ifndef FOOTPRINT_EVENTSTORE_SRC_STREAM_INDEX_H_
#define FOOTPRINT_EVENTSTORE_SRC_STREAM_INDEX_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "eventstore/types.h"
#include "rocksdb/db.h"

namespace footprint::eventstore {

// The stream's last version among events at positions before `end` (UINT64_MAX: all that
// RocksDB shows; the writer's view), or nullopt when it has none there.
absl::StatusOr<std::optional<StreamVersion>> ReadStreamHead(rocksdb::DB* db,
                                                            rocksdb::ColumnFamilyHandle* streams,
                                                            const rocksdb::ReadOptions& ro,
                                                            absl::string_view stream,
                                                            uint64_t end = UINT64_MAX);

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_STREAM_INDEX_H_
