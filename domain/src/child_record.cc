#include "domain/child_record.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/codes.h"
#include "event_rules.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace footprint::domain {
namespace {

using internal::CheckDate;
using internal::Day;
using internal::Invalid;
using v1::ChildEvent;

// The body's field name ("review_held"), for error paths.
std::string BodyFieldName(const ChildEvent& event) {
  const auto* oneof = ChildEvent::descriptor()->FindOneofByName("body");
  const auto* field = event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  return field == nullptr ? std::string() : field->name();
}

// The family whose rules govern each event type (event_rules.h): the one place that says where
// an event type's rules are.
enum class Family { kNone, kCare, kPlacement, kReview, kChallenge, kCorrection };

Family FamilyOf(ChildEvent::BodyCase body) {
  switch (body) {
    case ChildEvent::kPeriodOfCareStarted:
    case ChildEvent::kPeriodOfCareEnded:
    case ChildEvent::kLegalStatusChanged:
    case ChildEvent::kSection20ConsentRecorded:
    case ChildEvent::kSection20ConsentWithdrawn:
    case ChildEvent::kPloStarted:
    case ChildEvent::kProceedingsIssued:
    case ChildEvent::kPloEnded:
    case ChildEvent::kProceedingsConcluded:
    case ChildEvent::kPermanencePlanRecorded:
      return Family::kCare;
    case ChildEvent::kPlacementChanged:
    case ChildEvent::kPlacementWithParentsApproved:
    case ChildEvent::kParentAssessmentCompleted:
    case ChildEvent::kPlacementPlanRecorded:
      return Family::kPlacement;
    case ChildEvent::kReviewHeld:
    case ChildEvent::kIroAllocated:
    case ChildEvent::kMidwayReviewCompleted:
    case ChildEvent::kSocialWorkerReportReceived:
    case ChildEvent::kRecommendationsIssued:
    case ChildEvent::kReviewRecordDistributed:
    case ChildEvent::kIroVisit:
    case ChildEvent::kQualityAssuranceCompleted:
    case ChildEvent::kLifeStoryWorkCompleted:
    case ChildEvent::kCaseFileAudited:
      return Family::kReview;
    case ChildEvent::kChallengeRaised:
    case ChildEvent::kChallengeResponded:
    case ChildEvent::kChallengeEscalated:
    case ChildEvent::kChallengeResolved:
    case ChildEvent::kChallengeWithdrawn:
    case ChildEvent::kCafcassReferralMade:
    case ChildEvent::kDeadlineMissed:
      return Family::kChallenge;
    case ChildEvent::kCorrection:
      return Family::kCorrection;
    case ChildEvent::BODY_NOT_SET:
      break;
  }
  return Family::kNone;
}

// Field rules of one body (codes, formats, required values); no record needed.
absl::Status CheckBodyFields(const ChildEvent& e, absl::string_view path,
                             const ValidationContext& ctx) {
  switch (FamilyOf(e.body_case())) {
    case Family::kCare:
      return internal::CareRules::CheckFields(e, path, ctx);
    case Family::kPlacement:
      return internal::PlacementRules::CheckFields(e, path, ctx);
    case Family::kReview:
      return internal::ReviewRules::CheckFields(e, path, ctx);
    case Family::kChallenge:
      return internal::ChallengeRules::CheckFields(e, path, ctx);
    case Family::kCorrection:
      return internal::CorrectionRules::CheckFields(e, path, ctx);
    case Family::kNone:
      break;
  }
  return Invalid(path, "the event has no body: set exactly one event type (e.g. review_held)");
}

// Common fields (child id, date) and the body's field rules.
absl::StatusOr<absl::CivilDay> CheckFields(absl::string_view child_id, ChildEvent* e,
                                           absl::string_view field, const ValidationContext& ctx) {
  if (e->child_id().empty()) {
    e->set_child_id(std::string(child_id));
  } else if (e->child_id() != child_id) {
    return Invalid(
        absl::StrCat(field, ".child_id"),
        absl::StrCat("'", e->child_id(), "' is not the child of this request ('", child_id, "')"));
  }
  auto occurred = CheckDate(e->occurred_on(), absl::StrCat(field, ".occurred_on"), true, ctx.today);
  if (!occurred.ok()) return occurred.status();
  const std::string body = BodyFieldName(*e);
  if (auto st = CheckBodyFields(
          *e, body.empty() ? std::string(field) : absl::StrCat(field, ".", body), ctx);
      !st.ok()) {
    return st;
  }
  return **occurred;
}

}  // namespace

