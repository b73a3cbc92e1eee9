// End-to-end tests of the footprint CLI against the real footprintd, both as child processes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr char kZeroHash[] = "0000000000000000000000000000000000000000000000000000000000000000";

using ft::Cli;
using ft::JsonLines;
using ft::Lines;
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

std::vector<uint64_t> Positions(const std::vector<json>& events) {
  std::vector<uint64_t> out;
  for (const auto& e : events) out.push_back(std::stoull(e.at("position").get<std::string>()));
  return out;
}

std::vector<uint64_t> Versions(const std::vector<json>& events) {
  std::vector<uint64_t> out;
  for (const auto& e : events) out.push_back(std::stoull(e.at("version").get<std::string>()));
  return out;
}

// `footprint --json verify ARGS...`, which must succeed.
json VerifyJson(const RunningServer& server, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"--json", "verify"});
  const auto result = Cli(server, args);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const auto lines = JsonLines(result.out);
  REQUIRE(lines.size() == 1);
  return lines[0];
}

// `footprint --json append STREAM TYPE --data DATA ARGS...`, which must succeed.
json AppendJson(const RunningServer& server, const std::string& stream, const std::string& type,
                const std::string& data, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"--json", "append", stream, type, "--data", data};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto result = Cli(server, args);
  INFO("append " << stream << " " << type << " stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const auto lines = JsonLines(result.out);
  REQUIRE(lines.size() == 1);
  return lines[0];
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

bool IsUuid(const std::string& text) {
  static const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_match(text, kUuid);
}

bool IsGeneratedUuid(const std::string& text) {
  // The store generates time-ordered version-7 UUIDs.
  static const std::regex kV7(
      "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return std::regex_match(text, kV7);
}

int64_t RecordedAtNanos(const json& event) {
  google::protobuf::Timestamp ts;
  const std::string text = event.at("recorded_at").get<std::string>();
  INFO("recorded_at: " << text);
  REQUIRE(google::protobuf::util::TimeUtil::FromString(text, &ts));
  return google::protobuf::util::TimeUtil::TimestampToNanoseconds(ts);
}

// Checks the envelope every --json event line must have, and that it links into the chain.
void CheckEnvelope(const json& event) {
  INFO("event: " << event.dump());
  for (const char* key : {"id", "stream", "version", "position", "type", "recorded_at", "metadata",
                          "data", "content_type", "prev_hash", "hash"}) {
    CHECK(event.contains(key));
  }
  CHECK(IsUuid(event.value("id", "")));
  CHECK(event.at("metadata").contains("source_system"));
  CHECK(event.at("metadata").contains("actor"));
  CHECK(event.at("metadata").contains("correlation_id"));
  CHECK(event.value("hash", "").size() == 64);
  CHECK(event.value("prev_hash", "").size() == 64);
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t recorded = RecordedAtNanos(event);
  CHECK(recorded <= now + int64_t{5'000'000'000});
  CHECK(recorded >= now - int64_t{600'000'000'000});
}

// The log read with --json is gapless from 0, chained, and its timestamps never decrease.
void CheckLog(const std::vector<json>& events) {
  std::string previous_hash = kZeroHash;
  int64_t previous_time = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    INFO("position " << i);
    CheckEnvelope(events[i]);
    CHECK(std::stoull(events[i].at("position").get<std::string>()) == i);
    CHECK(events[i].at("prev_hash").get<std::string>() == previous_hash);
    previous_hash = events[i].at("hash").get<std::string>();
    const int64_t recorded = RecordedAtNanos(events[i]);
    CHECK(recorded >= previous_time);
    previous_time = recorded;
  }
}

// A child process whose stdout is read line by line (for `read-all --follow`).
class FollowProcess {
 public:
  explicit FollowProcess(const std::vector<std::string>& argv, const std::string& stderr_path) {
    int out[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const int in = open("/dev/null", O_RDONLY);
      const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in >= 0) dup2(in, 0);
      dup2(out[1], 1);
      if (err >= 0) dup2(err, 2);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    pid_ = pid;
    fd_ = out[0];
  }
  ~FollowProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  FollowProcess(const FollowProcess&) = delete;
  FollowProcess& operator=(const FollowProcess&) = delete;

  // The next line on stdout; nullopt at end of output or when `deadline` passes first.
  std::optional<std::string> ReadLine(SteadyClock::time_point deadline) {
    while (true) {
      const size_t newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      if (eof_) return std::nullopt;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now())
              .count();
      if (left <= 0) return std::nullopt;
      pollfd fd = {fd_, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left)) <= 0) continue;
      char chunk[4096];
      const ssize_t n = read(fd_, chunk, sizeof(chunk));
      if (n <= 0) {
        eof_ = true;
      } else {
        buffer_.append(chunk, static_cast<size_t>(n));
      }
    }
  }

  // Waits for the process to exit; its exit status, -1 if killed by a signal, -2 on timeout.
  int Wait(SteadyClock::time_point deadline) {
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now())
              .count();
      pollfd fd = {pidfd, POLLIN, 0};
      poll(&fd, 1, static_cast<int>(std::max<int64_t>(left, 0)));
      close(pidfd);
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return -2;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("footprintd prints its real listening address and exits 0 on SIGTERM", "[e2e]") {
  ft::TempDir dir;
  ft::ServerProcess server(dir.Sub("data"));
  REQUIRE_NOTHROW(server.Start());

  CHECK(server.address().rfind("127.0.0.1:", 0) == 0);
  CHECK(server.port() > 0);
  CHECK(server.port() < 65536);
  CHECK(server.address() == "127.0.0.1:" + std::to_string(server.port()));

  // The printed port is the one that serves calls.
  const auto verify = ft::RunCli(server.address(), {"verify"});
  CHECK(verify.exit_code == 0);
  CHECK(verify.out == "verified 0 events (nothing in range)\n");
  CHECK(verify.err.empty());

  CHECK(server.Terminate() == 0);
  CHECK(server.StderrLog().find("stopped") != std::string::npos);

  // Nothing listens there any more: exit 5, the address named.
  const auto after = ft::RunCli(server.address(), {"--timeout", "5", "verify"});
  CheckOneLineError(after, 5,
                    "UNAVAILABLE: the server at " + server.address() + " is not reachable");
}

TEST_CASE("append takes data from --data, --data-file and stdin and reports stored positions",
          "[e2e]") {
  RunningServer server;
  const std::string file = server.dir.Sub("event.json");
  WriteFile(file, R"({"from":"file","n":2})");

  const json first =
      AppendJson(server, "person-1", "ChildRegistered", R"({"from":"flag","n":1})",
                 {"--source", "mosaic", "--actor", "alice", "--correlation-id", "import-7"});
  CHECK(first.at("stream") == "person-1");
  CHECK(first.at("first_version") == "0");
  CHECK(first.at("last_version") == "0");
  CHECK(first.at("first_position") == "0");
  CHECK(first.at("last_position") == "0");
  CHECK(first.at("duplicate") == false);
  REQUIRE(first.at("event_ids").size() == 1);
  CHECK(IsGeneratedUuid(first.at("event_ids")[0].get<std::string>()));

  // Another stream in between, so that versions and positions differ.
  const json other = AppendJson(server, "case-9", "CaseOpened", R"({"case":9})");
  CHECK(other.at("first_version") == "0");
  CHECK(other.at("first_position") == "1");

  const auto from_file = Cli(
      server, {"--json", "append", "person-1", "NoteAdded", "--data-file", file, "--actor", "bob"});
  INFO("stderr: " << from_file.err);
  REQUIRE(from_file.exit_code == 0);
  const json second = JsonLines(from_file.out).at(0);
  CHECK(second.at("first_version") == "1");
  CHECK(second.at("first_position") == "2");

  const auto from_stdin =
      Cli(server, {"--json", "append", "person-1", "NoteAdded", "--actor", "carol"},
          R"({"from":"stdin","n":3})");
  INFO("stderr: " << from_stdin.err);
  REQUIRE(from_stdin.exit_code == 0);
  const json third = JsonLines(from_stdin.out).at(0);
  CHECK(third.at("first_version") == "2");
  CHECK(third.at("first_position") == "3");

  const auto from_dash = Cli(server, {"append", "person-1", "NoteAdded", "--data-file", "-"},
                             R"({"from":"dash","n":4})");
  INFO("stderr: " << from_dash.err);
  REQUIRE(from_dash.exit_code == 0);
  const std::regex human("appended person-1@3 at position 4 \\(id ([0-9a-f-]{36})\\)\n");
  std::smatch match;
  REQUIRE(std::regex_match(from_dash.out, match, human));
  const std::string fourth_id = match[1];

  const auto read = Cli(server, {"--json", "read", "person-1"});
  INFO("stderr: " << read.err);
  REQUIRE(read.exit_code == 0);
  const auto events = JsonLines(read.out);
  REQUIRE(events.size() == 4);
  for (const auto& e : events) CheckEnvelope(e);
  CHECK(Versions(events) == std::vector<uint64_t>{0, 1, 2, 3});
  CHECK(Positions(events) == std::vector<uint64_t>{0, 2, 3, 4});
  CHECK(events[0].at("id") == first.at("event_ids")[0]);
  CHECK(events[1].at("id") == second.at("event_ids")[0]);
  CHECK(events[2].at("id") == third.at("event_ids")[0]);
  CHECK(events[3].at("id") == fourth_id);
  CHECK(events[0].at("type") == "ChildRegistered");
  CHECK(events[1].at("type") == "NoteAdded");
  CHECK(events[0].at("stream") == "person-1");
  CHECK(events[0].at("data") == json{{"from", "flag"}, {"n", 1}});
  CHECK(events[1].at("data") == json{{"from", "file"}, {"n", 2}});
  CHECK(events[2].at("data") == json{{"from", "stdin"}, {"n", 3}});
  CHECK(events[3].at("data") == json{{"from", "dash"}, {"n", 4}});
  CHECK(events[0].at("content_type") == "json");
  CHECK(events[0].at("metadata") == json{{"source_system", "mosaic"},
                                         {"correlation_id", "import-7"},
                                         {"actor", "alice"},
                                         {"principal", "local"}});
  CHECK(events[1].at("metadata").at("source_system") == "footprint-cli");
  CHECK(events[1].at("metadata").at("actor") == "bob");
  CHECK(events[2].at("metadata").at("actor") == "carol");

  const auto all = ReadAllJson(server);
  REQUIRE(all.size() == 5);
  CheckLog(all);
  CHECK(all[1].at("stream") == "case-9");
  CHECK(all[1].at("data") == json{{"case", 9}});
  // read and read-all print the same stored event.
  CHECK(all[2] == events[1]);
}

TEST_CASE("read pages one stream forwards, backwards, from a version and with a limit", "[e2e]") {
  RunningServer server;
  for (int i = 0; i < 5; ++i) {
    AppendJson(server, "person-7", "NoteAdded", "{\"n\":" + std::to_string(i) + "}");
    AppendJson(server, "case-7", "CaseNote", "{\"n\":" + std::to_string(i) + "}");
  }
  const auto read = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--json", "read", "person-7"});
    const auto result = Cli(server, args);
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    return JsonLines(result.out);
  };
  using V = std::vector<uint64_t>;

  const auto forwards = read({});
  CHECK(Versions(forwards) == V{0, 1, 2, 3, 4});
  CHECK(Positions(forwards) == V{0, 2, 4, 6, 8});
  for (size_t i = 0; i < forwards.size(); ++i) {
    CHECK(forwards[i].at("data") == json{{"n", i}});
  }
  CHECK(Versions(read({"--backwards"})) == V{4, 3, 2, 1, 0});
  CHECK(Positions(read({"--backwards"})) == V{8, 6, 4, 2, 0});
  CHECK(Versions(read({"--from", "2"})) == V{2, 3, 4});
  CHECK(Versions(read({"--from", "2", "--backwards"})) == V{2, 1, 0});
  CHECK(Versions(read({"--limit", "2"})) == V{0, 1});
  CHECK(Versions(read({"--backwards", "--limit", "2"})) == V{4, 3});
  CHECK(Versions(read({"--from", "1", "--limit", "3"})) == V{1, 2, 3});
  CHECK(Versions(read({"--from", "3", "--backwards", "--limit", "2"})) == V{3, 2});
  CHECK(Versions(read({"--from", "5"})).empty());

  // Plain output: one line per event, "#POSITION STREAM@VERSION TYPE RECORDED_AT DATA".
  const auto plain = Cli(server, {"read", "person-7", "--from", "4"});
  REQUIRE(plain.exit_code == 0);
  const std::regex line(
      "#8 person-7@4 NoteAdded \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z "
      "\\{\"n\":4\\}\n");
  CHECK(std::regex_match(plain.out, line));

  const auto missing = Cli(server, {"read", "person-8"});
  CheckOneLineError(missing, 1, "NOT_FOUND: stream 'person-8' has no events");
}

TEST_CASE("read-all filters by position, stream prefix, event type and limit", "[e2e]") {
  RunningServer server;
  // position: stream type
  // 0 person-1 ChildRegistered, 1 case-1 CaseOpened, 2 person-2 ChildRegistered,
  // 3 person-1 NoteAdded, 4 case-1 NoteAdded, 5 person-2 NoteAdded, 6 persons-x CaseOpened
  const std::vector<std::pair<std::string, std::string>> appends = {
      {"person-1", "ChildRegistered"}, {"case-1", "CaseOpened"}, {"person-2", "ChildRegistered"},
      {"person-1", "NoteAdded"},       {"case-1", "NoteAdded"},  {"person-2", "NoteAdded"},
      {"persons-x", "CaseOpened"}};
  for (size_t i = 0; i < appends.size(); ++i) {
    const json ack = AppendJson(server, appends[i].first, appends[i].second,
                                "{\"i\":" + std::to_string(i) + "}");
    REQUIRE(ack.at("first_position") == std::to_string(i));
  }
  using V = std::vector<uint64_t>;

  const auto all = ReadAllJson(server);
  REQUIRE(all.size() == 7);
  CheckLog(all);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].at("stream") == appends[i].first);
    CHECK(all[i].at("type") == appends[i].second);
    CHECK(all[i].at("data") == json{{"i", i}});
  }
  CHECK(Positions(ReadAllJson(server, {"--from", "3"})) == V{3, 4, 5, 6});
  CHECK(Positions(ReadAllJson(server, {"--from", "7"})).empty());
  CHECK(Positions(ReadAllJson(server, {"--stream-prefix", "person-"})) == V{0, 2, 3, 5});
  CHECK(Positions(ReadAllJson(server, {"--stream-prefix", "person"})) == V{0, 2, 3, 5, 6});
  CHECK(Positions(ReadAllJson(server, {"--type", "NoteAdded"})) == V{3, 4, 5});
  CHECK(Positions(ReadAllJson(server, {"--type", "NoteAdded", "--type", "CaseOpened"})) ==
        V{1, 3, 4, 5, 6});
  CHECK(Positions(ReadAllJson(server, {"--limit", "2"})) == V{0, 1});
  CHECK(Positions(ReadAllJson(server, {"--from", "2", "--limit", "3"})) == V{2, 3, 4});
  CHECK(Positions(ReadAllJson(server, {"--stream-prefix", "person-", "--type", "NoteAdded",
                                       "--limit", "1"})) == V{3});
  CHECK(Positions(ReadAllJson(server, {"--stream-prefix", "case-", "--from", "2"})) == V{4});

  // Plain output, one line per event.
  const auto plain = Cli(server, {"read-all", "--from", "6"});
  REQUIRE(plain.exit_code == 0);
  CHECK(std::regex_match(plain.out, std::regex("#6 persons-x@0 CaseOpened \\S+ \\{\"i\":6\\}\n")));

  CheckOneLineError(Cli(server, {"read-all", "--from", "8"}), 1,
                    "OUT_OF_RANGE: from_position: 8 is beyond the end of the log (7)");
}

