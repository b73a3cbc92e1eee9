// EventStoreService: the gRPC face of eventstore::EventStore (footprint.v1.EventStore).
//
// Handlers stay thin: decode and validate the request, call the store, map the result back.
// Appends are prepared on the gRPC thread and finished by the store's completion callback; reads
// and verification run on `executors`, never on a gRPC thread: a read recorded in the access log
// (ReadStream; the first step of ReadAll and Subscribe) waits for that synced write on the
// store-wait threads, ReadAll and Subscribe chunks are read on the rpc threads, and VerifyChain
// of more than kShortVerifyEvents events is a long job (services/executors.h). ReadAll and
// Subscribe are raw (ByteBuffer) methods so that stored event bytes go onto the wire without being
// re-encoded; Append is raw so that undecodable requests get a precise INVALID_ARGUMENT.
//
// Thread-safety: the service is shared by all gRPC threads; its only state is the count of
// appends in flight, for Drain. The store and the executors must outlive the gRPC server that
// serves this service.
#ifndef FOOTPRINT_SERVICES_EVENT_STORE_SERVICE_H_
#define FOOTPRINT_SERVICES_EVENT_STORE_SERVICE_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/mutex.h"

#include "eventstore/event_store.h"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "services/access_control.h"
#include "services/executors.h"
#include "services/stream_limits.h"

namespace footprint::services {

class EventStoreService final
    : public v1::EventStore::WithRawCallbackMethod_Append<
          v1::EventStore::WithRawCallbackMethod_ReadAll<
              v1::EventStore::WithRawCallbackMethod_Subscribe<v1::EventStore::CallbackService>>> {
 public:
  // Events per ReadAll/Subscribe response message, and bytes (a message may exceed the byte
  // budget by one event).
  static constexpr size_t kChunkEvents = 1000;
  static constexpr size_t kChunkBytes = 1 << 20;
  // Most events a VerifyChain call checks as short work; a longer range is a long job.
  static constexpr uint64_t kShortVerifyEvents = 10000;
  // Largest ReadStream page.
  static constexpr uint32_t kMaxReadStreamPage = 1000;
  // Trailer on ABORTED appends: the stream's current version ("none" if it has no events).
  static constexpr char kCurrentVersionTrailer[] = "footprint-current-version";

  // `access` checks each caller's rights and records reads; its access log is served with
  // `log: LOG_ACCESS`. `limits` bounds the open ReadAll and Subscribe calls (nullptr: no
  // bound); it must outlive the service.
  EventStoreService(eventstore::EventStore* store, Executors* executors,
                    const AccessControl* access, StreamLimits* limits = nullptr)
      : store_(store), executors_(executors), access_(access), limits_(limits) {}

  // Raw, so that a request that does not decode (e.g. a string field that is not UTF-8) gets
  // INVALID_ARGUMENT naming the field instead of gRPC's generic parse error.
  grpc::ServerUnaryReactor* Append(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ReadStream(grpc::CallbackServerContext* context,
                                       const v1::ReadStreamRequest* request,
                                       v1::ReadStreamResponse* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ReadAll(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* VerifyChain(grpc::CallbackServerContext* context,
                                        const v1::VerifyChainRequest* request,
                                        v1::VerifyChainResponse* response) override;

  // Shutdown, first step: refuses new appends with UNAVAILABLE and waits until every append
  // already accepted has been answered, or `deadline`. Returns true when none is left.
  bool Drain(absl::Time deadline);

  // A poster's page of `stream`: only the events whose principal is `identity`, up to `limit`,
  // from `from` in `direction`. Everything it answers is a function of those events alone, so
  // that it tells nothing of others' events: NOT_FOUND (the same words as for a missing stream)
  // when the stream holds none of them; last_version left 0; end_of_stream when no more of
  // them follow; next_version the version of the next of them. Reads the stream as far as it
  // takes to know that, but at most kMaxPosterScan events a call: past them, the page holds what
  // was found, is not the end, and next_version says where to go on. Thread-safe (the store's
  // reads only); blocks for the reads.
  static absl::Status ReadOwnEvents(const eventstore::EventStore& store,
                                    const eventstore::StreamId& stream,
                                    eventstore::StreamVersion from,
                                    eventstore::ReadDirection direction, uint32_t limit,
                                    const std::string& identity, v1::ReadStreamResponse* response);
  // Most events one poster's ReadStream call examines (ReadOwnEvents).
  static constexpr size_t kMaxPosterScan = 100000;

 private:
  void AppendDone();
  // ReadStream on a store-wait thread: validates the whole request before the read is recorded, so
  // a refused request leaves nothing in the access log.
  absl::Status ServeReadStream(const grpc::ServerContextBase& context,
                               const v1::ReadStreamRequest& request,
                               v1::ReadStreamResponse* response) const;
  // ReadAll and Subscribe: `mode` is the reactor's, `log` a v1::Log.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* LogStream(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request, int mode,
                                                        int log, const char* method,
                                                        std::string scope);
  // The store a request's `log` names.
  eventstore::EventStore* StoreFor(int log) const;
  // Explains why Append request bytes do not decode, naming the field where possible.
  static std::string ExplainUndecodableAppend(const grpc::ByteBuffer& request);

  eventstore::EventStore* const store_;
  Executors* const executors_;
  const AccessControl* const access_;
  StreamLimits* const limits_;
  std::atomic<int> appends_in_flight_{0};
  std::atomic<bool> draining_{false};
  base::Mutex drain_mu_;
  base::CondVar drain_cv_;
};

// absl -> gRPC status, one to one.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_EVENT_STORE_SERVICE_H_
