// RocksDB statuses mapped onto the store's error space (absl::Status), keeping RocksDB's words;
// and RocksDB slices as string views and back.
#ifndef FOOTPRINT_EVENTSTORE_SRC_ROCKS_STATUS_H_
#define FOOTPRINT_EVENTSTORE_SRC_ROCKS_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rocksdb/slice.h"
#include "rocksdb/status.h"

namespace footprint::eventstore {

// Corruption: DATA_LOSS; no space: RESOURCE_EXHAUSTED; other I/O errors: UNAVAILABLE.
inline absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  return absl::UnavailableError(message);
}

inline absl::string_view AsView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
inline rocksdb::Slice AsSlice(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_ROCKS_STATUS_H_