TEST_CASE("read-all --follow prints stored then new events in order and stops at --limit",
          "[e2e]") {
  RunningServer server;
  const json a = AppendJson(server, "person-1", "ChildRegistered", R"({"n":0})");
  const json b = AppendJson(server, "case-1", "CaseOpened", R"({"n":1})");
  REQUIRE(b.at("first_position") == "1");

  const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
  FollowProcess all({ft::FootprintCliPath(), "--server", server.address(), "--json", "read-all",
                     "--follow", "--limit", "5"},
                    server.dir.Sub("follow-all.err"));
  FollowProcess children({ft::FootprintCliPath(), "--server", server.address(), "--json",
                          "read-all", "--follow", "--stream-prefix", "person-", "--limit", "3"},
                         server.dir.Sub("follow-children.err"));

  // Both have caught up with the stored events before anything new is appended.
  std::vector<json> all_events, child_events;
  for (int i = 0; i < 2; ++i) {
    auto line = all.ReadLine(deadline);
    REQUIRE(line.has_value());
    all_events.push_back(JsonLines(*line).at(0));
  }
  {
    auto line = children.ReadLine(deadline);
    REQUIRE(line.has_value());
    child_events.push_back(JsonLines(*line).at(0));
  }

  const json c = AppendJson(server, "case-1", "NoteAdded", R"({"n":2})");
  const json d = AppendJson(server, "person-1", "NoteAdded", R"({"n":3})");
  const json e = AppendJson(server, "person-2", "ChildRegistered", R"({"n":4})");
  REQUIRE(e.at("first_position") == "4");

  while (auto line = all.ReadLine(deadline)) all_events.push_back(JsonLines(*line).at(0));
  while (auto line = children.ReadLine(deadline)) child_events.push_back(JsonLines(*line).at(0));
  CHECK(all.Wait(deadline) == 0);
  CHECK(children.Wait(deadline) == 0);
  CHECK(ReadFile(server.dir.Sub("follow-all.err")).empty());
  CHECK(ReadFile(server.dir.Sub("follow-children.err")).empty());

  REQUIRE(all_events.size() == 5);
  CHECK(Positions(all_events) == std::vector<uint64_t>{0, 1, 2, 3, 4});
  const std::vector<json> acks = {a, b, c, d, e};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(all_events[i].at("id") == acks[i].at("event_ids")[0]);
    CHECK(all_events[i].at("data") == json{{"n", i}});
  }
  CheckLog(all_events);
  REQUIRE(child_events.size() == 3);
  CHECK(Positions(child_events) == std::vector<uint64_t>{0, 3, 4});
  CHECK(child_events[2].at("stream") == "person-2");
}

