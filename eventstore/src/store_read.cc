// EventStore::Impl: stream and log reads (store_impl.h).
#include <memory>

#include "absl/strings/str_cat.h"
#include "event_codec.h"
#include "key_format.h"
#include "rocks_status.h"
#include "store_impl.h"
#include "stream_index.h"

namespace footprint::eventstore {

absl::StatusOr<std::optional<StreamVersion>> EventStore::Impl::StreamHead(
    const StreamId& stream) const {
  return ReadStreamHead(db_.get(), families_.streams(), rocksdb::ReadOptions(), stream.str(),
                        notifier_->committed_end());
}

absl::StatusOr<StreamPage> EventStore::Impl::ReadStream(const StreamId& stream, StreamVersion from,
                                                        ReadDirection direction,
                                                        size_t limit) const {
  // RocksDB shows a group once its WAL write is synced, a moment before the writer publishes
  // the new committed end and answers its appends: a stream read must not show positions that
  // ReadAll does not, nor events whose append has not been acknowledged yet. The end is read
  // before the snapshot, so the snapshot holds every event before it.
  const uint64_t end = notifier_->committed_end();
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~Release() { db->ReleaseSnapshot(snapshot); }
  } release{db_.get(), snapshot};
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;

  auto head = ReadStreamHead(db_.get(), families_.streams(), ro, stream.str(), end);
  if (!head.ok()) return head.status();
  if (!*head) {
    return absl::NotFoundError(absl::StrCat("stream '", stream.str(), "' has no events"));
  }
  StreamPage page;
  page.last_version = **head;
  if (limit == 0) return page;

  std::vector<std::string> position_keys;
  std::vector<uint64_t> versions;
  const std::string prefix = keys::StreamKeyPrefix(stream.str());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, families_.streams()));
  if (direction == ReadDirection::kForwards) {
    const std::string past_head = keys::StreamKey(stream.str(), page.last_version.value + 1);
    for (it->Seek(keys::StreamKey(stream.str(), from.value));
         it->Valid() && it->key().starts_with(prefix) && it->key().compare(past_head) < 0 &&
         position_keys.size() < limit;
         it->Next()) {
      position_keys.emplace_back(AsView(it->value()));
    }
  } else {
    const uint64_t start = std::min(from.value, page.last_version.value);
    for (it->SeekForPrev(keys::StreamKey(stream.str(), start));
         it->Valid() && it->key().starts_with(prefix) && position_keys.size() < limit; it->Prev()) {
      position_keys.emplace_back(AsView(it->value()));
    }
  }
  if (auto st = FromRocks(it->status(), "reading the stream index"); !st.ok()) return st;

  std::vector<rocksdb::Slice> slices(position_keys.begin(), position_keys.end());
  std::vector<std::string> values(slices.size());
  std::vector<rocksdb::ColumnFamilyHandle*> families(slices.size(), families_.events());
  std::vector<rocksdb::Status> statuses = db_->MultiGet(ro, families, slices, &values);
  page.events.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!statuses[i].ok()) {
      return FromRocks(statuses[i],
                       absl::StrCat("stream '", stream.str(), "': reading an indexed event"));
    }
    if (!page.events[i].ParseFromString(values[i]) || page.events[i].stream() != stream.str()) {
      return absl::DataLossError(absl::StrCat("stream '", stream.str(),
                                              "': indexed event does not decode to this stream"));
    }
  }
  if (direction == ReadDirection::kForwards) {
    page.end_of_stream =
        page.events.empty() || page.events.back().version() == page.last_version.value;
  } else {
    page.end_of_stream = page.events.empty() || page.events.back().version() == 0;
  }
  return page;
}

absl::StatusOr<LogChunk> EventStore::Impl::ReadAll(GlobalPosition from, const ReadFilter& filter,
                                                   const ChunkLimits& limits) const {
  LogChunk chunk;
  chunk.next_position = from;
  uint64_t end = notifier_->committed_end();
  if (limits.end && limits.end->value < end) end = limits.end->value;
  if (from.value >= end) return chunk;

  const std::string upper = keys::EventKey(end);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  ro.readahead_size = 2 << 20;
  // A scan would churn the block cache for everyone else; the OS page cache still helps.
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, families_.events()));
  uint64_t expected = from.value;
  const bool filtered = !filter.empty();
  if (limits.frame_tag != 0) {
    chunk.framed.reserve(std::min<size_t>(limits.max_bytes, 1 << 20) + 4096);
  }
  for (it->Seek(keys::EventKey(from.value)); it->Valid(); it->Next()) {
    const auto position = keys::DecodeEventKey(AsView(it->key()));
    if (!position || *position != expected) {
      return absl::DataLossError(
          absl::StrCat("the log has no event at position ", expected, " (gap or bad key)"));
    }
    const absl::string_view value = AsView(it->value());
    bool take = true;
    if (filtered) {
      codec::EventHeader header;
      if (!codec::ScanHeader(value, &header)) {
        return absl::DataLossError(
            absl::StrCat("event at position ", expected, " cannot be decoded"));
      }
      take = filter.Matches(header.stream, header.type);
    }
    ++expected;
    if (take) {
      chunk.bytes += value.size();
      ++chunk.count;
      if (limits.frame_tag != 0) {
        chunk.framed.push_back(static_cast<char>(limits.frame_tag));
        for (uint64_t v = value.size();; v >>= 7) {
          if (v < 0x80) {
            chunk.framed.push_back(static_cast<char>(v));
            break;
          }
          chunk.framed.push_back(static_cast<char>((v & 0x7f) | 0x80));
        }
        chunk.framed.append(value.data(), value.size());
      } else {
        chunk.events.emplace_back(value);
      }
    }
    chunk.next_position = GlobalPosition{expected};
    if (chunk.count >= limits.max_events || chunk.bytes >= limits.max_bytes) break;
  }
  if (auto st = FromRocks(it->status(), "reading the log"); !st.ok()) return st;
  if (chunk.next_position.value < end && !it->Valid()) {
    return absl::DataLossError(absl::StrCat("the log ends at position ", chunk.next_position.value,
                                            " but events up to ", end - 1, " were committed"));
  }
  return chunk;
}

}  // namespace footprint::eventstore
