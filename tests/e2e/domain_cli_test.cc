// End-to-end tests of the domain commands of the footprint CLI (record, calendar, challenge)
// against the real footprintd, both as child processes.
//
// Dates: the server's "today" is the real date in England, and events may not be dated after it.
// Tests compute that day with the system clock in Europe/London; expected working-day dates are
// counted in this file from the England & Wales bank holidays of shared/docs/domain.md section 5
// (never by asking the server), and fixed dates are counted by hand in comments.
//
// The server's deadline engine runs on the real clock: a challenge whose response deadline has
// already passed is marked overdue (and, with the default policy, escalated) at once. Only the
// cascade test dates a challenge in the past on purpose; other challenges are dated today.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catch2/catch.hpp"
#include "cli_session.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

using ft::Cli;
using ft::CliJson;
using ft::CliOk;
using ft::JsonLines;
using ft::Lines;
using ft::PeriodOfCareStarted;
using ft::RunningServer;

// `footprint --json read-all ARGS...`, which must succeed.
std::vector<json> ReadAllJson(const RunningServer& server, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"--json", "read-all"});
  const auto result = Cli(server, args);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.err.empty());
  return JsonLines(result.out);
}

// The command failed with `exit_code`, printed nothing on stdout and exactly one line on stderr,
// "footprint: <expected>" (`expected` is the code and the start of the message).
void CheckOneLineError(const ft::CommandResult& result, int exit_code,
                       const std::string& expected) {
  INFO("stdout: " << result.out << "\nstderr: " << result.err);
  CHECK(result.exit_code == exit_code);
  CHECK(result.out.empty());
  CHECK(result.err.rfind("footprint: " + expected, 0) == 0);
  CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
  CHECK(!result.err.empty());
  if (!result.err.empty()) CHECK(result.err.back() == '\n');
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool IsUuid(const std::string& text) {
  static const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_match(text, kUuid);
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

// ---------------------------------------------------------------------------------------------
// Days

std::string Iso(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// Today in England, by the system clock.
absl::CivilDay TodayInEngland() {
  absl::TimeZone london;
  REQUIRE(absl::LoadTimeZone("Europe/London", &london));
  return absl::ToCivilDay(absl::Now(), london);
}

// England & Wales bank holidays 2026-2030 (shared/docs/domain.md section 5).
bool IsBankHoliday(absl::CivilDay day) {
  static const std::set<std::string> kHolidays = {
      "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
      "2026-12-25", "2026-12-28", "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03",
      "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28", "2028-01-03", "2028-04-14",
      "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28", "2028-12-25", "2028-12-26",
      "2029-01-01", "2029-03-30", "2029-04-02", "2029-05-07", "2029-05-28", "2029-08-27",
      "2029-12-25", "2029-12-26", "2030-01-01", "2030-04-19", "2030-04-22", "2030-05-06",
      "2030-05-27", "2030-08-26", "2030-12-25", "2030-12-26"};
  return kHolidays.count(Iso(day)) > 0;
}

bool IsWorkingDay(absl::CivilDay day) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w != absl::Weekday::saturday && w != absl::Weekday::sunday && !IsBankHoliday(day);
}

// The Nth working day after `day` (day 0), counted here, independently of the server.
std::string AddWorkingDays(absl::CivilDay day, int n) {
  REQUIRE(day.year() >= 2026);
  while (n > 0) {
    ++day;
    if (IsWorkingDay(day)) --n;
  }
  REQUIRE(day.year() <= 2030);
  return Iso(day);
}

// ---------------------------------------------------------------------------------------------
// Domain helpers

std::string ReviewHeld(const std::string& on, const std::string& participation = "PN1") {
  return R"({"occurred_on":")" + on + R"(","review_held":{"iro_id":"iro-7","participation":")" +
         participation + R"("}})";
}

// Records that `child` became looked after on `on` (must succeed).
void StartCare(const RunningServer& server, const std::string& child,
               const std::string& on = "2025-06-02") {
  const std::string file = server.dir.Sub("care-" + child + ".json");
  WriteFile(file, PeriodOfCareStarted(on));
  const json out = CliJson(server, {"record", child, "--file", file});
  REQUIRE(out.at("duplicate") == false);
}

// `footprint --json --purpose ... ARGS...` for a challenge command: with a purpose the answer
// is the whole challenge (and the read is recorded); without one, only the step(s) the command
// recorded.
json WholeView(const RunningServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), {"--purpose", "testing the challenge commands"});
  return CliJson(server, args);
}

json Show(const RunningServer& server, const std::string& id) {
  return CliJson(server, {"challenge", "show", id});
}

std::vector<std::string> StepKinds(const json& view) {
  std::vector<std::string> kinds;
  for (const auto& s : view.at("steps")) kinds.push_back(s.at("kind").get<std::string>());
  return kinds;
}

// Polls `challenge show` (bounded) until the challenge has at least `steps` steps.
json WaitForSteps(const RunningServer& server, const std::string& id, size_t steps,
                  std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = SteadyClock::now() + limit;
  json view = Show(server, id);
  while (view.at("steps").size() < steps && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    view = Show(server, id);
  }
  return view;
}

}  // namespace

// =============================================================================================
// calendar

TEST_CASE("calendar add counts England and Wales working days across Easter and Christmas",
          "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};

  // Thu 2 Apr 2026 is day 0; Fri 3 (Good Friday), Sat 4, Sun 5 and Mon 6 (Easter Monday) are
  // not working days: Tue 7 is the first.
  CHECK(CliOk(server, {"calendar", "add", "2026-04-02", "1"}) == "2026-04-07\n");
  // Five: Tue 7 = 1, Wed 8 = 2, Thu 9 = 3, Fri 10 = 4, Mon 13 = 5.
  CHECK(CliOk(server, {"calendar", "add", "2026-04-02", "5"}) == "2026-04-13\n");
  // Thu 24 Dec 2026: Fri 25 Christmas, Sat 26 and Sun 27 weekend, Mon 28 the substitute Boxing
  // Day: Tue 29 is the first working day.
  CHECK(CliOk(server, {"calendar", "add", "2026-12-24", "1"}) == "2026-12-29\n");
  // Zero working days from a holiday is the day itself.
  CHECK(CliOk(server, {"calendar", "add", "2026-12-25", "0"}) == "2026-12-25\n");

  CHECK(CliJson(server, {"calendar", "add", "2026-04-02", "1"}) ==
        json{{"from", "2026-04-02"}, {"working_days", 1}, {"date", "2026-04-07"}});
  CHECK(CliJson(server, {"calendar", "add", "2026-12-24", "1"}) ==
        json{{"from", "2026-12-24"}, {"working_days", 1}, {"date", "2026-12-29"}});
}

TEST_CASE("calendar add takes a negative number of working days", "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  // The help says N "may be negative": one working day before Tue 7 Apr 2026 is Thu 2 Apr.
  const auto result = Cli(server, {"calendar", "add", "2026-04-07", "-1"});
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out == "2026-04-02\n");
}

TEST_CASE("calendar between counts working days d with FROM < d <= TO", "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  // Only Tue 7 Apr lies in (Thu 2 Apr, Tue 7 Apr].
  CHECK(CliOk(server, {"calendar", "between", "2026-04-02", "2026-04-07"}) == "1\n");
  // (Thu 24 Dec, Tue 29 Dec]: only Tue 29.
  CHECK(CliOk(server, {"calendar", "between", "2026-12-24", "2026-12-29"}) == "1\n");
  // (Thu 2 Apr, Mon 13 Apr]: 7, 8, 9, 10, 13.
  CHECK(CliOk(server, {"calendar", "between", "2026-04-02", "2026-04-13"}) == "5\n");
  CHECK(CliOk(server, {"calendar", "between", "2026-04-02", "2026-04-02"}) == "0\n");
  // Negative when TO is before FROM.
  CHECK(CliOk(server, {"calendar", "between", "2026-04-07", "2026-04-02"}) == "-1\n");

  CHECK(CliJson(server, {"calendar", "between", "2026-04-02", "2026-04-07"}) ==
        json{{"from", "2026-04-02"}, {"to", "2026-04-07"}, {"working_days", 1}});
}

