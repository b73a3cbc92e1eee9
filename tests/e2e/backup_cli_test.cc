// End to end: `footprint admin backup` against a running footprintd, then
// `footprintd --restore-from` into a new data directory, and a server started on it serves
// exactly the events the backup's checkpoint names, with the chain verified.
#include <filesystem>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;

void Append(const ft::RunningServer& server, const std::string& stream, int n) {
  for (int i = 0; i < n; ++i) {
    auto r =
        ft::Cli(server, {"append", stream, "Note", "--data", "{\"n\":" + std::to_string(i) + "}"});
    REQUIRE(r.exit_code == 0);
  }
}

}  // namespace

TEST_CASE("a backup taken while serving restores into a new directory that serves it",
          "[e2e][backup]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  const std::string backups = server.dir.Sub("backups");
  Append(server, "note-1", 4);

  auto r = ft::Cli(server, {"admin", "backup", backups});
  REQUIRE(r.exit_code == 0);
  auto lines = ft::Lines(r.out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].rfind("backup 1 in " + backups + " taken in ", 0) == 0);
  CHECK(lines[1].rfind("  log:        4 events, head ", 0) == 0);
  // The backup itself is recorded in the access log, before it is taken.
  CHECK(lines[2].rfind("  access log: 1 read, head ", 0) == 0);
  CHECK(lines[3] == "1 backup kept in " + backups);
  const std::string log_head_1 = lines[1].substr(lines[1].find("head ") + 5, 64);

  Append(server, "note-2", 2);
  r = ft::Cli(server, {"--json", "admin", "backup", backups, "--keep", "5"});
  REQUIRE(r.exit_code == 0);
  auto second = ft::JsonLines(r.out);
  REQUIRE(second.size() == 1);
  CHECK(second[0]["backup"]["log"]["backup_id"] == 2);
  CHECK(second[0]["backup"]["log"]["log_end"] == "6");
  CHECK(second[0]["backup"]["access_log"]["log_end"] == "2");
  CHECK(second[0]["backups_kept"] == 2);

  r = ft::Cli(server, {"admin", "backups", backups});
  REQUIRE(r.exit_code == 0);
  lines = ft::Lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("BACKUP  TAKEN", 0) == 0);
  CHECK(lines[1].rfind("1       ", 0) == 0);
  CHECK(lines[1].find("  4       " + log_head_1.substr(0, 16) + "  1      ") != std::string::npos);
  CHECK(lines[2].rfind("2       ", 0) == 0);

  // Bad requests name the field and the rule; nothing is written.
  r = ft::Cli(server, {"admin", "backup", "relative/dir"});
  CHECK(r.exit_code == 2);  // a bad command line: DIR, named as in the usage
  CHECK(r.err ==
        "footprint: INVALID_ARGUMENT: DIR: 'relative/dir' must be an absolute path (the "
        "directory is on the server's machine)\n");
  r = ft::Cli(server, {"admin", "backups", server.dir.Sub("none")});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "footprint: NOT_FOUND: dir: '" + server.dir.Sub("none") + "' is not a directory\n");

  // The original's first four events, to compare with the restored store.
  r = ft::Cli(server, {"--json", "read-all"});
  REQUIRE(r.exit_code == 0);
  const auto original = ft::Lines(r.out);
  REQUIRE(original.size() == 6);
  REQUIRE(server.process.Terminate() == 0);

  // Restore backup 1: four events, verified against the recorded head hash.
  const std::string restored_dir = server.dir.Sub("restored");
  r = ft::RunCommand({ft::FootprintdPath(), "--restore-from", backups, "--backup-id", "1",
                      "--data-dir", restored_dir});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  lines = ft::Lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("restored log backup 1 (taken ", 0) == 0);
  CHECK(lines[0].find("): 4 events; chain verified from position 0; checkpoint 4 events, head " +
                      log_head_1 + " matches the hash recorded at backup time") !=
        std::string::npos);
  CHECK(lines[1].rfind("restored access log backup 1 (taken ", 0) == 0);
  CHECK(lines[2] == "data directory " + restored_dir +
                        " is ready: start footprintd with "
                        "--data-dir " +
                        restored_dir);

  // A second restore into the same directory is refused; the first is untouched.
  r = ft::RunCommand({ft::FootprintdPath(), "--restore-from", backups, "--data-dir", restored_dir});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("footprintd: restore failed: FAILED_PRECONDITION: data_dir: '" + restored_dir +
                   "' is not empty: a backup is restored into a new directory") !=
        std::string::npos);

  ft::ServerProcess restored(restored_dir, {"--log-level", "warn"});
  restored.Start();
  r = ft::RunCli(restored.address(), {"--json", "read-all"});
  REQUIRE(r.exit_code == 0);
  const auto events = ft::Lines(r.out);
  REQUIRE(events.size() == 4);
  for (size_t i = 0; i < events.size(); ++i) CHECK(events[i] == original[i]);
  r = ft::RunCli(restored.address(), {"verify"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("verified 4 events (positions 0..3)", 0) == 0);
  r = ft::RunCli(restored.address(), {"--access-log", "verify"});
  CHECK(r.exit_code == 0);
}
