#include "services/domain_services.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "on_pool.h"
#include "services/event_store_service.h"

namespace footprint::services {
namespace {

constexpr char kDefaultSource[] = "footprint";

Recorder RecorderOf(const v1::CommandContext& context, const Caller& caller) {
  Recorder r;
  r.principal = caller.identity;
  r.source_system = context.source_system().empty() ? kDefaultSource : context.source_system();
  r.actor = context.actor();
  return r;
}

absl::Status CheckCommand(const v1::CommandContext& context) {
  if (context.actor().empty()) {
    return absl::InvalidArgumentError("context.actor: required (who gives the command)");
  }
  return absl::OkStatus();
}

// The day of a command: given, or today in England.
absl::StatusOr<std::string> CommandDate(const v1::CommandContext& context,
                                        const ChildRecorder& recorder) {
  if (context.date().empty()) return domain::FormatIsoDate(recorder.Today());
  if (auto day = domain::ParseIsoDate(context.date(), "context.date"); !day.ok())
    return day.status();
  return context.date();
}

std::string ChildOf(const std::string& challenge_id) {
  return domain::ChildOfChallenge(challenge_id);
}

absl::Status CheckChallengeId(const std::string& challenge_id) {
  if (challenge_id.empty()) return absl::InvalidArgumentError("challenge_id: required");
  if (ChildOf(challenge_id).empty() || challenge_id.back() == ':') {
    return absl::InvalidArgumentError(absl::StrCat("challenge_id: '", RecordedText(challenge_id),
                                                   "' is not '<child id>:<number>'"));
  }
  return domain::ValidateChildId(ChildOf(challenge_id), "challenge_id");
}

// Whether a step that answers its stage came late (the record's mark, from the dates).
void SetAnswer(const domain::ChallengeStep& s, v1::ChallengeStepView* step) {
  if (!s.answers_stage()) return;
  step->set_answered_deadline(domain::FormatIsoDate(*s.answered_due_on));
  step->set_late(s.late);
  step->set_working_days_late(s.working_days_late);
}

// Only what one command recorded: the challenge's id, its child and the steps whose events are
// `event_ids` (this request's, or the original request's on a retry), without their free text.
// Nothing of other steps, nor of the challenge's state, which later steps may have changed.
v1::ChallengeView RecordedView(const domain::ChallengeState& c,
                               const std::vector<std::string>& event_ids) {
  v1::ChallengeView view;
  view.set_id(c.id);
  view.set_child_id(c.child_id);
  view.set_partial(true);
  for (const domain::ChallengeStep& s : c.steps) {
    if (std::find(event_ids.begin(), event_ids.end(), s.event_id) == event_ids.end()) continue;
    v1::ChallengeStepView* step = view.add_steps();
    step->set_kind(s.kind);
    step->set_date(domain::FormatIsoDate(s.on));
    step->mutable_stage()->set_number(static_cast<uint32_t>(s.stage));
    step->mutable_stage()->set_name(s.stage_name);
    if (s.due_on) step->set_deadline(domain::FormatIsoDate(*s.due_on));
    SetAnswer(s, step);
    step->set_event_id(s.event_id);
    step->set_position(s.position);
  }
  return view;
}

}  // namespace

v1::ChallengeView ToView(const domain::ChallengeState& c) {
  v1::ChallengeView view;
  view.set_id(c.id);
  view.set_child_id(c.child_id);
  view.set_iro_id(c.iro_id);
  view.set_theme(c.theme);
  view.set_issue(c.issue);
  view.mutable_stage()->set_number(static_cast<uint32_t>(c.stage));
  view.mutable_stage()->set_name(c.stage_name);
  view.set_status(domain::ChallengeState::StatusName(c.status));
  view.set_raised_on(domain::FormatIsoDate(c.raised_on));
  if (c.response_due_on) view.set_deadline(domain::FormatIsoDate(*c.response_due_on));
  view.set_overdue(c.overdue);
  if (c.cafcass_referred_on)
    view.set_cafcass_referred_on(domain::FormatIsoDate(*c.cafcass_referred_on));
  if (c.closed_on) view.set_closed_on(domain::FormatIsoDate(*c.closed_on));
  for (const domain::ChallengeStep& s : c.steps) {
    v1::ChallengeStepView* step = view.add_steps();
    step->set_kind(s.kind);
    step->set_date(domain::FormatIsoDate(s.on));
    step->mutable_stage()->set_number(static_cast<uint32_t>(s.stage));
    step->mutable_stage()->set_name(s.stage_name);
    step->set_detail(s.detail);
    if (s.due_on) step->set_deadline(domain::FormatIsoDate(*s.due_on));
    SetAnswer(s, step);
    step->set_event_id(s.event_id);
    step->set_position(s.position);
  }
  return view;
}

// ------------------------------------------------------------------------------------------
// Intake

grpc::ServerUnaryReactor* IntakeService::Record(grpc::CallbackServerContext* context,
                                                const v1::RecordRequest* request,
                                                v1::RecordResponse* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Intake.Record"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->Authorize(*context, Right::kAppend);
    if (!caller.ok()) return caller.status();
    for (int i = 0; i < request->events_size(); ++i) {
      if (auto st =
              access_->CheckEventType(*caller, domain::EventTypeOf(request->events(i).event()),
                                      absl::StrCat("events[", i, "]"));
          !st.ok()) {
        return st;
      }
    }
    if (request->source_system().empty()) {
      return absl::InvalidArgumentError("source_system: required (which council system records)");
    }
    if (request->recorded_by().empty()) {
      return absl::InvalidArgumentError("recorded_by: required (who records)");
    }
    if (request->events().empty()) {
      return absl::InvalidArgumentError("events: at least one event is required");
    }
    Recorder recorder{request->source_system(), request->recorded_by(), request->correlation_id(),
                      caller->identity};
    auto outcome = recorder_->Record(
        request->child_id(),
        [request](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
          std::vector<Submission> submissions;
          for (const v1::Submission& s : request->events()) {
            submissions.push_back(Submission{s.event_id(), s.event()});
          }
          return submissions;
        },
        recorder);
    if (!outcome.ok()) return outcome.status();
    response->set_stream(domain::ChildStream(request->child_id()));
    response->set_first_version(outcome->append.first_version.value);
    response->set_last_version(outcome->append.last_version.value);
    response->set_first_position(outcome->append.first_position.value);
    response->set_last_position(outcome->append.last_position.value);
    for (const auto& id : outcome->append.event_ids) response->add_event_ids(id);
    response->set_duplicate(outcome->append.duplicate);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::RecordImportRun(grpc::CallbackServerContext* context,
                                                         const v1::RecordImportRunRequest* request,
                                                         v1::RecordImportRunResponse* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Intake.RecordImportRun"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->Authorize(*context, Right::kAppend);
    if (!caller.ok()) return caller.status();
    if (auto st = access_->CheckEventType(*caller, domain::kImportRunEventType, "run"); !st.ok()) {
      return st;
    }
    if (!request->event_id().empty()) {
      if (auto id = eventstore::EventId::Parse(request->event_id(), "event_id"); !id.ok()) {
        return id.status();
      }
    }
    Recorder recorder{request->run().source_system(), request->run().recorded_by(), "",
                      caller->identity};
    auto result = recorder_->RecordImportRun(request->run(), request->event_id(), recorder);
    if (!result.ok()) return result.status();
    response->set_position(result->first_position.value);
    return absl::OkStatus();
  });
}

