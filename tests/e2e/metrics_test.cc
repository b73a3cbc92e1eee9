// End to end: footprintd's Prometheus metrics (services/metrics.h) scraped over HTTP from a real
// server while the real CLI appends, reads and makes a call the server refuses. Every count
// below follows from the calls this test made.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "cli_session.h"
#include "process.h"

namespace {

namespace ft = footprint::testing;

// GET http://127.0.0.1:port/metrics: the body, or "" on failure.
std::string Scrape(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return "";
  }
  const std::string request =
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[8192];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, n);
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The metrics port footprintd announced on stderr.
int MetricsPort(const ft::RunningServer& server) {
  std::smatch m;
  const std::string log = server.process.StderrLog();
  REQUIRE(
      std::regex_search(log, m, std::regex("metrics on http://127\\.0\\.0\\.1:([0-9]+)/metrics")));
  return std::stoi(m[1].str());
}

// The value of the sample line `name{labels}` (labels as printed, in order), or -1.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST_CASE("footprintd serves Prometheus metrics of its calls, its writer and its projections",
          "[e2e][metrics]") {
  ft::RunningServer server({"--metrics-listen", "127.0.0.1:0"});
  const int port = MetricsPort(server);

  for (int i = 0; i < 3; ++i) {
    REQUIRE(ft::Cli(server, {"append", "metrics-1", "Tick", "--data", "{}"}).exit_code == 0);
  }
  // Refused: a stream id with a space (INVALID_ARGUMENT, nothing written; exit 2, STREAM).
  CHECK(ft::Cli(server, {"append", "bad stream", "Tick", "--data", "{}"}).exit_code == 2);
  REQUIRE(ft::Cli(server, {"read-all"}).exit_code == 0);

  const std::string text = Scrape(port);
  INFO(text);
  REQUIRE_FALSE(text.empty());
  CHECK(
      Sample(
          text,
          R"(footprint_rpc_requests_total{code="OK",method="/footprint.v1.EventStore/Append"})") ==
      3);
  CHECK(
      Sample(
          text,
          R"(footprint_rpc_requests_total{code="INVALID_ARGUMENT",method="/footprint.v1.EventStore/Append"})") ==
      1);
  CHECK(
      Sample(
          text,
          R"(footprint_rpc_requests_total{code="OK",method="/footprint.v1.EventStore/ReadAll"})") ==
      1);
  CHECK(
      Sample(text,
             R"(footprint_rpc_duration_seconds_count{method="/footprint.v1.EventStore/Append"})") ==
      4);
  CHECK(Sample(text, "footprint_log_events") == 3);
  // One group and one synced write per acknowledged append here (one client, one at a time);
  // the refused one never reached the writer.
  CHECK(Sample(text, "footprint_synced_writes_total") == 3);
  CHECK(Sample(text, "footprint_writer_groups_total") == 3);
  CHECK(Sample(text, "footprint_writer_appends_total") == 3);
  CHECK(Sample(text, "footprint_writer_events_total") == 3);
  CHECK(Sample(text, "footprint_failed_writes_total") == 0);
  CHECK(Sample(text, "footprint_commit_mark_failures_total") == 0);
  // Batch sizes: three appends of one event each, each alone in its synced write.
  CHECK(Sample(text, R"(footprint_append_batch_events_bucket{le="1"})") == 3);
  CHECK(Sample(text, R"(footprint_append_batch_events_bucket{le="512"})") == 3);
  CHECK(Sample(text, R"(footprint_append_batch_events_bucket{le="+Inf"})") == 3);
  CHECK(Sample(text, "footprint_append_batch_events_count") == 3);
  CHECK(Sample(text, "footprint_append_batch_events_sum") == 3);
  CHECK(Sample(text, R"(footprint_writer_group_appends_bucket{le="1"})") == 3);
  CHECK(Sample(text, "footprint_writer_group_appends_sum") == 3);
  // The deadline runner: nothing pending or fired (no child is in care).
  CHECK(Sample(text, R"(footprint_deadlines_pending{source="challenge_deadlines"})") == 0);
  CHECK(Sample(text, R"(footprint_deadlines_pending{source="review_deadlines"})") == 0);
  CHECK(Sample(text, "footprint_deadlines_fired_total") == 0);
  CHECK(Sample(text, "footprint_deadline_failures_total") == 0);
  CHECK(Sample(text, R"(footprint_deadline_record_reads_total{from="read_model"})") == 0);
  CHECK(Sample(text, R"(footprint_deadline_record_reads_total{from="store"})") == 0);
  CHECK(text.find("footprint_deadline_next_due_timestamp_seconds") == std::string::npos);
  CHECK(Sample(text, R"(footprint_projection_healthy{projection="children"})") == 1);
  CHECK(Sample(text, "footprint_foreign_events") == 0);
  CHECK(Sample(text, R"(footprint_projection_lag{projection="children"})") >= 0);
  CHECK(Sample(text, R"(footprint_rpc_in_flight{method="/footprint.v1.EventStore/ReadAll"})") == 0);
}

TEST_CASE("footprintd reports its executors' threads and load in the metrics", "[e2e][metrics]") {
  ft::RunningServer server({"--metrics-listen", "127.0.0.1:0"});
  const int port = MetricsPort(server);
  REQUIRE(ft::Cli(server, {"append", "metrics-1", "Tick", "--data", "{}"}).exit_code == 0);
  const std::string text = Scrape(port);
  INFO(text);
  // The defaults: read_threads one per CPU (at least 2), store_wait_threads 16, one long job.
  CHECK(Sample(text, R"(footprint_executor_threads{executor="rpc"})") >= 2);
  CHECK(Sample(text, R"(footprint_executor_threads{executor="store_wait"})") == 16);
  CHECK(Sample(text, R"(footprint_executor_threads{executor="long_job"})") == 1);
  for (const char* executor : {"rpc", "store_wait", "long_job"}) {
    INFO(executor);
    CHECK(Sample(text, absl::StrCat("footprint_executor_queued{executor=\"", executor, "\"}")) ==
          0);
    CHECK(Sample(text, absl::StrCat("footprint_executor_running{executor=\"", executor, "\"}")) ==
          0);
  }
  CHECK(Sample(text, "footprint_long_jobs_refused_total") == 0);
}

