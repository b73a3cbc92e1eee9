#include "workflow/deadlines.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/child_record.h"
#include "domain/england_time.h"
#include "projections/child_stream.h"

namespace footprint::workflow {

using projections::LoadChildRecord;
using projections::ToNewEvent;

using domain::AnswerLateness;
using domain::ChallengeState;
using domain::ChallengeStep;
using domain::ChildStream;
using domain::CompleteAndValidate;
using domain::DecodeChildEvent;
using domain::EscalationPolicy;
using domain::EscalationStage;
using domain::FormatIsoDate;
using domain::kChildStreamPrefix;
using domain::ParseIsoDate;
using domain::StartOfEnglandDay;
using domain::ValidationContext;
using domain::WorkingCalendar;

DeadlineEngine::DeadlineEngine(eventstore::EventStore* store, const Clock* clock)
    : store_(store), clock_(clock) {}

void DeadlineEngine::AddSource(DeadlineSource* source) {
  sources_.push_back(source);
  for (const std::string& type : source->event_types()) {
    auto& list = by_type_[type];
    if (list.empty()) filter_.event_types.push_back(type);
    list.push_back(source);
  }
}

absl::Status DeadlineEngine::CatchUp() {
  while (true) {
    eventstore::ChunkLimits limits;
    limits.max_events = 1000;
    auto chunk = store_->ReadAll(eventstore::GlobalPosition{next_position_}, filter_, limits);
    if (!chunk.ok()) return chunk.status();
    if (chunk->next_position.value == next_position_) break;
    for (const std::string& bytes : chunk->events) {
      v1::Event event;
      if (!event.ParseFromString(bytes)) {
        return absl::DataLossError("deadline engine: a stored event does not decode");
      }
      // Only domain events count: an event of the same type name in another stream, or one
      // in a child's stream that is not a domain event (ForeignReason; the children projection
      // lists it), sets no deadline.
      if (!absl::StartsWith(event.stream(), kChildStreamPrefix)) continue;
      const std::string child = event.stream().substr(kChildStreamPrefix.size());
      v1::ChildEvent body;
      if (!DecodeChildEvent(event, child, &body).empty()) continue;
      for (DeadlineSource* source : by_type_[event.type()]) {
        if (auto st = source->Apply(event); !st.ok()) {
          return absl::Status(st.code(), absl::StrCat("deadline source '", source->name(),
                                                      "' cannot apply event at position ",
                                                      event.position(), ": ", st.message()));
        }
      }
    }
    next_position_ = chunk->next_position.value;
  }
  for (DeadlineSource* source : sources_) {
    if (auto st = source->Refresh(); !st.ok()) {
      return absl::Status(st.code(),
                          absl::StrCat("deadline source '", source->name(), "': ", st.message()));
    }
  }
  return absl::OkStatus();
}

std::vector<PendingDeadline> DeadlineEngine::Pending() const {
  std::vector<PendingDeadline> all;
  for (const DeadlineSource* source : sources_) {
    auto pending = source->Pending();
    all.insert(all.end(), pending.begin(), pending.end());
  }
  std::sort(all.begin(), all.end(), [](const PendingDeadline& a, const PendingDeadline& b) {
    return a.fires_at < b.fires_at || (a.fires_at == b.fires_at && a.key < b.key);
  });
  return all;
}

std::vector<std::pair<std::string, size_t>> DeadlineEngine::PendingBySource() const {
  std::vector<std::pair<std::string, size_t>> counts;
  for (const DeadlineSource* source : sources_) {
    counts.emplace_back(source->name(), source->Pending().size());
  }
  return counts;
}

RecordReads DeadlineEngine::record_reads() const {
  RecordReads all;
  for (const DeadlineSource* source : sources_) {
    const RecordReads reads = source->record_reads();
    all.from_read_model += reads.from_read_model;
    all.from_store += reads.from_store;
  }
  return all;
}

std::optional<absl::Time> DeadlineEngine::NextDue() const {
  std::optional<absl::Time> next;
  for (const DeadlineSource* source : sources_) {
    for (const PendingDeadline& d : source->Pending()) {
      absl::Time at = d.fires_at;
      if (auto it = retry_after_.find(d.key); it != retry_after_.end()) {
        at = std::max(at, it->second);
      }
      if (!next || at < *next) next = at;
    }
  }
  return next;
}

absl::StatusOr<int> DeadlineEngine::FireDue() {
  int written = 0;
  std::map<std::string, int> attempts;  // per key, within this call
  constexpr int kMaxAttemptsPerKey = 3;
  const auto back_off = [&](const PendingDeadline& deadline, std::string why) {
    ++stats_.failures;
    stats_.last_failure = deadline.key + ": " + std::move(why);
    retry_after_[deadline.key] = clock_->Now() + kRetryDelay;
  };
  // Each round handles what is due; a round that wrote something may have made a later stage's
  // deadline due as well (an outage longer than a stage), so look again.
  for (int round = 0; round < 10000; ++round) {
    if (auto st = CatchUp(); !st.ok()) return st;
    const absl::Time now = clock_->Now();
    bool progressed = false;
    std::set<std::string> pending_keys;
    // Everything due, earliest first across sources, so that what an outage held back is
    // recorded in the order it happened.
    std::vector<std::pair<DeadlineSource*, PendingDeadline>> due;
    for (DeadlineSource* source : sources_) {
      for (PendingDeadline& deadline : source->Pending()) {
        pending_keys.insert(deadline.key);
        if (deadline.fires_at <= now) due.emplace_back(source, std::move(deadline));
      }
    }
    std::stable_sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
      return a.second.fires_at < b.second.fires_at;
    });
    {
      for (auto& [source, deadline] : due) {
        if (attempts[deadline.key] >= kMaxAttemptsPerKey) continue;
        if (auto it = retry_after_.find(deadline.key);
            it != retry_after_.end() && it->second > now) {
          continue;
        }
        ++attempts[deadline.key];
        auto action = source->OnDue(deadline);
        if (!action.ok()) {
          back_off(deadline, action.status().ToString());
          continue;
        }
        if (!*action) {
          back_off(deadline, "pending, but its source does not act on it");
          continue;
        }
        auto result = store_->Append(std::move(**action));
        if (result.ok()) {
          retry_after_.erase(deadline.key);
          if (result->duplicate) {
            ++stats_.already;
          } else {
            ++stats_.fired;
            ++written;
          }
          progressed = true;
        } else if (result.status().code() == absl::StatusCode::kAborted) {
          ++stats_.conflicts;  // the child's stream moved on: catch up and decide again
          progressed = true;
        } else {
          back_off(deadline, result.status().ToString());
        }
      }
    }
    // Forget back-offs of deadlines that are no longer pending.
    for (auto it = retry_after_.begin(); it != retry_after_.end();) {
      it = pending_keys.contains(it->first) ? std::next(it) : retry_after_.erase(it);
    }
    if (!progressed) break;
  }
  return written;
}

