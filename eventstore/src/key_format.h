// Every RocksDB column family name and key encoding of the event store, in one place.
//
//   events       u64be(position)                     -> serialized footprint.v1.Event
//   streams      stream id bytes, 0x00, u64be(version) -> u64be(position)
//   ids          16 raw UUID bytes                   -> u64be(position)
//   checkpoints  consumer name                       -> u64be(next position)
//   meta         "schema_version" | "store_id" | "type/" + event type -> value
//   rm.<name>    owned by read model <name>
//
// Big-endian integers make byte order equal numeric order. Stream ids never contain 0x00
// (StreamId::Parse), so "a" 0x00 ... can never be a prefix of another stream's keys and all
// versions of one stream are contiguous and ordered.
#ifndef FOOTPRINT_EVENTSTORE_SRC_KEY_FORMAT_H_
#define FOOTPRINT_EVENTSTORE_SRC_KEY_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

namespace footprint::eventstore::keys {

inline constexpr char kEventsFamily[] = "events";
inline constexpr char kStreamsFamily[] = "streams";
inline constexpr char kIdsFamily[] = "ids";
inline constexpr char kCheckpointsFamily[] = "checkpoints";
inline constexpr char kMetaFamily[] = "meta";
inline constexpr char kReadModelFamilyPrefix[] = "rm.";

inline constexpr char kMetaSchemaVersion[] = "schema_version";
inline constexpr char kMetaStoreId[] = "store_id";
inline constexpr char kMetaTypePrefix[] = "type/";
// Kept in `meta`'s active memtable, written without the write-ahead log, so that RocksDB's
// recovery from a failed write leaves that write's log (EventStore::Impl::KeepMemtableEntry).
// Its value means nothing.
inline constexpr char kMetaMemtableEntry[] = "memtable_entry";
// 2 since canonical encoding version 2 (2026-12-07): a store of schema 1 (version-1 events
// only) is taken up at open; older binaries refuse schema 2 instead of misreading its events.
inline constexpr uint32_t kSchemaVersion = 2;

void AppendU64BigEndian(std::string* out, uint64_t value);
// Reads 8 big-endian bytes; nullopt unless `bytes` is exactly 8 bytes long.
std::optional<uint64_t> DecodeU64BigEndian(absl::string_view bytes);

// events
std::string EventKey(uint64_t position);
std::optional<uint64_t> DecodeEventKey(absl::string_view key);

// streams
std::string StreamKey(absl::string_view stream, uint64_t version);
// The prefix shared by every key of `stream` (stream bytes + 0x00).
std::string StreamKeyPrefix(absl::string_view stream);
// Splits a streams key; nullopt when malformed.
struct DecodedStreamKey {
  absl::string_view stream;
  uint64_t version;
};
std::optional<DecodedStreamKey> DecodeStreamKey(absl::string_view key);

// meta
std::string MetaTypeKey(absl::string_view event_type);

// Column family name of read model `name`.
std::string ReadModelFamily(absl::string_view name);

}  // namespace footprint::eventstore::keys

#endif  // FOOTPRINT_EVENTSTORE_SRC_KEY_FORMAT_H_
