#include "services/append_wire.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "domain/codes.h"

namespace footprint::services {
namespace es = footprint::eventstore;
namespace v1 = footprint::v1;

namespace {

absl::StatusOr<es::ExpectedVersion> ExpectedFromProto(const v1::AppendRequest& request) {
  if (!request.has_expected_version()) return es::ExpectedVersion::Any();
  const v1::ExpectedVersion& ev = request.expected_version();
  // The oneof's flags say which check is meant only when true: `no_stream: false` does not mean
  // "any", and reading it as the flag's kind would apply a check the caller did not ask for.
  const auto flag = [](bool value, absl::string_view name,
                       es::ExpectedVersion kind) -> absl::StatusOr<es::ExpectedVersion> {
    if (!value) {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected_version.", name,
          ": must be true when set (leave expected_version out, or set any: true, for no check)"));
    }
    return kind;
  };
  switch (ev.kind_case()) {
    case v1::ExpectedVersion::KIND_NOT_SET:
      return es::ExpectedVersion::Any();
    case v1::ExpectedVersion::kAny:
      return flag(ev.any(), "any", es::ExpectedVersion::Any());
    case v1::ExpectedVersion::kNoStream:
      return flag(ev.no_stream(), "no_stream", es::ExpectedVersion::NoStream());
    case v1::ExpectedVersion::kStreamExists:
      return flag(ev.stream_exists(), "stream_exists", es::ExpectedVersion::StreamExists());
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
  if (absl::string_view prefix = domain::DomainStreamPrefix(request.stream());
      prefix == domain::kImportRunsStream) {
    return absl::PermissionDeniedError(absl::StrCat(
        "stream: '", request.stream(),
        "' holds the import runs, which Intake.RecordImportRun validates before it writes them "
        "(footprint import-903 records each run); EventStore.Append cannot write to it, "
        "whatever the caller's role"));
  } else if (!prefix.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "stream: '", request.stream(), "' is a child's stream (it starts with '", prefix,
        "'): it holds only domain events, which the services validate before they write them. "
        "Record facts with Intake.Record (footprint record) and challenge steps with "
        "Challenges.* (footprint challenge); EventStore.Append cannot write to it, whatever the "
        "caller's role"));
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
