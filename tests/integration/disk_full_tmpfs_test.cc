// A real full disk, fast (issue 21, bugs 2 and 3): the store on a 24 MiB tmpfs this test
// mounts, filled by concurrent back-to-back ~60 KB appends that conflict with each other
// (shared streams with no-stream and exact expected versions, ids reused with the same and
// with other content), so that the writes that meet the full disk carry groups whose requests
// were decided against each other. Checked:
// - the process survives (a full disk once aborted it inside RocksDB's info logger, which
//   lived on the same disk);
// - a refused append is RESOURCE_EXHAUSTED (or UNAVAILABLE while RocksDB recovers), and no
//   answer rests on events that were never written: every ABORTED's current version and every
//   ALREADY_EXISTS's position is true of the log as stored, at the time of the answer;
// - every acknowledged event is stored once, at its position, and the chain verifies;
// - once the tmpfs is made larger, appends resume without a restart, and after a restart
//   everything above still holds.
// Needs root (mount(2)), as CI has. The slower shell soak is tests/soak/disk-full.sh.
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "catch2/catch.hpp"
#include "eventstore/event_store.h"
#include "temp_dir.h"

namespace footprint::eventstore {
namespace {

using footprint::testing::TempDir;

constexpr int kAppenders = 6;
constexpr size_t kPadBytes = 60000;
// Bounds each appender's loop: a 24 MiB disk holds about 400 such events.
constexpr int kMaxAttemptsPerThread = 600;
// Attempts each appender still makes once the disk has refused a write.
constexpr int kAttemptsWhileFull = 25;

// The number of threads of this process.
int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    int threads = 0;
    if (absl::StartsWith(line, "Threads:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(8)), &threads)) {
      return threads;
    }
  }
  return -1;
}

// In a shared mount namespace, a crash (SIGABRT, SIGSEGV) still detaches the mount, from a
// signal handler, before the previous handler (Catch's report) runs. One mount at a time.
char crash_unmount_dir[4096];
struct sigaction previous_abort;
struct sigaction previous_segv;

void UnmountOnCrash(int signal) {
  (void)umount2(crash_unmount_dir, MNT_DETACH);
  (void)sigaction(SIGABRT, &previous_abort, nullptr);
  (void)sigaction(SIGSEGV, &previous_segv, nullptr);
  (void)raise(signal);  // delivered to the previous handler once this one returns
}

// A tmpfs of a given size, mounted at a fresh directory and unmounted when this goes out of
// scope. When the process is single-threaded (as under ctest, one test per process) it first
// moves into a private mount namespace: the mount then dies with the process, even one that
// aborts. (Threads already running would stay in the old namespace and not see the mount, so
// with threads, as when several tests share a process, it mounts in the current namespace and
// unmounts when destroyed or, lazily, when the process crashes.)
class TmpfsMount {
 public:
  static absl::StatusOr<std::unique_ptr<TmpfsMount>> Mount(const std::string& dir,
                                                           const std::string& size) {
    if (geteuid() != 0) {
      return absl::FailedPreconditionError(
          "this test needs root: it mounts a tmpfs (mount(2) needs CAP_SYS_ADMIN). Run it as "
          "root, as CI does");
    }
    if (dir.size() >= sizeof(crash_unmount_dir)) {
      return absl::InvalidArgumentError(absl::StrCat("mount point path too long: ", dir));
    }
    bool private_namespace = false;
    if (ThreadCount() == 1 && unshare(CLONE_NEWNS) == 0) {
      if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        return absl::InternalError(
            absl::StrCat("making the mount namespace private: ", std::strerror(errno)));
      }
      private_namespace = true;
    }
    std::filesystem::create_directories(dir);
    const std::string data = absl::StrCat("size=", size, ",mode=0700");
    if (mount("tmpfs", dir.c_str(), "tmpfs", 0, data.c_str()) != 0) {
      return absl::InternalError(
          absl::StrCat("mounting a tmpfs at ", dir, ": ", std::strerror(errno)));
    }
    if (!private_namespace) {
      std::memcpy(crash_unmount_dir, dir.c_str(), dir.size() + 1);
      struct sigaction action {};
      action.sa_handler = UnmountOnCrash;
      sigemptyset(&action.sa_mask);
      (void)sigaction(SIGABRT, &action, &previous_abort);
      (void)sigaction(SIGSEGV, &action, &previous_segv);
    }
    return std::unique_ptr<TmpfsMount>(new TmpfsMount(dir, private_namespace));
  }
  ~TmpfsMount() {
    if (!private_namespace_) {
      (void)sigaction(SIGABRT, &previous_abort, nullptr);
      (void)sigaction(SIGSEGV, &previous_segv, nullptr);
    }
    if (umount2(dir_.c_str(), 0) != 0) (void)umount2(dir_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  absl::Status Resize(const std::string& size) {
    const std::string data = absl::StrCat("size=", size, ",mode=0700");
    if (mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, data.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("remounting ", dir_, ": ", std::strerror(errno)));
    }
    return absl::OkStatus();
  }
  const std::string& dir() const { return dir_; }
  bool private_namespace() const { return private_namespace_; }

 private:
  TmpfsMount(std::string dir, bool private_namespace)
      : dir_(std::move(dir)), private_namespace_(private_namespace) {}
  std::string dir_;
  bool private_namespace_;
};

std::string IdOf(int kind, int round, int thread) {
  return absl::StrFormat("%08x-0000-4000-8000-%04x%08x", kind, thread, round);
}

// One append attempt and its answer, with the committed end just before it was submitted and
// just after it was answered.
struct Outcome {
  std::string stream;
  std::string expected;
  std::string id;
  std::string tag;  // the data starts with {"tag":"<tag>"
  absl::StatusOr<AppendResult> result = absl::UnknownError("not sent");
  uint64_t end_before = 0;
  uint64_t end_after = 0;

