// Executors by kind of work in a real in-process server: while every long-job thread is held
// (as by a rebuild or a backup that takes minutes) and the long-job queue is full, an append
// through Intake and a query through Queries are still answered, a short VerifyChain too, and
// more long jobs are refused with RESOURCE_EXHAUSTED naming them. Once the threads are free,
// the same long jobs run.
//
// Before the executors, one pool (read_threads: one thread per CPU, 2 on this machine) ran all
// of this: Intake and Challenges waiting for their synced append, Queries waiting for the read
// model, rebuilds, backups and verifications. Two long jobs held both of its threads, and
// Intake.Record and Queries.Child below waited behind them: they would end DEADLINE_EXCEEDED.
// The jobs here block on promises, so the test never depends on timing.
#include <grpcpp/grpcpp.h>

#include <future>
#include <string>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "eventstore/testing/manual_clock.h"
#include "footprint/v1/admin.grpc.pb.h"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "footprint/v1/intake.grpc.pb.h"
#include "footprint/v1/queries.grpc.pb.h"
#include "in_process_server.h"
#include "services/event_store_service.h"
#include "services/executors.h"
#include "services/server.h"
#include "temp_dir.h"

namespace footprint::services {
namespace {

using footprint::testing::CareStartedEvent;
using footprint::testing::ManualClock;
using footprint::testing::TempDir;

// 10:00 on Mon 5 January 2026.
ManualClock& Clock() {
  static ManualClock clock(
      absl::FromCivil(absl::CivilSecond(2026, 1, 5, 10, 0, 0), absl::UTCTimeZone()));
  return clock;
}

// A bound on each call, so that a starved call fails the test instead of hanging it. Generous:
// an answered call takes milliseconds.
void Bound(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
}

grpc::Status RecordCareStarted(v1::Intake::Stub& intake, const std::string& child) {
  v1::RecordRequest request;
  request.set_child_id(child);
  request.set_source_system("test");
  request.set_recorded_by("tester");
  *request.add_events()->mutable_event() = CareStartedEvent(child, "2026-01-05");
  v1::RecordResponse response;
  grpc::ClientContext context;
  Bound(&context);
  return intake.Record(&context, request, &response);
}

grpc::Status AskChild(v1::Queries::Stub& queries, const std::string& child,
                      v1::ChildSummary* summary) {
  v1::ChildSummaryRequest request;
  request.set_child_id(child);
  request.set_as_at("2026-01-05");
  grpc::ClientContext context;
  Bound(&context);
  return queries.Child(&context, request, summary);
}

grpc::Status Backup(v1::Admin::Stub& admin, const std::string& dir) {
  v1::BackupRequest request;
  request.set_dir(dir);
  v1::BackupResponse response;
  grpc::ClientContext context;
  Bound(&context);
  return admin.Backup(&context, request, &response);
}

grpc::Status Rebuild(v1::Projections::Stub& projections) {
  v1::RebuildProjectionRequest request;
  request.set_name("children");
  v1::RebuildProjectionResponse response;
  grpc::ClientContext context;
  Bound(&context);
  return projections.Rebuild(&context, request, &response);
}

// Whole-chain verification: a long job once the log is longer than kShortVerifyEvents, short
// work below that.
grpc::Status Verify(v1::EventStore::Stub& log, v1::VerifyChainResponse* response) {
  v1::VerifyChainRequest request;
  grpc::ClientContext context;
  Bound(&context);
  return log.VerifyChain(&context, request, response);
}

TEST_CASE("appends and queries are answered while every long-job thread is busy", "[executors]") {
  TempDir dir;
  ServerConfig config;
  config.data_dir = dir.Sub("data");
  config.listen = "127.0.0.1:0";
  config.long_job_threads = 1;
  config.long_job_queue = 1;
  auto started = FootprintServer::Start(config, &Clock());
  INFO(started.status().ToString());
  REQUIRE(started.ok());
  std::unique_ptr<FootprintServer> server = *std::move(started);
  auto channel = footprint::testing::PlaintextChannel(*server);
  auto intake = v1::Intake::NewStub(channel);
  auto queries = v1::Queries::NewStub(channel);
  auto admin = v1::Admin::NewStub(channel);
  auto projections = v1::Projections::NewStub(channel);
  auto log = v1::EventStore::NewStub(channel);

  // One job holds the only long-job thread until released, as a long rebuild would; a second
  // takes the one place in the queue.
  std::promise<void> held;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  REQUIRE(server->executors()
              .PostLongJob("Projections.Rebuild",
                           [&held, released] {
                             held.set_value();
                             released.wait();
                           })
              .ok());
  held.get_future().wait();
  std::promise<void> queued_ran;
  REQUIRE(server->executors()
              .PostLongJob("Admin.Backup", [&queued_ran] { queued_ran.set_value(); })
              .ok());

  SECTION("an append and a query are answered") {
    const grpc::Status recorded = RecordCareStarted(*intake, "C1");
    INFO(recorded.error_message());
    REQUIRE(recorded.ok());
    v1::ChildSummary summary;
    const grpc::Status asked = AskChild(*queries, "C1", &summary);
    INFO(asked.error_message());
    REQUIRE(asked.ok());
    CHECK(summary.child_id() == "C1");
    // A verification of a short log is short work, answered too.
    v1::VerifyChainResponse verified;
    REQUIRE(Verify(*log, &verified).ok());
    CHECK(verified.ok());
    CHECK(verified.events_checked() == server->store().CommittedEnd().value);
  }

  SECTION("more long jobs are refused, naming themselves and what runs") {
    const grpc::Status backup = Backup(*admin, dir.Sub("backups"));
    CHECK(backup.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(backup.error_message() ==
          "Admin.Backup is a long job and cannot start now: every long-job thread is busy "
          "(long_job_threads: 1; running: Projections.Rebuild) and the queue is full "
          "(long_job_queue: 1); try again when one has finished");
    const grpc::Status rebuild = Rebuild(*projections);
    CHECK(rebuild.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(absl::StartsWith(rebuild.error_message(), "Projections.Rebuild is a long job"));
    // Verifying more than kShortVerifyEvents events is a long job too (refused before the
    // range is looked at).
    v1::VerifyChainRequest long_range;
    long_range.set_to_position(EventStoreService::kShortVerifyEvents + 1);
    v1::VerifyChainResponse verified;
    grpc::ClientContext verify_context;
    Bound(&verify_context);
    const grpc::Status verify = log->VerifyChain(&verify_context, long_range, &verified);
    CHECK(verify.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(absl::StartsWith(verify.error_message(), "EventStore.VerifyChain is a long job"));
    const std::vector<ExecutorLoad> load = server->executors().Load();
    CHECK(load[static_cast<size_t>(ExecutorKind::kLongJob)].refused == 3);
    CHECK(load[static_cast<size_t>(ExecutorKind::kLongJob)].running == 1);
    CHECK(load[static_cast<size_t>(ExecutorKind::kLongJob)].queued == 1);
  }

  // Released, the queued job runs, and long jobs asked for now are served.
  release.set_value();
  queued_ran.get_future().wait();
  REQUIRE(RecordCareStarted(*intake, "C2").ok());
  const grpc::Status backup = Backup(*admin, dir.Sub("backups"));
  INFO(backup.error_message());
  CHECK(backup.ok());
  const grpc::Status rebuild = Rebuild(*projections);
  INFO(rebuild.error_message());
  CHECK(rebuild.ok());
  v1::ChildSummary summary;
  CHECK(AskChild(*queries, "C2", &summary).ok());
}

}  // namespace
}  // namespace footprint::services
