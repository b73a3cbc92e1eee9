// The kill -9 test: concurrent appenders, footprintd SIGKILLed under load and restarted on the
// same data directory, in-doubt appends retried with the same event ids. Afterwards every
// acknowledged event is stored exactly once where it was acknowledged, and the chain verifies.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "catch2/catch.hpp"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
namespace v1 = footprint::v1;

// The soak's size: 8 appenders and 3 kill cycles here and in CI; tests/soak/kill9.sh runs more
// (FOOTPRINT_SOAK_CYCLES, FOOTPRINT_SOAK_APPENDERS, read at start-up).
int FromEnvironment(const char* name, int fallback, int most) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  const int value = std::atoi(text);
  return value >= 1 && value <= most ? value : fallback;
}
const int kAppenders = FromEnvironment("FOOTPRINT_SOAK_APPENDERS", 8, 64);
const int kCycles = FromEnvironment("FOOTPRINT_SOAK_CYCLES", 3, 100000);
// Acknowledgements to wait for before each kill (and before stopping after the last restart).
constexpr size_t kAcksPerCycle = 250;
constexpr auto kWait = std::chrono::seconds(60);

std::string EventIdFor(int appender, uint64_t k) {
  char text[40];
  std::snprintf(text, sizeof(text), "%08x-0000-4000-8000-%012llx", appender + 1,
                static_cast<unsigned long long>(k));
  return text;
}

std::string StreamFor(int appender) { return "crash-" + std::to_string(appender); }

struct Ack {
  std::string id;
  std::string stream;
  uint64_t version = 0;
  uint64_t position = 0;
  bool duplicate = false;
};

// State shared by the test thread (which kills and restarts the server) and the appenders.
// Appender threads never use Catch assertions; they report problems in `errors`.
struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::string address;      // of the running server
  uint64_t generation = 0;  // incremented on every (re)start
  bool up = false;          // false from just before a kill until the restart is published
  bool stop = false;        // finish the current event, then return
  bool abort = false;       // return now
  std::vector<Ack> acks;
  std::vector<std::string> errors;
  size_t in_doubt = 0;  // failed attempts that were retried

  void Error(std::string message) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(std::move(message));
    cv.notify_all();
  }
};

bool InDoubt(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::CANCELLED || code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::INTERNAL;
}

std::unique_ptr<v1::EventStore::Stub> NewStub(const std::string& address) {
  grpc::ChannelArguments args;
  // A fresh connection per server generation, never one shared with (or backing off from) a
  // channel to the killed process.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return v1::EventStore::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

// Appends events 0, 1, 2, ... to its own stream with client ids and exact expected versions.
// An attempt that fails in doubt is retried with the same request until it is acknowledged.
void RunAppender(Shared* shared, int appender) {
  std::unique_ptr<v1::EventStore::Stub> stub;
  uint64_t connected_generation = 0;
  for (uint64_t k = 0;; ++k) {
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      if (shared->stop || shared->abort) return;
    }
    v1::AppendRequest request;
    request.set_stream(StreamFor(appender));
    if (k == 0) {
      request.mutable_expected_version()->set_no_stream(true);
    } else {
      request.mutable_expected_version()->set_exact(k - 1);
    }
    v1::EventData* event = request.add_events();
    event->set_id(EventIdFor(appender, k));
    event->set_type("Tick");
    event->set_data("{\"appender\":" + std::to_string(appender) + ",\"k\":" + std::to_string(k) +
                    "}");
    event->mutable_metadata()->set_source_system("crash-test");

    for (int attempt = 0;; ++attempt) {
      if (attempt > 1000) {
        shared->Error(request.stream() + ": event " + std::to_string(k) +
                      " not acknowledged after 1000 attempts");
        return;
      }
      std::string address;
      {
        std::unique_lock<std::mutex> lock(shared->mu);
        if (!shared->cv.wait_for(lock, kWait, [&] { return shared->abort || shared->up; })) {
          lock.unlock();
          shared->Error(request.stream() + ": no server came back");
          return;
        }
        if (shared->abort) return;
        if (shared->generation != connected_generation) {
          connected_generation = shared->generation;
          address = shared->address;
          stub.reset();
        }
      }
      if (!stub) stub = NewStub(address);

      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      v1::AppendResponse response;
      const grpc::Status status = stub->Append(&context, request, &response);
      if (status.ok()) {
        if (response.first_version() != k || response.last_version() != k ||
            response.first_position() != response.last_position() ||
            response.event_ids_size() != 1 || response.event_ids(0) != EventIdFor(appender, k)) {
          shared->Error(
              request.stream() + ": event " + std::to_string(k) +
              " acknowledged with an unexpected response: " + response.ShortDebugString());
          return;
        }
        std::lock_guard<std::mutex> lock(shared->mu);
        shared->acks.push_back(Ack{EventIdFor(appender, k), request.stream(), k,
                                   response.first_position(), response.duplicate()});
        shared->cv.notify_all();
        break;
      }
      if (!InDoubt(status.error_code())) {
        // ABORTED or ALREADY_EXISTS here would mean a retry was not recognised as one.
        shared->Error(request.stream() + ": event " + std::to_string(k) + " failed with code " +
                      std::to_string(status.error_code()) + ": " + status.error_message());
        return;
      }
      std::lock_guard<std::mutex> lock(shared->mu);
      ++shared->in_doubt;
    }
  }
}

