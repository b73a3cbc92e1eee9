// The event store the fuzz targets prepare appends against: one per process, in a new
// temporary directory, never written to (targets call Prepare only).
#ifndef FOOTPRINT_TESTS_FUZZ_FUZZ_STORE_H_
#define FOOTPRINT_TESTS_FUZZ_FUZZ_STORE_H_

#include <stdlib.h>

#include <string>

#include "eventstore/event_store.h"

namespace footprint::fuzzing {

inline eventstore::EventStore* FuzzStore() {
  static eventstore::EventStore* store = [] {
    std::string dir = "/tmp/footprint-fuzz-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) abort();
    eventstore::StoreOptions options;
    options.data_dir = dir;
    options.block_cache_bytes = 1 << 20;
    auto opened = eventstore::EventStore::Open(options);
    if (!opened.ok()) abort();
    return opened->release();  // lives for the process
  }();
  return store;
}

}  // namespace footprint::fuzzing

#endif  // FOOTPRINT_TESTS_FUZZ_FUZZ_STORE_H_
