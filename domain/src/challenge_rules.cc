// The challenge family: the dispute resolution process (ChallengeRaised ... ChallengeWithdrawn,
// CAFCASS referrals, and DeadlineMissed, which the service records for a challenge's response or
// a review's deadline), and when an answer to a stage is late.
// Each event's field rules (CheckFields: codes, formats, required values; no record needed),
// state rules (CheckState: what the child's record must allow, filling in what the service
// computes) and application (Apply: what the fact changes in the record) are here, and only here;
// child_record.cc dispatches to them (docs/domain-events.md).
// Challenge events are commands, applied in stream order (ApplyCommand); a CAFCASS referral
// outside any challenge is a fact of the child (ApplyFact).
#include "event_rules.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace footprint::domain {
namespace {

const char* kChallengeTypes[] = {"ChallengeRaised",   "ChallengeResponded", "ChallengeEscalated",
                                 "ChallengeResolved", "ChallengeWithdrawn", "DeadlineMissed"};

}  // namespace

bool IsChallengeEventType(absl::string_view type) {
  return std::find(std::begin(kChallengeTypes), std::end(kChallengeTypes), type) !=
         std::end(kChallengeTypes);
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
namespace internal {

using v1::ChildEvent;

namespace {

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

// A stage's response deadline in `*due_on` (a raise's or an escalation's): counted from `on` in
// the stage's working days when not given, else refused if before `on` (`what`).
absl::Status FillResponseDue(std::string* due_on, absl::CivilDay on, int stage,
                             absl::string_view path, absl::string_view what,
                             const ValidationContext& ctx) {
  if (due_on->empty()) {
    auto due = DueDate(on, stage, absl::StrCat(path, ".response_due_on"), ctx);
    if (!due.ok()) return due.status();
    *due_on = *due;
  } else if (*ParseIsoDate(*due_on, "") < on) {
    return Invalid(absl::StrCat(path, ".response_due_on"), absl::StrCat("is before the ", what));
  }
  return absl::OkStatus();
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

// A response or resolution answers the stage the challenge is at (`stage` names it, or is
// filled with it), on or after the day it reached that stage.
absl::Status AnswersCurrentStage(const ChallengeState& c, v1::StageRef* stage, absl::CivilDay on,
                                 absl::string_view path, absl::string_view field,
                                 const EscalationPolicy& policy) {
  auto number = ResolveStage(stage, absl::StrCat(path, ".stage"), policy, c.stage);
  if (!number.ok()) return number.status();
  if (*number != c.stage) {
    return Precondition(
        absl::StrCat(path, ".stage"),
        absl::StrCat("challenge ", c.id, " is at ", c.stage_name, ", not ", stage->name()));
  }
  return NotBeforeStage(c, on, absl::StrCat(field, ".occurred_on"));
}

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

// The challenge a challenge event names, then one text field of it: the shape of most of them.
absl::Status CheckChallengeAndText(absl::string_view path, absl::string_view challenge_id,
                                   bool id_required, absl::string_view field,
                                   absl::string_view text, bool text_required) {
  if (auto st = CheckId(challenge_id, absl::StrCat(path, ".challenge_id"), id_required); !st.ok()) {
    return st;
  }
  return CheckText(text, absl::StrCat(path, ".", field), text_required);
}

}  // namespace

absl::Status ChallengeRules::CheckFields(const ChildEvent& e, absl::string_view path,
                                         const ValidationContext& ctx) {
  const absl::CivilDay today = ctx.today;
  switch (e.body_case()) {
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
      if (auto st = CheckChallengeAndText(path, b.challenge_id(), true, "responded_by",
                                          b.responded_by(), false);
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
      return CheckChallengeAndText(path, b.challenge_id(), true, "outcome", b.outcome(), true);
    }
    case ChildEvent::kChallengeWithdrawn: {
      const auto& b = e.challenge_withdrawn();
      return CheckChallengeAndText(path, b.challenge_id(), true, "reason", b.reason(), false);
    }
    case ChildEvent::kCafcassReferralMade: {
      // A referral may be made outside any challenge: its challenge_id is optional.
      const auto& b = e.cafcass_referral_made();
      return CheckChallengeAndText(path, b.challenge_id(), false, "reason", b.reason(), false);
    }
    case ChildEvent::kDeadlineMissed:
      if (!ctx.system) {
        return Invalid(path,
                       "DeadlineMissed events are appended by Footprint itself, not "
                       "recorded by council systems");
      }
      return absl::OkStatus();
    default:
      break;
  }
  return NotInFamily(e, path, "challenge");
}

absl::Status ChallengeRules::CheckState(const ChildRecord& record, ChildEvent* e, absl::CivilDay on,
                                        absl::string_view path, absl::string_view field,
                                        const ValidationContext& ctx) {
  const EscalationPolicy& policy = *ctx.policy;
  switch (e->body_case()) {
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
      return FillResponseDue(b->mutable_response_due_on(), on, *stage, path, "challenge", ctx);
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
      return AnswersCurrentStage(*c, b->mutable_stage(), on, path, field, policy);
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
      return FillResponseDue(b->mutable_response_due_on(), on, *to, path, "escalation", ctx);
    }
    case ChildEvent::kChallengeResolved: {
      auto* b = e->mutable_challenge_resolved();
      absl::Status st;
      const ChallengeState* c =
          OpenChallenge(record, b->challenge_id(), absl::StrCat(path, ".challenge_id"), &st);
      if (c == nullptr) return st;
      return AnswersCurrentStage(*c, b->mutable_stage(), on, path, field, policy);
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
    default:
      break;
  }
  return NotInFamily(*e, path, "challenge");
}

void ChallengeRules::ApplyFact(const ChildEvent& e, absl::CivilDay on, ChildRecord* record) {
  switch (e.body_case()) {
    case ChildEvent::kCafcassReferralMade:
      record->child_referrals_.push_back(on);
      break;
    default:
      break;
  }
}

void ChallengeRules::ApplyCommand(const ChildRecord::Entry& entry, ChildRecord* record) {
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
  // The challenge an event after the raise names; an event naming none is not applied.
  const auto named = [record](const std::string& id) -> ChallengeState* {
    auto it = record->challenges_.find(id);
    return it == record->challenges_.end() ? nullptr : &it->second;
  };
  ChallengeState* c = nullptr;
  switch (e.body_case()) {
    case ChildEvent::kChallengeRaised: {
      const auto& b = e.challenge_raised();
      ChallengeState& created = record->challenges_[b.challenge_id()];
      created.id = b.challenge_id();
      created.child_id = record->child_id_;
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
      c = named(e.challenge_responded().challenge_id());
      if (c == nullptr) return;
      MarkAnswer(*c, on, &step);
      c->status = ChallengeState::Status::kResponded;
      c->response_due_on.reset();
      step.kind = "responded";
      step.detail = e.challenge_responded().response();
      break;
    }
    case ChildEvent::kChallengeEscalated: {
      const auto& b = e.challenge_escalated();
      c = named(b.challenge_id());
      if (c == nullptr) return;
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
      c = named(e.challenge_resolved().challenge_id());
      if (c == nullptr) return;
      MarkAnswer(*c, on, &step);
      c->status = ChallengeState::Status::kResolved;
      c->closed_on = on;
      c->response_due_on.reset();
      step.kind = "resolved";
      step.detail = e.challenge_resolved().outcome();
      break;
    }
    case ChildEvent::kChallengeWithdrawn: {
      c = named(e.challenge_withdrawn().challenge_id());
      if (c == nullptr) return;
      c->status = ChallengeState::Status::kWithdrawn;
      c->closed_on = on;
      c->response_due_on.reset();
      step.kind = "withdrawn";
      step.detail = e.challenge_withdrawn().reason();
      break;
    }
    case ChildEvent::kCafcassReferralMade: {
      c = named(e.cafcass_referral_made().challenge_id());
      if (c == nullptr) return;
      c->cafcass_referred_on = on;
      step.kind = "cafcass_referral";
      step.detail = e.cafcass_referral_made().reason();
      break;
    }
    case ChildEvent::kDeadlineMissed: {
      const auto& b = e.deadline_missed();
      c = named(b.challenge_id());
      if (c == nullptr) return;
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

}  // namespace internal
}  // namespace footprint::domain
