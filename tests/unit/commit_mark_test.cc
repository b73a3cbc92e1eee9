// The commit mark's file: two checksummed slots written alternately; the larger valid one is
// the acknowledged end, a torn slot falls back to the other, and a file with no valid slot is
// DATA_LOSS rather than "no mark". A new file is created whole (both slots valid) under a
// temporary name and renamed, so that it never exists without a valid slot.
#include "commit_mark.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "catch2/catch.hpp"
#include "temp_dir.h"

namespace footprint::eventstore {
namespace {

using footprint::testing::ReadFileText;
using footprint::testing::TempDir;

void Overwrite(const std::string& path, uint64_t offset, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

absl::StatusOr<std::optional<uint64_t>> ReadMark(const TempDir& dir) {
  return CommitMark::Read(rocksdb::Env::Default(), dir.path());
}

TEST_CASE("commit mark: no file means no mark", "[commit_mark]") {
  TempDir dir;
  auto mark = ReadMark(dir);
  REQUIRE(mark.ok());
  CHECK_FALSE(mark->has_value());
}

TEST_CASE("commit mark: writes alternate slots and the larger valid value counts",
          "[commit_mark]") {
  TempDir dir;
  const std::string path = dir.Sub("COMMITTED");
  {
    auto mark = CommitMark::OpenForWrite(rocksdb::Env::Default(), dir.path(), 0);
    REQUIRE(mark.ok());
    REQUIRE((*mark)->Write(7).ok());   // slot 0
    REQUIRE((*mark)->Write(12).ok());  // slot 1
    REQUIRE((*mark)->Write(30).ok());  // slot 0 again
    REQUIRE((*mark)->Sync().ok());
  }
  const std::string file = ReadFileText(path);
  REQUIRE(file.size() == 4096 + 32);
  CHECK(file.substr(0, 32) == CommitMark::EncodeSlot(30));
  CHECK(file.substr(4096, 32) == CommitMark::EncodeSlot(12));
  // The layout: magic, the value big-endian, then the checksum.
  CHECK(file.substr(0, 8) == "FPCMARK1");
  CHECK(file.substr(8, 8) == std::string("\0\0\0\0\0\0\0\x1e", 8));
  auto mark = ReadMark(dir);
  REQUIRE(mark.ok());
  CHECK(*mark == std::optional<uint64_t>(30));

  // A torn write of slot 0 (the newest): the other slot's older value is used, which can
  // only make the check at open cover less, never refuse a good log.
  Overwrite(path, 20, "torn");
  mark = ReadMark(dir);
  REQUIRE(mark.ok());
  CHECK(*mark == std::optional<uint64_t>(12));

  // Neither slot valid: the acknowledged end is unknown, which is damage, not "no mark".
  Overwrite(path, 4096 + 3, "x");
  mark = ReadMark(dir);
  CHECK(mark.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(mark.status().message()),
             Catch::Contains(path + "' is damaged (4128 bytes, no slot with a valid checksum)"));
}

TEST_CASE("commit mark: a value altered without its checksum is not believed", "[commit_mark]") {
  TempDir dir;
  {
    auto mark = CommitMark::OpenForWrite(rocksdb::Env::Default(), dir.path(), 0);
    REQUIRE(mark.ok());
    REQUIRE((*mark)->Write(5).ok());
    REQUIRE((*mark)->Write(6).ok());
  }
  // Slot 0 says 5; make it claim 0x0105 without fixing the checksum.
  Overwrite(dir.Sub("COMMITTED"), 14, std::string("\x01", 1));
  auto mark = ReadMark(dir);
  REQUIRE(mark.ok());
  CHECK(*mark == std::optional<uint64_t>(6));
}

TEST_CASE("commit mark: a new file holds its first value in both slots before it is renamed in",
          "[commit_mark]") {
  TempDir dir;
  {
    auto mark = CommitMark::OpenForWrite(rocksdb::Env::Default(), dir.path(), 41);
    REQUIRE(mark.ok());
    // Nothing written through the mark yet: the file already says 41.
    const std::string file = ReadFileText(dir.Sub("COMMITTED"));
    REQUIRE(file.size() == 4096 + 32);
    CHECK(file.substr(0, 32) == CommitMark::EncodeSlot(41));
    CHECK(file.substr(4096, 32) == CommitMark::EncodeSlot(41));
    CHECK_FALSE(std::filesystem::exists(dir.Sub("COMMITTED.tmp")));
  }
  auto mark = ReadMark(dir);
  REQUIRE(mark.ok());
  CHECK(*mark == std::optional<uint64_t>(41));
  // Opening an existing mark keeps what it says.
  {
    auto again = CommitMark::OpenForWrite(rocksdb::Env::Default(), dir.path(), 0);
    REQUIRE(again.ok());
  }
  mark = ReadMark(dir);
  REQUIRE(mark.ok());
  CHECK(*mark == std::optional<uint64_t>(41));
}

TEST_CASE(
    "commit mark: an empty file, left by a power cut while an older version created it, "
    "is no mark",
    "[commit_mark]") {
  TempDir dir;
  { std::ofstream(dir.Sub("COMMITTED"), std::ios::binary); }
  auto mark = ReadMark(dir);
  REQUIRE(mark.ok());
  CHECK_FALSE(mark->has_value());
  // One byte is not empty: that is damage.
  { std::ofstream(dir.Sub("COMMITTED"), std::ios::binary) << "x"; }
  CHECK(ReadMark(dir).status().code() == absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace footprint::eventstore
