// End-to-end tests of the query commands of the footprint CLI (reviews, escalations, s20,
// placements, child, projections) against the real footprintd, both as child processes.
//
// Every scenario is dated in the past (events may not be dated after today in England) and
// every query is asked --as-at a fixed date, so the expected values do not depend on the day the
// tests run. The expected dates and counts are computed by hand in the comments from the rules of
// shared/docs/domain.md (section 4 reviews, section 5 England & Wales bank holidays, sections 7-9)
// and the defaults of section 11, never by asking the server. "WD" is a working day; "working
// days between A and B" are the working days d with A < d <= B (the trigger day is day 0).
//
// Reads: queries answer from the `children` read model, which the projection worker updates
// after each commit, asynchronously. The server does not make a query wait for its own writes,
// so each test waits (bounded, a few ms between tries) for `projections status` to show every
// projection at the log's end before it asks anything.
//
// Writes by the server itself: the deadline runner works on the real clock, so a challenge
// dated in the past is escalated on silence at once (the escalation test waits for that cascade
// to complete), and "review overdue" / "paperwork overdue"
// events would be appended for every past-dated child at some moment during a test. The servers
// here turn those off (reviews.record_missed_deadlines: false) so that the log holds exactly
// what each test records.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
using nlohmann::json;

using ft::Cli;
using ft::CliJson;
using ft::CliOk;
using ft::JsonLines;
using ft::Lines;
using ft::RunningServer;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A footprintd on 127.0.0.1:0 in a fresh directory, without review deadline appends.
std::unique_ptr<RunningServer> StartServer() {
  return std::make_unique<RunningServer>(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
}

// The one line `footprint --json ARGS...` prints, as text (for byte-for-byte comparisons).
std::string CliJsonText(const RunningServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), "--json");
  const auto result = Cli(server, args);
  INFO("footprint " << args[1] << " stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(Lines(result.out).size() == 1);
  return result.out;
}

// A failed command: exit status `exit_code`, nothing on stdout, and one line on stderr
// "footprint: " followed by `prefix` (the code and the field).
void CheckOneLineError(const ft::CommandResult& result, int exit_code, const std::string& prefix) {
  INFO("stdout: " << result.out << "\nstderr: " << result.err);
  CHECK(result.exit_code == exit_code);
  CHECK(result.out.empty());
  CHECK(Lines(result.err).size() == 1);
  CHECK(result.err.rfind("footprint: " + prefix, 0) == 0);
}

using CellList = std::vector<std::string>;

// The cells of a table line (indented or not): columns are separated by two or more spaces.
CellList Cells(const std::string& line) {
  CellList cells;
  size_t at = line.find_first_not_of(' ');
  while (at != std::string::npos && at < line.size()) {
    size_t end = line.find("  ", at);
    if (end == std::string::npos) end = line.size();
    cells.push_back(line.substr(at, end - at));
    at = line.find_first_not_of(' ', end);
    if (at == std::string::npos) break;
  }
  return cells;
}

// The line of `text` whose first cell is `first` ("" if none).
std::string LineStartingWith(const std::string& text, const std::string& first) {
  for (const std::string& line : Lines(text)) {
    const CellList cells = Cells(line);
    if (!cells.empty() && cells[0] == first) return line;
  }
  return "";
}

// The cells of the line whose first cell is `first` (empty if none).
CellList Row(const std::string& text, const std::string& first) {
  return Cells(LineStartingWith(text, first));
}

// Events in the JSON form `footprint record` reads (docs/domain-events.md).
json Event(const std::string& on, const std::string& kind, const json& body = json::object()) {
  return json{{"occurred_on", on}, {kind, body}};
}

// A period of care started: legal status `status`, foster care U1 with the council's own
// provider PR1, category of need N1.
json Care(const std::string& on, const std::string& status = "C2",
          const std::string& date_of_birth = "2015-06-01") {
  return Event(on, "period_of_care_started",
               {{"legal_status", status},
                {"placement", {{"type", "U1"}, {"provider", "PR1"}}},
                {"category_of_need", "N1"},
                {"date_of_birth", date_of_birth}});
}

// A review chaired by iro-1.
json Review(const std::string& on, const std::string& participation = "PN1") {
  return Event(on, "review_held", {{"iro_id", "iro-1"}, {"participation", participation}});
}

json Iro(const std::string& on, const std::string& id, const std::string& name,
         const std::string& team) {
  return Event(on, "iro_allocated", {{"iro_id", id}, {"iro_name", name}, {"team", team}});
}

json Move(const std::string& on, const json& placement, const std::string& reason,
          bool carer_changed) {
  return Event(
      on, "placement_changed",
      {{"placement", placement}, {"reason_for_change", reason}, {"carer_changed", carer_changed}});
}

uint64_t Record(const RunningServer& server, const std::string& child, const json& events) {
  const json out = CliJson(server, {"record", child, "--file", "-"}, events.dump());
  REQUIRE(out.at("duplicate") == false);
  return std::stoull(out.at("last_position").get<std::string>()) + 1;
}

// `projections status`, checking that every projection is healthy and has applied the whole
// log. Queries wait until the read model reflects every event committed before them, so after a
// query this holds without waiting. Returns the status (proto JSON: uint64 as strings).
json ProjectionsCaughtUp(const RunningServer& server) {
  const json status = CliJson(server, {"projections", "status"});
  INFO(status.dump());
  REQUIRE_FALSE(status.at("projections").empty());
  for (const json& p : status.at("projections")) {
    CHECK(p.at("lag") == "0");
    CHECK(p.at("healthy") == true);
    CHECK(p.at("position") == status.at("log_end"));
  }
  return status;
}