TEST_CASE("verify checks the whole chain and a range of it", "[e2e]") {
  RunningServer server;
  const json empty = VerifyJson(server);
  CHECK(empty.at("ok") == true);
  CHECK(empty.at("events_checked") == "0");

  for (int i = 0; i < 5; ++i) {
    AppendJson(server, "person-" + std::to_string(i % 2), "NoteAdded",
               "{\"n\":" + std::to_string(i) + "}");
  }
  const auto events = ReadAllJson(server);
  REQUIRE(events.size() == 5);
  CheckLog(events);

  const json whole = VerifyJson(server);
  CHECK(whole.at("ok") == true);
  CHECK(whole.at("events_checked") == "5");
  CHECK(whole.at("first_position") == "0");
  CHECK(whole.at("last_position") == "4");
  CHECK(whole.at("head_hash") == events[4].at("hash"));
  CHECK_FALSE(whole.contains("first_bad_position"));

  const json range = VerifyJson(server, {"--from", "1", "--to", "3"});
  CHECK(range.at("ok") == true);
  CHECK(range.at("events_checked") == "3");
  CHECK(range.at("first_position") == "1");
  CHECK(range.at("last_position") == "3");
  CHECK(range.at("head_hash") == events[3].at("hash"));

  const json tail = VerifyJson(server, {"--from", "4"});
  CHECK(tail.at("events_checked") == "1");
  CHECK(tail.at("head_hash") == events[4].at("hash"));

  const auto plain = Cli(server, {"verify", "--from", "2"});
  CHECK(plain.exit_code == 0);
  CHECK(plain.out == "verified 3 events (positions 2..4), head hash " +
                         events[4].at("hash").get<std::string>() + "\n");

  CheckOneLineError(Cli(server, {"verify", "--to", "5"}), 1,
                    "OUT_OF_RANGE: to_position: 5 is beyond the last position 4");
}

