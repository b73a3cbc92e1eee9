// EventStore::Impl: VerifyChain and VerifyEvents (store_impl.h).
#include <memory>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "event_codec.h"
#include "key_format.h"
#include "rocks_status.h"
#include "store_impl.h"

namespace footprint::eventstore {
namespace {

// Reads through `ro` see one snapshot of the store until this goes.
class SnapshotHold {
 public:
  SnapshotHold(rocksdb::DB* db, rocksdb::ReadOptions* ro) : db_(db), snapshot_(db->GetSnapshot()) {
    ro->snapshot = snapshot_;
  }
  ~SnapshotHold() { db_->ReleaseSnapshot(snapshot_); }
  SnapshotHold(const SnapshotHold&) = delete;
  SnapshotHold& operator=(const SnapshotHold&) = delete;

 private:
  rocksdb::DB* const db_;
  const rocksdb::Snapshot* const snapshot_;
};

}  // namespace

std::optional<std::string> EventStore::Impl::CheckEvent(const rocksdb::ReadOptions& ro,
                                                        const v1::Event& event,
                                                        absl::string_view stored, uint64_t expected,
                                                        absl::string_view prev_hash,
                                                        uint32_t prev_canonical_version) const {
  if (event.prev_hash() != prev_hash) {
    return "prev_hash does not match the hash of the previous event";
  }
  if (event.canonical_version() == 1) {
    return "the event names canonical encoding version 1, which the store never writes "
           "(version-1 events name none)";
  }
  if (event.canonical_version() > codec::kCanonicalVersion) {
    return absl::StrCat("the event names canonical encoding version ", event.canonical_version(),
                        ", which this version of Footprint does not know");
  }
  if (event.canonical_version() < prev_canonical_version) {
    return absl::StrCat("the event's canonical encoding version ", event.canonical_version(),
                        " is older than the previous event's (", prev_canonical_version, ")");
  }
  if (codec::RecomputeHash(event) != event.hash()) {
    return "hash does not match the event's content (altered event)";
  }
  // The hash covers the decoded fields; the stored bytes must be exactly what the writer
  // wrote for them, or a reader that scans them (ReadAll's filters read the first stream
  // and type field they meet, protobuf keeps the last) could be shown something else.
  if (codec::HasUncoveredFields(event) || !codec::IsStoredForm(event, stored)) {
    return "the stored bytes are not the event's stored form (fields repeated, added or "
           "moved), which its hash does not cover";
  }
  // The indexes must point back at this event, or reads by stream or id would serve
  // something else.
  std::string index_value;
  rocksdb::Status s = db_->Get(ro, families_.streams(),
                               keys::StreamKey(event.stream(), event.version()), &index_value);
  if (!s.ok() || keys::DecodeU64BigEndian(index_value) != expected) {
    return "the stream index does not point at this event";
  }
  // Versions are gapless: the stream's previous version is indexed, at an earlier position.
  if (event.version() > 0) {
    s = db_->Get(ro, families_.streams(), keys::StreamKey(event.stream(), event.version() - 1),
                 &index_value);
    const auto previous = s.ok() ? keys::DecodeU64BigEndian(index_value) : std::nullopt;
    if (!previous || *previous >= expected) {
      return absl::StrCat("version ", event.version(), " of stream '", event.stream(),
                          "' follows no version ", event.version() - 1,
                          " before it (a version gap)");
    }
  }
  auto id = EventId::Parse(event.id());
  s = id.ok() ? db_->Get(ro, families_.ids(), AsSlice(id->bytes_view()), &index_value)
              : rocksdb::Status();
  if (!id.ok() || !s.ok() || keys::DecodeU64BigEndian(index_value) != expected) {
    return "the id index does not point at this event";
  }
  return std::nullopt;
}

absl::StatusOr<VerifyResult> EventStore::Impl::VerifyEvents(
    const std::vector<GlobalPosition>& positions) const {
  VerifyResult result;
  if (positions.empty()) return result;
  result.first_position = positions.front();
  const uint64_t committed = notifier_->committed_end();
  rocksdb::ReadOptions ro;
  const SnapshotHold snapshot(db_.get(), &ro);
  const auto fail = [&](uint64_t position, std::string reason) {
    result.ok = false;
    result.first_bad_position = GlobalPosition{position};
    result.reason = std::move(reason);
    return result;
  };
  for (GlobalPosition position : positions) {
    if (position.value >= committed) {
      return absl::OutOfRangeError(absl::StrCat("position ", position.value, " is not committed"));
    }
    // Its predecessor in the log: the hash this event's prev_hash must equal.
    std::string prev_hash = codec::GenesisHash();
    uint32_t prev_canonical_version = 0;
    std::string value;
    if (position.value > 0) {
      v1::Event before;
      rocksdb::Status s =
          db_->Get(ro, families_.events(), keys::EventKey(position.value - 1), &value);
      if (s.IsCorruption()) {
        return fail(position.value - 1, absl::StrCat("stored data is damaged: ", s.ToString()));
      }
      if (!s.ok() || !before.ParseFromString(value) || before.hash().size() != codec::kHashBytes) {
        return fail(position.value - 1, "the event before it is missing or cannot be decoded");
      }
      prev_hash = before.hash();
      prev_canonical_version = before.canonical_version();
    }
    v1::Event event;
    rocksdb::Status s = db_->Get(ro, families_.events(), keys::EventKey(position.value), &value);
    if (s.IsCorruption()) {
      return fail(position.value, absl::StrCat("stored data is damaged: ", s.ToString()));
    }
    if (!s.ok()) return fail(position.value, "event missing");
    if (!event.ParseFromString(value))
      return fail(position.value, "stored event cannot be decoded");
    if (event.position() != position.value) {
      return fail(position.value, absl::StrCat("stored event claims position ", event.position()));
    }
    if (auto bad =
            CheckEvent(ro, event, value, position.value, prev_hash, prev_canonical_version)) {
      return fail(position.value, *std::move(bad));
    }
    result.last_position = position;
    ++result.events_checked;
  }
  return result;
}

absl::StatusOr<VerifyResult> EventStore::Impl::VerifyChain(GlobalPosition from,
                                                           std::optional<GlobalPosition> to) const {
  const uint64_t committed = notifier_->committed_end();
  VerifyResult result;
  result.first_position = from;
  if (to && to->value >= committed) {
    return absl::OutOfRangeError(absl::StrCat("to_position: ", to->value,
                                              " is beyond the last position ",
                                              committed == 0 ? "(the log is empty)" : "",
                                              committed == 0 ? "" : std::to_string(committed - 1)));
  }
  const uint64_t end = to ? to->value + 1 : committed;
  if (from.value > end || (from.value == end && from.value != committed)) {
    return absl::OutOfRangeError(
        absl::StrCat("from_position: ", from.value, " is after to_position ", end - 1));
  }
  if (from.value == end) return result;  // nothing to check (empty log or empty range at head)

  const auto fail = [&](uint64_t position, std::string reason) {
    result.ok = false;
    result.first_bad_position = GlobalPosition{position};
    result.reason = std::move(reason);
    return result;
  };

  rocksdb::ReadOptions ro;
  const SnapshotHold snapshot(db_.get(), &ro);

  std::string prev_hash = codec::GenesisHash();
  uint32_t prev_canonical_version = 0;
  if (from.value > 0) {
    std::string value;
    v1::Event anchor;
    rocksdb::Status s = db_->Get(ro, families_.events(), keys::EventKey(from.value - 1), &value);
    if (!s.ok() || !anchor.ParseFromString(value) || anchor.hash().size() != codec::kHashBytes) {
      return fail(from.value - 1,
                  "the event before the range (its anchor) is missing or "
                  "cannot be decoded");
    }
    prev_hash = anchor.hash();
    prev_canonical_version = anchor.canonical_version();
  }

  // What each position of the range holds, by fingerprint, for the walk over the indexes below:
  // (stream, version) and the event id.
  const auto stream_fingerprint = [](absl::string_view stream, uint64_t version) {
    return absl::HashOf(stream, version);
  };
  std::vector<size_t> stream_prints;
  std::vector<size_t> id_prints;
  stream_prints.reserve(std::min<uint64_t>(end - from.value, 1 << 20));
  id_prints.reserve(std::min<uint64_t>(end - from.value, 1 << 20));

  {
    const std::string upper = keys::EventKey(end);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions walk = ro;
    walk.iterate_upper_bound = &upper_slice;
    walk.readahead_size = 2 << 20;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(walk, families_.events()));
    uint64_t expected = from.value;
    v1::Event event;
    for (it->Seek(keys::EventKey(from.value)); it->Valid(); it->Next()) {
      const auto position = keys::DecodeEventKey(AsView(it->key()));
      if (!position || *position != expected) {
        return fail(expected, "event missing (gap in positions)");
      }
      if (!event.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return fail(expected, "stored event cannot be decoded");
      }
      if (event.position() != expected) {
        return fail(expected, absl::StrCat("stored event claims position ", event.position()));
      }
      if (auto bad = CheckEvent(ro, event, AsView(it->value()), expected, prev_hash,
                                prev_canonical_version)) {
        return fail(expected, *std::move(bad));
      }
      auto id = EventId::Parse(event.id());  // CheckEvent found it well-formed
      stream_prints.push_back(stream_fingerprint(event.stream(), event.version()));
      id_prints.push_back(absl::HashOf(id->bytes_view()));
      prev_hash = event.hash();
      prev_canonical_version = event.canonical_version();
      ++expected;
      ++result.events_checked;
    }
    if (!it->status().ok()) {
      // A damaged table or log block: the event being read when it was met is the first that
      // cannot be vouched for.
      if (it->status().IsCorruption()) {
        return fail(expected, absl::StrCat("stored data is damaged: ", it->status().ToString()));
      }
      return FromRocks(it->status(), "reading the log for verification");
    }
    if (expected != end) return fail(expected, "event missing (the log ends early)");
  }