// Waits (bounded: 2,000 tries, 2 ms apart) until challenge `id` has `steps` steps: the deadline
// runner appends the steps of a cascade asynchronously.
json WaitForChallengeSteps(const RunningServer& server, const std::string& id, size_t steps) {
  json view;
  for (int attempt = 0; attempt < 2000; ++attempt) {
    view = CliJson(server, {"challenge", "show", id});
    if (view.at("steps").size() >= steps) return view;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  FAIL("challenge " << id << " did not reach " << steps << " steps: " << view.dump());
  return view;
}

std::vector<std::string> ChildIds(const json& items) {
  std::vector<std::string> ids;
  for (const json& item : items) ids.push_back(item.at("child_id").get<std::string>());
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Scenarios shared by several tests

// Three children whose next reviews fall around April-June 2026. Returns the log's end.
uint64_t RecordReviewChildren(const RunningServer& server) {
  // R1 became looked after on Thu 2 Apr 2026. 1st review within 20 WD: Fri 3 Apr (Good Friday)
  // and Mon 6 Apr (Easter Monday) are not working days; Tue 7..Fri 10 = 4, 13-17 = 9,
  // 20-24 = 14, 27-30 = 18, Fri 1 May = 19, Mon 4 May is the Early May bank holiday, Tue 5 May
  // = 20: due Tue 2026-05-05.
  Record(server, "R1", json::array({Care("2026-04-02")}));
  // R3 became looked after on Thu 4 Dec 2025: Fri 5 = 1, 8-12 = 6, 15-19 = 11, 22-24 = 14,
  // 25 and 26 Dec bank holidays, 29-31 = 17, 1 Jan bank holiday, Fri 2 = 18, Mon 5 = 19,
  // Tue 6 Jan = 20: 1st due Tue 2026-01-06, held that day (in time). 2nd within 3 months of
  // it: due Mon 2026-04-06 (the day it is due is still in time), never held.
  Record(server, "R3", json::array({Care("2025-12-04"), Review("2026-01-06")}));
  // R5 became looked after on Mon 2 Mar 2026: 3-6 = 4, 9-13 = 9, 16-20 = 14, 23-27 = 19,
  // Mon 30 = 20: 1st due Mon 2026-03-30, held late on Tue 31 Mar. A late review re-anchors the
  // cycle: 2nd due 3 months after 31 Mar = "31 June", clamped to Tue 2026-06-30.
  return Record(server, "R5", json::array({Care("2026-03-02"), Review("2026-03-31")}));
}

// Children in and out of section 20. Returns the log's end.
uint64_t RecordSection20Children(const RunningServer& server) {
  // S1, born 15 Nov 2022, accommodated under section 20 (V2) on Mon 1 Dec 2025 with a parent's
  // consent that day; PLO started 1 Jun 2026; no permanence plan. As at Mon 31 Aug 2026: aged 3;
  // in s20 for 30 days to 31 Dec, then 31 + 28 + 31 + 30 + 31 + 30 + 31 + 31 = 273 days: more
  // than 8 weeks (56 days) while under 5, and more than 6 months (1 Dec + 6 months = 1 Jun 2026,
  // before 31 Aug) without a permanence plan.
  Record(
      server, "S1",
      json::array({Care("2025-12-01", "V2", "2022-11-15"), Iro("2025-12-01", "iro-3", "Cy", "East"),
                   Event("2025-12-01", "section20_consent_recorded",
                         {{"consented_by", "PARENT"}, {"consenter_name", "Mother"}}),
                   Event("2026-06-01", "plo_started")}));
  // S2, born 10 May 2012, on short breaks (V3) since Mon 2 Mar 2026, no consent recorded. As at
  // 31 Aug 2026: 182 days (29 left in March + 30 + 31 + 30 + 31 + 31), aged 14; 2 Mar + 6
  // months = 2 Sep, not yet passed: only "no consent recorded".
  Record(server, "S2", json::array({Care("2026-03-02", "V3", "2012-05-10")}));
  // S3 is on a care order (C2): never in section 20.
  Record(server, "S3", json::array({Care("2026-01-05")}));
  // S4, born 1 Jan 2010, in s20 (V2) from Mon 2 Feb 2026 until an interim care order (C1) on
  // Mon 4 May 2026: last day in s20 Sun 3 May, 90 days after 2 Feb (26 + 31 + 30 + 3); aged 16;
  // no consent recorded; 2 Feb + 6 months = 2 Aug, after 3 May: no plan flag.
  return Record(
      server, "S4",
      json::array({Care("2026-02-02", "V2", "2010-01-01"),
                   Event("2026-05-04", "legal_status_changed", {{"legal_status", "C1"}})}));
}

// Children with placement moves. Returns the log's end.
uint64_t RecordPlacementChildren(const RunningServer& server) {
  // P1 became looked after on Mon 1 Sep 2025 in foster care (U1). 1st review within 20 WD: 2-5
  // Sep = 4, 8-12 = 9, 15-19 = 14, 22-26 = 19, Mon 29 = 20: due 2025-09-29, held Fri 26 Sep (in
  // time). 2nd due 3 months later, 2025-12-26, held Fri 19 Dec (in time). 3rd due 6 months
  // after that: Fri 2026-06-19, never held. Moves: 12 Jan 2026 to U2 (CARPL), 16 Mar 2026 to a
  // temporary placement T1 (ALLEG), 20 Apr 2026 to an unregistered children's home K2 of a
  // private provider 35 miles from home (CREQB); each with a change of carer.
  Record(server, "P1",
         json::array({Care("2025-09-01"), Iro("2025-09-01", "iro-4", "Dee", "West"),
                      Review("2025-09-26"), Review("2025-12-19"),
                      Move("2026-01-12", {{"type", "U2"}, {"provider", "PR1"}}, "CARPL", true),
                      Move("2026-03-16", {{"type", "T1"}}, "ALLEG", true),
                      Move("2026-04-20",
                           {{"type", "K2"},
                            {"provider", "PR4"},
                            {"registration", "UNREGISTERED"},
                            {"distance_miles", 35}},
                           "CREQB", true)}));
  // P2, looked after since Mon 3 Jun 2024, moved on 2 Feb 2026 with the same carer (OTHER).
  Record(server, "P2",
         json::array({Care("2024-06-03"),
                      Move("2026-02-02", {{"type", "U3"}, {"provider", "PR1"}}, "OTHER", false)}));
  // P3, looked after since Mon 6 Jan 2025, moved (new carer) on 5 May 2025 (CARPL), 6 Oct 2025
  // (CHILD) and 1 Jun 2026 (LAREQ).
  return Record(
      server, "P3",
      json::array({Care("2025-01-06"),
                   Move("2025-05-05", {{"type", "U4"}, {"provider", "PR1"}}, "CARPL", true),
                   Move("2025-10-06", {{"type", "U5"}, {"provider", "PR2"}}, "CHILD", true),
                   Move("2026-06-01", {{"type", "U6"}, {"provider", "PR1"}}, "LAREQ", true)}));
}

}  // namespace

// =============================================================================================
// reviews due / overdue

TEST_CASE("queries: reviews due and overdue give the statutory due dates and rules as at a date",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  RecordReviewChildren(server);

  // As at Mon 20 Apr 2026, within 28 days (to Mon 18 May): R1's 1st review (Tue 5 May, 15 days
  // ahead). R3 is overdue (6 Apr), R5 is due 30 Jun (71 days ahead).
  const json due = CliJson(server, {"reviews", "due", "--as-at", "2026-04-20", "--within", "26"});
  CHECK(due.at("as_at") == "2026-04-20");
  REQUIRE(due.at("items").size() == 1);
  const json& r1 = due.at("items")[0];
  CHECK(r1.at("child_id") == "R1");
  CHECK(r1.at("period_start") == "2026-04-02");
  CHECK(r1.at("last_review") == "");
  CHECK(r1.at("due_on") == "2026-05-05");
  CHECK(r1.at("review_number") == 1);
  CHECK(r1.at("days_until_due") == 15);
  CHECK(r1.at("overdue") == false);
  CHECK(Contains(r1.at("rule").get<std::string>(), "20 working days from 2026-04-02"));
  // Zero values are printed too.
  CHECK(r1.at("iro_id") == "");
  CHECK(r1.at("team") == "");

  // Within 80 days (to Thu 9 Jul): R5 joins, sorted by due date.
  const json wide = CliJson(server, {"reviews", "due", "--as-at", "2026-04-20", "--within", "80"});
  CHECK(ChildIds(wide.at("items")) == std::vector<std::string>{"R1", "R5"});
  const json& r5 = wide.at("items")[1];
  CHECK(r5.at("due_on") == "2026-06-30");
  CHECK(r5.at("last_review") == "2026-03-31");
  CHECK(r5.at("review_number") == 2);
  CHECK(r5.at("days_until_due") == 71);
  CHECK(Contains(r5.at("rule").get<std::string>(), "3 months after the review on 2026-03-31"));

  // The default window is 28 days: the same as --within 28.
  CHECK(CliJson(server, {"reviews", "due", "--as-at", "2026-04-20"}) == due);

  const json overdue = CliJson(server, {"reviews", "overdue", "--as-at", "2026-04-20"});
  CHECK(overdue.at("as_at") == "2026-04-20");
  REQUIRE(overdue.at("items").size() == 1);
  const json& r3 = overdue.at("items")[0];
  CHECK(r3.at("child_id") == "R3");
  CHECK(r3.at("period_start") == "2025-12-04");
  CHECK(r3.at("last_review") == "2026-01-06");
  CHECK(r3.at("due_on") == "2026-04-06");
  CHECK(r3.at("review_number") == 2);
  CHECK(r3.at("days_until_due") == -14);
  CHECK(r3.at("overdue") == true);
  CHECK(Contains(r3.at("rule").get<std::string>(), "3 months after the review on 2026-01-06"));

  // On its due date (Mon 6 Apr) R3's review is not yet overdue but due today; R1's (Tue 5 May)
  // is 29 days ahead: outside 28 days, inside 29.
  CHECK(CliJson(server, {"reviews", "overdue", "--as-at", "2026-04-06"}).at("items").empty());
  CHECK(CliOk(server, {"reviews", "overdue", "--as-at", "2026-04-06"}) ==
        "no reviews overdue as at 2026-04-06\n");
  const json on_the_day = CliJson(server, {"reviews", "due", "--as-at", "2026-04-06"});
  REQUIRE(on_the_day.at("items").size() == 1);
  CHECK(on_the_day.at("items")[0].at("child_id") == "R3");
  CHECK(on_the_day.at("items")[0].at("days_until_due") == 0);
  CHECK(ChildIds(CliJson(server, {"reviews", "due", "--as-at", "2026-04-06", "--within", "29"})
                     .at("items")) == std::vector<std::string>{"R3", "R1"});
  // The day after, it is one day overdue.
  const json next_day = CliJson(server, {"reviews", "overdue", "--as-at", "2026-04-07"});
  REQUIRE(next_day.at("items").size() == 1);
  CHECK(next_day.at("items")[0].at("days_until_due") == -1);

  // For people: a header line, then aligned columns.
  const std::string table = CliOk(server, {"reviews", "overdue", "--as-at", "2026-04-20"});
  const auto lines = Lines(table);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "1 review overdue as at 2026-04-20");
  CHECK(lines[1].rfind("CHILD  IRO  TEAM  PERIOD START  LAST REVIEW  REVIEW  DUE ON      DAYS "
                       "OVERDUE  RULE",
                       0) == 0);
  CHECK(lines[2].rfind("R3     -    -     2025-12-04    2026-01-06   2       2026-04-06  14", 0) ==
        0);
  CHECK(Contains(lines[2], "3 months after the review on 2026-01-06"));
  CHECK(CliOk(server, {"reviews", "due", "--as-at", "2025-11-01"}) ==
        "no reviews due within 28 days of 2025-11-01\n");
}

// =============================================================================================
// reviews timeliness