TEST_CASE("calendar commands reject dates outside 2010-2030 and malformed dates", "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};

  const auto after = Cli(server, {"calendar", "add", "2031-03-02", "1"});
  CheckOneLineError(after, 1, "OUT_OF_RANGE: ");
  CHECK(Contains(after.err, "2031-03-02"));
  CHECK(Contains(after.err, "2010-2030"));
  const auto before = Cli(server, {"calendar", "between", "2009-06-02", "2010-01-05"});
  CheckOneLineError(before, 1, "OUT_OF_RANGE: ");
  CHECK(Contains(before.err, "2010-2030"));
  // Counting runs off the end of the calendar.
  const auto beyond = Cli(server, {"calendar", "add", "2030-12-31", "1"});
  CheckOneLineError(beyond, 1, "OUT_OF_RANGE: ");
  CHECK(Contains(beyond.err, "2010-2030"));

  const auto not_a_date = Cli(server, {"calendar", "add", "02/04/2026", "1"});
  CheckOneLineError(not_a_date, 2, "INVALID_ARGUMENT: DATE: ");
  CHECK(Contains(not_a_date.err, "YYYY-MM-DD"));
  const auto not_real = Cli(server, {"calendar", "add", "2026-02-30", "1"});
  CheckOneLineError(not_real, 2, "INVALID_ARGUMENT: DATE: ");
  CHECK(Contains(not_real.err, "2026-02-30"));
  CheckOneLineError(Cli(server, {"calendar", "between", "2026-04-02", "2026-4-7"}), 2,
                    "INVALID_ARGUMENT: TO: ");
  CheckOneLineError(Cli(server, {"calendar", "between", "April", "2026-04-07"}), 2,
                    "INVALID_ARGUMENT: FROM: ");

  // Bad command lines: exit 2.
  CheckOneLineError(Cli(server, {"calendar", "add", "2026-04-02"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"calendar", "add", "2026-04-02", "two"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"calendar", "between", "2026-04-02"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"calendar"}), 2, "INVALID_ARGUMENT: ");
}

// =============================================================================================
// record

TEST_CASE("record writes a file of events for a child all at once and shows where", "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  const std::string file = server.dir.Sub("events.json");
  WriteFile(file, "[" + PeriodOfCareStarted("2026-03-02") + ",\n" + ReviewHeld("2026-03-20") + "]");

  const std::string out = CliOk(server, {"record", "C200", "--file", file, "--actor", "alice",
                                         "--source", "mosaic", "--correlation-id", "import-1"});
  CHECK(out == "recorded 2 events for child C200 (child-C200@0..1, positions 0..1)\n");

  // --json, for another child (so that versions and positions differ).
  const json second = CliJson(server, {"record", "C201", "--file", file});
  CHECK(second.at("child_id") == "C201");
  CHECK(second.at("stream") == "child-C201");
  CHECK(second.at("first_version") == "0");
  CHECK(second.at("last_version") == "1");
  CHECK(second.at("first_position") == "2");
  CHECK(second.at("last_position") == "3");
  CHECK(second.at("duplicate") == false);
  REQUIRE(second.at("event_ids").size() == 2);
  CHECK(IsUuid(second.at("event_ids")[0].get<std::string>()));
  CHECK(IsUuid(second.at("event_ids")[1].get<std::string>()));

  // The stored events: typed, in the child's stream, with the child id filled in.
  const auto read = Cli(server, {"--json", "read", "child-C200"});
  INFO("stderr: " << read.err);
  REQUIRE(read.exit_code == 0);
  const auto events = JsonLines(read.out);
  REQUIRE(events.size() == 2);
  CHECK(events[0].at("type") == "PeriodOfCareStarted");
  CHECK(events[1].at("type") == "ReviewHeld");
  CHECK(events[0].at("content_type") == "protobuf");
  CHECK(events[0].at("payload_type") == "footprint.v1.ChildEvent");
  CHECK(events[0].at("data").at("child_id") == "C200");
  CHECK(events[0].at("data").at("occurred_on") == "2026-03-02");
  CHECK(events[0].at("data").at("period_of_care_started").at("legal_status") == "C2");
  CHECK(events[1].at("data").at("review_held").at("participation") == "PN1");
  CHECK(events[0].at("metadata") == json{{"source_system", "mosaic"},
                                         {"correlation_id", "import-1"},
                                         {"actor", "alice"},
                                         {"principal", "local"}});
  CHECK(events[1].at("metadata").at("actor") == "alice");
  const auto c201 = JsonLines(Cli(server, {"--json", "read", "child-C201"}).out);
  REQUIRE(c201.size() == 2);
  CHECK(c201[0].at("id") == second.at("event_ids")[0]);
  CHECK(c201[1].at("id") == second.at("event_ids")[1]);
  CHECK(c201[0].at("metadata").at("source_system") == "footprint-cli");

  // A single object is one event; stdin with --file -.
  const std::string one =
      CliOk(server, {"record", "C202", "--file", "-"}, PeriodOfCareStarted("2026-01-05"));
  CHECK(one == "recorded 1 event for child C202 (child-C202@0..0, positions 4..4)\n");
  const json from_stdin = CliJson(server, {"record", "C202", "--file", "-"},
                                  "[" + ReviewHeld("2026-02-02", "PN5") + "]");
  CHECK(from_stdin.at("first_version") == "1");
  CHECK(from_stdin.at("first_position") == "5");
  CHECK(ReadAllJson(server).size() == 6);
}

TEST_CASE("record of the same events with their event ids again is a duplicate", "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  const std::string file = server.dir.Sub("events.json");
  const std::string id0 = "0f8fad5b-d9cb-469f-a165-70867728950e";
  const std::string id1 = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
  WriteFile(file, R"([{"event_id":")" + id0 + R"(",)" +
                      PeriodOfCareStarted("2026-03-02").substr(1) + R"(,{"event_id":")" + id1 +
                      R"(",)" + ReviewHeld("2026-03-20").substr(1) + "]");
  StartCare(server, "C300");  // positions 0 first, so that C301's are not 0..1

  const json first = CliJson(server, {"record", "C301", "--file", file});
  CHECK(first.at("duplicate") == false);
  CHECK(first.at("event_ids") == json::array({id0, id1}));
  CHECK(first.at("first_position") == "1");
  CHECK(first.at("last_position") == "2");
  REQUIRE(ReadAllJson(server).size() == 3);

  const std::string again = CliOk(server, {"record", "C301", "--file", file});
  CHECK(again == "already recorded 2 events for child C301 (child-C301@0..1, positions 1..2)\n");
  const json again_json = CliJson(server, {"record", "C301", "--file", file});
  CHECK(again_json.at("duplicate") == true);
  CHECK(again_json.at("event_ids") == json::array({id0, id1}));
  CHECK(again_json.at("first_version") == "0");
  CHECK(again_json.at("last_version") == "1");
  CHECK(again_json.at("first_position") == "1");
  CHECK(again_json.at("last_position") == "2");
  // Nothing more was written.
  const auto all = ReadAllJson(server);
  CHECK(all.size() == 3);
  CHECK(JsonLines(Cli(server, {"--json", "read", "child-C301"}).out).size() == 2);

  // The same id with other content is refused.
  const std::string other = server.dir.Sub("other.json");
  WriteFile(other, R"({"event_id":")" + id0 + R"(",)" + ReviewHeld("2026-04-01").substr(1));
  const auto reused = Cli(server, {"record", "C301", "--file", other});
  CheckOneLineError(reused, 1, "ALREADY_EXISTS: events[0].event_id: ");
  CHECK(ReadAllJson(server).size() == 3);
}

