// footprint-bench: load generator for footprintd over its public gRPC API.
//
//   footprint-bench --server ADDR --mode append|batch|replay|idle-streams --clients N
//                   (--duration SECONDS | --events N) [--batch-size N] [--event-size BYTES]
//                   [--json] [--warmup SECONDS] [--channels N]
//                   [--ca PEM [--cert PEM --key PEM] [--tls-server-name NAME]] [--purpose TEXT]
//                   [--streams N --server-pid PID]
//
// append  every client appends one event per call to its own stream, closed loop (the next
//         call starts when the previous one is acknowledged, i.e. after the server's sync).
// batch   the same with --batch-size events per call (default 100).
// replay  every client reads the first --events events of the log (default 1,000,000) from
//         position 0 with ReadAll, parsing each response into footprint.v1.ReadAllResponse.
//         A log that is shorter is first filled (untimed) with batch appends.
// idle-streams  opens --streams Subscribe calls (default 100) from the log's last event, each
//         reading that one message and then never again, and reads footprintd's resident
//         memory (/proc/PID/status, so the server must run on this machine) before, with them
//         caught up, after --events appends (default 2000) that every one of them is owed but
//         does not read, and after they are cancelled.
//
// With --ca the connections use TLS (with --cert and --key: a client certificate, as footprintd
// with `tls:` requires); reads send --purpose (default "benchmark"), which the server records.
//
// Clients are closed loops on gRPC's callback API, spread over min(clients, 4) channels that
// are separate connections, so 64 clients need no 64 threads. With --duration the first
// --warmup seconds (default 0.5) are not measured; with --events everything is.
//
// Exit status: 0 success (errors, if any, are reported); 1 every call failed, the server
// cannot be reached or a replay came back wrong; 2 bad command line. See bench/README.md.
#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/mutex.h"
#include "bench/latency.h"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tools/client/client_credentials.h"
#include "tools/client/metadata.h"

namespace {

namespace v1 = footprint::v1;
using footprint::bench::LatencySamples;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// An append client gives up after this many failed calls in a row (a dead server would
// otherwise be hammered in a tight loop for the whole run).
constexpr int kMaxConsecutiveErrors = 100;
// Largest fill batch for replay (the server's default max_batch_events).
constexpr size_t kMaxFillBatch = 1000;
// Keep fill requests well under the server's default 4 MiB max_batch_bytes.
constexpr size_t kFillBatchBytes = 3 << 20;
constexpr auto kAppendDeadline = std::chrono::seconds(60);
constexpr auto kReplayDeadline = std::chrono::hours(1);

struct Options {
  std::string server;
  std::string mode;
  int clients = 1;
  double duration = 0;  // seconds; 0: not given
  uint64_t events = 0;  // 0: not given
  int batch_size = 0;   // 0: the mode's default
  size_t event_size = 200;
  bool json = false;
  double warmup = 0.5;
  int channels = 0;  // 0: min(clients, 4)
  footprint::client::TlsFiles tls;
  std::string purpose = "benchmark";
  int streams = 100;   // idle-streams
  int server_pid = 0;  // idle-streams
};

// Sent with every read; footprintd records it in its access log (required with TLS).
std::string& Purpose() {
  static std::string purpose;
  return purpose;
}

void AddPurpose(grpc::ClientContext* context) {
  if (!Purpose().empty()) {
    context->AddMetadata("footprint-purpose", footprint::client::EncodePurpose(Purpose()));
  }
}

// "INVALID_ARGUMENT" etc.: gRPC's codes are Abseil's, one to one.
std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// Errors by status code: how many, and the first message seen.
class ErrorLog {
 public:
  void Add(const std::string& code, const std::string& message) {
    Entry& entry = entries_[code];
    if (entry.count++ == 0) entry.first_message = message;
  }
  void Add(const grpc::Status& status) {
    Add(CodeName(status.error_code()), status.error_message());
  }
  void Merge(const ErrorLog& other) {
    for (const auto& [code, entry] : other.entries_) {
      Entry& mine = entries_[code];
      if (mine.count == 0) mine.first_message = entry.first_message;
      mine.count += entry.count;
    }
  }
  uint64_t total() const {
    uint64_t n = 0;
    for (const auto& [code, entry] : entries_) n += entry.count;
    return n;
  }
  json ToJson() const {
    json out = json::object();
    for (const auto& [code, entry] : entries_) {
      out[code] = {{"count", entry.count}, {"first", entry.first_message}};
    }
    return out;
  }
  void Print(FILE* out) const {
    for (const auto& [code, entry] : entries_) {
      std::fprintf(out, "  %-20s %llu (first: %s)\n", code.c_str(),
                   static_cast<unsigned long long>(entry.count), entry.first_message.c_str());
    }
  }