  std::string ToString() const {
    return absl::StrCat(stream, " expected ", expected, " id ", id, " tag ", tag, ": ",
                        result.ok() ? absl::StrCat("OK at position ", result->first_position.value,
                                                   ", version ", result->first_version.value,
                                                   result->duplicate ? " (duplicate)" : "")
                                    : result.status().ToString(),
                        " [committed end ", end_before, " before, ", end_after, " after]");
  }
};

std::string DataPrefix(const std::string& tag) { return absl::StrCat("{\"tag\":\"", tag, "\""); }

// The request numbered `n`. Requests come in rounds of kAppenders, all on stream round-<r>,
// which the appenders send at about the same time (so the writer groups them together): two
// A (any, the round's id a, the round's content: retries of each other), two B (no-stream,
// each its own id), one C (any, id a with other content) and one E (exact version 0, its own
// id).
AppendRequest RequestFor(uint64_t n, Outcome* outcome) {
  const int round = static_cast<int>(n / kAppenders);
  const int slot = static_cast<int>(n % kAppenders);
  AppendRequest request;
  request.stream = absl::StrCat("round-", round);
  NewEvent e;
  e.type = "DiskFiller";
  switch (slot % 4) {
    case 0:
      request.expected = ExpectedVersion::Any();
      e.id = IdOf(0xa, round, 0);
      outcome->tag = absl::StrCat("a", round);
      break;
    case 1:
      request.expected = ExpectedVersion::NoStream();
      e.id = IdOf(0xb, round, slot);
      outcome->tag = absl::StrCat("b", round, "-", slot);
      break;
    case 2:
      request.expected = ExpectedVersion::Any();
      e.id = IdOf(0xa, round, 0);
      outcome->tag = absl::StrCat("c", round, "-", slot);
      break;
    default:
      request.expected = ExpectedVersion::Exact(StreamVersion{0});
      e.id = IdOf(0xe, round, slot);
      outcome->tag = absl::StrCat("e", round, "-", slot);
      break;
  }
  e.data =
      absl::StrCat(DataPrefix(outcome->tag), ",\"pad\":\"", std::string(kPadBytes, 'x'), "\"}");
  e.metadata.set_source_system("disk-full-test");
  outcome->stream = request.stream;
  outcome->expected = request.expected.ToString();
  outcome->id = e.id;
  request.events.push_back(std::move(e));
  return request;
}

class Outcomes {
 public:
  void Add(Outcome outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!outcome.result.ok()) {
      const auto code = outcome.result.status().code();
      if (code == absl::StatusCode::kResourceExhausted || code == absl::StatusCode::kUnavailable) {
        full_seen_ = true;
      }
    }
    all_.push_back(std::move(outcome));
  }
  bool full_seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return full_seen_;
  }
  std::vector<Outcome> all() {
    std::lock_guard<std::mutex> lock(mu_);
    return all_;
  }

 private:
  std::mutex mu_;
  std::vector<Outcome> all_;
  bool full_seen_ = false;
};

