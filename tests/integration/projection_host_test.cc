// The projection host in a real in-process server: queries see what was just recorded, the read
// model survives a restart, and a read model in an earlier layout stops the children projection
// visibly (status, health, queries) instead of being skipped; while the stores open, health
// answers NOT_SERVING on the listen address. (An event of a child's stream that is not a domain
// event is left out of the record visibly instead: foreign_events_test.cc.)
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "domain/child_record.h"
#include "eventstore/testing/manual_clock.h"
#include "footprint/v1/intake.grpc.pb.h"
#include "footprint/v1/queries.grpc.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "in_process_server.h"
#include "process.h"
#include "services/projection_host.h"
#include "services/server.h"
#include "temp_dir.h"

namespace footprint::services {
namespace {

using footprint::testing::ManualClock;
using footprint::testing::TempDir;

// 10:00 on Mon 5 January 2026: no review of a child who became looked after that week is due.
ManualClock& Clock() {
  static ManualClock clock(
      absl::FromCivil(absl::CivilSecond(2026, 1, 5, 10, 0, 0), absl::UTCTimeZone()));
  return clock;
}

std::unique_ptr<FootprintServer> StartServer(const std::string& data_dir) {
  return footprint::testing::StartInProcessServer(data_dir, &Clock());
}

std::shared_ptr<grpc::Channel> Channel(const FootprintServer& server) {
  return footprint::testing::PlaintextChannel(server);
}

using footprint::testing::CareStartedEvent;

void Record(v1::Intake::Stub& intake, const std::string& child, const v1::ChildEvent& event) {
  v1::RecordRequest request;
  request.set_child_id(child);
  request.set_source_system("test");
  request.set_recorded_by("tester");
  *request.add_events()->mutable_event() = event;
  v1::RecordResponse response;
  grpc::ClientContext context;
  const grpc::Status st = intake.Record(&context, request, &response);
  INFO(st.error_message());
  REQUIRE(st.ok());
}

// Queries.ReviewsDue as at `as_at` ("": today on the server's clock).
grpc::Status AskReviewsDue(const FootprintServer& server, const std::string& as_at,
                           v1::ReviewsDueReport* report) {
  auto queries = v1::Queries::NewStub(Channel(server));
  v1::ReviewsDueRequest request;
  if (!as_at.empty()) request.mutable_scope()->set_as_at(as_at);
  grpc::ClientContext context;
  return queries->ReviewsDue(&context, request, report);
}

// grpc.health.v1 Check for `service` over a generic call: the status enum (SERVING = 1,
// NOT_SERVING = 2), or -1 when the call fails.
int HealthOf(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  std::string request;
  request.push_back(0x0a);  // field 1, length-delimited
  request.push_back(static_cast<char>(service.size()));
  request += service;
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request_buffer,
                 &response_buffer, [&done](grpc::Status status) { done.set_value(status); });
  if (!done.get_future().get().ok()) return -1;
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromString(bytes)) return -1;
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == 1) return static_cast<int>(fields.field(i).varint());
  }
  return 0;
}

TEST_CASE("a query right after a write sees it", "[projection_host]") {
  TempDir dir;
  auto server = StartServer(dir.Sub("data"));
  auto intake = v1::Intake::NewStub(Channel(*server));
  auto queries = v1::Queries::NewStub(Channel(*server));
  for (int i = 0; i < 20; ++i) {
    const std::string child = "K" + std::to_string(i);
    Record(*intake, child, CareStartedEvent(child, "2026-01-05"));
    v1::ChildSummaryRequest request;
    request.set_child_id(child);
    request.set_as_at("2026-01-05");
    v1::ChildSummary summary;
    grpc::ClientContext context;
    const grpc::Status st = queries->Child(&context, request, &summary);
    INFO(child << ": " << st.error_message());
    REQUIRE(st.ok());
    CHECK(summary.looked_after());
    // 20 working days from Mon 5 January 2026 (day 0): 6-9 January are days 1-4, then four
    // full weeks, so Mon 2 February is day 20 (no bank holidays in between).
    CHECK(summary.next_review().due_on() == "2026-02-02");
  }
}