// ------------------------------------------------------------------------------------------

namespace {

std::string ChallengeKey(absl::string_view challenge_id, int stage) {
  return absl::StrCat("challenge/", challenge_id, "/stage/", stage, "/response");
}

}  // namespace

ChallengeDeadlines::ChallengeDeadlines(const eventstore::EventStore* store,
                                       const EscalationPolicy* policy,
                                       const WorkingCalendar* calendar)
    : store_(store), policy_(policy), calendar_(calendar) {}

std::vector<std::string> ChallengeDeadlines::event_types() const {
  return {"ChallengeRaised",   "ChallengeResponded", "ChallengeEscalated",
          "ChallengeResolved", "ChallengeWithdrawn", "DeadlineMissed"};
}

std::string ChallengeDeadlines::MissedEventId(absl::string_view challenge_id, int stage) {
  return eventstore::EventId::FromName(kDeadlineIdNamespace,
                                       absl::StrCat(ChallengeKey(challenge_id, stage), "/missed"))
      .ToString();
}

std::string ChallengeDeadlines::EscalatedEventId(absl::string_view challenge_id, int stage) {
  return eventstore::EventId::FromName(
             kDeadlineIdNamespace, absl::StrCat(ChallengeKey(challenge_id, stage), "/escalated"))
      .ToString();
}

ValidationContext ChallengeDeadlines::SystemContext(absl::CivilDay today) const {
  // The engine's own appends are checked by the intake's rules, as of the day they fire.
  ValidationContext ctx;
  ctx.today = today;
  ctx.policy = policy_;
  ctx.calendar = calendar_;
  ctx.system = true;
  return ctx;
}