TEST_CASE("queries: reviews timeliness counts reviews in time, participation and paperwork",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  // T1 (IRO iro-1, team North) looked after from Mon 5 Jan 2026. 1st review within 20 WD: 6-9
  // Jan = 4, 12-16 = 9, 19-23 = 14, 26-30 = 19, Mon 2 Feb = 20: due 2026-02-02; held early on
  // Fri 30 Jan (PN1). Social worker's report received Fri 23 Jan: working days between 23 and
  // 30 Jan = 26, 27, 28, 29, 30 = 5 ("5 or more days before"). Recommendations due 5 WD after
  // 30 Jan = Fri 6 Feb, issued that day (in time). Record due 20 WD after 30 Jan: 2-6 Feb = 5,
  // 9-13 = 10, 16-20 = 15, 23-27 = 20: Fri 27 Feb; distributed Mon 2 Mar (late). 2nd review due
  // 3 months after 30 Jan = Thu 30 Apr, held that day (in time, PN2), report received that
  // same day.
  Record(server, "T1",
         json::array(
             {Care("2026-01-05"), Iro("2026-01-05", "iro-1", "Ann", "North"),
              Event("2026-01-23", "social_worker_report_received", {{"review_date", "2026-01-30"}}),
              Review("2026-01-30", "PN1"),
              Event("2026-02-06", "recommendations_issued", {{"review_date", "2026-01-30"}}),
              Event("2026-03-02", "review_record_distributed", {{"review_date", "2026-01-30"}}),
              Event("2026-04-30", "social_worker_report_received", {{"review_date", "2026-04-30"}}),
              Review("2026-04-30", "PN2")}));
  // T2 (iro-2, South) looked after from Mon 2 Mar 2026: 1st due Mon 30 Mar (see R5 above), held
  // Tue 31 Mar (late, PN7); report received Wed 1 Apr, 1 WD after the review. A midway review
  // on Fri 15 May.
  Record(server, "T2",
         json::array(
             {Care("2026-03-02"), Iro("2026-03-02", "iro-2", "Bea", "South"),
              Review("2026-03-31", "PN7"),
              Event("2026-04-01", "social_worker_report_received", {{"review_date", "2026-03-31"}}),
              Event("2026-05-15", "midway_review_completed", {{"iro_id", "iro-2"}})}));
  // T3 (iro-2, South) looked after from Mon 5 Jan 2026 like T1: 1st review due Mon 2 Feb, never
  // held: the child counts as reviewed in the period, and not in time.
  Record(server, "T3",
         json::array({Care("2026-01-05"), Iro("2026-01-05", "iro-2", "Bea", "South")}));

  SECTION("first half of 2026: 3 reviews held, 2 in time") {
    const json t = CliJson(server, {"reviews", "timeliness", "--from", "2026-01-01", "--to",
                                    "2026-06-30", "--as-at", "2026-07-01"});
    CHECK(t.at("from") == "2026-01-01");
    CHECK(t.at("to") == "2026-06-30");
    CHECK(t.at("reviews_held") == 3);
    CHECK(t.at("reviews_in_time") == 2);
    CHECK(t.at("percent_in_time").get<double>() == Approx(200.0 / 3));
    CHECK(t.at("rating") == "red");  // below 87%
    // T1, T2 held; T3's missed review fell due in the period. Only T1 was in time throughout.
    CHECK(t.at("children_reviewed") == 3);
    CHECK(t.at("children_all_in_time") == 1);
    CHECK(t.at("percent_children_in_time").get<double>() == Approx(100.0 / 3));
    CHECK(t.at("participation") == json{{"PN0", 0},
                                        {"PN1", 1},
                                        {"PN2", 1},
                                        {"PN3", 0},
                                        {"PN4", 0},
                                        {"PN5", 0},
                                        {"PN6", 0},
                                        {"PN7", 1}});
    CHECK(t.at("social_worker_reports") == json{{"five_or_more_days_before", 1},
                                                {"one_to_four_days_before", 0},
                                                {"same_day", 1},
                                                {"after", 1},
                                                {"not_received", 0}});
    CHECK(t.at("recommendations_in_time") == 1);
    CHECK(t.at("records_in_time") == 0);
    CHECK(t.at("midway_reviews") == 1);

    REQUIRE(t.at("reviews").size() == 3);
    json t2_review;
    for (const json& r : t.at("reviews")) {
      if (r.at("child_id") == "T2") t2_review = r;
    }
    REQUIRE(t2_review.is_object());
    CHECK(t2_review.at("held_on") == "2026-03-31");
    CHECK(t2_review.at("due_on") == "2026-03-30");
    CHECK(t2_review.at("in_time") == false);
    CHECK(t2_review.at("review_number") == 1);
    CHECK(t2_review.at("participation") == "PN7");
    CHECK(t2_review.at("report_working_days_before") == -1);
    CHECK(Contains(t2_review.at("rule").get<std::string>(), "20 working days from 2026-03-02"));
    json t1_first;
    for (const json& r : t.at("reviews")) {
      if (r.at("child_id") == "T1" && r.at("held_on") == "2026-01-30") t1_first = r;
    }
    REQUIRE(t1_first.is_object());
    CHECK(t1_first.at("due_on") == "2026-02-02");
    CHECK(t1_first.at("in_time") == true);
    CHECK(t1_first.at("report_working_days_before") == 5);
    CHECK(t1_first.at("recommendations_on") == "2026-02-06");
    CHECK(t1_first.at("recommendations_in_time") == true);
    CHECK(t1_first.at("record_on") == "2026-03-02");
    CHECK(t1_first.at("record_in_time") == false);

    // Two reviews a page (pages of 2 and 1), put together by the CLI: the same answer.
    const std::vector<std::string> half = {"reviews", "timeliness", "--from",  "2026-01-01",
                                           "--to",    "2026-06-30", "--as-at", "2026-07-01"};
    std::vector<std::string> paged = half;
    paged.insert(paged.end(), {"--page-size", "2"});
    CHECK(CliJson(server, paged) == t);
    CHECK(CliOk(server, paged) == CliOk(server, half));

    const std::string human = CliOk(server, {"reviews", "timeliness", "--from", "2026-01-01",
                                             "--to", "2026-06-30", "--as-at", "2026-07-01"});
    CHECK(Lines(human).at(0) == "review timeliness from 2026-01-01 to 2026-06-30");
    CHECK(Row(human, "held in time") == CellList{"held in time", "2 (66.7%)"});
    CHECK(Row(human, "rating") == CellList{"rating", "red"});
    CHECK(Row(human, "children all in time") == CellList{"children all in time", "1 (33.3%)"});
    CHECK(Row(human, "participation") == CellList{"participation", "PN1 1, PN2 1, PN7 1"});
    CHECK(Row(human, "social worker reports") ==
          CellList{"social worker reports",
                   "5+ WD before 1, 1-4 WD before 0, same day 1, after 1, none 0"});
    CHECK(Row(human, "recommendations in time") == CellList{"recommendations in time", "1 of 3"});
    CHECK(Row(human, "midway reviews") == CellList{"midway reviews", "1"});
    CHECK(Contains(human, "3 reviews held\n"));
    CHECK(Row(human, "T2") == CellList{"T2", "1", "2026-03-31", "2026-03-30", "no", "PN7", "iro-1",
                                       "1 WD after", "-", "-",
                                       "1st review: 20 working days from 2026-03-02"});

    // --counts-only: the same figures, without the list.
    const std::vector<std::string> period = {"reviews", "timeliness", "--from",  "2026-01-01",
                                             "--to",    "2026-06-30", "--as-at", "2026-07-01"};
    json full = CliJson(server, period);
    std::vector<std::string> counts_args = period;
    counts_args.push_back("--counts-only");
    json counts = CliJson(server, counts_args);
    CHECK(counts.at("reviews").empty());  // --json prints every field, empty lists too
    CHECK(full.at("reviews").size() == 3);
    counts.erase("reviews");
    full.erase("reviews");
    CHECK(counts == full);
    const std::string counts_human = CliOk(server, counts_args);
    CHECK(Row(counts_human, "held in time") == CellList{"held in time", "2 (66.7%)"});
    CHECK_FALSE(Contains(counts_human, "reviews held\n"));
  }

  SECTION("February to April: T1's 1st review falls outside") {
    // Held: T2 (31 Mar, late) and T1's 2nd (30 Apr, the last day of the range, in time). T3's
    // missed review (due 2 Feb) falls in the range.
    const json t = CliJson(server, {"reviews", "timeliness", "--from", "2026-02-01", "--to",
                                    "2026-04-30", "--as-at", "2026-07-01"});
    CHECK(t.at("reviews_held") == 2);
    CHECK(t.at("reviews_in_time") == 1);
    CHECK(t.at("percent_in_time").get<double>() == Approx(50.0));
    CHECK(t.at("rating") == "red");
    CHECK(t.at("children_reviewed") == 3);
    CHECK(t.at("children_all_in_time") == 1);
    CHECK(t.at("participation").at("PN1") == 0);
    CHECK(t.at("participation").at("PN2") == 1);
    CHECK(t.at("participation").at("PN7") == 1);
    CHECK(t.at("social_worker_reports") == json{{"five_or_more_days_before", 0},
                                                {"one_to_four_days_before", 0},
                                                {"same_day", 1},
                                                {"after", 1},
                                                {"not_received", 0}});
    CHECK(t.at("recommendations_in_time") == 0);
    CHECK(t.at("records_in_time") == 0);
    CHECK(t.at("midway_reviews") == 0);  // 15 May is after the range
  }

  SECTION("one IRO's children: all in time, green") {
    const json t = CliJson(server, {"reviews", "timeliness", "--from", "2026-01-01", "--to",
                                    "2026-06-30", "--iro", "iro-1"});
    CHECK(t.at("reviews_held") == 2);
    CHECK(t.at("reviews_in_time") == 2);
    CHECK(t.at("percent_in_time").get<double>() == Approx(100.0));
    CHECK(t.at("rating") == "green");
    CHECK(t.at("children_reviewed") == 1);
    CHECK(t.at("children_all_in_time") == 1);
    CHECK(t.at("midway_reviews") == 0);
    // Team South: T2 (late) and T3 (missed).
    const json south = CliJson(server, {"reviews", "timeliness", "--from", "2026-01-01", "--to",
                                        "2026-06-30", "--team", "South"});
    CHECK(south.at("reviews_held") == 1);
    CHECK(south.at("reviews_in_time") == 0);
    CHECK(south.at("percent_in_time").get<double>() == Approx(0.0));
    CHECK(south.at("rating") == "red");
    CHECK(south.at("children_reviewed") == 2);
    CHECK(south.at("children_all_in_time") == 0);
    CHECK(south.at("midway_reviews") == 1);
  }

  SECTION("a period with nothing in it") {
    const json t =
        CliJson(server, {"reviews", "timeliness", "--from", "2025-01-01", "--to", "2025-03-31"});
    CHECK(t.at("reviews_held") == 0);
    CHECK(t.at("rating") == "");
    CHECK(t.at("reviews") == json::array());
    // Zero counts are printed, also those of a message the server left unset.
    CHECK(t.at("children_reviewed") == 0);
    CHECK(t.at("social_worker_reports") == json{{"five_or_more_days_before", 0},
                                                {"one_to_four_days_before", 0},
                                                {"same_day", 0},
                                                {"after", 0},
                                                {"not_received", 0}});
    CHECK(CliOk(server, {"reviews", "timeliness", "--from", "2025-01-01", "--to", "2025-03-31"}) ==
          "no reviews held or due from 2025-01-01 to 2025-03-31\n");
  }
}

// =============================================================================================
// escalations

