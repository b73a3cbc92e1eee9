// footprint-projections-bench: how fast the projections rebuild and the queries answer
// (issue 5's benchmark).
//
//   footprint-projections-bench [--events N] [--looked-after N | --children N] [--years N]
//                               [--end DATE] [--seed N] [--dir DIR] [--reuse] [--queries N]
//                               [--only rebuild|queries] [--json] [--out FILE] [--threads N]
//                               [--check]
//
// rebuild  generates a synthetic council (projections/testing) of at least --events events over
//          --years years, appends it in-process to a fresh data directory, starts a
//          FootprintServer on it, and for every projection that Projections.Status lists calls
//          Projections.Rebuild over gRPC: events/s = events applied / the server's seconds. What
//          a start-up does for `children` (the view built from the log up to the checkpoint)
//          is also timed on its own.
// queries  generates a council with --looked-after children in care on --end (or exactly
//          --children children) over --years years, starts a server on it, and calls each
//          Queries RPC --queries times in a closed loop from one gRPC client: p50/p99/max.
//
// Populating the store and starting the server happen in this process (server libraries are
// linked); everything measured goes through the public gRPC API, except the separate timing of
// the view's start-up load. The server's clock is fixed at the end of the history (17:00 UTC on
// --end), so "today" and the deadlines are those of that day. See bench/README.md.
//
// Exit status: 0 success; 1 a step failed; 2 bad command line; 3 --check and a target missed.
#include <dlfcn.h>
#include <grpcpp/grpcpp.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/latency.h"
#include "domain/england_time.h"
#include "domain/working_calendar.h"
#include "eventstore/event_store.h"
#include "footprint/v1/queries.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "projections/council_view.h"
#include "projections/testing/synthetic_council.h"
#include "services/config.h"
#include "services/deadline_runner.h"
#include "services/projection_host.h"
#include "services/server.h"
#include "spdlog/spdlog.h"

namespace {

namespace v1 = footprint::v1;
namespace domain = footprint::domain;
namespace pj = footprint::projections;
namespace pjt = footprint::projections::testing;
using footprint::bench::LatencySamples;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr double kRebuildTarget = 200000;  // events/s
constexpr double kP99TargetMs = 5;

struct Options {
  uint64_t events = 1000000;
  int children = 0;  // 0: as many as it takes to have `looked_after` in care on --end
  uint64_t looked_after = 1000;
  int years = 10;
  std::string end = "2026-03-31";
  uint64_t seed = 1;
  std::string dir;
  int queries = 2000;
  std::string only;
  std::vector<std::string> query_names;  // empty: every query
  bool json = false;
  std::string out;
  int threads = 0;
  bool check = false;
  bool reuse = false;
};

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

// A clock stopped at the end of the history.
class FixedClock final : public footprint::Clock {
 public:
  explicit FixedClock(absl::Time now) : now_(now) {}
  absl::Time Now() const override { return now_; }

