// OnPool: runs a unary RPC's work on the executor for its kind of work (services/executors.h)
// and finishes the call with the work's status (internal to services/).
#ifndef FOOTPRINT_SERVICES_SRC_ON_POOL_H_
#define FOOTPRINT_SERVICES_SRC_ON_POOL_H_

#include <grpcpp/support/server_callback.h>

#include <memory>
#include <utility>

#include "services/event_store_service.h"
#include "services/executors.h"
#include "services/logging.h"

namespace footprint::services {

// Where a unary RPC's work runs: every handler that leaves gRPC's thread names the kind of its
// work (services/executors.h) and itself (e.g. "Admin.Backup": a long job's name in its refusal
// and in the log; the other kinds do not use it).
struct RunOn {
  Executors* executors;
  ExecutorKind kind;
  const char* method;
};

// `work` returns absl::Status; it runs on the threads of `where.kind`, never on gRPC's callback
// thread. A long job refused because every long-job thread is busy and the queue is full
// finishes at once with RESOURCE_EXHAUSTED; one whose caller went away while it waited is
// finished CANCELLED without being run.
template <typename Work>
grpc::ServerUnaryReactor* OnPool(grpc::CallbackServerContext* context, const RunOn& where,
                                 Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (where.kind != ExecutorKind::kLongJob) {
    where.executors->Post(where.kind, [context, reactor, work = std::move(work)]() mutable {
      const LogScope scope(*context);  // the request's correlation id on every line it logs
      reactor->Finish(ToGrpcStatus(work()));
    });
    return reactor;
  }
  // Answered once the job has given up its place, so that the caller may start the next one.
  auto status = std::make_shared<grpc::Status>();
  const absl::Status posted = where.executors->PostLongJob(
      where.method,
      [context, status, work = std::move(work)]() mutable {
        const LogScope scope(*context);
        *status = context->IsCancelled()
                      ? grpc::Status(grpc::StatusCode::CANCELLED,
                                     "the call ended while it waited for a long-job thread")
                      : ToGrpcStatus(work());
      },
      [reactor, status] { reactor->Finish(*status); });
  if (!posted.ok()) reactor->Finish(ToGrpcStatus(posted));
  return reactor;
}

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_SRC_ON_POOL_H_
