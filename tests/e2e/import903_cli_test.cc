// End to end: `footprint import-903` records the five synthetic SSDA903 years in a real
// footprintd (both binaries as child processes). The expected figures are counted here, straight
// from the CSV files with plain string splitting (the files have no quoted fields), never with
// the importer's own reader, and restricted to the children the importer accepted (every other
// child must be in the rejects file with a reason). Issue 22 (docs/import-903.md, "Validation
// rules: what is left out, the row or the child"): a bad review row is left out on its own, a
// child already looked after when the files begin is imported with its start not known, and
// each real run records its figures (v1.ImportRun) in the stream `imports`.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "footprint/v1/intake.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
namespace fs = std::filesystem;
namespace v1 = footprint::v1;
using nlohmann::json;

const std::string kDir = FOOTPRINT_903_SYNTHETIC_DIR;
constexpr int kFirstYear = 2017, kLastYear = 2021;
constexpr char kImportsStream[] = "imports";

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

// Every line of a file, the header included: lines[n - 1] is line n.
std::vector<std::string> FileLines(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// dd/mm/YYYY (the synthetic files' dates) as YYYY-MM-DD (the events' dates).
std::string IsoDate(const std::string& day) {
  REQUIRE(day.size() == 10);
  return day.substr(6, 4) + "-" + day.substr(3, 2) + "-" + day.substr(0, 2);
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

// One line of CSV with RFC 4180 quoting (the rejects and repairs files quote a detail that
// holds a comma or a quote).
std::vector<std::string> CsvFields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// A row of the rejects file.
struct Reject {
  std::string child, rule, detail, left_out;
};

std::vector<Reject> ReadRejects(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  // issue 22: a fourth column says what was left out: the child, a row, or a value.
  CHECK(line == "child_id,rule,detail,left_out");
  std::vector<Reject> out;
  while (std::getline(in, line)) {
    INFO("rejects file row: " << line);
    const std::vector<std::string> f = CsvFields(line);
    REQUIRE(f.size() == 4);
    CHECK((f[3] == "child" || f[3] == "row" || f[3] == "value"));
    out.push_back({f[0], f[1], f[2], f[3]});
  }
  return out;
}

// child id -> the rules of its `child` rows (the children rejected whole).
std::map<std::string, std::set<std::string>> RejectedRules(const std::vector<Reject>& rejects) {
  std::map<std::string, std::set<std::string>> out;
  for (const Reject& r : rejects) {
    if (r.left_out == "child") out[r.child].insert(r.rule);
  }
  return out;
}

// The file:line a detail begins with ("/dir/2017-reviews.csv:12: the review on ...").
std::pair<std::string, int> RowOf(const std::string& detail) {
  const size_t end = detail.find(": ");
  REQUIRE(end != std::string::npos);
  const size_t colon = detail.rfind(':', end - 1);
  REQUIRE(colon != std::string::npos);
  return {detail.substr(0, colon), std::stoi(detail.substr(colon + 1, end - colon - 1))};
}

// The whole log, one JSON object per event.
std::vector<json> LogEvents(const ft::RunningServer& server) {
  const auto all = ft::Cli(server, {"--json", "read-all"});
  INFO(all.err);
  REQUIRE(all.exit_code == 0);
  return ft::JsonLines(all.out);
}

// The events of the children's streams (every stream but `imports`).
std::vector<json> ChildEvents(const ft::RunningServer& server) {
  std::vector<json> out;
  for (json& e : LogEvents(server)) {
    if (e["stream"] != kImportsStream) out.push_back(std::move(e));
  }
  return out;
}

// The ImportRun events of the stream `imports`, in order.
std::vector<json> ImportRuns(const ft::RunningServer& server) {
  std::vector<json> out;
  for (json& e : LogEvents(server)) {
    if (e["stream"] != kImportsStream) continue;
    CHECK(e["type"] == "ImportRun");
    CHECK(e["payload_type"] == "footprint.v1.ImportRun");
    out.push_back(std::move(e));
  }
  return out;
}

// A count of an ImportRun's data (protobuf JSON leaves out a zero).
int RunCount(const json& run, const char* field) {
  return run["data"].contains(field) ? run["data"][field].get<int>() : 0;
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
  // What validation accepts with every repair: exactly what the intake then records (the
  // importer checks the intake's rules first, so --dry-run tells the truth). issue 22: was 162
  // (496 children were rejected for a first episode other than RNE S; they are now imported with
  // their start not known, and a bad review row no longer rejects its child).
  CHECK(first["children_valid"] == 783);
  const int imported = first["children_imported"];
  const int rejected = first["children_rejected"];
  CHECK(imported == 783);
  CHECK(rejected == 37);
  CHECK(imported + rejected == 820);
  CHECK(first["children_without_events"] == 0);
  CHECK(first["children_already_imported"] == 0);
  // issue 22: only an episode chain that cannot be made consistent rejects a child; the review
  // rules are among the reasons of children rejected for their episodes (every reason is listed).
  CHECK(first["rejected_by_rule"] == json{{"episode.gap_after_x1", 14},
                                          {"episode.overlap", 25},
                                          {"episode.rne", 15},
                                          {"episode.v2_with_p1", 14},
                                          {"review.outside_care", 26},
                                          {"review.pn0_age", 18}});
  // issue 22: a history beginning before the files is no longer a reason (it was 496 children).
  CHECK_FALSE(first["rejected_by_rule"].contains("episode.first_rne"));
  CHECK(first["children_start_not_known"] == 466);
  // Rows left out of children imported: each row once, though it may break two rules.
  CHECK(first["rows_left_out"] == 1394);
  CHECK(first["rows_left_out_by_rule"] == json{{"review.future", 2},
                                               {"review.outside_care", 1115},
                                               {"review.pn0_age", 428},
                                               {"review.years_differ", 22}});
  CHECK(first["repairs_by_rule"] == json{{"episode.open_with_rec", 80}, {"episode.rne", 42}});
  CHECK(first["episodes_imported"] == 2561);
  CHECK(first["reviews_imported"] == 1861);
  CHECK(first["events_imported"] == 5193);

  // No child reaches the intake only to be refused (that case: the hand-made test below).
  CHECK_FALSE(first["rejected_by_rule"].contains("intake.failed_precondition"));
  CHECK_FALSE(first["rejected_by_rule"].contains("intake.invalid_argument"));

  // The log holds exactly the events imported, each from the importer, in the children's streams.
  const auto events = ChildEvents(server);
  CHECK(events.size() == first["events_imported"].get<size_t>());
  std::set<std::string> imported_children;
  std::set<std::pair<std::string, std::string>> held;  // (child, date) of each ReviewHeld
  for (const auto& e : events) {
    CHECK(e["metadata"]["source_system"] == "ssda903-import");
    const std::string stream = e["stream"];
    REQUIRE(stream.rfind("child-", 0) == 0);
    imported_children.insert(stream.substr(6));
    if (e["type"] == "ReviewHeld") held.emplace(stream.substr(6), e["data"]["occurred_on"]);
  }
  CHECK(imported_children.size() == static_cast<size_t>(imported));

  // The rejects file: every rejected child has at least one `child` row, and its rows are all
  // `child` rows; the rules of those rows are the summary's.
  const std::vector<Reject> rows = ReadRejects(rejects);
  const auto rejected_rules = RejectedRules(rows);
  CHECK(rejected_rules.size() == static_cast<size_t>(rejected));
  std::map<std::string, int> children_by_rule;
  for (const auto& [child, rules] : rejected_rules) {
    CHECK_FALSE(imported_children.contains(child));
    for (const auto& rule : rules) ++children_by_rule[rule];
  }
  CHECK(json(children_by_rule) == first["rejected_by_rule"]);
  // Every child of the files is imported or rejected.
  std::set<std::string> children;
  for (int year = kFirstYear; year <= kLastYear; ++year) {
    for (const auto& row : CsvRows(kDir + "/" + std::to_string(year) + "-header.csv")) {
      children.insert(row[0]);
    }
  }
  CHECK(children.size() == 820);
  for (const std::string& child : children) {
    INFO("child " << child);
    CHECK(imported_children.contains(child) != rejected_rules.contains(child));
  }

  // Each `row` row: a child imported, and the file:line of a reviews file holding that child's
  // row (the synthetic set has no other rows left out). The rows are counted once each.
  std::map<std::string, std::vector<std::string>> reviews_files;
  for (int year = kFirstYear; year <= kLastYear; ++year) {
    const std::string path = kDir + "/" + std::to_string(year) + "-reviews.csv";
    reviews_files[fs::weakly_canonical(path).string()] = FileLines(path);
  }
  std::map<std::string, int> rows_by_rule;
  std::set<std::pair<std::string, std::string>> rows_left_out;   // (child, file:line)
  std::set<std::pair<std::string, std::string>> dates_left_out;  // (child, review date)
  for (const Reject& r : rows) {
    if (r.left_out != "row") continue;
    INFO(r.child << "," << r.rule << "," << r.detail);
    CHECK(imported_children.contains(r.child));
    ++rows_by_rule[r.rule];
    const auto [file, line] = RowOf(r.detail);
    const auto lines = reviews_files.find(fs::weakly_canonical(file).string());
    REQUIRE(lines != reviews_files.end());
    REQUIRE(line >= 2);
    REQUIRE(static_cast<size_t>(line) <= lines->second.size());
    const std::vector<std::string> fields = CsvFields(lines->second[line - 1]);
    REQUIRE(fields.size() >= 3);
    CHECK(fields[0] == r.child);
    rows_left_out.emplace(r.child, file + ":" + std::to_string(line));
    dates_left_out.emplace(r.child, IsoDate(fields[2]));
  }
  CHECK(json(rows_by_rule) == first["rows_left_out_by_rule"]);
  CHECK(rows_left_out.size() == first["rows_left_out"].get<size_t>());

  // Independent counts over the children imported. Reviews: the distinct review dates of the
  // files, less the dates of rows left out; each of them is held in the log, and no other.
  std::set<std::pair<std::string, std::string>> expected_held;
  for (const auto& [child, on] : DistinctByDate("reviews", 2)) {
    if (!imported_children.contains(child)) continue;
    if (!dates_left_out.contains({child, IsoDate(on)})) expected_held.emplace(child, IsoDate(on));
  }
  CHECK(held == expected_held);
  CHECK(first["reviews_imported"] == expected_held.size());
  // Episodes: the distinct starts, less those the RNE repair merged into the previous episode
  // (listed in the repairs file, "nothing recorded").
  std::ifstream repairs_in(repairs);
  std::string line;
  std::getline(repairs_in, line);
  CHECK(line == "child_id,rule,detail");
  size_t merged = 0;
  while (std::getline(repairs_in, line)) {
    const auto f = CsvFields(line);
    REQUIRE(f.size() == 3);
    CHECK(imported_children.contains(f[0]));
    if (f[1] == "episode.rne" && f[2].find("nothing recorded") != std::string::npos) ++merged;
  }
  size_t starts = 0;
  for (const auto& [child, decom] : DistinctByDate("episodes", 1)) {
    if (imported_children.contains(child)) ++starts;
  }
  CHECK(first["episodes_imported"] == starts - merged);

  // issue 22: the run's figures, recorded in the stream `imports` (one event, the run's
  // summary), from the import's source system.
  auto runs = ImportRuns(server);
  REQUIRE(runs.size() == 1);
  const json& run = runs[0];
  INFO(run.dump());
  CHECK(run["metadata"]["source_system"] == "ssda903-import");
  CHECK(run["data"]["source_system"] == "ssda903-import");
  CHECK(run["data"]["years"] == json::array({2017, 2018, 2019, 2020, 2021}));
  CHECK(run["data"]["files"].size() == 15);
  CHECK(RunCount(run, "children_read") == 820);
  CHECK(RunCount(run, "children_imported") == 783);
  CHECK(RunCount(run, "children_already_imported") == 0);
  CHECK(RunCount(run, "children_rejected") == 37);
  CHECK(RunCount(run, "children_without_events") == 0);
  CHECK(RunCount(run, "rows_left_out") == 1394);
  CHECK(RunCount(run, "children_start_not_known") == 466);
  CHECK(run["data"]["children_rejected_by_rule"] == first["rejected_by_rule"]);
  CHECK(run["data"]["rows_left_out_by_rule"] == first["rows_left_out_by_rule"]);
  CHECK(run["data"]["repairs_by_rule"] == first["repairs_by_rule"]);

  // One child at a time (--jobs 1) records the same events in each stream, in the same order;
  // only the interleaving of streams in the log differs (and the run's own event id).
  {
    ft::RunningServer serial(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
    const json one = ImportJson(serial, {"--repair", "all", "--jobs", "1"});
    CHECK(one["events_imported"] == first["events_imported"]);
    const auto by_stream = [](const std::vector<json>& log) {
      std::map<std::string, std::vector<std::string>> out;
      for (const auto& e : log) out[e["stream"].get<std::string>()].push_back(e["id"]);
      return out;
    };
    CHECK(by_stream(ChildEvents(serial)) == by_stream(events));
  }

  // The same files again (the summary in text): nothing new is written, the figures are the
  // same, and the run is recorded with every child already imported.
  const auto again = ft::Cli(server, {"import-903", kDir, "--repair", "all"});
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out ==
        "read 5 collection year(s) 2017-2021: 820 children, 2827 episodes\n"
        "imported 0 children (0 episodes, 0 reviews, 0 events); 783 children already imported\n"
        "rejected 37 children\n"
        "  episode.gap_after_x1: 14\n"
        "  episode.overlap: 25\n"
        "  episode.rne: 15\n"
        "  episode.v2_with_p1: 14\n"
        "  review.outside_care: 26\n"
        "  review.pn0_age: 18\n"
        "466 children were already looked after when the files begin: their first period of care "
        "is recorded with its start not known\n"
        "left out 1394 rows of children imported\n"
        "  review.future: 2\n"
        "  review.outside_care: 1115\n"
        "  review.pn0_age: 428\n"
        "  review.years_differ: 22\n"
        "repairs applied\n"
        "  episode.open_with_rec: 80\n"
        "  episode.rne: 42\n");
  CHECK(ChildEvents(server).size() == events.size());
  runs = ImportRuns(server);
  REQUIRE(runs.size() == 2);
  CHECK(RunCount(runs[1], "children_read") == 820);
  CHECK(RunCount(runs[1], "children_imported") == 0);
  CHECK(RunCount(runs[1], "children_already_imported") == 783);
  CHECK(RunCount(runs[1], "children_rejected") == 37);
  CHECK(RunCount(runs[1], "rows_left_out") == 1394);
  CHECK(RunCount(runs[1], "children_start_not_known") == 466);
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
  const auto dry_run = [&](const std::vector<std::string>& options) {
    std::vector<std::string> args = {"--json", "import-903", kDir, "--dry-run"};
    args.insert(args.end(), options.begin(), options.end());
    const auto result = ft::Cli(server, args);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.err.empty());  // nothing tried (a run recorded and refused would warn here)
    const auto lines = ft::JsonLines(result.out);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["children_imported"] == 0);
    CHECK(lines[0]["events_imported"] == 0);
    CHECK(lines[0]["dry_run"] == true);
    return lines[0];
  };
  // issue 22: by default the repairs that only drop a value that cannot apply are made (was 160
  // valid children, and every first episode other than RNE S a reason); --strict makes none;
  // --repair all adds those asked for.
  const json strict = dry_run({"--strict"});
  CHECK(strict["children_valid"] == 672);
  CHECK(strict["children_rejected"] == 148);
  CHECK(strict["repairs_by_rule"].empty());
  const json by_default = dry_run({});
  CHECK(by_default["children_valid"] == 743);
  CHECK(by_default["children_rejected"] == 77);
  for (const auto& [rule, n] : by_default["repairs_by_rule"].items()) {
    CHECK((rule == "episode.open_with_rec" || rule == "episode.provider_not_applicable"));
  }
  const json all = dry_run({"--repair", "all"});
  CHECK(all["children_valid"] == 783);
  CHECK(all["children_rejected"] == 37);
  // Nothing is sent: no child event, and no run recorded in `imports`.
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

// issue 22: the events of the children's streams; each real run also records an ImportRun in
// the stream `imports`, counted apart (ImportRuns).
size_t EventsInLog(const ft::RunningServer& server) { return ChildEvents(server).size(); }

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
  CHECK(ImportRuns(server).size() == 1);

  // With 2018: only A1's end of care and its 2018 review are new; no episode is new (the end
  // closes the episode already recorded), and B2 is already there.
  json second = ImportFrom(server, {y2017, y2018});
  CHECK(second["children_imported"] == 1);
  CHECK(second["children_already_imported"] == 1);
  CHECK(second["episodes_imported"] == 0);
  CHECK(second["reviews_imported"] == 1);
  CHECK(second["events_imported"] == 2);
  CHECK(EventsInLog(server) == 7);
  CHECK(ImportRuns(server).size() == 2);
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
  CHECK(ImportRuns(server).size() == 3);
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
  // A run that imported nothing is recorded too, with its figures.
  const auto runs = ImportRuns(server);
  REQUIRE(runs.size() == 4);
  CHECK(RunCount(runs[3], "children_read") == 1);
  CHECK(RunCount(runs[3], "children_imported") == 0);
  CHECK(RunCount(runs[3], "children_rejected") == 1);
  CHECK(runs[3]["data"]["children_rejected_by_rule"] == json{{"intake.failed_precondition", 1}});
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

  // Only a child whose history begins in care (RNE P first) after 1 April of the first year
  // read: an earlier episode is missing, so nothing to import, exit 1. (Before that 1 April, the
  // child would be imported with its start not known: the test below.)
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

TEST_CASE(
    "import-903 imports a child already looked after when the files begin with its start not "
    "known and leaves out a bad review row on its own",
    "[e2e][import903]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  const std::string dir = server.dir.Sub("y2019");
  std::filesystem::create_directories(dir);
  // G7: the first episode in the files is a move (RNE P) on 1 Feb 2019, before 1 April 2019
  // (the first day of the 2019 return): G7 was already looked after when the files begin. Its
  // PN0 review on 1 Jun 2019 cannot be right for a 10-year-old and is left out; its review on
  // 1 Sep 2019 is recorded. H8, the same history begun with RNE S: its start is known, but the
  // reviews of February and March 2019 would be in the files before them, so they are not known
  // either (reviews_known_from 1 April 2019). K9 begins with RNE S on 1 April 2019 itself:
  // everything is known, and its first review was due 20 working days after it.
  Write(dir + "/2019-header.csv", std::string(kHeader) +
                                      "G7,1,01/02/2009,WBRI,,,\nH8,1,01/02/2009,WBRI,,,\n"
                                      "K9,1,01/02/2009,WBRI,,,\n");
  Write(dir + "/2019-episodes.csv", std::string(kEpisodes) +
                                        "G7,01/02/2019,P,C2,N1,U4,PR1,,,,,,\n"
                                        "H8,01/02/2019,S,C2,N1,U4,PR1,,,,,,\n"
                                        "K9,01/04/2019,S,C2,N1,U4,PR1,,,,,,\n");
  Write(dir + "/2019-reviews.csv", std::string(kReviews) +
                                       "G7,01/02/2009,01/06/2019,PN0\n"
                                       "G7,01/02/2009,01/09/2019,PN1\n"
                                       "H8,01/02/2009,01/09/2019,PN1\n"
                                       "K9,01/02/2009,01/09/2019,PN1\n");
  const std::string rejects = server.dir.Sub("rejects.csv");
  const json summary = ImportFrom(server, {dir, "--rejects", rejects});
  INFO(summary.dump());
  CHECK(summary["children_imported"] == 3);
  CHECK(summary["children_rejected"] == 0);
  CHECK(summary["children_start_not_known"] == 1);
  CHECK(summary["rows_left_out"] == 1);
  CHECK(summary["rows_left_out_by_rule"] == json{{"review.pn0_age", 1}});
  CHECK(summary["episodes_imported"] == 3);
  CHECK(summary["reviews_imported"] == 3);

  // The rejects file lists the row alone (left_out `row`), by its file and line.
  const std::vector<Reject> rows = ReadRejects(rejects);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].child == "G7");
  CHECK(rows[0].rule == "review.pn0_age");
  CHECK(rows[0].left_out == "row");
  const auto [file, line] = RowOf(rows[0].detail);
  CHECK(fs::path(file).filename() == "2019-reviews.csv");
  CHECK(line == 2);

  // G7's first period is recorded with its start not known, on the first DECOM.
  const auto g7_events = ft::JsonLines(ft::CliOk(server, {"--json", "read", "child-G7"}));
  REQUIRE(g7_events.size() == 2);
  CHECK(g7_events[0]["type"] == "PeriodOfCareStarted");
  CHECK(g7_events[0]["data"]["occurred_on"] == "2019-02-01");
  CHECK(g7_events[0]["data"]["period_of_care_started"]["start_not_known"] == true);
  CHECK(g7_events[1]["type"] == "ReviewHeld");
  CHECK(g7_events[1]["data"]["occurred_on"] == "2019-09-01");

  // The child's summary: looked after since a day known to be in care, the start not known;
  // the one review recorded; no first-review deadline counts from the unknown start, so no
  // review is overdue (nor H8's; K9, whose whole history is known, is overdue: its 2nd review
  // was due 3 months after 1 Sep 2019, on 1 Dec).
  const auto flags_of = [](const json& child) {
    std::set<std::string> out;
    if (child.contains("flags")) {
      for (const auto& f : child["flags"]) out.insert(f.get<std::string>());
    }
    return out;
  };
  const json g7 = ft::CliJson(server, {"child", "G7", "--as-at", "2019-12-31"});
  INFO(g7.dump());
  CHECK(g7["looked_after"] == true);
  CHECK(g7["period_start"] == "2019-02-01");
  CHECK(g7["period_start_not_known"] == true);
  REQUIRE(g7["reviews"].size() == 1);
  CHECK(g7["reviews"][0]["held_on"] == "2019-09-01");
  CHECK_FALSE(flags_of(g7).contains("review overdue"));
  const json h8 = ft::CliJson(server, {"child", "H8", "--as-at", "2019-12-31"});
  INFO(h8.dump());
  CHECK_FALSE(h8.value("period_start_not_known", false));
  CHECK_FALSE(flags_of(h8).contains("review overdue"));
  const auto h8_events = ft::JsonLines(ft::CliOk(server, {"--json", "read", "child-H8"}));
  REQUIRE_FALSE(h8_events.empty());
  CHECK(h8_events[0]["data"]["period_of_care_started"]["reviews_known_from"] == "2019-04-01");
  const json k9 = ft::CliJson(server, {"child", "K9", "--as-at", "2019-12-31"});
  INFO(k9.dump());
  CHECK(flags_of(k9).contains("review overdue"));

  // The run recorded: one child with its start not known, one row left out.
  const auto runs = ImportRuns(server);
  REQUIRE(runs.size() == 1);
  CHECK(RunCount(runs[0], "children_imported") == 3);
  CHECK(RunCount(runs[0], "children_start_not_known") == 1);
  CHECK(RunCount(runs[0], "rows_left_out") == 1);
  CHECK(runs[0]["data"]["rows_left_out_by_rule"] == json{{"review.pn0_age", 1}});
}

