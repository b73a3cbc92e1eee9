// Helpers for end-to-end tests that drive the real footprint CLI against a real footprintd.
#ifndef FOOTPRINT_TESTS_SUPPORT_CLI_SESSION_H_
#define FOOTPRINT_TESTS_SUPPORT_CLI_SESSION_H_

#include <fstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "nlohmann/json.hpp"
#include "process.h"
#include "temp_dir.h"

namespace footprint::testing {

// A footprintd setting that keeps the log to what a test records: the server's own "review
// overdue" / "paperwork overdue" appends are off (on the real clock, every child with past dates
// would get them at some moment during the test).
inline constexpr char kWithoutReviewDeadlines[] = "reviews:\n  record_missed_deadlines: false\n";

// One period of care started, as `footprint record` takes it (C2, foster care U1 with the
// council's own provider PR1).
inline std::string PeriodOfCareStarted(const std::string& on,
                                       const std::string& dob = "2015-06-01") {
  return R"({"occurred_on":")" + on +
         R"(","period_of_care_started":{"legal_status":"C2","placement":{"type":"U1",)"
         R"("provider":"PR1"},"category_of_need":"N1","date_of_birth":")" +
         dob + R"("}})";
}

// The text of a footprintd config file.
struct ConfigYaml {
  std::string text;
};

// A footprintd on 127.0.0.1:0 with its data in a fresh temporary directory.
struct RunningServer {
  explicit RunningServer(std::vector<std::string> extra_args = {})
      : process(dir.Sub("data"), std::move(extra_args)) {
    process.Start();
  }
  // With `config` written to a file in the directory and passed as --config.
  explicit RunningServer(const ConfigYaml& config, std::vector<std::string> extra_args = {})
      : process(dir.Sub("data"), WithConfig(dir, config, std::move(extra_args))) {
    process.Start();
  }
  const std::string& address() const { return process.address(); }

  TempDir dir;
  ServerProcess process;

 private:
  static std::vector<std::string> WithConfig(const TempDir& dir, const ConfigYaml& config,
                                             std::vector<std::string> args) {
    const std::string path = dir.Sub("footprintd.yaml");
    std::ofstream(path) << config.text;
    args.push_back("--config");
    args.push_back(path);
    return args;
  }
};

inline CommandResult Cli(const RunningServer& server, const std::vector<std::string>& args,
                         const std::string& stdin_data = "") {
  return RunCli(server.address(), args, stdin_data);
}

// `text` split at newlines (no empty last line).
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Every line of `text` as a JSON object (REQUIREs that each is one).
inline std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : Lines(text)) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    INFO("line: " << line);
    REQUIRE_FALSE(parsed.is_discarded());
    REQUIRE(parsed.is_object());
    out.push_back(std::move(parsed));
  }
  return out;
}

// Runs `footprint --json ARGS...`, which must succeed and print exactly one JSON object.
inline nlohmann::json CliJson(const RunningServer& server, std::vector<std::string> args,
                              const std::string& stdin_data = "") {
  args.insert(args.begin(), "--json");
  const auto result = Cli(server, args, stdin_data);
  INFO("footprint " << args[1] << " stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.err.empty());
  const auto lines = JsonLines(result.out);
  REQUIRE(lines.size() == 1);
  return lines[0];
}

// Runs `footprint ARGS...` (human output), which must succeed; returns stdout.
inline std::string CliOk(const RunningServer& server, const std::vector<std::string>& args,
                         const std::string& stdin_data = "") {
  const auto result = Cli(server, args, stdin_data);
  INFO("footprint " << args[0] << " stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.err.empty());
  return result.out;
}

}  // namespace footprint::testing

#endif  // FOOTPRINT_TESTS_SUPPORT_CLI_SESSION_H_
