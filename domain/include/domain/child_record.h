// ChildRecord: one child's record as their stream tells it, and the rules a new event about
// the child must satisfy (docs/domain-events.md).
//
// The record is rebuilt from the child's events: facts are ordered by the date they happened
// (then by stream order), so events recorded late land where they belong; a Correction replaces
// (or voids) the fact it supersedes, the latest correction winning. Challenge events are
// commands of the dispute resolution process and are applied in stream order.
//
// Thread-safety: a value; not synchronised.
#ifndef FOOTPRINT_DOMAIN_CHILD_RECORD_H_
#define FOOTPRINT_DOMAIN_CHILD_RECORD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/arena.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "domain/codes.h"
#include "domain/escalation_policy.h"
#include "domain/working_calendar.h"
#include "footprint/v1/domain.pb.h"
#include "footprint/v1/event.pb.h"

namespace footprint::domain {

class ReviewTimeline;  // review_schedule.h
namespace internal {   // the rules of each event family (src/event_rules.h)
struct CareRules;
struct PlacementRules;
struct ReviewRules;
struct ChallengeRules;
}  // namespace internal

// Stream of a child: "child-" + child id.
std::string ChildStream(absl::string_view child_id);
// ValidateChildId (the rule for child ids) is in codes.h.
// The store event type of a ChildEvent: the name of its body message ("ReviewHeld"); empty if
// no body is set.
const std::string& EventTypeOf(const v1::ChildEvent& event);
// The child of a challenge id ("<child id>:<n>"): everything before the last ':'; empty if the
// id has no ':'.
std::string ChildOfChallenge(absl::string_view challenge_id);
// Every ChildEvent body type, for read filters.
std::vector<std::string> AllChildEventTypes();
// The event types of the dispute resolution process (ChallengeRaised ... DeadlineMissed).
bool IsChallengeEventType(absl::string_view type);

// An event in a child's stream that is not a domain event the record can hold: appended with a
// raw EventStore.Append (before such appends were refused), say, as JSON. It is left out of the
// record but listed (queries, the projections' status, the service's log), and an admin can
// void it with a reason (Admin.VoidForeignEvent: a Correction without replacement). Nothing is
// ever deleted: the event stays in the log and the chain.
struct ForeignEvent {
  std::string event_id;
  std::string type;
  uint64_t version = 0;
  uint64_t position = 0;
  // Why it is not a domain event, in words.
  std::string reason;
  // Set from the Correction that voided it, if one did.
  std::string voided_by;  // the correction's event id
  std::string void_reason;
  std::optional<absl::CivilDay> voided_on;
  bool voided() const { return !voided_by.empty(); }
};

// Why `stored`, an event of child `child_id`'s stream, is not a domain event the child's record
// can hold; empty when it is one. `body` is its payload decoded as a ChildEvent, or nullptr when
// it did not decode (or was not tried because its payload_type is not footprint.v1.ChildEvent).
std::string ForeignReason(const v1::Event& stored, absl::string_view child_id,
                          const v1::ChildEvent* body);
// Decodes `stored`, an event of child `child_id`'s stream, into `body`: "" when it is a domain
// event of that child, else ForeignReason's words (and `body` means nothing).
std::string DecodeChildEvent(const v1::Event& stored, absl::string_view child_id,
                             v1::ChildEvent* body);
// The ForeignEvent of `stored` (not voided).
ForeignEvent ForeignEventOf(const v1::Event& stored, std::string reason);

struct PeriodOfCare {
  // For a period whose start is not known (PeriodOfCareStarted.start_not_known), the earliest
  // day it is known to have been running.
  absl::CivilDay start;
  std::optional<absl::CivilDay> end;  // nullopt: still looked after
  std::string end_reason;
  bool start_known = true;
  // Reviews held in the period before this day are not known (PeriodOfCareStarted's
  // reviews_known_from; for a start not known, the start).
  std::optional<absl::CivilDay> reviews_known_from;
  bool Contains(absl::CivilDay day) const { return day >= start && (!end || day <= *end); }
};

struct ReviewInfo {
  absl::CivilDay on;
  std::string participation;
  v1::ReviewHeld::Kind kind = v1::ReviewHeld::KIND_UNSPECIFIED;
  std::string iro_id;
};

struct PlacementSpan {
  absl::CivilDay from;
  v1::Placement placement;
  bool starts_period = false;  // the placement the period of care started in
  bool carer_changed = true;   // false for a move with the same carer (903 RNE T/U)
  std::string reason_previous_ended;
};

struct IroAllocation {
  absl::CivilDay from;
  std::string iro_id;
  std::string iro_name;
  std::string team;
};

struct ConsentInfo {
  absl::CivilDay on;
  bool withdrawn = false;
  bool removal_requested = false;
  v1::Section20ConsentRecorded::Consenter consented_by =
      v1::Section20ConsentRecorded::CONSENTER_UNSPECIFIED;
};

// Paperwork of a review: a social worker's report received, recommendations issued, or the
// review record distributed, on `on`, for the review on `review_date`.
struct PaperworkInfo {
  absl::CivilDay on;
  absl::CivilDay review_date;
};

// The events a council system (metadata.source_system) recorded for a child: how many, and the
// earliest and latest day they say something happened (occurred_on, YYYY-MM-DD).
struct SourceSpan {
  size_t events = 0;
  std::string first_on;
  std::string last_on;
};

struct PermanencePlan {
  absl::CivilDay on;
  v1::PermanencePlanRecorded::Plan plan = v1::PermanencePlanRecorded::PLAN_UNSPECIFIED;
};

// A fact about one placement, named by the day that placement starts (placement_start): the
// nominated officer's approval of a placement with parents, the parent's assessment, or a
// placement plan. `by`: who approved (approvals only).
struct PlacementNote {
  absl::CivilDay on;
  absl::CivilDay placement_start;
  std::string by;
  bool before_assessment = false;  // approvals: made before the assessment was complete
};
// A Public Law Outline, or a set of care proceedings: from its start (PloStarted,
// ProceedingsIssued) to its end (PloEnded, ProceedingsConcluded), if recorded, with the end's
// outcome (the name of its Outcome value, e.g. "STEPPED_DOWN", "CARE_ORDER"). A start recorded
// while one runs continues it.
struct LegalProcess {
  absl::CivilDay start;
  std::optional<absl::CivilDay> end;
  std::string outcome;
  bool RunningOn(absl::CivilDay day) const { return start <= day && (!end || day <= *end); }
};
// The IRO's footprint beyond reviews: a visit to the child, and a review's quality-and-compliance
// form (its grade and the themes of its findings).
struct IroVisitInfo {
  absl::CivilDay on;
  std::string iro_id;
  bool face_to_face = false;
};
struct QualityAssuranceInfo {
  absl::CivilDay on;
  absl::CivilDay review_date;
  v1::PracticeGrade grade = v1::PRACTICE_GRADE_UNSPECIFIED;
  std::vector<std::string> themes;
};
struct ChallengeStep {
  std::string kind;  // "raised", "responded", "escalated", "resolved", "withdrawn",
                     // "cafcass_referral", "response_overdue"
  absl::CivilDay on;
  int stage = 0;
  std::string stage_name;
  std::string detail;
  std::string event_id;
  uint64_t position = 0;
  // For "raised" and "escalated": the response deadline of the stage entered.
  std::optional<absl::CivilDay> due_on;
  // For a step that answers its stage (a "responded" step, or a "resolved" step while the stage
  // awaited a response): the deadline it answered, and whether it came late (AnswerLateness),
  // judged from the dates alone whether or not a DeadlineMissed was recorded. A late answer is
  // still accepted: it is a fact.
  std::optional<absl::CivilDay> answered_due_on;
  bool late = false;
  int working_days_late = 0;
  bool answers_stage() const { return answered_due_on.has_value(); }
};

// Whether an answer to a stage dated `answered_on` came late for a deadline `due_on`, and by how
// many working days: late when it is dated on or after the first working day after the due date
// (the day the deadline is missed, docs/workflow.md), so an answer on the due date, or on a
// weekend or bank holiday straight after it, is in time. Outside the calendar, an answer after
// the due date is late by an unknown count (0).
struct Lateness {
  bool late = false;
  int working_days_late = 0;
};
Lateness AnswerLateness(absl::CivilDay due_on, absl::CivilDay answered_on,
                        const WorkingCalendar& calendar);

struct ChallengeState {
  enum class Status { kAwaitingResponse, kResponded, kResolved, kWithdrawn };