TEST_CASE(
    "import-903 run records: Intake.RecordImportRun refuses counts that do not add up or no "
    "source system and writes nothing",
    "[e2e][import903]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  auto stub = v1::Intake::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  const auto record = [&](const v1::ImportRun& run) {
    v1::RecordImportRunRequest request;
    *request.mutable_run() = run;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::RecordImportRunResponse response;
    return stub->RecordImportRun(&context, request, &response);
  };
  v1::ImportRun valid;
  valid.set_source_system("ssda903-import");
  valid.add_years(2019);
  valid.add_years(2020);
  valid.add_files("2019-episodes.csv");
  valid.set_children_read(10);
  valid.set_children_imported(6);
  valid.set_children_already_imported(1);
  valid.set_children_rejected(2);
  valid.set_children_without_events(1);
  valid.set_rows_left_out(3);
  valid.set_children_start_not_known(2);
  valid.set_finished_at("2026-01-05T10:00:00Z");
  valid.set_recorded_by("e2e-test");

  const auto refused = [&](const v1::ImportRun& run, const std::string& field) {
    const grpc::Status status = record(run);
    INFO(status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(status.error_message().rfind(field + ": ", 0) == 0);
  };
  v1::ImportRun more_read = valid;  // 11 read, 10 accounted for
  more_read.set_children_read(11);
  refused(more_read, "run.children_read");
  v1::ImportRun fewer_read = valid;  // 9 read, 10 accounted for
  fewer_read.set_children_read(9);
  refused(fewer_read, "run.children_read");
  v1::ImportRun no_source = valid;
  no_source.clear_source_system();
  refused(no_source, "run.source_system");
  CHECK(ft::Cli(server, {"--json", "read-all"}).out.empty());

  // The same run with its counts adding up is recorded, in `imports`.
  const grpc::Status ok = record(valid);
  INFO(ok.error_message());
  REQUIRE(ok.ok());
  const auto runs = ImportRuns(server);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["metadata"]["source_system"] == "ssda903-import");
  CHECK(RunCount(runs[0], "children_read") == 10);
  CHECK(RunCount(runs[0], "children_start_not_known") == 2);
  CHECK(LogEvents(server).size() == 1);
}

}  // namespace
