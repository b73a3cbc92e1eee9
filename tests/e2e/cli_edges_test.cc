// The CLI's conventions at its edges (issue 22, section 4): --version on both binaries, the
// one-line message when nothing answers at --server, flags named in the server's refusals,
// exit status 2 for a bad command line, and one JSON naming and one JSON type for positions.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"

namespace footprint::testing {
namespace {

using nlohmann::json;

// One line on stderr, nothing on stdout, the exit status and the start of the line as given.
void CheckOneLineError(const CommandResult& result, int exit_code, const std::string& start) {
  INFO("stdout: " << result.out << "\nstderr: " << result.err);
  CHECK(result.exit_code == exit_code);
  CHECK(result.out.empty());
  CHECK(result.err.rfind("footprint: " + start, 0) == 0);
  CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
}

TEST_CASE("footprint --version and footprintd --version print the project's version", "[e2e]") {
  const std::string version = FOOTPRINT_PROJECT_VERSION;
  REQUIRE(std::regex_match(version, std::regex(R"(\d+\.\d+\.\d+)")));
  const CommandResult cli = RunCommand({FootprintCliPath(), "--version"});
  CHECK(cli.exit_code == 0);
  CHECK(cli.out == "footprint " + version + "\n");
  CHECK(cli.err.empty());
  const CommandResult server = RunCommand({FootprintdPath(), "--version"});
  CHECK(server.exit_code == 0);
  CHECK(server.out == "footprintd " + version + "\n");
  CHECK(server.err.empty());
}

// A port of 127.0.0.1 where nothing listens: bound (so no one else takes it while the test
// runs) but never listening, so a connection is refused.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~ClosedPort() { close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_CASE("with no server at --server the CLI says so in one line naming --server and exits 5",
          "[e2e]") {
  const ClosedPort port;
  const std::string expected = "UNAVAILABLE: the server at " + port.address() +
                               " is not reachable (Connection refused): start footprintd, or "
                               "give its address with --server HOST:PORT or $FOOTPRINT_SERVER\n";
  TempDir dir;
  const std::string events = dir.Sub("events.json");
  std::ofstream(events) << PeriodOfCareStarted("2026-01-05");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"verify"},
                                             {"read-all"},
                                             {"--json", "record", "C1", "--file", events},
                                             {"reviews", "due", "--as-at", "2026-03-31"},
                                             {"health"}}) {
    INFO("footprint " << args.back());
    const CommandResult result = RunCli(port.address(), args);
    CheckOneLineError(result, 5, "UNAVAILABLE: ");
    CHECK(result.err == "footprint: " + expected);
  }
  // The address comes from $FOOTPRINT_SERVER just the same.
  const CommandResult from_env = RunCommand(
      {"/usr/bin/env", "FOOTPRINT_SERVER=" + port.address(), FootprintCliPath(), "verify"});
  CHECK(from_env.exit_code == 5);
  CHECK(from_env.err == "footprint: " + expected);
}

TEST_CASE("a bad command line exits 2 in one line before or after asking the server", "[e2e]") {
  RunningServer server(ConfigYaml{kWithoutReviewDeadlines});
  // Refused by the CLI itself.
  CheckOneLineError(Cli(server, {"verify", "--no-such-flag"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"no-such-command"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"reviews", "due", "--within", "soon"}), 2,
                    "INVALID_ARGUMENT: --within: ");
  CheckOneLineError(Cli(server, {"read", "notes-1", "--limit", "-1"}), 2,
                    "INVALID_ARGUMENT: --limit: ");
  const CommandResult timeout = Cli(server, {"--timeout", "abc", "verify"});
  CheckOneLineError(timeout, 2, "INVALID_ARGUMENT: ");
  CHECK(timeout.err.find("--timeout") != std::string::npos);
  const CommandResult days = Cli(server, {"calendar", "add", "2026-04-02", "five"});
  CheckOneLineError(days, 2, "INVALID_ARGUMENT: ");
  CHECK(days.err.find("five") != std::string::npos);
  // Refused by the server, which names the request's field: the CLI names the flag instead.
  const CommandResult as_at = Cli(server, {"reviews", "due", "--as-at", "notadate"});
  CheckOneLineError(as_at, 2, "INVALID_ARGUMENT: --as-at: 'notadate' is not a date");
  CHECK(as_at.err.find("scope.") == std::string::npos);
  CheckOneLineError(Cli(server, {"child", "C1", "--as-at", "2026-02-30"}), 2,
                    "INVALID_ARGUMENT: --as-at: '2026-02-30' ");
  CheckOneLineError(Cli(server, {"escalations", "--as-at", "31/03/2026"}), 2,
                    "INVALID_ARGUMENT: --as-at: ");
  CheckOneLineError(
      Cli(server, {"reviews", "timeliness", "--from", "2026-05-01", "--to", "2026-03-01"}), 2,
      "INVALID_ARGUMENT: --from: 2026-05-01 is after ");
  CheckOneLineError(Cli(server, {"challenge", "raise", "--child", "C1", "--stage", "Stage 9",
                                 "--theme", "Drift and Delay", "--iro", "iro-7"}),
                    2, "INVALID_ARGUMENT: --stage: 'Stage 9' is not a stage");
  CheckOneLineError(
      Cli(server, {"challenge", "raise", "--child", "C1", "--stage", "informal", "--theme",
                   "Drift and Delay", "--iro", "iro-7", "--date", "yesterday"}),
      2, "INVALID_ARGUMENT: --date: ");
  CheckOneLineError(Cli(server, {"append", "notes-1", "Note", "--data", "{}", "--id", "nope"}), 2,
                    "INVALID_ARGUMENT: --id: ");
  CheckOneLineError(Cli(server, {"calendar", "add", "2026-02-30", "5"}), 2,
                    "INVALID_ARGUMENT: DATE: ");
  // A field of an event in --file is not a flag: it stays the event's path, exit 1.
  const std::string file = server.dir.Sub("bad.json");
  std::ofstream(file) << R"({"occurred_on":"notadate","plo_started":{}})";
  CheckOneLineError(Cli(server, {"record", "C1", "--file", file}), 1,
                    "INVALID_ARGUMENT: events[0].occurred_on: ");
}

