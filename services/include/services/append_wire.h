// AppendFromProto: a wire footprint.v1.AppendRequest converted into the store's
// eventstore::AppendRequest, as EventStoreService::Append does it. Kept apart from the service
// (its own small library, footprint_append_wire) so that the request fuzzer
// (tests/fuzz/fuzz_append_request.cc) exercises the server's own conversion without the server.
#ifndef FOOTPRINT_SERVICES_APPEND_WIRE_H_
#define FOOTPRINT_SERVICES_APPEND_WIRE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "eventstore/event_store.h"
#include "footprint/v1/eventstore.pb.h"

namespace footprint::services {

// Called once per event with its type and field path ("events[3].type") before the event is
// converted; a non-OK status stops the conversion and is returned. The caller's rights live here;
// it must be given (INTERNAL otherwise), so that no caller skips them by omission.
using EventTypeCheck = std::function<absl::Status(absl::string_view type, absl::string_view field)>;

// Moves the request's strings into the result (the request is left in a valid, unspecified
// state). Every event's metadata.principal is set to `principal`, whatever the caller sent.
// Checked here: the stream is not a domain stream (domain::DomainStreamPrefix, e.g. a
// child's: PERMISSION_DENIED naming the RPCs that write it, for every caller, admins and
// plaintext callers included) and the expected_version is well formed (a flag set to false is
// INVALID_ARGUMENT); the content is validated by eventstore::EventStore::Prepare.
absl::StatusOr<eventstore::AppendRequest> AppendFromProto(footprint::v1::AppendRequest& request,
                                                          absl::string_view principal,
                                                          const EventTypeCheck& check_type);

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_APPEND_WIRE_H_
