#include "services/event_store_service.h"

#include <boost/asio/post.hpp>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace footprint::services {
namespace es = footprint::eventstore;

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

namespace {

absl::StatusOr<es::ExpectedVersion> ExpectedFromProto(const v1::AppendRequest& request) {
  if (!request.has_expected_version()) return es::ExpectedVersion::Any();
  const v1::ExpectedVersion& ev = request.expected_version();
  switch (ev.kind_case()) {
    case v1::ExpectedVersion::kAny:
    case v1::ExpectedVersion::KIND_NOT_SET:
      return es::ExpectedVersion::Any();
    case v1::ExpectedVersion::kNoStream:
      return es::ExpectedVersion::NoStream();
    case v1::ExpectedVersion::kStreamExists:
      return es::ExpectedVersion::StreamExists();
    case v1::ExpectedVersion::kExact:
      return es::ExpectedVersion::Exact(es::StreamVersion{ev.exact()});
  }
  return absl::InvalidArgumentError("expected_version: unknown kind");
}

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

// Frames stored Event bytes as a ReadAllResponse (field 1: repeated Event, 2: next_position,
// 3: caught_up) without decoding them, and wraps the result as a ByteBuffer without copying.
grpc::ByteBuffer EncodeLogResponse(const es::LogChunk& chunk, uint64_t next_position,
                                   bool caught_up) {
  auto* wire = new std::string();
  wire->reserve(chunk.bytes + 6 * chunk.events.size() + 16);
  for (const std::string& event : chunk.events) {
    wire->push_back(static_cast<char>((v1::ReadAllResponse::kEventsFieldNumber << 3) | 2));
    AppendVarint(wire, event.size());
    wire->append(event);
  }
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
// then follow). Reads run on the pool; at most one of {a read task, a write, a commit waiter}
// is outstanding at any time, so Finish is called exactly once and only when nothing else is
// pending.
class LogStreamReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  enum class Mode { kReadAll, kSubscribe };

  LogStreamReactor(es::EventStore* store, boost::asio::thread_pool* pool, Mode mode,
                   const grpc::ByteBuffer* request)
      : store_(store), pool_(pool), mode_(mode) {
    absl::Status st = ParseRequest(request);
    if (!st.ok()) {
      Finish(ToGrpcStatus(st));
      return;
    }
    ScheduleRead();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    if (mode_ == Mode::kReadAll && (remaining_ == 0 || cursor_ >= end_)) {
      Finish(grpc::Status::OK);
      return;
    }
    ScheduleRead();
  }

  void OnCancel() override {
    std::unique_lock<std::mutex> lock(mu_);
    cancelled_ = true;
    if (waiter_ != 0 && store_->notifier().Cancel(waiter_)) {
      waiter_ = 0;
      lock.unlock();
      Finish(grpc::Status::CANCELLED);
    }
    // Otherwise a read or a write is outstanding; it sees cancelled_ or fails, and finishes.
  }

  void OnDone() override { delete this; }

 private:
  absl::Status ParseRequest(const grpc::ByteBuffer* request) {
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
    filter_ = FilterFromProto(filter);
    if (auto st = store_->ValidateFilter(filter_, "filter"); !st.ok()) return st;
    end_ = store_->CommittedEnd().value;
    if (cursor_ > end_) {
      return absl::OutOfRangeError(
          absl::StrCat("from_position: ", cursor_, " is beyond the end of the log (", end_, ")"));
    }
    return absl::OkStatus();
  }

  void ScheduleRead() {
    boost::asio::post(*pool_, [this] { Read(); });
  }

  void Read() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) {
        Finish(grpc::Status::CANCELLED);
        return;
      }
    }
    es::ChunkLimits limits;
    limits.max_events = std::min<uint64_t>(EventStoreService::kChunkEvents, remaining_);
    limits.max_bytes = EventStoreService::kChunkBytes;
    if (mode_ == Mode::kReadAll) limits.end = es::GlobalPosition{end_};
    auto chunk = store_->ReadAll(es::GlobalPosition{cursor_}, filter_, limits);
    if (!chunk.ok()) {
      spdlog::error("read-all at position {}: {}", cursor_, chunk.status().ToString());
      Finish(ToGrpcStatus(chunk.status()));
      return;
    }
    cursor_ = chunk->next_position.value;
    if (!chunk->events.empty()) {
      if (remaining_ != UINT64_MAX) remaining_ -= chunk->events.size();
      response_ = EncodeLogResponse(*chunk, cursor_, false);
      StartWrite(&response_);
      return;
    }
    if (mode_ == Mode::kReadAll) {
      Finish(grpc::Status::OK);
      return;
    }
    if (!caught_up_sent_) {
      caught_up_sent_ = true;
      response_ = EncodeLogResponse(*chunk, cursor_, true);
      StartWrite(&response_);
      return;
    }
    WaitForCommit();
  }

  void WaitForCommit() {
    std::unique_lock<std::mutex> lock(mu_);
    if (cancelled_) {
      lock.unlock();
      Finish(grpc::Status::CANCELLED);
      return;
    }
    es::CommitNotifier& notifier = store_->notifier();
    waiter_ = notifier.WaitAsync(cursor_, [this](bool advanced) { OnCommit(advanced); });
    if (waiter_ != 0) return;
    lock.unlock();
    if (notifier.closed()) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
    } else {
      ScheduleRead();  // the log moved on while we were reading
    }
  }

  // Runs on the writer thread (or the shutdown thread): must not block.
  void OnCommit(bool advanced) {
    std::unique_lock<std::mutex> lock(mu_);
    waiter_ = 0;
    if (cancelled_) {
      lock.unlock();
      Finish(grpc::Status::CANCELLED);
      return;
    }
    lock.unlock();
    if (!advanced) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
      return;
    }
    ScheduleRead();
  }

  es::EventStore* const store_;
  boost::asio::thread_pool* const pool_;
  const Mode mode_;
  es::ReadFilter filter_;
  uint64_t cursor_ = 0;
  uint64_t end_ = 0;  // ReadAll: stop here (the head when the call started).
  uint64_t remaining_ = UINT64_MAX;
  bool caught_up_sent_ = false;
  grpc::ByteBuffer response_;

  std::mutex mu_;
  bool cancelled_ = false;                   // Guarded by mu_.
  es::CommitNotifier::WaiterId waiter_ = 0;  // Guarded by mu_.
};

}  // namespace