TEST_CASE("append honours --expected-version any, no-stream, exists and N", "[e2e]") {
  RunningServer server;
  const auto append = [&](const std::string& expected) {
    return Cli(server, {"--json", "append", "person-5", "NoteAdded", "--data", "{}",
                        "--expected-version", expected});
  };
  const auto version_of = [](const ft::CommandResult& result) -> int64_t {
    if (result.exit_code != 0) return -1;
    return std::stoull(JsonLines(result.out).at(0).at("first_version").get<std::string>());
  };

  CheckOneLineError(append("exists"), 1,
                    "ABORTED: expected version: stream 'person-5' must exist, but it does not "
                    "exist\n");
  CheckOneLineError(append("0"), 1,
                    "ABORTED: expected version: stream 'person-5' expected at version 0, but it "
                    "does not exist\n");
  CHECK(ReadAllJson(server).empty());

  CHECK(version_of(append("no-stream")) == 0);
  CheckOneLineError(append("no-stream"), 1,
                    "ABORTED: expected version: stream 'person-5' must not exist, but it is at "
                    "version 0\n");
  CHECK(version_of(append("exists")) == 1);
  CHECK(version_of(append("1")) == 2);
  CheckOneLineError(append("1"), 1,
                    "ABORTED: expected version: stream 'person-5' expected at version 1, but it is "
                    "at version 2\n");
  CHECK(version_of(append("any")) == 3);
  CheckOneLineError(append("5"), 1,
                    "ABORTED: expected version: stream 'person-5' expected at version 5, but it is "
                    "at version 3\n");
  CHECK(version_of(append("3")) == 4);

  const auto events = ReadAllJson(server);
  CHECK(Versions(events) == std::vector<uint64_t>{0, 1, 2, 3, 4});
  CHECK(VerifyJson(server).at("events_checked") == "5");
}