 private:
  struct Entry {
    uint64_t count = 0;
    std::string first_message;
  };
  std::map<std::string, Entry> entries_;
};

// Counts running clients down to zero; Wait() returns when every client has finished.
class Completion {
 public:
  explicit Completion(int pending) : pending_(pending) {}
  void Done() {
    footprint::base::MutexLock lock(&mu_);
    if (--pending_ == 0) cv_.SignalAll();
  }
  void Wait() {
    footprint::base::MutexLock lock(&mu_);
    while (pending_ != 0) cv_.Wait(&mu_);
  }

 private:
  footprint::base::Mutex mu_;
  footprint::base::CondVar cv_;
  int pending_ ABSL_GUARDED_BY(mu_);
};

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

int64_t Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string RandomRunId() {
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device() ^
                      static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(buf, 10);
}

// ---------------------------------------------------------------------------------------------
// Connections

struct Connections {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::EventStore::Stub>> stubs;

  v1::EventStore::Stub* ForClient(int client) {
    return stubs[static_cast<size_t>(client) % stubs.size()].get();
  }
};

// Channels with distinct arguments and a local subchannel pool each, so that every channel is a
// TCP connection of its own rather than a share of one.
absl::StatusOr<Connections> Connect(const std::string& server, int count,
                                    const footprint::client::TlsFiles& tls) {
  Connections out;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("footprint.bench.channel_id", i);
    args.SetMaxReceiveMessageSize(-1);
    auto credentials = footprint::client::MakeCredentials(tls, &args);
    if (!credentials.ok()) return credentials.status();
    auto channel = grpc::CreateCustomChannel(server, *credentials, args);
    out.stubs.push_back(v1::EventStore::NewStub(channel));
    out.channels.push_back(std::move(channel));
  }
  return out;
}

