#include "services/event_store_service.h"

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/unknown_field_set.h"
#include "on_pool.h"
#include "services/append_wire.h"
#include "spdlog/spdlog.h"

namespace footprint::services {
namespace es = footprint::eventstore;

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

namespace {

es::ReadFilter FilterFromProto(const v1::ReadAllFilter& filter) {
  es::ReadFilter out;
  out.stream_prefix = filter.stream_prefix();
  out.event_types.assign(filter.event_types().begin(), filter.event_types().end());
  return out;
}

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Completes a ReadAllResponse (field 1: repeated Event, already framed by the store; 2:
// next_position; 3: caught_up) and wraps it as a ByteBuffer without copying.
grpc::ByteBuffer EncodeLogResponse(std::string framed_events, uint64_t next_position,
                                   bool caught_up) {
  auto* wire = new std::string(std::move(framed_events));
  wire->push_back(static_cast<char>(v1::ReadAllResponse::kNextPositionFieldNumber << 3));
  AppendVarint(wire, next_position);
  if (caught_up) {
    wire->push_back(static_cast<char>(v1::ReadAllResponse::kCaughtUpFieldNumber << 3));
    wire->push_back(1);
  }
  grpc::Slice slice(
      wire->data(), wire->size(), [](void* p) { delete static_cast<std::string*>(p); }, wire);
  return grpc::ByteBuffer(&slice, 1);
}

// Serves ReadAll (up to a limit or the head at the time of the call) and Subscribe (catch up,
// then follow). Reads run on the rpc threads and run one chunk ahead of the client: while one
// response is being written, the next is read, and at most one more is parked. Outstanding
// work is at most one read task, one write and one commit waiter; Finish runs once, only when
// none is outstanding, and always outside mu_ (gRPC may run OnDone, which deletes this, inline).
class LogStreamReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  enum class Mode { kReadAll, kSubscribe };

  // `gate` runs on a store-wait thread before the first read (the caller's rights, the stream
  // limits and the access log record, a synced write); an error from it ends the call. The slot
  // it returns is held until the call is done.
  LogStreamReactor(es::EventStore* store, Executors* executors, Mode mode,
                   const grpc::ByteBuffer* request,
                   absl::AnyInvocable<absl::StatusOr<StreamLimits::Slot>()> gate)
      : store_(store), executors_(executors), mode_(mode), gate_(std::move(gate)) {
    absl::Status st = ParseRequest(request);
    if (!st.ok()) {
      Finish(ToGrpcStatus(st));
      return;
    }
    base::MutexLock lock(&mu_);
    reading_ = true;
    executors_->Post(ExecutorKind::kStoreWait, [this] {
      absl::StatusOr<StreamLimits::Slot> allowed = gate_();
      mu_.Lock();
      reading_ = false;
      if (allowed.ok()) {
        slot_ = *std::move(allowed);
      } else if (!final_) {
        SetFinalLocked(ToGrpcStatus(allowed.status()));
      }
      if (!final_) StartReadLocked();
      FinishIfDone();
    });
  }

  void OnWriteDone(bool ok) override {
    mu_.Lock();
    writing_ = false;
    if (!ok) {
      SetFinalLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    } else if (!final_ && parked_) {
      WriteLocked(std::move(*parked_));
      parked_.reset();
      if (!exhausted_ && !reading_ && waiter_ == 0) StartReadLocked();
    } else if (!final_ && exhausted_) {
      SetFinalLocked(grpc::Status::OK);
    }
    FinishIfDone();
  }

  void OnCancel() override {
    mu_.Lock();
    SetFinalLocked(grpc::Status::CANCELLED);
    FinishIfDone();
  }

  void OnDone() override { delete this; }

 private:
  // Runs in the constructor, before any other thread can see the reactor: it sets the guarded
  // cursor without the lock.
  absl::Status ParseRequest(const grpc::ByteBuffer* request) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    grpc::ByteBuffer copy(*request);
    v1::ReadAllFilter filter;
    if (mode_ == Mode::kReadAll) {
      v1::ReadAllRequest req;
      if (!grpc::SerializationTraits<v1::ReadAllRequest>::Deserialize(&copy, &req).ok()) {
        return absl::InvalidArgumentError("request: not a valid ReadAllRequest");
      }
      cursor_ = req.from_position();
      remaining_ = req.limit() == 0 ? UINT64_MAX : req.limit();
      filter = req.filter();
    } else {
      v1::SubscribeRequest req;
      if (!grpc::SerializationTraits<v1::SubscribeRequest>::Deserialize(&copy, &req).ok()) {
        return absl::InvalidArgumentError("request: not a valid SubscribeRequest");
      }
      cursor_ = req.from_position();
      filter = req.filter();
    }
    sent_position_ = cursor_;
    filter_ = FilterFromProto(filter);
    if (auto st = store_->ValidateFilter(filter_, "filter"); !st.ok()) return st;
    end_ = store_->CommittedEnd().value;
    if (cursor_ > end_) {
      return absl::OutOfRangeError(
          absl::StrCat("from_position: ", cursor_, " is beyond the end of the log (", end_, ")"));
    }
    return absl::OkStatus();
  }

