#include "projections/child_stream.h"

#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace footprint::projections {

eventstore::NewEvent ToNewEvent(const v1::ChildEvent& event, const std::string& event_id,
                                const std::string& source_system, const std::string& actor,
                                const std::string& correlation_id) {
  return ToNewEvent(event, domain::EventTypeOf(event), event_id, source_system, actor,
                    correlation_id);
}

eventstore::NewEvent ToNewEvent(const google::protobuf::Message& payload, std::string type,
                                const std::string& event_id, const std::string& source_system,
                                const std::string& actor, const std::string& correlation_id) {
  eventstore::NewEvent out;
  out.id = event_id;
  out.type = std::move(type);
  out.metadata.set_source_system(source_system);
  out.metadata.set_actor(actor);
  out.metadata.set_correlation_id(correlation_id);
  out.content_type = v1::CONTENT_TYPE_PROTOBUF;
  out.payload_type = payload.GetDescriptor()->full_name();
  {
    google::protobuf::io::StringOutputStream stream(&out.data);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    payload.SerializeToCodedStream(&coded);
  }
  return out;
}

absl::StatusOr<domain::ChildRecord> LoadChildRecord(const eventstore::EventStore& store,
                                                    absl::string_view child_id) {
  auto stream = eventstore::StreamId::Parse(domain::ChildStream(child_id), "child_id");
  if (!stream.ok()) return stream.status();
  std::vector<v1::Event> events;
  uint64_t next = 0;
  while (true) {
    auto page = store.ReadStream(*stream, eventstore::StreamVersion{next},
                                 eventstore::ReadDirection::kForwards, 1000);
    if (!page.ok()) {
      if (page.status().code() != absl::StatusCode::kNotFound) return page.status();
      break;  // no events yet
    }
    for (auto& e : page->events) events.push_back(std::move(e));
    if (page->end_of_stream || page->events.empty()) break;
    next = events.back().version() + 1;
  }
  return domain::ChildRecord::FromEvents(child_id, events);
}

}  // namespace footprint::projections