bool WaitConnected(const Connections& connections, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::system_clock::now() + timeout;
  for (const auto& channel : connections.channels) {
    if (!channel->WaitForConnected(deadline)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Appends (modes append and batch, and the replay fill)

std::string MakePayload(size_t size, int client) {
  const std::string head =
      "{\"child\":\"child-" + std::to_string(client) + "\",\"date\":\"2026-01-05\",\"pad\":\"";
  const std::string tail = "\"}";
  const size_t fixed = head.size() + tail.size();
  return head + std::string(size > fixed ? size - fixed : 0, 'x') + tail;
}

v1::AppendRequest MakeAppendRequest(const std::string& stream, int batch, size_t event_size,
                                    int client, const std::string& run_id) {
  v1::AppendRequest request;
  request.set_stream(stream);
  request.mutable_expected_version()->set_any(true);
  v1::EventData event;
  event.set_type("BenchEvent");
  event.set_content_type(v1::CONTENT_TYPE_JSON);
  event.mutable_metadata()->set_source_system("footprint-bench");
  event.mutable_metadata()->set_correlation_id("bench-" + run_id);
  event.set_data(MakePayload(event_size, client));
  request.mutable_events()->Reserve(batch);
  for (int i = 0; i < batch; ++i) *request.add_events() = event;
  return request;
}

struct AppendPlan {
  // With --duration: only calls that complete within [measure_from, measure_to) are counted,
  // and clients stop issuing calls at measure_to. Without: every call counts, and each client
  // stops when it has appended its quota.
  bool timed = false;
  Clock::time_point measure_from;
  Clock::time_point measure_to;
};

// One closed-loop client: exactly one Append in flight; the next starts from the callback of
// the previous one. Its fields are read by the main thread only after Completion::Wait().
class AppendClient {
 public:
  AppendClient(v1::EventStore::Stub* stub, const AppendPlan* plan, Completion* completion,
               v1::AppendRequest request, uint64_t quota)
      : stub_(stub),
        plan_(plan),
        completion_(completion),
        request_(std::move(request)),
        remaining_(quota) {
    latencies.reserve(1 << 16);
  }

  void Start() { Issue(); }

  std::vector<int64_t> latencies;
  uint64_t events = 0;
  uint64_t requests = 0;
  ErrorLog errors;
  bool gave_up = false;
  Clock::time_point last_done;

 private:
  void Issue() {
    if (!plan_->timed && remaining_ < static_cast<uint64_t>(request_.events_size())) {
      const int keep = static_cast<int>(remaining_);
      request_.mutable_events()->DeleteSubrange(keep, request_.events_size() - keep);
    }
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() + kAppendDeadline);
    response_.Clear();
    started_ = Clock::now();
    stub_->async()->Append(context_.get(), &request_, &response_,
                           [this](grpc::Status status) { OnDone(status); });
  }

  void OnDone(const grpc::Status& status) {
    const auto now = Clock::now();
    last_done = now;
    const bool counted = !plan_->timed || (now >= plan_->measure_from && now < plan_->measure_to);
    const auto batch = static_cast<uint64_t>(request_.events_size());
    if (status.ok()) {
      consecutive_errors_ = 0;
      if (!plan_->timed) remaining_ -= batch;
      if (counted) {
        latencies.push_back(Nanos(now - started_));
        events += batch;
        ++requests;
      }
    } else {
      errors.Add(status);
      if (++consecutive_errors_ >= kMaxConsecutiveErrors) gave_up = true;
    }
    const bool more = plan_->timed ? now < plan_->measure_to : remaining_ > 0;
    if (more && !gave_up) {
      Issue();
    } else {
      completion_->Done();
    }
  }

  v1::EventStore::Stub* const stub_;
  const AppendPlan* const plan_;
  Completion* const completion_;
  v1::AppendRequest request_;
  v1::AppendResponse response_;
  std::unique_ptr<grpc::ClientContext> context_;
  Clock::time_point started_;
  uint64_t remaining_;
  int consecutive_errors_ = 0;
};

struct Result {
  uint64_t events = 0;
  uint64_t requests = 0;
  uint64_t messages = 0;  // replay: response messages
  double seconds = 0;
  double wall_seconds = 0;  // the whole load phase, warm-up included
  double cpu_seconds = 0;   // this process, over the whole load phase
  int gave_up = 0;          // clients that stopped after kMaxConsecutiveErrors
  bool bad_replay = false;  // a replay returned OK with wrong content
  LatencySamples latencies;
  ErrorLog errors;
};

// Runs `clients` closed-loop append clients with `batch` events per call, for opts.duration
// seconds after opts.warmup (timed) or until `total_events` are appended.
Result RunAppends(Connections& connections, int clients, int batch, size_t event_size, bool timed,
                  double duration, double warmup, uint64_t total_events,
                  const std::string& stream_prefix, const std::string& run_id) {
  AppendPlan plan;
  plan.timed = timed;
  Completion completion(clients);
  std::vector<std::unique_ptr<AppendClient>> loop;
  std::vector<uint64_t> quotas;
  const auto n = static_cast<uint64_t>(clients);
  for (int i = 0; i < clients; ++i) {
    const auto index = static_cast<uint64_t>(i);
    quotas.push_back(timed ? 0 : total_events / n + (index < total_events % n ? 1 : 0));
    loop.push_back(std::make_unique<AppendClient>(
        connections.ForClient(i), &plan, &completion,
        MakeAppendRequest(stream_prefix + "-c" + std::to_string(i), batch, event_size, i, run_id),
        quotas.back()));
  }
  const double cpu_before = CpuSeconds();
  const auto start = Clock::now();
  plan.measure_from = start + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(timed ? warmup : 0));
  plan.measure_to = plan.measure_from + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(duration));
  for (int i = 0; i < clients; ++i) {
    if (timed || quotas[static_cast<size_t>(i)] > 0) {
      loop[static_cast<size_t>(i)]->Start();
    } else {
      completion.Done();  // --events smaller than --clients: nothing for this one to do
    }
  }
  completion.Wait();
  const auto end = Clock::now();

  Result result;
  result.cpu_seconds = CpuSeconds() - cpu_before;
  result.wall_seconds = Seconds(end - start);
  Clock::time_point last = start;
  for (auto& client : loop) {
    result.events += client->events;
    result.requests += client->requests;
    result.latencies.Merge(client->latencies);
    result.errors.Merge(client->errors);
    if (client->gave_up) ++result.gave_up;
    last = std::max(last, client->last_done);
  }
  result.seconds = timed ? duration : Seconds(last - start);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Replay

// One ReadAll of the first `events` events from position 0. Latency samples are per response
// message: the time since the previous message arrived (or since the call started).
class ReplayClient final : public grpc::ClientReadReactor<v1::ReadAllResponse> {
 public:
  ReplayClient(v1::EventStore::Stub* stub, uint64_t wanted, Completion* completion)
      : stub_(stub), wanted_(wanted), completion_(completion) {
    latencies.reserve(4096);
  }

  void Start() {
    request_.set_from_position(0);
    request_.set_limit(wanted_);
    context_.set_deadline(std::chrono::system_clock::now() + kReplayDeadline);
    AddPurpose(&context_);
    started = last_ = Clock::now();
    stub_->async()->ReadAll(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    const auto now = Clock::now();
    latencies.push_back(Nanos(now - last_));
    last_ = now;
    ++messages;
    for (const v1::Event& event : response_.events()) {
      if (event.position() != next_ && problem.empty()) {
        problem = "expected position " + std::to_string(next_) + ", got " +
                  std::to_string(event.position());
      }
      next_ = event.position() + 1;
    }
    events += static_cast<uint64_t>(response_.events_size());
    if (response_.next_position() != next_ && problem.empty()) {
      problem = "next_position " + std::to_string(response_.next_position()) +
                " after the event at position " + std::to_string(next_ - 1);
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& s) override {
    finished = Clock::now();
    status = s;
    if (status.ok() && events != wanted_ && problem.empty()) {
      problem = "got " + std::to_string(events) + " events, wanted " + std::to_string(wanted_);
    }
    completion_->Done();
  }

  std::vector<int64_t> latencies;
  uint64_t events = 0;
  uint64_t messages = 0;
  std::string problem;  // the replay was OK but its content was not
  grpc::Status status;
  Clock::time_point started;
  Clock::time_point finished;

 private:
  v1::EventStore::Stub* const stub_;
  const uint64_t wanted_;
  Completion* const completion_;
  grpc::ClientContext context_;
  v1::ReadAllRequest request_;
  v1::ReadAllResponse response_;
  Clock::time_point last_;
  uint64_t next_ = 0;
};

enum class Probe { kEvent, kEnd, kBeyond };

// Whether `position` holds an event (ReadAll from it with limit 1).
grpc::Status ProbePosition(v1::EventStore::Stub* stub, uint64_t position, Probe* out) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  AddPurpose(&context);
  v1::ReadAllRequest request;
  request.set_from_position(position);
  request.set_limit(1);
  auto reader = stub->ReadAll(&context, request);
  v1::ReadAllResponse response;
  bool found = false;
  while (reader->Read(&response)) found = found || response.events_size() > 0;
  grpc::Status status = reader->Finish();
  if (status.error_code() == grpc::OUT_OF_RANGE) {
    *out = Probe::kBeyond;
    return grpc::Status::OK;
  }
  if (status.ok()) *out = found ? Probe::kEvent : Probe::kEnd;
  return status;
}

// How many events the log holds, capped at `cap` (binary search over ReadAll probes, since the
// API has no call that returns the head).
grpc::Status CountEvents(v1::EventStore::Stub* stub, uint64_t cap, uint64_t* count) {
  if (cap == 0) {
    *count = 0;
    return grpc::Status::OK;
  }
  Probe probe;
  if (auto st = ProbePosition(stub, cap - 1, &probe); !st.ok()) return st;
  if (probe == Probe::kEvent) {
    *count = cap;
    return grpc::Status::OK;
  }
  uint64_t lo = 0;
  uint64_t hi = cap - 1;  // holds no event
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (auto st = ProbePosition(stub, mid, &probe); !st.ok()) return st;
    if (probe == Probe::kEvent) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *count = lo;
  return grpc::Status::OK;
}

// Makes the log hold at least `wanted` events. Returns how many it appended, or -1.
int64_t FillForReplay(Connections& connections, const Options& opts, uint64_t wanted,
                      const std::string& run_id) {
  uint64_t have = 0;
  if (auto st = CountEvents(connections.ForClient(0), wanted, &have); !st.ok()) {
    std::fprintf(stderr, "footprint-bench: cannot count the events in the log: %s: %s\n",
                 CodeName(st.error_code()).c_str(), st.error_message().c_str());
    return -1;
  }
  if (have >= wanted) return 0;
  const uint64_t missing = wanted - have;
  const int batch = opts.batch_size > 0
                        ? opts.batch_size
                        : static_cast<int>(std::clamp<size_t>(
                              kFillBatchBytes / (opts.event_size + 256), 1, kMaxFillBatch));
  const int clients = 4;
  std::fprintf(stderr,
               "footprint-bench: the log holds %llu events, fewer than %llu: appending %llu "
               "events of %zu bytes (untimed, %d clients x %d per call)\n",
               static_cast<unsigned long long>(have), static_cast<unsigned long long>(wanted),
               static_cast<unsigned long long>(missing), opts.event_size, clients, batch);
  Result fill = RunAppends(connections, clients, batch, opts.event_size, /*timed=*/false, 0, 0,
                           missing, "bench-" + run_id + "-fill", run_id);
  if (fill.errors.total() > 0 || fill.events != missing) {
    std::fprintf(stderr, "footprint-bench: filling the log failed (%llu of %llu appended):\n",
                 static_cast<unsigned long long>(fill.events),
                 static_cast<unsigned long long>(missing));
    fill.errors.Print(stderr);
    return -1;
  }
  std::fprintf(stderr, "footprint-bench: filled in %.1f s (%.0f events/s)\n", fill.seconds,
               fill.seconds > 0 ? static_cast<double>(fill.events) / fill.seconds : 0.0);
  return static_cast<int64_t>(missing);
}

// footprintd's resident memory in KiB (VmRSS of /proc/PID/status), or -1.
int64_t ResidentKib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// idle-streams: what subscribers that stop reading cost the server. Returns 0, or 1 when a
// stream could not be opened or memory could not be read.
int RunIdleStreams(Connections& connections, const Options& opts, const std::string& run_id) {
  struct Idle {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::ReadAllResponse>> reader;
  };
  const uint64_t owed_events = opts.events > 0 ? opts.events : 2000;
  if (ResidentKib(opts.server_pid) < 0) {
    std::fprintf(stderr, "footprint-bench: --server-pid %d: cannot read /proc/%d/status\n",
                 opts.server_pid, opts.server_pid);
    return 1;
  }
  // Each subscriber starts at the last event: its first message holds that one event, and then
  // it is caught up, waiting for the next.
  if (FillForReplay(connections, opts, 1, run_id) < 0) return 1;
  uint64_t head = 0;
  if (auto st = CountEvents(connections.ForClient(0), uint64_t{1} << 40, &head); !st.ok()) {
    std::fprintf(stderr, "footprint-bench: cannot find the log's end: %s\n",
                 st.error_message().c_str());
    return 1;
  }
  const int64_t before = ResidentKib(opts.server_pid);
  std::vector<std::unique_ptr<Idle>> idle;
  ErrorLog errors;
  v1::SubscribeRequest request;
  request.set_from_position(head - 1);
  for (int i = 0; i < opts.streams; ++i) {
    auto stream = std::make_unique<Idle>();
    AddPurpose(&stream->context);
    stream->reader = connections.ForClient(i)->Subscribe(&stream->context, request);
    v1::ReadAllResponse first;
    if (!stream->reader->Read(&first)) {
      errors.Add(stream->reader->Finish());
      break;
    }
    idle.push_back(std::move(stream));
  }
  const int64_t opened = ResidentKib(opts.server_pid);
  const size_t open_count = idle.size();
  // Appended by others while they sit there: every idle subscriber is owed all of it.
  Result fill = RunAppends(connections, 4, 100, opts.event_size, /*timed=*/false, 0, 0, owed_events,
                           "bench-" + run_id + "-owed", run_id);
  const int64_t owed = ResidentKib(opts.server_pid);
  for (auto& stream : idle) stream->context.TryCancel();
  for (auto& stream : idle) {
    v1::ReadAllResponse message;
    while (stream->reader->Read(&message)) {
    }
    (void)stream->reader->Finish();
  }
  idle.clear();
  const int64_t closed = ResidentKib(opts.server_pid);
  const size_t n = std::max<size_t>(1, open_count);
  const double per_idle = static_cast<double>(opened - before) / static_cast<double>(n);
  const double per_owed = static_cast<double>(owed - before) / static_cast<double>(n);
  if (opts.json) {
    json out = {{"mode", "idle-streams"},         {"server", opts.server},
                {"streams", open_count},          {"owed_events", owed_events},
                {"event_size", opts.event_size},  {"rss_kib_before", before},
                {"rss_kib_idle", opened},         {"rss_kib_owed", owed},
                {"rss_kib_closed", closed},       {"kib_per_idle_stream", per_idle},
                {"kib_per_owed_stream", per_owed}};
    if (errors.total() > 0) out["error_codes"] = errors.ToJson();
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("footprint-bench idle-streams against %s (pid %d)\n", opts.server.c_str(),
                opts.server_pid);
    std::printf(
        "  streams     %zu of %d Subscribe calls open over %zu connections, read once, "
        "then idle\n",
        open_count, opts.streams, connections.channels.size());
    std::printf("  rss before  %lld KiB\n", static_cast<long long>(before));
    std::printf("  idle        %lld KiB (%+.1f KiB per stream)\n", static_cast<long long>(opened),
                per_idle);
    std::printf("  owed        %lld KiB after %llu appends of %zu bytes (%+.1f KiB per stream)\n",
                static_cast<long long>(owed), static_cast<unsigned long long>(fill.events),
                opts.event_size, per_owed);
    std::printf("  closed      %lld KiB after all were cancelled\n",
                static_cast<long long>(closed));
    std::printf("  errors      %llu\n", static_cast<unsigned long long>(errors.total()));
    errors.Print(stdout);
  }
  return errors.total() > 0 || fill.events != owed_events ? 1 : 0;
}

Result RunReplays(Connections& connections, int clients, uint64_t events) {
  Completion completion(clients);
  std::vector<std::unique_ptr<ReplayClient>> replays;
  for (int i = 0; i < clients; ++i) {
    replays.push_back(
        std::make_unique<ReplayClient>(connections.ForClient(i), events, &completion));
  }
  const double cpu_before = CpuSeconds();
  const auto start = Clock::now();
  for (auto& replay : replays) replay->Start();
  completion.Wait();
  const auto end = Clock::now();

  Result result;
  result.cpu_seconds = CpuSeconds() - cpu_before;
  result.wall_seconds = Seconds(end - start);
  result.seconds = result.wall_seconds;
  for (auto& replay : replays) {
    result.messages += replay->messages;
    result.latencies.Merge(replay->latencies);
    if (!replay->status.ok()) {
      result.errors.Add(replay->status);
    } else if (!replay->problem.empty()) {
      result.errors.Add("BAD_REPLAY", replay->problem);
      result.bad_replay = true;
    } else {
      result.requests += 1;
      result.events += replay->events;
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Output

double Round(double value, double scale) { return std::round(value * scale) / scale; }

json ToJson(const Options& opts, int batch, int channels, const std::string& run_id, Result& r,
            int64_t filled) {
  const double eps = r.seconds > 0 ? static_cast<double>(r.events) / r.seconds : 0;
  const double rps = r.seconds > 0 ? static_cast<double>(r.requests) / r.seconds : 0;
  json out = {
      {"mode", opts.mode},
      {"server", opts.server},
      {"clients", opts.clients},
      {"channels", channels},
      {"batch_size", batch},
      {"event_size", opts.event_size},
      {"events", r.events},
      {"requests", r.requests},
      {"errors", r.errors.total()},
      {"seconds", Round(r.seconds, 1e4)},
      {"events_per_s", Round(eps, 10)},
      {"requests_per_s", Round(rps, 10)},
      {"latency_of", opts.mode == "replay" ? "ReadAll response message (time since the previous)"
                                           : "Append call"},
      {"latency_samples", r.latencies.size()},
      {"p50_ms", Round(r.latencies.PercentileMs(0.50), 1e4)},
      {"p90_ms", Round(r.latencies.PercentileMs(0.90), 1e4)},
      {"p99_ms", Round(r.latencies.PercentileMs(0.99), 1e4)},
      {"p999_ms", Round(r.latencies.PercentileMs(0.999), 1e4)},
      {"max_ms", Round(r.latencies.MaxMs(), 1e4)},
      {"mean_ms", Round(r.latencies.MeanMs(), 1e4)},
      {"warmup_s", opts.mode != "replay" && opts.duration > 0 ? opts.warmup : 0.0},
      {"client_cpu_percent",
       Round(r.wall_seconds > 0 ? 100 * r.cpu_seconds / r.wall_seconds : 0, 10)},
      {"run_id", run_id},
  };
  if (opts.mode == "replay") {
    out["messages"] = r.messages;
    out["filled_events"] = filled;
  }
  if (r.gave_up > 0) out["clients_gave_up"] = r.gave_up;
  if (r.errors.total() > 0) out["error_codes"] = r.errors.ToJson();
  return out;
}

void PrintSummary(const Options& opts, int batch, int channels, Result& r, int64_t filled) {
  const double eps = r.seconds > 0 ? static_cast<double>(r.events) / r.seconds : 0;
  const double rps = r.seconds > 0 ? static_cast<double>(r.requests) / r.seconds : 0;
  std::printf("footprint-bench %s against %s\n", opts.mode.c_str(), opts.server.c_str());
  if (opts.mode == "replay") {
    std::printf("  clients     %d concurrent ReadAll of %llu events each (%d channels)%s\n",
                opts.clients, static_cast<unsigned long long>(opts.events), channels,
                filled > 0 ? ", log filled first" : "");
  } else {
    std::printf("  clients     %d closed loops, %d event%s of %zu bytes per call (%d channels)\n",
                opts.clients, batch, batch == 1 ? "" : "s", opts.event_size, channels);
  }
  std::printf("  events      %llu in %.3f s = %.0f events/s\n",
              static_cast<unsigned long long>(r.events), r.seconds, eps);
  if (opts.mode == "replay") {
    std::printf("  messages    %llu\n", static_cast<unsigned long long>(r.messages));
  } else {
    std::printf("  calls       %llu = %.0f calls/s\n", static_cast<unsigned long long>(r.requests),
                rps);
  }
  std::printf("  latency     %s, ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
              opts.mode == "replay" ? "per response message" : "per call",
              r.latencies.PercentileMs(0.5), r.latencies.PercentileMs(0.9),
              r.latencies.PercentileMs(0.99), r.latencies.PercentileMs(0.999), r.latencies.MaxMs());
  std::printf("  client cpu  %.0f%% of one core\n",
              r.wall_seconds > 0 ? 100 * r.cpu_seconds / r.wall_seconds : 0);
  std::printf("  errors      %llu\n", static_cast<unsigned long long>(r.errors.total()));
  r.errors.Print(stdout);
  if (r.gave_up > 0) {
    std::printf("  %d client(s) stopped after %d failed calls in a row\n", r.gave_up,
                kMaxConsecutiveErrors);
  }
}

int Run(int argc, char** argv) {
  CLI::App app{"footprint-bench: load generator for footprintd (see bench/README.md)"};
  Options opts;
  app.add_option("--server", opts.server, "footprintd address HOST:PORT")->required();
  app.add_option("--mode", opts.mode, "append, batch, replay or idle-streams")
      ->required()
      ->check(CLI::IsMember({"append", "batch", "replay", "idle-streams"}));
  app.add_option("--clients", opts.clients,
                 "concurrent closed-loop clients (replay: concurrent replays)")
      ->check(CLI::Range(1, 100000));
  auto* duration = app.add_option("--duration", opts.duration,
                                  "append/batch: measure for this many seconds (default 10)")
                       ->check(CLI::PositiveNumber);
  auto* events = app.add_option("--events", opts.events,
                                "append/batch: append this many events in total; replay: read "
                                "this many events (default 1000000)")
                     ->check(CLI::PositiveNumber);
  duration->excludes(events);
  app.add_option("--batch-size", opts.batch_size,
                 "events per Append call (batch: default 100; replay: fill batch size)")
      ->check(CLI::PositiveNumber);
  app.add_option("--event-size", opts.event_size, "bytes of JSON data per event (default 200)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", opts.json, "print one JSON object instead of a summary");
  app.add_option("--warmup", opts.warmup,
                 "with --duration: seconds of load before measuring (default 0.5)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--channels", opts.channels, "connections (default min(clients, 4))")
      ->check(CLI::PositiveNumber);
  app.add_option("--ca", opts.tls.ca_file, "CA of footprintd's certificate (PEM): TLS");
  app.add_option("--cert", opts.tls.cert_file, "this client's certificate (PEM)");
  app.add_option("--key", opts.tls.key_file, "its private key (PEM)");
  app.add_option("--tls-server-name", opts.tls.server_name,
                 "name to check footprintd's certificate against");
  app.add_option("--purpose", opts.purpose,
                 "sent with every read, recorded in the access log (default \"benchmark\")");
  app.add_option("--streams", opts.streams, "idle-streams: Subscribe calls (default 100)")
      ->check(CLI::PositiveNumber);
  app.add_option("--server-pid", opts.server_pid, "idle-streams: footprintd's process id")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints the help or the error
    return code == 0 ? 0 : 2;
  }

  int batch = 1;
  if (opts.mode == "append") {
    if (opts.batch_size > 1) {
      std::fprintf(stderr,
                   "footprint-bench: --batch-size applies to --mode batch (append sends one "
                   "event per call)\n");
      return 2;
    }
  } else if (opts.mode == "batch") {
    batch = opts.batch_size > 0 ? opts.batch_size : 100;
  } else if (opts.mode == "idle-streams") {
    if (opts.server_pid == 0 || opts.duration > 0) {
      std::fprintf(stderr,
                   "footprint-bench: --mode idle-streams needs --server-pid (and takes --events, "
                   "not --duration)\n");
      return 2;
    }
    batch = 0;
  } else {  // replay
    if (opts.duration > 0) {
      std::fprintf(stderr,
                   "footprint-bench: --mode replay reads --events N events; --duration does not "
                   "apply\n");
      return 2;
    }
    if (opts.events == 0) opts.events = 1'000'000;
    batch = 0;
  }
  if ((opts.mode == "append" || opts.mode == "batch") && opts.duration == 0 && opts.events == 0) {
    opts.duration = 10;
  }
  const int channels = opts.channels > 0 ? opts.channels : std::min(opts.clients, 4);

  // Debian builds abseil without NDEBUG, so absl::Mutex (which gRPC locks on every call) keeps a
  // global deadlock-detection graph: a few percent of this client's CPU, taken from the server
  // on a small machine. A load generator does not need it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  const std::string run_id = RandomRunId();
  if (const std::string problem = footprint::client::PurposeProblem(opts.purpose);
      !problem.empty()) {
    std::cerr << "footprint-bench: --purpose: " << problem << '\n';
    return 2;
  }
  Purpose() = opts.purpose;
  auto connected = Connect(opts.server, channels, opts.tls);
  if (!connected.ok()) {
    std::fprintf(stderr, "footprint-bench: %s\n",
                 std::string(connected.status().message()).c_str());
    return 2;
  }
  Connections& connections = *connected;
  if (!WaitConnected(connections, std::chrono::seconds(10))) {
    std::fprintf(stderr, "footprint-bench: cannot connect to %s within 10 s\n",
                 opts.server.c_str());
    return 1;
  }

  if (opts.mode == "idle-streams") return RunIdleStreams(connections, opts, run_id);
  Result result;
  int64_t filled = 0;
  if (opts.mode == "replay") {
    filled = FillForReplay(connections, opts, opts.events, run_id);
    if (filled < 0) return 1;
    result = RunReplays(connections, opts.clients, opts.events);
  } else {
    const bool timed = opts.duration > 0;
    result = RunAppends(connections, opts.clients, batch, opts.event_size, timed, opts.duration,
                        opts.warmup, opts.events, "bench-" + run_id, run_id);
  }

  if (opts.json) {
    std::printf("%s\n", ToJson(opts, batch, channels, run_id, result, filled).dump().c_str());
  } else {
    PrintSummary(opts, batch, channels, result, filled);
  }
  std::fflush(stdout);
  if (result.errors.total() > 0) {
    std::fprintf(stderr, "footprint-bench: %llu call(s) failed\n",
                 static_cast<unsigned long long>(result.errors.total()));
  }
  // Every call failed (or nothing was measured at all): the numbers mean nothing.
  if (result.requests == 0 || result.events == 0) return 1;
  return result.bad_replay ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "footprint-bench: fatal: %s\n", e.what());
    return 1;
  }
}
