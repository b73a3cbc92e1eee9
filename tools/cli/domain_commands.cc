#include "tools/cli/domain_commands.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "footprint/v1/calendar.grpc.pb.h"
#include "footprint/v1/challenges.grpc.pb.h"
#include "footprint/v1/intake.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace footprint::cli {
namespace {

namespace v1 = footprint::v1;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// record

struct RecordArgs {
  std::string child;
  std::string file;
  std::string source = "footprint-cli";
  std::string actor;
  std::string correlation_id;
};

int RunRecord(const Globals& g, const RecordArgs& a) {
  std::string text;
  if (a.file == "-") {
    if (!ReadAll(std::cin, &text)) return UsageError("cannot read standard input");
  } else if (!ReadWholeFile(a.file, &text)) {
    return UsageError("--file: cannot read '" + a.file + "'");
  }
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return Fail("INVALID_ARGUMENT", "--file: '" + a.file + "' is not valid JSON");
  }
  if (doc.is_object()) doc = json::array({doc});
  if (!doc.is_array() || doc.empty()) {
    return Fail("INVALID_ARGUMENT", "--file: expected one event (an object) or a list of them");
  }
  v1::RecordRequest request;
  request.set_child_id(a.child);
  request.set_source_system(a.source);
  request.set_recorded_by(a.actor.empty() ? DefaultActor() : a.actor);
  request.set_correlation_id(a.correlation_id);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  for (size_t i = 0; i < doc.size(); ++i) {
    json item = doc[i];
    const std::string field = "events[" + std::to_string(i) + "]";
    if (!item.is_object()) return Fail("INVALID_ARGUMENT", field + ": must be an object");
    v1::Submission* submission = request.add_events();
    if (item.contains("event_id")) {
      if (!item["event_id"].is_string()) {
        return Fail("INVALID_ARGUMENT", field + ".event_id: must be a string (a UUID)");
      }
      submission->set_event_id(item["event_id"].get<std::string>());
      item.erase("event_id");
    }
    auto status = google::protobuf::util::JsonStringToMessage(item.dump(),
                                                              submission->mutable_event(), options);
    if (!status.ok()) {
      return Fail("INVALID_ARGUMENT", field + ": " + std::string(status.message()));
    }
  }
  auto stub = v1::Intake::NewStub(MakeChannel(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  v1::RecordResponse response;
  grpc::Status status = stub->Record(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (g.json) {
    std::cout << json{{"child_id", a.child},
                      {"stream", response.stream()},
                      {"first_version", JsonU64(response.first_version())},
                      {"last_version", JsonU64(response.last_version())},
                      {"first_position", JsonU64(response.first_position())},
                      {"last_position", JsonU64(response.last_position())},
                      {"event_ids", response.event_ids()},
                      {"duplicate", response.duplicate()}}
                     .dump()
              << '\n';
  } else {
    std::cout << (response.duplicate() ? "already recorded " : "recorded ")
              << response.event_ids_size()
              << (response.event_ids_size() == 1 ? " event" : " events") << " for child " << a.child
              << " (" << response.stream() << '@' << response.first_version() << ".."
              << response.last_version() << ", positions " << response.first_position() << ".."
              << response.last_position() << ")\n";
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// calendar

struct CalendarArgs {
  std::string date;
  int working_days = 0;
  std::string from;
  std::string to;
};

int RunCalendarAdd(const Globals& g, const CalendarArgs& a) {
  auto stub = v1::Calendar::NewStub(MakeChannel(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  v1::AddWorkingDaysRequest request;
  request.set_date(a.date);
  request.set_working_days(a.working_days);
  v1::AddWorkingDaysResponse response;
  grpc::Status status = stub->AddWorkingDays(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (g.json) {
    std::cout << json{{"from", a.date}, {"working_days", a.working_days}, {"date", response.date()}}
                     .dump()
              << '\n';
  } else {
    std::cout << response.date() << '\n';
  }
  return 0;
}

int RunCalendarBetween(const Globals& g, const CalendarArgs& a) {
  auto stub = v1::Calendar::NewStub(MakeChannel(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  v1::WorkingDaysBetweenRequest request;
  request.set_from(a.from);
  request.set_to(a.to);
  v1::WorkingDaysBetweenResponse response;
  grpc::Status status = stub->WorkingDaysBetween(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (g.json) {
    std::cout
        << json{{"from", a.from}, {"to", a.to}, {"working_days", response.working_days()}}.dump()
        << '\n';
  } else {
    std::cout << response.working_days() << '\n';
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// challenge

struct ChallengeArgs {
  std::string id;
  std::string child;
  std::string stage;
  std::string theme;
  std::string iro;
  std::string issue;
  std::string to;
  std::string by;
  std::string text;  // response, outcome or reason
  std::string date;
  std::string actor;
  std::string event_id;
};

json StageJson(const v1::StageRef& stage) { return stage.name(); }

json DateOrNull(const std::string& date) { return date.empty() ? json(nullptr) : json(date); }

// A challenge as JSON. A partial view (a command without --purpose) holds only what the command
// recorded: its id, child and steps, and nothing is made up for the rest.
json ChallengeJson(const v1::ChallengeView& c) {
  json steps = json::array();
  for (const auto& s : c.steps()) {
    json step = {{"kind", s.kind()},
                 {"date", s.date()},
                 {"stage", StageJson(s.stage())},
                 {"stage_number", s.stage().number()},
                 {"deadline", DateOrNull(s.deadline())},
                 {"event_id", s.event_id()},
                 {"position", JsonU64(s.position())}};
    if (!c.partial()) step["detail"] = s.detail();
    steps.push_back(std::move(step));
  }
  if (c.partial()) {
    return {{"id", c.id()}, {"child_id", c.child_id()}, {"partial", true}, {"steps", steps}};
  }
  return {{"id", c.id()},
          {"child_id", c.child_id()},
          {"partial", false},
          {"iro_id", c.iro_id()},
          {"theme", c.theme()},
          {"issue", c.issue()},
          {"stage", StageJson(c.stage())},
          {"stage_number", c.stage().number()},
          {"status", c.status()},
          {"raised_on", c.raised_on()},
          {"deadline", DateOrNull(c.deadline())},
          {"overdue", c.overdue()},
          {"cafcass_referred_on", DateOrNull(c.cafcass_referred_on())},
          {"closed_on", DateOrNull(c.closed_on())},
          {"steps", steps}};
}

// `full`: the whole challenge in words (show); otherwise its id (the commands). A partial view
// is only ever printed as its id or as JSON.
void PrintChallenge(const Globals& g, const v1::ChallengeView& c, bool full) {
  if (g.json) {
    std::cout << ChallengeJson(c).dump() << '\n';
    return;
  }
  if (!full || c.partial()) {
    std::cout << c.id() << '\n';
    return;
  }
  std::cout << "challenge " << c.id() << " (child " << c.child_id() << ", IRO " << c.iro_id()
            << ")\n"
            << "  theme:    " << c.theme() << '\n';
  if (!c.issue().empty()) std::cout << "  issue:    " << c.issue() << '\n';
  std::cout << "  stage:    " << c.stage().name() << '\n'
            << "  status:   " << c.status() << (c.overdue() ? " (response overdue)" : "") << '\n'
            << "  raised:   " << c.raised_on() << '\n';
  if (!c.deadline().empty()) std::cout << "  deadline: " << c.deadline() << '\n';
  if (!c.cafcass_referred_on().empty()) {
    std::cout << "  CAFCASS:  referred " << c.cafcass_referred_on() << '\n';
  }
  std::cout << "  steps:\n";
  for (const auto& s : c.steps()) {
    std::cout << "    " << s.date() << "  " << s.kind() << "  " << s.stage().name();
    if (!s.detail().empty()) std::cout << "  " << s.detail();
    std::cout << '\n';
  }
}

v1::CommandContext ContextOf(const ChallengeArgs& a) {
  v1::CommandContext context;
  context.set_date(a.date);
  context.set_actor(a.actor.empty() ? DefaultActor() : a.actor);
  context.set_source_system("footprint-cli");
  context.set_event_id(a.event_id);
  return context;
}

template <typename Request, typename Call>
int RunChallengeCall(const Globals& g, const Request& request, Call call, bool full_view) {
  auto stub = v1::Challenges::NewStub(MakeChannel(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  v1::ChallengeView view;
  grpc::Status status = call(*stub, &context, request, &view);
  if (!status.ok()) return Fail(status);
  PrintChallenge(g, view, full_view);
  return 0;
}

void AddStepOptions(CLI::App* cmd, ChallengeArgs& a) {
  cmd->add_option("--date", a.date, "the day of this step, YYYY-MM-DD (default: today)");
  cmd->add_option("--actor", a.actor, "who gives the command (default $USER)");
  cmd->add_option("--event-id", a.event_id, "UUID making a retry idempotent");
}

}  // namespace

std::function<int()> AddDomainCommands(CLI::App& app, const Globals& g) {
  auto record = std::make_shared<RecordArgs>();
  auto* record_cmd = app.add_subcommand(
      "record", "record events for a child from a JSON file (one event or a list; all or none)");
  record_cmd->add_option("CHILD", record->child, "child id")->required();
  record_cmd->add_option("--file", record->file, "JSON file of events ('-' for stdin)")->required();
  record_cmd->add_option("--source", record->source, "source system (default footprint-cli)");
  record_cmd->add_option("--actor", record->actor, "who records (default $USER)");
  record_cmd->add_option("--correlation-id", record->correlation_id, "correlation id");

  auto calendar = std::make_shared<CalendarArgs>();
  auto* calendar_cmd = app.add_subcommand("calendar", "England & Wales working days");
  calendar_cmd->require_subcommand(1);
  auto* add_cmd = calendar_cmd->add_subcommand("add", "the date N working days after DATE (day 0)");
  add_cmd->add_option("DATE", calendar->date, "YYYY-MM-DD")->required();
  add_cmd->add_option("N", calendar->working_days, "working days (may be negative)")->required();
  auto* between_cmd = calendar_cmd->add_subcommand(
      "between", "working days d with FROM < d <= TO (so 'add FROM N' gives TO)");
  between_cmd->add_option("FROM", calendar->from, "YYYY-MM-DD")->required();
  between_cmd->add_option("TO", calendar->to, "YYYY-MM-DD")->required();

  auto c = std::make_shared<ChallengeArgs>();
  auto* challenge_cmd = app.add_subcommand("challenge", "the IRO's dispute resolution process");
  challenge_cmd->require_subcommand(1);
  // The commands print the challenge's id, or with --json what the server answered: with
  // --purpose the whole challenge (a read, recorded in the access log), without it only the
  // step(s) the command recorded ("partial": true).
  auto* raise_cmd = challenge_cmd->add_subcommand("raise", "raise a challenge; prints its id");
  raise_cmd->add_option("--child", c->child, "child id")->required();
  raise_cmd->add_option("--stage", c->stage, "informal, or a formal stage's name or number")
      ->required();
  raise_cmd->add_option("--theme", c->theme, "one of the council's themes")->required();
  raise_cmd->add_option("--iro", c->iro, "the IRO raising it")->required();
  raise_cmd->add_option("--issue", c->issue, "what the challenge is about");
  AddStepOptions(raise_cmd, *c);
  auto* respond_cmd = challenge_cmd->add_subcommand("respond", "record a response");
  respond_cmd->add_option("ID", c->id, "challenge id")->required();
  respond_cmd->add_option("--by", c->by, "who responded");
  respond_cmd->add_option("--response", c->text, "the response");
  AddStepOptions(respond_cmd, *c);
  auto* escalate_cmd = challenge_cmd->add_subcommand(
      "escalate", "escalate to the next stage, or bypass to a higher one with --to");
  escalate_cmd->add_option("ID", c->id, "challenge id")->required();
  escalate_cmd->add_option("--to", c->to, "the stage to escalate to (default: the next)");
  AddStepOptions(escalate_cmd, *c);
  auto* resolve_cmd = challenge_cmd->add_subcommand("resolve", "resolve the challenge");
  resolve_cmd->add_option("ID", c->id, "challenge id")->required();
  resolve_cmd->add_option("--outcome", c->text, "the outcome")->required();
  AddStepOptions(resolve_cmd, *c);
  auto* withdraw_cmd = challenge_cmd->add_subcommand("withdraw", "withdraw the challenge");
  withdraw_cmd->add_option("ID", c->id, "challenge id")->required();
  withdraw_cmd->add_option("--reason", c->text, "why");
  AddStepOptions(withdraw_cmd, *c);
  auto* refer_cmd =
      challenge_cmd->add_subcommand("refer-cafcass", "refer to CAFCASS (allowed at any point)");
  refer_cmd->add_option("ID", c->id, "challenge id")->required();
  refer_cmd->add_option("--reason", c->text, "why");
  AddStepOptions(refer_cmd, *c);
  auto* show_cmd = challenge_cmd->add_subcommand("show", "show a challenge and its steps");
  show_cmd->add_option("ID", c->id, "challenge id")->required();

  return [=, &g]() -> int {
    if (record_cmd->parsed()) return RunRecord(g, *record);
    if (add_cmd->parsed()) return RunCalendarAdd(g, *calendar);
    if (between_cmd->parsed()) return RunCalendarBetween(g, *calendar);
    using Stub = v1::Challenges::Stub;
    if (raise_cmd->parsed()) {
      v1::RaiseChallengeRequest r;
      *r.mutable_context() = ContextOf(*c);
      r.set_child_id(c->child);
      r.set_stage(c->stage);
      r.set_theme(c->theme);
      r.set_iro_id(c->iro);
      r.set_issue(c->issue);
      return RunChallengeCall(
          g, r,
          [](Stub& s, grpc::ClientContext* x, const auto& q, auto* v) { return s.Raise(x, q, v); },
          false);
    }
    if (respond_cmd->parsed()) {
      v1::RespondToChallengeRequest r;
      *r.mutable_context() = ContextOf(*c);
      r.set_challenge_id(c->id);
      r.set_responded_by(c->by);
      r.set_response(c->text);
      return RunChallengeCall(
          g, r,
          [](Stub& s, grpc::ClientContext* x, const auto& q, auto* v) {
            return s.Respond(x, q, v);
          },
          false);
    }
    if (escalate_cmd->parsed()) {
      v1::EscalateChallengeRequest r;
      *r.mutable_context() = ContextOf(*c);
      r.set_challenge_id(c->id);
      r.set_to_stage(c->to);
      return RunChallengeCall(
          g, r,
          [](Stub& s, grpc::ClientContext* x, const auto& q, auto* v) {
            return s.Escalate(x, q, v);
          },
          false);
    }
    if (resolve_cmd->parsed()) {
      v1::ResolveChallengeRequest r;
      *r.mutable_context() = ContextOf(*c);
      r.set_challenge_id(c->id);
      r.set_outcome(c->text);
      return RunChallengeCall(
          g, r,
          [](Stub& s, grpc::ClientContext* x, const auto& q, auto* v) {
            return s.Resolve(x, q, v);
          },
          false);
    }
    if (withdraw_cmd->parsed()) {
      v1::WithdrawChallengeRequest r;
      *r.mutable_context() = ContextOf(*c);
      r.set_challenge_id(c->id);
      r.set_reason(c->text);
      return RunChallengeCall(
          g, r,
          [](Stub& s, grpc::ClientContext* x, const auto& q, auto* v) {
            return s.Withdraw(x, q, v);
          },
          false);
    }
    if (refer_cmd->parsed()) {
      v1::ReferToCafcassRequest r;
      *r.mutable_context() = ContextOf(*c);
      r.set_challenge_id(c->id);
      r.set_reason(c->text);
      return RunChallengeCall(
          g, r,
          [](Stub& s, grpc::ClientContext* x, const auto& q, auto* v) {
            return s.ReferToCafcass(x, q, v);
          },
          false);
    }
    if (show_cmd->parsed()) {
      v1::GetChallengeRequest r;
      r.set_challenge_id(c->id);
      return RunChallengeCall(
          g, r,
          [](Stub& s, grpc::ClientContext* x, const auto& q, auto* v) { return s.Get(x, q, v); },
          true);
    }
    return -1;
  };
}

}  // namespace footprint::cli