  // REQUIRES: no read outstanding.
  void StartReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    reading_ = true;
    es::ChunkLimits limits;
    limits.max_events = std::min<uint64_t>(EventStoreService::kChunkEvents, remaining_);
    limits.max_bytes = EventStoreService::kChunkBytes;
    limits.frame_tag = kEventsTag;
    if (mode_ == Mode::kReadAll) limits.end = es::GlobalPosition{end_};
    const uint64_t from = cursor_;
    executors_->Post(ExecutorKind::kRpc, [this, from, limits] {
      ReadDone(store_->ReadAll(es::GlobalPosition{from}, filter_, limits));
    });
  }

  void ReadDone(absl::StatusOr<es::LogChunk> chunk) {
    mu_.Lock();
    reading_ = false;
    if (final_) {
      FinishIfDone();
      return;
    }
    if (!chunk.ok()) {
      spdlog::error("read-all at position {}: {}", cursor_, chunk.status().ToString());
      SetFinalLocked(ToGrpcStatus(chunk.status()));
      FinishIfDone();
      return;
    }
    cursor_ = chunk->next_position.value;
    if (chunk->count > 0) {
      if (remaining_ != UINT64_MAX) remaining_ -= chunk->count;
      if (mode_ == Mode::kReadAll && (remaining_ == 0 || cursor_ >= end_)) exhausted_ = true;
      EnqueueLocked(EncodeLogResponse(std::move(chunk->framed), cursor_, false));
      if (!exhausted_ && !parked_) StartReadLocked();  // read ahead while this one is written
      mu_.Unlock();
      return;
    }
    if (mode_ == Mode::kReadAll) {
      exhausted_ = true;
      if (cursor_ != sent_position_) {
        // The filter skipped events since the last message: say where to continue from.
        EnqueueLocked(EncodeLogResponse(std::string(), cursor_, false));
      } else if (!writing_ && !parked_) {
        SetFinalLocked(grpc::Status::OK);
      }
      FinishIfDone();
      return;
    }
    if (!caught_up_sent_) {
      caught_up_sent_ = true;
      EnqueueLocked(EncodeLogResponse(std::string(), cursor_, true));
    }
    WaitForCommitLocked();
    FinishIfDone();
  }