TEST_CASE("record refuses an invalid event, naming it and the rule, and writes nothing", "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  StartCare(server, "C400");
  const size_t before = ReadAllJson(server).size();
  REQUIRE(before == 1);
  const auto write = [&](const std::string& name, const std::string& content) {
    const std::string path = server.dir.Sub(name);
    WriteFile(path, content);
    return path;
  };
  const auto nothing_written = [&](const std::string& child) {
    CHECK(ReadAllJson(server).size() == before);
    CHECK(ReadAllJson(server, {"--stream-prefix", "child-" + child}).empty());
  };

  // A field rule: the second event's participation code; the first event is not written.
  const std::string pn9 = write("pn9.json", "[" + PeriodOfCareStarted("2026-03-02") + "," +
                                                ReviewHeld("2026-03-20", "PN9") + "]");
  const auto bad_code = Cli(server, {"record", "C401", "--file", pn9});
  CheckOneLineError(bad_code, 1, "INVALID_ARGUMENT: events[1].review_held.participation: ");
  CHECK(Contains(bad_code.err, "PN9"));
  CHECK(Contains(bad_code.err, "REVIEW_CODE"));
  nothing_written("C401");

  // A record rule: a review on a day the child is not looked after, after a valid first event.
  const std::string early = write(
      "early.json", "[" + PeriodOfCareStarted("2026-03-02") + "," + ReviewHeld("2026-02-02") + "]");
  const auto not_looked_after = Cli(server, {"record", "C402", "--file", early});
  CheckOneLineError(not_looked_after, 1, "FAILED_PRECONDITION: events[1].review_held: ");
  CHECK(Contains(not_looked_after.err, "not looked after on 2026-02-02"));
  nothing_written("C402");

  // A review for a child never looked after.
  const std::string review = write("review.json", ReviewHeld("2026-03-20"));
  const auto never = Cli(server, {"record", "C403", "--file", review});
  CheckOneLineError(never, 1, "FAILED_PRECONDITION: events[0].review_held: ");
  CHECK(Contains(never.err, "not looked after"));
  nothing_written("C403");

  // A date after today in England.
  const std::string later = Iso(TodayInEngland() + 2);
  const std::string future = write("future.json", PeriodOfCareStarted(later));
  const auto in_future = Cli(server, {"record", "C404", "--file", future});
  CheckOneLineError(in_future, 1, "INVALID_ARGUMENT: events[0].occurred_on: ");
  CHECK(Contains(in_future.err, "future"));
  nothing_written("C404");

  // The event names another child.
  const std::string other_child =
      write("other.json", R"({"child_id":"C999",)" + PeriodOfCareStarted("2026-03-02").substr(1));
  CheckOneLineError(Cli(server, {"record", "C405", "--file", other_child}), 1,
                    "INVALID_ARGUMENT: events[0].child_id: ");
  nothing_written("C405");

  // Event ids: a string, and a UUID.
  CheckOneLineError(Cli(server, {"record", "C406", "--file", "-"},
                        R"({"event_id":7,)" + PeriodOfCareStarted("2026-03-02").substr(1)),
                    1, "INVALID_ARGUMENT: events[0].event_id: ");
  CheckOneLineError(
      Cli(server, {"record", "C406", "--file", "-"},
          R"({"event_id":"not-a-uuid",)" + PeriodOfCareStarted("2026-03-02").substr(1)),
      1, "INVALID_ARGUMENT: events[0].event_id: ");

  // Steps only Footprint itself records.
  const auto missed = Cli(server, {"record", "C400", "--file", "-"},
                          R"({"occurred_on":"2026-03-02","deadline_missed":{"what":"x"}})");
  CheckOneLineError(missed, 1, "INVALID_ARGUMENT: events[0].deadline_missed: ");
  CHECK(Contains(missed.err, "appended by Footprint itself"));

  // Not JSON, an unknown field, an empty list, a list of something else.
  const std::string not_json = write("not.json", "[{\"occurred_on\": ");
  const auto broken = Cli(server, {"record", "C406", "--file", not_json});
  CheckOneLineError(broken, 1, "INVALID_ARGUMENT: --file: ");
  CHECK(Contains(broken.err, "not valid JSON"));
  const std::string unknown =
      write("unknown.json", R"([{"occurred_on":"2026-03-02","review_hold":{"iro_id":"x"}}])");
  const auto unknown_field = Cli(server, {"record", "C406", "--file", unknown});
  CheckOneLineError(unknown_field, 1, "INVALID_ARGUMENT: events[0]: ");
  CHECK(Contains(unknown_field.err, "review_hold"));
  CheckOneLineError(Cli(server, {"record", "C406", "--file", write("empty.json", "[]")}), 1,
                    "INVALID_ARGUMENT: --file: ");
  CheckOneLineError(Cli(server, {"record", "C406", "--file", write("numbers.json", "[1]")}), 1,
                    "INVALID_ARGUMENT: events[0]: ");
  CheckOneLineError(Cli(server, {"record", "C406", "--file", "-"}, "not json"), 1,
                    "INVALID_ARGUMENT: --file: ");
  nothing_written("C406");

  // Bad command lines: exit 2.
  CheckOneLineError(Cli(server, {"record", "C407"}), 2, "INVALID_ARGUMENT: ");
  const auto missing = Cli(server, {"record", "C407", "--file", server.dir.Sub("missing.json")});
  CheckOneLineError(missing, 2, "INVALID_ARGUMENT: --file: ");
  CheckOneLineError(Cli(server, {"record", "--file", review}), 2, "INVALID_ARGUMENT: ");
  CHECK(ReadAllJson(server).size() == before);
}

TEST_CASE("record refuses a challenge escalation whose response deadline is before it", "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  // Raised on Mon 2 Mar 2026, escalated by the IRO on Mon 9 Mar with a response deadline of
  // Tue 3 Mar: a deadline before the stage even began. ChallengeRaised refuses the same
  // ("response_due_on: is before the challenge"); ChallengeEscalated must too.
  const std::string file = server.dir.Sub("escalated.json");
  WriteFile(file,
            "[" + PeriodOfCareStarted("2025-06-02") +
                R"(,{"occurred_on":"2026-03-02","challenge_raised":{"challenge_id":"C450:1",)"
                R"("iro_id":"iro-7","theme":"Drift and Delay","response_due_on":"2026-03-09"}})"
                R"(,{"occurred_on":"2026-03-09","challenge_escalated":{"challenge_id":)"
                R"("C450:1","response_due_on":"2026-03-03"}}])");
  const auto result = Cli(server, {"record", "C450", "--file", file});
  // Accepted, it wedges the deadline engine: the missed deadline (fires Wed 4 Mar) cannot be
  // recorded before the stage began (9 Mar), so the engine retries at once, forever.
  CheckOneLineError(result, 1, "INVALID_ARGUMENT: events[2].challenge_escalated.response_due_on: ");
  CHECK(ReadAllJson(server).empty());
}

// =============================================================================================
// challenge