Outcome Attempt(EventStore& store, uint64_t n) {
  Outcome outcome;
  AppendRequest request = RequestFor(n, &outcome);
  outcome.end_before = store.CommittedEnd().value;
  outcome.result = store.Append(std::move(request));
  outcome.end_after = store.CommittedEnd().value;
  return outcome;
}

// Back-to-back appends from kAppenders threads, taking request numbers from `next`, until each
// has made kAttemptsWhileFull attempts after the disk first refused one (or, with `rounds` >
// 0, `rounds` attempts each).
void Fill(EventStore& store, Outcomes& outcomes, std::atomic<uint64_t>& next, int rounds) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kAppenders; ++t) {
    threads.emplace_back([&] {
      int after_full = 0;
      for (int i = 0; i < (rounds > 0 ? rounds : kMaxAttemptsPerThread); ++i) {
        if (rounds == 0 && outcomes.full_seen() && ++after_full > kAttemptsWhileFull) break;
        outcomes.Add(Attempt(store, next.fetch_add(1)));
      }
    });
  }
  for (auto& t : threads) t.join();
}

// The position in an ALREADY_EXISTS message ("... is already stored at position N ...").
std::optional<uint64_t> PositionIn(absl::string_view message) {
  constexpr absl::string_view kAt = "stored at position ";
  const size_t at = message.find(kAt);
  if (at == absl::string_view::npos) return std::nullopt;
  absl::string_view rest = message.substr(at + kAt.size());
  rest = rest.substr(0, rest.find_first_not_of("0123456789"));
  uint64_t position = 0;
  if (!absl::SimpleAtoi(rest, &position)) return std::nullopt;
  return position;
}

