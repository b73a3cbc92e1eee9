// Deadlines that the log implies, and the engine that acts when they pass.
//
// A DeadlineSource follows the events it cares about and knows which deadlines are pending: a
// challenge stage's response deadline (ChallengeDeadlines, below), and a review's and its
// paperwork's (ReviewDeadlines, review_deadlines.h). When a
// deadline is due, the source says what to append; the engine appends it through the normal
// append path. Appended events carry ids derived from the deadline's key only
// (EventId::FromName), so a deadline that fires twice - after a restart, a replay, or a race -
// is written once: the second append is recognised as a retry.
//
// The engine has no timers and reads the time from an injected clock: services/ drives it from
// a Boost.Asio timer, tests from a manual clock, and neither ever sleeps.
//
// Thread-safety: DeadlineEngine and sources are used from one thread at a time (the runner's).
#ifndef FOOTPRINT_WORKFLOW_DEADLINES_H_
#define FOOTPRINT_WORKFLOW_DEADLINES_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/child_record.h"
#include "domain/codes.h"
#include "domain/escalation_policy.h"
#include "domain/working_calendar.h"
#include "eventstore/clock.h"
#include "eventstore/event_store.h"

namespace footprint::workflow {

using domain::kDeadlineIdNamespace;
using domain::kSystemActor;
using domain::kSystemSource;

struct PendingDeadline {
  // Unique and stable, e.g. "challenge/A1:1/stage/2/response".
  std::string key;
  absl::CivilDay due_on;  // the last day allowed
  absl::Time fires_at;    // when it counts as missed
  std::string description;
};

// How a source came by the children's records it needed: from the `children` read model, or
// by reading a child's stream again.
struct RecordReads {
  uint64_t from_read_model = 0;
  uint64_t from_store = 0;
};

class DeadlineSource {
 public:
  virtual ~DeadlineSource() = default;
  virtual std::string name() const = 0;
  // Event types the source follows.
  virtual std::vector<std::string> event_types() const = 0;
  // Updates the pending deadlines from one committed event (in log order).
  virtual absl::Status Apply(const v1::Event& event) = 0;
  // After the engine has fed every new event: brings Pending() up to date (a source that
  // derives its deadlines from more than the event itself does the work here, once per batch).
  virtual absl::Status Refresh() { return absl::OkStatus(); }
  virtual std::vector<PendingDeadline> Pending() const = 0;
  // What to append now that `deadline` has passed; nullopt when it no longer applies.
  virtual absl::StatusOr<std::optional<eventstore::AppendRequest>> OnDue(
      const PendingDeadline& deadline) = 0;
  // The records it read to follow events (not those read to decide an append).
  virtual RecordReads record_reads() const { return {}; }
};

struct DeadlineEngineStats {
  uint64_t fired = 0;      // appends written
  uint64_t already = 0;    // appends found already written (a retry)
  uint64_t conflicts = 0;  // the stream changed first; re-evaluated
  uint64_t failures = 0;   // appends or evaluations that failed (each retried after a delay)
  std::string last_failure;
};

class DeadlineEngine {
 public:
  // Neither is owned; both must outlive the engine.
  DeadlineEngine(eventstore::EventStore* store, const Clock* clock);

  // Before the first CatchUp.
  void AddSource(DeadlineSource* source);

  // Feeds the sources every committed event they follow that they have not seen.
  absl::Status CatchUp();

  // Catches up, then handles every deadline due at the clock's now; repeats while handling one
  // makes another due (deadlines that passed during an outage fire in order, once each).
  // Returns the number of appends written. A deadline whose handling fails (or that its source
  // no longer acts on) is counted in the stats and tried again after kRetryDelay, so a broken
  // deadline can neither spin nor block the others.
  absl::StatusOr<int> FireDue();
  static constexpr absl::Duration kRetryDelay = absl::Minutes(1);

  // The earliest pending deadline's firing time.
  std::optional<absl::Time> NextDue() const;
  std::vector<PendingDeadline> Pending() const;
  // How many deadlines each source has pending, by source name.
  std::vector<std::pair<std::string, size_t>> PendingBySource() const;
  // Every source's record_reads(), added up.
  RecordReads record_reads() const;
  const DeadlineEngineStats& stats() const { return stats_; }
  // The position the engine has applied up to.
  uint64_t position() const { return next_position_; }

 private:
  eventstore::EventStore* const store_;
  const Clock* const clock_;
  std::vector<DeadlineSource*> sources_;
  std::map<std::string, std::vector<DeadlineSource*>> by_type_;
  eventstore::ReadFilter filter_;
  uint64_t next_position_ = 0;
  DeadlineEngineStats stats_;
  std::map<std::string, absl::Time> retry_after_;  // by deadline key
};

// Challenge response deadlines (shared/docs/domain.md section 7): while a challenge awaits a
// response at a stage, the stage's deadline is pending. It is missed when the first working
// day after the due date begins (00:00 in England): a DeadlineMissed is recorded that day and,
// where the policy escalates on silence and a higher stage exists, a ChallengeEscalated to the
// next stage with its own deadline counted from that day.
//
// A stage answered late (a response, or a resolution while awaiting one, dated on or after that
// day: AnswerLateness) before the DeadlineMissed was recorded - in the same request as the
// challenge, or before the engine's timer fired - still missed its deadline: the deadline stays
// pending, due at once, and only the DeadlineMissed is recorded (no escalation: the stage was
// answered). It carries the same id and content as the timer's would, and is decided on the
// stored record (no DeadlineMissed for the stage yet), so it is recorded exactly once however
// the two paths, restarts and replays interleave, and never for an answer in time.
class ChallengeDeadlines final : public DeadlineSource {
 public:
  // None owned; all must outlive the source.
  ChallengeDeadlines(const eventstore::EventStore* store, const domain::EscalationPolicy* policy,
                     const domain::WorkingCalendar* calendar);

  std::string name() const override { return "challenge_deadlines"; }
  std::vector<std::string> event_types() const override;
  absl::Status Apply(const v1::Event& event) override;
  std::vector<PendingDeadline> Pending() const override;
  absl::StatusOr<std::optional<eventstore::AppendRequest>> OnDue(
      const PendingDeadline& deadline) override;

  // Deterministic ids of what a missed stage deadline appends.
  static std::string MissedEventId(absl::string_view challenge_id, int stage);
  static std::string EscalatedEventId(absl::string_view challenge_id, int stage);

 private:
  struct Awaiting {
    std::string child_id;
    int stage = 0;
    absl::CivilDay due_on;
  };
  // Removes the challenge's awaited stage, answered by an event dated `on`: kept in late_ when
  // the answer was late.
  void Answered(const std::string& challenge_id, absl::CivilDay on);
  // What the engine's appends are validated with (the intake's rules as of `today`).
  domain::ValidationContext SystemContext(absl::CivilDay today) const;
  absl::StatusOr<std::optional<eventstore::AppendRequest>> OnLateAnswer(
      const PendingDeadline& deadline, const std::string& challenge_id, const Awaiting& late);

  const eventstore::EventStore* const store_;
  const domain::EscalationPolicy* const policy_;
  const domain::WorkingCalendar* const calendar_;
  std::map<std::string, Awaiting> awaiting_;  // by challenge id
  // Stages answered late whose DeadlineMissed is not recorded yet, by deadline key.
  std::map<std::string, std::pair<std::string, Awaiting>> late_;  // key -> (challenge id, stage)
};

}  // namespace footprint::workflow

#endif  // FOOTPRINT_WORKFLOW_DEADLINES_H_
