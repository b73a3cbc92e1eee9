// The README's "Try it" commands, run as written against a real footprintd with the real CLI:
// they work, none writes raw events into a child's stream, and afterwards a child is recordable
// and no event of a child's stream is left out of its record. (The README's earlier example
// appended a JSON PeriodOfCareStarted to child-1, after which every `footprint record 1` failed
// with DATA_LOSS; issue 21.) The rest of "Try it" runs as written too: the example files it names
// ship in examples/.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"

namespace footprint::testing {
namespace {

std::string ReadReadme() {
  std::ifstream in(std::string(FOOTPRINT_SOURCE_DIR) + "/README.md");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every command of the README that starts with `$F `, continuation lines joined, comments
// dropped; from the ```sh blocks between `from_heading` and the next "## " heading.
std::vector<std::string> Commands(const std::string& readme, const std::string& from_heading) {
  const size_t start = readme.find(from_heading);
  REQUIRE(start != std::string::npos);
  const size_t end = readme.find("\n## ", start + from_heading.size());
  std::vector<std::string> commands;
  bool in_block = false;
  std::string pending;
  for (const std::string& line : Lines(readme.substr(start, end - start))) {
    if (line.rfind("```", 0) == 0) {
      in_block = !in_block;
      continue;
    }
    if (!in_block) continue;
    std::string text = pending.empty() ? line : pending + " " + line;
    const size_t comment = text.find("  #");
    if (comment != std::string::npos) text = text.substr(0, comment);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    if (!text.empty() && text.back() == '\\') {
      text.pop_back();
      pending = text;
      continue;
    }
    pending.clear();
    if (text.rfind("$F ", 0) == 0) commands.push_back(text.substr(3));
  }
  return commands;
}

TEST_CASE("the README's examples run as written and leave every child recordable", "[e2e]") {
  const std::string readme = ReadReadme();
  // No example anywhere in the README appends to a child's stream.
  const std::regex append(R"(\$F append ([^ ]+))");
  for (std::sregex_iterator it(readme.begin(), readme.end(), append), end; it != end; ++it) {
    INFO((*it)[0].str());
    CHECK((*it)[1].str().rfind("child-", 0) != 0);
  }

  RunningServer server(ConfigYaml{kWithoutReviewDeadlines});
  const std::vector<std::string> try_it = Commands(readme, "## Try it");
  // The event store's own examples come first: append, append again, read, read-all, verify.
  REQUIRE(try_it.size() >= 5);
  for (size_t i = 0; i < 5; ++i) {
    INFO(try_it[i]);
    const CommandResult result =
        RunCommand({"/bin/bash", "-c",
                    FootprintCliPath() + " --server " + server.address() + " " + try_it[i]});
    INFO(result.err);
    CHECK(result.exit_code == 0);
  }

  // Then the rest of "Try it" as written, from a directory laid out like the repository's root
  // (the README's paths: examples/events.json, tests/data/903-synthetic), where the commands
  // may write their files: every command succeeds, `record C1 --file examples/events.json`
  // included, except the one whose event id is a placeholder.
  TempDir root;
  std::filesystem::create_directory_symlink(std::string(FOOTPRINT_SOURCE_DIR) + "/examples",
                                            root.Sub("examples"));
  std::filesystem::create_directory_symlink(std::string(FOOTPRINT_SOURCE_DIR) + "/tests",
                                            root.Sub("tests"));
  bool recorded_example = false;
  for (size_t i = 5; i < try_it.size(); ++i) {
    if (try_it[i].find("EVENT_ID") != std::string::npos) continue;
    INFO(try_it[i]);
    const CommandResult result =
        RunCommand({"/bin/bash", "-c",
                    "cd '" + root.path() + "' && F='" + FootprintCliPath() + " --server " +
                        server.address() + "' && $F " + try_it[i]});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    if (try_it[i].find("record C1 --file examples/events.json") == 0) recorded_example = true;
  }
  CHECK(recorded_example);
  const nlohmann::json c1 =
      nlohmann::json::parse(Cli(server, {"--json", "child", "C1", "--as-at", "2026-03-31"}).out);
  CHECK(c1.at("looked_after") == true);
  CHECK(c1.at("iro_id") == "iro-7");

  // A child is recordable afterwards, and nothing of its stream is left out.
  const std::string events = server.dir.Sub("events.json");
  std::ofstream(events) << PeriodOfCareStarted("2026-01-05");
  const CommandResult recorded = Cli(server, {"record", "1", "--file", events});
  INFO(recorded.err);
  REQUIRE(recorded.exit_code == 0);
  const CommandResult child = Cli(server, {"--json", "child", "1", "--as-at", "2026-01-10"});
  REQUIRE(child.exit_code == 0);
  const nlohmann::json summary = nlohmann::json::parse(child.out);
  CHECK(summary.at("looked_after") == true);
  CHECK(summary.value("foreign_events", nlohmann::json::array()).empty());
  const CommandResult status = Cli(server, {"projections", "status"});
  REQUIRE(status.exit_code == 0);
  CHECK(status.out.find("warning") == std::string::npos);

  // And the raw append the README used to show is refused, naming the way to record instead.
  const CommandResult refused = Cli(
      server, {"append", "child-2", "PeriodOfCareStarted", "--data",
               R"({"date":"2026-01-05","legal_status":"C2"})", "--expected-version", "no-stream"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.rfind("footprint: PERMISSION_DENIED: stream: 'child-2' is a child's stream",
                          0) == 0);
}

}  // namespace
}  // namespace footprint::testing