TEST_CASE("queries: escalations show open challenges by stage, working days open, period counts",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  Record(server, "E1",
         json::array({Care("2025-06-02"), Iro("2025-06-02", "iro-7", "Gil", "North")}));
  Record(server, "E2",
         json::array({Care("2025-06-02"), Iro("2025-06-02", "iro-8", "Hal", "South")}));

  // E1:1, informal, raised Thu 2 Apr 2026 and never answered. With the default policy (5 WD a
  // stage, escalate on silence) Footprint escalates it by itself:
  //   informal: due 2 Apr + 5 WD = 7, 8, 9, 10, 13 -> Mon 13 Apr; missed Tue 14 Apr
  //   Stage 1 from Tue 14 Apr: 15, 16, 17, 20, 21 -> due Tue 21 Apr; missed Wed 22 Apr
  //   Stage 2 from Wed 22 Apr: 23, 24, 27, 28, 29 -> due Wed 29 Apr; missed Thu 30 Apr
  //   Stage 3 from Thu 30 Apr: Fri 1 May, (Mon 4 May bank holiday), 5, 6, 7, 8 -> due Fri 8 May;
  //     missed Mon 11 May
  //   Stage 4 from Mon 11 May: 12, 13, 14, 15, 18 -> due Mon 18 May; missed Tue 19 May (last
  //     stage: only marked overdue)
  // 10 steps: raised, then 4 x (missed, escalated), then missed.
  REQUIRE(CliOk(server, {"challenge", "raise", "--child", "E1", "--stage", "informal", "--theme",
                         "Drift and Delay", "--iro", "iro-7", "--date", "2026-04-02"}) == "E1:1\n");
  const json cascade = WaitForChallengeSteps(server, "E1:1", 10);
  REQUIRE(cascade.at("steps").size() == 10);
  REQUIRE(cascade.at("stage") == "Stage 4");

  // E2's challenges, in one request (nothing is left awaiting a response, so the deadline
  // runner appends nothing for them):
  //   E2:1 raised at Stage 1 on Fri 10 Apr, responded Mon 13 Apr, resolved Wed 15 Apr
  //   E2:2 informal, raised Fri 10 Apr (due 13, 14, 15, 16, 17 -> Fri 17 Apr), responded Tue
  //        14 Apr, referred to CAFCASS Thu 16 Apr; stays open
  //   E2:3 informal, raised Tue 14 Apr, withdrawn Thu 16 Apr
  Record(
      server, "E2",
      json::array(
          {Event("2026-04-10", "challenge_raised",
                 {{"challenge_id", "E2:1"},
                  {"iro_id", "iro-8"},
                  {"theme", "Quality of Plan"},
                  {"stage", {{"name", "Stage 1"}}}}),
           Event(
               "2026-04-10", "challenge_raised",
               {{"challenge_id", "E2:2"}, {"iro_id", "iro-8"}, {"theme", "Quality of Provision"}}),
           Event("2026-04-13", "challenge_responded",
                 {{"challenge_id", "E2:1"}, {"responded_by", "Team Manager"}}),
           Event("2026-04-14", "challenge_responded",
                 {{"challenge_id", "E2:2"}, {"responded_by", "Social worker"}}),
           Event("2026-04-14", "challenge_raised",
                 {{"challenge_id", "E2:3"}, {"iro_id", "iro-8"}, {"theme", "Drift and Delay"}}),
           Event("2026-04-15", "challenge_resolved",
                 {{"challenge_id", "E2:1"}, {"outcome", "Plan updated"}}),
           Event("2026-04-16", "cafcass_referral_made",
                 {{"challenge_id", "E2:2"}, {"reason", "Safeguarding"}}),
           Event("2026-04-16", "challenge_withdrawn",
                 {{"challenge_id", "E2:3"}, {"reason", "Child moved"}})}));

  SECTION("as at Mon 13 Apr: across the weekend and Easter") {
    const json e = CliJson(server, {"escalations", "--as-at", "2026-04-13", "--from", "2026-04-01",
                                    "--to", "2026-04-13"});
    CHECK(e.at("as_at") == "2026-04-13");
    REQUIRE(e.at("open").size() == 3);
    const json& e11 = e.at("open")[0];
    CHECK(e11.at("id") == "E1:1");
    CHECK(e11.at("stage") == json{{"number", 0}, {"name", "Informal"}});
    CHECK(e11.at("status") == "awaiting_response");
    CHECK(e11.at("team") == "North");
    CHECK(e11.at("deadline") == "2026-04-13");
    // Working days in (Thu 2 Apr, Mon 13 Apr]: 7, 8, 9, 10, 13 (Good Friday, Easter Monday and
    // two weekends excluded).
    CHECK(e11.at("working_days_open") == 5);
    CHECK(e11.at("working_days_at_stage") == 5);
    CHECK(e11.at("response_overdue") == false);  // due today
    CHECK(e11.at("formal") == false);
    const json& e21 = e.at("open")[1];
    CHECK(e21.at("id") == "E2:1");
    CHECK(e21.at("stage").at("name") == "Stage 1");
    CHECK(e21.at("status") == "responded");
    CHECK(e21.at("deadline") == "");
    // (Fri 10 Apr, Mon 13 Apr]: only Mon 13.
    CHECK(e21.at("working_days_open") == 1);
    CHECK(e21.at("formal") == true);
    const json& e22 = e.at("open")[2];
    CHECK(e22.at("id") == "E2:2");
    CHECK(e22.at("status") == "awaiting_response");
    CHECK(e22.at("deadline") == "2026-04-17");
    CHECK(e22.at("working_days_open") == 1);
    CHECK(e22.at("cafcass_referred_on") == "");  // referred later, on 16 Apr
    CHECK(e.at("open_by_stage") == json{{"Informal", 2}, {"Stage 1", 1}});
    CHECK(e.at("open_by_theme") ==
          json{{"Drift and Delay", 1}, {"Quality of Plan", 1}, {"Quality of Provision", 1}});
    CHECK(e.at("open_by_iro") == json{{"iro-7", 1}, {"iro-8", 2}});
    CHECK(e.at("open_by_team") == json{{"North", 1}, {"South", 2}});
    CHECK(e.at("overdue_responses") == 0);
    CHECK(e.at("from") == "2026-04-01");
    CHECK(e.at("to") == "2026-04-13");
    CHECK(e.at("raised") == 3);
    CHECK(e.at("raised_informal") == 2);
    CHECK(e.at("raised_formal") == 1);
    CHECK(e.at("resolved_by_stage") == json::object());
    CHECK(e.at("withdrawn") == 0);
    CHECK(e.at("cafcass_referrals") == 0);
  }

  SECTION("as at Fri 17 Apr: E1:1 escalated to Stage 1 by silence; E2:1 and E2:3 closed") {
    const json e = CliJson(server, {"escalations", "--as-at", "2026-04-17", "--from", "2026-04-01",
                                    "--to", "2026-04-17"});
    REQUIRE(e.at("open").size() == 2);
    const json& e11 = e.at("open")[0];
    CHECK(e11.at("id") == "E1:1");
    CHECK(e11.at("stage") == json{{"number", 1}, {"name", "Stage 1"}});
    CHECK(e11.at("stage_entered_on") == "2026-04-14");
    CHECK(e11.at("deadline") == "2026-04-21");
    // (Thu 2 Apr, Fri 17 Apr]: 7-10 and 13-17 = 9; at Stage 1 since Tue 14: 15, 16, 17 = 3.
    CHECK(e11.at("working_days_open") == 9);
    CHECK(e11.at("working_days_at_stage") == 3);
    CHECK(e11.at("response_overdue") == false);
    CHECK(e11.at("formal") == true);
    CHECK(e11.at("over_twenty_working_days") == false);
    const json& e22 = e.at("open")[1];
    CHECK(e22.at("id") == "E2:2");
    CHECK(e22.at("status") == "responded");
    CHECK(e22.at("working_days_open") == 5);  // 13, 14, 15, 16, 17
    CHECK(e22.at("cafcass_referred_on") == "2026-04-16");
    CHECK(e.at("open_by_stage") == json{{"Informal", 1}, {"Stage 1", 1}});
    CHECK(e.at("open_by_team") == json{{"North", 1}, {"South", 1}});
    CHECK(e.at("raised") == 4);
    CHECK(e.at("raised_informal") == 3);
    CHECK(e.at("raised_formal") == 1);
    CHECK(e.at("raised_by_theme") ==
          json{{"Drift and Delay", 2}, {"Quality of Plan", 1}, {"Quality of Provision", 1}});
    CHECK(e.at("resolved_by_stage") == json{{"Stage 1", 1}});
    CHECK(e.at("withdrawn") == 1);
    CHECK(e.at("cafcass_referrals") == 1);
    // Answers in the period: E2:1 at Stage 1 on Mon 13 Apr and E2:2 informally on Tue 14 Apr,
    // both due Fri 17 Apr (day 0 Fri 10 Apr: 13, 14, 15, 16, 17): in time.
    CHECK(e.at("responses_in_time") == 2);
    CHECK(e.at("responses_in_time_by_stage") == json{{"Informal", 1}, {"Stage 1", 1}});

    // One IRO, one team.
    const json iro8 = CliJson(server, {"escalations", "--as-at", "2026-04-17", "--iro", "iro-8"});
    REQUIRE(iro8.at("open").size() == 1);
    CHECK(iro8.at("open")[0].at("id") == "E2:2");
    CHECK(iro8.at("from") == "2026-04-01");  // the collection year's start
    CHECK(iro8.at("raised") == 3);
    const json north = CliJson(server, {"escalations", "--as-at", "2026-04-17", "--team", "North"});
    REQUIRE(north.at("open").size() == 1);
    CHECK(north.at("open")[0].at("id") == "E1:1");
    CHECK(north.at("raised") == 1);

    const std::string human =
        CliOk(server, {"escalations", "--as-at", "2026-04-17", "--from", "2026-04-01"});
    CHECK(Lines(human).at(0) == "2 open challenges as at 2026-04-17 (WD: working days)");
    CHECK(Contains(Lines(human).at(1), "WD OPEN  WD AT STAGE  DEADLINE"));
    CHECK(Row(human, "E1:1") == CellList{"E1:1", "E1", "Stage 1", "awaiting_response",
                                         "Drift and Delay", "iro-7", "North", "2026-04-02",
                                         "2026-04-14", "9", "3", "2026-04-21", "no", "no", "-"});
    CHECK(Row(human, "stage") == CellList{"stage", "Informal 1, Stage 1 1"});
    CHECK(Row(human, "overdue responses") == CellList{"overdue responses", "0"});
    CHECK(Row(human, "resolved by stage") == CellList{"resolved by stage", "Stage 1 1"});
    CHECK(Row(human, "responses in time") == CellList{"responses in time", "2"});
    CHECK(Row(human, "responses in time by stage") ==
          CellList{"responses in time by stage", "Informal 1, Stage 1 1"});
    CHECK(Row(human, "responses late") == CellList{"responses late", "0"});
    CHECK(Row(human, "raised by theme") ==
          CellList{"raised by theme",
                   "Drift and Delay 2, Quality of Plan 1, Quality of Provision 1"});
  }

  SECTION("as at Wed 20 May: at the last stage, overdue, formal stages over 20 working days") {
    const json e = CliJson(server, {"escalations", "--as-at", "2026-05-20"});
    REQUIRE(e.at("open").size() == 2);
    const json& e11 = e.at("open")[0];
    CHECK(e11.at("stage") == json{{"number", 4}, {"name", "Stage 4"}});
    CHECK(e11.at("stage_entered_on") == "2026-05-11");
    CHECK(e11.at("deadline") == "2026-05-18");
    // (2 Apr, 20 May]: April 7-10, 13-17, 20-24, 27-30 = 18; 1 May = 19; 5-8 = 23 (4 May bank
    // holiday); 11-15 = 28; 18, 19, 20 = 31. At Stage 4 since 11 May: 12-15, 18-20 = 7.
    CHECK(e11.at("working_days_open") == 31);
    CHECK(e11.at("working_days_at_stage") == 7);
    CHECK(e11.at("response_overdue") == true);
    // Formal since Tue 14 Apr: 31 - 6 (7-10, 13, 14) = 25 > 20.
    CHECK(e11.at("over_twenty_working_days") == true);
    // E2:2: (Fri 10 Apr, 20 May] = 31 - 4 (7-10 Apr) = 27.
    CHECK(e.at("open")[1].at("working_days_open") == 27);
    CHECK(e.at("open_by_stage") == json{{"Informal", 1}, {"Stage 4", 1}});
    CHECK(e.at("overdue_responses") == 1);
    CHECK(e.at("from") == "2026-04-01");
    CHECK(e.at("to") == "2026-05-20");
  }

  SECTION("before any challenge") {
    const json e = CliJson(server, {"escalations", "--as-at", "2026-03-31"});
    CHECK(e.at("open") == json::array());
    CHECK(e.at("open_by_stage") == json::object());
    CHECK(e.at("raised") == 0);  // 1 Apr 2025 - 31 Mar 2026
    CHECK(Lines(CliOk(server, {"escalations", "--as-at", "2026-03-31"})).at(0) ==
          "no open challenges as at 2026-03-31");
  }

  SECTION("the child's summary lists its open challenge") {
    const json c = CliJson(server, {"child", "E1", "--as-at", "2026-04-17"});
    REQUIRE(c.at("challenges").size() == 1);
    CHECK(c.at("challenges")[0].at("id") == "E1:1");
    CHECK(c.at("challenges")[0].at("stage").at("name") == "Stage 1");
    CHECK(c.at("challenges")[0].at("working_days_open") == 9);
  }
}

