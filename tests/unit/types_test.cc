// Stream ids, event types and event ids: the formats the store accepts.
#include <set>

#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "eventstore/types.h"

namespace footprint::eventstore {
namespace {

TEST_CASE("stream ids accept the documented alphabet", "[types]") {
  for (const char* ok : {"child-1", "challenge:2026/17", "a", "0", "x.y_z@council", "C-1"}) {
    INFO(ok);
    CHECK(StreamId::Parse(ok).ok());
  }
  CHECK(StreamId::Parse(std::string(StreamId::kMaxBytes, 'a')).ok());
}

TEST_CASE("stream ids are rejected with the field and the rule", "[types]") {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "stream: stream id is required"},
      {"-child", "stream: stream id '-child' must start with a letter or a digit"},
      {"child 1", "stream: stream id 'child 1' has a character not in [A-Za-z0-9._:@/-] at byte 5"},
      {std::string("a\0b", 3),
       "stream: stream id 'a\\x00b' has a character not in [A-Za-z0-9._:@/-] at byte 1"},
      {std::string(129, 'a'), "stream: stream id is 129 bytes; the maximum is 128"},
      {"$system", "stream: stream id '$system' must start with a letter or a digit"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto parsed = StreamId::Parse(c.text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(parsed.status().message()) == c.message);
  }
}

TEST_CASE("event types must be identifiers", "[types]") {
  CHECK(ValidateEventType("ReviewHeld", "type").ok());
  CHECK(ValidateEventType("footprint.v1.ReviewHeld", "type").ok());
  CHECK(ValidateEventType("review-held_2", "type").ok());
  CHECK(ValidateEventType("", "events[0].type").message() ==
        "events[0].type: event type is required");
  CHECK(ValidateEventType("1Review", "t").message() ==
        "t: event type '1Review' must start with a letter");
  CHECK(ValidateEventType("Review Held", "t").code() == absl::StatusCode::kInvalidArgument);
  CHECK(ValidateEventType(std::string(129, 'a'), "t").message() ==
        "t: event type is 129 bytes; the maximum is 128");
}

TEST_CASE("event ids round-trip in canonical lower-case form", "[types]") {
  const auto id = EventId::Parse("0F8FAD5B-D9CB-469F-A165-70867728950E");
  REQUIRE(id.ok());
  CHECK(id->ToString() == "0f8fad5b-d9cb-469f-a165-70867728950e");
  CHECK(id->bytes()[0] == 0x0f);
  CHECK(id->bytes()[15] == 0x0e);
  for (const char* bad :
       {"", "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5bd9cb469fa16570867728950e",
        "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5b_d9cb-469f-a165-70867728950e"}) {
    INFO(bad);
    const auto parsed = EventId::Parse(bad, "events[2].id");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().message().find("events[2].id: event id") == 0);
  }
}

TEST_CASE("generated event ids are unique time-ordered version-7 UUIDs", "[types]") {
  const int64_t before = absl::ToUnixMillis(absl::Now());
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const EventId id = EventId::Generate();
    CHECK((id.bytes()[6] >> 4) == 7);
    CHECK((id.bytes()[8] & 0xc0) == 0x80);
    int64_t millis = 0;
    for (int b = 0; b < 6; ++b) millis = (millis << 8) | id.bytes()[b];
    CHECK(millis >= before);
    CHECK(millis <= absl::ToUnixMillis(absl::Now()));
    seen.insert(id.ToString());
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("name-based ids are deterministic and separate namespaces", "[types]") {
  const EventId a = EventId::FromName("deadline", "challenge-1/stage-1");
  CHECK(a == EventId::FromName("deadline", "challenge-1/stage-1"));
  CHECK(a != EventId::FromName("deadline", "challenge-1/stage-2"));
  // The namespace length is part of the hash input, so the split point matters.
  CHECK(EventId::FromName("ab", "c") != EventId::FromName("a", "bc"));
  CHECK((a.bytes()[6] >> 4) == 8);
}

}  // namespace
}  // namespace footprint::eventstore