  std::string id;
  std::string child_id;
  std::string iro_id;
  std::string theme;
  std::string issue;
  int stage = 0;
  std::string stage_name;
  Status status = Status::kAwaitingResponse;
  absl::CivilDay raised_on;
  absl::CivilDay stage_entered_on;
  // The current stage's response deadline, while awaiting a response.
  std::optional<absl::CivilDay> response_due_on;
  // A DeadlineMissed was recorded for the current stage.
  bool overdue = false;
  std::optional<absl::CivilDay> cafcass_referred_on;
  std::optional<absl::CivilDay> closed_on;
  std::vector<ChallengeStep> steps;
  // The stream version of the last event that changed this challenge.
  uint64_t last_version = 0;

  bool open() const { return status == Status::kAwaitingResponse || status == Status::kResponded; }
  // The step that answered stage `stage` (nullptr if none did).
  const ChallengeStep* AnswerAt(int stage) const;
  // A DeadlineMissed was recorded for stage `stage`.
  bool MissedAt(int stage) const;
  static const char* StatusName(Status status);
};

class ChildRecord {
 public:
  explicit ChildRecord(std::string child_id) : child_id_(std::move(child_id)) {}

  // Rebuilds the record from the child's stored events (in stream order). Events that are not
  // domain events of this child (ForeignReason) are left out of the record and listed in
  // foreign_events().
  static ChildRecord FromEvents(absl::string_view child_id, const std::vector<v1::Event>& events);

