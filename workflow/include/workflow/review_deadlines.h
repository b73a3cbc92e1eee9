// Review and paperwork deadlines (shared/docs/domain.md sections 4 and 6), as a source of the
// deadline engine (docs/workflow.md).
//
// For every child in an open period of care, two kinds of deadline are pending:
// - the next statutory review (review_schedule.h, with the council's settings). It is missed
//   when the day after its due date begins (00:00 in England): a review on the due date is in
//   time, and the statutory timescales count calendar dates, weekends included.
//   Key "review/<child>/due/<due date>".
// - the paperwork of the latest review held in the period: recommendations issued within
//   `recommendations_days_after` working days and the review record distributed within
//   `record_days_after` working days. Missed when the first working day after the due date
//   begins, like a challenge response. Keys "review_recommendations/<child>/<review date>" and
//   "review_record/<child>/<review date>". Only the latest review's paperwork is chased, so
//   history imported without paperwork raises at most one deadline per child and kind.
// When one is missed, one DeadlineMissed {what: review | review_recommendations | review_record}
// is appended to the child's stream, dated the day it was missed, with an id derived from the
// key alone: it is recorded once, whatever restarts or replays happen. A due date that moves
// (a correction, a placement move under the post-move setting) is a new deadline.
//
// The social worker's pre-meeting report is not a fired deadline: its due date counts back from
// a review date that is only known once the review has been held. Its timeliness is reported per
// review (reports.h, TimelinessReport.social_worker_reports).
//
// Thread-safety: used from the deadline runner's thread only, like every DeadlineSource.
#ifndef FOOTPRINT_WORKFLOW_REVIEW_DEADLINES_H_
#define FOOTPRINT_WORKFLOW_REVIEW_DEADLINES_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "domain/review_schedule.h"
#include "workflow/deadlines.h"

namespace footprint::workflow {

class ReviewDeadlines final : public DeadlineSource {
 public:
  // None owned; all must outlive the source.
  ReviewDeadlines(const eventstore::EventStore* store, const domain::ReviewSettings* settings,
                  const domain::EscalationPolicy* policy, const domain::WorkingCalendar* calendar);

  std::string name() const override { return "review_deadlines"; }
  std::vector<std::string> event_types() const override { return domain::AllChildEventTypes(); }
  absl::Status Apply(const v1::Event& event) override;
  absl::Status Refresh() override;
  std::vector<PendingDeadline> Pending() const override;
  absl::StatusOr<std::optional<eventstore::AppendRequest>> OnDue(
      const PendingDeadline& deadline) override;

  // The pending deadlines of one child's record (none when not in an open period of care),
  // excluding those in `done`. Exposed for tests and for the query side.
  static absl::StatusOr<std::vector<PendingDeadline>> DeadlinesOf(
      const domain::ChildRecord& record, const domain::ReviewSettings& settings,
      const domain::WorkingCalendar& calendar, const std::set<std::string>& done);

  // The id of the DeadlineMissed recorded for `key`.
  static std::string MissedEventId(absl::string_view key);

  // Where a child's record can be had without reading its stream again: the `children` read
  // model's record (nullptr when it has none). Used when a child's events arrive, if the record
  // holds every event of the child the engine has fed (else the stream is read as before). What
  // to append when a deadline passes is always decided on the record read from the store.
  using RecordLookup =
      std::function<std::shared_ptr<const domain::ChildRecord>(const std::string& child_id)>;
  // Waits a little (a bounded time) for the read model to reflect the log up to `end`, the end
  // of the events fed; called once per batch before the records are looked up, so that the
  // read model serves even when the engine reached a commit first.
  using AwaitReadModel = std::function<void(uint64_t end)>;
  // Before the engine's first CatchUp.
  void SetRecordLookup(RecordLookup lookup, AwaitReadModel await = nullptr) {
    lookup_ = std::move(lookup);
    await_ = std::move(await);
  }
  // Records taken from the lookup, and streams read again (no lookup, or it was behind).
  RecordReads record_reads() const override { return reads_; }

 private:
  absl::Status RefreshChild(const std::string& child_id);

  const eventstore::EventStore* const store_;
  const domain::ReviewSettings* const settings_;
  const domain::EscalationPolicy* const policy_;
  const domain::WorkingCalendar* const calendar_;
  RecordLookup lookup_;
  AwaitReadModel await_;
  uint64_t fed_end_ = 0;  // past the last event fed
  RecordReads reads_;
  std::set<std::string> dirty_;                                  // children to re-read
  std::map<std::string, uint64_t> fed_version_;                  // last version fed, by child
  std::map<std::string, std::vector<PendingDeadline>> pending_;  // by child
  std::map<std::string, std::set<std::string>> done_;            // keys already recorded, by child
};

}  // namespace footprint::workflow

#endif  // FOOTPRINT_WORKFLOW_REVIEW_DEADLINES_H_
