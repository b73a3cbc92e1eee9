#include "eventstore/types.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace footprint::eventstore {
namespace {

bool IsStreamIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
         c == '@' || c == '/' || c == '-';
}

bool IsEventTypeChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Shows a client-supplied value inside an error message without letting it run on.
std::string Quoted(absl::string_view text) {
  constexpr size_t kMaxShown = 64;
  std::string shown;
  for (char c : text.substr(0, kMaxShown)) {
    if (absl::ascii_isprint(static_cast<unsigned char>(c))) {
      shown.push_back(c);
    } else {
      absl::StrAppend(&shown, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  if (text.size() > kMaxShown) shown.append("...");
  return absl::StrCat("'", shown, "'");
}

}  // namespace

absl::StatusOr<StreamId> StreamId::Parse(absl::string_view text, absl::string_view field) {
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": stream id is required"));
  }
  if (text.size() > kMaxBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": stream id is ", text.size(), " bytes; the maximum is ", kMaxBytes));
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(text[0]))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": stream id ", Quoted(text), " must start with a letter or a digit"));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsStreamIdChar(text[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": stream id ", Quoted(text),
                       " has a character not in [A-Za-z0-9._:@/-] at byte ", i));
    }
  }
  return StreamId(std::string(text));
}

absl::Status ValidateStreamPrefix(absl::string_view prefix, absl::string_view field) {
  if (prefix.empty()) return absl::OkStatus();
  return StreamId::Parse(prefix, field).status();
}

absl::Status ValidateEventType(absl::string_view type, absl::string_view field) {
  if (type.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": event type is required"));
  }
  if (type.size() > kMaxEventTypeBytes) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": event type is ", type.size(),
                                                   " bytes; the maximum is ", kMaxEventTypeBytes));
  }
  if (!absl::ascii_isalpha(static_cast<unsigned char>(type[0]))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": event type ", Quoted(type), " must start with a letter"));
  }
  for (size_t i = 0; i < type.size(); ++i) {
    if (!IsEventTypeChar(type[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": event type ", Quoted(type),
                       " has a character not in [A-Za-z0-9._-] at byte ", i));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<EventId> EventId::Parse(absl::string_view text, absl::string_view field) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": event id ", Quoted(text),
        " is not a UUID in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)"));
  };
  if (text.size() != 36) return invalid();
  std::array<uint8_t, 16> bytes{};
  size_t out = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return invalid();
      ++i;
      continue;
    }
    const int hi = HexValue(text[i]);
    const int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return invalid();
    bytes[out++] = static_cast<uint8_t>((hi << 4) | lo);
    i += 2;
  }
  return EventId(bytes);
}

EventId EventId::Generate() {
  // RAND_bytes costs a few microseconds per call in OpenSSL 3 whatever the size, so each thread
  // draws 256 ids' worth at a time.
  // A forked child draws afresh rather than repeat its parent's ids.
  struct Pool {
    std::array<uint8_t, 16 * 256> bytes;
    size_t used = 16 * 256;
    pid_t pid = 0;
  };
  thread_local Pool pool;
  if (pool.used == pool.bytes.size() || pool.pid != getpid()) {
    if (RAND_bytes(pool.bytes.data(), static_cast<int>(pool.bytes.size())) != 1) {
      // OpenSSL's DRBG only fails if it cannot be seeded, which makes the process unusable for
      // anything security related; there is no safe fallback.
      std::abort();
    }
    pool.used = 0;
    pool.pid = getpid();
  }
  std::array<uint8_t, 16> bytes{};
  std::copy_n(pool.bytes.begin() + static_cast<std::ptrdiff_t>(pool.used), 16, bytes.begin());
  pool.used += 16;
  // UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered ids
  // keep the id index's inserts close together instead of scattered.
  const uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(millis >> (40 - 8 * i));
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x70);  // version 7
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return EventId(bytes);
}

EventId EventId::FromName(absl::string_view name_space, absl::string_view name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const std::string length_prefix = std::to_string(name_space.size()) + ":";
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, length_prefix.data(), length_prefix.size()) == 1 &&
                  EVP_DigestUpdate(ctx, name_space.data(), name_space.size()) == 1 &&
                  EVP_DigestUpdate(ctx, name.data(), name.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) std::abort();  // Only on allocation failure inside OpenSSL.
  std::array<uint8_t, 16> bytes{};
  std::copy(digest, digest + 16, bytes.begin());
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x80);  // version 8 (custom, name-based)
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);
  return EventId(bytes);
}

std::string EventId::ToString() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kDigits[bytes_[i] >> 4]);
    out.push_back(kDigits[bytes_[i] & 0xf]);
  }
  return out;
}

absl::StatusOr<ExpectedVersion> ExpectedVersion::Parse(absl::string_view text,
                                                       absl::string_view field) {
  if (text == "any") return Any();
  if (text == "no-stream") return NoStream();
  if (text == "exists") return StreamExists();
  uint64_t version = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (!text.empty() && error == std::errc() && end == text.data() + text.size()) {
    return Exact(StreamVersion{version});
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", Quoted(text),
                   " is not an expected version; use any, no-stream, exists or a version number"));
}

absl::Status ExpectedVersion::Check(const StreamId& stream,
                                    std::optional<StreamVersion> head) const {
  absl::Status status = CheckWithoutPayload(stream, head);
  if (!status.ok()) {
    status.SetPayload(kCurrentVersionPayload,
                      absl::Cord(head ? std::to_string(head->value) : std::string("none")));
  }
  return status;
}

absl::Status ExpectedVersion::CheckWithoutPayload(const StreamId& stream,
                                                  std::optional<StreamVersion> head) const {
  const auto current = [&]() -> std::string {
    return head ? absl::StrCat("is at version ", head->value) : "does not exist";
  };
  switch (kind_) {
    case Kind::kAny:
      return absl::OkStatus();
    case Kind::kNoStream:
      if (!head) return absl::OkStatus();
      return absl::AbortedError(absl::StrCat("expected version: stream '", stream.str(),
                                             "' must not exist, but it ", current()));
    case Kind::kStreamExists:
      if (head) return absl::OkStatus();
      return absl::AbortedError(absl::StrCat("expected version: stream '", stream.str(),
                                             "' must exist, but it ", current()));
    case Kind::kExact:
      if (head && head->value == exact_) return absl::OkStatus();
      return absl::AbortedError(absl::StrCat("expected version: stream '", stream.str(),
                                             "' expected at version ", exact_, ", but it ",
                                             current()));
  }
  return absl::InternalError("unknown expected version kind");
}

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny:
      return "any";
    case Kind::kNoStream:
      return "no-stream";
    case Kind::kStreamExists:
      return "exists";
    case Kind::kExact:
      return std::to_string(exact_);
  }
  return "?";
}

}  // namespace footprint::eventstore
