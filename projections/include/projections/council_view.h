// The IRO manager's read model: every child's record, kept by the `children` projection and
// served from memory to queries.
//
// ChildrenProjection (a Projection) files each domain event under its child in the read model
// `rm.children` (key "e/" child-id 0x00 u64be(position) -> the stored Event), committed with its
// checkpoint. CouncilView holds, in memory, the ChildRecord of every child built from that read
// model, and is refreshed after each committed batch (or reloaded whole after a rebuild or a
// long catch-up). Queries take an immutable snapshot of it, so they never wait for the worker
// and never replay the log.
//
// Thread-safety: CouncilView is thread-safe (copy-on-write snapshots). ChildrenProjection is
// used only by its worker's thread.
#ifndef FOOTPRINT_PROJECTIONS_COUNCIL_VIEW_H_
#define FOOTPRINT_PROJECTIONS_COUNCIL_VIEW_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "projections/child_record.h"
#include "projections/projection.h"
#include "projections/review_schedule.h"

namespace footprint::projections {

// Every child by id; and, once Index() is called, a compact index of when each was in care and
// had challenges, so that a report over a window reads only the records that can matter to it
// (a council's log holds every child ever looked after; reading each record is a cache miss).
// Without an index (or after a change made since), the same selections are made from the
// records themselves. The index points into the records: a change after Index() (the view
// never changes a published map) must be followed by Index() again. A copy starts without one.
class ChildMap : public std::map<std::string, std::shared_ptr<const ChildRecord>> {
 public:
  using map::map;
  ChildMap() = default;
  ChildMap(const ChildMap& other) : map(other) {}
  ChildMap& operator=(const ChildMap& other) {
    map::operator=(other);
    index_.clear();
    return *this;
  }
  ChildMap(ChildMap&&) = default;
  ChildMap& operator=(ChildMap&&) = default;

  // Rebuilds the index; call after the last change. Entries of records unchanged since
  // `previous` (this map's origin, if it was copied and changed) are reused.
  void Index(const ChildMap* previous = nullptr);
  // The children looked after at some time from `from` to `to` (a superset: those with a
  // period of care ending after `from` and one starting by `to`), in id order.
  std::vector<const ChildRecord*> InCareDuring(absl::CivilDay from, absl::CivilDay to) const;
  // The children with a challenge that can count in an escalation report as at `as_at` over
  // `from`..`to`: one raised by the later of the two and not over (closed by `as_at` with
  // nothing since `from`), in id order.
  std::vector<const ChildRecord*> WithChallengesFor(absl::CivilDay as_at, absl::CivilDay from,
                                                    absl::CivilDay to) const;

  struct Entry {
    absl::CivilDay first_in_care = absl::CivilDay::max();  // max(): never
    absl::CivilDay last_in_care = absl::CivilDay::min();   // max(): still in care
    absl::CivilDay first_raised = absl::CivilDay::max();   // max(): no challenge
    absl::CivilDay last_step = absl::CivilDay::min();
    absl::CivilDay last_closed = absl::CivilDay::min();  // max(): one still open
    const ChildRecord* record = nullptr;
  };
  static Entry EntryOf(const ChildRecord& record);

 private:
  bool Indexed() const { return index_.size() == size() && !index_.empty(); }
  std::vector<Entry> index_;  // in id order
};

class CouncilView {
 public:
  CouncilView() = default;
  // With settings, every child the view loads carries its ReviewTimeline for them (reports
  // then look review due dates up instead of computing them). `calendar` is not owned.
  CouncilView(const ReviewSettings& reviews, const WorkingCalendar* calendar)
      : reviews_(reviews), calendar_(calendar) {}

  // An immutable view of every child; cheap to take.
  std::shared_ptr<const ChildMap> Snapshot() const;
  // The position up to which the view reflects the log.
  uint64_t position() const;
  // Waits until position() >= `position` or `timeout` passes; true if reached.
  bool WaitFor(uint64_t position, absl::Duration timeout) const;
  // Records that the log up to `position` holds nothing the view lacks.
  void Advance(uint64_t position);

  // Rebuilds every child from the read model.
  absl::Status Reload(const eventstore::EventStore& store, const eventstore::ReadModelHandle& model,
                      uint64_t position);
  // Replaces every child with `records` (built from the log up to `position`; rebuilt here).
  void Replace(std::map<std::string, ChildRecord> records, uint64_t position);
  // Rebuilds the given children from the read model.
  absl::Status Refresh(const eventstore::EventStore& store,
                       const eventstore::ReadModelHandle& model,
                       const std::set<std::string>& children, uint64_t position);

 private:
  // Attaches the record's review timeline, when the view has settings.
  void Derive(ChildRecord* record) const;

  const ReviewSettings reviews_{};
  const WorkingCalendar* const calendar_ = nullptr;
  mutable std::mutex mu_;
  mutable std::condition_variable advanced_;  // signalled when position_ grows
  std::shared_ptr<const ChildMap> children_ = std::make_shared<ChildMap>();  // Guarded by mu_.
  uint64_t position_ = 0;                                                    // Guarded by mu_.
};

class ChildrenProjection final : public Projection {
 public:
  static constexpr char kName[] = "children";
  // Neither owned; both must outlive the projection.
  ChildrenProjection(eventstore::EventStore* store, CouncilView* view)
      : store_(store), view_(view) {}

  std::string name() const override { return kName; }
  std::vector<std::string> event_types() const override { return AllChildEventTypes(); }
  absl::Status Apply(const v1::Event& event, ProjectionContext& context) override;
  void Committed(uint64_t next_position) override;
  void Abandoned() override;
  void Reset() override;
  void CaughtUp(uint64_t next_position) override;

  // The read-model key of an event of `child_id` at `position`, and the prefix of all of a
  // child's keys.
  static std::string EventKey(absl::string_view child_id, uint64_t position);
  static std::string ChildPrefix(absl::string_view child_id);

 private:
  // Refresh children one by one up to this many per commit; beyond, reload everything once
  // caught up (a rebuild or a long catch-up).
  static constexpr size_t kMaxIncremental = 200;

  void SetModel();

  eventstore::EventStore* const store_;
  CouncilView* const view_;
  std::optional<eventstore::ReadModelHandle> model_;
  std::set<std::string> staged_;     // children touched by the batch being applied
  std::set<std::string> committed_;  // touched and committed, not yet shown in the view
  bool reload_ = true;               // the view must be reloaded whole (start-up, rebuild)
  // After Reset (a rebuild from position 0): the records built from the events as they are
  // applied, which become the view once caught up.
  bool replaying_ = false;
  std::map<std::string, ChildRecord> replayed_;
  uint64_t position_ = 0;  // the checkpoint after the last committed batch
};

}  // namespace footprint::projections

#endif  // FOOTPRINT_PROJECTIONS_COUNCIL_VIEW_H_
