// docs/domain-events.md shows the JSON of every ChildEvent type, as `footprint record` takes it.
// Each ```json block of it is recorded in turn, through the real CLI against a real footprintd:
// every one must be accepted (they are one child's history, in order), a ```json refused block
// must be refused, and every body of ChildEvent must have an example.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "footprint/v1/domain.pb.h"

namespace footprint::testing {
namespace {

struct Example {
  std::string text;
  bool refused = false;
};

std::vector<Example> Examples(const std::string& markdown) {
  std::vector<Example> examples;
  const std::regex block("```json( refused)?\\n([\\s\\S]*?)```");
  for (std::sregex_iterator it(markdown.begin(), markdown.end(), block), end; it != end; ++it) {
    examples.push_back({(*it)[2].str(), (*it)[1].matched});
  }
  return examples;
}

// The body fields of the events of one example (an object or a list).
std::set<std::string> Bodies(const nlohmann::json& example) {
  std::set<std::string> bodies;
  const nlohmann::json events = example.is_array() ? example : nlohmann::json::array({example});
  for (const auto& event : events) {
    for (const auto& [key, value] : event.items()) {
      if (key != "occurred_on" && key != "event_id" && key != "child_id") bodies.insert(key);
    }
  }
  return bodies;
}

// The default policy's stages, each with 1,000 working days to respond: the examples' challenges
// were raised on dates long past, and with 5 days a stage Footprint itself would mark the
// response missed (and escalate) as soon as one is recorded, racing the next example.
constexpr char kConfig[] =
    "escalation:\n"
    "  stages:\n"
    "    - {name: Informal, role: Social worker or team manager, response_working_days: 1000}\n"
    "    - {name: Stage 1, role: Team Manager, response_working_days: 1000}\n"
    "    - {name: Stage 2, role: Service Manager, response_working_days: 1000}\n"
    "    - {name: Stage 3, role: Head of Service, response_working_days: 1000}\n"
    "    - {name: Stage 4, role: Director, response_working_days: 1000}\n";

TEST_CASE("every JSON example of docs/domain-events.md is recorded by footprint record in order",
          "[e2e]") {
  std::ifstream in(std::string(FOOTPRINT_SOURCE_DIR) + "/docs/domain-events.md");
  REQUIRE(in.good());
  std::stringstream markdown;
  markdown << in.rdbuf();
  const std::vector<Example> examples = Examples(markdown.str());
  REQUIRE(examples.size() >= 20);

  RunningServer server(ConfigYaml{std::string(kConfig) + kWithoutReviewDeadlines});
  std::set<std::string> shown;
  size_t recorded = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    const Example& example = examples[i];
    INFO("example " << i + 1 << ":\n" << example.text);
    const nlohmann::json parsed = nlohmann::json::parse(example.text, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    for (const std::string& body : Bodies(parsed)) shown.insert(body);
    const std::string file = server.dir.Sub("example-" + std::to_string(i + 1) + ".json");
    std::ofstream(file) << example.text;
    const CommandResult result = Cli(server, {"--json", "record", "C7", "--file", file});
    INFO("stderr: " << result.err);
    if (example.refused) {
      CHECK(result.exit_code == 1);
      CHECK(result.err.rfind("footprint: INVALID_ARGUMENT: events[0].", 0) == 0);
      continue;
    }
    REQUIRE(result.exit_code == 0);
    const nlohmann::json answer = nlohmann::json::parse(result.out);
    CHECK(answer.at("child_id") == "C7");
    CHECK(answer.at("duplicate") == false);
    recorded += answer.at("event_ids").size();
  }

  // Every body of ChildEvent has an example (a new event type needs one).
  const auto* body = v1::ChildEvent::descriptor()->FindOneofByName("body");
  REQUIRE(body != nullptr);
  for (int i = 0; i < body->field_count(); ++i) {
    INFO("ChildEvent." << body->field(i)->name() << " has no example in docs/domain-events.md");
    CHECK(shown.count(body->field(i)->name()) == 1);
  }

  // All of it is the child's record, and it holds together.
  const CommandResult read = Cli(server, {"--json", "read", "child-C7"});
  REQUIRE(read.exit_code == 0);
  CHECK(JsonLines(read.out).size() == recorded);
  const nlohmann::json child = CliJson(server, {"child", "C7", "--as-at", "2026-03-30"});
  CHECK(child.at("looked_after") == true);
  CHECK(child.at("legal_status") == "C1");
  CHECK(child.value("foreign_events", nlohmann::json::array()).empty());
  const nlohmann::json after = CliJson(server, {"child", "C7", "--as-at", "2026-04-01"});
  CHECK(after.at("looked_after") == false);
}

}  // namespace
}  // namespace footprint::testing