 private:
  absl::Time now_;
};

// Progress goes to stderr, so that --json output stays one line on stdout.
void Log(const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }

struct Populated {
  uint64_t children = 0;
  uint64_t events = 0;
  uint64_t rejected = 0;
  uint64_t looked_after = 0;
  uint64_t requests = 0;
  double generate_s = 0;
  double append_s = 0;
};

// Generates the council and appends it to a fresh store in `dir`.
absl::StatusOr<Populated> Populate(const std::function<pjt::SyntheticCouncil()>& generate,
                                   const std::string& dir, const footprint::Clock* clock) {
  Populated out;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  const auto t0 = SteadyClock::now();
  pjt::SyntheticCouncil generated = generate();
  out.generate_s = Seconds(SteadyClock::now() - t0);
  out.children = generated.children.size();
  out.events = generated.stats.events;
  out.rejected = generated.stats.rejected + generated.stats.inconsistent;
  out.looked_after = generated.stats.looked_after_at_end;
  for (const std::string& sample : generated.stats.rejection_samples) {
    Log("  generator dropped: " + sample);
  }
  auto requests = pjt::ToAppendRequests(generated, pjt::AppendOrder::kByDate);
  out.requests = requests.size();
  generated = pjt::SyntheticCouncil();  // the requests hold everything now

  footprint::eventstore::StoreOptions store_options;
  store_options.data_dir = dir;
  store_options.clock = clock;
  auto store = footprint::eventstore::EventStore::Open(store_options);
  if (!store.ok()) return store.status();
  const auto t1 = SteadyClock::now();
  if (auto st = pjt::AppendAll(store->get(), std::move(requests), 512); !st.ok()) return st;
  out.append_s = Seconds(SteadyClock::now() - t1);
  return out;
}

// Bytes the allocator has handed out and not had back: jemalloc's "stats.allocated" when the
// binary runs on jemalloc (FOOTPRINT_JEMALLOC), else glibc's small chunks plus mmapped ones.
size_t HeapInUse() {
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  if (auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"))) {
    uint64_t epoch = 1;
    size_t size = sizeof(epoch);
    mallctl("epoch", &epoch, &size, &epoch, size);  // refreshes the statistics
    size_t allocated = 0;
    size = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) == 0) return allocated;
  }
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// Waits until the store runs and has pending no flush or compaction (at most 10 minutes);
// returns the seconds waited.
double WaitForRest(const footprint::eventstore::EventStore& store) {
  const auto start = SteadyClock::now();
  while (store.BackgroundJobs() > 0 && SteadyClock::now() - start < std::chrono::minutes(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Seconds(SteadyClock::now() - start);
}

absl::StatusOr<std::unique_ptr<footprint::services::FootprintServer>> StartServer(
    const std::string& dir, const footprint::Clock* clock) {
  footprint::services::ServerConfig config;
  config.data_dir = dir;
  config.listen = "127.0.0.1:0";
  auto server = footprint::services::FootprintServer::Start(config, clock);
  if (!server.ok()) return server.status();
  // Let the start-up work finish before measuring: deadlines that passed fire once, and every
  // projection catches up from its checkpoint.
  if (auto ran = (*server)->deadlines().RunNow(); !ran.ok()) return ran.status();
  return server;
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// Polls Projections.Status until every projection has caught up with the log.
absl::StatusOr<v1::ProjectionsStatusResponse> WaitCaughtUp(v1::Projections::Stub* stub,
                                                           double* waited_s) {
  const auto start = SteadyClock::now();
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ProjectionsStatusResponse status;
    grpc::Status st = stub->Status(&context, v1::ProjectionsStatusRequest(), &status);
    if (!st.ok()) return absl::UnavailableError("Projections.Status: " + st.error_message());
    bool done = true;
    for (const auto& p : status.projections()) {
      if (!p.healthy()) {
        return absl::InternalError(
            absl::StrCat("projection ", p.name(), " is unhealthy: ", p.error()));
      }
      if (p.lag() > 0 || p.rebuilding()) done = false;
    }
    if (done) {
      *waited_s = Seconds(SteadyClock::now() - start);
      return status;
    }
    if (Seconds(SteadyClock::now() - start) > 3600) {
      return absl::DeadlineExceededError("projections did not catch up within an hour");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// --- (a) rebuild --------------------------------------------------------------------------------

absl::StatusOr<json> RunRebuild(const Options& options, const pjt::CouncilOptions& council,
                                const footprint::Clock* clock) {
  const std::string dir = options.dir + "/rebuild";
  Log(options.reuse ? absl::StrCat("rebuild: reusing the log in ", dir)
                    : absl::StrCat("rebuild: generating at least ", options.events, " events over ",
                                   options.years, " years into ", dir));
  absl::StatusOr<Populated> populated = Populated();
  if (!options.reuse) {
    populated = Populate(
        [&] { return pjt::GenerateCouncilWithEvents(council, options.events, options.threads); },
        dir, clock);
  } else if (!std::filesystem::exists(dir)) {
    return absl::NotFoundError(absl::StrCat("--reuse: ", dir, " does not exist"));
  }
  if (!populated.ok()) return populated.status();
  // The generator's million events were built and freed in this process's heap, which a
  // server's never holds: give the freed memory back before measuring (glibc's heap;
  // nothing to give back under jemalloc).
  malloc_trim(0);
  if (!options.reuse) {
    Log(absl::StrCat("  ", populated->children, " children, ", populated->events, " events (",
                     populated->rejected, " dropped by the generator) in ", populated->generate_s,
                     " s; appended as ", populated->requests, " requests in ", populated->append_s,
                     " s"));
  }

  const auto start = SteadyClock::now();
  auto server = StartServer(dir, clock);
  if (!server.ok()) return server.status();
  auto channel = Connect((*server)->address());
  auto projections = v1::Projections::NewStub(channel);
  double waited = 0;
  auto status = WaitCaughtUp(projections.get(), &waited);
  if (!status.ok()) return status.status();
  const double startup_s = Seconds(SteadyClock::now() - start);
  Log(absl::StrCat("  server started and caught up in ", startup_s, " s (log end ",
                   status->log_end(), ")"));

  json result = {{"children", populated->children},
                 {"events", populated->events},
                 {"generator_dropped", populated->rejected},
                 {"generate_s", populated->generate_s},
                 {"append_requests", populated->requests},
                 {"append_s", populated->append_s},
                 {"append_events_per_s",
                  populated->append_s > 0 ? populated->events / populated->append_s : 0.0},
                 {"reused", options.reuse},
                 {"startup_catch_up_s", startup_s},
                 {"log_end", status->log_end()},
                 {"projections", json::array()}};
  for (const auto& state : status->projections()) {
    // On a store at rest: a bulk load leaves RocksDB flushing and compacting for a while, which
    // on two cores takes the second core from the rebuild (run E in docs/performance.md).
    const double settled_s = WaitForRest((*server)->store());
    Log(absl::StrCat("  rebuilding '", state.name(), "' (waited ", settled_s,
                     " s for flushes and compactions to finish) ..."));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
    v1::RebuildProjectionRequest request;
    request.set_name(state.name());
    v1::RebuildProjectionResponse response;
    const auto t0 = SteadyClock::now();
    grpc::Status st = projections->Rebuild(&context, request, &response);
    const double wall = Seconds(SteadyClock::now() - t0);
    if (!st.ok()) {
      return absl::InternalError(
          absl::StrCat("Projections.Rebuild ", state.name(), ": ", st.error_message()));
    }
    json entry = {{"name", state.name()},
                  {"waited_for_rest_s", settled_s},
                  {"events_applied", response.events_applied()},
                  {"server_seconds", response.seconds()},
                  {"rpc_seconds", wall},
                  {"events_per_s", response.events_applied() / response.seconds()},
                  {"target_events_per_s", kRebuildTarget},
                  {"met", response.events_applied() / response.seconds() >= kRebuildTarget}};
    if (state.name() == pj::ChildrenProjection::kName) {
      // What a start-up does before the worker follows the log: every child's record built
      // again from the log up to the checkpoint, and published as the view.
      // Its memory: the heap in use with the view built, less the heap in use once it is gone.
      auto& store = (*server)->store();
      const pj::CouncilSettings& settings = (*server)->projections().settings();
      size_t with_view = 0;
      {
        pj::CouncilView scratch(settings.reviews, settings.calendar);
        pj::ChildrenProjection projection(&store, &scratch);
        const uint64_t checkpoint = response.state().position();
        const auto r0 = SteadyClock::now();
        if (auto rs = projection.Load(checkpoint); !rs.ok()) return rs;
        projection.CaughtUp(checkpoint);
        entry["view_load_s"] = Seconds(SteadyClock::now() - r0);
        entry["view_children"] = scratch.Snapshot()->size();
        with_view = HeapInUse();
      }
      const size_t without = HeapInUse();
      entry["view_heap_bytes"] = with_view > without ? with_view - without : 0;
    }
    result["projections"].push_back(entry);
  }
  (*server)->Shutdown();
  return result;
}

// --- (b) queries --------------------------------------------------------------------------------

struct QueryCase {
  std::string name;
  std::string description;
  // Makes one call (or, for a whole list, every page's call); returns its status and the
  // response size in bytes.
  std::function<grpc::Status(size_t* bytes)> call;
  // A single call, held to the p99 target. A whole list (in pages, or in one answer without
  // paging) is reported, not held to it: long lists are meant to be read in pages.
  bool single_call = true;
};

absl::StatusOr<json> RunQueries(const Options& options, const pjt::CouncilOptions& council,
                                const footprint::Clock* clock) {
  const std::string dir = options.dir + "/queries";
  Log(absl::StrCat("queries: generating ",
                   options.children > 0 ? absl::StrCat(options.children, " children")
                                        : absl::StrCat("children until ", options.looked_after,
                                                       " are looked after on ", options.end),
                   " over ", options.years, " years into ", dir));
  auto populated = Populate(
      [&] {
        return options.children > 0 ? pjt::GenerateCouncil(council, options.threads)
                                    : pjt::GenerateCouncilWithLookedAfter(
                                          council, options.looked_after, options.threads);
      },
      dir, clock);
  if (!populated.ok()) return populated.status();
  Log(absl::StrCat("  ", populated->events, " events (", populated->rejected,
                   " dropped by the generator) in ", populated->generate_s, " s; appended in ",
                   populated->append_s, " s"));
  auto server = StartServer(dir, clock);
  if (!server.ok()) return server.status();
  auto channel = Connect((*server)->address());
  auto projections = v1::Projections::NewStub(channel);
  double waited = 0;
  auto status = WaitCaughtUp(projections.get(), &waited);
  if (!status.ok()) return status.status();
  auto queries = v1::Queries::NewStub(channel);

  const std::string as_at = options.end;
  auto day = domain::ParseIsoDate(as_at, "end");
  const std::string two_months_before = domain::FormatIsoDate(domain::AddMonthsClamped(*day, -2));
  std::mt19937_64 rng(options.seed);
  const auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(30); };
  const auto scope = [&](v1::ReportScope* s) { s->set_as_at(as_at); };

  std::vector<QueryCase> cases;
  cases.push_back({"reviews_due", "ReviewsDue, due within 28 days", [&](size_t* bytes) {
                     grpc::ClientContext c;
                     c.set_deadline(deadline());
                     v1::ReviewsDueRequest r;
                     scope(r.mutable_scope());
                     v1::ReviewsDueReport out;
                     auto st = queries->ReviewsDue(&c, r, &out);
                     *bytes = out.ByteSizeLong();
                     return st;
                   }});
  cases.push_back({"reviews_overdue", "ReviewsDue, overdue only", [&](size_t* bytes) {
                     grpc::ClientContext c;
                     c.set_deadline(deadline());
                     v1::ReviewsDueRequest r;
                     scope(r.mutable_scope());
                     r.set_overdue_only(true);
                     v1::ReviewsDueReport out;
                     auto st = queries->ReviewsDue(&c, r, &out);
                     *bytes = out.ByteSizeLong();
                     return st;
                   }});
  // The lists come in pages (the server's default size, 250): the first page, a later page
  // (a token taken once, asked again each time: a token can be used again while its listing is
  // kept), and the whole list followed page by page, as `footprint` prints it.
  // Without paging (`paged` false): the whole list in one answer.
  const auto timeliness = [&](const std::string& token, bool counts_only, v1::TimelinessReport* out,
                              bool paged = true) {
    grpc::ClientContext c;
    c.set_deadline(deadline());
    v1::TimelinessRequest r;
    scope(r.mutable_scope());
    r.set_counts_only(counts_only);
    if (paged) r.mutable_paging()->set_page_token(token);
    return queries->Timeliness(&c, r, out);
  };
  const auto placements = [&](const std::string& token, v1::PlacementReport* out,
                              bool paged = true) {
    grpc::ClientContext c;
    c.set_deadline(deadline());
    v1::PlacementsRequest r;
    scope(r.mutable_scope());
    if (paged) r.mutable_paging()->set_page_token(token);
    return queries->Placements(&c, r, out);
  };
  std::string timeliness_token, placements_token;
  {
    v1::TimelinessReport first;
    if (timeliness("", false, &first).ok()) timeliness_token = first.next_page_token();
    v1::PlacementReport first_placements;
    if (placements("", &first_placements).ok()) {
      placements_token = first_placements.next_page_token();
    }
  }
  cases.push_back({"timeliness", "Timeliness, the collection year to as-at, first page of reviews",
                   [&](size_t* bytes) {
                     v1::TimelinessReport out;
                     auto st = timeliness("", false, &out);
                     *bytes = out.ByteSizeLong();
                     return st;
                   }});
  if (!timeliness_token.empty()) {
    cases.push_back(
        {"timeliness_next_page", "Timeliness, the second page of reviews", [&](size_t* bytes) {
           v1::TimelinessReport out;
           auto st = timeliness(timeliness_token, false, &out);
           *bytes = out.ByteSizeLong();
           return st;
         }});
  }
  cases.push_back({"timeliness_all_pages", "Timeliness, every review: all pages, one after another",
                   [&](size_t* bytes) {
                     std::string token;
                     *bytes = 0;
                     do {
                       v1::TimelinessReport out;
                       auto st = timeliness(token, false, &out);
                       if (!st.ok()) return st;
                       *bytes += out.ByteSizeLong();
                       token = out.next_page_token();
                     } while (!token.empty());
                     return grpc::Status::OK;
                   },
                   /*single_call=*/false});
  cases.push_back({"timeliness_unpaged",
                   "Timeliness, every review in one answer (a request without paging)",
                   [&](size_t* bytes) {
                     v1::TimelinessReport out;
                     auto st = timeliness("", false, &out, /*paged=*/false);
                     *bytes = out.ByteSizeLong();
                     return st;
                   },
                   /*single_call=*/false});
  cases.push_back({"timeliness_counts", "Timeliness, the collection year to as-at, counts only",
                   [&](size_t* bytes) {
                     v1::TimelinessReport out;
                     auto st = timeliness("", true, &out);
                     *bytes = out.ByteSizeLong();
                     return st;
                   }});
  cases.push_back({"escalations", "Escalations, the collection year to as-at", [&](size_t* bytes) {
                     grpc::ClientContext c;
                     c.set_deadline(deadline());
                     v1::EscalationsRequest r;
                     scope(r.mutable_scope());
                     v1::EscalationReport out;
                     auto st = queries->Escalations(&c, r, &out);
                     *bytes = out.ByteSizeLong();
                     return st;
                   }});
  cases.push_back({"section20", "Section20, as at", [&](size_t* bytes) {
                     grpc::ClientContext c;
                     c.set_deadline(deadline());
                     v1::Section20Request r;
                     scope(r.mutable_scope());
                     v1::Section20Report out;
                     auto st = queries->Section20(&c, r, &out);
                     *bytes = out.ByteSizeLong();
                     return st;
                   }});
  cases.push_back({"section20_range", "Section20, the two months to as-at (bi-monthly report)",
                   [&](size_t* bytes) {
                     grpc::ClientContext c;
                     c.set_deadline(deadline());
                     v1::Section20Request r;
                     scope(r.mutable_scope());
                     r.set_from(two_months_before);
                     v1::Section20Report out;
                     auto st = queries->Section20(&c, r, &out);
                     *bytes = out.ByteSizeLong();
                     return st;
                   }});
  cases.push_back({"placements", "Placements, the 12 months to as-at, first page of children",
                   [&](size_t* bytes) {
                     v1::PlacementReport out;
                     auto st = placements("", &out);
                     *bytes = out.ByteSizeLong();
                     return st;
                   }});
  if (!placements_token.empty()) {
    cases.push_back(
        {"placements_next_page", "Placements, the second page of children", [&](size_t* bytes) {
           v1::PlacementReport out;
           auto st = placements(placements_token, &out);
           *bytes = out.ByteSizeLong();
           return st;
         }});
  }
  cases.push_back({"placements_all_pages", "Placements, every child: all pages, one after another",
                   [&](size_t* bytes) {
                     std::string token;
                     *bytes = 0;
                     do {
                       v1::PlacementReport out;
                       auto st = placements(token, &out);
                       if (!st.ok()) return st;
                       *bytes += out.ByteSizeLong();
                       token = out.next_page_token();
                     } while (!token.empty());
                     return grpc::Status::OK;
                   },
                   /*single_call=*/false});
  cases.push_back({"placements_unpaged",
                   "Placements, every child in one answer (a request without paging)",
                   [&](size_t* bytes) {
                     v1::PlacementReport out;
                     auto st = placements("", &out, /*paged=*/false);
                     *bytes = out.ByteSizeLong();
                     return st;
                   },
                   /*single_call=*/false});
  const uint64_t children = populated->children;
  cases.push_back({"child", "Child, a random child as at", [&](size_t* bytes) {
                     grpc::ClientContext c;
                     c.set_deadline(deadline());
                     v1::ChildSummaryRequest r;
                     r.set_child_id(
                         pjt::SyntheticChildId(council, static_cast<int>(rng() % children)));
                     r.set_as_at(as_at);
                     v1::ChildSummary out;
                     auto st = queries->Child(&c, r, &out);
                     *bytes = out.ByteSizeLong();
                     return st;
                   }});

  // What the council looks like on the as-at date.
  json council_json = {{"children", populated->children},
                       {"events", populated->events},
                       {"generator_dropped", populated->rejected},
                       {"as_at", as_at}};
  {
    grpc::ClientContext c;
    v1::PlacementsRequest r;
    scope(r.mutable_scope());
    v1::PlacementReport out;
    if (queries->Placements(&c, r, &out).ok()) {
      council_json["looked_after"] = out.looked_after();
      council_json["three_or_more_placements"] = out.three_or_more();
    }
    grpc::ClientContext c2;
    v1::Section20Request r2;
    scope(r2.mutable_scope());
    v1::Section20Report s20;
    if (queries->Section20(&c2, r2, &s20).ok()) council_json["in_s20"] = s20.children_size();
    grpc::ClientContext c3;
    v1::EscalationsRequest r3;
    scope(r3.mutable_scope());
    v1::EscalationReport esc;
    if (queries->Escalations(&c3, r3, &esc).ok()) {
      council_json["open_challenges"] = esc.open_size();
      council_json["challenges_raised_in_year"] = esc.raised();
    }
    grpc::ClientContext c4;
    v1::TimelinessRequest r4;
    scope(r4.mutable_scope());
    v1::TimelinessReport tl;
    if (queries->Timeliness(&c4, r4, &tl).ok()) {
      council_json["reviews_held_in_year"] = tl.reviews_held();
      council_json["percent_in_time"] = tl.percent_in_time();
    }
  }

  Log(absl::StrCat("  measuring ", cases.size(), " queries x ", options.queries, " calls"));
  json results = json::array();
  for (QueryCase& q : cases) {
    if (!options.query_names.empty() &&
        std::find(options.query_names.begin(), options.query_names.end(), q.name) ==
            options.query_names.end()) {
      continue;
    }
    size_t bytes = 0;
    for (int i = 0; i < std::min(50, options.queries); ++i) {  // warm-up
      grpc::Status st = q.call(&bytes);
      if (!st.ok()) {
        return absl::InternalError(absl::StrCat(q.name, ": ", st.error_message()));
      }
    }
    std::vector<int64_t> samples;
    samples.reserve(static_cast<size_t>(options.queries));
    uint64_t total_bytes = 0;
    const auto t0 = SteadyClock::now();
    for (int i = 0; i < options.queries; ++i) {
      const auto s = SteadyClock::now();
      grpc::Status st = q.call(&bytes);
      samples.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - s).count());
      if (!st.ok()) {
        return absl::InternalError(absl::StrCat(q.name, ": ", st.error_message()));
      }
      total_bytes += bytes;
    }
    const double seconds = Seconds(SteadyClock::now() - t0);
    LatencySamples latency;
    latency.Merge(samples);
    const double p99 = latency.PercentileMs(0.99);
    results.push_back(
        {{"name", q.name},
         {"description", q.description},
         {"calls", options.queries},
         {"calls_per_s", options.queries / seconds},
         {"p50_ms", latency.PercentileMs(0.5)},
         {"p99_ms", p99},
         {"max_ms", latency.MaxMs()},
         {"mean_ms", latency.MeanMs()},
         {"mean_response_bytes",
          options.queries > 0 ? total_bytes / static_cast<uint64_t>(options.queries) : 0},
         {"target_p99_ms", q.single_call ? json(kP99TargetMs) : json(nullptr)},
         {"met", !q.single_call || p99 <= kP99TargetMs}});
  }
  (*server)->Shutdown();
  return json{{"council", council_json}, {"queries", results}};
}

void PrintTable(const json& out) {
  std::printf("footprint-projections-bench (seed %llu, %d years to %s)\n",
              static_cast<unsigned long long>(out["seed"].get<uint64_t>()), out["years"].get<int>(),
              out["end"].get<std::string>().c_str());
  if (out.contains("rebuild")) {
    const json& r = out["rebuild"];
    std::printf("\nRebuild: %llu children, %llu events (appended in %.1f s, %.0f events/s)\n",
                static_cast<unsigned long long>(r["children"].get<uint64_t>()),
                static_cast<unsigned long long>(r["events"].get<uint64_t>()),
                r["append_s"].get<double>(), r["append_events_per_s"].get<double>());
    std::printf("  start-up catch-up of the fresh log: %.2f s\n",
                r["startup_catch_up_s"].get<double>());
    std::printf("  %-12s %12s %10s %14s %10s %8s\n", "projection", "events", "seconds", "events/s",
                "load (s)", "target");
    for (const json& p : r["projections"]) {
      const std::string view = p.contains("view_load_s")
                                   ? absl::StrCat(absl::SixDigits(p["view_load_s"].get<double>()))
                                   : "-";
      std::printf("  %-12s %12llu %10.2f %14.0f %10s %8s\n", p["name"].get<std::string>().c_str(),
                  static_cast<unsigned long long>(p["events_applied"].get<uint64_t>()),
                  p["server_seconds"].get<double>(), p["events_per_s"].get<double>(), view.c_str(),
                  p["met"].get<bool>() ? "met" : "MISSED");
      std::printf("  (rebuilt on a store at rest: waited %.1f s for flushes and compactions)\n",
                  p["waited_for_rest_s"].get<double>());
      if (p.contains("view_heap_bytes")) {
        const double bytes = p["view_heap_bytes"].get<double>();
        std::printf("  view in memory: %.0f MiB for %llu children (%.0f bytes per event)\n",
                    bytes / (1 << 20),
                    static_cast<unsigned long long>(p["view_children"].get<uint64_t>()),
                    bytes / p["events_applied"].get<double>());
      }
    }
  }
  if (out.contains("queries")) {
    const json& q = out["queries"];
    const json& c = q["council"];
    std::printf(
        "\nQueries: %llu children, %llu events; as at %s: %s looked after, %s in s20, "
        "%s open challenges\n",
        static_cast<unsigned long long>(c["children"].get<uint64_t>()),
        static_cast<unsigned long long>(c["events"].get<uint64_t>()),
        c["as_at"].get<std::string>().c_str(),
        c.contains("looked_after") ? c["looked_after"].dump().c_str() : "?",
        c.contains("in_s20") ? c["in_s20"].dump().c_str() : "?",
        c.contains("open_challenges") ? c["open_challenges"].dump().c_str() : "?");
    std::printf("  %-22s %8s %9s %9s %9s %10s %8s\n", "query", "calls", "p50 ms", "p99 ms",
                "max ms", "bytes", "target");
    for (const json& r : q["queries"]) {
      std::printf("  %-22s %8d %9.3f %9.3f %9.3f %10llu %8s\n",
                  r["name"].get<std::string>().c_str(), r["calls"].get<int>(),
                  r["p50_ms"].get<double>(), r["p99_ms"].get<double>(), r["max_ms"].get<double>(),
                  static_cast<unsigned long long>(r["mean_response_bytes"].get<uint64_t>()),
                  r["target_p99_ms"].is_null() ? "-"
                  : r["met"].get<bool>()       ? "met"
                                               : "MISSED");
    }
  }
}

bool AllMet(const json& out) {
  bool met = true;
  if (out.contains("rebuild")) {
    for (const json& p : out["rebuild"]["projections"]) met = met && p["met"].get<bool>();
  }
  if (out.contains("queries")) {
    for (const json& q : out["queries"]["queries"]) met = met && q["met"].get<bool>();
  }
  return met;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's abseil checks every mutex for deadlocks; gRPC pays for it on every lock.
  absl::EnableMutexInvariantDebugging(false);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  Options options;
  CLI::App app{"footprint-projections-bench: projection rebuild rate and query latency"};
  app.add_option("--events", options.events,
                 "rebuild: events in the log (at least; whole children)")
      ->capture_default_str();
  app.add_option("--looked-after", options.looked_after,
                 "queries: generate children until this many are looked after on --end")
      ->capture_default_str();
  app.add_option("--children", options.children,
                 "queries: exactly this many children instead (their streams), whether looked "
                 "after on --end or not");
  app.add_option("--years", options.years, "years of history (both parts)")
      ->check(CLI::Range(1, 14))
      ->capture_default_str();
  app.add_option("--end", options.end, "last day of the history (YYYY-MM-DD); the as-at date")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "generator seed")->capture_default_str();
  app.add_option("--dir", options.dir,
                 "working directory (its rebuild/ and queries/ are replaced; default: a new "
                 "temporary directory, removed at the end)");
  app.add_option("--queries", options.queries, "calls per query")->capture_default_str();
  app.add_option("--query", options.query_names,
                 "measure only the queries of these names (repeatable; default: all)");
  app.add_option("--only", options.only, "run only one part")
      ->check(CLI::IsMember({"rebuild", "queries"}));
  app.add_flag("--json", options.json, "print one JSON object instead of the table");
  app.add_option("--out", options.out, "also write the JSON object to this file");
  app.add_option("--threads", options.threads, "generator threads (0: one per core)")
      ->capture_default_str();
  app.add_flag("--check", options.check, "exit 3 when a target is missed");
  app.add_flag("--reuse", options.reuse,
               "rebuild: use the log already in DIR/rebuild instead of generating one (e.g. to "
               "profile the rebuild alone)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto end = domain::ParseIsoDate(options.end, "--end");
  if (!end.ok()) {
    std::fprintf(stderr, "%s\n", std::string(end.status().message()).c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);

  bool temporary = false;
  if (options.dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "footprint-pbench-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    options.dir = pattern;
    temporary = true;
  }
  std::filesystem::create_directories(options.dir);

  pjt::CouncilOptions council;
  council.seed = options.seed;
  council.children = options.children;
  council.end = *end;
  council.start = domain::AddMonthsClamped(*end + 1, -12 * options.years);
  const auto& calendar = domain::WorkingCalendar::EnglandAndWales();
  if (!calendar.Covers(council.start) || !calendar.Covers(*end + 60)) {
    std::fprintf(stderr,
                 "--years/--end: the history (%s to %s) must lie within the working-day "
                 "calendar (%d-%d, with two months to spare at the end)\n",
                 domain::FormatIsoDate(council.start).c_str(), options.end.c_str(),
                 calendar.first_year(), calendar.last_year());
    return 2;
  }
  const FixedClock clock(domain::StartOfEnglandDay(*end) + absl::Hours(17));

  json out = {{"seed", options.seed},
              {"years", options.years},
              {"start", domain::FormatIsoDate(council.start)},
              {"end", options.end},
              {"hardware_threads", std::thread::hardware_concurrency()}};
  int status = 0;
  if (options.only.empty() || options.only == "rebuild") {
    auto rebuild = RunRebuild(options, council, &clock);
    if (rebuild.ok()) {
      out["rebuild"] = *rebuild;
    } else {
      std::fprintf(stderr, "rebuild: %s\n", rebuild.status().ToString().c_str());
      status = 1;
    }
  }
  if (status == 0 && (options.only.empty() || options.only == "queries")) {
    auto queries = RunQueries(options, council, &clock);
    if (queries.ok()) {
      out["queries"] = *queries;
    } else {
      std::fprintf(stderr, "queries: %s\n", queries.status().ToString().c_str());
      status = 1;
    }
  }
  if (options.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    PrintTable(out);
  }
  if (!options.out.empty()) {
    FILE* f = std::fopen(options.out.c_str(), "w");
    if (f != nullptr) {
      std::fprintf(f, "%s\n", out.dump(2).c_str());
      std::fclose(f);
    }
  }
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(options.dir, ec);
  }
  if (status != 0) return status;
  if (options.check && !AllMet(out)) return 3;
  return 0;
}
