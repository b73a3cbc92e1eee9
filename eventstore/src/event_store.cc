// EventStore: the public face of the store (store_impl.h says where each concern lives).
// Validation and encoding of appends (Prepare) run here, on the caller's thread.
#include "eventstore/event_store.h"

#include <future>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "event_codec.h"
#include "prepared_append.h"
#include "store_impl.h"
#include "validation.h"

namespace footprint::eventstore {

bool ReadFilter::Matches(absl::string_view stream, absl::string_view type) const {
  if (!stream_prefix.empty() && !absl::StartsWith(stream, stream_prefix)) return false;
  if (event_types.empty()) return true;
  for (const auto& t : event_types) {
    if (t == type) return true;
  }
  return false;
}

void PreparedAppendDeleter::operator()(PreparedAppend* append) const { delete append; }

void ConsumerBatch::Put(const ReadModelHandle& model, std::string key, std::string value) {
  ops_.push_back(Op{model.family_, std::move(key), std::move(value)});
}

void ConsumerBatch::Delete(const ReadModelHandle& model, std::string key) {
  ops_.push_back(Op{model.family_, std::move(key), std::nullopt});
}

// ------------------------------------------------------------------------------------------
// EventStore

EventStore::EventStore(const StoreOptions& options, std::unique_ptr<Impl> impl)
    : options_(options), impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const StoreOptions& options) {
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: a data directory is required");
  }
  if (options.max_event_bytes == 0 || options.max_batch_events == 0 ||
      options.max_batch_bytes < options.max_event_bytes) {
    return absl::InvalidArgumentError(
        "limits: max_event_bytes and max_batch_events must be positive, and max_batch_bytes at "
        "least max_event_bytes");
  }
  std::unique_ptr<EventStore> store(new EventStore(options, nullptr));
  store->impl_ = std::make_unique<Impl>(options, &store->notifier_);
  if (absl::Status st = store->impl_->Open(); !st.ok()) return st;
  return store;
}

EventStore::~EventStore() {
  if (impl_) impl_->StopWriter();
  notifier_.Close();
  impl_.reset();
}

absl::StatusOr<PreparedAppendPtr> EventStore::Prepare(AppendRequest request) const {
  auto stream = StreamId::Parse(request.stream, "stream");
  if (!stream.ok()) return stream.status();
  if (request.events.empty()) {
    return absl::InvalidArgumentError("events: an append needs at least one event");
  }
  if (request.events.size() > options_.max_batch_events) {
    return absl::InvalidArgumentError(absl::StrCat("events: ", request.events.size(),
                                                   " events in one append; the maximum is ",
                                                   options_.max_batch_events));
  }
  PreparedAppendPtr prepared(new PreparedAppend(*stream, request.expected));
  prepared->events.reserve(request.events.size());
  absl::flat_hash_map<std::string, size_t> ids_seen;
  for (size_t i = 0; i < request.events.size(); ++i) {
    NewEvent& in = request.events[i];
    const std::string field = absl::StrCat("events[", i, "]");
    if (auto st = ValidateEventType(in.type, field + ".type"); !st.ok()) return st;

    const std::pair<absl::string_view, const std::string*> metadata_fields[] = {
        {"source_system", &in.metadata.source_system()},
        {"correlation_id", &in.metadata.correlation_id()},
        {"actor", &in.metadata.actor()}};
    for (const auto& [name, value] : metadata_fields) {
      if (value->size() > options_.max_metadata_field_bytes) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".metadata.", name, ": ",
                                                       value->size(), " bytes; the maximum is ",
                                                       options_.max_metadata_field_bytes));
      }
      if (!IsValidUtf8(*value)) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".metadata.", name, ": must be valid UTF-8"));
      }
    }
    const size_t bytes = in.data.size() + in.type.size() + in.payload_type.size() +
                         in.metadata.source_system().size() + in.metadata.correlation_id().size() +
                         in.metadata.actor().size();  // the principal is the server's own
    if (bytes > options_.max_event_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": the event is ", bytes, " bytes; the maximum is ", options_.max_event_bytes));
    }
    prepared->total_bytes += bytes;
    if (prepared->total_bytes > options_.max_batch_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("events: the append is more than ",
                                                     options_.max_batch_bytes,
                                                     " bytes (the maximum per append) at ", field));
    }
    if (in.content_type == v1::CONTENT_TYPE_UNSPECIFIED) in.content_type = v1::CONTENT_TYPE_JSON;
    if (!IsValidUtf8(in.payload_type)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".payload_type: must be valid UTF-8"));
    }
    // The principal is the server's (a configured client identity), not the caller's: it is not
    // held to the metadata limit, but it is stored text like the rest.
    if (!IsValidUtf8(in.metadata.principal())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".metadata.principal: must be valid UTF-8"));
    }
    if (auto st = ValidatePayload(in.content_type, in.payload_type, in.data, field); !st.ok()) {
      return st;
    }

    PreparedAppend::Event out{EventId::Generate(),    "", in.id.empty(), in.type, "", "",
                              in.metadata.principal()};
    if (!in.id.empty()) {
      auto id = EventId::Parse(in.id, field + ".id");
      if (!id.ok()) return id.status();
      out.id = *id;
    }
    out.id_text = out.id.ToString();
    if (auto [it, inserted] = ids_seen.emplace(out.id_text, i); !inserted) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".id: event id ", out.id_text,
                                                     " also appears at events[", it->second,
                                                     "]; ids must be unique"));
    }

    v1::Event content;
    content.set_id(out.id_text);
    content.set_stream(stream->str());
    content.set_type(std::move(in.type));
    *content.mutable_metadata() = std::move(in.metadata);
    content.set_content_type(in.content_type);
    content.set_payload_type(std::move(in.payload_type));
    content.set_data(std::move(in.data));
    content.set_canonical_version(codec::kCanonicalVersion);
    out.canonical = codec::CanonicalContent(content);
    content.SerializeToString(&out.content_wire);
    prepared->events.push_back(std::move(out));
  }
  return prepared;
}