  void WaitForCommitLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    es::CommitNotifier& notifier = store_->notifier();
    waiter_ = notifier.WaitAsync(cursor_, [this](bool advanced) { OnCommit(advanced); });
    if (waiter_ != 0) return;
    if (notifier.closed()) {
      SetFinalLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
    } else if (!parked_) {
      StartReadLocked();  // the log moved on while we were reading
    }
  }

  // Runs on the writer thread (or the shutdown thread): must not block.
  void OnCommit(bool advanced) {
    mu_.Lock();
    waiter_ = 0;
    if (!final_) {
      if (!advanced) {
        SetFinalLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
      } else if (!reading_ && !parked_) {
        StartReadLocked();
      }  // else the write that empties parked_ starts the read
    }
    FinishIfDone();
  }

  // `response` carries next_position = cursor_.
  void EnqueueLocked(grpc::ByteBuffer response) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    sent_position_ = cursor_;
    if (writing_) {
      parked_ = std::move(response);
    } else {
      WriteLocked(std::move(response));
    }
  }

  // REQUIRES: no write outstanding.
  void WriteLocked(grpc::ByteBuffer response) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    response_ = std::move(response);
    writing_ = true;
    StartWrite(&response_);
  }

  // Records the call's outcome; it is sent once nothing is outstanding.
  void SetFinalLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!final_) final_ = std::move(status);
    parked_.reset();
    if (waiter_ != 0 && store_->notifier().Cancel(waiter_)) waiter_ = 0;
  }

  // Finishes the call if its outcome is known and nothing is outstanding. Releases mu_; the
  // reactor may be deleted on return.
  void FinishIfDone() ABSL_UNLOCK_FUNCTION(mu_) {
    if (!final_ || finished_ || reading_ || writing_ || waiter_ != 0) {
      mu_.Unlock();
      return;
    }
    finished_ = true;
    grpc::Status status = *final_;
    mu_.Unlock();
    Finish(status);
  }

  static constexpr uint8_t kEventsTag = (v1::ReadAllResponse::kEventsFieldNumber << 3) | 2;

  es::EventStore* const store_;
  Executors* const executors_;
  const Mode mode_;
  absl::AnyInvocable<absl::StatusOr<StreamLimits::Slot>()> gate_;
  StreamLimits::Slot slot_;  // this stream's place within the limits, once the gate passed
  es::ReadFilter filter_;
  uint64_t end_ = 0;  // ReadAll: stop here (the head when the call started).

  base::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;         // where the next read starts
  uint64_t sent_position_ ABSL_GUARDED_BY(mu_) = 0;  // next_position of the last message
  uint64_t remaining_ ABSL_GUARDED_BY(mu_) = UINT64_MAX;
  bool caught_up_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool exhausted_ ABSL_GUARDED_BY(mu_) = false;  // ReadAll: nothing more to read
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  es::CommitNotifier::WaiterId waiter_ ABSL_GUARDED_BY(mu_) = 0;
  grpc::ByteBuffer response_ ABSL_GUARDED_BY(mu_);               // the write in flight
  std::optional<grpc::ByteBuffer> parked_ ABSL_GUARDED_BY(mu_);  // read, waiting for the write
  std::optional<grpc::Status> final_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