// ------------------------------------------------------------------------------------------
// Challenges

absl::StatusOr<bool> ChallengesService::RecordIfPurpose(const grpc::ServerContextBase& server,
                                                        Caller* caller, absl::string_view method,
                                                        const std::string& child_id,
                                                        absl::string_view scope) const {
  auto purpose = AccessControl::Purpose(server);
  if (!purpose.ok()) return purpose.status();
  if (purpose->empty()) return false;
  caller->purpose = *std::move(purpose);
  if (auto st = access_->RecordRead(server, *caller, method, domain::ChildStream(child_id), scope);
      !st.ok()) {
    return st;
  }
  return true;
}

absl::StatusOr<v1::ChallengeView> ChallengesService::Step(const grpc::ServerContextBase& server,
                                                          absl::string_view method,
                                                          const v1::CommandContext& context,
                                                          const std::string& challenge_id,
                                                          v1::ChildEvent event) const {
  auto caller = access_->Authorize(server, Right::kChallenge);
  if (!caller.ok()) return caller.status();
  if (auto st = CheckCommand(context); !st.ok()) return st;
  if (auto st = CheckChallengeId(challenge_id); !st.ok()) return st;
  auto date = CommandDate(context, *recorder_);
  if (!date.ok()) return date.status();
  const std::string child_id = ChildOf(challenge_id);
  // Recorded before the step is taken: its answer, even a refusal, tells of the child's record.
  auto whole = RecordIfPurpose(server, &caller.value(), method, child_id,
                               absl::StrCat("challenge ", challenge_id));
  if (!whole.ok()) return whole.status();
  event.set_child_id(child_id);
  event.set_occurred_on(*date);
  auto outcome = recorder_->Record(
      child_id,
      [&](const domain::ChildRecord& record) -> absl::StatusOr<std::vector<Submission>> {
        if (record.FindChallenge(challenge_id) == nullptr) {
          return absl::NotFoundError(
              absl::StrCat("challenge_id: no challenge '", challenge_id, "'"));
        }
        return std::vector<Submission>{Submission{context.event_id(), event}};
      },
      RecorderOf(context, *caller));
  if (!outcome.ok()) return outcome.status();
  const domain::ChallengeState* c = outcome->record.FindChallenge(challenge_id);
  if (c == nullptr) return absl::InternalError("the challenge is not in the record");
  return *whole ? ToView(*c) : RecordedView(*c, outcome->append.event_ids);
}