// =============================================================================================
// s20

TEST_CASE("queries: s20 lists V2 children with their flags and short breaks separately",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  RecordSection20Children(server);

  const json s = CliJson(server, {"s20", "--as-at", "2026-08-31"});
  CHECK(s.at("as_at") == "2026-08-31");
  CHECK(s.at("from") == "");
  // S4 left s20 in May; S3 was never in it; S2 is on short breaks.
  REQUIRE(ChildIds(s.at("children")) == std::vector<std::string>{"S1"});
  const json& s1 = s.at("children")[0];
  CHECK(s1.at("legal_status") == "V2");
  CHECK(s1.at("s20_since") == "2025-12-01");
  CHECK(s1.at("days_in_s20") == 273);
  CHECK(s1.at("date_of_birth") == "2022-11-15");
  CHECK(s1.at("age") == 3);
  CHECK(s1.at("consent_recorded") == true);
  CHECK(s1.at("consent_on") == "2025-12-01");
  CHECK(s1.at("plo_started_on") == "2026-06-01");
  CHECK(s1.at("proceedings_issued_on") == "");
  CHECK(s1.at("permanence_plan") == "");
  CHECK(s1.at("removal_requested") == false);
  CHECK(s1.at("iro_id") == "iro-3");
  CHECK(s1.at("team") == "East");
  CHECK(s1.at("flags") == json{"under 5 and in section 20 for more than 8 weeks",
                               "in section 20 for more than 6 months without a permanence plan"});
  CHECK(s.at("flagged") == 1);

  REQUIRE(ChildIds(s.at("short_breaks")) == std::vector<std::string>{"S2"});
  const json& s2 = s.at("short_breaks")[0];
  CHECK(s2.at("legal_status") == "V3");
  CHECK(s2.at("s20_since") == "2026-03-02");
  CHECK(s2.at("days_in_s20") == 182);
  CHECK(s2.at("age") == 14);
  CHECK(s2.at("consent_recorded") == false);
  CHECK(s2.at("flags") == json{"no consent recorded"});

  // From 1 Apr: S4 was in s20 until Sun 3 May, described as on that day.
  const json range = CliJson(server, {"s20", "--as-at", "2026-08-31", "--from", "2026-04-01"});
  CHECK(range.at("from") == "2026-04-01");
  REQUIRE(ChildIds(range.at("children")) == std::vector<std::string>{"S1", "S4"});
  const json& s4 = range.at("children")[1];
  CHECK(s4.at("s20_since") == "2026-02-02");
  CHECK(s4.at("days_in_s20") == 90);
  CHECK(s4.at("age") == 16);
  CHECK(s4.at("flags") == json{"no consent recorded"});
  CHECK(range.at("flagged") == 2);
  CHECK(ChildIds(range.at("short_breaks")) == std::vector<std::string>{"S2"});

  // S1 after 8 weeks but before 6 months (Mon 2 Feb 2026: 63 days; 1 Dec + 6 months = 1 Jun).
  const json early = CliJson(server, {"s20", "--as-at", "2026-02-02"});
  REQUIRE(ChildIds(early.at("children")) == std::vector<std::string>{"S1", "S4"});
  CHECK(early.at("children")[0].at("days_in_s20") == 63);
  CHECK(early.at("children")[0].at("flags") ==
        json{"under 5 and in section 20 for more than 8 weeks"});
  CHECK(early.at("children")[1].at("days_in_s20") == 0);
  CHECK(early.at("short_breaks") == json::array());

  // A section 20 period counts from the day after accommodation (24 hours): S4 accommodated
  // Mon 2 Feb, day 0 is Tue 3 Feb; 4-6 Feb = 3, 9-13 = 8, 16-20 = 13, 23-27 = 18, Mon 2 Mar =
  // 19, Tue 3 Mar = 20: 1st review due 2026-03-03.
  const json s4_child = CliJson(server, {"child", "S4", "--as-at", "2026-02-10"});
  CHECK(s4_child.at("legal_status") == "V2");
  CHECK(s4_child.at("next_review").at("due_on") == "2026-03-03");
  CHECK(Contains(s4_child.at("next_review").at("rule").get<std::string>(),
                 "2026-02-03 (24 hours after accommodation on 2026-02-02)"));
  // In s20 for 8 days, aged 16, no consent: the child's flags are the s20 flags.
  CHECK(s4_child.at("flags") == json{"no consent recorded"});

  // Team East: S1 only.
  const json east = CliJson(server, {"s20", "--as-at", "2026-08-31", "--team", "East"});
  CHECK(ChildIds(east.at("children")) == std::vector<std::string>{"S1"});
  CHECK(east.at("short_breaks") == json::array());

  const std::string human = CliOk(server, {"s20", "--as-at", "2026-08-31"});
  CHECK(Lines(human).at(0) == "1 child in section 20 (V2) as at 2026-08-31, 1 flagged");
  CHECK(Row(human, "S1") ==
        CellList{"S1", "V2", "2025-12-01", "273", "3", "2025-12-01", "2026-06-01", "-", "-",
                 "iro-3", "East",
                 "under 5 and in section 20 for more than 8 weeks; in section 20 for more than 6 "
                 "months without a permanence plan"});
  CHECK(Contains(human, "\n1 child on short breaks (V3/V4) as at 2026-08-31\n"));
  CHECK(Row(human, "S2") == CellList{"S2", "V3", "2026-03-02", "182", "14", "no", "-", "-", "-",
                                     "-", "-", "no consent recorded"});
  CHECK(CliOk(server, {"s20", "--as-at", "2025-11-30"}) ==
        "no children in section 20 (V2) as at 2025-11-30\n\n"
        "no children on short breaks (V3/V4) as at 2025-11-30\n");
}

// =============================================================================================
// child --history

TEST_CASE("queries: child --history lists every event, who recorded it, and the chain checked",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  const std::string review_id = "3f0c2a8e-6b1d-4c55-9a0e-2d7f1b9c4e11";
  json review = Review("2026-01-28");
  review["event_id"] = review_id;
  Record(server, "T1", json::array({Care("2026-01-05"), review}));
  Record(server, "T1",
         json::array({Event("2026-02-02", "correction",
                            {{"supersedes_event_id", review_id},
                             {"reason", "the child attended"},
                             {"replacement", Review("2026-01-28", "PN3")}})}));
  const json h = CliJson(server, {"child", "T1", "--history"});
  CHECK(h.at("child_id") == "T1");
  REQUIRE(h.at("events").size() == 3);
  CHECK(h.at("events")[0].at("type") == "PeriodOfCareStarted");
  CHECK(h.at("events")[0].at("source_system") == "footprint-cli");
  CHECK(h.at("events")[1].at("event_id") == review_id);
  CHECK(h.at("events")[1].at("occurred_on") == "2026-01-28");
  CHECK(h.at("events")[1].at("superseded_by") == h.at("events")[2].at("event_id"));
  CHECK(h.at("events")[2].at("type") == "Correction");
  CHECK(h.at("chain_verified") == true);
  CHECK(h.at("events_checked") == "3");
  const std::string text = CliOk(server, {"child", "T1", "--history"});
  CHECK(Lines(text).at(0) == "child T1: 3 events; each verified where it stands in the hash chain");
  CHECK(Contains(text, "superseded by " + h.at("events")[2].at("event_id").get<std::string>()));
  CheckOneLineError(Cli(server, {"child", "NOPE", "--history"}), 1, "NOT_FOUND: child_id: ");
}