TEST_CASE("append retried with the same --id returns the original position and writes nothing",
          "[e2e]") {
  RunningServer server;
  const std::string id = "6f1c2a9e-3b4d-4c5e-8f60-718293a4b5c6";
  const std::vector<std::string> original = {
      "append", "person-3", "NoteAdded", "--data", R"({"note":"first"})",
      "--id",   id,         "--actor",   "alice"};
  const auto first = Cli(server, original);
  INFO("stderr: " << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out == "appended person-3@0 at position 0 (id " + id + ")\n");
  AppendJson(server, "person-3", "NoteAdded", R"({"note":"second"})");
  AppendJson(server, "person-4", "NoteAdded", R"({"note":"third"})");
  const auto before = ReadAllJson(server);
  REQUIRE(before.size() == 3);

  // Same content: the original position, whatever the expected version says now.
  const auto retry = Cli(server, original);
  CHECK(retry.exit_code == 0);
  CHECK(retry.out == "already stored person-3@0 at position 0 (id " + id + ")\n");
  CHECK(retry.err.empty());

  std::vector<std::string> retry_json = original;
  retry_json.insert(retry_json.begin(), "--json");
  retry_json.insert(retry_json.end(), {"--expected-version", "no-stream"});
  const auto again = Cli(server, retry_json);
  REQUIRE(again.exit_code == 0);
  const json ack = JsonLines(again.out).at(0);
  CHECK(ack.at("duplicate") == true);
  CHECK(ack.at("first_position") == "0");
  CHECK(ack.at("last_position") == "0");
  CHECK(ack.at("first_version") == "0");
  CHECK(ack.at("event_ids") == json::array({id}));

  // The id is stored in canonical lower case, so an upper-case retry is the same event.
  std::string upper = id;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  std::vector<std::string> upper_retry = original;
  upper_retry[6] = upper;
  const auto upper_result = Cli(server, upper_retry);
  CHECK(upper_result.out == "already stored person-3@0 at position 0 (id " + id + ")\n");

  CHECK(ReadAllJson(server) == before);

  // Different content under the same id.
  std::vector<std::string> changed = original;
  changed[4] = R"({"note":"changed"})";
  CheckOneLineError(Cli(server, changed), 1,
                    "ALREADY_EXISTS: events[0].id: event " + id +
                        " is already stored at position 0 with different content\n");
  std::vector<std::string> other_stream = original;
  other_stream[1] = "person-4";
  CheckOneLineError(Cli(server, other_stream), 1, "ALREADY_EXISTS: events[0].id: event " + id);
  CHECK(ReadAllJson(server) == before);
  CHECK(VerifyJson(server).at("events_checked") == "3");
}

