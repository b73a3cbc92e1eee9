// Test helpers that turn stored state into comparable values.
#ifndef FOOTPRINT_TESTS_SUPPORT_STORE_DUMP_H_
#define FOOTPRINT_TESTS_SUPPORT_STORE_DUMP_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "eventstore/event_store.h"

namespace footprint::testing {

// Every key and value of a read model.
inline std::map<std::string, std::string> DumpReadModel(const eventstore::EventStore& store,
                                                        const eventstore::ReadModelHandle& model) {
  std::map<std::string, std::string> out;
  REQUIRE(store
              .ReadModelScan(model, "",
                             [&](absl::string_view k, absl::string_view v) {
                               out.emplace(std::string(k), std::string(v));
                               return true;
                             })
              .ok());
  return out;
}

// Every event of the log, in position order.
inline std::vector<v1::Event> AllEvents(const eventstore::EventStore& store) {
  eventstore::ChunkLimits limits;
  limits.max_events = 1'000'000;
  limits.max_bytes = SIZE_MAX;
  auto events = store.ReadAllEvents(eventstore::GlobalPosition{0}, {}, limits);
  REQUIRE(events.ok());
  return *events;
}

}  // namespace footprint::testing

#endif  // FOOTPRINT_TESTS_SUPPORT_STORE_DUMP_H_