std::string EventStoreService::ExplainUndecodableAppend(const grpc::ByteBuffer& request) {
  using google::protobuf::UnknownField;
  using google::protobuf::UnknownFieldSet;
  static constexpr char kMalformed[] =
      "request: not a valid footprint.v1.AppendRequest (malformed protobuf)";
  std::vector<grpc::Slice> slices;
  if (!request.Dump(&slices).ok()) return kMalformed;
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  // Walks the message as untyped fields (no UTF-8 checks) to find the string that is not UTF-8.
  const auto bad_string = [](const UnknownFieldSet& fields, int number) {
    for (int i = 0; i < fields.field_count(); ++i) {
      const UnknownField& f = fields.field(i);
      if (f.number() == number && f.type() == UnknownField::TYPE_LENGTH_DELIMITED &&
          !es::IsValidUtf8(f.length_delimited())) {
        return true;
      }
    }
    return false;
  };
  UnknownFieldSet top;
  if (!top.ParseFromString(bytes)) return kMalformed;
  if (bad_string(top, v1::AppendRequest::kStreamFieldNumber)) {
    return "stream: must be valid UTF-8";
  }
  int index = 0;
  for (int i = 0; i < top.field_count(); ++i) {
    const UnknownField& f = top.field(i);
    if (f.number() != v1::AppendRequest::kEventsFieldNumber ||
        f.type() != UnknownField::TYPE_LENGTH_DELIMITED) {
      continue;
    }
    const std::string field = absl::StrCat("events[", index++, "]");
    UnknownFieldSet event;
    if (!event.ParseFromString(f.length_delimited())) return kMalformed;
    const std::pair<int, const char*> strings[] = {
        {v1::EventData::kIdFieldNumber, "id"},
        {v1::EventData::kTypeFieldNumber, "type"},
        {v1::EventData::kPayloadTypeFieldNumber, "payload_type"}};
    for (const auto& [number, name] : strings) {
      if (bad_string(event, number)) return absl::StrCat(field, ".", name, ": must be valid UTF-8");
    }
    for (int j = 0; j < event.field_count(); ++j) {
      const UnknownField& m = event.field(j);
      if (m.number() != v1::EventData::kMetadataFieldNumber ||
          m.type() != UnknownField::TYPE_LENGTH_DELIMITED) {
        continue;
      }
      UnknownFieldSet metadata;
      if (!metadata.ParseFromString(m.length_delimited())) return kMalformed;
      const std::pair<int, const char*> metadata_strings[] = {
          {v1::EventMetadata::kSourceSystemFieldNumber, "source_system"},
          {v1::EventMetadata::kCorrelationIdFieldNumber, "correlation_id"},
          {v1::EventMetadata::kActorFieldNumber, "actor"}};
      for (const auto& [number, name] : metadata_strings) {
        if (bad_string(metadata, number)) {
          return absl::StrCat(field, ".metadata.", name, ": must be valid UTF-8");
        }
      }
    }
  }
  return kMalformed;
}

grpc::ServerUnaryReactor* EventStoreService::Append(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* raw_request,
                                                    grpc::ByteBuffer* raw_response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Counted before the draining check, so that Drain either sees this append or refuses it.
  appends_in_flight_.fetch_add(1);
  if (draining_.load()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
    AppendDone();
    return reactor;
  }
  auto caller = access_->Authorize(*context, Right::kAppend);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    AppendDone();
    return reactor;
  }
  auto request = std::make_unique<v1::AppendRequest>();
  grpc::ByteBuffer copy(*raw_request);  // shares the slices; Deserialize consumes its input
  if (!grpc::SerializationTraits<v1::AppendRequest>::Deserialize(&copy, request.get()).ok()) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, ExplainUndecodableAppend(*raw_request)));
    AppendDone();
    return reactor;
  }
  auto append = AppendFromProto(*request, caller->identity,
                                [this, &caller](absl::string_view type, absl::string_view field) {
                                  return access_->CheckEventType(*caller, type, field);
                                });
  if (!append.ok()) {
    reactor->Finish(ToGrpcStatus(append.status()));
    AppendDone();
    return reactor;
  }
  auto prepared = store_->Prepare(std::move(*append));
  if (!prepared.ok()) {
    reactor->Finish(ToGrpcStatus(prepared.status()));
    AppendDone();
    return reactor;
  }
  store_->Submit(std::move(*prepared),
                 [this, context, reactor, raw_response](absl::StatusOr<es::AppendResult> result) {
                   if (!result.ok()) {
                     if (auto version = result.status().GetPayload(es::kCurrentVersionPayload)) {
                       context->AddTrailingMetadata(kCurrentVersionTrailer, std::string(*version));
                     }
                     reactor->Finish(ToGrpcStatus(result.status()));
                     AppendDone();
                     return;
                   }
                   v1::AppendResponse response;
                   response.set_first_version(result->first_version.value);
                   response.set_last_version(result->last_version.value);
                   response.set_first_position(result->first_position.value);
                   response.set_last_position(result->last_position.value);
                   for (auto& id : result->event_ids) response.add_event_ids(std::move(id));
                   response.set_duplicate(result->duplicate);
                   bool own_buffer = false;
                   reactor->Finish(grpc::SerializationTraits<v1::AppendResponse>::Serialize(
                       response, raw_response, &own_buffer));
                   AppendDone();
                 });
  return reactor;
}