// ------------------------------------------------------------------------------------------

std::string ChildStream(absl::string_view child_id) {
  return absl::StrCat(kChildStreamPrefix, child_id);
}

std::string ChildOfChallenge(absl::string_view challenge_id) {
  // Child ids cannot contain ':', so the first one ends the child id.
  const size_t colon = challenge_id.find(':');
  if (colon == absl::string_view::npos) return "";
  return std::string(challenge_id.substr(0, colon));
}

const std::string& EventTypeOf(const ChildEvent& event) {
  static const std::string* const kNone = new std::string();
  if (event.body_case() == ChildEvent::BODY_NOT_SET) return *kNone;
  // A oneof case is its field's number.
  const auto* field = ChildEvent::descriptor()->FindFieldByNumber(event.body_case());
  return field == nullptr ? *kNone : field->message_type()->name();
}

std::vector<std::string> AllChildEventTypes() {
  std::vector<std::string> types;
  const auto* oneof = ChildEvent::descriptor()->FindOneofByName("body");
  for (int i = 0; i < oneof->field_count(); ++i) {
    types.push_back(oneof->field(i)->message_type()->name());
  }
  return types;
}

std::string ForeignReason(const v1::Event& stored, absl::string_view child_id,
                          const ChildEvent* body) {
  if (stored.payload_type() != ChildEvent::descriptor()->full_name()) {
    return absl::StrCat(
        "its payload is ",
        stored.content_type() == v1::CONTENT_TYPE_PROTOBUF
            ? absl::StrCat(
                  "a ", stored.payload_type().empty() ? "protobuf message" : stored.payload_type())
            : std::string("JSON"),
        ", not a footprint.v1.ChildEvent recorded through Intake or Challenges");
  }
  if (body == nullptr) return "its payload does not decode as a footprint.v1.ChildEvent";
  const std::string& type = EventTypeOf(*body);
  if (type.empty()) return "its payload holds no event";
  if (type != stored.type()) {
    return absl::StrCat("its type is '", stored.type(), "' but its payload holds a ", type);
  }
  if (!body->child_id().empty() && body->child_id() != child_id) {
    return absl::StrCat("its payload is about child '", body->child_id(), "'");
  }
  return std::string();
}

std::string DecodeChildEvent(const v1::Event& stored, absl::string_view child_id,
                             ChildEvent* body) {
  const bool decoded = stored.payload_type() == ChildEvent::descriptor()->full_name() &&
                       body->ParseFromString(stored.data());
  return ForeignReason(stored, child_id, decoded ? body : nullptr);
}

ForeignEvent ForeignEventOf(const v1::Event& stored, std::string reason) {
  ForeignEvent foreign;
  foreign.event_id = stored.id();
  foreign.type = stored.type();
  foreign.version = stored.version();
  foreign.position = stored.position();
  foreign.reason = std::move(reason);
  return foreign;
}

ChildRecord::EntryLog& ChildRecord::EntryLog::operator=(const EntryLog& other) {
  if (this == &other) return *this;
  entries_.clear();
  arena_.reset();
  entries_.reserve(other.entries_.size());
  for (const Entry& entry : other.entries_) {
    Add(entry.event_id, entry.version, entry.position, entry.principal)
        .event->CopyFrom(*entry.event);
  }
  return *this;
}

