#include "absl/strings/str_cat.h"
#include "projections/projection.h"

namespace footprint::projections {

absl::StatusOr<std::optional<std::string>> ProjectionContext::Get(absl::string_view key) const {
  if (auto it = staged_.find(key); it != staged_.end()) return it->second;
  return store_->ReadModelGet(*model_, key);
}

void ProjectionContext::Put(absl::string_view key, std::string value) {
  staged_.insert_or_assign(std::string(key), std::move(value));
}

void ProjectionContext::Delete(absl::string_view key) {
  staged_.insert_or_assign(std::string(key), std::nullopt);
}

void ProjectionContext::Drain(eventstore::ConsumerBatch* batch) {
  for (auto& [key, value] : staged_) {
    if (value) {
      batch->Put(*model_, key, std::move(*value));
    } else {
      batch->Delete(*model_, key);
    }
  }
  staged_.clear();
}

ProjectionWorker::ProjectionWorker(eventstore::EventStore* store, Projection* projection,
                                   size_t events_per_commit)
    : store_(store),
      projection_(projection),
      events_per_commit_(events_per_commit == 0 ? 1 : events_per_commit) {
  status_.name = projection_->name();
}

absl::Status ProjectionWorker::Open() {
  if (model_) return absl::OkStatus();
  auto model = store_->OpenReadModel(projection_->name());
  if (!model.ok()) return model.status();
  model_ = *model;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ProjectionWorker::CatchUp() {
  if (auto st = Open(); !st.ok()) return st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!status_.healthy) {
      return absl::FailedPreconditionError(
          absl::StrCat("projection '", status_.name, "' stopped at position ",
                       status_.failed_position, ": ", status_.error));
    }
  }
  auto checkpoint = store_->LoadCheckpoint(projection_->name());
  if (!checkpoint.ok()) return checkpoint.status();
  uint64_t next = checkpoint->value_or(eventstore::GlobalPosition{0}).value;
  uint64_t applied = 0;
  eventstore::ReadFilter filter;
  filter.event_types = projection_->event_types();
  while (!stop_.load()) {
    eventstore::ChunkLimits limits;
    limits.max_events = events_per_commit_;
    auto chunk = store_->ReadAll(eventstore::GlobalPosition{next}, filter, limits);
    if (!chunk.ok()) return chunk.status();
    if (chunk->next_position.value == next) break;  // nothing more to read
    ProjectionContext context(store_, &*model_);
    v1::Event event;
    for (const std::string& bytes : chunk->events) {
      if (!event.ParseFromString(bytes)) {
        projection_->Abandoned();
        return absl::DataLossError("a stored event does not decode");
      }
      context.set_event_bytes(bytes);
      absl::Status applied_one = projection_->Apply(event, context);
      context.set_event_bytes({});
      if (absl::Status st = std::move(applied_one); !st.ok()) {
        projection_->Abandoned();
        WorkerStatus stopped;
        {
          std::lock_guard<std::mutex> lock(mu_);
          stopped = status_;
        }
        stopped.healthy = false;
        stopped.failed_position = event.position();
        stopped.error = std::string(st.message());
        if (stopped_listener_) stopped_listener_(stopped);
        std::lock_guard<std::mutex> lock(mu_);
        status_ = stopped;
        return absl::Status(st.code(), absl::StrCat("projection '", status_.name,
                                                    "' cannot apply event at position ",
                                                    event.position(), ": ", st.message()));
      }
    }
    next = chunk->next_position.value;
    eventstore::ConsumerBatch batch;
    context.Drain(&batch);
    if (auto st =
            store_->CommitConsumer(projection_->name(), eventstore::GlobalPosition{next}, batch);
        !st.ok()) {
      projection_->Abandoned();
      return st;
    }
    projection_->Committed(next);
    applied += chunk->events.size();
    std::lock_guard<std::mutex> lock(mu_);
    status_.next_position = next;
  }
  if (!stop_.load()) projection_->CaughtUp(next);
  std::lock_guard<std::mutex> lock(mu_);
  status_.next_position = next;
  return applied;
}

absl::StatusOr<uint64_t> ProjectionWorker::Rebuild() {
  if (auto st = Open(); !st.ok()) return st;
  if (auto st = store_->ResetConsumer(projection_->name(), *model_); !st.ok()) return st;
  projection_->Reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.healthy = true;
    status_.error.clear();
    status_.failed_position = 0;
    status_.next_position = 0;
  }
  return CatchUp();
}

void ProjectionWorker::Run() {
  while (!stop_.load()) {
    const uint64_t seen = store_->CommittedEnd().value;
    auto applied = CatchUp();
    if (!applied.ok()) return;
    if (store_->notifier().closed()) return;
    store_->notifier().WaitFor(seen, absl::Milliseconds(500));
  }
}

void ProjectionWorker::Stop() { stop_.store(true); }

WorkerStatus ProjectionWorker::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

}  // namespace footprint::projections