// Stops (or aborts) and joins the appenders when it goes out of scope, also when a REQUIRE
// fails in the test thread.
class Appenders {
 public:
  explicit Appenders(Shared* shared) : shared_(shared) {
    for (int i = 0; i < kAppenders; ++i) threads_.emplace_back(RunAppender, shared_, i);
  }
  ~Appenders() {
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->abort = true;
    }
    shared_->cv.notify_all();
    Join();
  }
  // Lets every appender finish (acknowledge) its current event, then joins them.
  void StopAndJoin() {
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->stop = true;
    }
    shared_->cv.notify_all();
    Join();
  }

 private:
  void Join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  Shared* shared_;
  std::vector<std::thread> threads_;
};

// Waits (bounded) until at least `count` acknowledgements were recorded or an appender failed.
bool WaitForAcks(Shared* shared, size_t count) {
  std::unique_lock<std::mutex> lock(shared->mu);
  return shared->cv.wait_for(lock, kWait, [&] {
    return shared->acks.size() >= count || !shared->errors.empty();
  }) && shared->errors.empty();
}

void Publish(Shared* shared, const std::string& address) {
  {
    std::lock_guard<std::mutex> lock(shared->mu);
    shared->address = address;
    ++shared->generation;
    shared->up = true;
  }
  shared->cv.notify_all();
}

std::vector<v1::Event> ReadWholeLog(v1::EventStore::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  auto reader = stub.ReadAll(&context, v1::ReadAllRequest());
  std::vector<v1::Event> events;
  v1::ReadAllResponse message;
  while (reader->Read(&message)) {
    for (const auto& e : message.events()) events.push_back(e);
  }
  const grpc::Status status = reader->Finish();
  INFO(status.error_message());
  REQUIRE(status.ok());
  return events;
}

v1::VerifyChainResponse Verify(v1::EventStore::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  v1::VerifyChainResponse response;
  const grpc::Status status = stub.VerifyChain(&context, v1::VerifyChainRequest(), &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response;
}

std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

// The acknowledged end in DATA_DIR/COMMITTED (eventstore/src/commit_mark.h: two slots at 0 and
// 4096, "FPCMARK1" then the value big-endian; the larger counts). 0 when there is none.
uint64_t CommitMarkOf(const std::string& data_dir) {
  const std::string file = ft::ReadFileText(data_dir + "/COMMITTED");
  uint64_t best = 0;
  for (const size_t offset : {size_t{0}, size_t{4096}}) {
    if (file.size() < offset + 16 || file.compare(offset, 8, "FPCMARK1") != 0) continue;
    uint64_t value = 0;
    for (size_t i = 0; i < 8; ++i) value = value << 8 | static_cast<uint8_t>(file[offset + 8 + i]);
    best = std::max(best, value);
  }
  return best;
}

}  // namespace