// =============================================================================================
// report pwp

// Two children placed with parents, as at Tue 30 Jun 2026 (docs/web.md):
//   H1 C2, home since Mon 5 Jan 2026; assessed 10 Dec, plan 15 Dec, approved 18 Dec 2025: no
//      flags. No review held: the 1st was due 20 WD after Mon 1 Sep 2025 = Mon 29 Sep 2025.
//   H2 C1, home since Wed 1 Apr 2026, approved on Tue 7 Apr before the assessment, which is not
//      done (90 days > 6 weeks); plan due 5 WD after 1 Apr (Good Friday 3 Apr, Easter Monday
//      6 Apr): Fri 10 Apr, none recorded. No review held: the 1st was due 20 WD after Mon 2 Mar
//      = Mon 30 Mar 2026.
// Three months before, Mon 30 Mar: H1 only; H2 began in the quarter.
TEST_CASE("queries: report pwp lists children placed with parents, flags and the quarter's change",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  const json p1 = {{"type", "P1"}, {"provider", "PR0"}};
  Record(
      server, "H1",
      json::array(
          {Care("2025-09-01"), Iro("2025-09-01", "iro-1", "Ann Iro", "North"),
           Event("2025-12-10", "parent_assessment_completed", {{"placement_start", "2026-01-05"}}),
           Event("2025-12-15", "placement_plan_recorded", {{"placement_start", "2026-01-05"}}),
           Event("2025-12-18", "placement_with_parents_approved",
                 {{"placement_start", "2026-01-05"}, {"approved_by", "Jo Patel"}}),
           Move("2026-01-05", p1, "CARPL", true)}));
  const uint64_t log_end =
      Record(server, "H2",
             json::array({Care("2026-03-02", "C1"), Move("2026-04-01", p1, "CARPL", true),
                          Event("2026-04-07", "placement_with_parents_approved",
                                {{"placement_start", "2026-04-01"},
                                 {"approved_by", "Jo Patel"},
                                 {"before_assessment", true}})}));

  const json r = CliJson(server, {"report", "pwp", "--as-at", "2026-06-30"});
  CHECK(r.at("as_at") == "2026-06-30");
  REQUIRE(ChildIds(r.at("children")) == std::vector<std::string>{"H1", "H2"});
  const json& h1 = r.at("children")[0];
  CHECK(h1.at("placed_since") == "2026-01-05");
  CHECK(h1.at("days_at_home") == 176);
  CHECK(h1.at("order") == "care order");
  CHECK(h1.at("approved_on") == "2025-12-18");
  CHECK(h1.at("approved_by") == "Jo Patel");
  CHECK(h1.at("assessment_completed_on") == "2025-12-10");
  CHECK(h1.at("placement_plan_on") == "2025-12-15");
  CHECK(h1.at("placement_plan_due_on") == "2026-01-12");
  CHECK(h1.at("next_review_due") == "2025-09-29");
  CHECK(h1.at("iro_id") == "iro-1");
  CHECK(h1.at("team") == "North");
  CHECK(h1.at("flags") == json::array());
  const json& h2 = r.at("children")[1];
  CHECK(h2.at("order") == "interim care order");
  CHECK(h2.at("days_at_home") == 90);
  CHECK(h2.at("approved_before_assessment") == true);
  CHECK(h2.at("placement_plan_due_on") == "2026-04-10");
  CHECK(h2.at("flags") == json{"placed before approval",
                               "assessment not completed within 6 weeks of the placement",
                               "no placement plan"});
  CHECK(r.at("flagged") == 1);
  CHECK(r.at("by_order") == json{{"care order", 1}, {"interim care order", 1}});
  CHECK(r.at("previous_as_at") == "2026-03-30");
  CHECK(r.at("previous_placed_with_parents") == 1);
  CHECK(r.at("began_in_quarter") == 1);
  CHECK(r.at("ended_in_quarter") == 0);
  CHECK(r.at("change") == 1);

  // The same answer as Markdown and as CSV, written to a file.
  const std::string md = CliOk(server, {"report", "pwp", "--as-at", "2026-06-30"});
  CHECK(Lines(md).at(0) == "# Children placed with parents as at 2026-06-30");
  CHECK(Contains(md,
                 "2 placed with parents (1 flagged); on 2026-03-30, three months before: 1 "
                 "(+1). In the quarter 1 placements with parents began and 0 ended."));
  CHECK(Contains(md,
                 "| H2 | 2026-04-01 | 90 | interim care order | 2026-04-07 by Jo Patel "
                 "(before the assessment) | - | - | 2026-04-10 | - | 2026-03-30 | - | - | placed "
                 "before approval; assessment not completed within 6 weeks of the placement; "
                 "no placement plan |"));
  const std::string csv_file = server.dir.Sub("pwp.csv");
  CHECK(CliOk(server,
              {"report", "pwp", "--as-at", "2026-06-30", "--format", "csv", "--out", csv_file}) ==
        "placements with parents as at 2026-06-30 (csv) written to " + csv_file + "\n");
  std::ifstream in(csv_file);
  std::stringstream csv;
  csv << in.rdbuf();
  const std::vector<std::string> rows = Lines(csv.str());
  REQUIRE(rows.size() == 3);
  CHECK(rows[1] ==
        "H1,2026-01-05,176,care order,2025-12-18 by Jo Patel,2025-12-10,2025-12-15,2026-01-12,,"
        "2025-09-29,iro-1,North,");
  CHECK(rows[2].rfind("H2,2026-04-01,90,interim care order,", 0) == 0);

  // A team filter, and the answer as at the quarter's start.
  CHECK(ChildIds(CliJson(server, {"report", "pwp", "--as-at", "2026-06-30", "--team", "North"})
                     .at("children")) == std::vector<std::string>{"H1"});
  CHECK(ChildIds(CliJson(server, {"report", "pwp", "--as-at", "2026-03-30"}).at("children")) ==
        std::vector<std::string>{"H1"});

  // An assessment for a placement that is not with parents is refused, naming the field, and
  // nothing is written.
  const json bad = json::array(
      {Event("2026-04-10", "parent_assessment_completed", {{"placement_start", "2026-03-02"}})});
  const ft::CommandResult refused = Cli(server, {"record", "H2", "--file", "-"}, bad.dump());
  CheckOneLineError(refused, 1,
                    "FAILED_PRECONDITION: events[0].parent_assessment_completed.placement_start: "
                    "no placement with parents (P1) of child H2 starts on 2026-03-02");
  CHECK(ProjectionsCaughtUp(server).at("log_end") == std::to_string(log_end));
}

// =============================================================================================
// report plo

// From Thu 1 Jan to Tue 30 Jun 2026:
//   M1 V2 from 1 Sep 2025; PLO Mon 3 Nov 2025 - Mon 16 Feb 2026 (proceedings issued): 105 days,
//      15.0 weeks, in s20 while it ran; proceedings issued 16 Feb, running: 134 days, 19.1 weeks.
//   M2 C2; proceedings 6 Oct 2025 - 30 Mar 2026 (care order): 175 days, 25.0 weeks, within 26.
TEST_CASE("queries: report plo gives PLOs and proceedings with weeks against 26 and outcomes",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  Record(server, "M1",
         json::array({Care("2025-09-01", "V2"), Event("2025-11-03", "plo_started"),
                      Event("2026-02-16", "plo_ended", {{"outcome", "PROCEEDINGS_ISSUED"}}),
                      Event("2026-02-16", "proceedings_issued", {{"court", "Family Court"}}),
                      Event("2026-02-16", "legal_status_changed", {{"legal_status", "C1"}})}));
  const uint64_t log_end = Record(
      server, "M2",
      json::array({Care("2025-06-02"), Event("2025-10-06", "proceedings_issued"),
                   Event("2026-03-30", "proceedings_concluded", {{"outcome", "CARE_ORDER"}})}));

  const json r = CliJson(server, {"report", "plo", "--from", "2026-01-01", "--to", "2026-06-30"});
  CHECK(r.at("from") == "2026-01-01");
  REQUIRE(ChildIds(r.at("plo")) == std::vector<std::string>{"M1"});
  CHECK(r.at("plo")[0].at("days") == 105);
  CHECK(r.at("plo")[0].at("weeks") == 15.0);
  CHECK(r.at("plo")[0].at("outcome") == "PROCEEDINGS_ISSUED");
  CHECK(r.at("plo")[0].at("s20_alongside") == true);
  CHECK(r.at("s20_children_with_plo") == 1);
  REQUIRE(ChildIds(r.at("proceedings")) == std::vector<std::string>{"M1", "M2"});
  CHECK(r.at("proceedings")[0].at("days") == 134);
  CHECK(r.at("proceedings")[0].at("weeks") == 19.1);
  CHECK(r.at("proceedings")[0].at("concluded_on") == "");
  CHECK(r.at("proceedings")[1].at("weeks") == 25.0);
  CHECK(r.at("proceedings")[1].at("within_26_weeks") == true);
  CHECK(r.at("issued") == 1);
  CHECK(r.at("concluded") == 1);
  CHECK(r.at("concluded_by_outcome") == json{{"CARE_ORDER", 1}});
  CHECK(r.at("average_weeks_to_conclusion") == 25.0);
  CHECK(r.at("running") == 1);

  const std::string md =
      CliOk(server, {"report", "plo", "--from", "2026-01-01", "--to", "2026-06-30"});
  CHECK(Lines(md).at(0) ==
        "# The Public Law Outline and care proceedings, 2026-01-01 to 2026-06-30");
  CHECK(Contains(md, "| Average weeks from issue to conclusion | 25.0 |"));
  CHECK(Contains(md,
                 "| M2 | 2025-10-06 | 2026-03-30 | CARE\\_ORDER | 175 | 25.0 | yes | - | - | - |"));
  const std::vector<std::string> csv = Lines(CliOk(
      server, {"report", "plo", "--from", "2026-01-01", "--to", "2026-06-30", "--format", "csv"}));
  REQUIRE(csv.size() == 4);
  CHECK(csv[1] == "PLO,M1,2025-11-03,2026-02-16,PROCEEDINGS_ISSUED,105,15.0,,,yes,,");

  // Six months to --to by default: from the day after 30 Dec 2025.
  CHECK(CliJson(server, {"report", "plo", "--to", "2026-06-30"}).at("from") == "2025-12-31");
  CheckOneLineError(Cli(server, {"report", "plo", "--from", "2026-07-01", "--to", "2026-06-30"}), 2,
                    "INVALID_ARGUMENT: --from: 2026-07-01 is after to (2026-06-30)");

  // A conclusion with no proceedings running is refused, naming the field; nothing is written.
  const json bad =
      json::array({Event("2026-04-01", "proceedings_concluded", {{"outcome", "NO_ORDER"}})});
  CheckOneLineError(Cli(server, {"record", "M2", "--file", "-"}, bad.dump()), 1,
                    "FAILED_PRECONDITION: events[0].proceedings_concluded: the care proceedings "
                    "started on 2025-10-06 already ended on 2026-03-30");
  CHECK(ProjectionsCaughtUp(server).at("log_end") == std::to_string(log_end));
}

