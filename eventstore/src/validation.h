// Checks on event payloads and metadata, shared by Prepare and its tests.
#ifndef FOOTPRINT_EVENTSTORE_SRC_VALIDATION_H_
#define FOOTPRINT_EVENTSTORE_SRC_VALIDATION_H_

#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "eventstore/types.h"
#include "footprint/v1/event.pb.h"

namespace footprint::eventstore {

// INVALID_ARGUMENT naming `field` unless `data` is valid for the content type: JSON text for
// JSON (payload_type must then be empty); for PROTOBUF, payload_type must name a message
// compiled into this binary and `data` must parse as that message.
absl::Status ValidatePayload(v1::ContentType content_type, absl::string_view payload_type,
                             absl::string_view data, absl::string_view field);

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_VALIDATION_H_
