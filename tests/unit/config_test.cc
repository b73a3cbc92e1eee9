// footprintd's settings file and address parsing.
#include <fstream>

#include "catch2/catch.hpp"
#include "services/config.h"
#include "temp_dir.h"

namespace footprint::services {
namespace {

std::string WriteFile(const testing::TempDir& dir, const std::string& text) {
  const std::string path = dir.Sub("footprintd.yaml");
  std::ofstream(path) << text;
  return path;
}

TEST_CASE("a config file overrides the defaults it names", "[config]") {
  testing::TempDir dir;
  const auto config = LoadConfigFile(WriteFile(dir, R"(
data_dir: /srv/footprint
listen: 0.0.0.0:6000
insecure_plaintext: true
log_level: debug
shutdown_grace_seconds: 2.5
backup:
  keep: 30
limits:
  max_event_bytes: 2048
  max_batch_events: 10
  max_streams: 300
  max_streams_per_identity: 20
)"),
                                     ServerConfig());
  REQUIRE(config.ok());
  CHECK(config->data_dir == "/srv/footprint");
  CHECK(config->listen == "0.0.0.0:6000");
  CHECK(config->insecure_plaintext);
  CHECK_FALSE(ServerConfig().insecure_plaintext);  // off unless asked for
  CHECK(config->log_level == "debug");
  CHECK(config->shutdown_grace == absl::Milliseconds(2500));
  CHECK(config->backup_keep == 30);
  CHECK(ServerConfig().backup_keep == 7);
  CHECK(config->max_event_bytes == 2048);
  CHECK(config->max_batch_events == 10);
  CHECK(config->max_batch_bytes == ServerConfig().max_batch_bytes);  // untouched
  CHECK(config->ToStoreOptions().max_event_bytes == 2048);
  CHECK(config->max_streams == 300);
  CHECK(config->max_streams_per_identity == 20);
  CHECK(ServerConfig().max_streams == 256);
  CHECK(ServerConfig().max_streams_per_identity == 128);
}

TEST_CASE("an empty config file keeps the defaults", "[config]") {
  testing::TempDir dir;
  ServerConfig base;
  base.listen = "127.0.0.1:7";
  const auto config = LoadConfigFile(WriteFile(dir, ""), base);
  REQUIRE(config.ok());
  CHECK(config->listen == "127.0.0.1:7");
  CHECK(config->data_dir == kDefaultDataDir);
}

TEST_CASE("config errors name the key", "[config]") {
  testing::TempDir dir;
  struct Case {
    std::string yaml;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"datadir: /x\n", "config: unknown key 'datadir'"},
      {"limits:\n  max_event_size: 3\n", "config: unknown key 'limits.max_event_size'"},
      {"limits:\n  max_event_bytes: -3\n", "config: 'limits.max_event_bytes' must be positive"},
      {"limits: 5\n", "config: 'limits' must be a mapping"},
      {"limits:\n  max_streams: 0\n", "config: 'limits.max_streams' must be positive"},
      {"shutdown_grace_seconds: -1\n", "config: 'shutdown_grace_seconds' must not be negative"},
      {"backup:\n  retain: 3\n", "config: unknown key 'backup.retain'"},
      {"backup: 3\n", "config: 'backup' must be a mapping"},
      {"log_format: xml\n", "config: 'log_format': 'xml' is not one of text, json"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    const auto config = LoadConfigFile(WriteFile(dir, c.yaml), ServerConfig());
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(config.status().message()) == c.message);
  }
  const auto wrong_type = LoadConfigFile(WriteFile(dir, "read_threads: many\n"), ServerConfig());
  REQUIRE_FALSE(wrong_type.ok());
  CHECK(wrong_type.status().message().find("'read_threads' has a value of the wrong type") !=
        absl::string_view::npos);
  CHECK(LoadConfigFile(dir.Sub("missing.yaml"), ServerConfig()).status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("the placements-with-parents thresholds are read and checked", "[config]") {
  testing::TempDir dir;
  const auto config = LoadConfigFile(WriteFile(dir, R"(
placements_with_parents:
  assessment_weeks: 0
  plan_working_days: 10
)"),
                                     ServerConfig());
  REQUIRE(config.ok());
  CHECK(config->placements_with_parents.assessment_weeks == 0);
  CHECK(config->placements_with_parents.plan_working_days == 10);
  CHECK(config->placements_with_parents.discharge_months == 12);  // the default
  for (const auto& [yaml, message] : std::vector<std::pair<std::string, std::string>>{
           {"placements_with_parents:\n  plan_working_days: 0\n",
            "config: 'placements_with_parents.plan_working_days' must be from 1 to 60, not 0"},
           {"placements_with_parents:\n  discharge_months: -1\n",
            "config: 'placements_with_parents.discharge_months' must be from 0 to 216, not -1"},
           {"placements_with_parents:\n  plan_days: 5\n",
            "config: unknown key 'placements_with_parents.plan_days'"}}) {
    INFO(yaml);
    const auto refused = LoadConfigFile(WriteFile(dir, yaml), ServerConfig());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(refused.status().message()) == message);
  }
}

TEST_CASE("the executors' thread counts are read and checked", "[config]") {
  testing::TempDir dir;
  const ServerConfig defaults;
  CHECK(defaults.ValidateThreads().ok());
  CHECK(defaults.ToExecutorSizes().rpc_threads >= 2);  // read_threads 0: one per CPU, at least 2
  CHECK(defaults.ToExecutorSizes().long_job_threads == 1);
  const auto config = LoadConfigFile(WriteFile(dir, R"(
read_threads: 3
store_wait_threads: 9
long_job_threads: 2
long_job_queue: 0
)"),
                                     ServerConfig());
  REQUIRE(config.ok());
  const ExecutorSizes sizes = config->ToExecutorSizes();
  CHECK(sizes.rpc_threads == 3);
  CHECK(sizes.store_wait_threads == 9);
  CHECK(sizes.long_job_threads == 2);
  CHECK(sizes.long_job_queue == 0);

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"read_threads: -1\n", "config: 'read_threads' must not be negative"},
      {"read_threads: 1000\n",
       "config: 'read_threads' is 1000: it must be from 0 to 256 (threads for short RPC work; 0: "
       "one per CPU)"},
      {"store_wait_threads: 0\n",
       "config: 'store_wait_threads' is 0: it must be from 1 to 256 (threads for calls that wait "
       "on a synced write or the read model)"},
      {"long_job_threads: 0\n",
       "config: 'long_job_threads' is 0: it must be from 1 to 16 (threads for rebuilds, backups "
       "and long verifications)"},
      {"long_job_queue: -2\n",
       "config: 'long_job_queue' is -2: it must be from 0 to 1024 (long jobs that may wait for a "
       "thread; 0: refuse when all are busy)"},
  };
  for (const auto& [yaml, message] : cases) {
    INFO(yaml);
    const auto refused = LoadConfigFile(WriteFile(dir, yaml), ServerConfig());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(refused.status().message()) == message);
  }
  // A config built in code (tests, embedders) is checked by FootprintServer::Start the same way.
  ServerConfig built;
  built.long_job_threads = 0;
  CHECK(built.ValidateThreads().message() ==
        "config: 'long_job_threads' is 0: it must be from 1 to 16 (threads for rebuilds, backups "
        "and long verifications)");
}