TEST_CASE("append rejects bad stream ids with one error line and writes nothing", "[e2e]") {
  RunningServer server;
  AppendJson(server, "person-1", "ChildRegistered", "{}");
  const auto before = ReadAllJson(server);
  REQUIRE(before.size() == 1);
  const auto unchanged = [&] {
    CHECK(ReadAllJson(server) == before);
    CHECK(VerifyJson(server).at("events_checked") == "1");
  };

  CheckOneLineError(Cli(server, {"append", "", "NoteAdded", "--data", "{}"}), 2,
                    "INVALID_ARGUMENT: STREAM: stream id is required\n");
  unchanged();
  CheckOneLineError(Cli(server, {"append", "child 1", "NoteAdded", "--data", "{}"}), 2,
                    "INVALID_ARGUMENT: STREAM: stream id 'child 1' has a character not in "
                    "[A-Za-z0-9._:@/-] at byte 5\n");
  unchanged();
  // A leading '-' reaches the server only after "--"; without it the CLI rejects the option.
  CheckOneLineError(Cli(server, {"append", "--data", "{}", "--", "-child", "NoteAdded"}), 2,
                    "INVALID_ARGUMENT: STREAM: stream id '-child' must start with a letter or a "
                    "digit\n");
  unchanged();
  CheckOneLineError(Cli(server, {"append", "-child", "NoteAdded", "--data", "{}"}), 2,
                    "INVALID_ARGUMENT: ");
  unchanged();
  CheckOneLineError(Cli(server, {"append", "child/1#", "NoteAdded", "--data", "{}"}), 2,
                    "INVALID_ARGUMENT: STREAM: stream id 'child/1#' has a character not in "
                    "[A-Za-z0-9._:@/-] at byte 7\n");
  unchanged();
  const std::string too_long(129, 'a');
  CheckOneLineError(Cli(server, {"append", too_long, "NoteAdded", "--data", "{}"}), 2,
                    "INVALID_ARGUMENT: STREAM: stream id is 129 bytes; the maximum is 128\n");
  unchanged();
  // Reads name the same rule.
  CheckOneLineError(Cli(server, {"read", "child 1"}), 2,
                    "INVALID_ARGUMENT: STREAM: stream id 'child 1' has a character not in");
  CheckOneLineError(Cli(server, {"read-all", "--stream-prefix", "-x"}), 2,
                    "INVALID_ARGUMENT: --stream-prefix: stream id '-x' must start with a "
                    "letter or a digit\n");

  // 128 bytes is allowed.
  const std::string longest = std::string(127, 'b') + "1";
  const json ack = AppendJson(server, longest, "NoteAdded", "{}");
  CHECK(ack.at("first_position") == "1");
  CHECK(ReadAllJson(server).at(1).at("stream") == longest);
}