ChildRecord::Entry& ChildRecord::EntryLog::Add(absl::string_view event_id, uint64_t version,
                                               uint64_t position, absl::string_view principal) {
  if (!arena_) {
    google::protobuf::ArenaOptions options;
    options.start_block_size = 1024;
    options.max_block_size = 64 * 1024;
    arena_ = std::make_unique<google::protobuf::Arena>(options);
  }
  Entry& entry = entries_.emplace_back();
  char* id = google::protobuf::Arena::CreateArray<char>(arena_.get(), event_id.size());
  std::copy(event_id.begin(), event_id.end(), id);
  entry.event_id = absl::string_view(id, event_id.size());
  entry.event = google::protobuf::Arena::CreateMessage<ChildEvent>(arena_.get());
  entry.version = version;
  entry.position = position;
  if (!principal.empty()) {
    char* copy = google::protobuf::Arena::CreateArray<char>(arena_.get(), principal.size());
    std::copy(principal.begin(), principal.end(), copy);
    entry.principal = absl::string_view(copy, principal.size());
  }
  return entry;
}

ChildRecord ChildRecord::FromEvents(absl::string_view child_id,
                                    const std::vector<v1::Event>& events) {
  ChildRecord record{std::string(child_id)};
  for (const v1::Event& stored : events) record.AddStoredEvent(stored, /*keep_principal=*/true);
  record.Rebuild();
  return record;
}

const ForeignEvent* ChildRecord::AddStoredEvent(const v1::Event& stored, bool keep_principal) {
  const ChildEvent* body = nullptr;
  if (stored.payload_type() == ChildEvent::descriptor()->full_name()) {
    body = AddStoredPayload(stored.id(), stored.data(), stored.version(), stored.position(),
                            keep_principal ? stored.metadata().principal() : "");
  }
  std::string reason = ForeignReason(stored, child_id_, body);
  if (reason.empty()) {
    if (body != nullptr) NoteSource(stored.metadata().source_system(), *body);
    return nullptr;
  }
  if (body != nullptr) RemoveLastAdded();
  AddForeign(ForeignEventOf(stored, std::move(reason)));
  return &foreign_.back();
}

void ChildRecord::Add(const std::string& event_id, const ChildEvent& event) {
  entries_.Add(event_id, event_count(), 0).event->CopyFrom(event);
  Rebuild();
}

void ChildRecord::AddStored(const std::string& event_id, const ChildEvent& event, uint64_t version,
                            uint64_t position, absl::string_view source_system) {
  entries_.Add(event_id, version, position).event->CopyFrom(event);
  if (!source_system.empty()) NoteSource(source_system, event);
  review_timeline_.reset();
}

void ChildRecord::RemoveLastAdded() {
  entries_.pop_back();
  review_timeline_.reset();
}

void ChildRecord::AddForeign(ForeignEvent event) {
  foreign_.push_back(std::move(event));
  review_timeline_.reset();
}

size_t ChildRecord::unvoided_foreign_events() const {
  return static_cast<size_t>(std::count_if(foreign_.begin(), foreign_.end(),
                                           [](const ForeignEvent& e) { return !e.voided(); }));
}

const ForeignEvent* ChildRecord::FindForeign(absl::string_view event_id) const {
  for (const ForeignEvent& e : foreign_) {
    if (e.event_id == event_id) return &e;
  }
  return nullptr;
}

const ChildEvent* ChildRecord::AddStoredPayload(absl::string_view event_id,
                                                absl::string_view payload, uint64_t version,
                                                uint64_t position, absl::string_view principal) {
  Entry& entry = entries_.Add(event_id, version, position, principal);
  if (!entry.event->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    entries_.pop_back();
    return nullptr;
  }
  review_timeline_.reset();
  return entry.event;
}

void ChildRecord::NoteSource(absl::string_view source_system, const ChildEvent& event) {
  SourceSpan& span = sources_[std::string(source_system)];
  ++span.events;
  const std::string& on = event.occurred_on();
  if (on.empty()) return;
  if (span.first_on.empty() || on < span.first_on) span.first_on = on;
  if (span.last_on.empty() || on > span.last_on) span.last_on = on;
}

ChildRecord ChildRecord::EventsOnly() const {
  ChildRecord copy(child_id_);
  copy.entries_ = entries_;
  copy.foreign_ = foreign_;
  copy.sources_ = sources_;
  return copy;
}