// Checks the log `store` holds against every answer. Returns the problems, in words.
std::vector<std::string> CheckAgainstLog(const EventStore& store,
                                         const std::vector<Outcome>& outcomes) {
  std::vector<std::string> problems;
  std::vector<v1::Event> log;
  ChunkLimits limits;
  limits.max_bytes = 64 << 20;
  while (true) {
    auto chunk = store.ReadAllEvents(GlobalPosition{log.size()}, ReadFilter{}, limits);
    if (!chunk.ok()) {
      problems.push_back(absl::StrCat("reading the log: ", chunk.status().ToString()));
      return problems;
    }
    if (chunk->empty()) break;
    for (auto& event : *chunk) log.push_back(std::move(event));
  }
  std::map<std::pair<std::string, uint64_t>, uint64_t> by_version;  // (stream, version) -> pos
  std::map<std::string, int> times;
  for (const auto& event : log) {
    by_version[{event.stream(), event.version()}] = event.position();
    if (++times[event.id()] == 2) {
      problems.push_back(absl::StrCat("event ", event.id(), " is stored twice"));
    }
  }
  const auto position_of = [&](const std::string& stream,
                               uint64_t version) -> std::optional<uint64_t> {
    auto it = by_version.find({stream, version});
    if (it == by_version.end()) return std::nullopt;
    return it->second;
  };

  for (const Outcome& o : outcomes) {
    const auto problem = [&](absl::string_view what) {
      problems.push_back(absl::StrCat(what, ": ", o.ToString()));
    };
    if (o.result.ok()) {
      const uint64_t position = o.result->first_position.value;
      if (position >= log.size()) {
        problem(absl::StrCat("acknowledged, but the log ends at position ", log.size()));
      } else if (log[position].id() != o.id || log[position].stream() != o.stream ||
                 log[position].version() != o.result->first_version.value) {
        problem(absl::StrCat("acknowledged, but position ", position, " holds ", log[position].id(),
                             " (", log[position].stream(), " version ", log[position].version(),
                             ")"));
      } else if (!o.result->duplicate &&
                 !absl::StartsWith(log[position].data(), DataPrefix(o.tag))) {
        problem(absl::StrCat("acknowledged, but position ", position, " holds other content"));
      }
      continue;
    }
    const absl::Status& status = o.result.status();
    switch (status.code()) {
      case absl::StatusCode::kResourceExhausted:
      case absl::StatusCode::kUnavailable:
        break;  // refused (a failed write is in doubt: it may or may not be stored)
      case absl::StatusCode::kAborted: {
        // The stream was at the reported version when the request was decided: after it was
        // submitted, before it was answered.
        const auto payload = status.GetPayload(kCurrentVersionPayload);
        const std::string current = payload ? std::string(*payload) : "";
        uint64_t version = 0;
        if (current == "none") {
          if (auto first = position_of(o.stream, 0); first && *first < o.end_before) {
            problem(
                absl::StrCat("ABORTED as if the stream did not exist, but its version 0 was "
                             "stored at position ",
                             *first, " before the append was sent"));
          }
        } else if (absl::SimpleAtoi(current, &version)) {
          const auto at = position_of(o.stream, version);
          const auto next = position_of(o.stream, version + 1);
          if (!at) {
            problem(absl::StrCat("ABORTED at version ", version,
                                 ", but the stream never had that version"));
          } else if (*at >= o.end_after) {
            problem(absl::StrCat("ABORTED at version ", version, ", but that version is at ",
                                 "position ", *at, ", stored only after the answer"));
          } else if (next && *next < o.end_before) {
            problem(absl::StrCat("ABORTED at version ", version, ", but version ", version + 1,
                                 " was stored before the append was sent"));
          }
        } else {
          problem("ABORTED without the current version");
        }
        break;
      }
      case absl::StatusCode::kAlreadyExists: {
        const auto position = PositionIn(status.message());
        if (!position) {
          problem("ALREADY_EXISTS without a position");
        } else if (*position >= log.size() || *position >= o.end_after) {
          problem(absl::StrCat("ALREADY_EXISTS at position ", *position,
                               ", but the log held no event there when it was answered"));
        } else if (log[*position].id() != o.id) {
          problem(absl::StrCat("ALREADY_EXISTS at position ", *position, ", but that is ",
                               log[*position].id()));
        } else if (absl::StrContains(status.message(), "with different content") &&
                   absl::StartsWith(log[*position].data(), DataPrefix(o.tag))) {
          problem(absl::StrCat("ALREADY_EXISTS with different content at position ", *position,
                               ", but the content there is the same"));
        }
        break;
      }
      default:
        problem("an answer a full disk must not give");
    }
  }
  auto verify = store.VerifyChain(GlobalPosition{0}, std::nullopt);
  if (!verify.ok()) {
    problems.push_back(absl::StrCat("verifying the chain: ", verify.status().ToString()));
  } else if (!verify->ok || verify->events_checked != log.size()) {
    problems.push_back(absl::StrCat("the chain does not verify: ", verify->reason, " (",
                                    verify->events_checked, " of ", log.size(), " events)"));
  }
  return problems;
}

// The first problems, and how many there are.
std::string Summary(const std::vector<std::string>& problems) {
  constexpr size_t kShown = 12;
  std::vector<std::string> shown(problems.begin(),
                                 problems.begin() + std::min(problems.size(), kShown));
  return absl::StrCat(problems.size(), problems.size() == 1 ? " problem" : " problems",
                      problems.empty() ? "" : ":\n", absl::StrJoin(shown, "\n"),
                      problems.size() > kShown ? "\n..." : "");
}