TEST_CASE("challenge raise prints the id and show gives the challenge in words and as JSON",
          "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  StartCare(server, "C500");
  const absl::CivilDay today = TodayInEngland();
  const std::string t = Iso(today);
  const std::string due = AddWorkingDays(today, 5);  // the informal stage: 5 working days

  const std::string raised =
      CliOk(server, {"challenge", "raise", "--child", "C500", "--stage", "informal", "--theme",
                     "drift and delay", "--iro", "iro-7", "--issue", "No pre-meeting report",
                     "--date", t, "--actor", "iro-7"});
  CHECK(raised == "C500:1\n");

  const std::string human = CliOk(server, {"challenge", "show", "C500:1"});
  const std::vector<std::string> expected_lines = {
      "challenge C500:1 (child C500, IRO iro-7)",
      "  theme:    Drift and Delay",
      "  issue:    No pre-meeting report",
      "  stage:    Informal",
      "  status:   awaiting_response",
      "  raised:   " + t,
      "  deadline: " + due,
      "  steps:",
      "    " + t + "  raised  Informal  No pre-meeting report",
  };
  CHECK(Lines(human) == expected_lines);
  CHECK(human.back() == '\n');

  const json view = Show(server, "C500:1");
  CHECK(view.at("id") == "C500:1");
  CHECK(view.at("child_id") == "C500");
  CHECK(view.at("iro_id") == "iro-7");
  CHECK(view.at("theme") == "Drift and Delay");  // the policy's spelling
  CHECK(view.at("issue") == "No pre-meeting report");
  CHECK(view.at("stage") == "Informal");
  CHECK(view.at("stage_number") == 0);
  CHECK(view.at("status") == "awaiting_response");
  CHECK(view.at("raised_on") == t);
  CHECK(view.at("deadline") == due);
  CHECK(view.at("overdue") == false);
  CHECK(view.at("cafcass_referred_on").is_null());
  CHECK(view.at("closed_on").is_null());
  REQUIRE(view.at("steps").size() == 1);
  const json& step = view.at("steps")[0];
  CHECK(step.at("kind") == "raised");
  CHECK(step.at("date") == t);
  CHECK(step.at("stage") == "Informal");
  CHECK(step.at("stage_number") == 0);
  CHECK(step.at("detail") == "No pre-meeting report");
  CHECK(step.at("position") == "1");
  CHECK(IsUuid(step.at("event_id").get<std::string>()));

  // The step is the ChallengeRaised event in the child's stream.
  const auto events = JsonLines(Cli(server, {"--json", "read", "child-C500"}).out);
  REQUIRE(events.size() == 2);
  CHECK(events[1].at("type") == "ChallengeRaised");
  CHECK(events[1].at("id") == step.at("event_id"));
  CHECK(events[1].at("metadata").at("actor") == "iro-7");
  CHECK(events[1].at("data").at("challenge_raised").at("response_due_on") == due);

  // --json raise with a purpose prints the whole view; challenges are numbered per child. A
  // formal stage by name, with the default date (today).
  const absl::CivilDay before = TodayInEngland();
  const json second =
      WholeView(server, {"challenge", "raise", "--child", "C500", "--stage", "Stage 2", "--theme",
                         "Quality of Plan", "--iro", "iro-8"});
  const absl::CivilDay after = TodayInEngland();
  CHECK(second.at("id") == "C500:2");
  CHECK(second.at("stage") == "Stage 2");
  CHECK(second.at("stage_number") == 2);
  CHECK(second.at("issue") == "");
  const std::string raised_on = second.at("raised_on").get<std::string>();
  CHECK((raised_on == Iso(before) || raised_on == Iso(after)));
  CHECK(second == Show(server, "C500:2"));
  // No issue: no issue line.
  CHECK(!Contains(CliOk(server, {"challenge", "show", "C500:2"}), "issue:"));
  // A stage by number.
  const json third =
      WholeView(server, {"challenge", "raise", "--child", "C500", "--stage", "1", "--theme",
                         "Management Oversight", "--iro", "iro-8", "--date", t});
  CHECK(third.at("id") == "C500:3");
  CHECK(third.at("stage") == "Stage 1");
  CHECK(third.at("deadline") == due);

  // A retried raise with the same --event-id is the same challenge, not a new one.
  const std::vector<std::string> retry = {"challenge",  "raise",
                                          "--child",    "C500",
                                          "--stage",    "informal",
                                          "--theme",    "Quality of Provision",
                                          "--iro",      "iro-7",
                                          "--date",     t,
                                          "--event-id", "3f2504e0-4f89-41d3-9a0c-0305e82c3301"};
  CHECK(CliOk(server, retry) == "C500:4\n");
  CHECK(CliOk(server, retry) == "C500:4\n");
  CheckOneLineError(Cli(server, {"challenge", "show", "C500:5"}), 1, "NOT_FOUND: ");
}

TEST_CASE("challenge respond, escalate, bypass, resolve and refer-cafcass move the challenge",
          "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  StartCare(server, "C600");
  const absl::CivilDay today = TodayInEngland();
  const std::string t = Iso(today);
  const std::string due = AddWorkingDays(today, 5);  // every default stage: 5 working days
  // Without a purpose, --json prints only what the command recorded: the id and its step.
  const json raised =
      CliJson(server, {"challenge", "raise", "--child", "C600", "--stage", "informal", "--theme",
                       "Quality of Plan", "--iro", "iro-7", "--date", t});
  CHECK(raised.at("partial") == true);
  REQUIRE(raised.at("steps").size() == 1);
  CHECK(raised.at("steps")[0].at("kind") == "raised");
  CHECK(raised.at("steps")[0].at("deadline") == due);
  CHECK_FALSE(raised.contains("status"));
  const std::string id = raised.at("id");
  REQUIRE(id == "C600:1");

  // respond: human output is the id.
  CHECK(CliOk(server, {"challenge", "respond", id, "--by", "Team Manager", "--response",
                       "Report on its way", "--date", t}) == "C600:1\n");
  json view = Show(server, id);
  CHECK(view.at("status") == "responded");
  CHECK(view.at("stage") == "Informal");
  CHECK(view.at("deadline").is_null());
  CHECK(view.at("steps").back().at("kind") == "responded");
  CHECK(view.at("steps").back().at("detail") == "Report on its way");
  // A second response at the same stage is not allowed.
  const auto twice = Cli(server, {"challenge", "respond", id, "--response", "again"});
  CheckOneLineError(twice, 1, "FAILED_PRECONDITION: ");
  CHECK(Contains(twice.err, "already has a response at Informal"));

  // escalate: the next stage, with its own deadline.
  view = WholeView(server, {"challenge", "escalate", id, "--date", t});
  CHECK(view.at("stage") == "Stage 1");
  CHECK(view.at("stage_number") == 1);
  CHECK(view.at("status") == "awaiting_response");
  CHECK(view.at("deadline") == due);
  CHECK(view.at("steps").back().at("kind") == "escalated");
  CHECK(view.at("steps").back().at("stage") == "Stage 1");
  CHECK(view.at("steps").back().at("detail") == "by the IRO from Informal");

  // escalate --to: bypasses Stage 2.
  CHECK(CliOk(server, {"challenge", "escalate", id, "--to", "Stage 3", "--date", t}) == "C600:1\n");
  view = Show(server, id);
  CHECK(view.at("stage") == "Stage 3");
  CHECK(view.at("stage_number") == 3);
  CHECK(view.at("deadline") == due);
  CHECK(view.at("steps").back().at("detail") == "by the IRO from Stage 1");

  // Not to a lower stage, nor to the same one.
  const auto lower = Cli(server, {"challenge", "escalate", id, "--to", "Stage 2", "--date", t});
  CheckOneLineError(lower, 1, "FAILED_PRECONDITION: ");
  CHECK(Contains(lower.err, "higher stage than Stage 3"));
  CheckOneLineError(Cli(server, {"challenge", "escalate", id, "--to", "stage 3", "--date", t}), 1,
                    "FAILED_PRECONDITION: ");
  CheckOneLineError(Cli(server, {"challenge", "escalate", id, "--to", "informal", "--date", t}), 1,
                    "FAILED_PRECONDITION: ");

  view = WholeView(server, {"challenge", "escalate", id, "--date", t});
  CHECK(view.at("stage") == "Stage 4");
  // Stage 4 is the last.
  const auto last = Cli(server, {"challenge", "escalate", id, "--date", t});
  CheckOneLineError(last, 1, "FAILED_PRECONDITION: ");
  CHECK(Contains(last.err, "Stage 4 is the last stage"));

  CHECK(CliOk(server, {"challenge", "respond", id, "--by", "Director", "--date", t}) == "C600:1\n");
  view = WholeView(server, {"challenge", "resolve", id, "--outcome", "Plan agreed", "--date", t});
  CHECK(view.at("status") == "resolved");
  CHECK(view.at("closed_on") == t);
  CHECK(view.at("deadline").is_null());
  CHECK(view.at("steps").back().at("kind") == "resolved");
  CHECK(view.at("steps").back().at("detail") == "Plan agreed");

  // A closed challenge takes no further step...
  const auto resolve_again = Cli(server, {"challenge", "resolve", id, "--outcome", "again"});
  CheckOneLineError(resolve_again, 1, "FAILED_PRECONDITION: ");
  CHECK(Contains(resolve_again.err, "is closed (resolved on " + t + ")"));
  CheckOneLineError(Cli(server, {"challenge", "respond", id, "--response", "late"}), 1,
                    "FAILED_PRECONDITION: ");
  CheckOneLineError(Cli(server, {"challenge", "escalate", id}), 1, "FAILED_PRECONDITION: ");
  CheckOneLineError(Cli(server, {"challenge", "withdraw", id}), 1, "FAILED_PRECONDITION: ");

  // ...but a referral to CAFCASS, once.
  view = WholeView(
      server, {"challenge", "refer-cafcass", id, "--reason", "Plan not followed", "--date", t});
  CHECK(view.at("cafcass_referred_on") == t);
  CHECK(view.at("status") == "resolved");
  const auto refer_again = Cli(server, {"challenge", "refer-cafcass", id, "--date", t});
  CheckOneLineError(refer_again, 1, "FAILED_PRECONDITION: ");
  CHECK(Contains(refer_again.err, "already referred to CAFCASS on " + t));

  view = Show(server, id);
  CHECK(StepKinds(view) == std::vector<std::string>{"raised", "responded", "escalated", "escalated",
                                                    "escalated", "responded", "resolved",
                                                    "cafcass_referral"});
  std::vector<std::string> stages;
  for (const auto& s : view.at("steps")) {
    CHECK(s.at("date") == t);
    stages.push_back(s.at("stage").get<std::string>());
  }
  CHECK(stages == std::vector<std::string>{"Informal", "Informal", "Stage 1", "Stage 3", "Stage 4",
                                           "Stage 4", "Stage 4", "Stage 4"});
  uint64_t previous = 0;
  for (const auto& s : view.at("steps")) {
    CHECK(std::stoull(s.at("position").get<std::string>()) > previous);
    previous = std::stoull(s.at("position").get<std::string>());
  }
  const std::string human = CliOk(server, {"challenge", "show", id});
  CHECK(Contains(human, "  status:   resolved\n"));
  CHECK(Contains(human, "  CAFCASS:  referred " + t + "\n"));
  CHECK(!Contains(human, "deadline:"));
  CHECK(Contains(human, "    " + t + "  resolved  Stage 4  Plan agreed\n"));
}