TEST_CASE("the read model and its checkpoint survive a restart", "[projection_host]") {
  TempDir dir;
  std::string before;
  uint64_t log_end = 0;
  {
    auto server = StartServer(dir.Sub("data"));
    auto intake = v1::Intake::NewStub(Channel(*server));
    Record(*intake, "A1", CareStartedEvent("A1", "2026-01-02"));
    Record(*intake, "B2", CareStartedEvent("B2", "2026-01-05"));
    v1::ReviewsDueReport report;
    REQUIRE(AskReviewsDue(*server, "2026-01-05", &report).ok());
    // A1: Fri 2 January + 20 working days = Fri 30 January; B2: Mon 5 January -> Mon 2 February.
    REQUIRE(report.items_size() == 2);
    CHECK(report.items(0).child_id() == "A1");
    CHECK(report.items(0).due_on() == "2026-01-30");
    CHECK(report.items(1).due_on() == "2026-02-02");
    before = report.SerializeAsString();
    log_end = server->store().CommittedEnd().value;
  }
  auto server = StartServer(dir.Sub("data"));
  v1::ReviewsDueReport report;
  REQUIRE(AskReviewsDue(*server, "2026-01-05", &report).ok());
  CHECK(report.SerializeAsString() == before);
  const v1::ProjectionsStatusResponse status = server->projections().Status();
  REQUIRE(status.projections_size() >= 1);
  CHECK(status.projections(0).name() == "children");
  CHECK(status.projections(0).position() == log_end);
  CHECK(status.projections(0).lag() == 0);
}

TEST_CASE("a read model in an earlier layout stops the children projection until rebuilt",
          "[projection_host]") {
  TempDir dir;
  uint64_t log_end = 0;
  {
    auto server = StartServer(dir.Sub("data"));
    auto intake = v1::Intake::NewStub(Channel(*server));
    Record(*intake, "A1", CareStartedEvent("A1", "2026-01-02"));
    log_end = server->store().CommittedEnd().value;
    // What an earlier version wrote: a copy of each event under its child ("e/" child 0x00
    // u64be(position)).
    auto model = server->store().OpenReadModel("children");
    REQUIRE(model.ok());
    server->projections().Stop();
    eventstore::ConsumerBatch batch;
    batch.Put(*model, std::string("e/A1\0\0\0\0\0\0\0\0\0", 13), "an old copy");
    REQUIRE(server->store()
                .CommitConsumer("children", eventstore::GlobalPosition{log_end}, batch)
                .ok());
  }
  auto server = StartServer(dir.Sub("data"));
  v1::ReviewsDueReport report;
  const grpc::Status refused = AskReviewsDue(*server, "2026-01-05", &report);
  CHECK(refused.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(refused.error_message() ==
        "projection 'children' stopped at position 1: read model 'children' has the layout of an "
        "earlier version (a copy of every event); rebuild it with `footprint projections rebuild "
        "children` (see `footprint projections status`)");
  const v1::ProjectionState stopped = server->projections().Status().projections(0);
  CHECK_FALSE(stopped.healthy());
  CHECK(stopped.position() == log_end);  // the checkpoint it could not load up to
  CHECK(stopped.failed_position() == log_end);
  CHECK(stopped.lag() == 0);
  CHECK(HealthOf(Channel(*server), "") == 2);  // NOT_SERVING while the worker is stopped
  // What a probe sees with the CLI: the server as a whole is not serving (exit 4), the log is.
  auto probe = footprint::testing::RunCli(server->address(), {"health"});
  CHECK(probe.exit_code == 4);
  CHECK(probe.out == "footprintd: NOT_SERVING\n");
  probe = footprint::testing::RunCli(server->address(), {"health", "footprint.v1.EventStore"});
  CHECK(probe.exit_code == 0);
  CHECK(probe.out == "footprint.v1.EventStore: SERVING\n");

  auto rebuilt = server->projections().Rebuild("children");
  INFO(rebuilt.status().ToString());
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->events_applied() == log_end);
  CHECK(rebuilt->state().healthy());
  CHECK(HealthOf(Channel(*server), "") == 1);  // SERVING again once it is rebuilt
  CHECK(HealthOf(Channel(*server), "footprint.v1.Queries") == 1);
  REQUIRE(AskReviewsDue(*server, "2026-01-05", &report).ok());
  REQUIRE(report.items_size() == 1);
  CHECK(report.items(0).due_on() == "2026-01-30");
  // The old copies went with the rebuild: only the directory is left.
  auto model = server->store().OpenReadModel("children");
  REQUIRE(model.ok());
  std::vector<std::string> keys;
  REQUIRE(server->store()
              .ReadModelScan(*model, "",
                             [&](absl::string_view key, absl::string_view) {
                               keys.emplace_back(key);
                               return true;
                             })
              .ok());
  CHECK(keys == std::vector<std::string>{"c/A1"});
}