void ChildRecord::Rebuild() {
  review_timeline_.reset();
  periods_.clear();
  legal_status_.clear();
  placements_.clear();
  reviews_.clear();
  iros_.clear();
  consents_.clear();
  plo_starts_.clear();
  plo_processes_.clear();
  court_processes_.clear();
  proceedings_.clear();
  plans_.clear();
  midway_reviews_.clear();
  visits_.clear();
  qa_forms_.clear();
  life_story_.clear();
  audits_.clear();
  approvals_.clear();
  assessments_.clear();
  placement_plans_.clear();
  reports_.clear();
  recommendations_.clear();
  records_.clear();
  date_of_birth_.reset();
  challenges_.clear();
  child_referrals_.clear();
  care_facts_.clear();
  problems_.clear();

  // The latest correction of each fact.
  std::map<std::string, const Entry*, std::less<>> corrections;
  for (const Entry& entry : entries_) {
    if (entry.event->has_correction()) {
      corrections[entry.event->correction().supersedes_event_id()] = &entry;
    }
  }
  // Foreign events are voided by a correction without replacement (never replaced).
  for (ForeignEvent& foreign : foreign_) {
    foreign.voided_by.clear();
    foreign.void_reason.clear();
    foreign.voided_on.reset();
    auto it = corrections.find(foreign.event_id);
    if (it == corrections.end() || it->second->event->correction().has_replacement()) continue;
    foreign.voided_by = std::string(it->second->event_id);
    foreign.void_reason = it->second->event->correction().reason();
    if (auto on = ParseIsoDate(it->second->event->occurred_on(), "occurred_on"); on.ok()) {
      foreign.voided_on = *on;
    }
  }
  // Facts by the day they happened, then stream order.
  struct Fact {
    absl::CivilDay on;
    uint64_t version;
    const ChildEvent* event;
  };
  std::vector<Fact> facts;
  for (const Entry& entry : entries_) {
    const std::string& type = EventTypeOf(*entry.event);
    if (type.empty() || IsChallengeEventType(type) || entry.event->has_correction() ||
        (entry.event->has_cafcass_referral_made() &&
         !entry.event->cafcass_referral_made().challenge_id().empty())) {
      continue;
    }
    const ChildEvent* effective = entry.event;
    if (auto it = corrections.find(entry.event_id); it != corrections.end()) {
      const auto& correction = it->second->event->correction();
      if (!correction.has_replacement()) continue;  // voided
      effective = &correction.replacement();
    }
    auto on = ParseIsoDate(effective->occurred_on(), "occurred_on");
    if (!on.ok()) continue;  // only validated events are stored
    facts.push_back(Fact{*on, entry.version, effective});
  }
  std::stable_sort(facts.begin(), facts.end(),
                   [](const Fact& a, const Fact& b) { return a.on < b.on; });
  for (const Fact& fact : facts) ApplyFact(*fact.event);

  for (const Entry& entry : entries_) {
    if (IsChallengeEventType(EventTypeOf(*entry.event)) ||
        (entry.event->has_cafcass_referral_made() &&
         !entry.event->cafcass_referral_made().challenge_id().empty())) {
      ApplyChallengeEvent(entry);
    }
  }
}

void ChildRecord::ApplyFact(const ChildEvent& e) {
  auto parsed = ParseIsoDate(e.occurred_on(), "occurred_on");
  if (!parsed.ok()) return;
  const absl::CivilDay on = *parsed;
  switch (FamilyOf(e.body_case())) {
    case Family::kCare:
      internal::CareRules::Apply(e, on, this);
      break;
    case Family::kPlacement:
      internal::PlacementRules::Apply(e, on, this);
      break;
    case Family::kReview:
      internal::ReviewRules::Apply(e, on, this);
      break;
    case Family::kChallenge:
      internal::ChallengeRules::ApplyFact(e, on, this);
      break;
    case Family::kCorrection:  // Rebuild applies corrections before any fact
    case Family::kNone:
      break;
  }
}