void EventStoreService::AppendDone() {
  if (appends_in_flight_.fetch_sub(1) == 1 && draining_.load()) {
    base::MutexLock lock(&drain_mu_);
    drain_cv_.SignalAll();
  }
}

bool EventStoreService::Drain(absl::Time deadline) {
  draining_.store(true);
  base::MutexLock lock(&drain_mu_);
  while (appends_in_flight_.load() != 0) {
    if (drain_cv_.WaitWithDeadline(&drain_mu_, deadline)) break;
  }
  return appends_in_flight_.load() == 0;
}

grpc::ServerUnaryReactor* EventStoreService::ReadStream(grpc::CallbackServerContext* context,
                                                        const v1::ReadStreamRequest* request,
                                                        v1::ReadStreamResponse* response) {
  // Recorded in the access log (a synced write) before it is served.
  const RunOn where{executors_, ExecutorKind::kStoreWait, "EventStore.ReadStream"};
  return OnPool(context, where, [this, context, request, response] {
    return ServeReadStream(*context, *request, response);
  });
}

absl::Status EventStoreService::ServeReadStream(const grpc::ServerContextBase& context,
                                                const v1::ReadStreamRequest& request,
                                                v1::ReadStreamResponse* response) const {
  const bool access_log = request.log() == v1::LOG_ACCESS;
  // The caller and its purpose, then the whole request, and only then the record of the read:
  // a refused request leaves nothing in the access log.
  auto caller =
      access_->AuthorizeReader(context, access_log ? Right::kReadAccessLog : Right::kReadOwn);
  if (!caller.ok()) return caller.status();
  auto stream = es::StreamId::Parse(request.stream(), "stream");
  if (!stream.ok()) return stream.status();
  es::ReadDirection direction;
  switch (request.direction()) {
    case v1::DIRECTION_FORWARDS:
      direction = es::ReadDirection::kForwards;
      break;
    case v1::DIRECTION_BACKWARDS:
      direction = es::ReadDirection::kBackwards;
      break;
    default:
      return absl::InvalidArgumentError("direction: must be FORWARDS or BACKWARDS");
  }
  if (request.from_end() && direction != es::ReadDirection::kBackwards) {
    return absl::InvalidArgumentError("from_end: only allowed with DIRECTION_BACKWARDS");
  }
  if (auto st = access_->RecordRead(context, *caller, "EventStore.ReadStream",
                                    access_log ? "access-log" : stream->str(), "");
      !st.ok()) {
    return st;
  }
  const es::EventStore& store = *StoreFor(request.log());
  const uint32_t limit = request.limit() == 0
                             ? kMaxReadStreamPage
                             : std::min<uint32_t>(request.limit(), kMaxReadStreamPage);
  const es::StreamVersion from{request.from_end() ? UINT64_MAX : request.from_version()};
  // A poster reads back only what it wrote itself, and learns nothing else of the stream.
  if (!caller->Has(Role::kAuditor)) {
    return ReadOwnEvents(store, *stream, from, direction, limit, caller->identity, response);
  }
  auto page = store.ReadStream(*stream, from, direction, limit);
  if (!page.ok()) return page.status();
  response->set_last_version(page->last_version.value);
  response->set_end_of_stream(page->end_of_stream);
  if (!page->end_of_stream) {  // then the page holds at least one event
    const uint64_t last = page->events.back().version();
    response->set_next_version(direction == es::ReadDirection::kForwards ? last + 1 : last - 1);
  }
  response->mutable_events()->Reserve(static_cast<int>(page->events.size()));
  for (v1::Event& event : page->events) *response->add_events() = std::move(event);
  return absl::OkStatus();
}

