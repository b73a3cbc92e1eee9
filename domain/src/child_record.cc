#include "domain/child_record.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/codes.h"
#include "eventstore/types.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace footprint::domain {
namespace {

using v1::ChildEvent;

constexpr size_t kMaxTextBytes = 4000;
constexpr size_t kMaxIdBytes = 64;
const absl::CivilDay kEarliestDate(1900, 1, 1);

absl::Status Invalid(absl::string_view path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

absl::Status Precondition(absl::string_view path, absl::string_view message) {
  return absl::FailedPreconditionError(absl::StrCat(path, ": ", message));
}

std::string Day(absl::CivilDay day) { return FormatIsoDate(day); }

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == ':' || c == '@' || c == '/';
}

// Identifiers of people and challenges: 1-64 characters of [A-Za-z0-9._:@/-].
absl::Status CheckId(absl::string_view value, absl::string_view path, bool required) {
  if (value.empty()) return required ? Invalid(path, "required") : absl::OkStatus();
  if (value.size() > kMaxIdBytes) {
    return Invalid(path, absl::StrCat("at most ", kMaxIdBytes, " characters"));
  }
  if (!std::all_of(value.begin(), value.end(), IsIdChar)) {
    return Invalid(path, absl::StrCat("'", value, "' may only contain A-Z a-z 0-9 . _ : @ / -"));
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view value, absl::string_view path, bool required) {
  if (value.empty() && required) return Invalid(path, "required");
  if (value.size() > kMaxTextBytes) {
    return Invalid(path, absl::StrCat("at most ", kMaxTextBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckCode(absl::string_view value, absl::string_view path,
                       bool (*is_valid)(absl::string_view), absl::string_view list,
                       absl::string_view what) {
  if (value.empty()) return Invalid(path, absl::StrCat("required (", what, ": ", list, ")"));
  if (!is_valid(value)) {
    return Invalid(path, absl::StrCat("'", value, "' is not a ", what, " (", list, ")"));
  }
  return absl::OkStatus();
}

// A date field: required or optional, a real date, not before 1900 and (unless allowed) not
// after `today`.
absl::StatusOr<std::optional<absl::CivilDay>> CheckDate(absl::string_view value,
                                                        absl::string_view path, bool required,
                                                        absl::CivilDay today,
                                                        bool future_allowed = false) {
  if (value.empty()) {
    if (required) return Invalid(path, "required (YYYY-MM-DD)");
    return std::optional<absl::CivilDay>();
  }
  auto day = ParseIsoDate(value, path);
  if (!day.ok()) return day.status();
  if (*day < kEarliestDate) return Invalid(path, absl::StrCat(value, " is before 1900"));
  if (!future_allowed && *day > today) {
    return Invalid(path, absl::StrCat(value, " is in the future (today is ", Day(today), ")"));
  }
  return std::optional<absl::CivilDay>(*day);
}

absl::Status CheckPlacement(const v1::Placement& p, absl::string_view path) {
  if (auto st = CheckCode(p.type(), absl::StrCat(path, ".type"), codes::IsPlacementType,
                          codes::kPlacementTypeList, "placement type (PLACE)");
      !st.ok()) {
    return st;
  }
  const std::string provider_path = absl::StrCat(path, ".provider");
  if (codes::PlacementNeedsProvider(p.type())) {
    if (auto st = CheckCode(p.provider(), provider_path, codes::IsProvider, codes::kProviderList,
                            "placement provider (PLACE_PROVIDER)");
        !st.ok()) {
      return st;
    }
  } else if (!p.provider().empty()) {
    return Invalid(provider_path, absl::StrCat("must be empty for a ", p.type(),
                                               " placement (temporary T0-T4 and other Z* "
                                               "placements have no provider)"));
  }
  if (p.has_distance_miles() && (p.distance_miles() < 0 || p.distance_miles() > 1000)) {
    return Invalid(absl::StrCat(path, ".distance_miles"), "must be between 0 and 1000");
  }
  if (!v1::Placement::Registration_IsValid(p.registration())) {
    return Invalid(absl::StrCat(path, ".registration"), "unknown value");
  }
  for (const auto& [value, name] :
       {std::pair{&p.home_postcode(), "home_postcode"},
        std::pair{&p.placement_postcode(), "placement_postcode"}, std::pair{&p.urn(), "urn"}}) {
    if (value->size() > 16) return Invalid(absl::StrCat(path, ".", name), "at most 16 characters");
  }
  return absl::OkStatus();
}

bool PlacedWithParents(const v1::Placement* p) { return p != nullptr && p->type() == "P1"; }

// The body's field name ("review_held"), for error paths.
std::string BodyFieldName(const ChildEvent& event) {
  const auto* oneof = ChildEvent::descriptor()->FindOneofByName("body");
  const auto* field = event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  return field == nullptr ? std::string() : field->name();
}

absl::Status RequireLookedAfter(const ChildRecord& record, absl::CivilDay day,
                                absl::string_view path) {
  if (record.LookedAfterOn(day)) return absl::OkStatus();
  return Precondition(path, absl::StrCat("child ", record.child_id(), " is not looked after on ",
                                         Day(day), " (no period of care covers that date)"));
}

const char* kChallengeTypes[] = {"ChallengeRaised",   "ChallengeResponded", "ChallengeEscalated",
                                 "ChallengeResolved", "ChallengeWithdrawn", "DeadlineMissed"};

// Stage reference of the event: fills the name from the policy, or checks the one given.
absl::StatusOr<int> ResolveStage(v1::StageRef* stage, absl::string_view path,
                                 const EscalationPolicy& policy, std::optional<int> default_stage) {
  const bool given = stage->number() != 0 || !stage->name().empty();
  if (!given) {
    if (!default_stage) return Invalid(path, "required (a stage name or number)");
    if (*default_stage > policy.last_stage()) {
      // The policy shrank after the challenge reached this stage.
      return Precondition(path, absl::StrCat("the challenge is at stage ", *default_stage,
                                             ", which the council's current policy does not "
                                             "have (its last stage is ",
                                             policy.stages.back().name, ")"));
    }
    stage->set_number(static_cast<uint32_t>(*default_stage));
    stage->set_name(policy.stages[*default_stage].name);
    return *default_stage;
  }
  int number = static_cast<int>(stage->number());
  if (!stage->name().empty()) {
    auto found = policy.FindStage(stage->name());
    if (!found) {
      std::vector<std::string> names;
      for (const auto& s : policy.stages) names.push_back(s.name);
      return Invalid(path, absl::StrCat("'", stage->name(), "' is not a stage of this council (",
                                        absl::StrJoin(names, ", "), ")"));
    }
    if (stage->number() != 0 && static_cast<int>(stage->number()) != *found) {
      return Invalid(path, absl::StrCat("number ", stage->number(), " does not match stage '",
                                        stage->name(), "' (", *found, ")"));
    }
    number = *found;
  } else if (number > policy.last_stage()) {
    return Invalid(path, absl::StrCat("stage ", number, " does not exist (the last is ",
                                      policy.last_stage(), ")"));
  }
  stage->set_number(static_cast<uint32_t>(number));
  stage->set_name(policy.stages[number].name);
  return number;
}

absl::StatusOr<std::string> DueDate(absl::CivilDay from, int stage, absl::string_view path,
                                    const ValidationContext& ctx) {
  auto due = ctx.calendar->AddWorkingDays(from, ctx.policy->stages[stage].response_working_days);
  if (!due.ok()) return absl::OutOfRangeError(absl::StrCat(path, ": ", due.status().message()));
  return Day(*due);
}

const ChallengeState* OpenChallenge(const ChildRecord& record, absl::string_view id,
                                    absl::string_view path, absl::Status* status) {
  const ChallengeState* c = record.FindChallenge(id);
  if (c == nullptr) {
    *status =
        Precondition(path, absl::StrCat("no challenge '", id, "' for child ", record.child_id()));
    return nullptr;
  }
  if (!c->open()) {
    *status = Precondition(
        path, absl::StrCat("challenge ", id, " is closed (", ChallengeState::StatusName(c->status),
                           " on ", Day(*c->closed_on), ")"));
    return nullptr;
  }
  return c;
}

absl::Status NotBeforeStage(const ChallengeState& c, absl::CivilDay day, absl::string_view path) {
  if (day >= c.stage_entered_on) return absl::OkStatus();
  return Precondition(path, absl::StrCat(Day(day), " is before challenge ", c.id, " reached ",
                                         c.stage_name, " (", Day(c.stage_entered_on), ")"));
}

// Field rules of one body (codes, formats, required values); no record needed.
absl::Status CheckBodyFields(const ChildEvent& e, absl::string_view path, absl::CivilDay today,
                             const ValidationContext& ctx) {
  switch (e.body_case()) {
    case ChildEvent::kPeriodOfCareStarted: {
      const auto& b = e.period_of_care_started();
      if (auto st = CheckCode(b.legal_status(), absl::StrCat(path, ".legal_status"),
                              codes::IsLegalStatus, codes::kLegalStatusList, "legal status (LS)");
          !st.ok()) {
        return st;
      }
      if (!b.has_placement()) return Invalid(absl::StrCat(path, ".placement"), "required");
      if (auto st = CheckPlacement(b.placement(), absl::StrCat(path, ".placement")); !st.ok()) {
        return st;
      }
      if (auto st = CheckCode(b.category_of_need(), absl::StrCat(path, ".category_of_need"),
                              codes::IsCategoryOfNeed, codes::kCategoryOfNeedList,
                              "category of need (CIN)");
          !st.ok()) {
        return st;
      }
      auto dob = CheckDate(b.date_of_birth(), absl::StrCat(path, ".date_of_birth"), true, today);
      if (!dob.ok()) return dob.status();
      if (b.legal_status() == "V2" && b.placement().type() == "P1") {
        return Invalid(path,
                       "legal status V2 (single period of section 20) cannot be combined "
                       "with placement P1 (placed with parents)");
      }
      return absl::OkStatus();
    }
    case ChildEvent::kPeriodOfCareEnded:
      return CheckCode(e.period_of_care_ended().reason(), absl::StrCat(path, ".reason"),
                       codes::IsReasonCareEnded, codes::kReasonCareEndedList,
                       "reason care ended (REC E-code)");
    case ChildEvent::kLegalStatusChanged:
      return CheckCode(e.legal_status_changed().legal_status(), absl::StrCat(path, ".legal_status"),
                       codes::IsLegalStatus, codes::kLegalStatusList, "legal status (LS)");
    case ChildEvent::kPlacementChanged: {
      const auto& b = e.placement_changed();
      if (!b.has_placement()) return Invalid(absl::StrCat(path, ".placement"), "required");
      if (auto st = CheckPlacement(b.placement(), absl::StrCat(path, ".placement")); !st.ok()) {
        return st;
      }
      if (b.reason_not_recorded()) {
        if (!b.reason_for_change().empty()) {
          return Invalid(absl::StrCat(path, ".reason_for_change"),
                         "must be empty when reason_not_recorded is set");
        }
        return absl::OkStatus();
      }
      return CheckCode(b.reason_for_change(), absl::StrCat(path, ".reason_for_change"),
                       codes::IsReasonForPlacementChange, codes::kReasonForChangeList,
                       "reason for placement change (REASON_PLACE_CHANGE)");
    }
    case ChildEvent::kSection20ConsentRecorded: {
      const auto& b = e.section20_consent_recorded();
      if (b.consented_by() == v1::Section20ConsentRecorded::CONSENTER_UNSPECIFIED ||
          !v1::Section20ConsentRecorded::Consenter_IsValid(b.consented_by())) {
        return Invalid(absl::StrCat(path, ".consented_by"),
                       "required (PARENT, OTHER_PERSON_WITH_PARENTAL_RESPONSIBILITY or "
                       "CHILD_AGED_16_OR_17)");
      }
      return CheckText(b.consenter_name(), absl::StrCat(path, ".consenter_name"), false);
    }
    case ChildEvent::kSection20ConsentWithdrawn:
      return CheckText(e.section20_consent_withdrawn().note(), absl::StrCat(path, ".note"), false);
    case ChildEvent::kPloStarted:
      return absl::OkStatus();
    case ChildEvent::kPermanencePlanRecorded: {
      const auto& b = e.permanence_plan_recorded();
      if (b.plan() == v1::PermanencePlanRecorded::PLAN_UNSPECIFIED ||
          !v1::PermanencePlanRecorded::Plan_IsValid(b.plan())) {
        return Invalid(absl::StrCat(path, ".plan"),
                       "required (RETURN_HOME, ADOPTION, SPECIAL_GUARDIANSHIP, "
                       "CHILD_ARRANGEMENTS_ORDER, LONG_TERM_FOSTERING, RESIDENTIAL_CARE, "
                       "INDEPENDENT_LIVING or OTHER)");
      }
      return CheckText(b.note(), absl::StrCat(path, ".note"), false);
    }
    case ChildEvent::kProceedingsIssued:
      return CheckText(e.proceedings_issued().court(), absl::StrCat(path, ".court"), false);
    case ChildEvent::kIroAllocated: {
      const auto& b = e.iro_allocated();
      if (auto st = CheckId(b.iro_id(), absl::StrCat(path, ".iro_id"), true); !st.ok()) return st;
      if (auto st = CheckText(b.iro_name(), absl::StrCat(path, ".iro_name"), false); !st.ok()) {
        return st;
      }
      return CheckText(b.team(), absl::StrCat(path, ".team"), false);
    }
    case ChildEvent::kReviewHeld: {
      const auto& b = e.review_held();
      if (auto st = CheckId(b.iro_id(), absl::StrCat(path, ".iro_id"), false); !st.ok()) return st;
      if (!v1::ReviewHeld::Kind_IsValid(b.kind())) {
        return Invalid(absl::StrCat(path, ".kind"), "unknown value");
      }
      return CheckCode(b.participation(), absl::StrCat(path, ".participation"),
                       codes::IsParticipation, codes::kParticipationList,
                       "participation code (REVIEW_CODE)");
    }
    case ChildEvent::kSocialWorkerReportReceived: {
      // A report may arrive before the review it is for: the review date may be in the future.
      auto day = CheckDate(e.social_worker_report_received().review_date(),
                           absl::StrCat(path, ".review_date"), true, today, true);
      return day.status();
    }
    case ChildEvent::kRecommendationsIssued:
      return CheckDate(e.recommendations_issued().review_date(), absl::StrCat(path, ".review_date"),
                       true, today)
          .status();
    case ChildEvent::kReviewRecordDistributed:
      return CheckDate(e.review_record_distributed().review_date(),
                       absl::StrCat(path, ".review_date"), true, today)
          .status();
    case ChildEvent::kMidwayReviewCompleted:
      return CheckId(e.midway_review_completed().iro_id(), absl::StrCat(path, ".iro_id"), false);
    case ChildEvent::kChallengeRaised: {
      const auto& b = e.challenge_raised();
      if (auto st = CheckId(b.challenge_id(), absl::StrCat(path, ".challenge_id"), true);
          !st.ok()) {
        return st;
      }
      // The id names the child, so a challenge can always be found from its id alone.
      if (!absl::StartsWith(b.challenge_id(), absl::StrCat(e.child_id(), ":")) ||
          b.challenge_id().size() == e.child_id().size() + 1) {
        return Invalid(absl::StrCat(path, ".challenge_id"),
                       absl::StrCat("'", b.challenge_id(), "' must be '", e.child_id(),
                                    ":' followed by the challenge's number or name"));
      }
      if (auto st = CheckId(b.iro_id(), absl::StrCat(path, ".iro_id"), true); !st.ok()) return st;
      if (b.theme().empty()) {
        return Invalid(
            absl::StrCat(path, ".theme"),
            absl::StrCat("required (one of: ", absl::StrJoin(ctx.policy->themes, ", "), ")"));
      }
      if (!ctx.policy->FindTheme(b.theme())) {
        return Invalid(absl::StrCat(path, ".theme"),
                       absl::StrCat("'", b.theme(), "' is not one of this council's themes (",
                                    absl::StrJoin(ctx.policy->themes, ", "), ")"));
      }
      if (auto st = CheckText(b.issue(), absl::StrCat(path, ".issue"), false); !st.ok()) return st;
      return CheckDate(b.response_due_on(), absl::StrCat(path, ".response_due_on"), false, today,
                       true)
          .status();
    }
    case ChildEvent::kChallengeResponded: {
      const auto& b = e.challenge_responded();
      if (auto st = CheckId(b.challenge_id(), absl::StrCat(path, ".challenge_id"), true);
          !st.ok()) {
        return st;
      }
      if (auto st = CheckText(b.responded_by(), absl::StrCat(path, ".responded_by"), false);
          !st.ok()) {
        return st;
      }
      return CheckText(b.response(), absl::StrCat(path, ".response"), false);
    }
    case ChildEvent::kChallengeEscalated: {
      const auto& b = e.challenge_escalated();
      if (auto st = CheckId(b.challenge_id(), absl::StrCat(path, ".challenge_id"), true);
          !st.ok()) {
        return st;
      }
      if (!v1::ChallengeEscalated::Reason_IsValid(b.reason())) {
        return Invalid(absl::StrCat(path, ".reason"), "unknown value");
      }
      if (b.reason() == v1::ChallengeEscalated::NO_RESPONSE && !ctx.system) {
        return Invalid(absl::StrCat(path, ".reason"),
                       "NO_RESPONSE escalations are made by Footprint itself when a deadline "
                       "passes");
      }
      return CheckDate(b.response_due_on(), absl::StrCat(path, ".response_due_on"), false, today,
                       true)
          .status();
    }
    case ChildEvent::kChallengeResolved: {
      const auto& b = e.challenge_resolved();
      if (auto st = CheckId(b.challenge_id(), absl::StrCat(path, ".challenge_id"), true);
          !st.ok()) {
        return st;
      }
      return CheckText(b.outcome(), absl::StrCat(path, ".outcome"), true);
    }
    case ChildEvent::kChallengeWithdrawn: {
      const auto& b = e.challenge_withdrawn();
      if (auto st = CheckId(b.challenge_id(), absl::StrCat(path, ".challenge_id"), true);
          !st.ok()) {
        return st;
      }
      return CheckText(b.reason(), absl::StrCat(path, ".reason"), false);
    }
    case ChildEvent::kCafcassReferralMade: {
      const auto& b = e.cafcass_referral_made();
      if (auto st = CheckId(b.challenge_id(), absl::StrCat(path, ".challenge_id"), false);
          !st.ok()) {
        return st;
      }
      return CheckText(b.reason(), absl::StrCat(path, ".reason"), false);
    }
    case ChildEvent::kDeadlineMissed:
      if (!ctx.system) {
        return Invalid(path,
                       "DeadlineMissed events are appended by Footprint itself, not "
                       "recorded by council systems");
      }
      return absl::OkStatus();
    case ChildEvent::kCorrection: {
      const auto& b = e.correction();
      if (auto st = eventstore::EventId::Parse(b.supersedes_event_id(),
                                               absl::StrCat(path, ".supersedes_event_id"))
                        .status();
          !st.ok()) {
        return st;
      }
      return CheckText(b.reason(), absl::StrCat(path, ".reason"), true);
    }
    case ChildEvent::BODY_NOT_SET:
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
          *e, body.empty() ? std::string(field) : absl::StrCat(field, ".", body), ctx.today, ctx);
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

bool IsChallengeEventType(absl::string_view type) {
  return std::find(std::begin(kChallengeTypes), std::end(kChallengeTypes), type) !=
         std::end(kChallengeTypes);
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

const char* ChallengeState::StatusName(Status status) {
  switch (status) {
    case Status::kAwaitingResponse:
      return "awaiting_response";
    case Status::kResponded:
      return "responded";
    case Status::kResolved:
      return "resolved";
    case Status::kWithdrawn:
      return "withdrawn";
  }
  return "unknown";
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
  proceedings_.clear();
  plans_.clear();
  midway_reviews_.clear();
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
  switch (e.body_case()) {
    case ChildEvent::kPeriodOfCareStarted: {
      const auto& b = e.period_of_care_started();
      if (!periods_.empty() && !periods_.back().end) {
        problems_.push_back(absl::StrCat("a period of care starts on ", Day(on),
                                         " while the one from ", Day(periods_.back().start),
                                         " has not ended"));
      } else if (!periods_.empty() && on <= *periods_.back().end) {
        problems_.push_back(absl::StrCat("a period of care starts on ", Day(on),
                                         ", not after the previous one ended (",
                                         Day(*periods_.back().end), ")"));
      }
      periods_.push_back(PeriodOfCare{on, std::nullopt, "", !b.start_not_known(), std::nullopt});
      if (b.start_not_known()) {
        periods_.back().reviews_known_from = on;
      } else if (auto from = ParseIsoDate(b.reviews_known_from(), "reviews_known_from");
                 from.ok() && *from > on) {
        periods_.back().reviews_known_from = *from;
      }
      legal_status_.emplace_back(on, b.legal_status());
      placements_.push_back(PlacementSpan{on, b.placement(), true, true, ""});
      if (auto dob = ParseIsoDate(b.date_of_birth(), "date_of_birth"); dob.ok()) {
        date_of_birth_ = *dob;
      }
      break;
    }
    case ChildEvent::kPeriodOfCareEnded:
      if (!periods_.empty() && !periods_.back().end && periods_.back().start <= on) {
        periods_.back().end = on;
        periods_.back().end_reason = e.period_of_care_ended().reason();
      } else {
        problems_.push_back(
            absl::StrCat("care ends on ", Day(on), " with no period of care open that day"));
      }
      break;
    case ChildEvent::kLegalStatusChanged:
      legal_status_.emplace_back(on, e.legal_status_changed().legal_status());
      care_facts_.emplace_back(on, "legal status change");
      break;
    case ChildEvent::kPlacementChanged: {
      const auto& b = e.placement_changed();
      placements_.push_back(
          PlacementSpan{on, b.placement(), false, b.carer_changed(), b.reason_for_change()});
      care_facts_.emplace_back(on, "placement change");
      break;
    }
    case ChildEvent::kReviewHeld: {
      const auto& b = e.review_held();
      reviews_.push_back(ReviewInfo{on, b.participation(), b.kind(), b.iro_id()});
      care_facts_.emplace_back(on, "review");
      break;
    }
    case ChildEvent::kRecommendationsIssued:
      if (auto review = ParseIsoDate(e.recommendations_issued().review_date(), ""); review.ok()) {
        recommendations_.push_back(PaperworkInfo{on, *review});
      }
      break;
    case ChildEvent::kReviewRecordDistributed:
      if (auto review = ParseIsoDate(e.review_record_distributed().review_date(), "");
          review.ok()) {
        records_.push_back(PaperworkInfo{on, *review});
      }
      break;
    case ChildEvent::kPermanencePlanRecorded:
      plans_.push_back(PermanencePlan{on, e.permanence_plan_recorded().plan()});
      care_facts_.emplace_back(on, "permanence plan");
      break;
    case ChildEvent::kCafcassReferralMade:
      child_referrals_.push_back(on);
      break;
    case ChildEvent::kSection20ConsentRecorded:
      consents_.push_back(
          ConsentInfo{on, false, false, e.section20_consent_recorded().consented_by()});
      care_facts_.emplace_back(on, "section 20 consent");
      break;
    case ChildEvent::kSection20ConsentWithdrawn:
      consents_.push_back(ConsentInfo{on, true, e.section20_consent_withdrawn().removal_requested(),
                                      v1::Section20ConsentRecorded::CONSENTER_UNSPECIFIED});
      care_facts_.emplace_back(on, "section 20 consent");
      break;
    case ChildEvent::kPloStarted:
      plo_starts_.push_back(on);
      care_facts_.emplace_back(on, "PLO start");
      break;
    case ChildEvent::kProceedingsIssued:
      proceedings_.push_back(on);
      care_facts_.emplace_back(on, "proceedings");
      break;
    case ChildEvent::kIroAllocated: {
      const auto& b = e.iro_allocated();
      iros_.push_back(IroAllocation{on, b.iro_id(), b.iro_name(), b.team()});
      care_facts_.emplace_back(on, "IRO allocation");
      break;
    }
    case ChildEvent::kMidwayReviewCompleted:
      midway_reviews_.push_back(on);
      care_facts_.emplace_back(on, "midway review");
      break;
    case ChildEvent::kSocialWorkerReportReceived:
      if (auto review =
              ParseIsoDate(e.social_worker_report_received().review_date(), "review_date");
          review.ok()) {
        reports_.push_back(PaperworkInfo{on, *review});
      }
      care_facts_.emplace_back(on, "social worker report");
      break;
    default:
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

namespace {

// Marks `step`, dated `on`, as the answer to `c`'s current stage when the stage awaits one:
// with the deadline answered and whether it came late. Counted on the built-in England & Wales
// calendar (the record has no other); the engine and the reports judge with the configured one.
void MarkAnswer(const ChallengeState& c, absl::CivilDay on, ChallengeStep* step) {
  if (c.status != ChallengeState::Status::kAwaitingResponse || !c.response_due_on) return;
  step->answered_due_on = c.response_due_on;
  const Lateness lateness =
      AnswerLateness(*c.response_due_on, on, WorkingCalendar::EnglandAndWales());
  step->late = lateness.late;
  step->working_days_late = lateness.working_days_late;
}

}  // namespace

Lateness AnswerLateness(absl::CivilDay due_on, absl::CivilDay answered_on,
                        const WorkingCalendar& calendar) {
  Lateness lateness;
  if (answered_on <= due_on) return lateness;
  auto days = calendar.WorkingDaysBetween(due_on, answered_on);
  if (!days.ok()) {
    lateness.late = true;  // after the due date, by a count the calendar cannot give
    return lateness;
  }
  lateness.late = *days >= 1;
  lateness.working_days_late = *days;
  return lateness;
}

const ChallengeStep* ChallengeState::AnswerAt(int at_stage) const {
  for (const ChallengeStep& step : steps) {
    if (step.answers_stage() && step.stage == at_stage) return &step;
  }
  return nullptr;
}

bool ChallengeState::MissedAt(int at_stage) const {
  return std::any_of(steps.begin(), steps.end(), [at_stage](const ChallengeStep& step) {
    return step.kind == "response_overdue" && step.stage == at_stage;
  });
}

void ChildRecord::ApplyChallengeEvent(const Entry& entry) {
  const ChildEvent& e = *entry.event;
  auto parsed = ParseIsoDate(e.occurred_on(), "occurred_on");
  if (!parsed.ok()) return;
  const absl::CivilDay on = *parsed;
  const auto due = [](const std::string& text) -> std::optional<absl::CivilDay> {
    auto day = ParseIsoDate(text, "response_due_on");
    if (!day.ok()) return std::nullopt;
    return *day;
  };
  ChallengeStep step;
  step.on = on;
  step.event_id = std::string(entry.event_id);
  step.position = entry.position;
  ChallengeState* c = nullptr;
  switch (e.body_case()) {
    case ChildEvent::kChallengeRaised: {
      const auto& b = e.challenge_raised();
      ChallengeState& created = challenges_[b.challenge_id()];
      created.id = b.challenge_id();
      created.child_id = child_id_;
      created.iro_id = b.iro_id();
      created.theme = b.theme();
      created.issue = b.issue();
      created.stage = static_cast<int>(b.stage().number());
      created.stage_name = b.stage().name();
      created.status = ChallengeState::Status::kAwaitingResponse;
      created.raised_on = on;
      created.stage_entered_on = on;
      created.response_due_on = due(b.response_due_on());
      c = &created;
      step.kind = "raised";
      step.detail = b.issue();
      step.due_on = created.response_due_on;
      break;
    }
    case ChildEvent::kChallengeResponded: {
      auto it = challenges_.find(e.challenge_responded().challenge_id());
      if (it == challenges_.end()) return;
      c = &it->second;
      MarkAnswer(*c, on, &step);
      c->status = ChallengeState::Status::kResponded;
      c->response_due_on.reset();
      step.kind = "responded";
      step.detail = e.challenge_responded().response();
      break;
    }
    case ChildEvent::kChallengeEscalated: {
      const auto& b = e.challenge_escalated();
      auto it = challenges_.find(b.challenge_id());
      if (it == challenges_.end()) return;
      c = &it->second;
      c->stage = static_cast<int>(b.to_stage().number());
      c->stage_name = b.to_stage().name();
      c->stage_entered_on = on;
      c->status = ChallengeState::Status::kAwaitingResponse;
      c->response_due_on = due(b.response_due_on());
      c->overdue = false;
      step.kind = "escalated";
      step.due_on = c->response_due_on;
      step.detail = b.reason() == v1::ChallengeEscalated::NO_RESPONSE
                        ? absl::StrCat("no response from ", b.from_stage().name())
                        : absl::StrCat("by the IRO from ", b.from_stage().name());
      break;
    }
    case ChildEvent::kChallengeResolved: {
      auto it = challenges_.find(e.challenge_resolved().challenge_id());
      if (it == challenges_.end()) return;
      c = &it->second;
      MarkAnswer(*c, on, &step);
      c->status = ChallengeState::Status::kResolved;
      c->closed_on = on;
      c->response_due_on.reset();
      step.kind = "resolved";
      step.detail = e.challenge_resolved().outcome();
      break;
    }
    case ChildEvent::kChallengeWithdrawn: {
      auto it = challenges_.find(e.challenge_withdrawn().challenge_id());
      if (it == challenges_.end()) return;
      c = &it->second;
      c->status = ChallengeState::Status::kWithdrawn;
      c->closed_on = on;
      c->response_due_on.reset();
      step.kind = "withdrawn";
      step.detail = e.challenge_withdrawn().reason();
      break;
    }
    case ChildEvent::kCafcassReferralMade: {
      auto it = challenges_.find(e.cafcass_referral_made().challenge_id());
      if (it == challenges_.end()) return;
      c = &it->second;
      c->cafcass_referred_on = on;
      step.kind = "cafcass_referral";
      step.detail = e.cafcass_referral_made().reason();
      break;
    }
    case ChildEvent::kDeadlineMissed: {
      const auto& b = e.deadline_missed();
      auto it = challenges_.find(b.challenge_id());
      if (it == challenges_.end()) return;
      c = &it->second;
      // Recorded after a late answer (the engine records a missed deadline even when the answer
      // came first), it leaves the challenge's present state alone.
      if (static_cast<int>(b.stage().number()) == c->stage &&
          c->status == ChallengeState::Status::kAwaitingResponse) {
        c->overdue = true;
      }
      step.kind = "response_overdue";
      step.detail = absl::StrCat(b.rule(), "; due ", b.due_on());
      step.stage = static_cast<int>(b.stage().number());
      step.stage_name = b.stage().name();
      break;
    }
    default:
      return;
  }
  if (step.stage_name.empty()) {
    step.stage = c->stage;
    step.stage_name = c->stage_name;
  }
  c->steps.push_back(std::move(step));
  c->last_version = entry.version;
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
  const EscalationPolicy& policy = *ctx.policy;

  switch (e->body_case()) {
    case ChildEvent::kPeriodOfCareStarted: {
      const auto& b = e->period_of_care_started();
      if (const PeriodOfCare* during = record.PeriodOn(on)) {
        return Precondition(
            path, absl::StrCat("child ", record.child_id(), " is already looked after on ", Day(on),
                               " (period of care from ", Day(during->start), ")"));
      }
      if (!b.reviews_known_from().empty()) {
        auto from = ParseIsoDate(b.reviews_known_from(), absl::StrCat(path, ".reviews_known_from"));
        if (!from.ok()) return from.status();
        if (*from <= on || b.start_not_known()) {
          return Invalid(absl::StrCat(path, ".reviews_known_from"),
                         b.start_not_known()
                             ? std::string("not with start_not_known (then no review before the "
                                           "start is in the record)")
                             : absl::StrCat(b.reviews_known_from(), " is not after the start"));
        }
        if (!record.periods().empty()) {
          return Precondition(absl::StrCat(path, ".reviews_known_from"),
                              absl::StrCat("only the first period of care in a child's record can "
                                           "begin before the record; child ",
                                           record.child_id(), " has a period of care from ",
                                           Day(record.periods().front().start)));
        }
      }
      if (b.start_not_known() && !record.periods().empty()) {
        return Precondition(
            absl::StrCat(path, ".start_not_known"),
            absl::StrCat("only the first period of care in a child's record can have a start "
                         "that is not known; child ",
                         record.child_id(), " has a period of care from ",
                         Day(record.periods().front().start)));
      }
      const absl::CivilDay dob = *ParseIsoDate(b.date_of_birth(), "date_of_birth");
      if (dob > on) {
        return Invalid(absl::StrCat(path, ".date_of_birth"),
                       absl::StrCat(b.date_of_birth(), " is after the period of care starts"));
      }
      if (record.date_of_birth() && *record.date_of_birth() != dob) {
        return Precondition(
            absl::StrCat(path, ".date_of_birth"),
            absl::StrCat(b.date_of_birth(),
                         " differs from the date of birth "
                         "recorded before (",
                         Day(*record.date_of_birth()), "); record a Correction to change it"));
      }
      return absl::OkStatus();
    }
    case ChildEvent::kPeriodOfCareEnded: {
      if (record.periods().empty()) {
        return Precondition(
            path, absl::StrCat("child ", record.child_id(), " has never been looked after"));
      }
      const PeriodOfCare* period = record.PeriodOn(on);
      if (period == nullptr) {
        // The latest period that started before `on`, if any, tells what went wrong.
        const PeriodOfCare* before = nullptr;
        for (const auto& p : record.periods()) {
          if (p.start <= on) before = &p;
        }
        if (before != nullptr && before->end) {
          return Precondition(path,
                              absl::StrCat("care has already ended (on ", Day(*before->end), ")"));
        }
        return Precondition(absl::StrCat(field, ".occurred_on"),
                            absl::StrCat(Day(on), " is before the period of care started"));
      }
      if (period->end) {
        return Precondition(path,
                            absl::StrCat("care has already ended (on ", Day(*period->end), ")"));
      }
      return absl::OkStatus();
    }
    case ChildEvent::kLegalStatusChanged: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      const std::string& status = e->legal_status_changed().legal_status();
      if (record.LegalStatusOn(on) == status) {
        return Precondition(absl::StrCat(path, ".legal_status"),
                            absl::StrCat("the legal status is already ", status, " on ", Day(on)));
      }
      if (status == "V2" && PlacedWithParents(record.PlacementOn(on))) {
        return Precondition(absl::StrCat(path, ".legal_status"),
                            "V2 (single period of section 20) cannot apply while the child is "
                            "placed with parents (P1)");
      }
      return absl::OkStatus();
    }
    case ChildEvent::kPlacementChanged: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      if (e->placement_changed().placement().type() == "P1" && record.LegalStatusOn(on) == "V2") {
        return Precondition(absl::StrCat(path, ".placement.type"),
                            "P1 (placed with parents) cannot apply while the legal status is V2 "
                            "(single period of section 20)");
      }
      return absl::OkStatus();
    }
    case ChildEvent::kSection20ConsentRecorded:
    case ChildEvent::kSection20ConsentWithdrawn: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      const std::string status = record.LegalStatusOn(on);
      if (!codes::IsSection20(status)) {
        return Precondition(path, absl::StrCat("section 20 consent applies to legal status V2, "
                                               "V3 or V4; the legal status on ",
                                               Day(on), " is ", status));
      }
      if (e->has_section20_consent_recorded() &&
          e->section20_consent_recorded().consented_by() ==
              v1::Section20ConsentRecorded::CHILD_AGED_16_OR_17) {
        auto age = record.AgeOn(on);
        if (age && (*age < 16 || *age > 17)) {
          return Precondition(absl::StrCat(path, ".consented_by"),
                              absl::StrCat("the child is ", *age, " on ", Day(on),
                                           "; only a child aged 16 or 17 may consent alone"));
        }
      }
      return absl::OkStatus();
    }
    case ChildEvent::kPloStarted:
    case ChildEvent::kProceedingsIssued:
    case ChildEvent::kIroAllocated:
    case ChildEvent::kMidwayReviewCompleted:
    case ChildEvent::kPermanencePlanRecorded:
      return RequireLookedAfter(record, on, path);
    case ChildEvent::kReviewHeld: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      if (record.ReviewHeldOn(on)) {
        return Precondition(path, absl::StrCat("a review is already recorded on ", Day(on)));
      }
      const std::string& code = e->review_held().participation();
      if (auto age = record.AgeOn(on)) {
        if (code == "PN0" && *age >= 4) {
          return Precondition(
              absl::StrCat(path, ".participation"),
              absl::StrCat("PN0 is for children under 4; the child is ", *age, " on ", Day(on)));
        }
        if (code != "PN0" && *age < 4) {
          return Precondition(
              absl::StrCat(path, ".participation"),
              absl::StrCat("the child is under 4 on ", Day(on), ": the code is PN0"));
        }
      }
      return absl::OkStatus();
    }
    case ChildEvent::kSocialWorkerReportReceived: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      const absl::CivilDay review =
          *ParseIsoDate(e->social_worker_report_received().review_date(), "review_date");
      const PeriodOfCare* period = record.PeriodOn(on);
      if (review < period->start) {
        return Precondition(absl::StrCat(path, ".review_date"),
                            absl::StrCat(Day(review), " is before the period of care started (",
                                         Day(period->start), ")"));
      }
      return absl::OkStatus();
    }
    case ChildEvent::kRecommendationsIssued:
    case ChildEvent::kReviewRecordDistributed: {
      const std::string& review_text = e->has_recommendations_issued()
                                           ? e->recommendations_issued().review_date()
                                           : e->review_record_distributed().review_date();
      const absl::CivilDay review = *ParseIsoDate(review_text, "review_date");
      if (!record.ReviewHeldOn(review)) {
        return Precondition(absl::StrCat(path, ".review_date"),
                            absl::StrCat("no review held on ", review_text, " is recorded"));
      }
      if (on < review) {
        return Precondition(absl::StrCat(field, ".occurred_on"),
                            absl::StrCat(Day(on), " is before the review (", review_text, ")"));
      }
      return absl::OkStatus();
    }
    case ChildEvent::kChallengeRaised: {
      auto* b = e->mutable_challenge_raised();
      if (record.FindChallenge(b->challenge_id()) != nullptr) {
        return Precondition(absl::StrCat(path, ".challenge_id"),
                            absl::StrCat("challenge ", b->challenge_id(), " already exists"));
      }
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      b->set_theme(*policy.FindTheme(b->theme()));
      auto stage = ResolveStage(b->mutable_stage(), absl::StrCat(path, ".stage"), policy, 0);
      if (!stage.ok()) return stage.status();
      if (b->response_due_on().empty()) {
        auto due = DueDate(on, *stage, absl::StrCat(path, ".response_due_on"), ctx);
        if (!due.ok()) return due.status();
        b->set_response_due_on(*due);
      } else if (*ParseIsoDate(b->response_due_on(), "") < on) {
        return Invalid(absl::StrCat(path, ".response_due_on"), "is before the challenge");
      }
      return absl::OkStatus();
    }
    case ChildEvent::kChallengeResponded: {
      auto* b = e->mutable_challenge_responded();
      absl::Status st;
      const ChallengeState* c =
          OpenChallenge(record, b->challenge_id(), absl::StrCat(path, ".challenge_id"), &st);
      if (c == nullptr) return st;
      if (c->status == ChallengeState::Status::kResponded) {
        return Precondition(path, absl::StrCat("challenge ", c->id, " already has a response at ",
                                               c->stage_name, "; resolve or escalate it"));
      }
      auto stage = ResolveStage(b->mutable_stage(), absl::StrCat(path, ".stage"), policy, c->stage);
      if (!stage.ok()) return stage.status();
      if (*stage != c->stage) {
        return Precondition(absl::StrCat(path, ".stage"),
                            absl::StrCat("challenge ", c->id, " is at ", c->stage_name, ", not ",
                                         b->stage().name()));
      }
      return NotBeforeStage(*c, on, absl::StrCat(field, ".occurred_on"));
    }
    case ChildEvent::kChallengeEscalated: {
      auto* b = e->mutable_challenge_escalated();
      absl::Status st;
      const ChallengeState* c =
          OpenChallenge(record, b->challenge_id(), absl::StrCat(path, ".challenge_id"), &st);
      if (c == nullptr) return st;
      if (c->stage >= policy.last_stage()) {
        return Precondition(path, absl::StrCat(c->stage_name,
                                               " is the last stage; there is no higher stage to "
                                               "escalate to (a CAFCASS referral remains)"));
      }
      auto from = ResolveStage(b->mutable_from_stage(), absl::StrCat(path, ".from_stage"), policy,
                               c->stage);
      if (!from.ok()) return from.status();
      if (*from != c->stage) {
        return Precondition(absl::StrCat(path, ".from_stage"),
                            absl::StrCat("challenge ", c->id, " is at ", c->stage_name, ", not ",
                                         b->from_stage().name()));
      }
      auto to = ResolveStage(b->mutable_to_stage(), absl::StrCat(path, ".to_stage"), policy,
                             c->stage + 1);
      if (!to.ok()) return to.status();
      if (*to <= c->stage) {
        return Precondition(absl::StrCat(path, ".to_stage"),
                            absl::StrCat("can only escalate to a higher stage than ", c->stage_name,
                                         ", not to ", b->to_stage().name()));
      }
      if (b->reason() == v1::ChallengeEscalated::REASON_UNSPECIFIED) {
        b->set_reason(v1::ChallengeEscalated::IRO_DECISION);
      }
      if (auto s = NotBeforeStage(*c, on, absl::StrCat(field, ".occurred_on")); !s.ok()) return s;
      if (b->response_due_on().empty()) {
        auto due = DueDate(on, *to, absl::StrCat(path, ".response_due_on"), ctx);
        if (!due.ok()) return due.status();
        b->set_response_due_on(*due);
      } else if (*ParseIsoDate(b->response_due_on(), "") < on) {
        return Invalid(absl::StrCat(path, ".response_due_on"), "is before the escalation");
      }
      return absl::OkStatus();
    }
    case ChildEvent::kChallengeResolved: {
      auto* b = e->mutable_challenge_resolved();
      absl::Status st;
      const ChallengeState* c =
          OpenChallenge(record, b->challenge_id(), absl::StrCat(path, ".challenge_id"), &st);
      if (c == nullptr) return st;
      auto stage = ResolveStage(b->mutable_stage(), absl::StrCat(path, ".stage"), policy, c->stage);
      if (!stage.ok()) return stage.status();
      if (*stage != c->stage) {
        return Precondition(absl::StrCat(path, ".stage"),
                            absl::StrCat("challenge ", c->id, " is at ", c->stage_name, ", not ",
                                         b->stage().name()));
      }
      return NotBeforeStage(*c, on, absl::StrCat(field, ".occurred_on"));
    }
    case ChildEvent::kChallengeWithdrawn: {
      absl::Status st;
      const ChallengeState* c = OpenChallenge(record, e->challenge_withdrawn().challenge_id(),
                                              absl::StrCat(path, ".challenge_id"), &st);
      if (c == nullptr) return st;
      return NotBeforeStage(*c, on, absl::StrCat(field, ".occurred_on"));
    }
    case ChildEvent::kCafcassReferralMade: {
      const std::string& id = e->cafcass_referral_made().challenge_id();
      if (id.empty()) {
        if (record.periods().empty() || record.periods().front().start > on) {
          return Precondition(path, absl::StrCat("child ", record.child_id(),
                                                 " was not looked after before ", Day(on)));
        }
        return absl::OkStatus();
      }
      const ChallengeState* c = record.FindChallenge(id);
      if (c == nullptr) {
        return Precondition(absl::StrCat(path, ".challenge_id"),
                            absl::StrCat("no challenge '", id, "' for child ", record.child_id()));
      }
      if (c->cafcass_referred_on) {
        return Precondition(path, absl::StrCat("challenge ", id,
                                               " was already referred to "
                                               "CAFCASS on ",
                                               Day(*c->cafcass_referred_on)));
      }
      if (on < c->raised_on) {
        return Precondition(
            absl::StrCat(field, ".occurred_on"),
            absl::StrCat(Day(on), " is before the challenge was raised (", Day(c->raised_on), ")"));
      }
      return absl::OkStatus();
    }
    case ChildEvent::kDeadlineMissed: {
      const auto& b = e->deadline_missed();
      if (b.what() == "review" || b.what() == "review_recommendations" ||
          b.what() == "review_record") {
        auto due = ParseIsoDate(b.due_on(), absl::StrCat(path, ".due_on"));
        if (!due.ok()) return due.status();
        if (!record.LookedAfterOn(*due)) {
          return Precondition(path,
                              absl::StrCat("child ", record.child_id(),
                                           " is not looked after on the due date ", b.due_on()));
        }
        return absl::OkStatus();
      }
      if (b.what() != "challenge_response") {
        return Invalid(absl::StrCat(path, ".what"),
                       absl::StrCat("'", b.what(), "' is not a kind of deadline"));
      }
      const ChallengeState* c = record.FindChallenge(b.challenge_id());
      const int stage = static_cast<int>(b.stage().number());
      // After a late answer the stage's deadline was still missed (a fact of the dates), once.
      const ChallengeStep* answer = c == nullptr ? nullptr : c->AnswerAt(stage);
      if (answer != nullptr && !c->MissedAt(stage) &&
          (ctx.calendar == nullptr
               ? answer->late
               : AnswerLateness(*answer->answered_due_on, answer->on, *ctx.calendar).late)) {
        return absl::OkStatus();
      }
      if (c == nullptr || c->status != ChallengeState::Status::kAwaitingResponse ||
          c->stage != stage || c->overdue) {
        return Precondition(
            path, absl::StrCat("challenge ", b.challenge_id(),
                               " is not awaiting a response at stage ", b.stage().number()));
      }
      return absl::OkStatus();
    }
    case ChildEvent::kCorrection: {
      auto* b = e->mutable_correction();
      if (const ForeignEvent* foreign = record.FindForeign(b->supersedes_event_id())) {
        // Not a fact of the record: it can only be voided, and only by an admin.
        const std::string target = absl::StrCat(path, ".supersedes_event_id");
        if (!ctx.may_void_foreign_events) {
          return absl::PermissionDeniedError(absl::StrCat(
              target, ": event ", foreign->event_id, " (position ", foreign->position,
              ") is not a domain event of child ", record.child_id(),
              "; only an admin can void it (Admin.VoidForeignEvent, footprint admin void-event)"));
        }
        if (b->has_replacement()) {
          return Precondition(absl::StrCat(path, ".replacement"),
                              "an event that is not a domain event can be voided, not replaced: "
                              "record the fact it was meant to be with Intake.Record");
        }
        if (foreign->voided()) {
          return Precondition(target, absl::StrCat("event ", foreign->event_id,
                                                   " was already voided by ", foreign->voided_by));
        }
        return absl::OkStatus();
      }
      const std::string target_type = record.TypeOfEvent(b->supersedes_event_id());
      if (target_type.empty()) {
        return Precondition(absl::StrCat(path, ".supersedes_event_id"),
                            absl::StrCat("no event ", b->supersedes_event_id(), " in child ",
                                         record.child_id(), "'s record"));
      }
      if (IsChallengeEventType(target_type) || target_type == "Correction" ||
          target_type == "CafcassReferralMade") {
        return Precondition(absl::StrCat(path, ".supersedes_event_id"),
                            absl::StrCat("a ", target_type,
                                         " event cannot be corrected (challenge steps are "
                                         "changed with further challenge events; to change a "
                                         "correction, correct the original event again)"));
      }
      if (b->has_replacement()) {
        v1::ChildEvent* replacement = b->mutable_replacement();
        if (EventTypeOf(*replacement) != target_type) {
          return Precondition(
              absl::StrCat(path, ".replacement"),
              absl::StrCat("must be a ", target_type, " like the event it replaces"));
        }
        // The replacement must be acceptable in the record as it is without the event it
        // replaces, by the same rules as a new event.
        ChildRecord without = record;
        v1::ChildEvent void_target;
        void_target.set_child_id(record.child_id());
        void_target.set_occurred_on(e->occurred_on());
        void_target.mutable_correction()->set_supersedes_event_id(b->supersedes_event_id());
        without.Add("", void_target);
        if (auto st =
                CompleteAndValidate(without, replacement, absl::StrCat(path, ".replacement"), ctx);
            !st.ok()) {
          return st;
        }
      }
      // Replacing or voiding a fact must not leave the rest of the record stranded (voiding the
      // end of one period of care while a later one exists, say).
      if (record.Consistency().ok()) {
        ChildRecord after = record;
        after.Add("", *e);
        if (auto st = after.Consistency(); !st.ok()) {
          return Precondition(
              path, absl::StrCat("the corrected record would not hold together: ", st.message()));
        }
      }
      return absl::OkStatus();
    }
    case ChildEvent::BODY_NOT_SET:
      break;
  }
  return Invalid(field, "the event has no body");
}

}  // namespace footprint::domain
