// The IRO manager's read model: every child's record, kept by the `children` projection and
// served from memory to queries.
//
// ChildrenProjection (a Projection) builds each child's ChildRecord from the child's events as
// they are applied, and keeps the records in CouncilView, in memory. Its persistent read model
// `rm.children` is the directory of the children it has filed (key "c/" child-id -> u64be
// position of the child's first event), committed with its checkpoint. At start-up (and after
// a batch that could not be committed) the records are built again by replaying the log up to
// the checkpoint, the same path a rebuild takes; the log holds every event, so the read model
// does not keep a second copy of each. Queries take an immutable snapshot of the view, so they
// never wait for the worker and never replay the log.
//
// Thread-safety: CouncilView is thread-safe (copy-on-write snapshots). ChildrenProjection is
// used only by its worker's thread.
#ifndef FOOTPRINT_PROJECTIONS_COUNCIL_VIEW_H_
#define FOOTPRINT_PROJECTIONS_COUNCIL_VIEW_H_

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "domain/child_record.h"
#include "domain/review_schedule.h"
#include "eventstore/event_store.h"
#include "projections/projection.h"

namespace footprint::projections {

// Every child by id; and, once Index() is called, a compact index of when each was in care and
// had challenges, so that a report over a window reads only the records that can matter to it
// (a council's log holds every child ever looked after; reading each record is a cache miss).
// Without an index (or after a change made since), the same selections are made from the
// records themselves. The index points into the records: a change after Index() (the view
// never changes a published map) must be followed by Index() again. A copy starts without one.
class ChildMap : public std::map<std::string, std::shared_ptr<const domain::ChildRecord>> {
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
  std::vector<const domain::ChildRecord*> InCareDuring(absl::CivilDay from,
                                                       absl::CivilDay to) const;
  // The children with a challenge that can count in an escalation report as at `as_at` over
  // `from`..`to`: one raised by the later of the two and not over (closed by `as_at` with
  // nothing since `from`), in id order.
  std::vector<const domain::ChildRecord*> WithChallengesFor(absl::CivilDay as_at,
                                                            absl::CivilDay from,
                                                            absl::CivilDay to) const;

  struct Entry {
    absl::CivilDay first_in_care = absl::CivilDay::max();  // max(): never
    absl::CivilDay last_in_care = absl::CivilDay::min();   // max(): still in care
    absl::CivilDay first_raised = absl::CivilDay::max();   // max(): no challenge
    absl::CivilDay last_step = absl::CivilDay::min();
    absl::CivilDay last_closed = absl::CivilDay::min();  // max(): one still open
    const domain::ChildRecord* record = nullptr;
  };
  static Entry EntryOf(const domain::ChildRecord& record);

 private:
  bool Indexed() const { return index_.size() == size() && !index_.empty(); }
  std::vector<Entry> index_;  // in id order
};

class CouncilView {
 public:
  CouncilView() = default;
  // With settings, every child the view loads carries its ReviewTimeline for them (reports
  // then look review due dates up instead of computing them). `calendar` is not owned.
  CouncilView(const domain::ReviewSettings& reviews, const domain::WorkingCalendar* calendar)
      : reviews_(reviews), calendar_(calendar) {}
  ~CouncilView();
  CouncilView(const CouncilView&) = delete;
  CouncilView& operator=(const CouncilView&) = delete;

  // An immutable view of every child; cheap to take.
  std::shared_ptr<const ChildMap> Snapshot() const;
  // The position up to which the view reflects the log.
  uint64_t position() const;
  // The snapshot and its position, taken together. The view at a position is a function of
  // the log up to it: a snapshot taken later at the same position has the same content.
  struct Published {
    std::shared_ptr<const ChildMap> children;
    uint64_t position = 0;
  };
  Published Current() const;
  // Waits until position() >= `position` or `timeout` passes; true if reached.
  bool WaitFor(uint64_t position, absl::Duration timeout) const;
  // Records that the log up to `position` holds nothing the view lacks.
  void Advance(uint64_t position);

  // An event of a child, decoded, to be added to the child's record; or, with `foreign`, an
  // event of the child's stream that is not a domain event (listed, not applied).
  struct ChildEventAdded {
    std::string id;
    v1::ChildEvent body;
    uint64_t version = 0;
    uint64_t position = 0;
    std::optional<domain::ForeignEvent> foreign;
    std::string source_system;  // metadata.source_system
  };
  // Events per child, each child's in stream order.
  using Additions = std::map<std::string, std::vector<ChildEventAdded>>;
  // Records built from the log from position 0, by child.
  using Records = absl::flat_hash_map<std::string, domain::ChildRecord>;

  // Replaces every child with `records` (built from the log up to `position`; each is rebuilt
  // and derived here, on up to `threads` threads).
  void Replace(Records records, uint64_t position, unsigned threads = DefaultThreads());
  // Adds `additions` to the children's records (creating those not in the view yet) and
  // publishes them as the view up to `position`.
  void Update(const Additions& additions, uint64_t position);