// =============================================================================================
// placements and child

TEST_CASE("queries: placements count new placements in 12 months and flag three or more",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  RecordPlacementChildren(server);

  // As at Mon 31 Aug 2026, the window is (31 Aug 2025, 31 Aug 2026]:
  //   P1: not in care on 31 Aug 2025; started 1 Sep (1), U2 12 Jan (2), T1 16 Mar temporary (not
  //       counted), K2 20 Apr (3): 3 placements, 2 moves; unregistered, 35 miles.
  //   P2: in care at the window's start (1); the move of 2 Feb kept the carer: 1, 0 moves.
  //   P3: in care at the window's start (1), 6 Oct (2), 1 Jun (3): 3, 2 moves. Its move of 5 May
  //       2025 is before the window.
  // Placements ended in the window: CARPL (P1, 12 Jan), ALLEG (P1), CREQB (P1), OTHER (P2),
  // CHILD (P3), LAREQ (P3); P3's CARPL of May 2025 is outside it.
  const json p = CliJson(server, {"placements", "--as-at", "2026-08-31"});
  CHECK(p.at("as_at") == "2026-08-31");
  REQUIRE(ChildIds(p.at("children")) == std::vector<std::string>{"P1", "P2", "P3"});
  const json& p1 = p.at("children")[0];
  CHECK(p1.at("placements_last_12_months") == 3);
  CHECK(p1.at("moves_last_12_months") == 2);
  CHECK(p1.at("three_or_more") == true);
  CHECK(p1.at("unregistered") == true);
  CHECK(p1.at("over_20_miles") == true);
  CHECK(p1.at("placed_since") == "2026-04-20");
  CHECK(p1.at("current").at("type") == "K2");
  CHECK(p1.at("current").at("provider") == "PR4");
  CHECK(p1.at("current").at("registration") == "UNREGISTERED");
  CHECK(p1.at("current").at("distance_miles") == 35);
  CHECK(p1.at("iro_id") == "iro-4");
  CHECK(p1.at("team") == "West");
  const json& p2 = p.at("children")[1];
  CHECK(p2.at("placements_last_12_months") == 1);
  CHECK(p2.at("moves_last_12_months") == 0);
  CHECK(p2.at("three_or_more") == false);
  CHECK(p2.at("unregistered") == false);
  const json& p3 = p.at("children")[2];
  CHECK(p3.at("placements_last_12_months") == 3);
  CHECK(p3.at("moves_last_12_months") == 2);
  CHECK(p3.at("three_or_more") == true);
  CHECK(p.at("looked_after") == 3);
  CHECK(p.at("three_or_more") == 2);
  CHECK(p.at("unregistered") == 1);
  CHECK(p.at("over_20_miles") == 1);
  CHECK(p.at("reasons_ended") ==
        json{{"ALLEG", 1}, {"CARPL", 1}, {"CHILD", 1}, {"CREQB", 1}, {"LAREQ", 1}, {"OTHER", 1}});

  // --three-or-more keeps P1 and P3; the totals are still over every child.
  const json three = CliJson(server, {"placements", "--as-at", "2026-08-31", "--three-or-more"});
  CHECK(ChildIds(three.at("children")) == std::vector<std::string>{"P1", "P3"});
  CHECK(three.at("looked_after") == 3);
  CHECK(three.at("three_or_more") == 2);

  // As at Sun 19 Apr 2026, window (19 Apr 2025, 19 Apr 2026]: P1 has had 2 (1 Sep, 12 Jan; the
  // temporary T1 not counted) and is in T1; P3 has had 3 (in care at the start, 5 May, 6 Oct).
  const json april = CliJson(server, {"placements", "--as-at", "2026-04-19", "--three-or-more"});
  CHECK(ChildIds(april.at("children")) == std::vector<std::string>{"P3"});
  CHECK(april.at("three_or_more") == 1);
  CHECK(april.at("unregistered") == 0);
  CHECK(april.at("reasons_ended") == json{{"ALLEG", 1}, {"CARPL", 2}, {"CHILD", 1}, {"OTHER", 1}});
  const json april_all = CliJson(server, {"placements", "--as-at", "2026-04-19"});
  REQUIRE(april_all.at("children").size() == 3);
  CHECK(april_all.at("children")[0].at("placements_last_12_months") == 2);
  CHECK(april_all.at("children")[0].at("current").at("type") == "T1");
  CHECK(april_all.at("children")[0].at("placed_since") == "2026-03-16");

  // One child a page: the CLI follows the pages and prints the same answer, from one state of
  // the read model.
  CHECK(CliOk(server, {"--json", "placements", "--as-at", "2026-08-31", "--page-size", "1"}) ==
        CliOk(server, {"--json", "placements", "--as-at", "2026-08-31"}));
  CHECK(CliOk(server,
              {"placements", "--as-at", "2026-08-31", "--three-or-more", "--page-size", "1"}) ==
        CliOk(server, {"placements", "--as-at", "2026-08-31", "--three-or-more"}));
  // proto3 JSON writes a uint64 as a string.
  CHECK(std::stoull(p.at("position").get<std::string>()) > 0);
  CHECK(p.at("next_page_token") == "");

  const std::string human =
      CliOk(server, {"placements", "--as-at", "2026-08-31", "--three-or-more"});
  CHECK(Lines(human).at(0) ==
        "placements in the 12 months to 2026-08-31: 3 children looked after, 2 with 3 or more "
        "placements, 1 in unregistered placements, 1 placed more than 20 miles away");
  CHECK(Lines(human).at(1) ==
        "CHILD  PLACEMENTS  MOVES  CURRENT  SINCE       MILES  3+   UNREGISTERED  >20 MILES  IRO"
        "    TEAM");
  CHECK(Lines(human).at(2) ==
        "P1     3           2      K2 PR4   2026-04-20  35     yes  yes           yes        "
        "iro-4  West");
  CHECK(LineStartingWith(human, "P2") == "");
  CHECK(Lines(human).back() ==
        "reasons placements ended: ALLEG 1, CARPL 1, CHILD 1, CREQB 1, LAREQ 1, OTHER 1");
}

