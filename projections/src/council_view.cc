#include "projections/council_view.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace footprint::projections {

using domain::ChallengeStep;
using domain::ChildRecord;
using domain::DecodeChildEvent;
using domain::ForeignEvent;
using domain::ForeignEventOf;
using domain::kChildStreamPrefix;
using domain::PeriodOfCare;
using domain::ReviewTimeline;
namespace {

constexpr char kDirectoryPrefix[] = "c/";
// The layout before the directory: every event copied under its child ("e/" child 0x00
// u64be(position) -> the stored Event).
constexpr char kOldEventPrefix[] = "e/";

void AppendU64BigEndian(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

}  // namespace

ChildMap::Entry ChildMap::EntryOf(const ChildRecord& record) {
  Entry entry;
  entry.record = &record;
  for (const PeriodOfCare& p : record.periods()) {
    entry.first_in_care = std::min(entry.first_in_care, p.start);
    entry.last_in_care = std::max(entry.last_in_care, p.end.value_or(absl::CivilDay::max()));
  }
  for (const auto& [id, c] : record.challenges()) {
    entry.first_raised = std::min(entry.first_raised, c.raised_on);
    entry.last_step = std::max(entry.last_step, c.raised_on);
    for (const ChallengeStep& s : c.steps) entry.last_step = std::max(entry.last_step, s.on);
    entry.last_closed = std::max(entry.last_closed, c.closed_on.value_or(absl::CivilDay::max()));
  }
  return entry;
}

void ChildMap::Index(const ChildMap* previous) {
  std::vector<Entry> index;
  index.reserve(size());
  // Entries of records that `previous` holds too are taken from its index, in step with it
  // (both are in id order; children are never removed).
  const std::vector<Entry>* old =
      previous != nullptr && previous->Indexed() ? &previous->index_ : nullptr;
  size_t j = 0;
  for (const auto& [id, record] : *this) {
    if (old != nullptr && j < old->size() && (*old)[j].record == record.get()) {
      index.push_back((*old)[j++]);
      continue;
    }
    if (old != nullptr && j < old->size() && (*old)[j].record->child_id() == id) ++j;  // replaced
    index.push_back(EntryOf(*record));
  }
  index_ = std::move(index);
}

std::vector<const ChildRecord*> ChildMap::InCareDuring(absl::CivilDay from,
                                                       absl::CivilDay to) const {
  std::vector<const ChildRecord*> out;
  const auto consider = [&](const Entry& e) {
    if (e.first_in_care <= to && e.last_in_care >= from) out.push_back(e.record);
  };
  if (Indexed()) {
    for (const Entry& e : index_) consider(e);
  } else {
    for (const auto& [id, record] : *this) consider(EntryOf(*record));
  }
  return out;
}

std::vector<const ChildRecord*> ChildMap::WithChallengesFor(absl::CivilDay as_at,
                                                            absl::CivilDay from,
                                                            absl::CivilDay to) const {
  std::vector<const ChildRecord*> out;
  const auto consider = [&](const Entry& e) {
    if (e.first_raised > std::max(as_at, to)) return;          // none yet (or none at all)
    if (e.last_closed <= as_at && e.last_step < from) return;  // all over before the period
    out.push_back(e.record);
  };
  if (Indexed()) {
    for (const Entry& e : index_) consider(e);
  } else {
    for (const auto& [id, record] : *this) consider(EntryOf(*record));
  }
  return out;
}

std::string ChildrenProjection::DirectoryKey(absl::string_view child_id) {
  return absl::StrCat(kDirectoryPrefix, child_id);
}

void CouncilView::Derive(ChildRecord* record) const {
  if (calendar_ == nullptr) return;
  // A timeline that cannot be built (a date beyond the calendar) is left out: reports then
  // compute directly and report the error to whoever asks.
  auto timeline = ReviewTimeline::Build(*record, reviews_, *calendar_);
  if (timeline.ok()) record->set_review_timeline(std::move(*timeline));
}

std::shared_ptr<const ChildMap> CouncilView::Snapshot() const {
  base::MutexLock lock(&mu_);
  return children_;
}

CouncilView::Published CouncilView::Current() const {
  base::MutexLock lock(&mu_);
  return Published{children_, position_};
}

uint64_t CouncilView::position() const {
  base::MutexLock lock(&mu_);
  return position_;
}

bool CouncilView::WaitFor(uint64_t position, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  base::MutexLock lock(&mu_);
  while (position_ < position) {
    if (advanced_.WaitWithDeadline(&mu_, deadline)) break;
  }
  return position_ >= position;
}

void CouncilView::Advance(uint64_t position) {
  {
    base::MutexLock lock(&mu_);
    if (position <= position_) return;
    position_ = position;
    advanced_.SignalAll();
  }
}

CouncilView::ForeignSummary CouncilView::Foreign() const {
  base::MutexLock lock(&mu_);
  ForeignSummary summary;
  for (const auto& [id, count] : foreign_) {
    summary.unvoided += count;
    auto it = children_->find(id);
    if (it == children_->end()) continue;
    for (const ForeignEvent& e : it->second->foreign_events()) {
      if (!e.voided()) summary.positions.push_back(e.position);
    }
  }
  std::sort(summary.positions.begin(), summary.positions.end());
  if (summary.positions.size() > ForeignSummary::kListed) {
    summary.positions.resize(ForeignSummary::kListed);
  }
  return summary;
}

unsigned CouncilView::DefaultThreads() {
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

void CouncilView::Replace(Records records, uint64_t position, unsigned threads) {
  std::vector<std::pair<std::string, std::shared_ptr<ChildRecord>>> sorted;
  sorted.reserve(records.size());
  for (auto& [id, record] : records) {
    sorted.emplace_back(id, std::make_shared<ChildRecord>(std::move(record)));
  }
  records.clear();
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  // Each record is derived on its own; the calendar and settings are only read.
  std::atomic<size_t> next{0};
  const auto derive = [&] {
    for (size_t i = next.fetch_add(1); i < sorted.size(); i = next.fetch_add(1)) {
      sorted[i].second->Rebuild();
      Derive(sorted[i].second.get());
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads && t < sorted.size(); ++t) {
    try {
      helpers.emplace_back(derive);
    } catch (const std::system_error&) {
      break;  // no thread to be had: this one does the rest
    }
  }
  derive();
  for (std::thread& helper : helpers) helper.join();

  auto children = std::make_shared<ChildMap>();
  std::map<std::string, size_t> foreign;
  for (auto& [id, record] : sorted) {
    if (size_t n = record->unvoided_foreign_events(); n > 0) foreign.emplace(id, n);
    children->emplace_hint(children->end(), std::move(id), std::move(record));
  }
  children->Index();
  std::shared_ptr<const ChildMap> previous;
  {
    base::MutexLock lock(&mu_);
    previous = std::move(children_);
    children_ = std::move(children);
    foreign_ = std::move(foreign);
    position_ = position;
    advanced_.SignalAll();
  }
  if (publish_listener_) publish_listener_(sorted.size(), sorted.size(), /*replaced=*/true);
  Reclaim(std::move(previous));
}

void CouncilView::Reclaim(std::shared_ptr<const ChildMap> previous) {
  // Freeing a whole council's records takes most of a second; the new view is in use by then,
  // so that is done on a helper thread (the last query holding the old snapshot may free it
  // later still). One at a time: a second Replace waits for the first's.
  if (reclaiming_.valid()) reclaiming_.wait();
  try {
    reclaiming_ =
        std::async(std::launch::async, [old = std::move(previous)]() mutable { old.reset(); });
  } catch (const std::system_error&) {
    // No thread to be had: the task, and the snapshot it held, were freed here instead.
  }
}

CouncilView::~CouncilView() {
  if (reclaiming_.valid()) reclaiming_.wait();
}

void CouncilView::Update(const Additions& additions, uint64_t position) {
  // Only this (the worker's) thread replaces children_, so the copy is made outside the lock.
  std::shared_ptr<const ChildMap> previous = Snapshot();
  auto next = std::make_shared<ChildMap>(*previous);
  for (const auto& [id, events] : additions) {
    auto found = previous->find(id);
    auto record = std::make_shared<ChildRecord>(
        found != previous->end() ? found->second->EventsOnly() : ChildRecord(id));
    for (const ChildEventAdded& e : events) {
      if (e.foreign) {
        record->AddForeign(*e.foreign);
      } else {
        // Copied onto its arena.
        record->AddStored(e.id, e.body, e.version, e.position, e.source_system);
      }
    }
    record->Rebuild();
    Derive(record.get());
    (*next)[id] = std::move(record);
  }
  next->Index(previous.get());
  const size_t children = next->size();
  {
    base::MutexLock lock(&mu_);
    children_ = std::move(next);
    for (const auto& [id, events] : additions) {
      const size_t n = children_->at(id)->unvoided_foreign_events();
      if (n > 0) {
        foreign_[id] = n;
      } else {
        foreign_.erase(id);
      }
    }
    position_ = std::max(position_, position);
    advanced_.SignalAll();
  }
  if (publish_listener_) publish_listener_(additions.size(), children, /*replaced=*/false);
}

absl::Status ChildrenProjection::ChildOf(const v1::Event& event, std::string* child) {
  // What the projection cannot file under a child stops the worker here, with the position:
  // it is never skipped. (The worker reads only children's streams.)
  constexpr absl::string_view kPrefix = kChildStreamPrefix;
  if (!absl::StartsWith(event.stream(), kPrefix)) {
    return absl::FailedPreconditionError(
        absl::StrCat("an event in stream '", event.stream(), "', not a child's stream"));
  }
  child->assign(event.stream(), kPrefix.size());
  return absl::OkStatus();
}

bool ChildrenProjection::AddReplayed(const v1::Event& event, const std::string& child) {
  auto [it, added] = replayed_.try_emplace(child, child);
  if (const ForeignEvent* foreign = it->second.AddStoredEvent(event, /*keep_principal=*/false)) {
    ReportForeign(child, *foreign);
  }
  return added;
}

absl::Status ChildrenProjection::Load(uint64_t checkpoint) {
  staged_.clear();  // nothing is being applied yet
  if (loaded_ && position_ == checkpoint) return absl::OkStatus();
  // Build every record again from the log up to the checkpoint; what follows it is added as it
  // is applied, and the whole becomes the view once caught up.
  loaded_ = false;
  committed_.clear();
  committed_events_ = 0;
  replaying_ = true;
  replayed_.clear();
  if (checkpoint > 0) {
    auto model = store_->OpenReadModel(kName);
    if (!model.ok()) return model.status();
    bool old_layout = false;
    absl::Status scanned =
        store_->ReadModelScan(*model, kOldEventPrefix, [&](absl::string_view, absl::string_view) {
          old_layout = true;
          return false;
        });
    if (!scanned.ok()) return scanned;
    if (old_layout) {
      return absl::FailedPreconditionError(
          "read model 'children' has the layout of an earlier version (a copy of every event); "
          "rebuild it with `footprint projections rebuild children`");
    }
    eventstore::ReadFilter filter;
    filter.stream_prefix = stream_prefix();
    eventstore::ChunkLimits limits;
    limits.max_events = 5000;
    limits.max_bytes = 8 << 20;
    limits.end = eventstore::GlobalPosition{checkpoint};
    LogReader reader(store_, std::move(filter), limits, 0);
    std::string child;
    for (uint64_t next = 0; next < checkpoint;) {
      auto chunk = reader.Next();
      if (!chunk.ok()) return chunk.status();
      if (chunk->next_position == next) {
        // The checkpoint says events were applied that the log does not hold.
        return absl::DataLossError(absl::StrCat("the log ends at position ", next,
                                                ", before the checkpoint at ", checkpoint));
      }
      for (const v1::Event* event : chunk->events) {
        absl::Status st = ChildOf(*event, &child);
        if (st.ok()) AddReplayed(*event, child);
        if (!st.ok()) {
          return absl::Status(st.code(), absl::StrCat("the event at position ", event->position(),
                                                      ": ", st.message()));
        }
      }
      next = chunk->next_position;
    }
  }
  position_ = checkpoint;
  loaded_ = true;
  return absl::OkStatus();
}

absl::Status ChildrenProjection::Apply(const v1::Event& event, ProjectionContext& context) {
  std::string child;
  if (auto st = ChildOf(event, &child); !st.ok()) return st;
  bool first = false;  // the child's first event
  if (replaying_) {
    first = AddReplayed(event, child);
  } else {
    v1::ChildEvent body;
    auto [it, added] = staged_.try_emplace(child);
    first = added && !committed_.contains(child) && !view_->Snapshot()->contains(child);
    if (std::string reason = DecodeChildEvent(event, child, &body); !reason.empty()) {
      ForeignEvent foreign = ForeignEventOf(event, std::move(reason));
      ReportForeign(child, foreign);
      it->second.push_back({event.id(),
                            v1::ChildEvent(),
                            event.version(),
                            event.position(),
                            std::move(foreign),
                            {}});
    } else {
      it->second.push_back({event.id(),
                            std::move(body),
                            event.version(),
                            event.position(),
                            {},
                            event.metadata().source_system()});
    }
  }
  if (first) {
    // The directory entry says when the child was first recorded, so it is written once (a
    // value that changed with every event would be written a million times in a rebuild).
    std::string position;
    AppendU64BigEndian(&position, event.position());
    context.Put(DirectoryKey(child), std::move(position));
  }
  return absl::OkStatus();
}

void ChildrenProjection::Publish() {
  view_->Update(committed_, position_);
  committed_.clear();
  committed_events_ = 0;
}

void ChildrenProjection::Committed(uint64_t next_position) {
  position_ = next_position;
  if (replaying_) return;  // the view is replaced once caught up
  for (auto& [child, events] : staged_) {
    committed_events_ += events.size();
    std::vector<CouncilView::ChildEventAdded>& to = committed_[child];
    to.insert(to.end(), std::make_move_iterator(events.begin()),
              std::make_move_iterator(events.end()));
  }
  staged_.clear();
  if (committed_.empty()) {
    view_->Advance(position_);  // nothing for the view in this batch
  } else if (committed_.size() <= max_incremental_ || committed_events_ >= kMaxDeferred) {
    Publish();
  }
}

void ChildrenProjection::Abandoned() {
  staged_.clear();
  if (replaying_) {
    // The records hold events of the batch that was not committed: build them again.
    loaded_ = false;
    replayed_.clear();
  } else if (!committed_.empty()) {
    // The catch-up ends here: show what was committed before the failed batch, which would
    // otherwise wait for a CaughtUp that may not come.
    Publish();
  }
}

void ChildrenProjection::Reset() {
  // The read model and checkpoint are gone: the next Load(0) starts the records afresh.
  loaded_ = false;
  replaying_ = false;
  replayed_.clear();
  staged_.clear();
  committed_.clear();
  committed_events_ = 0;
}

void ChildrenProjection::CaughtUp(uint64_t next_position) {
  position_ = next_position;
  if (replaying_) {
    view_->Replace(std::move(replayed_), position_);
    replayed_.clear();
    replaying_ = false;
  } else if (!committed_.empty()) {
    Publish();
  } else {
    view_->Advance(position_);
  }
}

}  // namespace footprint::projections