  // Adds an event that passed validation (as if it had been stored next) and rebuilds.
  void Add(const std::string& event_id, const v1::ChildEvent& event);
  // Adds a stored event without rebuilding (bulk loading); call Rebuild() before reading.
  // `source_system`: the council system that recorded it (metadata.source_system), if known.
  void AddStored(const std::string& event_id, const v1::ChildEvent& event, uint64_t version,
                 uint64_t position, absl::string_view source_system = {});
  // Adds a stored event from its serialized ChildEvent `payload`, decoded onto the record's
  // arena; the added body, or nullptr (and nothing added) if the payload does not decode.
  // `principal`, when given, is kept for FindEvent (the view does without it).
  const v1::ChildEvent* AddStoredPayload(absl::string_view event_id, absl::string_view payload,
                                         uint64_t version, uint64_t position,
                                         absl::string_view principal = {});
  // Adds a stored event of the child's stream without rebuilding: a domain event (decoded onto
  // the arena, with its principal when `keep_principal`), or else a foreign one (ForeignReason),
  // which is returned (valid until the next add).
  const ForeignEvent* AddStoredEvent(const v1::Event& stored, bool keep_principal);
  // Adds an event of the stream that is not a domain event (without rebuilding).
  void AddForeign(ForeignEvent event);
  // Derives the record from its events again (after AddStored).
  void Rebuild();
  // A copy holding only the events (nothing derived), to add to and Rebuild.
  ChildRecord EventsOnly() const;
  // The position of the last event added (0 when none).
  uint64_t last_position() const { return entries_.empty() ? 0 : entries_.back().position; }

  const std::string& child_id() const { return child_id_; }
  // Number of events in the stream, foreign ones included (the next version); 0 for a new
  // child.
  uint64_t event_count() const { return entries_.size() + foreign_.size(); }

  // The stream's events that are not domain events, in stream order (voided ones included).
  const std::vector<ForeignEvent>& foreign_events() const { return foreign_; }
  // How many of them no Correction has voided.
  size_t unvoided_foreign_events() const;
  const ForeignEvent* FindForeign(absl::string_view event_id) const;

  const std::vector<PeriodOfCare>& periods() const { return periods_; }
  const PeriodOfCare* PeriodOn(absl::CivilDay day) const;
  bool LookedAfterOn(absl::CivilDay day) const { return PeriodOn(day) != nullptr; }
  const PeriodOfCare* CurrentPeriod() const;
  // Legal status / placement in force on `day` (empty / nullptr if none).
  std::string LegalStatusOn(absl::CivilDay day) const;
  const v1::Placement* PlacementOn(absl::CivilDay day) const;
  std::optional<absl::CivilDay> date_of_birth() const { return date_of_birth_; }
  // Age in whole years on `day`, if the date of birth is known.
  std::optional<int> AgeOn(absl::CivilDay day) const;
  bool ReviewHeldOn(absl::CivilDay day) const;