TEST_CASE("a checkpoint beyond the log stops the children projection at start-up",
          "[projection_host]") {
  TempDir dir;
  {
    auto server = StartServer(dir.Sub("data"));
    auto intake = v1::Intake::NewStub(Channel(*server));
    Record(*intake, "A1", CareStartedEvent("A1", "2026-01-02"));
    REQUIRE(server->store().CommittedEnd().value == 1);
    // As if the store had lost its last events (a damaged or wrongly restored data directory).
    server->projections().Stop();
    REQUIRE(
        server->store()
            .CommitConsumer("children", eventstore::GlobalPosition{6}, eventstore::ConsumerBatch())
            .ok());
  }
  auto server = StartServer(dir.Sub("data"));
  v1::ReviewsDueReport report;
  const grpc::Status st = AskReviewsDue(*server, "", &report);
  CHECK(st.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(st.error_message() ==
        "projection 'children' stopped at position 6: the log ends at position 1, before the "
        "checkpoint at 6 (see `footprint projections status`)");
  CHECK_FALSE(server->projections().Status().projections(0).healthy());
}

// Queries.Placements as at Mon 5 January 2026, `page_size` children a page.
grpc::Status AskPlacements(const FootprintServer& server, int page_size, const std::string& token,
                           v1::PlacementReport* report, const std::string& as_at = "2026-01-05") {
  auto queries = v1::Queries::NewStub(Channel(server));
  v1::PlacementsRequest request;
  request.mutable_scope()->set_as_at(as_at);
  request.mutable_paging()->set_page_size(page_size);
  request.mutable_paging()->set_page_token(token);
  grpc::ClientContext context;
  return queries->Placements(&context, request, report);
}

std::vector<std::string> ChildrenOf(const v1::PlacementReport& report) {
  std::vector<std::string> ids;
  for (const auto& item : report.children()) ids.push_back(item.child_id());
  return ids;
}

TEST_CASE("the pages of a listing come from the read model as it was at the first page",
          "[projection_host]") {
  TempDir dir;
  std::string token;
  {
    auto server = StartServer(dir.Sub("data"));
    auto intake = v1::Intake::NewStub(Channel(*server));
    for (const char* child : {"A1", "A2", "A3", "A4", "A5"}) {
      Record(*intake, child, CareStartedEvent(child, "2026-01-05"));
    }
    v1::PlacementReport first;
    REQUIRE(AskPlacements(*server, 2, "", &first).ok());
    CHECK(ChildrenOf(first) == std::vector<std::string>{"A1", "A2"});
    CHECK(first.looked_after() == 5);
    CHECK(first.position() == 5);
    REQUIRE_FALSE(first.next_page_token().empty());

    // A child recorded meanwhile (first in id order) changes neither the pages nor the counts
    // of the listing already begun.
    Record(*intake, "A0", CareStartedEvent("A0", "2026-01-05"));
    v1::PlacementReport second;
    grpc::Status st = AskPlacements(*server, 2, first.next_page_token(), &second);
    INFO(st.error_message());
    REQUIRE(st.ok());
    CHECK(ChildrenOf(second) == std::vector<std::string>{"A3", "A4"});
    CHECK(second.looked_after() == 5);
    CHECK(second.position() == 5);
    v1::PlacementReport third;
    REQUIRE(AskPlacements(*server, 2, second.next_page_token(), &third).ok());
    CHECK(ChildrenOf(third) == std::vector<std::string>{"A5"});
    CHECK(third.next_page_token().empty());

    // A new listing sees the new child.
    v1::PlacementReport fresh;
    REQUIRE(AskPlacements(*server, 2, "", &fresh).ok());
    CHECK(ChildrenOf(fresh) == std::vector<std::string>{"A0", "A1"});
    CHECK(fresh.looked_after() == 6);
    CHECK(fresh.position() == 6);

    // A later page must repeat the first request.
    v1::PlacementReport other;
    st = AskPlacements(*server, 2, fresh.next_page_token(), &other, "2026-01-06");
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StartsWith(st.error_message(),
                           "paging.page_token: belongs to a listing begun with other options "
                           "(they differ in scope.as_at)"));
    st = AskPlacements(*server, -2, "", &other);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "paging.page_size: must not be negative (got -2)");
    token = fresh.next_page_token();
  }
  // After a restart the server keeps no listing; once the log has moved on, the state the
  // listing began from is gone, and the page is refused (nothing is answered from another).
  auto server = StartServer(dir.Sub("data"));
  auto intake = v1::Intake::NewStub(Channel(*server));
  Record(*intake, "A6", CareStartedEvent("A6", "2026-01-05"));
  v1::PlacementReport page;
  const grpc::Status st = AskPlacements(*server, 2, token, &page);
  CHECK(st.error_code() == grpc::StatusCode::ABORTED);
  CHECK(st.error_message() ==
        "paging.page_token: the server restarted since this listing began; start the listing "
        "again without page_token");
  // Without paging, the whole list, as before paging existed.
  auto queries = v1::Queries::NewStub(Channel(*server));
  v1::PlacementsRequest request;
  request.mutable_scope()->set_as_at("2026-01-05");
  grpc::ClientContext context;
  REQUIRE(queries->Placements(&context, request, &page).ok());
  CHECK(page.children_size() == 7);
  CHECK(page.next_page_token().empty());
}

