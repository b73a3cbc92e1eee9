// End to end: `footprint import-903` records the five synthetic SSDA903 years in a real
// footprintd (both binaries as child processes). The expected figures are counted here, straight
// from the CSV files with plain string splitting (the files have no quoted fields), never with
// the importer's own reader, and restricted to the children the importer accepted (every other
// child must be in the rejects file with a reason).
#include <filesystem>
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
  // What validation accepts with both repairs: exactly what the intake then records (the
  // importer checks the intake's rules first, so --dry-run tells the truth).
  CHECK(first["children_valid"] == 162);
  const int imported = first["children_imported"];
  const int rejected = first["children_rejected"];
  CHECK(imported == 162);
  CHECK(imported + rejected == 820);
  CHECK(first["children_without_events"] == 0);
  CHECK(first["children_already_imported"] == 0);
  CHECK(first["rejected_by_rule"]["episode.first_rne"] == 496);

  // No child reaches the intake only to be refused (that case: the hand-made test below).
  CHECK_FALSE(first["rejected_by_rule"].contains("intake.failed_precondition"));
  CHECK_FALSE(first["rejected_by_rule"].contains("intake.invalid_argument"));

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

  // One child at a time (--jobs 1) records the same events in each stream, in the same order;
  // only the interleaving of streams in the log differs.
  {
    ft::RunningServer serial(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
    const json one = ImportJson(serial, {"--repair", "all", "--jobs", "1"});
    CHECK(one["events_imported"] == first["events_imported"]);
    const auto by_stream = [](const std::vector<json>& log) {
      std::map<std::string, std::vector<std::string>> out;
      for (const auto& e : log) out[e["stream"].get<std::string>()].push_back(e["id"]);
      return out;
    };
    const auto serial_log = ft::JsonLines(ft::Cli(serial, {"--json", "read-all"}).out);
    CHECK(by_stream(serial_log) == by_stream(events));
  }

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

TEST_CASE("import-903 refuses a file it cannot place or read, and writes nothing",
          "[e2e][import903]") {
  ft::RunningServer server;
  const std::string odd = server.dir.Sub("children.csv");
  std::ofstream(odd) << "CHILD,DOB\n";
  auto result = ft::Cli(server, {"import-903", odd});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("the name must be the collection year") != std::string::npos);

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
  CHECK(summary["children_valid"] == 160);
  CHECK(summary["children_imported"] == 0);
  CHECK(ft::Cli(server, {"--json", "read-all"}).out.empty());
}

// Hand-made returns (domain.md section 10 columns), written into `dir`.
constexpr char kHeader[] = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n";
constexpr char kEpisodes[] =
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,"
    "URN\n";
constexpr char kReviews[] = "CHILD,DOB,REVIEW,REVIEW_CODE\n";

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

json ImportFrom(const ft::RunningServer& server, const std::vector<std::string>& args,
                int expected_exit = 0) {
  std::vector<std::string> all = {"--json", "import-903"};
  all.insert(all.end(), args.begin(), args.end());
  const auto result = ft::Cli(server, all);
  INFO("stdout: " << result.out << "\nstderr: " << result.err);
  REQUIRE(result.exit_code == expected_exit);
  const auto lines = ft::JsonLines(result.out);
  REQUIRE(lines.size() == 1);
  return lines[0];
}

size_t EventsInLog(const ft::RunningServer& server) {
  return ft::JsonLines(ft::Cli(server, {"--json", "read-all"}).out).size();
}

