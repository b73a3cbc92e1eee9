// The metadata a client sends with its calls, as footprintd expects it (docs/operations.md):
// the purpose of a read (footprint-purpose: UTF-8, percent-encoded on the wire) and the
// correlation id. Shared by the `footprint` CLI and the bench tools. Header-only.
#ifndef FOOTPRINT_TOOLS_CLIENT_METADATA_H_
#define FOOTPRINT_TOOLS_CLIENT_METADATA_H_

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace footprint::client {

// The length of the well-formed UTF-8 character at the start of `text` (1 to 4 bytes; no
// overlong forms, surrogates or values past U+10FFFF), or 0 when there is none.
inline size_t Utf8CharLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xc0) == 0x80; };
  if (text.empty()) return 0;
  const unsigned char b = byte(0);
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return continuation(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (b == 0xe0 && byte(1) < 0xa0) return 0;   // overlong
    if (b == 0xed && byte(1) >= 0xa0) return 0;  // surrogates
    return 3;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (b == 0xf0 && byte(1) < 0x90) return 0;   // overlong
    if (b == 0xf4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

// The longest purpose footprintd accepts, in bytes of UTF-8 (services/access_control.h).
inline constexpr size_t kMaxPurposeBytes = 512;

// Why `purpose` cannot be sent ("" when it can): it must be valid UTF-8 of at most
// kMaxPurposeBytes without control characters (U+0000-U+001F, U+007F-U+009F: no newlines or
// tabs), the server's rules, checked before any call.
inline std::string PurposeProblem(std::string_view purpose) {
  for (size_t i = 0; i < purpose.size();) {
    const size_t length = Utf8CharLength(purpose.substr(i));
    if (length == 0) return "must be valid UTF-8 (byte " + std::to_string(i) + " is not)";
    const auto b0 = static_cast<unsigned char>(purpose[i]);
    const auto b1 = length > 1 ? static_cast<unsigned char>(purpose[i + 1]) : 0;
    if (b0 < 0x20 || b0 == 0x7f || (b0 == 0xc2 && b1 <= 0x9f)) {
      char code[8];
      std::snprintf(code, sizeof code, "%04X", length == 1 ? b0 : b1);
      return "must not contain control characters such as newlines or tabs (U+" +
             std::string(code) + " at byte " + std::to_string(i) + ")";
    }
    i += length;
  }
  if (purpose.size() > kMaxPurposeBytes) {
    return std::to_string(purpose.size()) + " bytes; the maximum is " +
           std::to_string(kMaxPurposeBytes);
  }
  return "";
}

// The footprint-purpose metadata value of `purpose` (docs/operations.md): gRPC sends only
// printable ASCII in such a value (anything else aborts the call), so every byte outside
// 0x20-0x7E, and '%', is sent as %XX; ASCII without '%' is sent as it is.
inline std::string EncodePurpose(std::string_view purpose) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string wire;
  wire.reserve(purpose.size());
  for (const char c : purpose) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b <= 0x7e && b != '%') {
      wire.push_back(c);
    } else {
      wire += {'%', kHex[b >> 4], kHex[b & 0xf]};
    }
  }
  return wire;
}

// "" when `id` may be sent as footprint-correlation-id metadata (printable ASCII, as gRPC
// requires), else why not.
inline std::string CorrelationIdProblem(std::string_view id) {
  for (size_t i = 0; i < id.size(); ++i) {
    const auto b = static_cast<unsigned char>(id[i]);
    if (b < 0x20 || b > 0x7e) {
      return "must be printable ASCII (byte " + std::to_string(i) + " is not)";
    }
  }
  return "";
}

}  // namespace footprint::client

#endif  // FOOTPRINT_TOOLS_CLIENT_METADATA_H_
