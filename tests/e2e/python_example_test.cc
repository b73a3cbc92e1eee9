// End to end: examples/python/footprint_client.py, a council system written in Python with
// Debian's python3-grpcio, against a real footprintd. It records a child's care and a placement
// move, raises a challenge and reads the escalation status; the test checks what it printed
// with dates counted by hand, and what the server then holds, through the footprint CLI.
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "nlohmann/json.hpp"
#include "process.h"

namespace {

namespace ft = footprint::testing;
using nlohmann::json;

const std::string kExample =
    std::string(FOOTPRINT_SOURCE_DIR) + "/examples/python/footprint_client.py";

// No challenge escalates on silence meanwhile: the test's dates are in the past.
constexpr char kConfig[] =
    "reviews:\n  record_missed_deadlines: false\nescalation:\n  auto_escalate_on_silence: false\n";

ft::CommandResult RunExample(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/python3", kExample};
  argv.insert(argv.end(), args.begin(), args.end());
  return ft::RunCommand(argv, "", 120);
}

TEST_CASE("the Python example posts a placement move and reads the escalation status",
          "[e2e][python]") {
  ft::RunningServer server(ft::ConfigYaml{kConfig});
  const auto result =
      RunExample({"--server", server.address(), "--child", "PY-7", "--date", "2026-11-02"});
  INFO("stdout: " << result.out << "\nstderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const auto lines = ft::JsonLines(result.out);
  REQUIRE(lines.size() == 1);
  const json& out = lines[0];
  CHECK(out["child"] == "PY-7");
  CHECK(out["events_recorded"] == 2);  // care started (60 days before: 3 Sep 2026) and the move
  CHECK(out["positions"] == json::array({0, 1}));
  CHECK(out["challenge"] == "PY-7:1");
  CHECK(out["stage"] == "Informal");
  CHECK(out["status"] == "awaiting_response");
  CHECK(out["raised_on"] == "2026-11-02");
  // Informal stage: 5 working days from Mon 2 Nov 2026 (no bank holiday): Tue 3, Wed 4, Thu 5,
  // Fri 6, Mon 9.
  CHECK(out["response_due"] == "2026-11-09");
  CHECK(out["open_challenges"] == 1);
  CHECK(out["open_by_stage"] == json{{"Informal", 1}});

  // The server holds what the example wrote, from its source system.
  const json child = ft::CliJson(server, {"child", "PY-7", "--as-at", "2026-11-02"});
  CHECK(child["looked_after"] == true);
  CHECK(child["period_start"] == "2026-09-03");
  CHECK(child["placement"]["type"] == "U6");
  CHECK(child["placed_since"] == "2026-11-02");
  const auto log = ft::JsonLines(ft::Cli(server, {"--json", "read-all"}).out);
  REQUIRE(log.size() >= 3);
  CHECK(log[0]["metadata"]["source_system"] == "example-case-system");
  CHECK(log[1]["type"] == "PlacementChanged");
  CHECK(log[2]["type"] == "ChallengeRaised");
}

TEST_CASE("the Python example reports a refused call as one line and exit status 1",
          "[e2e][python]") {
  ft::RunningServer server(ft::ConfigYaml{kConfig});
  // A child id the intake refuses.
  const auto refused = RunExample(
      {"--server", server.address(), "--child", "no spaces allowed", "--date", "2026-11-02"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.rfind("footprint_client: INVALID_ARGUMENT: ", 0) == 0);
  CHECK(ft::Cli(server, {"--json", "read-all"}).out.empty());
}

}  // namespace