size_t Count(const std::vector<Outcome>& outcomes, absl::StatusCode code) {
  size_t n = 0;
  for (const auto& o : outcomes) n += o.result.status().code() == code ? 1 : 0;
  return n;
}

TEST_CASE("a real full disk refuses appends without crashing or answering from unwritten events",
          "[diskfull][tmpfs]") {
  TempDir dir;
  auto mounted = TmpfsMount::Mount(dir.Sub("mnt"), "24m");
  if (!mounted.ok()) FAIL(mounted.status().ToString());
  TmpfsMount& mnt = **mounted;
  INFO("tmpfs at " << mnt.dir() << (mnt.private_namespace() ? " (private mount namespace)" : ""));

  StoreOptions options;
  options.data_dir = mnt.dir() + "/data";
  auto opened = EventStore::Open(options);
  REQUIRE(opened.ok());
  std::unique_ptr<EventStore> store = std::move(*opened);

  // 1. Fill the disk.
  Outcomes outcomes;
  std::atomic<uint64_t> next{0};
  Fill(*store, outcomes, next, 0);
  std::vector<Outcome> all = outcomes.all();
  const size_t acknowledged = Count(all, absl::StatusCode::kOk);
  INFO(all.size() << " attempts: " << acknowledged << " OK, "
                  << Count(all, absl::StatusCode::kAborted) << " ABORTED, "
                  << Count(all, absl::StatusCode::kAlreadyExists) << " ALREADY_EXISTS, "
                  << Count(all, absl::StatusCode::kResourceExhausted) << " RESOURCE_EXHAUSTED, "
                  << Count(all, absl::StatusCode::kUnavailable) << " UNAVAILABLE");
  REQUIRE(outcomes.full_seen());
  CHECK(acknowledged > 100);
  CHECK(Count(all, absl::StatusCode::kResourceExhausted) > 0);
  {
    const auto problems = CheckAgainstLog(*store, all);
    INFO("while full: " << Summary(problems));
    CHECK(problems.empty());
  }

  // 2. Space again. RocksDB's file manager polls the free space (every few seconds) and then
  // recovers by itself; appends are refused until it has. This is a wait on a real external
  // condition, so it polls, bounded at 30 s.
  REQUIRE(mnt.Resize("96m").ok());
  absl::StatusOr<AppendResult> resumed = absl::UnknownError("not tried");
  const auto space_returned = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - space_returned < std::chrono::seconds(30)) {
    Outcome probe;
    // The first request (an A: expected version any) of a round of its own.
    const uint64_t n = (next.fetch_add(2 * kAppenders) / kAppenders + 1) * kAppenders;
    AppendRequest request = RequestFor(n, &probe);
    probe.end_before = store->CommittedEnd().value;
    resumed = store->Append(std::move(request));
    probe.end_after = store->CommittedEnd().value;
    probe.result = resumed;
    outcomes.Add(probe);
    if (resumed.ok()) break;
    const auto code = resumed.status().code();
    if (code != absl::StatusCode::kUnavailable && code != absl::StatusCode::kResourceExhausted) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO("the first append after space returned: " << resumed.status().ToString());
  REQUIRE(resumed.ok());
  // The same conflicting appenders go on, all answered.
  Fill(*store, outcomes, next, 4);
  all = outcomes.all();
  const uint64_t end = store->CommittedEnd().value;
  {
    const auto problems = CheckAgainstLog(*store, all);
    INFO("after space returned: " << Summary(problems));
    CHECK(problems.empty());
  }

  // 3. And after a restart.
  store.reset();
  opened = EventStore::Open(options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  store = std::move(*opened);
  CHECK(store->CommittedEnd().value == end);
  {
    const auto problems = CheckAgainstLog(*store, all);
    INFO("after a restart: " << Summary(problems));
    CHECK(problems.empty());
  }
  store.reset();
}

}  // namespace
}  // namespace footprint::eventstore