grpc::ServerUnaryReactor* ChallengesService::Raise(grpc::CallbackServerContext* context,
                                                   const v1::RaiseChallengeRequest* request,
                                                   v1::ChallengeView* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Challenges.Raise"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->Authorize(*context, Right::kChallenge);
    if (!caller.ok()) return caller.status();
    if (auto st = CheckCommand(request->context()); !st.ok()) return st;
    if (request->stage().empty()) {
      return absl::InvalidArgumentError("stage: required ('informal' or a formal stage)");
    }
    auto stage = recorder_->policy().FindStage(request->stage());
    if (!stage) {
      return absl::InvalidArgumentError(
          absl::StrCat("stage: '", request->stage(), "' is not a stage of this council"));
    }
    auto date = CommandDate(request->context(), *recorder_);
    if (!date.ok()) return date.status();
    const std::string& child_id = request->child_id();
    if (auto st = domain::ValidateChildId(child_id, "child_id"); !st.ok()) return st;
    auto whole = RecordIfPurpose(*context, &caller.value(), "Challenges.Raise", child_id,
                                 "the challenge it raises");
    if (!whole.ok()) return whole.status();
    std::string challenge_id;
    auto outcome = recorder_->Record(
        child_id,
        [&](const domain::ChildRecord& record) -> absl::StatusOr<std::vector<Submission>> {
          // Challenges are numbered per child: "<child>:<n>".
          challenge_id = absl::StrCat(child_id, ":", record.challenges().size() + 1);
          v1::ChildEvent event;
          event.set_child_id(child_id);
          event.set_occurred_on(*date);
          auto* raised = event.mutable_challenge_raised();
          raised->set_challenge_id(challenge_id);
          raised->set_iro_id(request->iro_id());
          raised->mutable_stage()->set_number(static_cast<uint32_t>(*stage));
          raised->mutable_stage()->set_name(recorder_->policy().stages[*stage].name);
          raised->set_theme(request->theme());
          raised->set_issue(request->issue());
          return std::vector<Submission>{Submission{request->context().event_id(), event}};
        },
        RecorderOf(request->context(), *caller));
    if (!outcome.ok()) return outcome.status();
    if (outcome->append.duplicate) {
      // A retry: the challenge is the one its event raised.
      for (const auto& [id, c] : outcome->record.challenges()) {
        if (!c.steps.empty() && c.steps.front().event_id == outcome->append.event_ids[0]) {
          challenge_id = id;
        }
      }
    }
    const domain::ChallengeState* c = outcome->record.FindChallenge(challenge_id);
    if (c == nullptr) return absl::InternalError("the raised challenge is not in the record");
    *response = *whole ? ToView(*c) : RecordedView(*c, outcome->append.event_ids);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ChallengesService::Respond(grpc::CallbackServerContext* context,
                                                     const v1::RespondToChallengeRequest* request,
                                                     v1::ChallengeView* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Challenges.Respond"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    v1::ChildEvent event;
    auto* b = event.mutable_challenge_responded();
    b->set_challenge_id(request->challenge_id());
    b->set_responded_by(request->responded_by());
    b->set_response(request->response());
    auto view = Step(*context, "Challenges.Respond", request->context(), request->challenge_id(),
                     std::move(event));
    if (!view.ok()) return view.status();
    *response = std::move(*view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ChallengesService::Escalate(grpc::CallbackServerContext* context,
                                                      const v1::EscalateChallengeRequest* request,
                                                      v1::ChallengeView* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Challenges.Escalate"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    v1::ChildEvent event;
    auto* b = event.mutable_challenge_escalated();
    b->set_challenge_id(request->challenge_id());
    b->set_reason(v1::ChallengeEscalated::IRO_DECISION);
    if (!request->to_stage().empty()) {
      auto stage = recorder_->policy().FindStage(request->to_stage());
      if (!stage) {
        return absl::InvalidArgumentError(
            absl::StrCat("to_stage: '", request->to_stage(), "' is not a stage of this council"));
      }
      b->mutable_to_stage()->set_number(static_cast<uint32_t>(*stage));
      b->mutable_to_stage()->set_name(recorder_->policy().stages[*stage].name);
    }
    auto view = Step(*context, "Challenges.Escalate", request->context(), request->challenge_id(),
                     std::move(event));
    if (!view.ok()) return view.status();
    *response = std::move(*view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ChallengesService::Resolve(grpc::CallbackServerContext* context,
                                                     const v1::ResolveChallengeRequest* request,
                                                     v1::ChallengeView* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Challenges.Resolve"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    v1::ChildEvent event;
    auto* b = event.mutable_challenge_resolved();
    b->set_challenge_id(request->challenge_id());
    b->set_outcome(request->outcome());
    auto view = Step(*context, "Challenges.Resolve", request->context(), request->challenge_id(),
                     std::move(event));
    if (!view.ok()) return view.status();
    *response = std::move(*view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ChallengesService::Withdraw(grpc::CallbackServerContext* context,
                                                      const v1::WithdrawChallengeRequest* request,
                                                      v1::ChallengeView* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Challenges.Withdraw"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    v1::ChildEvent event;
    auto* b = event.mutable_challenge_withdrawn();
    b->set_challenge_id(request->challenge_id());
    b->set_reason(request->reason());
    auto view = Step(*context, "Challenges.Withdraw", request->context(), request->challenge_id(),
                     std::move(event));
    if (!view.ok()) return view.status();
    *response = std::move(*view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ChallengesService::ReferToCafcass(
    grpc::CallbackServerContext* context, const v1::ReferToCafcassRequest* request,
    v1::ChallengeView* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Challenges.ReferToCafcass"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    v1::ChildEvent event;
    auto* b = event.mutable_cafcass_referral_made();
    b->set_challenge_id(request->challenge_id());
    b->set_reason(request->reason());
    auto view = Step(*context, "Challenges.ReferToCafcass", request->context(),
                     request->challenge_id(), std::move(event));
    if (!view.ok()) return view.status();
    *response = std::move(*view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ChallengesService::Get(grpc::CallbackServerContext* context,
                                                 const v1::GetChallengeRequest* request,
                                                 v1::ChallengeView* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Challenges.Get"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    // The request is checked before the read is recorded: a refused one records nothing.
    auto caller = access_->AuthorizeReader(*context, Right::kQuery);
    if (!caller.ok()) return caller.status();
    if (auto st = CheckChallengeId(request->challenge_id()); !st.ok()) return st;
    if (auto st = access_->RecordRead(*context, *caller, "Challenges.Get",
                                      domain::ChildStream(ChildOf(request->challenge_id())),
                                      request->ShortDebugString());
        !st.ok()) {
      return st;
    }
    auto record = recorder_->Load(ChildOf(request->challenge_id()));
    if (!record.ok()) return record.status();
    const domain::ChallengeState* c = record->FindChallenge(request->challenge_id());
    if (c == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("challenge_id: no challenge '", request->challenge_id(), "'"));
    }
    *response = ToView(*c);
    return absl::OkStatus();
  });
}

// ------------------------------------------------------------------------------------------
// Calendar (pure computation: answered on the gRPC thread)

grpc::ServerUnaryReactor* CalendarService::AddWorkingDays(grpc::CallbackServerContext* context,
                                                          const v1::AddWorkingDaysRequest* request,
                                                          v1::AddWorkingDaysResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (auto caller = access_->Authorize(*context, Right::kStatus); !caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  auto day = domain::ParseIsoDate(request->date(), "date");
  if (day.ok()) {
    auto result = calendar_->AddWorkingDays(*day, request->working_days());
    if (result.ok()) {
      response->set_date(domain::FormatIsoDate(*result));
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    reactor->Finish(ToGrpcStatus(result.status()));
    return reactor;
  }
  reactor->Finish(ToGrpcStatus(day.status()));
  return reactor;
}

grpc::ServerUnaryReactor* CalendarService::WorkingDaysBetween(
    grpc::CallbackServerContext* context, const v1::WorkingDaysBetweenRequest* request,
    v1::WorkingDaysBetweenResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (auto caller = access_->Authorize(*context, Right::kStatus); !caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  auto from = domain::ParseIsoDate(request->from(), "from");
  auto to = domain::ParseIsoDate(request->to(), "to");
  if (!from.ok() || !to.ok()) {
    reactor->Finish(ToGrpcStatus(!from.ok() ? from.status() : to.status()));
    return reactor;
  }
  auto count = calendar_->WorkingDaysBetween(*from, *to);
  if (count.ok()) response->set_working_days(*count);
  reactor->Finish(ToGrpcStatus(count.status()));
  return reactor;
}

grpc::ServerUnaryReactor* CalendarService::Info(grpc::CallbackServerContext* context,
                                                const v1::CalendarInfoRequest* /*request*/,
                                                v1::CalendarInfoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (auto caller = access_->Authorize(*context, Right::kStatus); !caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  response->set_first_year(calendar_->first_year());
  response->set_last_year(calendar_->last_year());
  response->set_source(source_);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace footprint::services