TEST_CASE("challenge withdraw closes an open challenge and refer-cafcass works while it is open",
          "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  StartCare(server, "C700");
  const std::string t = Iso(TodayInEngland());
  REQUIRE(CliOk(server, {"challenge", "raise", "--child", "C700", "--stage", "Stage 1", "--theme",
                         "Quality of Provision", "--iro", "iro-7", "--date", t}) == "C700:1\n");

  json view = WholeView(server, {"challenge", "refer-cafcass", "C700:1", "--date", t});
  CHECK(view.at("cafcass_referred_on") == t);
  CHECK(view.at("status") == "awaiting_response");
  CHECK(view.at("stage") == "Stage 1");
  CHECK(view.at("steps").back().at("kind") == "cafcass_referral");
  CheckOneLineError(Cli(server, {"challenge", "refer-cafcass", "C700:1", "--date", t}), 1,
                    "FAILED_PRECONDITION: ");

  CHECK(CliOk(server, {"challenge", "withdraw", "C700:1", "--reason", "Child left care", "--date",
                       t}) == "C700:1\n");
  view = Show(server, "C700:1");
  CHECK(view.at("status") == "withdrawn");
  CHECK(view.at("closed_on") == t);
  CHECK(view.at("deadline").is_null());
  CHECK(view.at("steps").back().at("kind") == "withdrawn");
  CHECK(view.at("steps").back().at("detail") == "Child left care");
  const auto again = Cli(server, {"challenge", "withdraw", "C700:1"});
  CheckOneLineError(again, 1, "FAILED_PRECONDITION: ");
  CHECK(Contains(again.err, "withdrawn on " + t));
  CheckOneLineError(Cli(server, {"challenge", "resolve", "C700:1", "--outcome", "x"}), 1,
                    "FAILED_PRECONDITION: ");
}

TEST_CASE("challenge commands refuse unknown challenges, themes, stages and bad command lines",
          "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  StartCare(server, "C800");
  const absl::CivilDay today = TodayInEngland();
  const std::string t = Iso(today);
  const std::vector<std::string> raise = {"challenge", "raise", "--child",
                                          "C800",      "--iro", "iro-7"};
  const auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = raise;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };

  // Unknown challenges.
  const auto unknown = Cli(server, {"challenge", "show", "C800:9"});
  CheckOneLineError(unknown, 1, "NOT_FOUND: ");
  CHECK(Contains(unknown.err, "C800:9"));
  CheckOneLineError(Cli(server, {"challenge", "show", "Nobody:1"}), 1, "NOT_FOUND: ");
  CheckOneLineError(Cli(server, {"challenge", "respond", "C800:9", "--response", "x"}), 1,
                    "NOT_FOUND: ");
  CheckOneLineError(Cli(server, {"challenge", "escalate", "C800:9"}), 1, "NOT_FOUND: ");
  CheckOneLineError(Cli(server, {"challenge", "resolve", "C800:9", "--outcome", "x"}), 1,
                    "NOT_FOUND: ");
  CheckOneLineError(Cli(server, {"challenge", "withdraw", "C800:9"}), 1, "NOT_FOUND: ");
  CheckOneLineError(Cli(server, {"challenge", "refer-cafcass", "C800:9"}), 1, "NOT_FOUND: ");
  CheckOneLineError(Cli(server, {"challenge", "show", "C800"}), 2, "INVALID_ARGUMENT: ID: ");

  // Unknown theme and stage.
  const auto theme = Cli(server, with({"--stage", "informal", "--theme", "Care planning"}));
  CheckOneLineError(theme, 2, "INVALID_ARGUMENT: --theme: ");
  CHECK(Contains(theme.err, "Drift and Delay"));  // lists the council's themes
  const auto stage = Cli(server, with({"--stage", "Stage 5", "--theme", "Drift and Delay"}));
  CheckOneLineError(stage, 2, "INVALID_ARGUMENT: --stage: ");
  CHECK(Contains(stage.err, "Stage 5"));
  CheckOneLineError(Cli(server, with({"--stage", "5", "--theme", "Drift and Delay"})), 2,
                    "INVALID_ARGUMENT: --stage: ");

  // Dates: malformed, in the future; a child not looked after then.
  CheckOneLineError(Cli(server, with({"--stage", "informal", "--theme", "Drift and Delay", "--date",
                                      "23/11/26"})),
                    2, "INVALID_ARGUMENT: --date: ");
  const auto future =
      Cli(server,
          with({"--stage", "informal", "--theme", "Drift and Delay", "--date", Iso(today + 2)}));
  CheckOneLineError(future, 2, "INVALID_ARGUMENT: --date: ");
  CHECK(Contains(future.err, "future"));
  const auto not_in_care = Cli(
      server, with({"--stage", "informal", "--theme", "Drift and Delay", "--date", "2025-01-06"}));
  CheckOneLineError(not_in_care, 1, "FAILED_PRECONDITION: events[0].challenge_raised: ");
  CHECK(Contains(not_in_care.err, "not looked after on 2025-01-06"));
  CheckOneLineError(Cli(server, {"challenge", "raise", "--child", "C801", "--iro", "iro-7",
                                 "--stage", "informal", "--theme", "Drift and Delay"}),
                    1, "FAILED_PRECONDITION: ");
  CheckOneLineError(Cli(server, {"challenge", "raise", "--child", "C800", "--iro", "has space",
                                 "--stage", "informal", "--theme", "Drift and Delay"}),
                    2, "INVALID_ARGUMENT: --iro: ");

  // Nothing was raised by any of those.
  CHECK(ReadAllJson(server).size() == 1);

  REQUIRE(CliOk(server, with({"--stage", "informal", "--theme", "Drift and Delay", "--date", t})) ==
          "C800:1\n");
  CheckOneLineError(Cli(server, {"challenge", "escalate", "C800:1", "--to", "Stage 9"}), 2,
                    "INVALID_ARGUMENT: --to: ");
  // A step dated before the challenge reached its stage.
  const auto early = Cli(server, {"challenge", "respond", "C800:1", "--date", Iso(today - 1)});
  CheckOneLineError(early, 1, "FAILED_PRECONDITION: ");
  CHECK(Contains(early.err, "before challenge C800:1 reached Informal"));

  // Bad command lines: exit 2, nothing sent.
  CheckOneLineError(Cli(server, {"challenge", "raise", "--child", "C800", "--stage", "informal",
                                 "--theme", "Drift and Delay"}),
                    2, "INVALID_ARGUMENT: ");  // no --iro
  CheckOneLineError(Cli(server, with({"--theme", "Drift and Delay"})), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, with({"--stage", "informal"})), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"challenge", "resolve", "C800:1"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"challenge", "show"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"challenge", "respond"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"challenge"}), 2, "INVALID_ARGUMENT: ");
  CheckOneLineError(Cli(server, {"challenge", "promote", "C800:1"}), 2, "INVALID_ARGUMENT: ");
  CHECK(Show(server, "C800:1").at("steps").size() == 1);
}