TEST_CASE("queries: child gives one child's status, reviews, next review and flags as at a date",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  RecordPlacementChildren(server);

  const json c = CliJson(server, {"child", "P1", "--as-at", "2026-08-31"});
  CHECK(c.at("child_id") == "P1");
  CHECK(c.at("as_at") == "2026-08-31");
  CHECK(c.at("looked_after") == true);
  CHECK(c.at("period_start") == "2025-09-01");
  CHECK(c.at("legal_status") == "C2");
  CHECK(c.at("placement").at("type") == "K2");
  CHECK(c.at("placed_since") == "2026-04-20");
  CHECK(c.at("iro_id") == "iro-4");
  CHECK(c.at("iro_name") == "Dee");
  CHECK(c.at("team") == "West");
  CHECK(c.at("date_of_birth") == "2015-06-01");
  CHECK(c.at("age") == 11);
  CHECK(c.at("placements_last_12_months") == 3);
  REQUIRE(c.at("reviews").size() == 2);
  CHECK(c.at("reviews")[0].at("held_on") == "2025-09-26");
  CHECK(c.at("reviews")[0].at("due_on") == "2025-09-29");
  CHECK(c.at("reviews")[0].at("in_time") == true);
  CHECK(c.at("reviews")[1].at("held_on") == "2025-12-19");
  CHECK(c.at("reviews")[1].at("due_on") == "2025-12-26");
  CHECK(c.at("reviews")[1].at("review_number") == 2);
  // 3rd review: 6 months after Fri 19 Dec 2025 = Fri 19 Jun 2026; 73 days overdue on 31 Aug
  // (11 left in June + 31 + 31).
  const json& next = c.at("next_review");
  CHECK(next.at("due_on") == "2026-06-19");
  CHECK(next.at("review_number") == 3);
  CHECK(next.at("last_review") == "2025-12-19");
  CHECK(next.at("days_until_due") == -73);
  CHECK(next.at("overdue") == true);
  CHECK(Contains(next.at("rule").get<std::string>(), "6 months after the review on 2025-12-19"));
  CHECK(c.at("challenges") == json::array());
  CHECK(c.at("flags") ==
        json{"review overdue", "3 or more placements in 12 months", "unregistered placement"});

  // As at New Year's Eve 2025: still in the first placement, nothing flagged.
  const json before = CliJson(server, {"child", "P1", "--as-at", "2025-12-31"});
  CHECK(before.at("placement").at("type") == "U1");
  CHECK(before.at("placements_last_12_months") == 1);
  CHECK(before.at("next_review").at("due_on") == "2026-06-19");
  CHECK(before.at("next_review").at("overdue") == false);
  CHECK(before.at("flags") == json::array());

  // Before care started: the child is known but was not looked after.
  const json not_yet = CliJson(server, {"child", "P1", "--as-at", "2025-08-01"});
  CHECK(not_yet.at("looked_after") == false);
  CHECK(not_yet.at("reviews") == json::array());
  CHECK(not_yet.count("next_review") == 0);

  const std::string human = CliOk(server, {"child", "P1", "--as-at", "2026-08-31"});
  CHECK(Lines(human).at(0) == "child P1 as at 2026-08-31");
  CHECK(Row(human, "looked after") == CellList{"looked after", "yes, since 2025-09-01"});
  CHECK(Row(human, "placement") ==
        CellList{"placement", "K2 PR4, since 2026-04-20, unregistered, 35 miles from home"});
  CHECK(Row(human, "IRO") == CellList{"IRO", "iro-4 (Dee), team West"});
  CHECK(Row(human, "next review") ==
        CellList{"next review",
                 "due 2026-06-19 (overdue): 3rd review: 6 months after the review on 2025-12-19"});
  CHECK(Row(human, "flags") ==
        CellList{"flags",
                 "review overdue; 3 or more placements in 12 months; unregistered placement"});
  CHECK(Contains(human, "\n2 reviews held\n"));
  CHECK(Contains(human, "no open challenges as at 2026-08-31\n"));

  const auto unknown = Cli(server, {"child", "NOPE", "--as-at", "2026-08-31"});
  CheckOneLineError(unknown, 1, "NOT_FOUND: child_id: ");
  CHECK(Contains(unknown.err, "NOPE"));
  CheckOneLineError(Cli(server, {"--json", "child", "NOPE"}), 1, "NOT_FOUND: child_id: ");
}

// =============================================================================================
// projections

TEST_CASE("queries: projections status shows the log's end and a rebuild keeps every answer",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  RecordReviewChildren(server);
  RecordSection20Children(server);
  const uint64_t log_end = RecordPlacementChildren(server);
  // 1 + 2 + 2 (R1, R3, R5) + 4 + 1 + 1 + 2 (S1-S4) + 7 + 2 + 4 (P1-P3) = 26 events.
  REQUIRE(log_end == 26);

  const std::vector<std::vector<std::string>> queries = {
      {"reviews", "due", "--as-at", "2026-04-20", "--within", "80"},
      {"reviews", "overdue", "--as-at", "2026-08-31"},
      {"reviews", "timeliness", "--from", "2025-04-01", "--to", "2026-08-31"},
      {"escalations", "--as-at", "2026-08-31"},
      {"s20", "--as-at", "2026-08-31", "--from", "2026-01-01"},
      {"placements", "--as-at", "2026-08-31"},
      {"child", "P1", "--as-at", "2026-08-31"},
      {"child", "S1", "--as-at", "2026-08-31"}};
  std::vector<std::string> before;
  for (const auto& q : queries) before.push_back(CliJsonText(server, q));
  // A sanity check that the answers are not empty.
  // Due within 80 days of Mon 20 Apr 2026 (by Thu 9 Jul): R1 on 5 May; S2 (short breaks from
  // 2 Mar: 1st review within 3 months) on Tue 2 Jun; P1's 3rd on 19 Jun; R5 on 30 Jun. Every
  // other child's first review is overdue by then.
  const json due = JsonLines(before[0]).at(0);
  CHECK(ChildIds(due.at("items")) == std::vector<std::string>{"R1", "S2", "P1", "R5"});
  CHECK(due.at("items")[1].at("due_on") == "2026-06-02");
  CHECK(Contains(due.at("items")[1].at("rule").get<std::string>(),
                 "3 months from the first short break on 2026-03-02"));
  // Every child is still looked after on 31 Aug 2026: 3 + 4 + 3.
  CHECK(JsonLines(before[5]).at(0).at("children").size() == 10);

  const json status = CliJson(server, {"projections", "status"});
  CHECK(status == json{{"log_end", "26"},
                       {"projections",
                        {{{"name", "children"},
                          {"position", "26"},
                          {"lag", "0"},
                          {"healthy", true},
                          {"error", ""},
                          {"failed_position", "0"},
                          {"rebuilding", false},
                          {"foreign_events", "0"},
                          {"warning", ""}}}}});
  CHECK(CliOk(server, {"projections", "status"}) ==
        "log end: 26\n"
        "PROJECTION  POSITION  LAG  STATE\n"
        "children    26        0    healthy\n");

  const json rebuilt = CliJson(server, {"projections", "rebuild", "children"});
  CHECK(rebuilt.at("events_applied") == "26");
  CHECK(rebuilt.at("state").at("name") == "children");
  CHECK(rebuilt.at("state").at("position") == "26");
  CHECK(rebuilt.at("state").at("lag") == "0");
  CHECK(rebuilt.at("state").at("healthy") == true);
  CHECK(rebuilt.at("state").at("rebuilding") == false);
  CHECK(rebuilt.at("seconds").get<double>() >= 0);

  // The rebuild answers once it has caught up: every answer is the same, byte for byte.
  for (size_t i = 0; i < queries.size(); ++i) {
    INFO("query " << i << ": " << queries[i][0]);
    CHECK(CliJsonText(server, queries[i]) == before[i]);
  }
  CHECK(CliJson(server, {"projections", "status"}) == status);

  const std::string human = CliOk(server, {"projections", "rebuild", "children"});
  CHECK(human.rfind("rebuilt children: 26 events applied in ", 0) == 0);
  CHECK(Contains(human, " s; position 26, lag 0, healthy\n"));

  const auto unknown = Cli(server, {"projections", "rebuild", "nope"});
  CheckOneLineError(unknown, 1, "NOT_FOUND: name: ");
  CHECK(Contains(unknown.err, "'nope'"));
  CheckOneLineError(Cli(server, {"projections", "rebuild"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"projections"}), 2, "INVALID_ARGUMENT: ");
}

// =============================================================================================
// bad input

TEST_CASE("queries: malformed dates are refused naming the field, and nothing changes",
          "[e2e][queries]") {
  const auto running = StartServer();
  const RunningServer& server = *running;
  const uint64_t log_end = RecordReviewChildren(server);
  const std::string before = CliJsonText(server, {"reviews", "due", "--as-at", "2026-04-20"});

  for (const auto& command : std::vector<std::vector<std::string>>{{"reviews", "due"},
                                                                   {"reviews", "overdue"},
                                                                   {"reviews", "timeliness"},
                                                                   {"escalations"},
                                                                   {"s20"},
                                                                   {"placements"},
                                                                   {"report", "pwp"}}) {
    std::vector<std::string> args = command;
    args.insert(args.end(), {"--as-at", "2026-13-01"});
    INFO("footprint " << command[0]);
    const auto result = Cli(server, args);
    CheckOneLineError(result, 2, "INVALID_ARGUMENT: --as-at: ");
    CHECK(Contains(result.err, "'2026-13-01'"));
    args.insert(args.begin(), "--json");
    CheckOneLineError(Cli(server, args), 2, "INVALID_ARGUMENT: --as-at: ");
  }
  CheckOneLineError(Cli(server, {"child", "R1", "--as-at", "2026-13-01"}), 2,
                    "INVALID_ARGUMENT: --as-at: ");
  CheckOneLineError(Cli(server, {"reviews", "timeliness", "--from", "2026-02-30"}), 2,
                    "INVALID_ARGUMENT: --from: ");
  CheckOneLineError(Cli(server, {"reviews", "timeliness", "--to", "31/03/2026"}), 2,
                    "INVALID_ARGUMENT: --to: ");
  CheckOneLineError(Cli(server, {"escalations", "--from", "April"}), 2,
                    "INVALID_ARGUMENT: --from: ");
  CheckOneLineError(Cli(server, {"s20", "--from", "2026-1-1"}), 2, "INVALID_ARGUMENT: --from: ");
  // A range that ends before it starts.
  const auto backwards =
      Cli(server, {"reviews", "timeliness", "--from", "2026-05-01", "--to", "2026-04-01"});
  CheckOneLineError(backwards, 2, "INVALID_ARGUMENT: --from: ");
  CHECK(Contains(backwards.err, "2026-05-01 is after to (2026-04-01)"));
  CheckOneLineError(Cli(server, {"s20", "--as-at", "2026-04-01", "--from", "2026-05-01"}), 2,
                    "INVALID_ARGUMENT: --from: ");
  CheckOneLineError(Cli(server, {"child", "not a child id"}), 2, "INVALID_ARGUMENT: ID: ");

  // Bad command lines refused before anything is sent: exit 2 as well.
  CheckOneLineError(Cli(server, {"reviews", "due", "--within", "-1"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"reviews", "due", "--within", "0"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"reviews", "due", "--within", "soon"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"reviews"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"child"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"placements", "--within", "3"}), 2, "INVALID_ARGUMENT: ");

  // Nothing was written and the answers are unchanged.
  const json status = ProjectionsCaughtUp(server);
  CHECK(status.at("log_end") == std::to_string(log_end));
  CHECK(CliJsonText(server, {"reviews", "due", "--as-at", "2026-04-20"}) == before);
}
