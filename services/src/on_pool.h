// OnPool: runs a unary RPC's blocking work on the read pool and finishes the call with the
// work's status (internal to services/).
#ifndef FOOTPRINT_SERVICES_SRC_ON_POOL_H_
#define FOOTPRINT_SERVICES_SRC_ON_POOL_H_

#include <grpcpp/support/server_callback.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <utility>

#include "services/event_store_service.h"
#include "services/logging.h"

namespace footprint::services {

// `work` returns absl::Status; it runs on `pool`, never on gRPC's callback thread.
template <typename Work>
grpc::ServerUnaryReactor* OnPool(grpc::CallbackServerContext* context,
                                 boost::asio::thread_pool* pool, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  boost::asio::post(*pool, [context, reactor, work = std::move(work)]() mutable {
    const LogScope scope(*context);  // the request's correlation id on every line it logs
    reactor->Finish(ToGrpcStatus(work()));
  });
  return reactor;
}

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_SRC_ON_POOL_H_