absl::Status ChildRecord::Consistency() const {
  if (!problems_.empty()) return absl::FailedPreconditionError(problems_.front());
  for (const auto& [on, what] : care_facts_) {
    if (!LookedAfterOn(on)) {
      return absl::FailedPreconditionError(
          absl::StrCat("the ", what, " on ", Day(on), " would fall outside any period of care"));
    }
  }
  for (const auto& [id, c] : challenges_) {
    if (!LookedAfterOn(c.raised_on)) {
      return absl::FailedPreconditionError(absl::StrCat("challenge ", id, " raised on ",
                                                        Day(c.raised_on),
                                                        " would fall outside any period of care"));
    }
  }
  return absl::OkStatus();
}

void ChildRecord::ApplyChallengeEvent(const Entry& entry) {
  internal::ChallengeRules::ApplyCommand(entry, this);
}

const PeriodOfCare* ChildRecord::PeriodOn(absl::CivilDay day) const {
  for (const auto& p : periods_) {
    if (p.Contains(day)) return &p;
  }
  return nullptr;
}

const PeriodOfCare* ChildRecord::CurrentPeriod() const {
  if (periods_.empty() || periods_.back().end) return nullptr;
  return &periods_.back();
}

std::string ChildRecord::LegalStatusOn(absl::CivilDay day) const {
  if (!LookedAfterOn(day)) return "";
  std::string status;
  for (const auto& [from, value] : legal_status_) {
    if (from > day) break;
    status = value;
  }
  return status;
}

const v1::Placement* ChildRecord::PlacementOn(absl::CivilDay day) const {
  if (!LookedAfterOn(day)) return nullptr;
  const v1::Placement* placement = nullptr;
  for (const PlacementSpan& span : placements_) {
    if (span.from > day) break;
    placement = &span.placement;
  }
  return placement;
}

std::optional<int> ChildRecord::AgeOn(absl::CivilDay day) const {
  if (!date_of_birth_) return std::nullopt;
  return AgeInYears(*date_of_birth_, day);
}

bool ChildRecord::ReviewHeldOn(absl::CivilDay day) const {
  return std::any_of(reviews_.begin(), reviews_.end(),
                     [day](const ReviewInfo& r) { return r.on == day; });
}

const IroAllocation* ChildRecord::IroOn(absl::CivilDay day) const {
  if (!LookedAfterOn(day)) return nullptr;
  const IroAllocation* iro = nullptr;
  for (const IroAllocation& a : iros_) {
    if (a.from > day) break;
    iro = &a;
  }
  return iro;
}

const ChallengeState* ChildRecord::FindChallenge(absl::string_view id) const {
  auto it = challenges_.find(std::string(id));
  return it == challenges_.end() ? nullptr : &it->second;
}

std::string ChildRecord::TypeOfEvent(absl::string_view event_id) const {
  auto found = FindEvent(event_id);
  return found ? found->type : std::string();
}

std::optional<ChildRecord::RecordedEvent> ChildRecord::FindEvent(absl::string_view event_id) const {
  for (const Entry& entry : entries_) {
    if (entry.event_id == event_id) {
      return RecordedEvent{EventTypeOf(*entry.event), entry.event->occurred_on(), entry.version,
                           entry.position, std::string(entry.principal)};
    }
  }
  return std::nullopt;
}

// ------------------------------------------------------------------------------------------

absl::Status CompleteAndValidate(const ChildRecord& record, ChildEvent* e, absl::string_view field,
                                 const ValidationContext& ctx) {
  auto occurred = CheckFields(record.child_id(), e, field, ctx);
  if (!occurred.ok()) return occurred.status();
  const absl::CivilDay on = *occurred;
  const std::string path = absl::StrCat(field, ".", BodyFieldName(*e));
  switch (FamilyOf(e->body_case())) {
    case Family::kCare:
      return internal::CareRules::CheckState(record, e, on, path, field, ctx);
    case Family::kPlacement:
      return internal::PlacementRules::CheckState(record, e, on, path, field, ctx);
    case Family::kReview:
      return internal::ReviewRules::CheckState(record, e, on, path, field, ctx);
    case Family::kChallenge:
      return internal::ChallengeRules::CheckState(record, e, on, path, field, ctx);
    case Family::kCorrection:
      return internal::CorrectionRules::CheckState(record, e, on, path, field, ctx);
    case Family::kNone:
      break;
  }
  return Invalid(field, "the event has no body");
}

}  // namespace footprint::domain
