// Test helpers that turn stored state into comparable values.
#ifndef FOOTPRINT_TESTS_SUPPORT_STORE_DUMP_H_
#define FOOTPRINT_TESTS_SUPPORT_STORE_DUMP_H_

#include <map>
#include <string>

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

}  // namespace footprint::testing

#endif  // FOOTPRINT_TESTS_SUPPORT_STORE_DUMP_H_
