// ChildRecorder: records domain events for one child - read the child's stream, rebuild the
// record, complete and validate each event against it, append them all with the stream's
// version as the expected version, and start again if another writer got there first.
// Shared by the Intake and Challenges services so that both apply the same rules.
//
// Thread-safety: thread-safe; Record blocks (reads, then waits for the synced append), so call
// it from a store-wait thread (services/executors.h), never a gRPC callback thread.
#ifndef FOOTPRINT_SERVICES_CHILD_RECORDER_H_
#define FOOTPRINT_SERVICES_CHILD_RECORDER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/child_record.h"
#include "domain/escalation_policy.h"
#include "domain/working_calendar.h"
#include "eventstore/clock.h"
#include "eventstore/event_store.h"
#include "footprint/v1/domain.pb.h"

namespace footprint::services {

struct Submission {
  std::string event_id;  // optional UUID
  v1::ChildEvent event;
};

struct Recorder {
  std::string source_system;
  std::string actor;
  std::string correlation_id;
  // The authenticated client (AccessControl's Caller::identity); stamped on every event. A
  // retried event id is recognised only from the client that recorded it.
  std::string principal;
  // May void an event of the child's stream that is not a domain event (admins only).
  bool may_void_foreign_events = false;
};

struct RecordOutcome {
  eventstore::AppendResult append;
  // The child's record including the events just recorded.
  domain::ChildRecord record;
};

class ChildRecorder {
 public:
  // Builds the submissions from the child's current record (called again on every retry).
  using Builder =
      std::function<absl::StatusOr<std::vector<Submission>>(const domain::ChildRecord&)>;

  // None owned; all must outlive the recorder.
  ChildRecorder(eventstore::EventStore* store, const Clock* clock,
                const domain::EscalationPolicy* policy, const domain::WorkingCalendar* calendar);

  // Records the built events, all or none. A request whose every event id is already recorded
  // returns the original positions (duplicate = true) after checking each has the same type and
  // date and was recorded by the same principal; some but not all ids recorded, or ids recorded
  // by another client, is ALREADY_EXISTS. Events of the stream that are not domain events are
  // left out of the record (ChildRecord::foreign_events) and recorded events go after them. Errors:
  // those of domain::CompleteAndValidate (naming `events[i]`), ALREADY_EXISTS, ABORTED after
  // repeated conflicts with other writers, UNAVAILABLE from the store.
  absl::StatusOr<RecordOutcome> Record(const std::string& child_id, const Builder& build,
                                       const Recorder& recorder) const;

  // The validation at the heart of Record, with no store: completes and validates each of
  // `submissions` in order against `record` as it will be (adding each to it), checks that the
  // record as a whole still holds together, and returns the append, with the stream's version
  // as its expected version. Generates the missing event ids. The errors of
  // domain::CompleteAndValidate, naming `events[i]`; FAILED_PRECONDITION when the record
  // would not hold together. (Also the Intake request fuzzer's entry point.)
  static absl::StatusOr<eventstore::AppendRequest> PlanAppend(domain::ChildRecord* record,
                                                              const std::string& child_id,
                                                              std::vector<Submission>& submissions,
                                                              const Recorder& recorder,
                                                              const domain::ValidationContext& ctx);

  // Records the summary of a finished import run in the stream domain::kImportRunsStream
  // (event type ImportRun, payload the v1.ImportRun). INVALID_ARGUMENT naming the field for a
  // missing source_system, a finished_at that is not RFC 3339, years out of order or counts
  // that do not add up (imported + already + rejected + without events = read); the store's
  // errors otherwise (a retry with the same event id and content is a duplicate).
  absl::StatusOr<eventstore::AppendResult> RecordImportRun(const v1::ImportRun& run,
                                                           const std::string& event_id,
                                                           const Recorder& recorder) const;

  // Today in England, by the injected clock.
  absl::CivilDay Today() const;

  // The child's record as stored now.
  absl::StatusOr<domain::ChildRecord> Load(const std::string& child_id) const;

  const domain::EscalationPolicy& policy() const { return *policy_; }
  const domain::WorkingCalendar& calendar() const { return *calendar_; }

 private:
  eventstore::EventStore* const store_;
  const Clock* const clock_;
  const domain::EscalationPolicy* const policy_;
  const domain::WorkingCalendar* const calendar_;
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_CHILD_RECORDER_H_