namespace {

// Events per store read while a poster's own events are looked for in a stream.
constexpr size_t kScanChunk = 1000;

// Calls `visit` on the events of `stream` from `from` on in `direction`, a chunk at a time,
// until it returns false or the stream ends; `visit` may move the event away. The store's
// NOT_FOUND when the stream has no events.
absl::Status ScanStream(const es::EventStore& store, const es::StreamId& stream,
                        es::StreamVersion from, es::ReadDirection direction,
                        const std::function<bool(v1::Event&)>& visit) {
  while (true) {
    auto page = store.ReadStream(stream, from, direction, kScanChunk);
    if (!page.ok()) return page.status();
    if (page->events.empty()) return absl::OkStatus();
    const uint64_t last = page->events.back().version();  // before `visit` may move it away
    for (v1::Event& event : page->events) {
      if (!visit(event)) return absl::OkStatus();
    }
    if (page->end_of_stream) return absl::OkStatus();
    if (direction == es::ReadDirection::kBackwards) {
      if (last == 0) return absl::OkStatus();
      from = es::StreamVersion{last - 1};
    } else {
      from = es::StreamVersion{last + 1};
    }
  }
}

}  // namespace

absl::Status EventStoreService::ReadOwnEvents(const es::EventStore& store,
                                              const es::StreamId& stream, es::StreamVersion from,
                                              es::ReadDirection direction, uint32_t limit,
                                              const std::string& identity,
                                              v1::ReadStreamResponse* response) {
  const auto nothing_of_yours = [&] {
    return absl::NotFoundError(
        absl::StrCat("stream '", stream.str(), "' has no events appended by '", identity, "'"));
  };
  // The page and one more of the caller's events, which says where the next page starts.
  std::vector<v1::Event> own;
  size_t examined = 0;
  std::optional<uint64_t> resume_at;  // the scan's budget ran out before this version
  absl::Status st = ScanStream(store, stream, from, direction, [&](v1::Event& event) {
    if (examined == EventStoreService::kMaxPosterScan) {
      resume_at = event.version();
      return false;
    }
    ++examined;
    if (event.metadata().principal() != identity) return true;
    own.push_back(std::move(event));
    return own.size() <= limit;
  });
  if (st.code() == absl::StatusCode::kNotFound) return nothing_of_yours();
  if (!st.ok()) return st;
  if (resume_at && own.size() <= limit) {
    // Out of budget: what was found, and where the next call goes on.
    response->set_end_of_stream(false);
    response->set_next_version(*resume_at);
    for (v1::Event& event : own) *response->add_events() = std::move(event);
    return absl::OkStatus();
  }
  if (own.empty()) {
    // None of the caller's events from `from` on: if it has none elsewhere in the stream
    // either, the stream must look missing to it.
    bool any = false;
    const bool whole_stream_read =
        direction == es::ReadDirection::kForwards ? from.value == 0 : from.value == UINT64_MAX;
    if (!whole_stream_read) {
      const uint64_t start = direction == es::ReadDirection::kForwards ? 0 : from.value + 1;
      st = ScanStream(
          store, stream, es::StreamVersion{start}, es::ReadDirection::kForwards,
          [&](v1::Event& event) {
            if (direction == es::ReadDirection::kForwards && event.version() >= from.value) {
              return false;
            }
            // Out of budget: say the caller has events, rather than scan on (the page is empty
            // and ends the stream for it either way).
            if (++examined > 2 * EventStoreService::kMaxPosterScan) any = true;
            if (event.metadata().principal() == identity) any = true;
            return !any;
          });
      if (!st.ok() && st.code() != absl::StatusCode::kNotFound) return st;
    }
    if (!any) return nothing_of_yours();
  }
  const bool more = own.size() > limit;
  if (more) {
    response->set_next_version(own[limit].version());
    own.resize(limit);
  }
  response->set_end_of_stream(!more);
  response->mutable_events()->Reserve(static_cast<int>(own.size()));
  for (v1::Event& event : own) *response->add_events() = std::move(event);
  return absl::OkStatus();
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* EventStoreService::ReadAll(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  v1::ReadAllRequest decoded;
  grpc::ByteBuffer copy(*request);
  (void)grpc::SerializationTraits<v1::ReadAllRequest>::Deserialize(&copy, &decoded);
  return LogStream(context, request, static_cast<int>(LogStreamReactor::Mode::kReadAll),
                   decoded.log(), "EventStore.ReadAll", decoded.filter().ShortDebugString());
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* EventStoreService::Subscribe(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  v1::SubscribeRequest decoded;
  grpc::ByteBuffer copy(*request);
  (void)grpc::SerializationTraits<v1::SubscribeRequest>::Deserialize(&copy, &decoded);
  return LogStream(context, request, static_cast<int>(LogStreamReactor::Mode::kSubscribe),
                   decoded.log(), "EventStore.Subscribe", decoded.filter().ShortDebugString());
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* EventStoreService::LogStream(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request, int mode, int log,
    const char* method, std::string scope) {
  es::EventStore* store = StoreFor(log);
  const Right right = log == v1::LOG_ACCESS ? Right::kReadAccessLog : Right::kReadLog;
  const char* subject = log == v1::LOG_ACCESS ? "access-log" : "log";
  return new LogStreamReactor(
      store, executors_, static_cast<LogStreamReactor::Mode>(mode), request,
      [this, context, right, method, subject,
       scope = std::move(scope)]() -> absl::StatusOr<StreamLimits::Slot> {
        // The limits are checked before the read is recorded: a refused stream reads nothing.
        StreamLimits::Slot slot;
        if (limits_ != nullptr) {
          auto caller = access_->Authorize(*context, right);
          if (!caller.ok()) return caller.status();
          auto acquired = limits_->Acquire(caller->identity, method);
          if (!acquired.ok()) return acquired.status();
          slot = *std::move(acquired);
        }
        if (auto caller = access_->AuthorizeRead(*context, right, method, subject, scope);
            !caller.ok()) {
          return caller.status();
        }
        return slot;
      });
}

es::EventStore* EventStoreService::StoreFor(int log) const {
  return log == v1::LOG_ACCESS && access_->access_log() != nullptr ? access_->access_log() : store_;
}

grpc::ServerUnaryReactor* EventStoreService::VerifyChain(grpc::CallbackServerContext* context,
                                                         const v1::VerifyChainRequest* request,
                                                         v1::VerifyChainResponse* response) {
  // The whole chain, or a long range of it, is minutes of reads: a long job, which cannot take
  // the threads appends and queries need. A short range is answered at once.
  const uint64_t end = request->has_to_position() ? request->to_position()
                                                  : StoreFor(request->log())->CommittedEnd().value;
  const bool short_range =
      end <= request->from_position() || end - request->from_position() <= kShortVerifyEvents;
  const RunOn where{executors_, short_range ? ExecutorKind::kRpc : ExecutorKind::kLongJob,
                    "EventStore.VerifyChain"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->Authorize(
        *context, request->log() == v1::LOG_ACCESS ? Right::kReadAccessLog : Right::kReadLog);
    if (!caller.ok()) return caller.status();
    std::optional<es::GlobalPosition> to;
    if (request->has_to_position()) to = es::GlobalPosition{request->to_position()};
    auto result =
        StoreFor(request->log())->VerifyChain(es::GlobalPosition{request->from_position()}, to);
    if (!result.ok()) return result.status();
    response->set_ok(result->ok);
    response->set_events_checked(result->events_checked);
    response->set_first_position(result->first_position.value);
    response->set_last_position(result->last_position.value);
    response->set_head_hash(result->head_hash_hex);
    if (!result->ok) {
      response->set_first_bad_position(result->first_bad_position.value);
      response->set_reason(result->reason);
      spdlog::error("chain verification failed at position {}: {}",
                    result->first_bad_position.value, result->reason);
    }
    return absl::OkStatus();
  });
}

}  // namespace footprint::services
