// End to end: `footprint import-903` records the five synthetic SSDA903 years in a real
// footprintd (both binaries as child processes). The expected figures are counted here, straight
// from the CSV files with plain string splitting (the files have no quoted fields), never with
// the importer's own reader, and restricted to the children the importer accepted (every other
// child must be in the rejects file with a reason).
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
using nlohmann::json;

const std::string kDir = FOOTPRINT_903_SYNTHETIC_DIR;
constexpr int kFirstYear = 2017, kLastYear = 2021;

std::vector<std::vector<std::string>> CsvRows(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.push_back("");
    rows.push_back(fields);
  }
  return rows;
}

// Distinct (child, date) pairs in column `date_column` of each year's `kind` file.
std::set<std::pair<std::string, std::string>> DistinctByDate(const std::string& kind,
                                                             size_t date_column) {
  std::set<std::pair<std::string, std::string>> out;
  for (int year = kFirstYear; year <= kLastYear; ++year) {
    for (const auto& row : CsvRows(kDir + "/" + std::to_string(year) + "-" + kind + ".csv")) {
      REQUIRE(row.size() > date_column);
      out.emplace(row[0], row[date_column]);
    }
  }
  return out;
}

// child id -> its rows of the rejects file (child_id,rule,detail; details may be quoted).
std::map<std::string, std::set<std::string>> RejectedRules(const std::string& path) {
  std::map<std::string, std::set<std::string>> out;
  std::ifstream in(path);
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  CHECK(line == "child_id,rule,detail");
  while (std::getline(in, line)) {
    const size_t a = line.find(',');
    const size_t b = line.find(',', a + 1);
    REQUIRE(b != std::string::npos);
    out[line.substr(0, a)].insert(line.substr(a + 1, b - a - 1));
  }
  return out;
}

json ImportJson(const ft::RunningServer& server, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--json", "import-903", kDir};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto result = ft::Cli(server, args);
  INFO("stdout: " << result.out << "\nstderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const auto lines = ft::JsonLines(result.out);
  REQUIRE(lines.size() == 1);
  return lines[0];
}

TEST_CASE("import-903 records the synthetic years, rejects with reasons, and a re-run adds nothing",
          "[e2e][import903]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  const std::string rejects = server.dir.Sub("rejects.csv");
  const std::string repairs = server.dir.Sub("repairs.csv");
  const json first =
      ImportJson(server, {"--repair", "all", "--rejects", rejects, "--repairs-file", repairs});
  INFO(first.dump());

  // Pooled over the five years (counted by a separate script when the files were added).
  CHECK(first["years"] == json::array({2017, 2018, 2019, 2020, 2021}));
  CHECK(first["children_read"] == 820);
  CHECK(first["episodes_read"] == 2827);
  // What validation accepts with both repairs (tests/unit/import903_validate_test.cc).
  CHECK(first["children_valid"] == 264);
  const int imported = first["children_imported"];
  const int rejected = first["children_rejected"];
  CHECK(imported > 0);
  CHECK(imported + rejected == 820);
  CHECK(first["children_already_imported"] == 0);
  CHECK(first["rejected_by_rule"]["episode.first_rne"] == 496);

  // The intake's refusals say which row the refused event came from.
  {
    std::ifstream in(rejects);
    std::string line;
    size_t intake_rows = 0;
    while (std::getline(in, line)) {
      if (line.find(",intake.") == std::string::npos) continue;
      ++intake_rows;
      INFO(line);
      const bool names_row = line.find("-episodes.csv:") != std::string::npos ||
                             line.find("-reviews.csv:") != std::string::npos;
      CHECK(names_row);
    }
    CHECK(intake_rows > 0);
  }

  // Every rejected child is in the rejects file, with at least one reason; no accepted one is.
  const auto rejected_rules = RejectedRules(rejects);
  CHECK(rejected_rules.size() == static_cast<size_t>(rejected));
  std::map<std::string, int> children_by_rule;
  for (const auto& [child, rules] : rejected_rules) {
    for (const auto& rule : rules) ++children_by_rule[rule];
  }
  for (const auto& [rule, n] : first["rejected_by_rule"].items()) {
    CHECK(children_by_rule[rule] == n.get<int>());
  }

  // Independent counts over the children imported: distinct episode starts and review dates.
  std::set<std::string> children;
  for (const auto& row : CsvRows(kDir + "/2017-header.csv")) children.insert(row[0]);
  for (int year = kFirstYear + 1; year <= kLastYear; ++year) {
    for (const auto& row : CsvRows(kDir + "/" + std::to_string(year) + "-header.csv")) {
      children.insert(row[0]);
    }
  }
  size_t episodes = 0, reviews = 0;
  std::set<std::string> imported_children;
  for (const auto& [child, decom] : DistinctByDate("episodes", 1)) {
    if (!rejected_rules.contains(child)) {
      ++episodes;
      imported_children.insert(child);
    }
  }
  for (const auto& [child, on] : DistinctByDate("reviews", 2)) {
    if (!rejected_rules.contains(child)) ++reviews;
  }
  CHECK(imported_children.size() == static_cast<size_t>(imported));
  CHECK(first["episodes_imported"] == episodes);
  CHECK(first["reviews_imported"] == reviews);

  // The log holds exactly the events imported, each from the importer, in the children's streams.
  const auto all = ft::Cli(server, {"--json", "read-all"});
  REQUIRE(all.exit_code == 0);
  const auto events = ft::JsonLines(all.out);
  CHECK(events.size() == first["events_imported"].get<size_t>());
  std::set<std::string> streams;
  size_t reviews_in_log = 0;
  for (const auto& e : events) {
    CHECK(e["metadata"]["source_system"] == "ssda903-import");
    streams.insert(e["stream"].get<std::string>());
    if (e["type"] == "ReviewHeld") ++reviews_in_log;
  }
  CHECK(streams.size() == static_cast<size_t>(imported));
  CHECK(reviews_in_log == reviews);

  // The repairs file lists each repair applied.
  std::ifstream repairs_in(repairs);
  std::string header;
  std::getline(repairs_in, header);
  CHECK(header == "child_id,rule,detail");

  // The same files again: nothing new is written.
  const json second = ImportJson(server, {"--repair", "all"});
  CHECK(second["children_imported"] == 0);
  CHECK(second["children_already_imported"] == imported);
  CHECK(second["events_imported"] == 0);
  const auto again = ft::Cli(server, {"--json", "read-all"});
  CHECK(ft::JsonLines(again.out).size() == events.size());
}

TEST_CASE("import-903 refuses a file it cannot place, and imports nothing without the server",
          "[e2e][import903]") {
  ft::RunningServer server;
  const std::string odd = server.dir.Sub("children.csv");
  std::ofstream(odd) << "CHILD,DOB\n";
  auto result = ft::Cli(server, {"import-903", odd});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("the name must hold the collection year") != std::string::npos);

  result = ft::Cli(server, {"import-903", server.dir.Sub("2019-episodes.csv")});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("cannot read the file") != std::string::npos);
  CHECK(ft::Cli(server, {"--json", "read-all"}).out.empty());
}

TEST_CASE("import-903 --dry-run validates and sends nothing", "[e2e][import903]") {
  ft::RunningServer server;
  const auto result = ft::Cli(server, {"--json", "import-903", kDir, "--dry-run"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const json summary = ft::JsonLines(result.out).at(0);
  CHECK(summary["children_valid"] == 241);
  CHECK(summary["children_imported"] == 0);
  CHECK(ft::Cli(server, {"--json", "read-all"}).out.empty());
}

}  // namespace
