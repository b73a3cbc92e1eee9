// End to end: footprintd on a data directory whose write-ahead log was damaged after the server
// acknowledged its appends. It must refuse to start, naming the missing positions, rather than
// serve a log that silently lost acknowledged events; and the refusal must change nothing, so
// that the same directory, once whole again, starts with every event.
#include <filesystem>
#include <fstream>
#include <string>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
namespace ft = footprint::testing;

fs::path LargestWal(const std::string& dir) {
  fs::path best;
  uintmax_t size = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && entry.file_size() > size) {
      size = entry.file_size();
      best = entry.path();
    }
  }
  REQUIRE(size > 0);
  return best;
}

void FlipByte(const fs::path& file, uintmax_t at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char byte = 0;
  f.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x40);
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&byte, 1);
}

}  // namespace

TEST_CASE("footprintd refuses to start on a log that lost acknowledged events", "[e2e]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  constexpr int kEvents = 12;
  for (int i = 0; i < kEvents; ++i) {
    ft::CliOk(server,
              {"append", "note-" + std::to_string(i % 4), "Note", "--data",
               "{\"n\":" + std::to_string(i) + ",\"text\":\"" + std::string(300, 'x') + "\"}"});
  }
  REQUIRE(server.process.Terminate() == 0);

  const std::string data = server.dir.Sub("data");
  const fs::path wal = LargestWal(data);
  const uintmax_t at = fs::file_size(wal) / 3;
  FlipByte(wal, at);
  auto r = ft::RunCommand({ft::FootprintdPath(), "--data-dir", data, "--listen", "127.0.0.1:0"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("listening on") == std::string::npos);
  CHECK(r.err.find("DATA_LOSS: data_dir '" + data + "': the log ends at position ") !=
        std::string::npos);
  CHECK(r.err.find("but the store acknowledged 12 events (COMMITTED): positions ") !=
        std::string::npos);
  CHECK(r.err.find(" to 11 are missing") != std::string::npos);

  // The refusal changed nothing: with the byte restored the server starts with all 12.
  FlipByte(wal, at);
  server.process.Start();
  r = ft::Cli(server, {"verify"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("verified 12 events (positions 0..11)", 0) == 0);
}