absl::Status ChallengeDeadlines::Apply(const v1::Event& event) {
  v1::ChildEvent e;
  if (!e.ParseFromString(event.data())) {
    return absl::DataLossError("payload is not a footprint.v1.ChildEvent");
  }
  // A stage raised or escalated to now awaits its response, due on `due_text`.
  const auto await_stage = [&](const std::string& challenge_id, const v1::StageRef& stage,
                               const std::string& due_text) -> absl::Status {
    auto day = ParseIsoDate(due_text, "response_due_on");
    if (!day.ok()) return day.status();
    awaiting_[challenge_id] = Awaiting{e.child_id(), static_cast<int>(stage.number()), *day};
    return absl::OkStatus();
  };
  switch (e.body_case()) {
    case v1::ChildEvent::kChallengeRaised: {
      const auto& b = e.challenge_raised();
      return await_stage(b.challenge_id(), b.stage(), b.response_due_on());
    }
    case v1::ChildEvent::kChallengeEscalated: {
      const auto& b = e.challenge_escalated();
      return await_stage(b.challenge_id(), b.to_stage(), b.response_due_on());
    }
    case v1::ChildEvent::kChallengeResponded:
    case v1::ChildEvent::kChallengeResolved: {
      auto on = ParseIsoDate(e.occurred_on(), "occurred_on");
      if (!on.ok()) return on.status();
      Answered(e.has_challenge_responded() ? e.challenge_responded().challenge_id()
                                           : e.challenge_resolved().challenge_id(),
               *on);
      break;
    }
    case v1::ChildEvent::kChallengeWithdrawn:
      awaiting_.erase(e.challenge_withdrawn().challenge_id());
      break;
    case v1::ChildEvent::kDeadlineMissed: {
      // Missed at this stage: nothing more is due there (an escalation, if any, follows).
      const std::string& id = e.deadline_missed().challenge_id();
      const int stage = static_cast<int>(e.deadline_missed().stage().number());
      auto it = awaiting_.find(id);
      if (it != awaiting_.end() && it->second.stage == stage) awaiting_.erase(it);
      late_.erase(ChallengeKey(id, stage));
      break;
    }
    default:
      break;
  }
  return absl::OkStatus();
}

void ChallengeDeadlines::Answered(const std::string& challenge_id, absl::CivilDay on) {
  auto it = awaiting_.find(challenge_id);
  // Not awaited (a resolution after a response, or a stage already missed): it answers nothing.
  if (it == awaiting_.end()) return;
  if (AnswerLateness(it->second.due_on, on, *calendar_).late) {
    late_[ChallengeKey(challenge_id, it->second.stage)] = {challenge_id, it->second};
  }
  awaiting_.erase(it);
}

std::vector<PendingDeadline> ChallengeDeadlines::Pending() const {
  std::vector<PendingDeadline> pending;
  std::vector<std::pair<std::string, const Awaiting*>> all;
  for (const auto& [id, a] : awaiting_) all.emplace_back(id, &a);
  for (const auto& [key, late] : late_) all.emplace_back(late.first, &late.second);
  for (const auto& [id, ap] : all) {
    const Awaiting& a = *ap;
    PendingDeadline d;
    d.key = ChallengeKey(id, a.stage);
    d.due_on = a.due_on;
    auto fires_on = calendar_->NextWorkingDay(a.due_on);
    // A due date beyond the calendar cannot be counted; it waits for a calendar update.
    d.fires_at = fires_on.ok() ? StartOfEnglandDay(*fires_on) : absl::InfiniteFuture();
    const std::string stage = a.stage < static_cast<int>(policy_->stages.size())
                                  ? policy_->stages[a.stage].name
                                  : absl::StrCat("stage ", a.stage);
    d.description =
        absl::StrCat("challenge ", id, ": ", stage, " response due ", FormatIsoDate(a.due_on));
    pending.push_back(std::move(d));
  }
  return pending;
}

