// ServerConfig: footprintd's settings, from defaults, a YAML file and command-line flags.
#ifndef FOOTPRINT_SERVICES_CONFIG_H_
#define FOOTPRINT_SERVICES_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/escalation_policy.h"
#include "domain/review_schedule.h"
#include "eventstore/event_store.h"
#include "projections/reports.h"
#include "services/access_control.h"
#include "services/executors.h"

namespace footprint::services {

inline constexpr char kDefaultListenAddress[] = "127.0.0.1:50051";
inline constexpr char kDefaultDataDir[] = "/var/lib/footprint";

struct ServerConfig {
  std::string data_dir = kDefaultDataDir;
  // HOST:PORT; port 0 picks a free port.
  std::string listen = kDefaultListenAddress;
  // Serve plaintext gRPC on an address other than loopback. Off: footprintd refuses to start
  // there without `tls:`.
  bool insecure_plaintext = false;
  // TLS with client certificates (YAML `tls: {cert_file, key_file, client_ca_file,
  // reload_seconds, crl_dir}`, PEM
  // files). All three set: every caller needs a certificate signed by client_ca_file and a
  // role from `clients:`. None set: plaintext (services/access_control.h).
  struct Tls {
    std::string cert_file;
    std::string key_file;
    std::string client_ca_file;
    // How often the three files are read again (0: only at start-up). A renewed certificate,
    // key or client CA is then served without a restart. Swap key and certificate together
    // (a symlinked directory renamed into place): gRPC 1.51 does not check that a re-read key
    // matches the certificate (docs/operations.md).
    unsigned reload_seconds = 300;
    // A directory of hashed X.509 CRLs (`openssl rehash`, files HASH.r0): a client certificate
    // revoked there fails the handshake. Every client CA needs an unexpired CRL there (checked
    // at start-up). Read at start-up only. Empty: none.
    std::string crl_dir;
    bool enabled() const { return !cert_file.empty(); }
  } tls;
  // The known clients and their roles (YAML `clients:`, a list of {identity, roles,
  // event_types}).
  std::vector<ClientRule> clients;
  // HOST:PORT for Prometheus metrics over HTTP (GET /metrics; services/metrics.h); empty: off.
  std::string metrics_listen;
  // trace, debug, info, warn, error.
  std::string log_level = "info";
  // "text" or "json" (one object per line; services/logging.h).
  std::string log_format = "text";
  // How long shutdown waits for in-flight RPCs before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // The threads RPC work runs on, by kind (services/executors.h; docs/operations.md,
  // "Threads"). Short work: reads answered from RocksDB at once, ReadAll/Subscribe chunks (0:
  // one per hardware thread, at least 2).
  int read_threads = 0;
  // Work that waits on the store: appends waiting for their sync (Intake, Challenges), reads
  // waiting for their access-log record, queries waiting for the read model.
  int store_wait_threads = ExecutorSizes().store_wait_threads;
  // Long jobs: projection rebuilds, backups, verification of a long range of the chain. When
  // all long_job_threads are busy, up to long_job_queue more wait their turn; beyond that a
  // long job is refused with RESOURCE_EXHAUSTED.
  int long_job_threads = ExecutorSizes().long_job_threads;
  int long_job_queue = ExecutorSizes().long_job_queue;
  // Backups (YAML `backup: {keep}`): how many backups Admin.Backup keeps in a backup
  // directory, the newest; older ones are deleted after each successful backup (0: keep all).
  // A request's own `keep` overrides it.
  uint32_t backup_keep = 7;
  // Limits passed to the store.
  size_t max_event_bytes = eventstore::StoreOptions().max_event_bytes;
  size_t max_batch_events = eventstore::StoreOptions().max_batch_events;
  size_t max_batch_bytes = eventstore::StoreOptions().max_batch_bytes;
  // Open ReadAll and Subscribe calls, in all and per caller identity (services/stream_limits.h).
  // A stream whose client stops reading holds up to two response messages (about 2.3 MiB
  // measured, docs/performance.md), so 256 bound that to about 600 MiB.
  size_t max_streams = 256;
  size_t max_streams_per_identity = 128;

  // The council's dispute resolution process (YAML `escalation:`).
  domain::EscalationPolicy escalation = domain::EscalationPolicy::Default();
  // gov.uk bank-holidays.json to use instead of the built-in 2010-2030 list (YAML
  // `calendar: {bank_holidays_file, division}`).
  std::string bank_holidays_file;
  std::string bank_holidays_division = "england-and-wales";
  // Review timetable and paperwork settings (YAML `reviews:`), Section 20 flags (`section20:`).
  domain::ReviewSettings reviews;
  projections::Section20Settings section20;
  // Placements with parents' flags (`placements_with_parents:`).
  projections::PlacementsWithParentsSettings placements_with_parents;

  // The event log's store options; RocksDB's own log goes to footprintd's (RocksDbLogSink).
  eventstore::StoreOptions ToStoreOptions() const;
  // INVALID_ARGUMENT naming the key when a thread count or the long-job queue is out of range.
  absl::Status ValidateThreads() const;
  // The executors' sizes, read_threads 0 resolved. REQUIRES: ValidateThreads() is OK.
  ExecutorSizes ToExecutorSizes() const;
};

// Sends RocksDB's log lines for `store` (a name for the log lines, e.g. its directory) to
// footprintd's log: warnings and errors as such, the rest at debug level.
eventstore::StoreLogSink RocksDbLogSink(const std::string& store);
// The least severe RocksDB line worth formatting at footprintd's current log level.
eventstore::StoreLogSeverity RocksDbLogLevel();

// Reads settings from a YAML file over `base`. Unknown keys and values of the wrong type are
// INVALID_ARGUMENT naming the key; a missing file is NOT_FOUND. Example: deploy/footprintd.yaml.
absl::StatusOr<ServerConfig> LoadConfigFile(absl::string_view path, ServerConfig base);

// Splits "host:port" or "[v6]:port". INVALID_ARGUMENT naming `field` when malformed.
struct HostPort {
  std::string host;
  int port = 0;
};
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address, absl::string_view field);

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_CONFIG_H_
