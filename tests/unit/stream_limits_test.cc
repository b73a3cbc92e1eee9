// StreamLimits: the open-stream bounds, in all and per identity, and the release of a place.
#include "services/stream_limits.h"

#include <optional>
#include <vector>

#include "catch2/catch.hpp"

using footprint::services::StreamLimits;

TEST_CASE("stream limits bound each identity and the server", "[stream_limits]") {
  StreamLimits limits(/*max_streams=*/5, /*max_streams_per_identity=*/3);
  std::vector<StreamLimits::Slot> held;
  for (int i = 0; i < 3; ++i) {
    auto slot = limits.Acquire("case-system", "EventStore.Subscribe");
    REQUIRE(slot.ok());
    held.push_back(*std::move(slot));
  }
  // The fourth of one identity is refused; another identity still gets in.
  auto fourth = limits.Acquire("case-system", "EventStore.Subscribe");
  REQUIRE(fourth.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(fourth.status().message() ==
        "EventStore.Subscribe: 'case-system' has 3 streams open, the most one identity may "
        "hold (limits.max_streams_per_identity); close one first");
  for (int i = 0; i < 2; ++i) {
    auto slot = limits.Acquire("auditor-alice", "EventStore.ReadAll");
    REQUIRE(slot.ok());
    held.push_back(*std::move(slot));
  }
  CHECK(limits.open() == 5);
  CHECK(limits.open("auditor-alice") == 2);
  // Full: a third identity is refused by the server-wide limit.
  auto full = limits.Acquire("manager-bob", "EventStore.ReadAll");
  REQUIRE(full.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(full.status().message() ==
        "EventStore.ReadAll: 5 streams are open, the most footprintd serves at once "
        "(limits.max_streams); close one or try again later");

  // A closed stream gives its place back, to anyone.
  held.erase(held.begin());
  CHECK(limits.open() == 4);
  CHECK(limits.open("case-system") == 2);
  auto bob = limits.Acquire("manager-bob", "EventStore.ReadAll");
  REQUIRE(bob.ok());
  CHECK(limits.open("manager-bob") == 1);
  held.clear();
  CHECK(limits.open() == 1);
  CHECK(limits.open("case-system") == 0);
}

TEST_CASE("a moved stream slot is released once", "[stream_limits]") {
  StreamLimits limits(2, 2);
  std::optional<StreamLimits::Slot> a;
  {
    auto slot = limits.Acquire("x", "m");
    REQUIRE(slot.ok());
    StreamLimits::Slot moved = *std::move(slot);
    a = std::move(moved);
  }  // the moved-from slots release nothing
  CHECK(limits.open("x") == 1);
  auto b = limits.Acquire("x", "m");
  REQUIRE(b.ok());
  *a = *std::move(b);  // assigning releases the place a held
  CHECK(limits.open("x") == 1);
  a.reset();
  CHECK(limits.open() == 0);
  StreamLimits::Slot empty;  // not from Acquire: holds nothing
  CHECK(limits.open() == 0);
}
