// End to end: footprintd's structured logs (services/logging.h). A real server with
// --log-format json; the CLI's correlation id is on the request log line and on the lines the
// request's own work logs; a call without one gets a server-drawn id, sent back in the trailing
// metadata and logged.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "footprint/v1/calendar.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
namespace v1 = footprint::v1;

// Every stderr line of the stopped server, each parsed as one JSON object.
std::vector<nlohmann::json> LogLines(ft::RunningServer& server) {
  REQUIRE(server.process.Terminate() == 0);
  return ft::JsonLines(server.process.StderrLog());
}

const nlohmann::json* Find(const std::vector<nlohmann::json>& lines, const std::string& message) {
  for (const auto& line : lines) {
    if (line.value("message", "") == message) return &line;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("JSON logs carry each request's correlation id, method, code and duration",
          "[e2e][logging]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines},
                           {"--log-format", "json", "--log-level", "debug"});
  auto r = ft::Cli(
      server, {"--correlation-id", "case-42", "append", "note-1", "Note", "--data", "{\"n\":1}"});
  REQUIRE(r.exit_code == 0);
  r = ft::Cli(server, {"--correlation-id", "bad-1", "append", "note-1", "Note", "--data", "[1"});
  REQUIRE(r.exit_code == 2);  // --data's value refused
  const std::string backups = server.dir.Sub("backups");
  r = ft::Cli(server, {"--correlation-id", "nightly-7", "admin", "backup", backups});
  REQUIRE(r.exit_code == 0);

  // No correlation id: the server draws one and sends it back.
  auto stub = v1::Calendar::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::CalendarInfoResponse info;
  REQUIRE(stub->Info(&context, v1::CalendarInfoRequest(), &info).ok());
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("footprint-correlation-id");
  REQUIRE(it != trailers.end());
  const std::string drawn(it->second.data(), it->second.size());
  CHECK(drawn.rfind("srv-", 0) == 0);
  CHECK(drawn.size() == 20);

  const auto lines = LogLines(server);  // every line is a JSON object (REQUIREd)
  for (const auto& line : lines) {
    CHECK(line.contains("time"));
    CHECK(line.contains("level"));
    CHECK(line["logger"] == "footprintd");
  }
  const nlohmann::json* ok = Find(lines, "/footprint.v1.EventStore/Append OK");
  REQUIRE(ok != nullptr);
  CHECK((*ok)["level"] == "debug");
  CHECK((*ok)["method"] == "/footprint.v1.EventStore/Append");
  CHECK((*ok)["correlation_id"] == "case-42");
  CHECK((*ok)["code"] == "OK");
  CHECK(std::stod((*ok)["duration_ms"].get<std::string>()) > 0);
  CHECK((*ok)["peer"].get<std::string>().rfind("ipv4:127.0.0.1:", 0) == 0);

  // The caller's mistake: info, with the server's message.
  const nlohmann::json* bad = nullptr;
  for (const auto& line : lines) {
    if (line.value("correlation_id", "") == "bad-1") bad = &line;
  }
  REQUIRE(bad != nullptr);
  CHECK((*bad)["level"] == "info");
  CHECK((*bad)["code"] == "INVALID_ARGUMENT");
  CHECK((*bad)["message"].get<std::string>().rfind(
            "/footprint.v1.EventStore/Append INVALID_ARGUMENT: events[0].data: invalid JSON", 0) ==
        0);

  // Lines the backup's own work logged carry its correlation id too, once.
  const std::string asked = "backup into " + backups + " asked by 'local' (keeping the newest 7)";
  const nlohmann::json* work = Find(lines, asked);
  REQUIRE(work != nullptr);
  CHECK((*work)["correlation_id"] == "nightly-7");
  const nlohmann::json* done = Find(lines, "/footprint.v1.Admin/Backup OK");
  REQUIRE(done != nullptr);
  CHECK((*done)["correlation_id"] == "nightly-7");
  CHECK(server.process.StderrLog().find("\"correlation_id\":\"nightly-7\",\"method\"") ==
        std::string::npos);  // not twice on one line

  const nlohmann::json* calendar = Find(lines, "/footprint.v1.Calendar/Info OK");
  REQUIRE(calendar != nullptr);
  CHECK((*calendar)["correlation_id"] == drawn);
}

TEST_CASE("text logs end with the request's fields, and a bad log format is refused",
          "[e2e][logging]") {
  ft::RunningServer server(
      ft::ConfigYaml{std::string(ft::kWithoutReviewDeadlines) + "log_level: debug\n"});
  auto r = ft::Cli(server, {"--correlation-id", "case-9", "calendar", "add", "2026-12-24", "1"});
  REQUIRE(r.exit_code == 0);
  REQUIRE(server.process.Terminate() == 0);
  const std::string log = server.process.StderrLog();
  CHECK(log.find(" debug /footprint.v1.Calendar/AddWorkingDays OK "
                 "method=/footprint.v1.Calendar/AddWorkingDays correlation_id=case-9 code=OK "
                 "duration_ms=") != std::string::npos);

  ft::TempDir dir;
  r = ft::RunCommand({ft::FootprintdPath(), "--data-dir", dir.Sub("data"), "--log-format", "xml"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "footprintd: log_format: 'xml' is not one of text, json\n");
}
