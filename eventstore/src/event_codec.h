// The stored form of an event and the canonical bytes behind the hash chain.
//
// Stored value: a serialized footprint.v1.Event, written as two concatenated parts (protobuf
// merges fields in any order): the *content* fields, encoded by the RPC handler, and the
// *sealing* fields that only the writer knows (version, position, recorded_at, prev_hash,
// hash).
//
// Canonical bytes, independent of protobuf so that an auditor can recompute them from any
// client's view of an event. lp(x) = u32be(len(x)) || x; integers are big-endian. Version 2
// (Event.canonical_version = 2, every event appended since 2026-12-07) covers every stored field:
//
//   content = "FPE2" lp(id) lp(stream) lp(type) lp(source_system) lp(correlation_id) lp(actor)
//             lp(principal) u32be(content_type) lp(payload_type) lp(data)
//   seal    = u64be(version) u64be(position) i64be(recorded_at.seconds) u32be(recorded_at.nanos)
//   hash    = SHA-256(prev_hash || content || seal)
//
// Version 1 (canonical_version absent or 1: events stored before) is the same without
// lp(principal) and with the magic "FPE1"; such events are still verified with it.
//
// prev_hash is the previous event's hash, or 32 zero bytes for position 0.
#ifndef FOOTPRINT_EVENTSTORE_SRC_EVENT_CODEC_H_
#define FOOTPRINT_EVENTSTORE_SRC_EVENT_CODEC_H_

#include <openssl/types.h>

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "footprint/v1/event.pb.h"

namespace footprint::eventstore::codec {

inline constexpr size_t kHashBytes = 32;
// prev_hash of the event at position 0.
const std::string& GenesisHash();

// The canonical encoding new events are stored with.
inline constexpr uint32_t kCanonicalVersion = 2;

// Canonical content bytes of `event`'s content fields in version 2 (see above), whatever the
// event's own canonical_version: what a retry of an event id is compared by.
std::string CanonicalContent(const v1::Event& event);
// The same in version 1 (no principal), for events stored before version 2.
std::string CanonicalContentV1(const v1::Event& event);

struct Seal {
  uint64_t version = 0;
  uint64_t position = 0;
  int64_t seconds = 0;
  int32_t nanos = 0;
};

// SHA-256(prev_hash || canonical_content || canonical seal). Returns 32 raw bytes.
std::string ChainHash(absl::string_view prev_hash, absl::string_view canonical_content,
                      const Seal& seal);

// Protobuf wire bytes of the sealing fields (version, position, recorded_at, prev_hash, hash),
// appended to `out` after the content fields' wire bytes.
void AppendSealWire(std::string* out, const Seal& seal, absl::string_view prev_hash,
                    absl::string_view hash);

// Recomputes the hash of a parsed stored event from its own fields and its prev_hash, in the
// canonical version it names. Empty for an unknown version (which then matches no hash).
std::string RecomputeHash(const v1::Event& event);

// Whether the parsed stored event holds bytes no canonical encoding covers (fields unknown to
// this version of the message, in the event, its metadata or its timestamp): stored bytes that
// a reader could see but the hash would not vouch for.
bool HasUncoveredFields(const v1::Event& event);

// Whether `stored` is exactly the stored form of the parsed `event`: its content fields as
// protobuf serializes them, then the sealing fields as AppendSealWire writes them. Bytes that
// decode to the same event in another form (a field repeated, whose first copy a header scan
// would read while the parser keeps the last) are not.
bool IsStoredForm(const v1::Event& event, absl::string_view stored);
// The stored form itself, as the writer writes it (content wire bytes, then AppendSealWire);
// empty if the event does not serialize.
std::string StoredForm(const v1::Event& event);

// Reads the stream (field 2) and type (field 5) of a serialized Event without parsing the rest.
// Returns false when the bytes are not a well-formed message.
struct EventHeader {
  absl::string_view stream;
  absl::string_view type;
};
bool ScanHeader(absl::string_view wire, EventHeader* header);

std::string HexEncode(absl::string_view bytes);

// OpenSSL's SHA-256, fetched once.
const EVP_MD* Sha256();

}  // namespace footprint::eventstore::codec

#endif  // FOOTPRINT_EVENTSTORE_SRC_EVENT_CODEC_H_