TEST_CASE("acknowledged appends survive kill -9 and in-doubt retries are stored exactly once",
          "[e2e][kill9]") {
  ft::TempDir dir;
  ft::ServerProcess server(dir.Sub("data"));
  REQUIRE_NOTHROW(server.Start());
  Shared shared;
  Publish(&shared, server.address());
  Appenders appenders(&shared);

  size_t acked_before_kill = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    INFO("cycle " << cycle);
    REQUIRE(WaitForAcks(&shared, acked_before_kill + kAcksPerCycle));
    {
      std::lock_guard<std::mutex> lock(shared.mu);
      shared.up = false;
      acked_before_kill = shared.acks.size();
    }
    server.Kill();
    // The commit mark, written before each append was answered, covers every acknowledged
    // event (the check at the restart relies on it never leading the log).
    {
      const uint64_t mark = CommitMarkOf(dir.Sub("data"));
      std::lock_guard<std::mutex> lock(shared.mu);
      for (size_t i = 0; i < acked_before_kill; ++i) {
        if (shared.acks[i].position >= mark) {
          FAIL_CHECK("cycle " << cycle << ": acknowledged position " << shared.acks[i].position
                              << " is not below the commit mark " << mark);
          break;
        }
      }
    }
    REQUIRE_NOTHROW(server.Start());

    // Everything acknowledged before the kill is still there, once, where it was acknowledged,
    // and the chain is intact.
    auto stub = NewStub(server.address());
    const v1::VerifyChainResponse verified = Verify(*stub);
    CHECK(verified.ok());
    CHECK(verified.events_checked() >= acked_before_kill);
    std::vector<Ack> acked_so_far;
    {
      std::lock_guard<std::mutex> lock(shared.mu);
      acked_so_far.assign(shared.acks.begin(), shared.acks.begin() + acked_before_kill);
    }
    std::map<std::string, uint64_t> stored_at;  // id -> position
    for (const v1::Event& e : ReadWholeLog(*stub)) {
      if (!stored_at.emplace(e.id(), e.position()).second) {
        FAIL_CHECK("cycle " << cycle << ": event " << e.id() << " stored twice");
      }
    }
    size_t lost = 0, moved = 0;
    for (const Ack& ack : acked_so_far) {
      const auto it = stored_at.find(ack.id);
      if (it == stored_at.end()) {
        ++lost;
      } else if (it->second != ack.position) {
        ++moved;
      }
    }
    CHECK(lost == 0);
    CHECK(moved == 0);
    std::fprintf(stderr, "kill9 cycle %d: %zu acknowledged before the kill, all present once\n",
                 cycle + 1, acked_so_far.size());
    // The appenders wait for the server (and retry what was in doubt) until now, so that each
    // cycle adds about kAcksPerCycle events, not as many as the checks above took time.
    Publish(&shared, server.address());
  }
  REQUIRE(WaitForAcks(&shared, acked_before_kill + kAcksPerCycle));
  appenders.StopAndJoin();

  {
    std::lock_guard<std::mutex> lock(shared.mu);
    for (const auto& e : shared.errors) FAIL_CHECK(e);
  }
  REQUIRE(shared.errors.empty());

  // Every acknowledged event once, in its acknowledged place; nothing unacknowledged, since every
  // in-doubt append was retried until acknowledged.
  auto stub = NewStub(server.address());
  const std::vector<v1::Event> log = ReadWholeLog(*stub);
  size_t duplicates = 0;
  for (const Ack& ack : shared.acks) duplicates += ack.duplicate ? 1 : 0;
  INFO(shared.acks.size() << " acknowledged appends, " << shared.in_doubt
                          << " in-doubt attempts retried, " << duplicates
                          << " retries found already stored");
  std::fprintf(stderr,
               "kill9: %d cycles, %d appenders: %zu acknowledged appends, %zu in-doubt attempts "
               "retried, %zu retries found already stored, %zu events in the log\n",
               kCycles, kAppenders, shared.acks.size(), static_cast<size_t>(shared.in_doubt),
               duplicates, log.size());
  std::map<std::string, Ack> acked;
  for (const Ack& ack : shared.acks) {
    INFO("id " << ack.id);
    CHECK(acked.emplace(ack.id, ack).second);
  }
  CHECK(shared.acks.size() >= (kCycles + 1) * kAcksPerCycle);
  CHECK(log.size() == acked.size());

  std::set<std::string> seen;
  std::map<std::string, uint64_t> next_version;
  std::string previous_hash(32, '\0');
  size_t mismatches = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    const v1::Event& e = log[i];
    INFO("position " << i << ": " << e.ShortDebugString());
    CHECK(e.position() == i);
    CHECK(seen.insert(e.id()).second);
    CHECK(e.prev_hash() == previous_hash);
    previous_hash = e.hash();
    // Versions are gapless per stream, and version k of crash-N carries its k-th id.
    const uint64_t version = next_version[e.stream()]++;
    CHECK(e.version() == version);
    const auto it = acked.find(e.id());
    if (it == acked.end()) {
      FAIL_CHECK("stored but never acknowledged");
      continue;
    }
    const Ack& ack = it->second;
    if (e.stream() != ack.stream || e.version() != ack.version || e.position() != ack.position) {
      ++mismatches;
      FAIL_CHECK("acknowledged as " << ack.stream << "@" << ack.version << " at position "
                                    << ack.position);
    }
  }
  CHECK(mismatches == 0);
  for (const auto& [id, ack] : acked) {
    INFO("acknowledged " << id << " at " << ack.position);
    CHECK(seen.count(id) == 1);
  }
  for (int a = 0; a < kAppenders; ++a) {
    size_t count = 0;
    for (const auto& [id, ack] : acked) count += ack.stream == StreamFor(a) ? 1 : 0;
    CHECK(next_version[StreamFor(a)] == count);
  }

  const v1::VerifyChainResponse verified = Verify(*stub);
  CHECK(verified.ok());
  CHECK(verified.events_checked() == log.size());
  CHECK(verified.first_position() == 0);
  REQUIRE_FALSE(log.empty());
  CHECK(verified.last_position() == log.size() - 1);
  CHECK(verified.head_hash() == Hex(log.back().hash()));

  // footprintd's shutdown waits for open client connections; close ours first.
  stub.reset();
  CHECK(server.Terminate() == 0);
}
