// libFuzzer target: an Append request as it arrives over gRPC. The input is the request's
// protobuf bytes; when they decode, the request is converted by EventStoreService::Append's own
// services::AppendFromProto and validated and encoded by EventStore::Prepare (stream id, expected
// version, event ids and types, metadata, JSON and protobuf payloads, sizes). Nothing is submitted:
// the store, on a temporary directory, never writes. Any input must be accepted or refused with a
// status, never crash. Run: scripts/fuzz.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "eventstore/event_store.h"
#include "footprint/v1/eventstore.pb.h"
#include "fuzz_store.h"
#include "services/append_wire.h"

namespace fs = footprint::services;
namespace v1 = footprint::v1;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::AppendRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  // One type refused, as for a poster not configured for it; every other request goes on to
  // Prepare, which is what is being fuzzed.
  auto append = fs::AppendFromProto(request, "fuzz-poster",
                                    [](absl::string_view type, absl::string_view field) {
                                      if (type == "Refused")
                                        return absl::PermissionDeniedError(field);
                                      return absl::OkStatus();
                                    });
  if (!append.ok()) return 0;
  auto prepared = footprint::fuzzing::FuzzStore()->Prepare(std::move(*append));
  (void)prepared;
  return 0;
}