v1::ChildEvent ReviewHeld(const std::string& child, const std::string& date) {
  v1::ChildEvent e;
  e.set_child_id(child);
  e.set_occurred_on(date);
  e.mutable_review_held()->set_iro_id("iro-1");
  e.mutable_review_held()->set_participation("PN1");
  return e;
}

// Sets the shared clock for one test, and back afterwards.
class ClockAt {
 public:
  explicit ClockAt(absl::Time t) : saved_(Clock().Now()) { Clock().Set(t); }
  ~ClockAt() { Clock().Set(saved_); }

 private:
  const absl::Time saved_;
};

TEST_CASE("a listing begun before midnight keeps its dates on the pages after it",
          "[projection_host]") {
  // 23:59 on Fri 30 January 2026 in England (GMT in winter).
  ClockAt at(absl::FromCivil(absl::CivilSecond(2026, 1, 30, 23, 59, 0), absl::UTCTimeZone()));
  TempDir dir;
  auto server = StartServer(dir.Sub("data"));
  auto intake = v1::Intake::NewStub(Channel(*server));
  for (const char* child : {"B1", "B2", "B3"}) {
    Record(*intake, child, CareStartedEvent(child, "2026-01-05"));
    Record(*intake, child, ReviewHeld(child, "2026-01-29"));
  }
  auto queries = v1::Queries::NewStub(Channel(*server));
  const auto ask = [&](const std::string& token, bool counts_only, v1::TimelinessReport* out) {
    v1::TimelinessRequest request;  // no dates: the collection year to today
    request.set_counts_only(counts_only);
    request.mutable_paging()->set_page_size(2);
    request.mutable_paging()->set_page_token(token);
    grpc::ClientContext context;
    return queries->Timeliness(&context, request, out);
  };
  v1::TimelinessReport first;
  REQUIRE(ask("", false, &first).ok());
  CHECK(first.from() == "2025-04-01");
  CHECK(first.to() == "2026-01-30");
  CHECK(first.reviews_held() == 3);
  REQUIRE(first.reviews_size() == 2);
  CHECK(first.reviews(0).child_id() == "B1");
  CHECK(first.reviews(1).child_id() == "B2");
  // 20 working days from Mon 5 January: Mon 2 February; held on the 29th, in time.
  CHECK(first.reviews(1).due_on() == "2026-02-02");
  REQUIRE_FALSE(first.next_page_token().empty());

  Clock().Advance(absl::Minutes(2));  // Sat 31 January
  v1::TimelinessReport second;
  const grpc::Status st = ask(first.next_page_token(), false, &second);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(second.to() == "2026-01-30");
  CHECK(second.reviews_held() == 3);
  REQUIRE(second.reviews_size() == 1);
  CHECK(second.reviews(0).child_id() == "B3");
  CHECK(second.next_page_token().empty());

  // A new listing is as at the new day; the counts alone come in one answer.
  v1::TimelinessReport counts;
  REQUIRE(ask("", true, &counts).ok());
  CHECK(counts.to() == "2026-01-31");
  CHECK(counts.reviews_held() == 3);
  CHECK(counts.reviews_size() == 0);
  CHECK(counts.next_page_token().empty());
}

