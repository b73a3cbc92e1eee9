// The projection worker drives a projection from the log with its checkpoint committed in the
// same write as the read model, lets it load what it keeps in memory, and rebuilds to the same
// state; the log reader it reads with.
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

// Keeps a count of the events it saw in memory, rebuilt from the log in Load (the way the
// children projection keeps its view); a load fails while `refuse_load` is set.
class MemoryCount final : public Projection {
 public:
  explicit MemoryCount(const EventStore* store) : store_(store) {}
  std::string name() const override { return "memory_count"; }
  absl::Status Load(uint64_t checkpoint) override {
    loads.push_back(checkpoint);
    if (refuse_load) return absl::DataLossError("the log is not what it was");
    if (loaded_ && position_ == checkpoint) return absl::OkStatus();
    count = 0;
    eventstore::ChunkLimits limits;
    limits.end = eventstore::GlobalPosition{checkpoint};
    LogReader reader(store_, {}, limits, 0);
    for (uint64_t next = 0; next < checkpoint;) {
      auto chunk = reader.Next();
      if (!chunk.ok()) return chunk.status();
      count += chunk->events.size();
      if (chunk->next_position == next) break;
      next = chunk->next_position;
    }
    loaded_ = true;
    position_ = checkpoint;
    return absl::OkStatus();
  }
  absl::Status Apply(const v1::Event&, ProjectionContext& context) override {
    ++count;
    context.Put("seen", "yes");
    return absl::OkStatus();
  }
  void Committed(uint64_t next) override { position_ = next; }

  std::vector<uint64_t> loads;
  bool refuse_load = false;
  uint64_t count = 0;

 private:
  const EventStore* store_;
  bool loaded_ = false;
  uint64_t position_ = 0;
};

TEST_CASE("a projection loads what it keeps in memory up to the checkpoint before catching up",
          "[projection]") {
  TempDir dir;
  auto store = Open(dir);
  AppendTypes(*store, {"A", "B", "C"});
  {
    MemoryCount projection(store.get());
    ProjectionWorker worker(store.get(), &projection, 2);
    CHECK(*worker.CatchUp() == 3);
    CHECK(projection.count == 3);
    AppendTypes(*store, {"D"});
    CHECK(*worker.CatchUp() == 1);
    CHECK(projection.loads == std::vector<uint64_t>{0, 3});  // each catch-up, from its checkpoint
    CHECK(projection.count == 4);
  }
  // A restart: the projection's memory is gone and is built from the log up to the checkpoint;
  // the events after it are applied, not loaded.
  AppendTypes(*store, {"E", "F"});
  MemoryCount restarted(store.get());
  ProjectionWorker worker(store.get(), &restarted, 2);
  CHECK(*worker.CatchUp() == 2);
  CHECK(restarted.loads == std::vector<uint64_t>{4});
  CHECK(restarted.count == 6);

  // A load that fails stops the worker, at the checkpoint, with the reason.
  MemoryCount refusing(store.get());
  refusing.refuse_load = true;
  ProjectionWorker stopped(store.get(), &refusing, 2);
  auto applied = stopped.CatchUp();
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.status().code() == absl::StatusCode::kDataLoss);
  CHECK(applied.status().message() ==
        "projection 'memory_count' cannot load its state up to position 6: the log is not what "
        "it was");
  CHECK_FALSE(stopped.status().healthy);
  CHECK(stopped.status().failed_position == 6);
  CHECK(stopped.status().next_position == 6);
  CHECK(stopped.status().error == "the log is not what it was");
}

TEST_CASE("a log reader reads every matching event once, in order, across chunks", "[projection]") {
  TempDir dir;
  auto store = Open(dir);
  std::vector<std::string> types;
  for (int i = 0; i < 53; ++i) types.push_back(i % 3 == 0 ? "Skip" : "Keep");
  AppendTypes(*store, types);
  eventstore::ReadFilter filter;
  filter.event_types = {"Keep"};
  for (size_t per_chunk : {1, 4, 35, 1000}) {
    for (uint64_t from : {0, 10}) {
      INFO("chunks of " << per_chunk << " from " << from);
      eventstore::ChunkLimits limits;
      limits.max_events = per_chunk;
      LogReader reader(store.get(), filter, limits, from);
      std::vector<uint64_t> seen;
      for (uint64_t next = from;;) {
        auto chunk = reader.Next();
        REQUIRE(chunk.ok());
        CHECK(chunk->events.size() <= per_chunk);
        for (const v1::Event* event : chunk->events) {
          CHECK(event->type() == "Keep");
          CHECK(event->stream() == "child-1");
          seen.push_back(event->position());
        }
        if (chunk->next_position == next) break;
        next = chunk->next_position;
      }
      std::vector<uint64_t> expected;
      for (uint64_t p = from; p < 53; ++p) {
        if (p % 3 != 0) expected.push_back(p);
      }
      CHECK(seen == expected);
    }
  }
  // Up to an end, as a load reads up to its checkpoint.
  eventstore::ChunkLimits limits;
  limits.max_events = 4;
  limits.end = eventstore::GlobalPosition{9};
  LogReader reader(store.get(), filter, limits, 0);
  std::vector<uint64_t> seen;
  for (uint64_t next = 0;;) {
    auto chunk = reader.Next();
    REQUIRE(chunk.ok());
    for (const v1::Event* event : chunk->events) seen.push_back(event->position());
    if (chunk->next_position == next) break;
    next = chunk->next_position;
  }
  CHECK(seen == std::vector<uint64_t>{1, 2, 4, 5, 7, 8});
}

}  // namespace
}  // namespace footprint::projections
