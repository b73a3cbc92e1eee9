// Key encodings: byte order equals logical order, and no stream's keys collide with another's.
#include <algorithm>
#include <random>
#include <set>

#include "catch2/catch.hpp"
#include "key_format.h"

namespace footprint::eventstore::keys {
namespace {

TEST_CASE("event keys sort in position order", "[keys]") {
  const std::vector<uint64_t> positions = {
      0, 1, 255, 256, 65535, 65536, 1ull << 32, UINT64_MAX - 1, UINT64_MAX};
  for (size_t i = 1; i < positions.size(); ++i) {
    INFO(positions[i - 1] << " < " << positions[i]);
    CHECK(EventKey(positions[i - 1]) < EventKey(positions[i]));
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t a = rng(), b = rng();
    CHECK((EventKey(a) < EventKey(b)) == (a < b));
    CHECK(DecodeEventKey(EventKey(a)) == a);
  }
  CHECK(EventKey(1) == std::string("\0\0\0\0\0\0\0\x01", 8));
}

TEST_CASE("malformed event keys are rejected", "[keys]") {
  CHECK_FALSE(DecodeEventKey("").has_value());
  CHECK_FALSE(DecodeEventKey("1234567").has_value());
  CHECK_FALSE(DecodeEventKey("123456789").has_value());
}

TEST_CASE("stream keys sort by stream then version", "[keys]") {
  CHECK(StreamKey("child-1", 9) < StreamKey("child-1", 10));
  CHECK(StreamKey("child-1", 255) < StreamKey("child-1", 256));
  CHECK(StreamKey("child-1", UINT64_MAX) < StreamKey("child-10", 0));
  CHECK(StreamKey("a", UINT64_MAX) < StreamKey("a.b", 0));
  CHECK(StreamKey("a", UINT64_MAX) < StreamKey("aa", 0));
}

TEST_CASE("no stream's key range contains another stream's keys", "[keys]") {
  // Streams that are prefixes of one another are the dangerous case.
  const std::vector<std::string> streams = {"a",       "a-",        "a-1",      "a-10",
                                            "a.b",     "ab",        "b",        "child",
                                            "child-1", "child-1-1", "child-12", "child:1"};
  std::vector<std::pair<std::string, std::string>> all;  // key, stream
  for (const auto& s : streams) {
    for (uint64_t v : std::vector<uint64_t>{0, 1, 2, 256, UINT64_MAX})
      all.emplace_back(StreamKey(s, v), s);
  }
  for (const auto& s : streams) {
    const std::string prefix = StreamKeyPrefix(s);
    for (const auto& [key, owner] : all) {
      INFO("stream " << s << " key of " << owner);
      CHECK((key.rfind(prefix, 0) == 0) == (owner == s));
    }
  }
  // Sorted, each stream's keys are contiguous.
  std::sort(all.begin(), all.end());
  std::set<std::string> finished;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0 && all[i].second != all[i - 1].second) {
      CHECK(finished.insert(all[i - 1].second).second);
      CHECK(finished.count(all[i].second) == 0);
    }
  }
}

TEST_CASE("stream keys decode back to stream and version", "[keys]") {
  const std::string key = StreamKey("challenge-7", 300);
  const auto decoded = DecodeStreamKey(key);  // views into `key`
  REQUIRE(decoded.has_value());
  CHECK(decoded->stream == "challenge-7");
  CHECK(decoded->version == 300);
  CHECK_FALSE(DecodeStreamKey("short").has_value());
  CHECK_FALSE(DecodeStreamKey(std::string("ab\x01") + std::string(8, '\0')).has_value());
}

TEST_CASE("family and meta keys do not overlap", "[keys]") {
  CHECK(ReadModelFamily("timeliness") == "rm.timeliness");
  CHECK(MetaTypeKey("ReviewHeld") == "type/ReviewHeld");
  // The registry prefix never matches the fixed meta keys.
  for (const std::string key : {kMetaSchemaVersion, kMetaStoreId}) {
    CHECK(key.rfind(kMetaTypePrefix, 0) != 0);
  }
  const std::set<std::string> families = {kEventsFamily, kStreamsFamily, kIdsFamily,
                                          kCheckpointsFamily, kMetaFamily};
  CHECK(families.size() == 5);
  for (const auto& f : families) CHECK(f.rfind(kReadModelFamilyPrefix, 0) != 0);
}

}  // namespace
}  // namespace footprint::eventstore::keys