// =============================================================================================
// deadlines and policy

TEST_CASE("a challenge left unanswered since January escalates by itself up to Stage 4", "[e2e]") {
  RunningServer server{
      ft::ConfigYaml{ft::kWithoutReviewDeadlines}};  // the default policy: Informal and Stages 1-4,
                                                     // 5 WD each, on silence
  StartCare(server, "C900", "2025-12-01");
  // Raised informally on Mon 5 Jan 2026 (day 0). Each stage's deadline counts 5 working days
  // from the day the stage was entered; it is missed on the next working day, when Footprint
  // records the miss and escalates (the new stage's day 0):
  //   Informal  entered Mon 05 Jan: Tue 06=1 Wed 07=2 Thu 08=3 Fri 09=4 Mon 12=5, due 12 Jan;
  //             missed Tue 13 Jan -> Stage 1
  //   Stage 1   entered Tue 13 Jan: Wed 14=1 Thu 15=2 Fri 16=3 Mon 19=4 Tue 20=5, due 20 Jan;
  //             missed Wed 21 Jan -> Stage 2
  //   Stage 2   entered Wed 21 Jan: Thu 22=1 Fri 23=2 Mon 26=3 Tue 27=4 Wed 28=5, due 28 Jan;
  //             missed Thu 29 Jan -> Stage 3
  //   Stage 3   entered Thu 29 Jan: Fri 30=1 Mon 02 Feb=2 Tue 03=3 Wed 04=4 Thu 05=5, due 5 Feb;
  //             missed Fri 6 Feb -> Stage 4
  //   Stage 4   entered Fri 06 Feb: Mon 09=1 Tue 10=2 Wed 11=3 Thu 12=4 Fri 13=5, due 13 Feb;
  //             missed Mon 16 Feb: the last stage, so only the miss is recorded.
  // (No bank holiday falls in 6 Jan - 16 Feb 2026.)
  REQUIRE(CliOk(server, {"challenge", "raise", "--child", "C900", "--stage", "informal", "--theme",
                         "Drift and Delay", "--iro", "iro-7", "--issue", "SGO planning drifting",
                         "--date", "2026-01-05"}) == "C900:1\n");

  const json view = WaitForSteps(server, "C900:1", 10);
  INFO("view: " << view.dump(2));
  CHECK(view.at("stage") == "Stage 4");
  CHECK(view.at("stage_number") == 4);
  CHECK(view.at("status") == "awaiting_response");
  CHECK(view.at("overdue") == true);
  CHECK(view.at("deadline") == "2026-02-13");
  CHECK(view.at("raised_on") == "2026-01-05");
  CHECK(view.at("closed_on").is_null());

  struct Step {
    std::string kind, date, stage, detail;
  };
  const auto overdue = [](const std::string& stage, const std::string& role,
                          const std::string& due) {
    return stage + " (" + role + ") to respond within 5 working days; due " + due;
  };
  const std::vector<Step> expected = {
      {"raised", "2026-01-05", "Informal", "SGO planning drifting"},
      {"response_overdue", "2026-01-13", "Informal",
       overdue("Informal", "Social worker or team manager", "2026-01-12")},
      {"escalated", "2026-01-13", "Stage 1", "no response from Informal"},
      {"response_overdue", "2026-01-21", "Stage 1",
       overdue("Stage 1", "Team Manager", "2026-01-20")},
      {"escalated", "2026-01-21", "Stage 2", "no response from Stage 1"},
      {"response_overdue", "2026-01-29", "Stage 2",
       overdue("Stage 2", "Service Manager", "2026-01-28")},
      {"escalated", "2026-01-29", "Stage 3", "no response from Stage 2"},
      {"response_overdue", "2026-02-06", "Stage 3",
       overdue("Stage 3", "Head of Service", "2026-02-05")},
      {"escalated", "2026-02-06", "Stage 4", "no response from Stage 3"},
      {"response_overdue", "2026-02-16", "Stage 4", overdue("Stage 4", "Director", "2026-02-13")},
  };
  REQUIRE(view.at("steps").size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("step " << i);
    const json& s = view.at("steps")[i];
    CHECK(s.at("kind") == expected[i].kind);
    CHECK(s.at("date") == expected[i].date);
    CHECK(s.at("stage") == expected[i].stage);
    CHECK(s.at("detail") == expected[i].detail);
  }

  // The steps after the first were recorded by Footprint itself: DeadlineMissed and
  // ChallengeEscalated (reason NO_RESPONSE) with the deadline engine as actor.
  const auto events = JsonLines(Cli(server, {"--json", "read", "child-C900"}).out);
  REQUIRE(events.size() == 11);
  for (size_t i = 2; i < events.size(); ++i) {
    INFO("event " << i << ": " << events[i].dump());
    CHECK(events[i].at("type") == (i % 2 == 0 ? "DeadlineMissed" : "ChallengeEscalated"));
    CHECK(events[i].at("metadata").at("source_system") == "footprint");
    CHECK(events[i].at("metadata").at("actor") == "footprint-deadlines");
    if (events[i].at("type") == "ChallengeEscalated") {
      CHECK(events[i].at("data").at("challenge_escalated").at("reason") == "NO_RESPONSE");
    }
  }
  CHECK(events[10].at("data").at("deadline_missed").at("due_on") == "2026-02-13");

  const std::string human = CliOk(server, {"challenge", "show", "C900:1"});
  CHECK(Contains(human, "  stage:    Stage 4\n"));
  CHECK(Contains(human, "  status:   awaiting_response (response overdue)\n"));
  CHECK(Contains(human, "    2026-01-13  escalated  Stage 1  no response from Informal\n"));

  // The IRO can still act on it: a response at Stage 4 ends the wait for one.
  const json responded = WholeView(
      server, {"challenge", "respond", "C900:1", "--by", "Director", "--date", "2026-02-17"});
  CHECK(responded.at("status") == "responded");
  CHECK(responded.at("deadline").is_null());
}

