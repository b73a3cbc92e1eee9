// What a poster's ReadStream examines (EventStoreService::ReadOwnEvents, against a real store):
// within its budget of 100,000 events a stream without the poster's events answers exactly like
// a missing one; past it, the call returns what it found and where the next call goes on, so no
// poster can tie a read thread to a scan of a long stream.
#include "catch2/catch.hpp"
#include "eventstore/event_store.h"
#include "services/event_store_service.h"
#include "temp_dir.h"

namespace footprint::services {
namespace {

namespace es = footprint::eventstore;
using footprint::testing::TempDir;

// `count` events of `principal` appended to `stream`, in appends of up to 1,000.
void AppendAs(es::EventStore& store, const std::string& stream, const std::string& principal,
              int count) {
  for (int done = 0; done < count;) {
    es::AppendRequest request;
    request.stream = stream;
    for (int i = 0; i < 1000 && done < count; ++i, ++done) {
      es::NewEvent& e = request.events.emplace_back();
      e.type = "Note";
      e.data = "{}";
      e.metadata.set_principal(principal);
    }
    REQUIRE(store.Append(std::move(request)).ok());
  }
}

absl::StatusOr<v1::ReadStreamResponse> ReadAs(const es::EventStore& store,
                                              const std::string& stream, uint64_t from,
                                              const std::string& identity) {
  v1::ReadStreamResponse response;
  absl::Status st =
      EventStoreService::ReadOwnEvents(store, *es::StreamId::Parse(stream), es::StreamVersion{from},
                                       es::ReadDirection::kForwards, 10, identity, &response);
  if (!st.ok()) return st;
  return response;
}

TEST_CASE("a poster's read examines at most 100,000 events a call", "[poster-read]") {
  TempDir dir;
  es::StoreOptions options;
  options.data_dir = dir.Sub("data");
  auto opened = es::EventStore::Open(options);
  REQUIRE(opened.ok());
  es::EventStore& store = **opened;

  // Within the budget: others' events only look like no stream at all.
  AppendAs(store, "notes-short", "other", 5000);
  const auto missing = ReadAs(store, "notes-none", 0, "me");
  const auto others = ReadAs(store, "notes-short", 0, "me");
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(others.status().code() == absl::StatusCode::kNotFound);
  CHECK(others.status().message() == "stream 'notes-short' has no events appended by 'me'");

  // Past it: 120,000 others' events, then one of the poster's.
  AppendAs(store, "notes-long", "other", 120000);
  AppendAs(store, "notes-long", "me", 1);
  auto first = ReadAs(store, "notes-long", 0, "me");
  REQUIRE(first.ok());
  CHECK(first->events_size() == 0);
  CHECK_FALSE(first->end_of_stream());
  CHECK(first->next_version() == 100000);
  CHECK(first->last_version() == 0);
  auto second = ReadAs(store, "notes-long", first->next_version(), "me");
  REQUIRE(second.ok());
  REQUIRE(second->events_size() == 1);
  CHECK(second->events(0).version() == 120000);
  CHECK(second->end_of_stream());
}

}  // namespace
}  // namespace footprint::services
