#include "services/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "domain/working_calendar.h"
#include "services/access_control.h"
#include "services/admin_service.h"
#include "services/child_recorder.h"
#include "services/deadline_runner.h"
#include "services/domain_services.h"
#include "services/event_store_service.h"
#include "services/executors.h"
#include "services/logging.h"
#include "services/metrics.h"
#include "services/projection_host.h"
#include "services/stream_limits.h"
#include "spdlog/spdlog.h"
#include "tls_files.h"
#include "workflow/deadlines.h"
#include "workflow/review_deadlines.h"

namespace footprint::services {
namespace {

constexpr const char* kServiceNames[] = {"footprint.v1.EventStore", "footprint.v1.Intake",
                                         "footprint.v1.Challenges", "footprint.v1.Calendar",
                                         "footprint.v1.Queries",    "footprint.v1.Projections",
                                         "footprint.v1.Admin"};

// While footprintd opens its stores, every call but the health service's is answered
// UNAVAILABLE, which clients retry (an unknown service would be UNIMPLEMENTED, which they do not).
class OpeningService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    class Reactor final : public grpc::ServerGenericBidiReactor {
     public:
      Reactor() {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "footprintd is opening its data directory; try again shortly"));
      }
      void OnDone() override { delete this; }
    };
    return new Reactor;
  }
};

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" ||
         host.rfind("127.", 0) == 0;
}

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat("tls.", field, ": cannot read '", path, "'"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls.", field, ": '", path, "' is not a PEM file"));
  }
  return text.str();
}

// Server certificate and key, and the CA that client certificates must be signed by. A client
// may connect without a certificate (so that it gets UNAUTHENTICATED rather than a failed
// handshake), but a certificate it presents must verify.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const ServerConfig::Tls& tls, absl::Time now) {
  auto cert = ReadPem(tls.cert_file, "cert_file");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(tls.key_file, "key_file");
  if (!key.ok()) return key.status();
  auto ca = ReadPem(tls.client_ca_file, "client_ca_file");
  if (!ca.ok()) return ca.status();
  // gRPC builds its TLS context only at the first handshake: a mismatched pair would start and
  // then fail every connection.
  if (auto st = CheckKeyMatchesCertificate(*cert, *key, tls.cert_file, tls.key_file); !st.ok()) {
    return st;
  }
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider;
  if (tls.reload_seconds > 0) {
    // Reads the files again every reload_seconds when they changed. gRPC 1.51 does not check
    // that a key read then matches its certificate: swap the two together (docs/operations.md).
    provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        tls.key_file, tls.cert_file, tls.client_ca_file, tls.reload_seconds);
  } else {
    provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
        *ca, std::vector<grpc::experimental::IdentityKeyCertPair>{{*key, *cert}});
  }
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!tls.crl_dir.empty()) {
    auto warnings = CheckCrlDirectory(tls.crl_dir, *ca, now);
    if (!warnings.ok()) return warnings.status();
    for (const std::string& warning : *warnings) spdlog::warn("{}", warning);
    options.set_crl_directory(tls.crl_dir);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace

std::string AccessLogDir(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "access-log").string();
}