void EventStore::Submit(PreparedAppendPtr append, AppendCallback done) {
  impl_->Submit(std::move(append), std::move(done));
}

absl::StatusOr<AppendResult> EventStore::Append(AppendRequest request) {
  auto prepared = Prepare(std::move(request));
  if (!prepared.ok()) return prepared.status();
  std::promise<absl::StatusOr<AppendResult>> promise;
  auto future = promise.get_future();
  Submit(std::move(*prepared),
         [&promise](absl::StatusOr<AppendResult> result) { promise.set_value(std::move(result)); });
  return future.get();
}

void EventStore::StopWriter() { impl_->StopWriter(); }

absl::StatusOr<std::optional<StreamVersion>> EventStore::StreamHead(const StreamId& stream) const {
  return impl_->StreamHead(stream);
}

absl::StatusOr<StreamPage> EventStore::ReadStream(const StreamId& stream, StreamVersion from,
                                                  ReadDirection direction, size_t limit) const {
  return impl_->ReadStream(stream, from, direction, limit);
}

absl::StatusOr<LogChunk> EventStore::ReadAll(GlobalPosition from, const ReadFilter& filter,
                                             const ChunkLimits& limits) const {
  return impl_->ReadAll(from, filter, limits);
}

absl::Status EventStore::ValidateFilter(const ReadFilter& filter, absl::string_view field) const {
  if (auto st = ValidateStreamPrefix(filter.stream_prefix, absl::StrCat(field, ".stream_prefix"));
      !st.ok()) {
    return st;
  }
  for (size_t i = 0; i < filter.event_types.size(); ++i) {
    const std::string type_field = absl::StrCat(field, ".event_types[", i, "]");
    if (auto st = ValidateEventType(filter.event_types[i], type_field); !st.ok()) return st;
    if (!impl_->types().Known(filter.event_types[i])) {
      std::vector<std::string> known = impl_->types().All();
      constexpr size_t kMaxListed = 20;
      const bool truncated = known.size() > kMaxListed;
      if (truncated) known.resize(kMaxListed);
      return absl::InvalidArgumentError(absl::StrCat(
          type_field, ": no event of type '", filter.event_types[i],
          "' has been recorded; recorded types: ",
          known.empty() ? "(none)" : absl::StrJoin(known, ", "), truncated ? ", ..." : ""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Event>> EventStore::ReadAllEvents(GlobalPosition from,
                                                                 const ReadFilter& filter,
                                                                 const ChunkLimits& limits) const {
  auto chunk = ReadAll(from, filter, limits);
  if (!chunk.ok()) return chunk.status();
  std::vector<v1::Event> events(chunk->events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (!events[i].ParseFromString(chunk->events[i])) {
      return absl::DataLossError("a stored event cannot be decoded");
    }
  }
  return events;
}

absl::StatusOr<VerifyResult> EventStore::VerifyChain(GlobalPosition from,
                                                     std::optional<GlobalPosition> to) const {
  return impl_->VerifyChain(from, to);
}

absl::StatusOr<VerifyResult> EventStore::VerifyEvents(
    const std::vector<GlobalPosition>& positions) const {
  return impl_->VerifyEvents(positions);
}

absl::StatusOr<ReadModelHandle> EventStore::OpenReadModel(absl::string_view name) {
  return impl_->OpenReadModel(name);
}

absl::StatusOr<std::optional<GlobalPosition>> EventStore::LoadCheckpoint(
    absl::string_view consumer) const {
  return impl_->LoadCheckpoint(consumer);
}

absl::Status EventStore::CommitConsumer(absl::string_view consumer, GlobalPosition next_position,
                                        const ConsumerBatch& batch) {
  return impl_->CommitConsumer(consumer, next_position, batch);
}

absl::Status EventStore::ResetConsumer(absl::string_view consumer, const ReadModelHandle& model) {
  return impl_->ResetConsumer(consumer, model);
}

uint64_t EventStore::BackgroundJobs() const { return impl_->BackgroundJobs(); }

WriterStats EventStore::Stats() const { return impl_->Stats(); }

uint64_t SizeHistogram::total() const {
  uint64_t n = 0;
  for (const uint64_t c : counts) n += c;
  return n;
}

absl::StatusOr<std::optional<std::string>> EventStore::ReadModelGet(const ReadModelHandle& model,
                                                                    absl::string_view key) const {
  return impl_->ReadModelGet(model, key);
}

absl::Status EventStore::ReadModelScan(
    const ReadModelHandle& model, absl::string_view prefix,
    const std::function<bool(absl::string_view, absl::string_view)>& visit) const {
  return impl_->ReadModelScan(model, prefix, visit);
}

}  // namespace footprint::eventstore
