// libFuzzer target: an Append request as it arrives over gRPC. The input is the request's
// protobuf bytes; when they decode, the request is converted as EventStoreService::Append does
// and validated and encoded by EventStore::Prepare (stream id, expected version, event ids and
// types, metadata, JSON and protobuf payloads, sizes). Nothing is submitted: the store, on a
// temporary directory, never writes. Any input must be accepted or refused with a status,
// never crash. Run: scripts/fuzz.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "eventstore/event_store.h"
#include "footprint/v1/eventstore.pb.h"

namespace es = footprint::eventstore;
namespace v1 = footprint::v1;

namespace {

es::EventStore* Store() {
  static es::EventStore* store = [] {
    std::string dir = "/tmp/footprint-fuzz-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) abort();
    es::StoreOptions options;
    options.data_dir = dir;
    options.block_cache_bytes = 1 << 20;
    auto opened = es::EventStore::Open(options);
    if (!opened.ok()) abort();
    return opened->release();  // lives for the process
  }();
  return store;
}

// As services/src/event_store_service.cc's ExpectedFromProto.
es::ExpectedVersion ExpectedOf(const v1::AppendRequest& request) {
  const v1::ExpectedVersion& ev = request.expected_version();
  switch (ev.kind_case()) {
    case v1::ExpectedVersion::kNoStream:
      return es::ExpectedVersion::NoStream();
    case v1::ExpectedVersion::kStreamExists:
      return es::ExpectedVersion::StreamExists();
    case v1::ExpectedVersion::kExact:
      return es::ExpectedVersion::Exact(es::StreamVersion{ev.exact()});
    default:
      return es::ExpectedVersion::Any();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::AppendRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  es::AppendRequest append;
  append.stream = request.stream();
  append.expected = ExpectedOf(request);
  for (const v1::EventData& in : request.events()) {
    es::NewEvent& event = append.events.emplace_back();
    event.id = in.id();
    event.type = in.type();
    event.metadata = in.metadata();
    event.content_type = in.content_type();
    event.payload_type = in.payload_type();
    event.data = in.data();
  }
  auto prepared = Store()->Prepare(std::move(append));
  (void)prepared;
  return 0;
}