  // The other direction: every index entry that points into the range is backed by the event
  // it names there, and none points past the end of the log. A stray entry (child-0@7 -> 0, say)
  // would otherwise verify, and move the stream's head for the next append.
  rocksdb::ReadOptions scan = ro;
  scan.fill_cache = false;  // a whole family read once: keep the block cache for everyone else
  const auto check_index = [&](rocksdb::ColumnFamilyHandle* family, absl::string_view what,
                               const std::vector<size_t>& prints, const auto& fingerprint_of,
                               const auto& event_print) -> std::optional<VerifyResult> {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(scan, family));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const auto position = keys::DecodeU64BigEndian(AsView(it->value()));
      std::string entry;
      std::optional<size_t> print;
      if (!fingerprint_of(AsView(it->key()), &entry, &print)) {
        return fail(from.value, absl::StrCat("the ", what, " holds a malformed key"));
      }
      if (!position) {
        return fail(from.value,
                    absl::StrCat("the ", what, " entry ", entry, " has a malformed position"));
      }
      if (*position >= from.value && *position < end) {
        if (print != prints[*position - from.value]) {
          return fail(*position,
                      absl::StrCat("the ", what, " entry ", entry, " points at position ",
                                   *position, ", which holds another event"));
        }
      } else if (*position >= committed) {
        // Past the end the verification started from: only an append committed since then
        // may be there.
        std::string value;
        rocksdb::Status s = db_->Get(ro, families_.events(), keys::EventKey(*position), &value);
        if (s.IsNotFound()) {
          return fail(committed,
                      absl::StrCat("the ", what, " entry ", entry, " points at position ",
                                   *position, ", past the end of the log"));
        }
        if (!s.ok()) return fail(committed, s.ToString());
        v1::Event later;
        if (!later.ParseFromString(value) || event_print(later) != print) {
          return fail(committed,
                      absl::StrCat("the ", what, " entry ", entry, " points at position ",
                                   *position, ", which holds another event"));
        }
      }
    }
    if (!it->status().ok()) {
      return fail(from.value, absl::StrCat("reading the ", what, ": ", it->status().ToString()));
    }
    return std::nullopt;
  };
  if (auto bad = check_index(
          families_.streams(), "stream index", stream_prints,
          [&](absl::string_view key, std::string* entry, std::optional<size_t>* print) {
            const auto decoded = keys::DecodeStreamKey(key);
            if (!decoded) return false;
            *entry = absl::StrCat("'", decoded->stream, "'@", decoded->version);
            *print = stream_fingerprint(decoded->stream, decoded->version);
            return true;
          },
          [&](const v1::Event& event) {
            return std::optional<size_t>(stream_fingerprint(event.stream(), event.version()));
          })) {
    return *bad;
  }
  if (auto bad = check_index(
          families_.ids(), "id index", id_prints,
          [&](absl::string_view key, std::string* entry, std::optional<size_t>* print) {
            std::array<uint8_t, 16> bytes;
            if (key.size() != bytes.size()) return false;
            std::copy(key.begin(), key.end(), bytes.begin());
            *entry = EventId::FromBytes(bytes).ToString();
            *print = absl::HashOf(key);
            return true;
          },
          [&](const v1::Event& event) -> std::optional<size_t> {
            auto id = EventId::Parse(event.id());
            if (!id.ok()) return std::nullopt;
            return absl::HashOf(id->bytes_view());
          })) {
    return *bad;
  }
  result.last_position = GlobalPosition{end - 1};
  result.head_hash_hex = codec::HexEncode(prev_hash);
  return result;
}

}  // namespace footprint::eventstore
