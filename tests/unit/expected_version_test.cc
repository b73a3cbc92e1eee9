// The expected-version rules an append is checked against.
#include "catch2/catch.hpp"
#include "eventstore/types.h"

namespace footprint::eventstore {
namespace {

const StreamId kStream = *StreamId::Parse("child-1");
const std::optional<StreamVersion> kMissing = std::nullopt;
const std::optional<StreamVersion> kAtZero = StreamVersion{0};
const std::optional<StreamVersion> kAtFive = StreamVersion{5};

TEST_CASE("any accepts every stream state", "[expected_version]") {
  CHECK(ExpectedVersion::Any().Check(kStream, kMissing).ok());
  CHECK(ExpectedVersion::Any().Check(kStream, kAtZero).ok());
  CHECK(ExpectedVersion::Any().Check(kStream, kAtFive).ok());
}

TEST_CASE("no-stream accepts only a stream without events", "[expected_version]") {
  CHECK(ExpectedVersion::NoStream().Check(kStream, kMissing).ok());
  const absl::Status st = ExpectedVersion::NoStream().Check(kStream, kAtZero);
  CHECK(st.code() == absl::StatusCode::kAborted);
  CHECK(st.message() ==
        "expected version: stream 'child-1' must not exist, but it is at version 0");
  CHECK(st.GetPayload(kCurrentVersionPayload).value() == "0");
}

TEST_CASE("exists accepts any stream with events", "[expected_version]") {
  CHECK(ExpectedVersion::StreamExists().Check(kStream, kAtZero).ok());
  CHECK(ExpectedVersion::StreamExists().Check(kStream, kAtFive).ok());
  const absl::Status st = ExpectedVersion::StreamExists().Check(kStream, kMissing);
  CHECK(st.code() == absl::StatusCode::kAborted);
  CHECK(st.message() == "expected version: stream 'child-1' must exist, but it does not exist");
  CHECK(st.GetPayload(kCurrentVersionPayload).value() == "none");
}

TEST_CASE("exact N accepts only a stream whose last version is N", "[expected_version]") {
  CHECK(ExpectedVersion::Exact(StreamVersion{5}).Check(kStream, kAtFive).ok());
  CHECK(ExpectedVersion::Exact(StreamVersion{0}).Check(kStream, kAtZero).ok());
  const absl::Status behind = ExpectedVersion::Exact(StreamVersion{4}).Check(kStream, kAtFive);
  CHECK(behind.code() == absl::StatusCode::kAborted);
  CHECK(behind.message() ==
        "expected version: stream 'child-1' expected at version 4, but it is at version 5");
  CHECK(behind.GetPayload(kCurrentVersionPayload).value() == "5");
  CHECK(ExpectedVersion::Exact(StreamVersion{6}).Check(kStream, kAtFive).code() ==
        absl::StatusCode::kAborted);
  // Exact 0 on a missing stream is a mismatch: use no-stream for the first event.
  const absl::Status missing = ExpectedVersion::Exact(StreamVersion{0}).Check(kStream, kMissing);
  CHECK(missing.code() == absl::StatusCode::kAborted);
  CHECK(missing.GetPayload(kCurrentVersionPayload).value() == "none");
}

TEST_CASE("expected versions parse from their command-line spelling", "[expected_version]") {
  CHECK(*ExpectedVersion::Parse("any") == ExpectedVersion::Any());
  CHECK(*ExpectedVersion::Parse("no-stream") == ExpectedVersion::NoStream());
  CHECK(*ExpectedVersion::Parse("exists") == ExpectedVersion::StreamExists());
  CHECK(*ExpectedVersion::Parse("0") == ExpectedVersion::Exact(StreamVersion{0}));
  CHECK(*ExpectedVersion::Parse("18446744073709551615") ==
        ExpectedVersion::Exact(StreamVersion{UINT64_MAX}));
  for (const char* bad : {"", "Any", "-1", "1.5", "12x", "18446744073709551616", "no_stream"}) {
    INFO(bad);
    const auto parsed = ExpectedVersion::Parse(bad, "--expected-version");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(parsed.status().message().find("--expected-version") == 0);
  }
  CHECK(ExpectedVersion::Exact(StreamVersion{7}).ToString() == "7");
  CHECK(ExpectedVersion::NoStream().ToString() == "no-stream");
}

}  // namespace
}  // namespace footprint::eventstore
