#include "services/append_wire.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace footprint::services {
namespace es = footprint::eventstore;
namespace v1 = footprint::v1;

namespace {

absl::StatusOr<es::ExpectedVersion> ExpectedFromProto(const v1::AppendRequest& request) {
  if (!request.has_expected_version()) return es::ExpectedVersion::Any();
  const v1::ExpectedVersion& ev = request.expected_version();
  switch (ev.kind_case()) {
    case v1::ExpectedVersion::kAny:
    case v1::ExpectedVersion::KIND_NOT_SET:
      return es::ExpectedVersion::Any();
    case v1::ExpectedVersion::kNoStream:
      return es::ExpectedVersion::NoStream();
    case v1::ExpectedVersion::kStreamExists:
      return es::ExpectedVersion::StreamExists();
    case v1::ExpectedVersion::kExact:
      return es::ExpectedVersion::Exact(es::StreamVersion{ev.exact()});
  }
  return absl::InvalidArgumentError("expected_version: unknown kind");
}

}  // namespace

absl::StatusOr<es::AppendRequest> AppendFromProto(v1::AppendRequest& request,
                                                  absl::string_view principal,
                                                  const EventTypeCheck& check_type) {
  if (!check_type) {
    return absl::InternalError("AppendFromProto: no event type check given (the caller's rights)");
  }
  auto expected = ExpectedFromProto(request);
  if (!expected.ok()) return expected.status();
  es::AppendRequest append;
  append.stream = std::move(*request.mutable_stream());
  append.expected = *expected;
  append.events.reserve(request.events_size());
  for (v1::EventData& in : *request.mutable_events()) {
    absl::Status st =
        check_type(in.type(), absl::StrCat("events[", append.events.size(), "].type"));
    if (!st.ok()) return st;
    es::NewEvent& event = append.events.emplace_back();
    event.id = std::move(*in.mutable_id());
    event.type = std::move(*in.mutable_type());
    event.metadata = std::move(*in.mutable_metadata());
    event.metadata.set_principal(std::string(principal));
    event.content_type = in.content_type();
    event.payload_type = std::move(*in.mutable_payload_type());
    event.data = std::move(*in.mutable_data());
  }
  return append;
}

}  // namespace footprint::services