TEST_CASE(
    "import-903 on hand-made returns: a later year adds only what is new, a changed row "
    "rejects the child, and the intake's refusal names the row",
    "[e2e][import903]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  const std::string y2017 = server.dir.Sub("y2017");
  const std::string y2018 = server.dir.Sub("y2018");
  std::filesystem::create_directories(y2017);
  std::filesystem::create_directories(y2018);
  // A1: looked after 10 May 2017, moved 1 Sep 2017 (open at 31 March), returned home 1 Jun
  // 2018 (in the 2018 file, which repeats the open episode with its end). B2: in section 20
  // from 15 Jun 2017, open.
  Write(y2017 + "/2017-header.csv",
        std::string(kHeader) + "A1,1,01/02/2010,WBRI,,,\nB2,2,03/03/2009,WBRI,,,\n");
  const std::string a1_episodes =
      "A1,10/05/2017,S,C2,N1,U4,PR1,01/09/2017,X1,CARPL,,,\n"
      "A1,01/09/2017,P,C2,N1,U5,PR1,,,,,,\n";
  Write(y2017 + "/2017-episodes.csv",
        std::string(kEpisodes) + a1_episodes + "B2,15/06/2017,S,V2,N2,U6,PR1,,,,,,\n");
  Write(y2017 + "/2017-reviews.csv",
        std::string(kReviews) + "A1,01/02/2010,07/06/2017,PN1\nB2,03/03/2009,01/07/2017,PN1\n");
  Write(y2018 + "/2018-episodes.csv",
        std::string(kEpisodes) + "A1,01/09/2017,P,C2,N1,U5,PR1,01/06/2018,E4A,,,,\n");
  Write(y2018 + "/2018-reviews.csv", std::string(kReviews) + "A1,01/02/2010,02/05/2018,PN1\n");

  // 2017 alone: A1 started, reviewed, moved; B2 started, reviewed.
  json first = ImportFrom(server, {y2017});
  CHECK(first["children_imported"] == 2);
  CHECK(first["episodes_imported"] == 3);
  CHECK(first["reviews_imported"] == 2);
  CHECK(first["events_imported"] == 5);
  CHECK(EventsInLog(server) == 5);

  // With 2018: only A1's end of care and its 2018 review are new; no episode is new (the end
  // closes the episode already recorded), and B2 is already there.
  json second = ImportFrom(server, {y2017, y2018});
  CHECK(second["children_imported"] == 1);
  CHECK(second["children_already_imported"] == 1);
  CHECK(second["episodes_imported"] == 0);
  CHECK(second["reviews_imported"] == 1);
  CHECK(second["events_imported"] == 2);
  CHECK(EventsInLog(server) == 7);
  const json a1 = ft::CliJson(server, {"child", "A1", "--as-at", "2018-06-30"});
  CHECK(a1["looked_after"] == false);

  // B2's placement corrected on the same day (U6 -> U5): the recorded start is no longer in the
  // files, so B2 is rejected and nothing of it is written; A1 is unchanged.
  Write(y2017 + "/2017-episodes.csv",
        std::string(kEpisodes) + a1_episodes + "B2,15/06/2017,S,V2,N2,U5,PR1,,,,,,\n");
  const std::string rejects = server.dir.Sub("rejects.csv");
  json third = ImportFrom(server, {y2017, y2018, "--rejects", rejects});
  CHECK(third["children_already_imported"] == 1);
  CHECK(third["children_rejected"] == 1);
  CHECK(third["rejected_by_rule"] == json{{"import.history_differs", 1}});
  CHECK(EventsInLog(server) == 7);
  CHECK(ft::ReadFileText(rejects).find("B2,import.history_differs,event ") != std::string::npos);

  // C3 recorded by another system before the import: care already started on 1 May 2017, so the
  // intake refuses the import's start, and the rejects file names the row it came from.
  const std::string c3 = server.dir.Sub("c3.json");
  Write(c3, R"({"occurred_on":"2017-05-01","period_of_care_started":{"legal_status":"C2",)"
            R"("placement":{"type":"U1","provider":"PR1"},"category_of_need":"N1",)"
            R"("date_of_birth":"2012-01-01"}})");
  REQUIRE(ft::Cli(server, {"record", "C3", "--file", c3, "--source", "council-system"}).exit_code ==
          0);
  const std::string y2017c = server.dir.Sub("y2017c");
  std::filesystem::create_directories(y2017c);
  Write(y2017c + "/2017-header.csv", std::string(kHeader) + "C3,1,01/01/2012,WBRI,,,\n");
  Write(y2017c + "/2017-episodes.csv",
        std::string(kEpisodes) + "C3,10/05/2017,S,C2,N1,U4,PR1,,,,,,\n");
  json refused = ImportFrom(server, {y2017c, "--rejects", rejects}, /*expected_exit=*/1);
  CHECK(refused["children_imported"] == 0);
  CHECK(refused["rejected_by_rule"] == json{{"intake.failed_precondition", 1}});
  const std::string text = ft::ReadFileText(rejects);
  INFO(text);
  CHECK(text.find("C3,intake.failed_precondition,events[0]") != std::string::npos);
  CHECK(text.find("2017-episodes.csv:2)") != std::string::npos);
  CHECK(EventsInLog(server) == 8);  // the council system's event only
}

TEST_CASE(
    "import-903 reads 903-style names in any case, skips other files, and exits 1 when "
    "nothing can be imported",
    "[e2e][import903]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  const std::string dir = server.dir.Sub("returns");
  std::filesystem::create_directories(dir);
  Write(dir + "/SSDA903_2019_Header.CSV", std::string(kHeader) + "E5,1,01/02/2010,WBRI,,,\n");
  Write(dir + "/SSDA903_2019_Episodes.CSV",
        std::string(kEpisodes) + "E5,10/05/2019,S,C2,N1,U4,PR1,,,,,,\n");
  // Not 903 files: a rejects file from an earlier run, and notes.
  Write(dir + "/rejects-2019-reviews.csv", "child_id,rule,detail\nE5,x,y\n");
  Write(dir + "/notes.txt", "not a return\n");
  json summary = ImportFrom(server, {dir});
  CHECK(summary["years"] == json::array({2019}));
  CHECK(summary["children_read"] == 1);
  CHECK(summary["children_imported"] == 1);
  CHECK(EventsInLog(server) == 1);

  // Only a child whose history begins in care (RNE P first): nothing to import, exit 1.
  const std::string bad = server.dir.Sub("bad");
  std::filesystem::create_directories(bad);
  Write(bad + "/2019-header.csv", std::string(kHeader) + "F6,1,01/02/2010,WBRI,,,\n");
  Write(bad + "/2019-episodes.csv",
        std::string(kEpisodes) + "F6,10/05/2019,P,C2,N1,U4,PR1,,,,,,\n");
  json nothing = ImportFrom(server, {bad}, /*expected_exit=*/1);
  CHECK(nothing["children_imported"] == 0);
  CHECK(nothing["rejected_by_rule"] == json{{"episode.first_rne", 1}});
  CHECK(EventsInLog(server) == 1);
}

}  // namespace
