// The stored form and the hash chain: the golden values below were computed independently
// with Python's hashlib from the canonical encoding documented in eventstore/README.md.
#include "event_codec.h"
#include "catch2/catch.hpp"
#include "google/protobuf/unknown_field_set.h"

namespace footprint::eventstore::codec {
namespace {

// An event as stored before canonical version 2 (no canonical_version, no principal covered).
v1::Event SampleContentV1() {
  v1::Event e;
  e.set_id("0f8fad5b-d9cb-469f-a165-70867728950e");
  e.set_stream("child-42");
  e.set_type("ReviewHeld");
  e.mutable_metadata()->set_source_system("mosaic");
  e.mutable_metadata()->set_correlation_id("corr-1");
  e.mutable_metadata()->set_actor("iro.smith");
  e.set_content_type(v1::CONTENT_TYPE_JSON);
  e.set_data(R"({"date":"2026-01-05"})");
  return e;
}

// An event as stored now: canonical version 2, which covers the principal.
v1::Event SampleContent() {
  v1::Event e = SampleContentV1();
  e.mutable_metadata()->set_principal("case-system");
  e.set_canonical_version(2);
  return e;
}

// The stored bytes as the writer builds them: content wire bytes, then the sealing fields.
v1::Event Seal(const v1::Event& content, const codec::Seal& seal, const std::string& prev,
               std::string* hash_out) {
  std::string wire;
  content.SerializeToString(&wire);
  const std::string hash = ChainHash(
      prev,
      content.canonical_version() >= 2 ? CanonicalContent(content) : CanonicalContentV1(content),
      seal);
  AppendSealWire(&wire, seal, prev, hash);
  v1::Event stored;
  REQUIRE(stored.ParseFromString(wire));
  *hash_out = hash;
  return stored;
}

TEST_CASE("chain hash matches the documented canonical encoding", "[codec]") {
  const codec::Seal seal{3, 17, 1767600000, 123456789};
  const std::string hash = ChainHash(GenesisHash(), CanonicalContent(SampleContent()), seal);
  CHECK(HexEncode(hash) == "af7c8fa8cab1e21cefa9b71de02e2923c31e956cdca9c191f71de13d768e771e");

  const codec::Seal next{4, 18, 1767600001, 0};
  const std::string hash2 = ChainHash(hash, CanonicalContent(SampleContent()), next);
  CHECK(HexEncode(hash2) == "420edc33efd44a38468ca8e83554ed7de092e4d45c7ed9b199d5b86be405a9f1");
}

TEST_CASE("events stored in canonical version 1 still verify with it", "[codec]") {
  const codec::Seal seal{3, 17, 1767600000, 123456789};
  const std::string hash = ChainHash(GenesisHash(), CanonicalContentV1(SampleContentV1()), seal);
  CHECK(HexEncode(hash) == "889d84e2689beb42a250bf76849c881ee1787a7b392706cd005daa340c48d248");
  std::string sealed_hash;
  const v1::Event stored = Seal(SampleContentV1(), seal, GenesisHash(), &sealed_hash);
  CHECK(stored.canonical_version() == 0);
  CHECK(RecomputeHash(stored) == hash);
  // Version 1 never covered the principal; version 2 does.
  v1::Event renamed = stored;
  renamed.mutable_metadata()->set_principal("someone-else");
  CHECK(RecomputeHash(renamed) == hash);
}

TEST_CASE("a version-2 event cannot pass for a version-1 one, nor name an unknown version",
          "[codec]") {
  std::string hash;
  const v1::Event stored =
      Seal(SampleContent(), {3, 17, 1767600000, 123456789}, GenesisHash(), &hash);
  REQUIRE(RecomputeHash(stored) == hash);
  v1::Event downgraded = stored;
  downgraded.clear_canonical_version();
  CHECK(RecomputeHash(downgraded) != hash);
  v1::Event unknown = stored;
  unknown.set_canonical_version(3);
  CHECK(RecomputeHash(unknown).empty());
}

TEST_CASE("bytes that no canonical encoding covers are found", "[codec]") {
  std::string hash;
  const v1::Event stored = Seal(SampleContent(), {1, 2, 3, 4}, GenesisHash(), &hash);
  CHECK_FALSE(HasUncoveredFields(stored));
  std::string wire;
  stored.SerializeToString(&wire);
  // Field 99 (varint 7) at the top level, then inside the metadata.
  v1::Event extra;
  REQUIRE(extra.ParseFromString(wire + std::string("\x98\x06\x07", 3)));
  CHECK(RecomputeHash(extra) == hash);  // the hash alone would not notice
  CHECK(HasUncoveredFields(extra));
  v1::Event metadata_extra = stored;
  metadata_extra.mutable_metadata()
      ->GetReflection()
      ->MutableUnknownFields(metadata_extra.mutable_metadata())
      ->AddVarint(99, 7);
  CHECK(HasUncoveredFields(metadata_extra));
}

TEST_CASE("sealed wire bytes parse back to every field", "[codec]") {
  std::string hash;
  const v1::Event stored =
      Seal(SampleContent(), {3, 17, 1767600000, 123456789}, GenesisHash(), &hash);
  CHECK(stored.id() == "0f8fad5b-d9cb-469f-a165-70867728950e");
  CHECK(stored.stream() == "child-42");
  CHECK(stored.version() == 3);
  CHECK(stored.position() == 17);
  CHECK(stored.type() == "ReviewHeld");
  CHECK(stored.recorded_at().seconds() == 1767600000);
  CHECK(stored.recorded_at().nanos() == 123456789);
  CHECK(stored.metadata().actor() == "iro.smith");
  CHECK(stored.data() == R"({"date":"2026-01-05"})");
  CHECK(stored.prev_hash() == GenesisHash());
  CHECK(stored.hash() == hash);
  CHECK(RecomputeHash(stored) == stored.hash());
}

TEST_CASE("position and version zero are encoded explicitly and survive", "[codec]") {
  std::string hash;
  const v1::Event stored = Seal(SampleContent(), {0, 0, 0, 0}, GenesisHash(), &hash);
  CHECK(stored.version() == 0);
  CHECK(stored.position() == 0);
  CHECK(RecomputeHash(stored) == hash);
}

TEST_CASE("any change to a stored field changes the recomputed hash", "[codec]") {
  std::string hash;
  const v1::Event stored = Seal(SampleContent(), {3, 17, 1767600000, 5}, GenesisHash(), &hash);
  const std::vector<std::function<void(v1::Event&)>> edits = {
      [](v1::Event& e) { e.set_data(R"({"date":"2026-01-06"})"); },
      [](v1::Event& e) { e.set_stream("child-43"); },
      [](v1::Event& e) { e.set_type("ReviewCancelled"); },
      [](v1::Event& e) { e.set_id("0f8fad5b-d9cb-469f-a165-70867728950f"); },
      [](v1::Event& e) { e.set_version(4); },
      [](v1::Event& e) { e.set_position(18); },
      [](v1::Event& e) { e.mutable_recorded_at()->set_seconds(1767600001); },
      [](v1::Event& e) { e.mutable_recorded_at()->set_nanos(6); },
      [](v1::Event& e) { e.mutable_metadata()->set_actor("someone.else"); },
      [](v1::Event& e) { e.mutable_metadata()->set_source_system("other"); },
      [](v1::Event& e) { e.mutable_metadata()->set_correlation_id("corr-2"); },
      [](v1::Event& e) { e.mutable_metadata()->set_principal("another-client"); },
      [](v1::Event& e) { e.set_content_type(v1::CONTENT_TYPE_PROTOBUF); },
      [](v1::Event& e) { e.set_payload_type("footprint.v1.Event"); },
      [](v1::Event& e) { e.set_prev_hash(std::string(32, '\x01')); },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    v1::Event altered = stored;
    edits[i](altered);
    INFO("edit " << i);
    CHECK(RecomputeHash(altered) != hash);
  }
}

TEST_CASE("length prefixes keep field boundaries apart", "[codec]") {
  // Moving a character from one field to the next must not give the same canonical bytes.
  v1::Event a = SampleContent();
  v1::Event b = SampleContent();
  a.mutable_metadata()->set_source_system("ab");
  a.mutable_metadata()->set_correlation_id("c");
  b.mutable_metadata()->set_source_system("a");
  b.mutable_metadata()->set_correlation_id("bc");
  CHECK(CanonicalContent(a) != CanonicalContent(b));
}

TEST_CASE("header scan reads stream and type without a full parse", "[codec]") {
  std::string hash;
  const v1::Event stored = Seal(SampleContent(), {1, 2, 3, 4}, GenesisHash(), &hash);
  std::string wire;
  stored.SerializeToString(&wire);
  EventHeader header;
  REQUIRE(ScanHeader(wire, &header));
  CHECK(header.stream == "child-42");
  CHECK(header.type == "ReviewHeld");

  EventHeader ignored;
  CHECK_FALSE(ScanHeader(wire.substr(0, 10), &ignored));  // truncated inside a field
  CHECK_FALSE(ScanHeader("", &ignored));
}

}  // namespace
}  // namespace footprint::eventstore::codec