absl::StatusOr<std::unique_ptr<FootprintServer>> FootprintServer::Start(
    const ServerConfig& config, const Clock* clock, const std::function<void()>& while_opening) {
  auto listen = ParseHostPort(config.listen, "listen");
  if (!listen.ok()) return listen.status();
  // Refused before anything is opened.
  if (!IsLoopback(listen->host) && !config.tls.enabled() && !config.insecure_plaintext) {
    return absl::FailedPreconditionError(absl::StrCat(
        "listen: ", config.listen,
        " is not a loopback address, and without tls: footprintd serves plaintext gRPC: "
        "anyone who can reach it could read and write children's records. Configure tls: "
        "(cert_file, key_file, client_ca_file), listen on 127.0.0.1, or set "
        "insecure_plaintext: true in the config file to serve plaintext there anyway"));
  }
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (config.tls.enabled()) {
    auto tls = TlsCredentials(config.tls, clock != nullptr ? clock->Now() : absl::Now());
    if (!tls.ok()) return tls.status();
    credentials = *std::move(tls);
    if (config.clients.empty()) {
      spdlog::warn("tls: on, but the config lists no clients: every call will be refused");
    }
  } else {
    credentials = grpc::InsecureServerCredentials();
    if (!config.clients.empty()) {
      spdlog::warn("clients: ignored without tls: every local caller has every role");
    }
  }

  if (auto st = config.ValidateThreads(); !st.ok()) return st;
  if (auto st = config.escalation.Validate(); !st.ok()) return st;
  for (const std::string& warning : config.escalation.Warnings()) spdlog::warn("{}", warning);

  std::unique_ptr<FootprintServer> server(new FootprintServer());
  server->config_ = config;
  if (!clock) clock = SystemClock::Get();
  std::string calendar_source = "built-in England & Wales 2010-2030";
  if (config.bank_holidays_file.empty()) {
    server->calendar_ = &domain::WorkingCalendar::EnglandAndWales();
  } else {
    auto loaded = domain::WorkingCalendar::FromBankHolidaysFile(config.bank_holidays_file,
                                                                config.bank_holidays_division);
    if (!loaded.ok()) return loaded.status();
    server->loaded_calendar_ = std::make_unique<domain::WorkingCalendar>(std::move(*loaded));
    server->calendar_ = server->loaded_calendar_.get();
    calendar_source = config.bank_holidays_file;
  }
  spdlog::info("working days: {} ({}-{})", calendar_source, server->calendar_->first_year(),
               server->calendar_->last_year());
  // Opening the stores can take a while (the write-ahead log is replayed, read-only first to
  // check it against the commit mark). Meanwhile a server with gRPC's health service alone
  // answers on the listen address: NOT_SERVING for the server and each service, UNAVAILABLE for
  // every other call. With port 0 nobody knows the address yet, so there is none.
  std::unique_ptr<grpc::Server> opening;
  OpeningService opening_service;
  grpc::EnableDefaultHealthCheckService(true);
  if (listen->port != 0) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(config.listen, credentials, &port);
    builder.RegisterCallbackGenericService(&opening_service);
    opening = builder.BuildAndStart();
    if (opening != nullptr && port != 0) {
      auto* health = opening->GetHealthCheckService();
      health->SetServingStatus(false);
      for (const char* name : kServiceNames) health->SetServingStatus(name, false);
      spdlog::info("opening {}: health NOT_SERVING on {} until it is open", config.data_dir,
                   config.listen);
    } else {
      opening.reset();  // the real server will say why it cannot listen
    }
  }
  // Stopped on every way out of Start, and before the real server takes the address.
  struct StopOpening {
    std::unique_ptr<grpc::Server>* server;
    void operator()() const {
      if (*server == nullptr) return;
      (*server)->Shutdown(std::chrono::system_clock::now());
      (*server)->Wait();
      server->reset();
    }
    ~StopOpening() { (*this)(); }
  } stop_opening{&opening};
  if (while_opening) while_opening();

  eventstore::StoreOptions store_options = config.ToStoreOptions();
  store_options.clock = clock;
  auto store = eventstore::EventStore::Open(store_options);
  if (!store.ok()) return store.status();
  server->store_ = std::move(*store);
  spdlog::info("opened data directory {} ({} events)", config.data_dir,
               server->store_->CommittedEnd().value);
  // The access log: its own RocksDB and hash chain, inside the data directory.
  eventstore::StoreOptions access_options;
  access_options.data_dir = AccessLogDir(config.data_dir);
  access_options.clock = clock;
  access_options.block_cache_bytes = 8 << 20;
  access_options.log_sink = RocksDbLogSink(access_options.data_dir);
  access_options.log_level = RocksDbLogLevel();
  auto access_store = eventstore::EventStore::Open(access_options);
  if (!access_store.ok()) return access_store.status();
  server->access_store_ = std::move(*access_store);
  spdlog::info("opened access log {} ({} reads recorded)", access_options.data_dir,
               server->access_store_->CommittedEnd().value);
  server->access_ = std::make_unique<AccessControl>(config.tls.enabled(), config.clients,
                                                    server->access_store_.get());

  server->executors_ = std::make_unique<Executors>(config.ToExecutorSizes());
  server->stream_limits_ = std::make_unique<StreamLimits>(server->config_.max_streams,
                                                          server->config_.max_streams_per_identity);
  server->event_store_service_ =
      std::make_unique<EventStoreService>(server->store_.get(), server->executors_.get(),
                                          server->access_.get(), server->stream_limits_.get());
  server->recorder_ = std::make_unique<ChildRecorder>(
      server->store_.get(), clock, &server->config_.escalation, server->calendar_);
  server->intake_service_ = std::make_unique<IntakeService>(
      server->recorder_.get(), server->executors_.get(), server->access_.get());
  server->challenges_service_ = std::make_unique<ChallengesService>(
      server->recorder_.get(), server->executors_.get(), server->access_.get());
  server->calendar_service_ =
      std::make_unique<CalendarService>(server->calendar_, calendar_source, server->access_.get());
  server->challenge_deadlines_ = std::make_unique<workflow::ChallengeDeadlines>(
      server->store_.get(), &server->config_.escalation, server->calendar_);
  server->deadline_engine_ =
      std::make_unique<workflow::DeadlineEngine>(server->store_.get(), clock);
  server->deadline_engine_->AddSource(server->challenge_deadlines_.get());
  if (server->config_.reviews.record_missed_deadlines) {
    server->review_deadlines_ =
        std::make_unique<workflow::ReviewDeadlines>(server->store_.get(), &server->config_.reviews,
                                                    &server->config_.escalation, server->calendar_);
    server->deadline_engine_->AddSource(server->review_deadlines_.get());
  }
  server->deadline_runner_ =
      std::make_unique<DeadlineRunner>(server->store_.get(), clock, server->deadline_engine_.get());
  projections::CouncilSettings settings;
  settings.reviews = server->config_.reviews;
  settings.section20 = server->config_.section20;
  settings.placements_with_parents = server->config_.placements_with_parents;
  settings.policy = &server->config_.escalation;
  settings.calendar = server->calendar_;
  server->projection_host_ =
      std::make_unique<ProjectionHost>(server->store_.get(), clock, settings);
  if (server->review_deadlines_) {
    // Review deadlines follow every child event: take the child's record from the read model
    // when it is up to date, instead of reading the child's stream once more.
    const projections::CouncilView* view = &server->projection_host_->view();
    server->review_deadlines_->SetRecordLookup(
        [view](const std::string& child_id) -> std::shared_ptr<const domain::ChildRecord> {
          const std::shared_ptr<const projections::ChildMap> children = view->Snapshot();
          const auto it = children->find(child_id);
          return it == children->end() ? nullptr : it->second;
        },
        // The projection worker is woken by the same commit as the runner; a lagging or
        // stopped one costs the runner at most this per batch, then the streams are read.
        [view](uint64_t end) { view->WaitFor(end, absl::Milliseconds(50)); });
  }
  server->queries_service_ = std::make_unique<QueriesService>(
      server->projection_host_.get(), server->executors_.get(), server->access_.get());
  server->projections_service_ = std::make_unique<ProjectionsService>(
      server->projection_host_.get(), server->executors_.get(), server->access_.get());
  server->admin_service_ = std::make_unique<AdminService>(
      server->store_.get(), server->access_store_.get(), server->executors_.get(),
      server->access_.get(), server->config_.backup_keep, clock, server->recorder_.get());

  if (!IsLoopback(listen->host) && !config.tls.enabled()) {
    spdlog::warn(
        "listening on {} without TLS (insecure_plaintext: true): anyone who can reach this "
        "address can read and write the log",
        config.listen);
  }
  stop_opening();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(RequestLogFactory());
  if (!config.metrics_listen.empty()) {
    auto metrics = Metrics::Start(config.metrics_listen, server->store_.get());
    if (!metrics.ok()) return metrics.status();
    server->metrics_ = *std::move(metrics);
    server->metrics_->SetProjectionHost(server->projection_host_.get());
    server->metrics_->SetDeadlineRunner(server->deadline_runner_.get());
    server->metrics_->SetAdminService(server->admin_service_.get());
    server->metrics_->SetExecutors(server->executors_.get());
    creators.push_back(server->metrics_->InterceptorFactory());
  }
  builder.experimental().SetInterceptorCreators(std::move(creators));
  builder.AddListeningPort(config.listen, credentials, &server->port_);
  builder.RegisterService(server->event_store_service_.get());
  builder.RegisterService(server->intake_service_.get());
  builder.RegisterService(server->challenges_service_.get());
  builder.RegisterService(server->calendar_service_.get());
  builder.RegisterService(server->queries_service_.get());
  builder.RegisterService(server->projections_service_.get());
  builder.RegisterService(server->admin_service_.get());
  // An append may carry max_batch_bytes of event data plus framing.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<size_t>(config.max_batch_bytes + (1 << 20), INT32_MAX)));
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    server->store_.reset();
    server->access_store_.reset();
    return absl::UnavailableError(
        absl::StrCat("listen: cannot listen on ", config.listen,
                     " (address in use, or not an address of this machine)"));
  }
  server->address_ = absl::StrCat(listen->host, ":", server->port_);
  // Deadlines that passed while the server was down fire now, once each; the projection
  // workers catch up from their checkpoints and follow the log.
  auto* health = server->server_->GetHealthCheckService();
  health->SetServingStatus(true);
  for (const char* name : kServiceNames) health->SetServingStatus(name, true);
  // Queries answer from the read models: not serving while a projection is stopped. The
  // server as a whole ("") then reports NOT_SERVING too, so that monitoring sees it; the
  // services that record facts (EventStore, Intake, Challenges, Calendar) stay SERVING, since
  // the log does not depend on the read models (probe those for "can it take appends").
  server->projection_host_->SetHealthListener([health](bool healthy) {
    health->SetServingStatus("footprint.v1.Queries", healthy);
    health->SetServingStatus("", healthy);
  });
  server->deadline_runner_->Start();
  server->projection_host_->Start();
  return server;
}