// The 64-bit integers of the API: JSON strings of decimal digits in every command's output.
const std::set<std::string> kPositions = {"position",       "first_position",  "last_position",
                                          "next_position",  "failed_position", "version",
                                          "first_version",  "last_version",    "log_end",
                                          "events_checked", "events_applied",  "lag"};

// Every key of `value`, at any depth, as `key` -> the values it has; `data` (an event's own
// data, which the CLI prints as recorded) is left out.
void Keys(const json& value, std::multimap<std::string, json>* out) {
  if (value.is_array()) {
    for (const auto& item : value) Keys(item, out);
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      out->emplace(key, item);
      if (key != "data") Keys(item, out);
    }
  }
}

// Checks the positions and the naming of one command's JSON; returns how many positions.
size_t CheckJson(const std::string& command, const std::string& out) {
  INFO("footprint --json " << command << ": " << out);
  size_t positions = 0;
  for (const json& line : JsonLines(out)) {
    std::multimap<std::string, json> keys;
    Keys(line, &keys);
    for (const auto& [key, value] : keys) {
      INFO("key " << key << ": " << value.dump());
      // snake_case field names: never protobuf's lowerCamelCase (childId), never the short
      // names the CLI once printed for ids.
      CHECK_FALSE(std::regex_match(key, std::regex("[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*")));
      CHECK(key != "child");
      CHECK(key != "iro");
      if (kPositions.count(key) == 0 || value.is_object()) continue;
      ++positions;
      REQUIRE(value.is_string());
      CHECK(std::regex_match(value.get<std::string>(), std::regex("[0-9]+")));
    }
  }
  return positions;
}

TEST_CASE("every command's --json output names fields in snake_case with positions as strings",
          "[e2e]") {
  RunningServer server(ConfigYaml{kWithoutReviewDeadlines});
  const std::string events = server.dir.Sub("events.json");
  std::ofstream(events) << PeriodOfCareStarted("2026-01-05");
  const auto json_of = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    const CommandResult result = Cli(server, args);
    INFO("footprint " << args[1] << " stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    return result.out;
  };
  const std::vector<std::vector<std::string>> with_positions = {
      {"append", "notes-1", "NoteAdded", "--data", R"({"note":"x"})"},
      {"read", "notes-1"},
      {"read-all"},
      {"verify"},
      {"record", "C1", "--file", events},
      {"read", "child-C1"},
      {"challenge", "raise", "--child", "C1", "--stage", "informal", "--theme", "Drift and Delay",
       "--iro", "iro-7"},
      {"--purpose", "testing", "challenge", "respond", "C1:1", "--by", "Team Manager"},
      {"--purpose", "testing", "challenge", "show", "C1:1"},
      {"projections", "status"},
      {"projections", "rebuild", "children"},
      {"--purpose", "testing", "reviews", "timeliness", "--to", "2026-03-31"},
  };
  for (const auto& args : with_positions) {
    std::string command;
    for (const auto& arg : args) command += arg + " ";
    INFO(command);
    CHECK(CheckJson(command, json_of(args)) > 0);
  }
  // The challenge's ids under their API names.
  const json challenge = CliJson(server, {"--purpose", "testing", "challenge", "show", "C1:1"});
  CHECK(challenge.at("child_id") == "C1");
  CHECK(challenge.at("iro_id") == "iro-7");
  const json recorded = CliJson(server, {"record", "C2", "--file", events});
  CHECK(recorded.at("child_id") == "C2");
  CHECK(recorded.at("first_position").get<std::string>() ==
        std::to_string(std::stoull(recorded.at("last_position").get<std::string>())));
  // And the commands without positions still name their fields alike.
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"child", "C1", "--as-at", "2026-03-31"},
                                             {"reviews", "due", "--as-at", "2026-03-31"},
                                             {"escalations", "--as-at", "2026-12-31"},
                                             {"calendar", "add", "2026-04-02", "5"},
                                             {"health"}}) {
    CheckJson(args[0], json_of(args));
  }
}

}  // namespace
}  // namespace footprint::testing