  // Facts by the day they happened (corrections applied).
  const std::vector<ReviewInfo>& reviews() const { return reviews_; }
  const std::vector<PlacementSpan>& placements() const { return placements_; }
  const std::vector<std::pair<absl::CivilDay, std::string>>& legal_statuses() const {
    return legal_status_;
  }
  const std::vector<IroAllocation>& iro_allocations() const { return iros_; }
  const std::vector<ConsentInfo>& consents() const { return consents_; }
  // The domain events of the child by the system that recorded them (AddStoredEvent, or
  // AddStored with a source): the annual report's coverage, and whether a child's record came
  // from an import only. Empty for records built without sources (Add; tests).
  const std::map<std::string, SourceSpan>& sources() const { return sources_; }
  const std::vector<absl::CivilDay>& plo_starts() const { return plo_starts_; }
  const std::vector<absl::CivilDay>& proceedings_issued() const { return proceedings_; }
  // The PLOs and proceedings as processes with their ends, by start.
  const std::vector<LegalProcess>& plo_processes() const { return plo_processes_; }
  const std::vector<LegalProcess>& court_processes() const { return court_processes_; }
  const std::vector<PermanencePlan>& permanence_plans() const { return plans_; }
  const std::vector<absl::CivilDay>& midway_reviews() const { return midway_reviews_; }
  // The IRO's visits, quality-and-compliance forms, life-story work completed and case-file
  // audits, by date.
  const std::vector<IroVisitInfo>& iro_visits() const { return visits_; }
  const std::vector<QualityAssuranceInfo>& quality_assurance() const { return qa_forms_; }
  const std::vector<absl::CivilDay>& life_story_work() const { return life_story_; }
  const std::vector<absl::CivilDay>& case_file_audits() const { return audits_; }
  // Placements with parents' approvals and assessments, and placement plans, by date.
  const std::vector<PlacementNote>& placement_approvals() const { return approvals_; }
  const std::vector<PlacementNote>& parent_assessments() const { return assessments_; }
  const std::vector<PlacementNote>& placement_plans() const { return placement_plans_; }
  const std::vector<PaperworkInfo>& social_worker_reports() const { return reports_; }
  const std::vector<PaperworkInfo>& recommendations() const { return recommendations_; }
  const std::vector<PaperworkInfo>& records_distributed() const { return records_; }
  // The IRO allocated on `day` (nullptr if none).
  const IroAllocation* IroOn(absl::CivilDay day) const;

  const std::map<std::string, ChallengeState>& challenges() const { return challenges_; }
  const ChallengeState* FindChallenge(absl::string_view id) const;
  // CAFCASS referrals made for the child outside any challenge.
  const std::vector<absl::CivilDay>& child_cafcass_referrals() const { return child_referrals_; }

  // OK when the record holds together: periods of care do not overlap and each end follows
  // its start, and every fact that needs the child to be in care (reviews, placement and legal
  // status changes, consents, challenges, ...) falls inside a period. Otherwise
  // FAILED_PRECONDITION with the first problem. Checked after every request and correction,
  // since each event's own rules only look at the record as it was.
  absl::Status Consistency() const;

  // The review timeline derived from this record by the view (CouncilView), if any: the
  // reviews' due dates computed once, so reports need not recompute them per call. Adding an
  // event or rebuilding drops it.
  const ReviewTimeline* review_timeline() const { return review_timeline_.get(); }
  void set_review_timeline(std::shared_ptr<const ReviewTimeline> timeline) {
    review_timeline_ = std::move(timeline);
  }

  // Type of the stored event `event_id` ("" if the id is not in this stream).
  std::string TypeOfEvent(absl::string_view event_id) const;

  struct RecordedEvent {
    std::string type;
    std::string occurred_on;
    uint64_t version = 0;
    uint64_t position = 0;
    // Who appended it (metadata.principal), when the record was loaded with principals
    // (LoadChildRecord); empty otherwise.
    std::string principal;
  };
  // The event `event_id` of this stream, if any.
  std::optional<RecordedEvent> FindEvent(absl::string_view event_id) const;

 private:
  // The families' rules apply their events to the record's facts (src/event_rules.h).
  friend struct internal::CareRules;
  friend struct internal::PlacementRules;
  friend struct internal::ReviewRules;
  friend struct internal::ChallengeRules;

  struct Entry {
    absl::string_view event_id;       // on the log's arena
    v1::ChildEvent* event = nullptr;  // on the log's arena
    uint64_t version = 0;
    uint64_t position = 0;
    absl::string_view principal;  // on the log's arena; empty unless loaded with principals
  };
  // The events in stream order, their bodies on one protobuf arena: a council's history is a
  // million small messages, and an arena builds and frees them in bulk instead of one
  // allocation per string. A copy copies the bodies onto its own arena.
  class EntryLog {
   public:
    EntryLog() = default;
    EntryLog(const EntryLog& other) { *this = other; }
    EntryLog& operator=(const EntryLog& other);
    EntryLog(EntryLog&&) noexcept = default;
    EntryLog& operator=(EntryLog&&) noexcept = default;

