#include <algorithm>
#include <limits>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/delimited_message_util.h"
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

LogReader::LogReader(const eventstore::EventStore* store, eventstore::ReadFilter filter,
                     eventstore::ChunkLimits limits, uint64_t from)
    : store_(store), filter_(std::move(filter)), limits_(limits), next_(from) {}

LogReader::~LogReader() {
  if (ahead_ && ahead_->valid()) ahead_->wait();
}

absl::StatusOr<LogReader::Chunk> LogReader::Read(uint64_t from) const {
  // Framed: every event is (tag, varint length, bytes) in one buffer, not a string each.
  constexpr uint8_t kTag = 0x0a;
  eventstore::ChunkLimits limits = limits_;
  limits.frame_tag = kTag;
  auto read = store_->ReadAll(eventstore::GlobalPosition{from}, filter_, limits);
  if (!read.ok()) return read.status();
  Chunk chunk;
  chunk.next_position = read->next_position.value;
  google::protobuf::ArenaOptions options;
  options.start_block_size = 64 * 1024;
  options.max_block_size = 1024 * 1024;
  chunk.arena = std::make_unique<google::protobuf::Arena>(options);
  chunk.events.reserve(read->count);
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(read->framed.data()),
                                            static_cast<int>(read->framed.size()));
  while (!in.ExpectAtEnd()) {
    auto* event = google::protobuf::Arena::CreateMessage<v1::Event>(chunk.arena.get());
    if (in.ReadTag() != kTag ||
        !google::protobuf::util::ParseDelimitedFromCodedStream(event, &in, nullptr)) {
      return absl::DataLossError(absl::StrCat("stored event number ", chunk.events.size() + 1,
                                              " read from position ", from, " does not decode"));
    }
    chunk.events.push_back(event);
  }
  return chunk;
}

absl::StatusOr<LogReader::Chunk> LogReader::Next() {
  absl::StatusOr<Chunk> chunk;
  if (ahead_) {
    chunk = ahead_->get();
    ahead_.reset();
  } else {
    chunk = Read(next_);
  }
  if (!chunk.ok()) return chunk.status();
  next_ = chunk->next_position;
  if (chunk->events.size() >= limits_.max_events) {
    try {
      ahead_ = std::async(std::launch::async, [this, from = next_] { return Read(from); });
    } catch (const std::system_error&) {
      ahead_.reset();  // no thread to be had: the next chunk is read when asked for
    }
  }
  return chunk;
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

void ProjectionWorker::Stopped(uint64_t position, const absl::Status& why) {
  WorkerStatus stopped;
  {
    base::MutexLock lock(&mu_);
    stopped = status_;
  }
  stopped.healthy = false;
  stopped.failed_position = position;
  stopped.error = std::string(why.message());
  if (stopped_listener_) stopped_listener_(stopped);
  base::MutexLock lock(&mu_);
  status_ = stopped;
}

absl::StatusOr<uint64_t> ProjectionWorker::CatchUp() {
  if (auto st = Open(); !st.ok()) return st;
  {
    base::MutexLock lock(&mu_);
    if (!status_.healthy) {
      return absl::FailedPreconditionError(
          absl::StrCat("projection '", status_.name, "' stopped at position ",
                       status_.failed_position, ": ", status_.error));
    }
  }
  auto checkpoint = store_->LoadCheckpoint(projection_->name());
  if (!checkpoint.ok()) return checkpoint.status();
  uint64_t next = checkpoint->value_or(eventstore::GlobalPosition{0}).value;
  {
    base::MutexLock lock(&mu_);
    status_.next_position = next;  // also while loading, and if the load fails
  }
  if (absl::Status st = projection_->Load(next); !st.ok()) {
    Stopped(next, st);
    return absl::Status(st.code(), absl::StrCat("projection '", projection_->name(),
                                                "' cannot load its state up to position ", next,
                                                ": ", st.message()));
  }
  uint64_t applied = 0;
  eventstore::ReadFilter filter;
  filter.event_types = projection_->event_types();
  filter.stream_prefix = projection_->stream_prefix();
  eventstore::ChunkLimits limits;
  limits.max_events = events_per_commit_;
  limits.max_bytes = std::max<size_t>(limits.max_bytes, 1000 * events_per_commit_);
  LogReader reader(store_, filter, limits, next);
  while (!stop_.load()) {
    auto chunk = reader.Next();
    if (!chunk.ok()) return chunk.status();
    if (chunk->next_position == next) break;  // nothing more to read
    ProjectionContext context(store_, &*model_);
    for (const v1::Event* event : chunk->events) {
      if (absl::Status st = projection_->Apply(*event, context); !st.ok()) {
        projection_->Abandoned();
        Stopped(event->position(), st);
        return absl::Status(st.code(), absl::StrCat("projection '", projection_->name(),
                                                    "' cannot apply event at position ",
                                                    event->position(), ": ", st.message()));
      }
    }
    next = chunk->next_position;  // past events the filter skipped, too
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
    base::MutexLock lock(&mu_);
    status_.next_position = next;
  }
  if (!stop_.load()) projection_->CaughtUp(next);
  base::MutexLock lock(&mu_);
  status_.next_position = next;
  return applied;
}

absl::StatusOr<uint64_t> ProjectionWorker::Rebuild() {
  if (auto st = Open(); !st.ok()) return st;
  if (auto st = store_->ResetConsumer(projection_->name(), *model_); !st.ok()) return st;
  projection_->Reset();
  {
    base::MutexLock lock(&mu_);
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
    if (store_->notifier().closed()) return;
    if (!applied.ok()) {
      if (!status().healthy) return;  // stopped on an event it cannot apply: never skipped
      // A read or a commit failed (e.g. the disk is full): try again in a second, from the
      // checkpoint, instead of leaving the read model behind for good.
      store_->notifier().WaitFor(std::numeric_limits<uint64_t>::max(), absl::Seconds(1));
      continue;
    }
    store_->notifier().WaitFor(seen, absl::Milliseconds(500));
  }
}

void ProjectionWorker::Stop() { stop_.store(true); }

WorkerStatus ProjectionWorker::status() const {
  base::MutexLock lock(&mu_);
  return status_;
}

}  // namespace footprint::projections