TEST_CASE("footprintd reports its backups in the metrics", "[e2e][metrics][backup]") {
  ft::RunningServer server({"--metrics-listen", "127.0.0.1:0"});
  const int port = MetricsPort(server);
  std::string text = Scrape(port);
  CHECK(Sample(text, R"(footprint_backups_total{result="ok"})") == 0);
  CHECK(Sample(text, R"(footprint_backups_total{result="failed"})") == 0);
  // No success yet since the server started: no timestamp to alert on but its absence.
  CHECK(text.find("footprint_backup_last_success_timestamp_seconds") == std::string::npos);

  for (int i = 0; i < 3; ++i) {
    REQUIRE(ft::Cli(server, {"append", "metrics-1", "Tick", "--data", "{}"}).exit_code == 0);
  }
  const double before = static_cast<double>(std::time(nullptr));
  REQUIRE(ft::Cli(server, {"admin", "backup", server.dir.Sub("backups")}).exit_code == 0);
  const double after = static_cast<double>(std::time(nullptr)) + 1;
  // A backup that starts and fails: its directory cannot be created under a file.
  std::ofstream(server.dir.Sub("a-file")) << "x";
  auto failed = ft::Cli(server, {"admin", "backup", server.dir.Sub("a-file/backups")});
  CHECK(failed.exit_code == 1);
  // Refused before it starts (a relative directory): not counted.
  CHECK(ft::Cli(server, {"admin", "backup", "relative"}).exit_code == 2);

  text = Scrape(port);
  INFO(text);
  CHECK(Sample(text, R"(footprint_backups_total{result="ok"})") == 1);
  CHECK(Sample(text, R"(footprint_backups_total{result="failed"})") == 1);
  const double at = Sample(text, "footprint_backup_last_success_timestamp_seconds");
  CHECK(at >= before);
  CHECK(at <= after);
  CHECK(Sample(text, "footprint_backup_last_events") == 3);
  CHECK(Sample(text, "footprint_backup_last_size_bytes") > 0);
  CHECK(Sample(text, "footprint_backup_last_duration_seconds") >= 0);
}

// The shipped alert rules (deploy/prometheus/footprint-alerts.yml; their behaviour is tested by
// promtool, tests/CMakeLists.txt) name only metrics footprintd exports: a renamed metric would
// otherwise leave an alert that never fires.
TEST_CASE("every metric the shipped alert rules use is one footprintd exports", "[e2e][metrics]") {
  const std::string rules = ft::ReadFileText(std::string(FOOTPRINT_SOURCE_DIR) +
                                             "/deploy/prometheus/footprint-alerts.yml");
  std::set<std::string> used;
  const std::regex name("footprint_[a-z_]+");
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), name);
       it != std::sregex_iterator(); ++it) {
    used.insert(it->str());
  }
  // Those the runbook's alerts need, at least (a rule dropped by mistake fails here too).
  for (const char* needed :
       {"footprint_failed_writes_total", "footprint_commit_mark_failures_total",
        "footprint_rpc_requests_total", "footprint_rpc_duration_seconds_bucket",
        "footprint_deadline_next_due_timestamp_seconds", "footprint_deadline_failures_total",
        "footprint_projection_healthy", "footprint_projection_lag", "footprint_backups_total",
        "footprint_backup_last_success_timestamp_seconds"}) {
    CHECK(used.count(needed) == 1);
  }

  ft::RunningServer server({"--metrics-listen", "127.0.0.1:0"});
  const int port = MetricsPort(server);
  // Some series exist only once there is something to report: a child who came into care today
  // (the first review, 20 working days away, is a pending deadline) and a backup since the start.
  char today[16];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(today, sizeof(today), "%Y-%m-%d", &utc);
  REQUIRE(ft::Cli(server, {"record", "C901", "--file", "-"}, ft::PeriodOfCareStarted(today))
              .exit_code == 0);
  REQUIRE(ft::Cli(server, {"admin", "backup", server.dir.Sub("backups")}).exit_code == 0);

  // The deadline runner picks the new child up asynchronously: scrape until its series is
  // there (bounded).
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string text = Scrape(port);
  while (text.find("# TYPE footprint_deadline_next_due_timestamp_seconds ") == std::string::npos &&
         std::chrono::steady_clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    text = Scrape(port);
  }
  INFO(text);
  std::set<std::string> exported;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex("# TYPE ([a-z_]+) (counter|gauge|histogram)"))) {
      exported.insert(m[1].str());
      if (m[2] == "histogram") {
        for (const char* part : {"_bucket", "_sum", "_count"}) exported.insert(m[1].str() + part);
      }
    }
  }
  for (const auto& metric : used) {
    INFO(metric);
    CHECK(exported.count(metric) == 1);
  }
}

TEST_CASE("footprintd refuses a metrics address it cannot use", "[e2e][metrics]") {
  ft::TempDir dir;
  const auto bad = ft::RunCommand(
      {ft::FootprintdPath(), "--data-dir", dir.Sub("data"), "--metrics-listen", "no-port"}, "", 60);
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("metrics_listen") != std::string::npos);
}

}  // namespace
