// SyntheticCouncil: a deterministic generator of plausible children's histories, for tests and
// benchmarks (never for production data: the children are random, not real).
//
// For each child the generator simulates, day by day in date order, what a council system and
// the IROs would record: periods of care (903 legal status, PLACE, PLACE_PROVIDER, CIN), legal
// status changes, placement moves (same carer, temporary T0-T4, unregistered, more than 20 miles
// away, with REASON_PLACE_CHANGE), IRO allocations, statutory reviews held roughly on time (some
// early, some late; PN0 for under-4s) with the social worker's report, recommendations, record
// and midway reviews around them, section 20 consents, PLO and proceedings, permanence plans,
// challenges through the default escalation policy's stages, the occasional correction, and
// periods ending with REC E-codes.
//
// Every event is checked before it is kept, exactly as the service's intake would check it:
// CompleteAndValidate against the child's record so far (ValidationContext: today = the
// generator's end date, EscalationPolicy::Default(), WorkingCalendar::EnglandAndWales()), and
// the record must still hold together afterwards (ChildRecord::Consistency). An event that fails
// is dropped (and counted) instead of being emitted; the events kept are the completed ones
// (stage names and response deadlines filled in), as the service would store them.
//
// Deterministic: the same options give the same events and ids, whatever the number of threads
// (each child is generated from its own seed derived from the council seed and its index).
//
// Thread-safety: pure functions of their arguments; safe to call concurrently.
#ifndef FOOTPRINT_PROJECTIONS_TESTING_SYNTHETIC_COUNCIL_H_
#define FOOTPRINT_PROJECTIONS_TESTING_SYNTHETIC_COUNCIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "eventstore/event_store.h"
#include "footprint/v1/domain.pb.h"
#include "projections/child_stream.h"

namespace footprint::projections::testing {

struct CouncilOptions {
  uint64_t seed = 1;
  int children = 100;
  // History runs from `start` to `end` (inclusive). Both must lie inside the working-day
  // calendar (2010-2030), with room for deadlines after `end`.
  absl::CivilDay start = absl::CivilDay(2016, 4, 1);
  absl::CivilDay end = absl::CivilDay(2026, 3, 31);
  // Child ids are this prefix and a 6-digit index: "C000042".
  std::string child_id_prefix = "C";
  // IROs "IRO-01".."IRO-nn", spread over `teams` teams.
  int iros = 12;
  int teams = 3;
  // Metadata of the stored events (ToNewEvent).
  std::string source_system = "synthetic-council";
  std::string actor = "synthetic-generator";
};

struct SyntheticChild {
  std::string child_id;
  // In the order they were recorded (which is date order): append them in this order.
  std::vector<v1::ChildEvent> events;
  // events[i]'s id: deterministic (EventId::FromName of the seed, child and index).
  std::vector<std::string> event_ids;
};

struct GeneratorStats {
  uint64_t children = 0;
  uint64_t events = 0;
  // Events the generator built that CompleteAndValidate refused (dropped, not emitted).
  uint64_t rejected = 0;
  // Events dropped because the record would no longer hold together.
  uint64_t inconsistent = 0;
  // The first few refusals, with their child and reason (to fix the generator).
  std::vector<std::string> rejection_samples;
  std::map<std::string, uint64_t> events_by_type;  // store event type -> count
  uint64_t periods_of_care = 0;
  uint64_t looked_after_at_end = 0;                   // children looked after on options.end
  uint64_t children_ever_in_s20 = 0;                  // legal status V2 at some point
  uint64_t children_with_3_placements_in_a_year = 0;  // 3+ placements starting in 365 days
  uint64_t challenges = 0;
  uint64_t escalations = 0;

  void Merge(const GeneratorStats& other);
};

struct SyntheticCouncil {
  CouncilOptions options;
  std::vector<SyntheticChild> children;  // by index
  GeneratorStats stats;
  uint64_t event_count() const { return stats.events; }
};

// The id of child `index` ("C000042").
std::string SyntheticChildId(const CouncilOptions& options, int index);

// The deterministic id of the `n`th event (0-based) of a child.
std::string SyntheticEventId(uint64_t seed, const std::string& child_id, size_t n);

// Generates child `index` alone (the same child GenerateCouncil produces at that index) and adds
// what happened to `stats` (if not null).
SyntheticChild GenerateChild(const CouncilOptions& options, int index, GeneratorStats* stats);

// Generates options.children children, on up to `threads` threads (0: hardware threads).
SyntheticCouncil GenerateCouncil(const CouncilOptions& options, int threads = 1);

// Generates children 0, 1, 2, ... until they hold at least `min_events` events (options.children
// is ignored; the council's options record the number generated).
SyntheticCouncil GenerateCouncilWithEvents(const CouncilOptions& options, uint64_t min_events,
                                           int threads = 1);
// Likewise until at least `looked_after` children are looked after on options.end (a council
// of that size, with the children who left care before it).
SyntheticCouncil GenerateCouncilWithLookedAfter(const CouncilOptions& options,
                                                uint64_t looked_after, int threads = 1);

// The store's form of a child's events: ToNewEvent with the deterministic ids, the options'
// source system and actor, and correlation id "synthetic-<seed>".
std::vector<eventstore::NewEvent> ToNewEvents(const SyntheticChild& child,
                                              const CouncilOptions& options);

enum class AppendOrder {
  // Each child's events in requests of up to max_events, child after child.
  kByChild,
  // What a council system would send: one request per child and day (the child's events of
  // that day), all requests in date order (then by child id).
  kByDate,
};

// Append requests for every child's stream ("child-<id>"), each expecting the stream's exact
// version (no-stream for a child's first request), so that a request applied twice or out of
// order fails instead of duplicating. Requests of one child keep their relative order.
std::vector<eventstore::AppendRequest> ToAppendRequests(const SyntheticCouncil& council,
                                                        AppendOrder order,
                                                        size_t max_events = 1000);

// Appends `requests` with up to `in_flight` requests queued at once, so that the writer commits
// many per group. Each stream's requests are submitted in their order (from one of a few
// submitting threads); requests of different streams may be committed in a slightly different
// order than given. Returns the first failure, after every submitted request has completed.
absl::Status AppendAll(eventstore::EventStore* store,
                       std::vector<eventstore::AppendRequest> requests, size_t in_flight = 256);

}  // namespace footprint::projections::testing

#endif  // FOOTPRINT_PROJECTIONS_TESTING_SYNTHETIC_COUNCIL_H_