TEST_CASE("tls and clients are read with their roles, and mistakes are named", "[config]") {
  testing::TempDir dir;
  const auto config = LoadConfigFile(WriteFile(dir, R"(
tls:
  cert_file: /etc/f/server.pem
  key_file: /etc/f/server-key.pem
  client_ca_file: /etc/f/ca.pem
  reload_seconds: 60
  crl_dir: /etc/f/crl
clients:
  - identity: case-system
    roles: [poster, manager]
    event_types: [Note, "*"]
  - identity: audit
    roles: [auditor]
)"),
                                     ServerConfig());
  REQUIRE(config.ok());
  CHECK(config->tls.enabled());
  CHECK(config->tls.client_ca_file == "/etc/f/ca.pem");
  CHECK(config->tls.reload_seconds == 60);
  CHECK(config->tls.crl_dir == "/etc/f/crl");
  CHECK(ServerConfig().tls.reload_seconds == 300);  // reloads by default, every 5 minutes
  CHECK(ServerConfig().tls.crl_dir.empty());
  REQUIRE(config->clients.size() == 2);
  CHECK(config->clients[0].identity == "case-system");
  CHECK(config->clients[0].roles == std::vector<Role>{Role::kPoster, Role::kManager});
  CHECK(config->clients[0].event_types == std::vector<std::string>{"Note", "*"});
  CHECK(config->clients[1].roles == std::vector<Role>{Role::kAuditor});
  CHECK(config->clients[1].event_types.empty());

  struct Case {
    std::string yaml;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"tls:\n  cert_file: a\n  key_file: b\n",
       "config: 'tls.client_ca_file' is required: TLS needs the server's certificate, its key "
       "and the CA that signs client certificates"},
      {"tls:\n  ca: a\n", "config: unknown key 'tls.ca'"},
      {"tls:\n  reload_seconds: -1\n",
       "config: 'tls.reload_seconds' must be between 0 (no reload) and 86400 seconds"},
      {"clients:\n  - identity: x\n    roles: [reader]\n",
       "config: 'clients[0].roles[0]': 'reader' is not a role (poster, auditor, manager or "
       "admin)"},
      {"clients:\n  - identity: x\n    roles: []\n",
       "config: 'clients[0].roles' must name at least one role"},
      {"clients:\n  - roles: [admin]\n",
       "config: 'clients[0].identity' is required (a certificate's SAN or common name)"},
      {"clients:\n  - identity: x\n    roles: [poster]\n",
       "config: 'clients[0].event_types' is required for a poster (the event types it may "
       "append, or \"*\")"},
      {"clients:\n  - identity: x\n    roles: [admin]\n    event_types: [Note]\n",
       "config: 'clients[0].event_types' is only for posters; 'x' is not one"},
      {"clients:\n  - identity: x\n    roles: [admin]\n  - identity: x\n    roles: [auditor]\n",
       "config: 'clients[1].identity': 'x' is listed twice"},
      {"clients: x\n", "config: 'clients' must be a list of {identity, roles, event_types}"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    const auto refused = LoadConfigFile(WriteFile(dir, c.yaml), ServerConfig());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(refused.status().message()) == c.message);
  }
}

TEST_CASE("listen addresses split into host and port", "[config]") {
  auto v4 = ParseHostPort("127.0.0.1:50051", "listen");
  REQUIRE(v4.ok());
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 50051);
  auto v6 = ParseHostPort("[::1]:0", "listen");
  REQUIRE(v6.ok());
  CHECK(v6->host == "[::1]");
  CHECK(v6->port == 0);
  for (const char* bad :
       {"", "localhost", ":80", "host:", "host:65536", "host:-1", "[::1]80", "host:8x"}) {
    INFO(bad);
    const auto parsed = ParseHostPort(bad, "--listen");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().message().find("--listen: '") == 0);
  }
}

}  // namespace
}  // namespace footprint::services