  // Events of children's streams that are not domain events and that no correction voided, in
  // the view now, and the log positions of the first few. (Positions, not streams: the status
  // that shows them is open to every known client, and a stream names a child.)
  struct ForeignSummary {
    size_t unvoided = 0;
    std::vector<uint64_t> positions;  // up to kListed, lowest first
    static constexpr size_t kListed = 5;
  };
  ForeignSummary Foreign() const;

  // Called on the publishing (worker's) thread after each Update and Replace, outside the
  // view's lock: `changed` children's records changed, of `children` in the view now; with
  // `replaced`, every record is new. Set before the worker starts.
  using PublishListener = std::function<void(size_t changed, size_t children, bool replaced)>;
  void SetPublishListener(PublishListener listener) { publish_listener_ = std::move(listener); }

  // The threads Replace uses by default: the machine's cores, at most 4.
  static unsigned DefaultThreads();

 private:
  // Attaches the record's review timeline, when the view has settings.
  void Derive(domain::ChildRecord* record) const;
  // Drops the view's reference to a replaced snapshot, on a helper thread.
  void Reclaim(std::shared_ptr<const ChildMap> previous);

  const domain::ReviewSettings reviews_{};
  const domain::WorkingCalendar* const calendar_ = nullptr;
  mutable base::Mutex mu_;
  mutable base::CondVar advanced_;  // signalled when position_ grows
  std::shared_ptr<const ChildMap> children_ ABSL_GUARDED_BY(mu_) = std::make_shared<ChildMap>();
  uint64_t position_ ABSL_GUARDED_BY(mu_) = 0;
  // Unvoided foreign events per child that has any.
  std::map<std::string, size_t> foreign_ ABSL_GUARDED_BY(mu_);
  std::future<void> reclaiming_;  // the worker's thread only
  PublishListener publish_listener_;
};

class ChildrenProjection final : public Projection {
 public:
  static constexpr char kName[] = "children";
  // Publish a committed batch at once when it touched at most this many children; beyond
  // that (a burst), publish once caught up, or every kMaxDeferred events.
  static constexpr size_t kMaxIncremental = 200;
  static constexpr size_t kMaxDeferred = 50000;

  // Neither owned; both must outlive the projection. `max_incremental`: see kMaxIncremental.
  ChildrenProjection(eventstore::EventStore* store, CouncilView* view,
                     size_t max_incremental = kMaxIncremental)
      : store_(store), view_(view), max_incremental_(max_incremental) {}

  // Called (on the worker's thread) for each event of a child's stream that is not a domain
  // event, as it is met (at every start-up replay too): footprintd logs a warning naming it.
  using ForeignListener =
      std::function<void(const std::string& child, const domain::ForeignEvent&)>;
  void SetForeignListener(ForeignListener listener) { foreign_listener_ = std::move(listener); }

  std::string name() const override { return kName; }
  // Every event of children's streams: domain events are applied, any other (ForeignReason) is
  // listed in the child's record, never skipped silently.
  std::string stream_prefix() const override { return std::string(domain::kChildStreamPrefix); }
  absl::Status Load(uint64_t checkpoint) override;
  absl::Status Apply(const v1::Event& event, ProjectionContext& context) override;
  void Committed(uint64_t next_position) override;
  void Abandoned() override;
  void Reset() override;
  void CaughtUp(uint64_t next_position) override;

  // The read-model key of a child's directory entry.
  static std::string DirectoryKey(absl::string_view child_id);

 private:
  // The child of an event of a child's stream; an error for one in another stream.
  static absl::Status ChildOf(const v1::Event& event, std::string* child);
  // Adds the event of `child` to the records being built from position 0; true if it is the
  // child's first.
  bool AddReplayed(const v1::Event& event, const std::string& child);
  void ReportForeign(const std::string& child, const domain::ForeignEvent& event) const {
    if (foreign_listener_) foreign_listener_(child, event);
  }
  void Publish();

  eventstore::EventStore* const store_;
  CouncilView* const view_;
  const size_t max_incremental_;
  // loaded_: the projection's state (the view plus what is below) reflects the log up to
  // position_, the checkpoint after the last committed batch.
  bool loaded_ = false;
  uint64_t position_ = 0;
  // While replaying from position 0 (start-up, rebuild): the records built so far, which
  // become the view once caught up.
  bool replaying_ = false;
  CouncilView::Records replayed_;
  // Otherwise: what the batch being applied adds, and what committed batches added that the
  // view does not show yet.
  CouncilView::Additions staged_;
  CouncilView::Additions committed_;
  size_t committed_events_ = 0;
  ForeignListener foreign_listener_;
};

}  // namespace footprint::projections

#endif  // FOOTPRINT_PROJECTIONS_COUNCIL_VIEW_H_
