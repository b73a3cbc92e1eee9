#include "event_codec.h"

#include <openssl/evp.h>

#include <atomic>
#include <memory>

#include "fault_hooks.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/wire_format_lite.h"
#include "key_format.h"

namespace footprint::eventstore::codec {
namespace {

using google::protobuf::internal::WireFormatLite;

void AppendU32(std::string* out, uint32_t v) {
  const char buf[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(buf, 4);
}

void AppendLengthPrefixed(std::string* out, absl::string_view bytes) {
  AppendU32(out, static_cast<uint32_t>(bytes.size()));
  out->append(bytes.data(), bytes.size());
}

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void AppendTag(std::string* out, int field, WireFormatLite::WireType type) {
  AppendVarint(out, WireFormatLite::MakeTag(field, type));
}

void AppendBytesField(std::string* out, int field, absl::string_view bytes) {
  AppendTag(out, field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  AppendVarint(out, bytes.size());
  out->append(bytes.data(), bytes.size());
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// One digest context per thread: EVP_MD_CTX_new per hash would allocate on the hot path.
EVP_MD_CTX* ThreadDigestContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

}  // namespace

// OpenSSL 3 looks the algorithm up on every EVP_DigestInit_ex(EVP_sha256()); fetching it once
// avoids that per-event cost.
const EVP_MD* Sha256() {
  static const EVP_MD* const kSha256 = [] {
    const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md != nullptr ? md : EVP_sha256();
  }();
  return kSha256;
}

const std::string& GenesisHash() {
  static const std::string* const kGenesis = new std::string(kHashBytes, '\0');
  return *kGenesis;
}

namespace {

std::string Canonical(const v1::Event& event, uint32_t version) {
  const auto& m = event.metadata();
  std::string out;
  out.reserve(68 + event.id().size() + event.stream().size() + event.type().size() +
              m.source_system().size() + m.correlation_id().size() + m.actor().size() +
              m.principal().size() + event.payload_type().size() + event.data().size());
  out.append(version >= 2 ? "FPE2" : "FPE1");
  AppendLengthPrefixed(&out, event.id());
  AppendLengthPrefixed(&out, event.stream());
  AppendLengthPrefixed(&out, event.type());
  AppendLengthPrefixed(&out, m.source_system());
  AppendLengthPrefixed(&out, m.correlation_id());
  AppendLengthPrefixed(&out, m.actor());
  if (version >= 2) AppendLengthPrefixed(&out, m.principal());
  AppendU32(&out, static_cast<uint32_t>(event.content_type()));
  AppendLengthPrefixed(&out, event.payload_type());
  AppendLengthPrefixed(&out, event.data());
  return out;
}

}  // namespace

std::string CanonicalContent(const v1::Event& event) { return Canonical(event, 2); }

std::string CanonicalContentV1(const v1::Event& event) { return Canonical(event, 1); }

namespace {
// FailChainHashForTesting: -1 when no failure is armed, else the calls to let through first.
std::atomic<int> hash_failure_countdown{-1};
}  // namespace

void FailChainHashForTesting(int skip) { hash_failure_countdown.store(skip); }

std::string ChainHash(absl::string_view prev_hash, absl::string_view canonical_content,
                      const Seal& seal) {
  if (hash_failure_countdown.load(std::memory_order_relaxed) >= 0 &&
      hash_failure_countdown.fetch_sub(1) == 0) {
    return std::string();
  }
  std::string seal_bytes;
  seal_bytes.reserve(28);
  keys::AppendU64BigEndian(&seal_bytes, seal.version);
  keys::AppendU64BigEndian(&seal_bytes, seal.position);
  keys::AppendU64BigEndian(&seal_bytes, static_cast<uint64_t>(seal.seconds));
  AppendU32(&seal_bytes, static_cast<uint32_t>(seal.nanos));

  EVP_MD_CTX* ctx = ThreadDigestContext();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // These calls only fail on allocation failure inside OpenSSL; a wrong hash would then be
  // caught by verification, so they are checked together.
  const bool ok = EVP_DigestInit_ex(ctx, Sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, prev_hash.data(), prev_hash.size()) == 1 &&
                  EVP_DigestUpdate(ctx, canonical_content.data(), canonical_content.size()) == 1 &&
                  EVP_DigestUpdate(ctx, seal_bytes.data(), seal_bytes.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  if (!ok || length != kHashBytes) return std::string();
  return std::string(reinterpret_cast<const char*>(digest), length);
}

void AppendSealWire(std::string* out, const Seal& seal, absl::string_view prev_hash,
                    absl::string_view hash) {
  AppendTag(out, v1::Event::kVersionFieldNumber, WireFormatLite::WIRETYPE_VARINT);
  AppendVarint(out, seal.version);
  AppendTag(out, v1::Event::kPositionFieldNumber, WireFormatLite::WIRETYPE_VARINT);
  AppendVarint(out, seal.position);
  // google.protobuf.Timestamp { int64 seconds = 1; int32 nanos = 2; }
  std::string timestamp;
  AppendTag(&timestamp, 1, WireFormatLite::WIRETYPE_VARINT);
  AppendVarint(&timestamp, static_cast<uint64_t>(seal.seconds));
  AppendTag(&timestamp, 2, WireFormatLite::WIRETYPE_VARINT);
  // int32 fields encode negative values as 10-byte varints; nanos is never negative here.
  AppendVarint(&timestamp, static_cast<uint64_t>(static_cast<int64_t>(seal.nanos)));
  AppendBytesField(out, v1::Event::kRecordedAtFieldNumber, timestamp);
  AppendBytesField(out, v1::Event::kPrevHashFieldNumber, prev_hash);
  AppendBytesField(out, v1::Event::kHashFieldNumber, hash);
}

std::string RecomputeHash(const v1::Event& event) {
  Seal seal{event.version(), event.position(), event.recorded_at().seconds(),
            event.recorded_at().nanos()};
  switch (event.canonical_version()) {
    case 0:
    case 1:
      return ChainHash(event.prev_hash(), CanonicalContentV1(event), seal);
    case 2:
      return ChainHash(event.prev_hash(), CanonicalContent(event), seal);
    default:
      return std::string();
  }
}

std::string StoredForm(const v1::Event& event) {
  v1::Event content = event;
  content.clear_version();
  content.clear_position();
  content.clear_recorded_at();
  content.clear_prev_hash();
  content.clear_hash();
  std::string out;
  if (!content.SerializeToString(&out)) return std::string();
  const Seal seal{event.version(), event.position(), event.recorded_at().seconds(),
                  event.recorded_at().nanos()};
  AppendSealWire(&out, seal, event.prev_hash(), event.hash());
  return out;
}

bool IsStoredForm(const v1::Event& event, absl::string_view stored) {
  return StoredForm(event) == stored;
}

bool HasUncoveredFields(const v1::Event& event) {
  const auto unknown = [](const google::protobuf::Message& m) {
    return !m.GetReflection()->GetUnknownFields(m).empty();
  };
  return unknown(event) || unknown(event.metadata()) || unknown(event.recorded_at());
}

bool ScanHeader(absl::string_view wire, EventHeader* header) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(wire.data()),
                                            static_cast<int>(wire.size()));
  bool have_stream = false;
  bool have_type = false;
  while (true) {
    const uint32_t tag = in.ReadTag();
    // End of input (or a malformed tag) before both fields were seen: not a stored event.
    if (tag == 0) return false;
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    if ((field == v1::Event::kStreamFieldNumber || field == v1::Event::kTypeFieldNumber) &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const int offset = in.CurrentPosition();
      if (length > wire.size() - static_cast<size_t>(offset)) return false;
      absl::string_view value = wire.substr(offset, length);
      if (!in.Skip(static_cast<int>(length))) return false;
      if (field == v1::Event::kStreamFieldNumber) {
        header->stream = value;
        have_stream = true;
      } else {
        header->type = value;
        have_type = true;
      }
      if (have_stream && have_type) return true;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
}

std::string HexEncode(absl::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

}  // namespace footprint::eventstore::codec