TEST_CASE("append rejects bad payloads, types, ids and options and writes nothing", "[e2e]") {
  RunningServer server;
  AppendJson(server, "person-1", "ChildRegistered", "{}");
  const auto before = ReadAllJson(server);
  REQUIRE(before.size() == 1);
  const auto unchanged = [&] {
    CHECK(ReadAllJson(server) == before);
    CHECK(VerifyJson(server).at("events_checked") == "1");
  };

  CheckOneLineError(Cli(server, {"append", "person-1", "NoteAdded", "--data", R"({"a":)"}), 2,
                    "INVALID_ARGUMENT: --data: invalid JSON: ");
  unchanged();
  CheckOneLineError(Cli(server, {"append", "person-1", "NoteAdded", "--data", "{'a':1}"}), 2,
                    "INVALID_ARGUMENT: --data: invalid JSON: ");
  unchanged();
  // Nothing on stdin is not JSON either.
  CheckOneLineError(Cli(server, {"append", "person-1", "NoteAdded"}, ""), 1,
                    "INVALID_ARGUMENT: events[0].data: invalid JSON: ");
  unchanged();
  CheckOneLineError(Cli(server, {"append", "person-1", "1Note", "--data", "{}"}), 2,
                    "INVALID_ARGUMENT: TYPE: event type '1Note' must start with a "
                    "letter\n");
  unchanged();
  CheckOneLineError(Cli(server, {"append", "person-1", "NoteAdded", "--data", "{}", "--actor",
                                 std::string(257, 'a')}),
                    2,
                    "INVALID_ARGUMENT: --actor: 257 bytes; the maximum is "
                    "256\n");
  unchanged();
  CheckOneLineError(
      Cli(server, {"append", "person-1", "NoteAdded", "--data", "{}", "--id", "not-a-uuid"}), 2,
      "INVALID_ARGUMENT: --id: event id 'not-a-uuid' is not a UUID in the "
      "form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)\n");
  unchanged();
  CheckOneLineError(Cli(server, {"append", "person-1", "NoteAdded", "--data", "{}", "--id",
                                 "6f1c2a9e-3b4d-4c5e-8f60-718293a4b5cg"}),
                    2, "INVALID_ARGUMENT: --id: event id '6f1c2a9e-");
  unchanged();
  CheckOneLineError(Cli(server, {"append", "person-1", "NoteAdded", "--data", "{}",
                                 "--expected-version", "latest"}),
                    2,
                    "INVALID_ARGUMENT: --expected-version: 'latest' is not an expected version; "
                    "use any, no-stream, exists or a version number\n");
  unchanged();
  CheckOneLineError(
      Cli(server, {"append", "person-1", "NoteAdded", "--data", "{}", "--expected-version", "1x"}),
      2, "INVALID_ARGUMENT: --expected-version: '1x' is not an expected version");
  unchanged();
  CheckOneLineError(
      Cli(server,
          {"append", "person-1", "NoteAdded", "--data-file", server.dir.Sub("missing.json")}),
      2, "INVALID_ARGUMENT: --data-file: cannot read '" + server.dir.Sub("missing.json") + "'\n");
  unchanged();
  CheckOneLineError(Cli(server, {"append", "person-1", "NoteAdded", "--data", "{}", "--data-file",
                                 server.dir.Sub("x.json")}),
                    2, "INVALID_ARGUMENT: ");
  unchanged();
  // A failed append did not register its type either.
  CheckOneLineError(Cli(server, {"read-all", "--type", "1Note"}), 2,
                    "INVALID_ARGUMENT: --type: event type '1Note' must start with "
                    "a letter\n");
}

TEST_CASE("append rejects an event over the size limit and writes nothing", "[e2e]") {
  SECTION("the default limit of 1 MiB") {
    RunningServer server;
    AppendJson(server, "person-1", "ChildRegistered", "{}");
    const auto before = ReadAllJson(server);
    const std::string file = server.dir.Sub("big.json");
    const std::string data = "\"" + std::string(1 << 20, 'x') + "\"";  // 1048578 bytes
    WriteFile(file, data);
    // data + type (3) + source "footprint-cli" (13) + actor "t" (1)
    CheckOneLineError(
        Cli(server, {"append", "person-1", "Big", "--data-file", file, "--actor", "t"}), 1,
        "INVALID_ARGUMENT: events[0]: the event is 1048595 bytes; the maximum is "
        "1048576\n");
    CHECK(ReadAllJson(server) == before);
    CHECK(VerifyJson(server).at("events_checked") == "1");
    CheckOneLineError(Cli(server, {"read-all", "--type", "Big"}), 2,
                      "INVALID_ARGUMENT: --type: no event of type 'Big' has been "
                      "recorded; recorded types: ChildRegistered\n");
  }
  SECTION("a smaller limit from the config file, exact at the boundary") {
    ft::TempDir config_dir;
    const std::string config = config_dir.Sub("footprintd.yaml");
    WriteFile(config, "limits:\n  max_event_bytes: 100\n");
    RunningServer server({"--config", config});
    // type "Note" (4) + source (13) + actor "t" (1) = 18; data of 82 bytes makes exactly 100.
    const std::string fits = "\"" + std::string(80, 'x') + "\"";
    const std::string over = "\"" + std::string(81, 'x') + "\"";
    CheckOneLineError(Cli(server, {"append", "person-1", "Note", "--data", over, "--actor", "t"}),
                      1,
                      "INVALID_ARGUMENT: events[0]: the event is 101 bytes; the maximum is 100\n");
    CHECK(ReadAllJson(server).empty());
    const json ack = AppendJson(server, "person-1", "Note", fits, {"--actor", "t"});
    CHECK(ack.at("first_position") == "0");
    const auto events = ReadAllJson(server);
    REQUIRE(events.size() == 1);
    CHECK(events[0].at("data") == std::string(80, 'x'));
  }
}