grpc::ServerUnaryReactor* EventStoreService::Append(grpc::CallbackServerContext* context,
                                                    const v1::AppendRequest* request,
                                                    v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto expected = ExpectedFromProto(*request);
  if (!expected.ok()) {
    reactor->Finish(ToGrpcStatus(expected.status()));
    return reactor;
  }
  es::AppendRequest append;
  append.stream = request->stream();
  append.expected = *expected;
  append.events.reserve(request->events_size());
  for (const v1::EventData& in : request->events()) {
    es::NewEvent& event = append.events.emplace_back();
    event.id = in.id();
    event.type = in.type();
    event.metadata = in.metadata();
    event.content_type = in.content_type();
    event.payload_type = in.payload_type();
    event.data = in.data();
  }
  auto prepared = store_->Prepare(std::move(append));
  if (!prepared.ok()) {
    reactor->Finish(ToGrpcStatus(prepared.status()));
    return reactor;
  }
  store_->Submit(std::move(*prepared),
                 [context, reactor, response](absl::StatusOr<es::AppendResult> result) {
                   if (!result.ok()) {
                     if (auto version = result.status().GetPayload(es::kCurrentVersionPayload)) {
                       context->AddTrailingMetadata(kCurrentVersionTrailer, std::string(*version));
                     }
                     reactor->Finish(ToGrpcStatus(result.status()));
                     return;
                   }
                   response->set_first_version(result->first_version.value);
                   response->set_last_version(result->last_version.value);
                   response->set_first_position(result->first_position.value);
                   response->set_last_position(result->last_position.value);
                   for (auto& id : result->event_ids) response->add_event_ids(std::move(id));
                   response->set_duplicate(result->duplicate);
                   reactor->Finish(grpc::Status::OK);
                 });
  return reactor;
}

grpc::ServerUnaryReactor* EventStoreService::ReadStream(grpc::CallbackServerContext* context,
                                                        const v1::ReadStreamRequest* request,
                                                        v1::ReadStreamResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  boost::asio::post(*read_pool_, [this, reactor, request, response] {
    auto stream = es::StreamId::Parse(request->stream(), "stream");
    if (!stream.ok()) {
      reactor->Finish(ToGrpcStatus(stream.status()));
      return;
    }
    es::ReadDirection direction;
    switch (request->direction()) {
      case v1::DIRECTION_FORWARDS:
        direction = es::ReadDirection::kForwards;
        break;
      case v1::DIRECTION_BACKWARDS:
        direction = es::ReadDirection::kBackwards;
        break;
      default:
        reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                     "direction: must be FORWARDS or BACKWARDS"));
        return;
    }
    if (request->from_end() && direction != es::ReadDirection::kBackwards) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "from_end: only allowed with DIRECTION_BACKWARDS"));
      return;
    }
    const uint32_t limit = request->limit() == 0
                               ? kMaxReadStreamPage
                               : std::min<uint32_t>(request->limit(), kMaxReadStreamPage);
    const es::StreamVersion from{request->from_end() ? UINT64_MAX : request->from_version()};
    auto page = store_->ReadStream(*stream, from, direction, limit);
    if (!page.ok()) {
      reactor->Finish(ToGrpcStatus(page.status()));
      return;
    }
    response->mutable_events()->Reserve(static_cast<int>(page->events.size()));
    for (auto& event : page->events) *response->add_events() = std::move(event);
    response->set_last_version(page->last_version.value);
    response->set_end_of_stream(page->end_of_stream);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* EventStoreService::ReadAll(
    grpc::CallbackServerContext* /*context*/, const grpc::ByteBuffer* request) {
  return new LogStreamReactor(store_, read_pool_, LogStreamReactor::Mode::kReadAll, request);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* EventStoreService::Subscribe(
    grpc::CallbackServerContext* /*context*/, const grpc::ByteBuffer* request) {
  return new LogStreamReactor(store_, read_pool_, LogStreamReactor::Mode::kSubscribe, request);
}

grpc::ServerUnaryReactor* EventStoreService::VerifyChain(grpc::CallbackServerContext* context,
                                                         const v1::VerifyChainRequest* request,
                                                         v1::VerifyChainResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  boost::asio::post(*read_pool_, [this, reactor, request, response] {
    std::optional<es::GlobalPosition> to;
    if (request->has_to_position()) to = es::GlobalPosition{request->to_position()};
    auto result = store_->VerifyChain(es::GlobalPosition{request->from_position()}, to);
    if (!result.ok()) {
      reactor->Finish(ToGrpcStatus(result.status()));
      return;
    }
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
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace footprint::services
