#include "projections/council_view.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace footprint::projections {
namespace {

constexpr char kEventPrefix[] = "e/";

void AppendU64BigEndian(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

// Adds one stored event (read-model value) to `record`.
absl::Status AddStoredEvent(absl::string_view bytes, ChildRecord* record) {
  v1::Event event;
  v1::ChildEvent body;
  if (!event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      !body.ParseFromString(event.data())) {
    return absl::DataLossError(absl::StrCat("read model '", ChildrenProjection::kName,
                                            "': an entry of child ", record->child_id(),
                                            " does not decode"));
  }
  std::string* id = event.mutable_id();
  record->AddStored(std::move(*id), std::move(body), event.version(), event.position());
  return absl::OkStatus();
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

std::string ChildrenProjection::ChildPrefix(absl::string_view child_id) {
  std::string key = absl::StrCat(kEventPrefix, child_id);
  key.push_back('\0');  // child ids never contain 0x00: no child's keys prefix another's
  return key;
}

std::string ChildrenProjection::EventKey(absl::string_view child_id, uint64_t position) {
  std::string key = ChildPrefix(child_id);
  AppendU64BigEndian(&key, position);
  return key;
}

void CouncilView::Derive(ChildRecord* record) const {
  if (calendar_ == nullptr) return;
  // A timeline that cannot be built (a date beyond the calendar) is left out: reports then
  // compute directly and report the error to whoever asks.
  auto timeline = ReviewTimeline::Build(*record, reviews_, *calendar_);
  if (timeline.ok()) record->set_review_timeline(std::move(*timeline));
}

std::shared_ptr<const ChildMap> CouncilView::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return children_;
}

uint64_t CouncilView::position() const {
  std::lock_guard<std::mutex> lock(mu_);
  return position_;
}

bool CouncilView::WaitFor(uint64_t position, absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return advanced_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                            [&] { return position_ >= position; });
}

void CouncilView::Advance(uint64_t position) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (position <= position_) return;
    position_ = position;
  }
  advanced_.notify_all();
}

absl::Status CouncilView::Reload(const eventstore::EventStore& store,
                                 const eventstore::ReadModelHandle& model, uint64_t position) {
  auto children = std::make_shared<ChildMap>();
  std::unique_ptr<ChildRecord> current;
  absl::Status failure;
  const auto finish = [&] {
    if (current) {
      current->Rebuild();
      Derive(current.get());
      const std::string id = current->child_id();
      (*children)[id] = std::shared_ptr<const ChildRecord>(current.release());
    }
  };
  absl::Status st =
      store.ReadModelScan(model, kEventPrefix, [&](absl::string_view key, absl::string_view value) {
        const size_t zero = key.find('\0');
        if (zero == absl::string_view::npos) {
          failure = absl::DataLossError("read model 'children': a malformed key");
          return false;
        }
        const absl::string_view child = key.substr(2, zero - 2);
        if (!current || current->child_id() != child) {
          finish();
          current = std::make_unique<ChildRecord>(std::string(child));
        }
        failure = AddStoredEvent(value, current.get());
        return failure.ok();
      });
  if (!st.ok()) return st;
  if (!failure.ok()) return failure;
  finish();
  children->Index();
  {
    std::lock_guard<std::mutex> lock(mu_);
    children_ = std::move(children);
    position_ = position;
  }
  advanced_.notify_all();
  return absl::OkStatus();
}

void CouncilView::Replace(std::map<std::string, ChildRecord> records, uint64_t position) {
  auto children = std::make_shared<ChildMap>();
  for (auto it = records.begin(); it != records.end();) {
    auto node = records.extract(it++);
    auto record = std::make_shared<ChildRecord>(std::move(node.mapped()));
    record->Rebuild();
    Derive(record.get());
    children->emplace_hint(children->end(), std::move(node.key()), std::move(record));
  }
  children->Index();
  {
    std::lock_guard<std::mutex> lock(mu_);
    children_ = std::move(children);
    position_ = position;
  }
  advanced_.notify_all();
}

