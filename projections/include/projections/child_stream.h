// A child's stream in the event store: the stored form of a domain event, and the child's record
// read back from the store. The rules themselves are in domain/ (domain/child_record.h), which
// knows nothing of storage.
//
// Thread-safety: free functions; LoadChildRecord reads the store (which is thread-safe).
#ifndef FOOTPRINT_PROJECTIONS_CHILD_STREAM_H_
#define FOOTPRINT_PROJECTIONS_CHILD_STREAM_H_

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/child_record.h"
#include "eventstore/event_store.h"
#include "footprint/v1/domain.pb.h"

namespace footprint::projections {

// The store's form of a domain event: type = body message name, protobuf content
// (footprint.v1.ChildEvent, serialized deterministically so that a retry compares equal).
eventstore::NewEvent ToNewEvent(const v1::ChildEvent& event, const std::string& event_id,
                                const std::string& source_system, const std::string& actor,
                                const std::string& correlation_id);
// The same for any protobuf payload stored under `type` (e.g. v1.ImportRun).
eventstore::NewEvent ToNewEvent(const google::protobuf::Message& payload, std::string type,
                                const std::string& event_id, const std::string& source_system,
                                const std::string& actor, const std::string& correlation_id);

// The child's record as stored now (an empty record for a child with no events), with each
// event's principal; foreign events are listed, not applied.
absl::StatusOr<domain::ChildRecord> LoadChildRecord(const eventstore::EventStore& store,
                                                    absl::string_view child_id);

}  // namespace footprint::projections

#endif  // FOOTPRINT_PROJECTIONS_CHILD_STREAM_H_
