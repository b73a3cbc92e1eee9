// Helpers for integration tests that run the real server in process: a FootprintServer on
// 127.0.0.1:0 in a data directory, a plaintext channel to it, and the period of care most tests
// start a child with.
#ifndef FOOTPRINT_TESTS_SUPPORT_IN_PROCESS_SERVER_H_
#define FOOTPRINT_TESTS_SUPPORT_IN_PROCESS_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "catch2/catch.hpp"
#include "eventstore/clock.h"
#include "footprint/v1/domain.pb.h"
#include "services/server.h"

namespace footprint::testing {

// A server with the default config on 127.0.0.1:0 over `data_dir`, on `clock` (not owned).
inline std::unique_ptr<services::FootprintServer> StartInProcessServer(
    const std::string& data_dir, const footprint::Clock* clock) {
  services::ServerConfig config;
  config.data_dir = data_dir;
  config.listen = "127.0.0.1:0";
  auto started = services::FootprintServer::Start(config, clock);
  INFO(started.status().ToString());
  REQUIRE(started.ok());
  return std::move(*started);
}

inline std::shared_ptr<grpc::Channel> PlaintextChannel(const services::FootprintServer& server) {
  return grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
}

// Care started on `date` (YYYY-MM-DD): C2, foster care U1 with the council's own provider,
// category of need N1, born 2012-03-04.
inline v1::ChildEvent CareStartedEvent(const std::string& child, const std::string& date) {
  v1::ChildEvent e;
  e.set_child_id(child);
  e.set_occurred_on(date);
  auto* b = e.mutable_period_of_care_started();
  b->set_legal_status("C2");
  b->mutable_placement()->set_type("U1");
  b->mutable_placement()->set_provider("PR1");
  b->set_category_of_need("N1");
  b->set_date_of_birth("2012-03-04");
  return e;
}

}  // namespace footprint::testing

#endif  // FOOTPRINT_TESTS_SUPPORT_IN_PROCESS_SERVER_H_