absl::Status CouncilView::Refresh(const eventstore::EventStore& store,
                                  const eventstore::ReadModelHandle& model,
                                  const std::set<std::string>& children, uint64_t position) {
  std::vector<std::shared_ptr<const ChildRecord>> rebuilt;
  for (const std::string& child : children) {
    auto record = std::make_shared<ChildRecord>(child);
    absl::Status failure;
    absl::Status st = store.ReadModelScan(model, ChildrenProjection::ChildPrefix(child),
                                          [&](absl::string_view, absl::string_view value) {
                                            failure = AddStoredEvent(value, record.get());
                                            return failure.ok();
                                          });
    if (!st.ok()) return st;
    if (!failure.ok()) return failure;
    record->Rebuild();
    Derive(record.get());
    rebuilt.push_back(std::move(record));
  }
  // Only this (the worker's) thread replaces children_, so the copy is made outside the lock.
  std::shared_ptr<const ChildMap> previous = Snapshot();
  auto next = std::make_shared<ChildMap>(*previous);
  for (auto& record : rebuilt) (*next)[record->child_id()] = std::move(record);
  next->Index(previous.get());
  {
    std::lock_guard<std::mutex> lock(mu_);
    children_ = std::move(next);
    position_ = std::max(position_, position);
  }
  advanced_.notify_all();
  return absl::OkStatus();
}

void ChildrenProjection::SetModel() {
  if (model_) return;
  // The worker created the model before the first Apply; this only looks it up.
  auto model = store_->OpenReadModel(kName);
  if (model.ok()) model_ = *model;
}

absl::Status ChildrenProjection::Apply(const v1::Event& event, ProjectionContext& context) {
  if (event.payload_type() != v1::ChildEvent::descriptor()->full_name()) {
    return absl::OkStatus();  // an event of the same type name outside the domain API
  }
  // What the read model cannot file under a child stops the worker here, with the position:
  // it is never skipped.
  constexpr absl::string_view kPrefix = "child-";
  if (!absl::StartsWith(event.stream(), kPrefix)) {
    return absl::FailedPreconditionError(
        absl::StrCat("a ChildEvent in stream '", event.stream(), "', not a child's stream"));
  }
  const std::string child(absl::string_view(event.stream()).substr(kPrefix.size()));
  v1::ChildEvent body;
  if (!body.ParseFromString(event.data())) {
    return absl::DataLossError("the payload does not decode as footprint.v1.ChildEvent");
  }
  if (const std::string type = EventTypeOf(body); type != event.type()) {
    return absl::FailedPreconditionError(absl::StrCat("event type '", event.type(),
                                                      "' but the payload holds '",
                                                      type.empty() ? "nothing" : type, "'"));
  }
  if (!body.child_id().empty() && body.child_id() != child) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the payload is about child '", body.child_id(), "', the stream is child '", child, "'"));
  }
  context.Put(EventKey(child, event.position()), context.event_bytes().empty()
                                                     ? event.SerializeAsString()
                                                     : std::string(context.event_bytes()));
  if (replaying_) {
    // Replaying from position 0: the view is built from these events as they pass, instead of
    // being read back from the read model afterwards.
    auto [it, added] = replayed_.try_emplace(child, child);
    it->second.AddStored(event.id(), std::move(body), event.version(), event.position());
  }
  staged_.insert(child);
  return absl::OkStatus();
}

void ChildrenProjection::Committed(uint64_t next_position) {
  committed_.insert(staged_.begin(), staged_.end());
  staged_.clear();
  position_ = next_position;
  if (committed_.size() > kMaxIncremental) reload_ = true;
  if (reload_) return;
  SetModel();
  if (!model_) return;
  if (committed_.empty()) {
    view_->Advance(position_);
  } else if (view_->Refresh(*store_, *model_, committed_, position_).ok()) {
    committed_.clear();
  }
}

void ChildrenProjection::Abandoned() {
  staged_.clear();
  // Part of the replayed events were not committed: read the view back from the model instead.
  replaying_ = false;
  replayed_.clear();
}

void ChildrenProjection::Reset() {
  staged_.clear();
  committed_.clear();
  reload_ = true;
  position_ = 0;
  replaying_ = true;
  replayed_.clear();
}

void ChildrenProjection::CaughtUp(uint64_t next_position) {
  position_ = next_position;
  SetModel();
  if (!model_) return;
  if (reload_ && replaying_) {
    view_->Replace(std::move(replayed_), position_);
    replaying_ = false;
    replayed_.clear();
    reload_ = false;
    committed_.clear();
  } else if (reload_) {
    if (view_->Reload(*store_, *model_, position_).ok()) {
      reload_ = false;
      committed_.clear();
    }
  } else if (!committed_.empty()) {
    if (view_->Refresh(*store_, *model_, committed_, position_).ok()) committed_.clear();
  } else {
    view_->Advance(position_);
  }
}

}  // namespace footprint::projections