TEST_CASE("a challenge answered before its deadline is never escalated", "[e2e]") {
  RunningServer server{ft::ConfigYaml{ft::kWithoutReviewDeadlines}};
  // Recorded through intake, in one request: raised on Mon 5 Jan 2026 (due Mon 12 Jan, see the
  // cascade test) and answered on Fri 9 Jan, in time.
  const std::string file = server.dir.Sub("answered.json");
  WriteFile(file,
            "[" + PeriodOfCareStarted("2025-12-01") +
                R"(,{"occurred_on":"2026-01-05","challenge_raised":{"challenge_id":"C1300:1",)"
                R"("iro_id":"iro-7","stage":{"name":"informal"},"theme":"Quality of Plan"}})"
                R"(,{"occurred_on":"2026-01-09","challenge_responded":{"challenge_id":)"
                R"("C1300:1","responded_by":"Team Manager","response":"Done"}}])");
  const json recorded = CliJson(server, {"record", "C1300", "--file", file});
  REQUIRE(recorded.at("last_version") == "2");

  // Footprint may not escalate on the IRO's behalf through intake.
  const auto escalate =
      Cli(server, {"record", "C1300", "--file", "-"},
          R"({"occurred_on":"2026-01-14","challenge_escalated":{"challenge_id":"C1300:1",)"
          R"("reason":"NO_RESPONSE"}})");
  CheckOneLineError(escalate, 1, "INVALID_ARGUMENT: events[0].challenge_escalated.reason: ");

  // An unanswered challenge raised the same day, after it in the log: once its cascade is
  // complete, the engine has read past the answered one.
  REQUIRE(CliOk(server, {"challenge", "raise", "--child", "C1300", "--stage", "informal", "--theme",
                         "Drift and Delay", "--iro", "iro-7", "--date", "2026-01-05"}) ==
          "C1300:2\n");
  const json unanswered = WaitForSteps(server, "C1300:2", 10);
  REQUIRE(unanswered.at("steps").size() == 10);
  CHECK(unanswered.at("stage") == "Stage 4");

  const json answered = Show(server, "C1300:1");
  CHECK(answered.at("stage") == "Informal");
  CHECK(answered.at("status") == "responded");
  CHECK(answered.at("overdue") == false);
  CHECK(answered.at("deadline").is_null());
  CHECK(answered.at("theme") == "Quality of Plan");
  CHECK(StepKinds(answered) == std::vector<std::string>{"raised", "responded"});
  CHECK(answered.at("steps")[1].at("date") == "2026-01-09");
  CHECK(answered.at("steps")[1].at("detail") == "Done");
}

TEST_CASE("a council's own escalation policy from --config names the stages and sets deadlines",
          "[e2e]") {
  ft::TempDir dir;
  const std::string config = dir.Sub("footprintd.yaml");
  WriteFile(config,
            "escalation:\n"
            "  auto_escalate_on_silence: true\n"
            "  stages:\n"
            "    - {name: Informal, role: Social worker, response_working_days: 2}\n"
            "    - {name: Level 1, role: Team Manager, response_working_days: 3}\n"
            "    - {name: Level 2, role: Head of Service, response_working_days: 10}\n"
            "  themes: [\"Care planning\"]\n" +
                std::string(ft::kWithoutReviewDeadlines));
  ft::ServerProcess process(dir.Sub("data"), {"--config", config});
  REQUIRE_NOTHROW(process.Start());
  const std::string address = process.address();
  const auto cli = [&](const std::vector<std::string>& args) { return ft::RunCli(address, args); };
  // With a purpose, so that the commands answer with the whole challenge.
  const auto cli_json = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--json", "--purpose", "testing the council's policy"});
    const auto result = cli(args);
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    const auto lines = JsonLines(result.out);
    REQUIRE(lines.size() == 1);
    return lines[0];
  };
  // 3 + 10 formal working days: within the 20 of the IRO Handbook, so no warning.
  CHECK(!Contains(process.StderrLog(), "IRO Handbook"));

  const std::string care = dir.Sub("care.json");
  WriteFile(care, PeriodOfCareStarted("2025-06-02"));
  REQUIRE(cli({"record", "C1000", "--file", care}).exit_code == 0);
  const absl::CivilDay today = TodayInEngland();
  const std::string t = Iso(today);

  json view = cli_json({"challenge", "raise", "--child", "C1000", "--stage", "informal", "--theme",
                        "care planning", "--iro", "iro-7", "--date", t});
  CHECK(view.at("id") == "C1000:1");
  CHECK(view.at("theme") == "Care planning");
  CHECK(view.at("stage") == "Informal");
  CHECK(view.at("deadline") == AddWorkingDays(today, 2));

  view = cli_json({"challenge", "escalate", "C1000:1", "--date", t});
  CHECK(view.at("stage") == "Level 1");
  CHECK(view.at("stage_number") == 1);
  CHECK(view.at("deadline") == AddWorkingDays(today, 3));
  view = cli_json({"challenge", "escalate", "C1000:1", "--date", t});
  CHECK(view.at("stage") == "Level 2");
  CHECK(view.at("stage_number") == 2);
  CHECK(view.at("deadline") == AddWorkingDays(today, 10));
  const auto last = cli({"challenge", "escalate", "C1000:1", "--date", t});
  CheckOneLineError(last, 1, "FAILED_PRECONDITION: ");
  CHECK(Contains(last.err, "Level 2 is the last stage"));

  // Raised straight at a formal stage, by name in any case.
  view = cli_json({"challenge", "raise", "--child", "C1000", "--stage", "level 2", "--theme",
                   "Care planning", "--iro", "iro-7", "--date", t});
  CHECK(view.at("id") == "C1000:2");
  CHECK(view.at("stage") == "Level 2");
  CHECK(view.at("deadline") == AddWorkingDays(today, 10));
  const std::string human = ft::RunCli(address, {"challenge", "show", "C1000:2"}).out;
  CHECK(Contains(human, "  stage:    Level 2\n"));
  CHECK(Contains(human, "  deadline: " + AddWorkingDays(today, 10) + "\n"));

  // The default policy's stages and themes do not exist here.
  const auto stage = cli({"challenge", "raise", "--child", "C1000", "--stage", "Stage 1", "--theme",
                          "Care planning", "--iro", "iro-7"});
  CheckOneLineError(stage, 2, "INVALID_ARGUMENT: --stage: ");
  const auto theme = cli({"challenge", "raise", "--child", "C1000", "--stage", "informal",
                          "--theme", "Drift and Delay", "--iro", "iro-7"});
  CheckOneLineError(theme, 2, "INVALID_ARGUMENT: --theme: ");
  CHECK(Contains(theme.err, "Care planning"));
  CheckOneLineError(cli({"challenge", "escalate", "C1000:2", "--to", "Stage 3"}), 2,
                    "INVALID_ARGUMENT: --to: ");
  CHECK(process.Terminate() == 0);
}

TEST_CASE("with auto_escalate_on_silence false a missed deadline is only marked overdue", "[e2e]") {
  ft::TempDir dir;
  const std::string config = dir.Sub("footprintd.yaml");
  WriteFile(config, std::string("escalation:\n  auto_escalate_on_silence: false\n") +
                        ft::kWithoutReviewDeadlines);
  ft::ServerProcess process(dir.Sub("data"), {"--config", config});
  REQUIRE_NOTHROW(process.Start());
  const std::string address = process.address();
  const std::string care = dir.Sub("care.json");
  WriteFile(care, PeriodOfCareStarted("2025-06-02"));
  REQUIRE(ft::RunCli(address, {"record", "C1100", "--file", care}).exit_code == 0);

  // Raised on Thu 2 Apr 2026 (day 0): Tue 7=1 Wed 8=2 Thu 9=3 Fri 10=4 Mon 13=5 (Good Friday
  // and Easter Monday are not working days): due Mon 13 Apr, missed Tue 14 Apr.
  const auto raised =
      ft::RunCli(address, {"challenge", "raise", "--child", "C1100", "--stage", "informal",
                           "--theme", "Quality of Plan", "--iro", "iro-7", "--date", "2026-04-02"});
  REQUIRE(raised.exit_code == 0);
  REQUIRE(raised.out == "C1100:1\n");

  const auto show = [&] {
    const auto result = ft::RunCli(address, {"--json", "challenge", "show", "C1100:1"});
    REQUIRE(result.exit_code == 0);
    return JsonLines(result.out).at(0);
  };
  const auto deadline = SteadyClock::now() + std::chrono::seconds(20);
  json view = show();
  while (view.at("overdue") == false && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    view = show();
  }
  INFO("view: " << view.dump(2));
  CHECK(view.at("overdue") == true);
  CHECK(view.at("stage") == "Informal");
  CHECK(view.at("status") == "awaiting_response");
  CHECK(view.at("deadline") == "2026-04-13");
  REQUIRE(view.at("steps").size() == 2);
  CHECK(view.at("steps")[1].at("kind") == "response_overdue");
  CHECK(view.at("steps")[1].at("date") == "2026-04-14");
  CHECK(view.at("steps")[1].at("stage") == "Informal");
  // Nothing escalates later either: the engine has nothing more pending for it.
  const auto events = ft::RunCli(address, {"--json", "read", "child-C1100"});
  CHECK(JsonLines(events.out).size() == 3);
  CHECK(process.Terminate() == 0);
}