FootprintServer::FootprintServer() = default;

FootprintServer::~FootprintServer() { Shutdown(); }

std::string FootprintServer::metrics_address() const { return metrics_ ? metrics_->address() : ""; }

void FootprintServer::Shutdown() {
  {
    base::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (server_) {
    spdlog::info("shutting down: finishing in-flight calls");
    auto* health = server_->GetHealthCheckService();
    health->SetServingStatus(false);
    if (deadline_runner_) deadline_runner_->Stop();
    if (projection_host_) projection_host_->Stop();
    // Live subscriptions would otherwise hold the server until the grace period ends.
    store_->notifier().Close();
    if (access_store_) access_store_->notifier().Close();
    // Appends already accepted are committed and answered; new ones get UNAVAILABLE. Then
    // gRPC gets a short moment to flush those replies: its own shutdown also waits for idle
    // client connections to go away, which can take the whole grace period. Reads still
    // running after that (replays, verification) are cancelled.
    if (!event_store_service_->Drain(absl::Now() + config_.shutdown_grace)) {
      spdlog::warn("shutdown: appends still unanswered after {}; cancelling them",
                   absl::FormatDuration(config_.shutdown_grace));
    }
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    server_->Wait();
  }
  if (executors_) executors_->Join();
  if (store_) {
    store_->StopWriter();
    const uint64_t events = store_->CommittedEnd().value;
    store_.reset();
    spdlog::info("store closed ({} events)", events);
  }
  if (access_store_) {
    access_store_->StopWriter();
    access_store_.reset();
  }
}

void FootprintServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace footprint::services
