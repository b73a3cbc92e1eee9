// The projection worker drives a projection from the log with its checkpoint committed in the
// same write as the read model, and rebuilds to the same state.
#include "catch2/catch.hpp"
#include "eventstore/event_store.h"
#include "projections/projection.h"
#include "store_dump.h"
#include "temp_dir.h"

namespace footprint::projections {
namespace {

using eventstore::AppendRequest;
using eventstore::EventStore;
using eventstore::NewEvent;
using footprint::testing::DumpReadModel;
using footprint::testing::TempDir;

// Counts events per type; refuses events of type "Poison" (a projection bug stand-in).
class TypeCounts final : public Projection {
 public:
  std::string name() const override { return "type_counts"; }
  absl::Status Apply(const v1::Event& event, ProjectionContext& context) override {
    if (event.type() == "Poison") return absl::InvalidArgumentError("cannot count poison");
    auto current = context.Get(event.type());
    if (!current.ok()) return current.status();
    const int count = current->has_value() ? std::stoi(**current) : 0;
    context.Put(event.type(), std::to_string(count + 1));
    return absl::OkStatus();
  }
};

std::unique_ptr<EventStore> Open(const TempDir& dir) {
  eventstore::StoreOptions options;
  options.data_dir = dir.Sub("data");
  auto store = EventStore::Open(options);
  REQUIRE(store.ok());
  return std::move(*store);
}

void AppendTypes(EventStore& store, const std::vector<std::string>& types) {
  AppendRequest request;
  request.stream = "child-1";
  for (const auto& t : types) {
    NewEvent e;
    e.type = t;
    e.data = "{}";
    request.events.push_back(e);
  }
  REQUIRE(store.Append(request).ok());
}

TEST_CASE("a worker applies each event once across commits and restarts", "[projection]") {
  TempDir dir;
  auto store = Open(dir);
  AppendTypes(*store, {"A", "B", "A", "C", "A"});
  TypeCounts projection;
  {
    ProjectionWorker worker(store.get(), &projection, /*events_per_commit=*/2);
    auto applied = worker.CatchUp();
    REQUIRE(applied.ok());
    CHECK(*applied == 5);
    CHECK(worker.status().next_position == 5);
    CHECK(DumpReadModel(*store, worker.model()) ==
          std::map<std::string, std::string>{{"A", "3"}, {"B", "1"}, {"C", "1"}});
    CHECK(*worker.CatchUp() == 0);  // nothing new: nothing applied twice
  }
  AppendTypes(*store, {"B", "D"});
  store.reset();
  store = Open(dir);  // a restart resumes from the checkpoint
  ProjectionWorker worker(store.get(), &projection);
  CHECK(*worker.CatchUp() == 2);
  CHECK(DumpReadModel(*store, worker.model()) ==
        std::map<std::string, std::string>{{"A", "3"}, {"B", "2"}, {"C", "1"}, {"D", "1"}});
  CHECK(store->LoadCheckpoint("type_counts")->value().value == 7);
}

TEST_CASE("a rebuild from zero equals the incrementally built read model", "[projection]") {
  TempDir dir;
  auto store = Open(dir);
  TypeCounts projection;
  ProjectionWorker worker(store.get(), &projection, 3);
  for (int round = 0; round < 5; ++round) {
    AppendTypes(*store, {"A", round % 2 ? "B" : "C", "A"});
    REQUIRE(worker.CatchUp().ok());
  }
  const auto incremental = DumpReadModel(*store, worker.model());
  CHECK(incremental == std::map<std::string, std::string>{{"A", "10"}, {"B", "2"}, {"C", "3"}});
  auto rebuilt = worker.Rebuild();
  REQUIRE(rebuilt.ok());
  CHECK(*rebuilt == 15);
  CHECK(DumpReadModel(*store, worker.model()) == incremental);
}

TEST_CASE("an event the projection cannot apply stops the worker at its position", "[projection]") {
  TempDir dir;
  auto store = Open(dir);
  AppendTypes(*store, {"A", "A", "Poison", "A"});
  TypeCounts projection;
  ProjectionWorker worker(store.get(), &projection, 2);
  auto applied = worker.CatchUp();
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.status().message() ==
        "projection 'type_counts' cannot apply event at position 2: cannot count poison");
  const WorkerStatus status = worker.status();
  CHECK_FALSE(status.healthy);
  CHECK(status.failed_position == 2);
  // The batch before the poison event was committed; the failing batch was not.
  CHECK(status.next_position == 2);
  CHECK(store->LoadCheckpoint("type_counts")->value().value == 2);
  CHECK(DumpReadModel(*store, worker.model()) == std::map<std::string, std::string>{{"A", "2"}});
  // It stays stopped: the event is never skipped.
  CHECK(worker.CatchUp().status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(store->LoadCheckpoint("type_counts")->value().value == 2);
}

}  // namespace
}  // namespace footprint::projections