TEST_CASE("footprintd warns when the formal stages exceed 20 working days", "[e2e]") {
  ft::TempDir dir;
  const std::string config = dir.Sub("footprintd.yaml");
  WriteFile(config,
            "escalation:\n"
            "  stages:\n"
            "    - {name: Informal, role: Social worker, response_working_days: 5}\n"
            "    - {name: Level 1, role: Team Manager, response_working_days: 10}\n"
            "    - {name: Level 2, role: Head of Service, response_working_days: 11}\n"
            "  themes: [Care planning]\n");
  ft::ServerProcess process(dir.Sub("data"), {"--config", config});
  REQUIRE_NOTHROW(process.Start());
  const std::string log = process.StderrLog();
  INFO("log: " << log);
  // One warning line at start-up naming the total (10 + 11 = 21) and the 20-day expectation.
  CHECK(Contains(log, "warning"));
  CHECK(Contains(log, "21 working days"));
  // The brief asked for "20 working days"; the message says "within 20" (see the report).
  CHECK(Contains(log, "within 20"));
  CHECK(Contains(log, "IRO Handbook"));
  // It starts nevertheless.
  CHECK(ft::RunCli(process.address(), {"calendar", "add", "2026-04-02", "1"}).out ==
        "2026-04-07\n");
  CHECK(process.Terminate() == 0);
}

TEST_CASE("footprintd refuses to start with an unknown or unworkable escalation setting", "[e2e]") {
  ft::TempDir dir;
  const auto start = [&](const std::string& name, const std::string& yaml) {
    const std::string config = dir.Sub(name);
    WriteFile(config, yaml);
    return ft::RunCommand({ft::FootprintdPath(), "--config", config, "--data-dir",
                           dir.Sub("data-" + name), "--listen", "127.0.0.1:0"},
                          "", 30);
  };

  const auto unknown = start("unknown.yaml", "escalation:\n  auto_escalate: false\n");
  INFO("stderr: " << unknown.err);
  CHECK(unknown.exit_code != 0);
  CHECK(unknown.exit_code != -1);  // exited, not killed at the timeout
  CHECK(unknown.out.empty());      // never printed "listening on"
  CHECK(Contains(unknown.err, "unknown key 'escalation.auto_escalate'"));

  const auto stage_key = start("stage-key.yaml",
                               "escalation:\n"
                               "  stages:\n"
                               "    - {name: Informal, role: SW, days: 5}\n");
  INFO("stderr: " << stage_key.err);
  CHECK(stage_key.exit_code > 0);
  CHECK(Contains(stage_key.err, "unknown key 'escalation.stages[0].days'"));

  const auto one_stage = start("one-stage.yaml",
                               "escalation:\n"
                               "  stages:\n"
                               "    - {name: Informal, role: SW, response_working_days: 5}\n");
  INFO("stderr: " << one_stage.err);
  CHECK(one_stage.exit_code > 0);
  CHECK(Contains(one_stage.err, "at least one formal stage"));

  const auto no_themes = start("no-themes.yaml", "escalation:\n  themes: []\n");
  INFO("stderr: " << no_themes.err);
  CHECK(no_themes.exit_code > 0);
  CHECK(Contains(no_themes.err, "escalation.themes"));
}

TEST_CASE("footprintd counts working days with a bank-holidays.json from its config", "[e2e]") {
  ft::TempDir dir;
  // The government's format, 2026 only, with a made-up one-off holiday on Tue 7 Apr 2026.
  const std::string holidays = dir.Sub("bank-holidays.json");
  std::string events;
  for (const char* day : {"2026-01-01", "2026-04-03", "2026-04-06", "2026-04-07", "2026-05-04",
                          "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"}) {
    events += std::string(events.empty() ? "" : ",") + R"({"title":"Holiday","date":")" + day +
              R"(","notes":"","bunting":true})";
  }
  WriteFile(holidays, R"({"england-and-wales":{"division":"england-and-wales","events":[)" +
                          events + R"(]},"scotland":{"division":"scotland","events":[]}})");
  const std::string config = dir.Sub("footprintd.yaml");
  WriteFile(config,
            "calendar:\n  bank_holidays_file: " + holidays + "\n  division: england-and-wales\n");
  ft::ServerProcess process(dir.Sub("data"), {"--config", config});
  REQUIRE_NOTHROW(process.Start());
  CHECK(Contains(process.StderrLog(), holidays));

  // Thu 2 Apr: Fri 3, Mon 6 and (here) Tue 7 are holidays: Wed 8 is the first working day.
  const auto add = ft::RunCli(process.address(), {"calendar", "add", "2026-04-02", "1"});
  CHECK(add.out == "2026-04-08\n");
  const auto between =
      ft::RunCli(process.address(), {"calendar", "between", "2026-04-02", "2026-04-08"});
  CHECK(between.out == "1\n");
  // The calendar covers 2026 only.
  const auto outside = ft::RunCli(process.address(), {"calendar", "add", "2027-01-04", "1"});
  CheckOneLineError(outside, 1, "OUT_OF_RANGE: ");
  CHECK(Contains(outside.err, "2026-2026"));
  CheckOneLineError(ft::RunCli(process.address(), {"calendar", "add", "2026-12-31", "1"}), 1,
                    "OUT_OF_RANGE: ");
  CHECK(process.Terminate() == 0);
}

// =============================================================================================
// restart

TEST_CASE("a challenge survives a clean restart of footprintd", "[e2e]") {
  ft::TempDir dir;
  ft::ServerProcess process(dir.Sub("data"));
  REQUIRE_NOTHROW(process.Start());
  const std::string care = dir.Sub("care.json");
  WriteFile(care, PeriodOfCareStarted("2025-06-02"));
  REQUIRE(ft::RunCli(process.address(), {"record", "C1200", "--file", care}).exit_code == 0);
  const std::string t = Iso(TodayInEngland());
  const auto raised = ft::RunCli(process.address(),
                                 {"challenge", "raise", "--child", "C1200", "--stage", "informal",
                                  "--theme", "Management Oversight", "--iro", "iro-7", "--issue",
                                  "Placement with parents regulations", "--date", t});
  REQUIRE(raised.exit_code == 0);
  REQUIRE(raised.out == "C1200:1\n");
  REQUIRE(
      ft::RunCli(process.address(), {"challenge", "escalate", "C1200:1", "--date", t}).exit_code ==
      0);

  const auto before_json =
      ft::RunCli(process.address(), {"--json", "challenge", "show", "C1200:1"});
  const auto before_human = ft::RunCli(process.address(), {"challenge", "show", "C1200:1"});
  REQUIRE(before_json.exit_code == 0);
  REQUIRE(before_human.exit_code == 0);

  REQUIRE(process.Terminate() == 0);
  REQUIRE_NOTHROW(process.Start());

  const auto after_json = ft::RunCli(process.address(), {"--json", "challenge", "show", "C1200:1"});
  const auto after_human = ft::RunCli(process.address(), {"challenge", "show", "C1200:1"});
  INFO("stderr: " << after_json.err);
  CHECK(after_json.exit_code == 0);
  CHECK(after_json.out == before_json.out);
  CHECK(after_human.out == before_human.out);
  const json view = JsonLines(after_json.out).at(0);
  CHECK(view.at("stage") == "Stage 1");
  CHECK(StepKinds(view) == std::vector<std::string>{"raised", "escalated"});

  // The numbering continues after the restart.
  const auto next = ft::RunCli(process.address(),
                               {"challenge", "raise", "--child", "C1200", "--stage", "informal",
                                "--theme", "Quality of Plan", "--iro", "iro-7", "--date", t});
  CHECK(next.out == "C1200:2\n");
  CHECK(process.Terminate() == 0);
}