// A free TCP port on loopback (bound and released: a fixed-port listen address for the test).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST_CASE("while the stores open, health says NOT_SERVING and calls are UNAVAILABLE",
          "[projection_host]") {
  TempDir dir;
  ServerConfig config;
  config.data_dir = dir.Sub("data");
  config.listen = absl::StrCat("127.0.0.1:", FreePort());
  const auto channel = grpc::CreateChannel(config.listen, grpc::InsecureChannelCredentials());
  bool probed = false;
  auto started = FootprintServer::Start(config, &Clock(), [&] {
    // The stores are not open yet: nothing in the data directory.
    CHECK_FALSE(std::filesystem::exists(dir.Sub("data") + "/CURRENT"));
    CHECK(HealthOf(channel, "") == 2);  // NOT_SERVING
    CHECK(HealthOf(channel, "footprint.v1.EventStore") == 2);
    CHECK(HealthOf(channel, "footprint.v1.Queries") == 2);
    auto intake = v1::Intake::NewStub(channel);
    v1::RecordRequest request;
    v1::RecordResponse response;
    grpc::ClientContext context;
    const grpc::Status status = intake->Record(&context, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK(status.error_message() == "footprintd is opening its data directory; try again shortly");
    probed = true;
  });
  INFO(started.status().ToString());
  REQUIRE(started.ok());
  CHECK(probed);
  // Open: the real server on the same address.
  CHECK((*started)->address() == config.listen);
  CHECK(HealthOf(channel, "") == 1);  // SERVING
  CHECK(HealthOf(channel, "footprint.v1.EventStore") == 1);
  auto intake = v1::Intake::NewStub(channel);
  Record(*intake, "O1", CareStartedEvent("O1", "2026-01-02"));
}

// Issue 22: the annual report's coverage names the import runs recorded in the stream
// `imports` (written here straight into the store, as Intake.RecordImportRun stores them), and
// a child whose every event came from an imported source has consent not known in Section 20.
TEST_CASE("the annual report's coverage lists the import runs and the sources of the record",
          "[projection_host][annual]") {
  TempDir dir;
  auto server = StartServer(dir.Sub("data"));
  auto intake = v1::Intake::NewStub(Channel(*server));
  auto queries = v1::Queries::NewStub(Channel(*server));
  // One child recorded by the import's source system, in section 20 with no consent.
  {
    v1::RecordRequest request;
    request.set_child_id("I1");
    request.set_source_system("ssda903");
    request.set_recorded_by("importer");
    v1::ChildEvent e = CareStartedEvent("I1", "2025-09-01");
    e.mutable_period_of_care_started()->set_legal_status("V2");
    *request.add_events()->mutable_event() = e;
    v1::RecordResponse response;
    grpc::ClientContext context;
    const grpc::Status st = intake->Record(&context, request, &response);
    INFO(st.error_message());
    REQUIRE(st.ok());
  }
  Record(*intake, "L1", CareStartedEvent("L1", "2025-07-07"));  // source "test"
  v1::ImportRun run;
  run.set_source_system("ssda903");
  run.add_years(2025);
  run.add_files("2025-episodes.csv");
  run.set_children_read(3);
  run.set_children_imported(1);
  run.set_children_rejected(2);
  run.set_rows_left_out(4);
  run.set_finished_at("2026-01-05T09:00:00Z");
  eventstore::AppendRequest append;
  append.stream = std::string(domain::kImportRunsStream);
  eventstore::NewEvent event;
  event.type = std::string(domain::kImportRunEventType);
  event.metadata.set_source_system("ssda903");
  event.content_type = v1::CONTENT_TYPE_PROTOBUF;
  event.payload_type = v1::ImportRun::descriptor()->full_name();
  event.data = run.SerializeAsString();
  append.events.push_back(event);
  REQUIRE(server->store().Append(std::move(append)).ok());

  v1::AnnualReportRequest request;
  request.set_year(2025);
  v1::AnnualReport report;
  grpc::ClientContext context;
  const grpc::Status st = queries->AnnualReport(&context, request, &report);
  INFO(st.error_message());
  REQUIRE(st.ok());
  const v1::AnnualCoverage& coverage = report.coverage();
  CHECK(coverage.children_in_record() == 2);
  REQUIRE(coverage.import_runs_size() == 1);
  CHECK(coverage.import_runs(0).source_system() == "ssda903");
  CHECK(coverage.import_runs(0).children_rejected() == 2);
  CHECK(coverage.import_runs(0).rows_left_out() == 4);
  CHECK(coverage.import_runs(0).years(0) == 2025);
  INFO(coverage.ShortDebugString());
  // By source system, in name order: the server's own (missed review deadlines), the import's,
  // and the other system's.
  REQUIRE(coverage.sources_size() == 3);
  CHECK(coverage.sources(0).source_system() == "footprint");
  CHECK(coverage.sources(1).source_system() == "ssda903");
  CHECK(coverage.sources(1).imported());
  CHECK(coverage.sources(1).children() == 1);
  CHECK(coverage.sources(1).first_event_on() == "2025-09-01");
  CHECK(coverage.sources(2).source_system() == "test");
  CHECK_FALSE(coverage.sources(2).imported());
  CHECK(coverage.latest_event_on() == "2025-09-01");
  CHECK(absl::StartsWith(coverage.produced_at(), "2026-"));  // the server's clock
  CHECK(coverage.year_has_data());
  CHECK(report.section20().at_end() == 1);
  CHECK(report.section20().consent_not_recorded_at_end() == 1);
  CHECK(report.section20().flagged_at_end() == 0);

  v1::Section20Request s20_request;
  s20_request.mutable_scope()->set_as_at("2026-01-05");
  v1::Section20Report s20;
  grpc::ClientContext s20_context;
  REQUIRE(queries->Section20(&s20_context, s20_request, &s20).ok());
  REQUIRE(s20.children_size() == 1);
  CHECK(s20.children(0).consent_not_known());
  CHECK(s20.children(0).flags_size() == 0);
}

}  // namespace
}  // namespace footprint::services
