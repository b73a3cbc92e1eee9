#include "rocks_tuning.h"

#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "key_format.h"
#include "rocks_loggers.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/sst_file_manager.h"
#include "rocksdb/table.h"

namespace footprint::eventstore {
namespace {

// The stream part of a `streams` key (everything up to and including the 0x00 separator).
class StreamPrefixTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "footprint.StreamPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* zero = std::memchr(key.data(), 0, key.size());
    return rocksdb::Slice(key.data(), static_cast<const char*>(zero) - key.data() + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), 0, key.size()) != nullptr;
  }
};

// The first 4 bytes of a version-7 UUID (its millisecond clock, to about a minute); other ids
// are outside the domain, so random ids never take a hint slot each.
class TimeOrderedIdPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "footprint.TimeOrderedIdPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), 4);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() == 16 && (static_cast<uint8_t>(key[6]) >> 4) == 7;
  }
};

}  // namespace

StoreTuning TuneStore(const StoreOptions& options) {
  StoreTuning tuning;
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  const auto table_options = [&](bool bloom) {
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    if (bloom) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    return std::shared_ptr<rocksdb::TableFactory>(rocksdb::NewBlockBasedTableFactory(t));
  };

  rocksdb::DBOptions& db = tuning.db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.paranoid_checks = true;
  if (options.env != nullptr) db.env = options.env;
  // With a file manager, RocksDB recovers by itself from a full disk once space returns (it
  // polls the free space); without one it would wait for a restart.
  db.sst_file_manager.reset(rocksdb::NewSstFileManager(db.env));
  db.max_background_jobs = 2;
  // RocksDB's own log goes to the service's log, never to a file on the data disk: with a full
  // disk, RocksDB 7.8's file logger fails an assertion (sync_without_flush_called_) while
  // reporting the failed write, and aborts the process.
  db.info_log = std::make_shared<SinkLogger>(options.log_sink, options.log_level);
  // An acknowledged append was synced; recovery replays the WAL up to the last intact record.
  // Consumer commits are not synced, so after a power cut the WAL's tail may be torn anywhere
  // past the last sync: point-in-time recovery opens that safely. Damage in the middle of the
  // WAL would also end the replay there; the commit mark check in Open refuses that
  // (docs/reliability.md, "Damaged data files").
  db.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Families that take few writes (meta, checkpoints) would otherwise pin every WAL file until
  // the events memtable fills several times, making restarts replay gigabytes.
  db.max_total_wal_size = 128 << 20;
  // One thread writes events; the memtable insert hints below need non-concurrent inserts.
  db.allow_concurrent_memtable_write = false;

  tuning.plain.table_factory = table_options(false);
  tuning.events = tuning.plain;
  tuning.events.write_buffer_size = 64 << 20;
  // Positions only grow: with a hint per 4-byte prefix each insert lands next to the last one
  // instead of searching the skip list (the largest cost of an append in profiles).
  tuning.events.memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(4));
  tuning.streams = tuning.plain;
  // Versions only grow within a stream: a hint per stream.
  tuning.streams.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<StreamPrefixTransform>();
  rocksdb::ColumnFamilyOptions point_lookups;
  point_lookups.table_factory = table_options(true);
  // Most id lookups are for new ids (misses): filter in the memtable too.
  point_lookups.memtable_whole_key_filtering = true;
  point_lookups.memtable_prefix_bloom_size_ratio = 0.05;
  tuning.read_models = point_lookups;
  tuning.ids = point_lookups;
  // Ids the store generates are time-ordered (UUIDv7), so a hint per 4-byte time prefix keeps
  // their inserts next to the previous one; client ids (often random v4) are inserted without
  // hints, and a smaller memtable keeps their search short.
  tuning.ids.memtable_insert_with_hint_prefix_extractor = std::make_shared<TimeOrderedIdPrefix>();
  tuning.ids.write_buffer_size = 16 << 20;
  return tuning;
}

std::vector<rocksdb::ColumnFamilyDescriptor> StoreTuning::Descriptors(
    const std::vector<std::string>& existing) const {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, plain},
      {keys::kEventsFamily, events},
      {keys::kStreamsFamily, streams},
      {keys::kIdsFamily, ids},
      {keys::kCheckpointsFamily, plain},
      {keys::kMetaFamily, plain}};
  for (const auto& name : existing) {
    if (absl::StartsWith(name, keys::kReadModelFamilyPrefix)) {
      descriptors.emplace_back(name, read_models);
    }
  }
  return descriptors;
}

}  // namespace footprint::eventstore