TEST_CASE("read-all rejects a type filter naming a type never recorded", "[e2e]") {
  RunningServer server;
  AppendJson(server, "person-1", "ChildRegistered", "{}");
  AppendJson(server, "person-1", "NoteAdded", "{}");
  const auto before = ReadAllJson(server);
  REQUIRE(before.size() == 2);

  CheckOneLineError(Cli(server, {"read-all", "--type", "ChildAdopted"}), 2,
                    "INVALID_ARGUMENT: --type: no event of type 'ChildAdopted' has "
                    "been recorded; recorded types: ChildRegistered, NoteAdded\n");
  CheckOneLineError(Cli(server, {"read-all", "--type", "NoteAdded", "--type", "Nope"}), 2,
                    "INVALID_ARGUMENT: --type: no event of type 'Nope' has been "
                    "recorded");
  // --follow validates the filter up front too, instead of waiting forever.
  CheckOneLineError(Cli(server, {"read-all", "--follow", "--type", "ChildAdopted"}), 2,
                    "INVALID_ARGUMENT: --type: no event of type 'ChildAdopted'");
  CHECK(ReadAllJson(server) == before);
  CHECK(VerifyJson(server).at("events_checked") == "2");
}

TEST_CASE("events survive a clean restart on the same data directory", "[e2e]") {
  ft::TempDir dir;
  std::vector<std::string> before_lines;
  std::string head_hash;
  {
    ft::ServerProcess server(dir.Sub("data"));
    REQUIRE_NOTHROW(server.Start());
    for (int i = 0; i < 3; ++i) {
      const auto r = ft::RunCli(server.address(), {"append", "person-1", "NoteAdded", "--data",
                                                   "{\"n\":" + std::to_string(i) + "}"});
      REQUIRE(r.exit_code == 0);
    }
    REQUIRE(ft::RunCli(server.address(), {"append", "case-1", "CaseOpened", "--data", "{}"})
                .exit_code == 0);
    const auto all = ft::RunCli(server.address(), {"--json", "read-all"});
    REQUIRE(all.exit_code == 0);
    before_lines = Lines(all.out);
    REQUIRE(before_lines.size() == 4);
    head_hash = JsonLines(before_lines.back()).at(0).at("hash");
    CHECK(server.Terminate() == 0);
  }

  ft::ServerProcess server(dir.Sub("data"));
  REQUIRE_NOTHROW(server.Start());
  const auto all = ft::RunCli(server.address(), {"--json", "read-all"});
  REQUIRE(all.exit_code == 0);
  CHECK(Lines(all.out) == before_lines);

  const auto verify = ft::RunCli(server.address(), {"--json", "verify"});
  REQUIRE(verify.exit_code == 0);
  const json v = JsonLines(verify.out).at(0);
  CHECK(v.at("ok") == true);
  CHECK(v.at("events_checked") == "4");
  CHECK(v.at("head_hash") == head_hash);

  // The stream heads and the chain carry on where they were.
  const auto next = ft::RunCli(server.address(), {"--json", "append", "person-1", "NoteAdded",
                                                  "--data", "{}", "--expected-version", "2"});
  INFO("stderr: " << next.err);
  REQUIRE(next.exit_code == 0);
  const json ack = JsonLines(next.out).at(0);
  CHECK(ack.at("first_version") == "3");
  CHECK(ack.at("first_position") == "4");
  const auto after = ft::RunCli(server.address(), {"--json", "read-all", "--from", "4"});
  REQUIRE(after.exit_code == 0);
  CHECK(JsonLines(after.out).at(0).at("prev_hash") == head_hash);
  // Types recorded before the restart are still known to filters.
  const auto filtered =
      ft::RunCli(server.address(), {"--json", "read-all", "--type", "CaseOpened"});
  REQUIRE(filtered.exit_code == 0);
  CHECK(Positions(JsonLines(filtered.out)) == std::vector<uint64_t>{3});
  CHECK(server.Terminate() == 0);
}

TEST_CASE("footprintd refuses plaintext on an address other than loopback unless told to",
          "[e2e]") {
  footprint::testing::TempDir dir;
  // No TLS yet: 0.0.0.0 would expose every child's record to the network.
  const auto refused =
      footprint::testing::RunCommand({footprint::testing::FootprintdPath(), "--data-dir",
                                      dir.Sub("data"), "--listen", "0.0.0.0:0"},
                                     "", 60);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("FAILED_PRECONDITION: listen: 0.0.0.0:0 is not a loopback address") !=
        std::string::npos);
  CHECK(refused.err.find("insecure_plaintext: true") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.Sub("data")));  // refused before anything was opened

  // Told to: it starts, and says at start-up that it serves plaintext.
  const std::string config = dir.Sub("footprintd.yaml");
  std::ofstream(config) << "insecure_plaintext: true\n";
  footprint::testing::ServerProcess server(dir.Sub("data"), {"--config", config});
  REQUIRE_NOTHROW(server.Start("0.0.0.0:0"));
  CHECK(server.Terminate() == 0);
  CHECK(server.StderrLog().find("without TLS (insecure_plaintext: true)") != std::string::npos);
}