absl::StatusOr<std::optional<eventstore::AppendRequest>> ChallengeDeadlines::OnDue(
    const PendingDeadline& deadline) {
  const size_t stage_at = deadline.key.rfind("/stage/");
  if (deadline.key.rfind("challenge/", 0) != 0 || stage_at == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("not a challenge deadline: ", deadline.key));
  }
  const std::string challenge_id = deadline.key.substr(10, stage_at - 10);
  if (auto late = late_.find(deadline.key); late != late_.end()) {
    const Awaiting answered = late->second.second;
    return OnLateAnswer(deadline, challenge_id, answered);
  }
  auto it = awaiting_.find(challenge_id);
  if (it == awaiting_.end()) return std::nullopt;
  const std::string child_id = it->second.child_id;

  // Decide on the child's whole record, as read now, with the same rules as intake.
  auto record = LoadChildRecord(*store_, child_id);
  if (!record.ok()) return record.status();
  const ChallengeState* c = record->FindChallenge(challenge_id);
  if (c == nullptr || c->status != ChallengeState::Status::kAwaitingResponse || c->overdue ||
      !c->response_due_on || c->stage != it->second.stage) {
    return std::nullopt;
  }
  auto fires_on = calendar_->NextWorkingDay(*c->response_due_on);
  if (!fires_on.ok()) return fires_on.status();
  const int stage = c->stage;
  if (stage > policy_->last_stage()) {
    return absl::FailedPreconditionError(
        absl::StrCat("challenge ", challenge_id, " is at stage ", stage,
                     ", which the current escalation policy does not have"));
  }
  const EscalationStage& policy_stage = policy_->stages[stage];

  const ValidationContext ctx = SystemContext(*fires_on);

  eventstore::AppendRequest append;
  append.stream = ChildStream(child_id);
  append.expected = record->event_count() == 0
                        ? eventstore::ExpectedVersion::NoStream()
                        : eventstore::ExpectedVersion::Exact(
                              eventstore::StreamVersion{record->event_count() - 1});

  v1::ChildEvent missed;
  missed.set_child_id(child_id);
  missed.set_occurred_on(FormatIsoDate(*fires_on));
  auto* m = missed.mutable_deadline_missed();
  m->set_what("challenge_response");
  m->set_rule(absl::StrCat(policy_stage.name, " (", policy_stage.role, ") to respond within ",
                           policy_stage.response_working_days, " working days"));
  m->set_due_on(FormatIsoDate(*c->response_due_on));
  m->set_challenge_id(challenge_id);
  m->mutable_stage()->set_number(static_cast<uint32_t>(stage));
  m->mutable_stage()->set_name(c->stage_name);
  if (auto st = CompleteAndValidate(*record, &missed, "deadline_missed", ctx); !st.ok()) return st;
  const std::string missed_id = MissedEventId(challenge_id, stage);
  record->Add(missed_id, missed);
  append.events.push_back(ToNewEvent(missed, missed_id, kSystemSource, kSystemActor, deadline.key));

  if (policy_->auto_escalate_on_silence && stage < policy_->last_stage()) {
    // (Never after a late answer: OnLateAnswer records the DeadlineMissed alone.)
    v1::ChildEvent escalated;
    escalated.set_child_id(child_id);
    escalated.set_occurred_on(FormatIsoDate(*fires_on));
    auto* x = escalated.mutable_challenge_escalated();
    x->set_challenge_id(challenge_id);
    x->set_reason(v1::ChallengeEscalated::NO_RESPONSE);
    if (auto st = CompleteAndValidate(*record, &escalated, "challenge_escalated", ctx); !st.ok()) {
      return st;
    }
    append.events.push_back(ToNewEvent(escalated, EscalatedEventId(challenge_id, stage),
                                       kSystemSource, kSystemActor, deadline.key));
  }
  return std::optional<eventstore::AppendRequest>(std::move(append));
}

absl::StatusOr<std::optional<eventstore::AppendRequest>> ChallengeDeadlines::OnLateAnswer(
    const PendingDeadline& deadline, const std::string& challenge_id, const Awaiting& late) {
  auto record = LoadChildRecord(*store_, late.child_id);
  if (!record.ok()) return record.status();
  const ChallengeState* c = record->FindChallenge(challenge_id);
  const ChallengeStep* answer = c == nullptr ? nullptr : c->AnswerAt(late.stage);
  // Already recorded (by the timer, or by an earlier run), or the record no longer shows a late
  // answer: nothing to do, now or later.
  if (answer == nullptr || c->MissedAt(late.stage) || !answer->answered_due_on ||
      !AnswerLateness(*answer->answered_due_on, answer->on, *calendar_).late) {
    late_.erase(deadline.key);
    return std::nullopt;
  }
  const absl::CivilDay due_on = *answer->answered_due_on;
  auto fires_on = calendar_->NextWorkingDay(due_on);
  if (!fires_on.ok()) return fires_on.status();
  if (late.stage > policy_->last_stage()) {
    return absl::FailedPreconditionError(
        absl::StrCat("challenge ", challenge_id, " was at stage ", late.stage,
                     ", which the current escalation policy does not have"));
  }
  const EscalationStage& policy_stage = policy_->stages[late.stage];

  const ValidationContext ctx = SystemContext(*fires_on);

  eventstore::AppendRequest append;
  append.stream = ChildStream(late.child_id);
  append.expected =
      eventstore::ExpectedVersion::Exact(eventstore::StreamVersion{record->event_count() - 1});
  // The same event, id and content as the timer's (OnDue), so that either path writes it once.
  v1::ChildEvent missed;
  missed.set_child_id(late.child_id);
  missed.set_occurred_on(FormatIsoDate(*fires_on));
  auto* m = missed.mutable_deadline_missed();
  m->set_what("challenge_response");
  m->set_rule(absl::StrCat(policy_stage.name, " (", policy_stage.role, ") to respond within ",
                           policy_stage.response_working_days, " working days"));
  m->set_due_on(FormatIsoDate(due_on));
  m->set_challenge_id(challenge_id);
  m->mutable_stage()->set_number(static_cast<uint32_t>(late.stage));
  m->mutable_stage()->set_name(answer->stage_name);
  if (auto st = CompleteAndValidate(*record, &missed, "deadline_missed", ctx); !st.ok()) return st;
  append.events.push_back(ToNewEvent(missed, MissedEventId(challenge_id, late.stage), kSystemSource,
                                     kSystemActor, deadline.key));
  return std::optional<eventstore::AppendRequest>(std::move(append));
}

}  // namespace footprint::workflow
