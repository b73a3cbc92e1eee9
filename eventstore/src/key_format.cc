#include "key_format.h"

#include "absl/strings/str_cat.h"

namespace footprint::eventstore::keys {

void AppendU64BigEndian(std::string* out, uint64_t value) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  out->append(buf, sizeof(buf));
}

std::optional<uint64_t> DecodeU64BigEndian(absl::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t value = 0;
  for (unsigned char c : bytes) value = (value << 8) | c;
  return value;
}

std::string EventKey(uint64_t position) {
  std::string key;
  key.reserve(8);
  AppendU64BigEndian(&key, position);
  return key;
}

std::optional<uint64_t> DecodeEventKey(absl::string_view key) { return DecodeU64BigEndian(key); }

std::string StreamKeyPrefix(absl::string_view stream) {
  std::string key;
  key.reserve(stream.size() + 1);
  key.append(stream.data(), stream.size());
  key.push_back('\0');
  return key;
}

std::string StreamKey(absl::string_view stream, uint64_t version) {
  std::string key;
  key.reserve(stream.size() + 9);
  key.append(stream.data(), stream.size());
  key.push_back('\0');
  AppendU64BigEndian(&key, version);
  return key;
}

std::optional<DecodedStreamKey> DecodeStreamKey(absl::string_view key) {
  if (key.size() < 10 || key[key.size() - 9] != '\0') return std::nullopt;
  absl::string_view stream = key.substr(0, key.size() - 9);
  if (stream.find('\0') != absl::string_view::npos) return std::nullopt;
  auto version = DecodeU64BigEndian(key.substr(key.size() - 8));
  if (!version) return std::nullopt;
  return DecodedStreamKey{stream, *version};
}

std::string MetaTypeKey(absl::string_view event_type) {
  return absl::StrCat(kMetaTypePrefix, event_type);
}

std::string ReadModelFamily(absl::string_view name) {
  return absl::StrCat(kReadModelFamilyPrefix, name);
}

}  // namespace footprint::eventstore::keys
