// Projection: pure logic that turns events into read-model writes, and the worker that drives
// it from the log with its checkpoint committed atomically with the writes.
//
// Thread-safety: a Projection is only called from its worker's thread. ProjectionWorker's
// public methods are thread-safe; CatchUp/Rebuild must not run concurrently with Run.
#ifndef FOOTPRINT_PROJECTIONS_PROJECTION_H_
#define FOOTPRINT_PROJECTIONS_PROJECTION_H_

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/arena.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/mutex.h"
#include "eventstore/event_store.h"
#include "footprint/v1/event.pb.h"

namespace footprint::projections {

// The read-model view a projection works through while applying a batch of events: reads see
// the batch's own earlier writes; writes are committed with the checkpoint.
class ProjectionContext {
 public:
  ProjectionContext(const eventstore::EventStore* store, const eventstore::ReadModelHandle* model)
      : store_(store), model_(model) {}

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) const;
  void Put(absl::string_view key, std::string value);
  void Delete(absl::string_view key);

  // Moves the staged writes into `batch` and clears them.
  void Drain(eventstore::ConsumerBatch* batch);
  size_t staged() const { return staged_.size(); }

 private:
  const eventstore::EventStore* store_;
  const eventstore::ReadModelHandle* model_;
  std::map<std::string, std::optional<std::string>, std::less<>> staged_;  // nullopt: deleted
};

// Reads the log forwards in chunks of decoded events. While the caller works on one chunk, the
// next is read and decoded on a helper thread (after a full chunk only: a short one means the
// head is near, and the next read is made when asked for). Not thread-safe; the destructor
// waits for a read in flight.
class LogReader {
 public:
  struct Chunk {
    // The events, decoded onto `arena` (one allocation per block instead of one per string).
    std::unique_ptr<google::protobuf::Arena> arena;
    std::vector<const v1::Event*> events;
    // Where the next chunk starts (past events the filter skipped); the position read from
    // when there is nothing more.
    uint64_t next_position = 0;
  };
  // `store` is not owned and must outlive the reader.
  LogReader(const eventstore::EventStore* store, eventstore::ReadFilter filter,
            eventstore::ChunkLimits limits, uint64_t from);
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // The next chunk. DATA_LOSS if a stored event does not decode.
  absl::StatusOr<Chunk> Next();

 private:
  absl::StatusOr<Chunk> Read(uint64_t from) const;

  const eventstore::EventStore* const store_;
  const eventstore::ReadFilter filter_;
  const eventstore::ChunkLimits limits_;
  uint64_t next_;
  std::optional<std::future<absl::StatusOr<Chunk>>> ahead_;
};

class Projection {
 public:
  virtual ~Projection() = default;
  // Names the read model and the checkpoint: [a-z0-9_]{1,64}.
  virtual std::string name() const = 0;
  // Applies one event. Must be deterministic: the same events give the same read model. An
  // error stops the worker at this event (it is never skipped).
  virtual absl::Status Apply(const v1::Event& event, ProjectionContext& context) = 0;
  // Called by the worker at the start of every catch-up with the checkpoint, before anything
  // after it is applied. A projection that keeps state in memory (besides its read model)
  // builds it here from the log up to `checkpoint` if it does not hold it yet (start-up, or
  // after a batch was abandoned); a cheap no-op otherwise. An error stops the worker.
  virtual absl::Status Load(uint64_t /*checkpoint*/) { return absl::OkStatus(); }
  // Event types the projection reads (empty: every event). Others are skipped by the worker.
  virtual std::vector<std::string> event_types() const { return {}; }
  // Only events of streams starting with this (empty: every stream). Others are skipped.
  virtual std::string stream_prefix() const { return {}; }
  // After a batch and its checkpoint were committed; `next_position` is the new checkpoint.
  virtual void Committed(uint64_t /*next_position*/) {}
  // A batch was not committed (Apply or the commit failed): forget what it staged.
  virtual void Abandoned() {}
  // The read model was deleted for a rebuild.
  virtual void Reset() {}
  // CatchUp found nothing more to read; `next_position` is the checkpoint.
  virtual void CaughtUp(uint64_t /*next_position*/) {}
};

struct WorkerStatus {
  std::string name;
  uint64_t next_position = 0;  // the checkpoint
  bool healthy = true;
  std::string error;             // why the worker stopped, when !healthy
  uint64_t failed_position = 0;  // the event it could not apply (or the checkpoint it could
                                 // not load its state up to), when !healthy
};

class ProjectionWorker {
 public:
  // `store` and `projection` are not owned and must outlive the worker.
  ProjectionWorker(eventstore::EventStore* store, Projection* projection,
                   size_t events_per_commit = 1000);

  // Applies every committed event after the checkpoint, committing every events_per_commit
  // events. Returns the number applied. On an Apply error nothing of the failing batch is
  // committed, the worker becomes unhealthy, and the error is returned with its position.
  absl::StatusOr<uint64_t> CatchUp();

  // Deletes the read model and the checkpoint atomically, then catches up from position 0.
  absl::StatusOr<uint64_t> Rebuild();

  // Follows the log until Stop(): catch up, wait for commits, repeat. Returns when stopped,
  // unhealthy, or the store closes; after a failed read or commit it tries again a second
  // later.
  void Run();
  void Stop();
  // Allows Run or CatchUp again after Stop.
  void Resume() { stop_.store(false); }

  // Called on the thread running CatchUp when the worker stops on an event it cannot apply,
  // before status() reports it (so whoever sees the stopped status also sees what the callback
  // did, e.g. a health change). Set before the first CatchUp.
  void SetStoppedListener(std::function<void(const WorkerStatus&)> listener) {
    stopped_listener_ = std::move(listener);
  }

  WorkerStatus status() const;
  const eventstore::ReadModelHandle& model() const { return *model_; }

 private:
  absl::Status Open();
  // Marks the worker unhealthy at `position` for `why` (telling the listener first).
  void Stopped(uint64_t position, const absl::Status& why);

  eventstore::EventStore* const store_;
  Projection* const projection_;
  const size_t events_per_commit_;
  std::optional<eventstore::ReadModelHandle> model_;
  std::atomic<bool> stop_{false};
  std::function<void(const WorkerStatus&)> stopped_listener_;

  mutable base::Mutex mu_;
  WorkerStatus status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace footprint::projections

#endif  // FOOTPRINT_PROJECTIONS_PROJECTION_H_