    // A new entry with an empty body on the arena, to fill.
    Entry& Add(absl::string_view event_id, uint64_t version, uint64_t position,
               absl::string_view principal = {});
    void pop_back() { entries_.pop_back(); }  // the body stays on the arena until it goes
    std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
    std::vector<Entry>::const_iterator end() const { return entries_.end(); }
    size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }
    const Entry& back() const { return entries_.back(); }

   private:
    std::unique_ptr<google::protobuf::Arena> arena_;
    std::vector<Entry> entries_;
  };
  // Takes back the last event added (AddStoredPayload) when it turned out to be foreign.
  void RemoveLastAdded();
  // Counts a domain event under the system that recorded it (sources()).
  void NoteSource(absl::string_view source_system, const v1::ChildEvent& event);
  void ApplyFact(const v1::ChildEvent& event);
  void ApplyChallengeEvent(const Entry& entry);

  std::string child_id_;
  EntryLog entries_;                           // in stream order
  std::vector<ForeignEvent> foreign_;          // in stream order; voids derived by Rebuild()
  std::map<std::string, SourceSpan> sources_;  // of the domain events added; kept by Rebuild()

  // Derived by Rebuild().
  std::vector<PeriodOfCare> periods_;
  std::vector<std::pair<absl::CivilDay, std::string>> legal_status_;  // by date
  std::vector<PlacementSpan> placements_;                             // by date
  std::vector<ReviewInfo> reviews_;
  std::vector<IroAllocation> iros_;
  std::vector<ConsentInfo> consents_;
  std::vector<absl::CivilDay> plo_starts_;
  std::vector<absl::CivilDay> proceedings_;
  std::vector<LegalProcess> plo_processes_;
  std::vector<LegalProcess> court_processes_;
  std::vector<PermanencePlan> plans_;
  std::vector<absl::CivilDay> midway_reviews_;
  std::vector<IroVisitInfo> visits_;
  std::vector<QualityAssuranceInfo> qa_forms_;
  std::vector<absl::CivilDay> life_story_;
  std::vector<absl::CivilDay> audits_;
  std::vector<PlacementNote> approvals_;
  std::vector<PlacementNote> assessments_;
  std::vector<PlacementNote> placement_plans_;
  std::vector<PaperworkInfo> reports_;
  std::vector<PaperworkInfo> recommendations_;
  std::vector<PaperworkInfo> records_;
  std::optional<absl::CivilDay> date_of_birth_;
  std::map<std::string, ChallengeState> challenges_;
  std::vector<absl::CivilDay> child_referrals_;
  // Facts that need the child in care, by date and type; and what did not fit (an end with no
  // period open, a start while one is open).
  std::vector<std::pair<absl::CivilDay, std::string>> care_facts_;
  std::vector<std::string> problems_;
  std::shared_ptr<const ReviewTimeline> review_timeline_;
};

// What a validation may assume about the world.
struct ValidationContext {
  absl::CivilDay today;  // in England
  const EscalationPolicy* policy = nullptr;
  const WorkingCalendar* calendar = nullptr;
  // Events the service appends itself (DeadlineMissed, escalation on silence) are allowed.
  bool system = false;
  // A Correction may void a foreign event of the stream (an admin's act, Admin.VoidForeignEvent).
  bool may_void_foreign_events = false;
};

// Fills what the service computes (a challenge's stage name and response deadline, the current
// stage of a response or resolution) and checks `event` against the field rules and the
// child's `record`. Errors name the field under `field` (e.g. "events[2]"):
// INVALID_ARGUMENT for a malformed field or a code not in its list, FAILED_PRECONDITION when
// the child's record does not allow the event (e.g. a review for a child who is not looked
// after, care ended twice, a response to a closed challenge), OUT_OF_RANGE when a deadline
// falls outside the working-day calendar.
absl::Status CompleteAndValidate(const ChildRecord& record, v1::ChildEvent* event,
                                 absl::string_view field, const ValidationContext& context);

}  // namespace footprint::domain

#endif  // FOOTPRINT_DOMAIN_CHILD_RECORD_H_
