// footprintd: the Footprint server.
//
//   footprintd [--config FILE] [--data-dir DIR] [--listen HOST:PORT] [--log-level LEVEL]
//              [--log-format text|json] [--metrics-listen HOST:PORT]
//   footprintd --restore-from BACKUP_DIR [--backup-id N] --data-dir NEW_DIR
//   footprintd --version
//
// Prints "listening on HOST:PORT" on stdout once it accepts calls; logs go to stderr.
// SIGTERM or SIGINT shuts it down cleanly, committing appends already in flight.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <exception>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "footprint/version.h"
#include "google/protobuf/stubs/logging.h"
#include "services/admin_service.h"
#include "services/config.h"
#include "services/logging.h"
#include "services/server.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace {

// footprintd --restore-from: restores and verifies, prints what it found, and exits.
int Restore(const std::string& backup_dir, uint32_t backup_id, const std::string& data_dir) {
  spdlog::info("restoring {} (backup {}) into {}", backup_dir,
               backup_id == 0 ? std::string("newest") : std::to_string(backup_id), data_dir);
  auto restored = footprint::services::RestoreDataDir(backup_dir, backup_id, data_dir);
  if (!restored.ok()) {
    std::fprintf(stderr, "footprintd: restore failed: %s\n", restored.status().ToString().c_str());
    return 1;
  }
  for (const auto& [name, r] :
       {std::pair<const char*, const footprint::eventstore::RestoreResult*>{"log", &restored->log},
        {"access log", &restored->access_log}}) {
    std::printf(
        "restored %s backup %u (taken %s): %llu events; chain verified from position 0; "
        "checkpoint %llu events, head %s matches the hash recorded at backup time\n",
        name, r->backup.backup_id,
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", r->backup.created_at, absl::UTCTimeZone()).c_str(),
        static_cast<unsigned long long>(r->events),
        static_cast<unsigned long long>(r->backup.log_end),
        r->backup.head_hash_hex.empty() ? "(empty log)" : r->backup.head_hash_hex.c_str());
  }
  std::printf("data directory %s is ready: start footprintd with --data-dir %s\n", data_dir.c_str(),
              data_dir.c_str());
  return 0;
}

int Run(int argc, char** argv) {
  using footprint::services::ServerConfig;
  // Debian's Abseil keeps mutex deadlock detection on, a cost on every gRPC lock; the
  // sanitizer and debug builds are where lock-order bugs are looked for.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"footprintd: Footprint's event store server"};
  app.set_version_flag("--version", std::string("footprintd ") + FOOTPRINT_VERSION,
                       "print the version and exit");
  std::string config_file;
  std::string data_dir;
  std::string listen;
  std::string log_level;
  app.add_option("--config", config_file, "YAML settings file (see deploy/footprintd.yaml)");
  app.add_option("--data-dir", data_dir,
                 std::string("data directory (default ") + footprint::services::kDefaultDataDir +
                     ", or $FOOTPRINT_DATA_DIR)");
  app.add_option("--listen", listen,
                 std::string("HOST:PORT to listen on; port 0 picks a free port (default ") +
                     footprint::services::kDefaultListenAddress + ")");
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error (default info)");
  std::string log_format;
  app.add_option("--log-format", log_format,
                 "text or json (one object per line, with the request's correlation id)");
  std::string metrics_listen;
  app.add_option("--metrics-listen", metrics_listen,
                 "HOST:PORT for Prometheus metrics over HTTP, GET /metrics (default: off)");
  std::string restore_from;
  uint32_t backup_id = 0;
  app.add_option("--restore-from", restore_from,
                 "restore the backup directory DIR (footprint admin backup) into the data "
                 "directory, which must be new or empty; verify it and exit");
  app.add_option("--backup-id", backup_id,
                 "with --restore-from: the log backup to restore (default: the newest)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  auto logger = spdlog::stderr_color_mt("footprintd");
  spdlog::set_default_logger(logger);
  footprint::services::ConfigureLogging(footprint::services::LogFormat::kText);
  // protobuf's own messages (e.g. a client's string field that is not UTF-8) go to our log.
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
        const auto spd =
            level >= google::protobuf::LOGLEVEL_ERROR ? spdlog::level::warn : spdlog::level::info;
        spdlog::log(spd, "protobuf {}:{}: {}", file, line, message);
      });

  ServerConfig config;
  if (const char* env = std::getenv("FOOTPRINT_DATA_DIR"); env != nullptr && *env != '\0') {
    config.data_dir = env;
  }
  if (!config_file.empty()) {
    auto loaded = footprint::services::LoadConfigFile(config_file, config);
    if (!loaded.ok()) {
      std::fprintf(stderr, "footprintd: %s\n", loaded.status().ToString().c_str());
      return 2;
    }
    config = *loaded;
  }
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (!listen.empty()) config.listen = listen;
  if (!metrics_listen.empty()) config.metrics_listen = metrics_listen;
  if (!log_level.empty()) config.log_level = log_level;
  if (!log_format.empty()) config.log_format = log_format;
  auto format = footprint::services::ParseLogFormat(config.log_format, "log_format");
  if (!format.ok()) {
    std::fprintf(stderr, "footprintd: %s\n", std::string(format.status().message()).c_str());
    return 2;
  }
  footprint::services::ConfigureLogging(*format);
  const spdlog::level::level_enum level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    std::fprintf(stderr,
                 "footprintd: log_level: '%s' is not one of trace, debug, info, warn, error\n",
                 config.log_level.c_str());
    return 2;
  }
  spdlog::set_level(level);

  if (!restore_from.empty()) return Restore(restore_from, backup_id, config.data_dir);
  if (backup_id != 0) {
    std::fprintf(stderr, "footprintd: --backup-id: only with --restore-from\n");
    return 2;
  }

  // Signals are handled on this thread; every other thread is started after they are blocked
  // by asio's signal_set registration.
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);

  auto server = footprint::services::FootprintServer::Start(config);
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    std::fprintf(stderr, "footprintd: %s\n", server.status().ToString().c_str());
    return 1;
  }
  // The metrics line goes to stderr before "listening on" reaches stdout: whoever waits for the
  // latter (scripts, tests) finds the former already written.
  if (!(*server)->metrics_address().empty()) {
    spdlog::info("metrics on http://{}/metrics", (*server)->metrics_address());
  }
  std::printf("listening on %s\n", (*server)->address().c_str());
  std::fflush(stdout);
  spdlog::info("listening on {} (data directory {})", (*server)->address(), config.data_dir);

  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("received signal {}; shutting down", signal);
    (*server)->Shutdown();
  });
  io.run();
  server->reset();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "footprintd: fatal: %s\n", e.what());
    return 1;
  }
}
