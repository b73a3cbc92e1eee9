// Identifier and version types of the event store, and the rules that validate them.
//
// Thread-safety: all types here are values; distinct objects may be used from any thread.
#ifndef FOOTPRINT_EVENTSTORE_TYPES_H_
#define FOOTPRINT_EVENTSTORE_TYPES_H_

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace footprint::eventstore {

// Position of an event in the whole log: 0-based and gapless.
struct GlobalPosition {
  uint64_t value = 0;
  auto operator<=>(const GlobalPosition&) const = default;
};

// Version of an event within its stream: 0-based and gapless per stream.
struct StreamVersion {
  uint64_t value = 0;
  auto operator<=>(const StreamVersion&) const = default;
};

// A validated stream id: 1..kMaxStreamIdBytes bytes of [A-Za-z0-9._:@/-], starting with a letter
// or a digit. The byte 0x00 can never occur, which keeps the stream index key prefix-free.
class StreamId {
 public:
  static constexpr size_t kMaxBytes = 128;

  // INVALID_ARGUMENT naming `field` and the rule when `text` is not a valid stream id.
  static absl::StatusOr<StreamId> Parse(absl::string_view text, absl::string_view field = "stream");

  const std::string& str() const { return value_; }
  auto operator<=>(const StreamId&) const = default;

 private:
  explicit StreamId(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

// Checks a stream prefix used as a read filter: empty, or the start of a valid stream id.
absl::Status ValidateStreamPrefix(absl::string_view prefix, absl::string_view field);

// Event types: [A-Za-z][A-Za-z0-9._-]{0,127}.
inline constexpr size_t kMaxEventTypeBytes = 128;
absl::Status ValidateEventType(absl::string_view type, absl::string_view field);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// A UUID event id. Text form is canonical lower-case 8-4-4-4-12 hex.
class EventId {
 public:
  // Accepts the canonical form in either case. INVALID_ARGUMENT naming `field` otherwise.
  static absl::StatusOr<EventId> Parse(absl::string_view text, absl::string_view field = "id");
  // A time-ordered (version 7) UUID: Unix milliseconds, then 74 bits from OpenSSL's CSPRNG.
  static EventId Generate();
  // A name-based UUID (version 8 layout; SHA-256 of namespace and name), for deterministic ids
  // of events that the service appends itself.
  static EventId FromName(absl::string_view name_space, absl::string_view name);
  static EventId FromBytes(const std::array<uint8_t, 16>& bytes) { return EventId(bytes); }

  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  absl::string_view bytes_view() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }
  std::string ToString() const;
  auto operator<=>(const EventId&) const = default;

 private:
  explicit EventId(const std::array<uint8_t, 16>& bytes) : bytes_(bytes) {}
  std::array<uint8_t, 16> bytes_;
};

// Payload key of an ABORTED expected-version status: the stream's current last version as a
// decimal string, or "none" when the stream has no events.
inline constexpr char kCurrentVersionPayload[] = "footprint/current_version";

// The condition an append places on the stream's current last version.
class ExpectedVersion {
 public:
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };

  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kNoStream, 0); }
  static ExpectedVersion StreamExists() { return ExpectedVersion(Kind::kStreamExists, 0); }
  static ExpectedVersion Exact(StreamVersion v) { return ExpectedVersion(Kind::kExact, v.value); }

  // "any", "no-stream", "exists" or a decimal version. INVALID_ARGUMENT naming `field` otherwise.
  static absl::StatusOr<ExpectedVersion> Parse(absl::string_view text,
                                               absl::string_view field = "expected_version");

  // OK when a stream whose last version is `head` (nullopt: no such stream) satisfies this
  // expectation; otherwise ABORTED with a message that states the stream's current version,
  // which is also attached as payload kCurrentVersionPayload.
  absl::Status Check(const StreamId& stream, std::optional<StreamVersion> head) const;

  Kind kind() const { return kind_; }
  StreamVersion exact() const { return StreamVersion{exact_}; }
  std::string ToString() const;
  bool operator==(const ExpectedVersion&) const = default;

 private:
  ExpectedVersion(Kind kind, uint64_t exact) : kind_(kind), exact_(exact) {}
  absl::Status CheckWithoutPayload(const StreamId& stream, std::optional<StreamVersion> head) const;
  Kind kind_;
  uint64_t exact_;
};

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_TYPES_H_
