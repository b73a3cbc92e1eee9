// footprint: the command-line client of footprintd (a thin client of the public gRPC API).
//
//   footprint [--server HOST:PORT] [--json] [--timeout SECONDS] COMMAND ...
//     append STREAM TYPE [--data JSON | --data-file FILE | stdin] [--id UUID]
//            [--expected-version any|no-stream|exists|N] [--source S] [--actor A]
//            [--correlation-id C]
//     read STREAM [--from VERSION] [--backwards] [--limit N]
//     read-all [--from POSITION] [--stream-prefix P] [--type T]... [--limit N] [--follow]
//     verify [--from POSITION] [--to POSITION]
//     record CHILD --file EVENTS.json [--source S] [--actor A]
//     calendar add DATE N | calendar between FROM TO
//     challenge raise --child C --stage S --theme T --iro I [--issue TEXT] [--date D]
//     challenge respond|escalate [--to STAGE]|resolve --outcome T|withdraw|refer-cafcass ID
//     challenge show ID
//     reviews due [--within DAYS] | reviews overdue | reviews timeliness [--from D] [--to D]
//     escalations [--from D] [--to D]
//     s20 [--from D]
//     placements [--three-or-more]
//       (each of these also takes [--as-at DATE] [--iro ID] [--team T])
//     child ID [--as-at DATE]
//     projections status | projections rebuild NAME
//     health [SERVICE]
//
//   footprint --version
//
// Exit status: 0 success; 1 the server refused or failed ("footprint: CODE: reason" on stderr);
// 2 bad command line (also a flag's value the server refuses, named as the flag); 3
// verification found a broken chain; 4 health: not serving; 5 the server is not reachable.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "footprint/version.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tools/cli/cli_common.h"
#include "tools/cli/domain_commands.h"
#include "tools/cli/import_command.h"
#include "tools/cli/query_commands.h"
#include "tools/cli/report_command.h"

namespace {

namespace v1 = footprint::v1;
using nlohmann::json;
using namespace footprint::cli;  // NOLINT(build/namespaces): the CLI's own helpers

std::unique_ptr<v1::EventStore::Stub> MakeStub(const Globals& g) {
  return v1::EventStore::NewStub(MakeChannel(g));
}

// An event's data as JSON for people: JSON as is, protobuf through its descriptor, anything
// that cannot be shown as JSON as {"base64": ...}.
json DataAsJson(const v1::Event& event) {
  if (event.content_type() == v1::CONTENT_TYPE_PROTOBUF) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
            event.payload_type());
    if (descriptor != nullptr) {
      std::unique_ptr<google::protobuf::Message> message(
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
      std::string text;
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = true;
      if (message->ParseFromString(event.data()) &&
          google::protobuf::util::MessageToJsonString(*message, &text, options).ok()) {
        return json::parse(text, nullptr, false);
      }
    }
  } else {
    json parsed = json::parse(event.data(), nullptr, false);
    if (!parsed.is_discarded()) return parsed;
  }
  return json{{"base64", absl::Base64Escape(event.data())}};
}

std::string HexOf(const std::string& bytes) { return absl::BytesToHexString(bytes); }

std::string RecordedAt(const v1::Event& event) {
  return google::protobuf::util::TimeUtil::ToString(event.recorded_at());
}

json EventJson(const v1::Event& event) {
  json out = {
      {"id", event.id()},
      {"stream", event.stream()},
      {"version", JsonU64(event.version())},
      {"position", JsonU64(event.position())},
      {"type", event.type()},
      {"recorded_at", RecordedAt(event)},
      {"metadata",
       {{"source_system", event.metadata().source_system()},
        {"correlation_id", event.metadata().correlation_id()},
        {"actor", event.metadata().actor()},
        {"principal", event.metadata().principal()}}},
      {"content_type", event.content_type() == v1::CONTENT_TYPE_PROTOBUF ? "protobuf" : "json"},
      {"data", DataAsJson(event)},
      {"prev_hash", HexOf(event.prev_hash())},
      {"hash", HexOf(event.hash())},
  };
  if (!event.payload_type().empty()) out["payload_type"] = event.payload_type();
  return out;
}

void PrintEvent(const v1::Event& event, const Globals& g) {
  if (g.json) {
    std::cout << EventJson(event).dump() << '\n';
    return;
  }
  std::cout << '#' << event.position() << ' ' << event.stream() << '@' << event.version() << ' '
            << event.type() << ' ' << RecordedAt(event) << ' ' << DataAsJson(event).dump() << '\n';
}

// ---------------------------------------------------------------------------------------------

struct AppendArgs {
  std::string stream;
  std::string type;
  std::string data;
  std::string data_file;
  std::string id;
  std::string expected = "any";
  std::string source = "footprint-cli";
  std::string actor;
  std::string correlation_id;
  bool data_given = false;
};

int RunAppend(const Globals& g, const AppendArgs& a) {
  v1::AppendRequest request;
  request.set_stream(a.stream);
  v1::ExpectedVersion* expected = request.mutable_expected_version();
  uint64_t exact = 0;
  if (a.expected == "any") {
    expected->set_any(true);
  } else if (a.expected == "no-stream") {
    expected->set_no_stream(true);
  } else if (a.expected == "exists") {
    expected->set_stream_exists(true);
  } else if (ParseU64(a.expected, &exact)) {
    expected->set_exact(exact);
  } else {
    return UsageError("--expected-version: '" + a.expected +
                      "' is not an expected version; use any, no-stream, exists or a version "
                      "number");
  }

  std::string data;
  if (a.data_given) {
    data = a.data;
  } else if (!a.data_file.empty() && a.data_file != "-") {
    std::ifstream in(a.data_file, std::ios::binary);
    if (!in) return UsageError("--data-file: cannot read '" + a.data_file + "'");
    std::stringstream buffer;
    buffer << in.rdbuf();
    data = buffer.str();
  } else {
    if (a.data_file.empty() && isatty(STDIN_FILENO)) {
      return UsageError("no event data: give --data JSON, --data-file FILE, or pipe JSON on stdin");
    }
    std::stringstream buffer;
    buffer << std::cin.rdbuf();
    data = buffer.str();
  }

  v1::EventData* event = request.add_events();
  event->set_id(a.id);
  event->set_type(a.type);
  event->set_content_type(v1::CONTENT_TYPE_JSON);
  event->set_data(data);
  event->mutable_metadata()->set_source_system(a.source);
  event->mutable_metadata()->set_actor(
      a.actor.empty() ? (std::getenv("USER") ? std::getenv("USER") : "") : a.actor);
  event->mutable_metadata()->set_correlation_id(a.correlation_id);

  auto stub = MakeStub(g);
  grpc::ClientContext context;
  SetDeadline(&context, g);
  v1::AppendResponse response;
  grpc::Status status = stub->Append(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (g.json) {
    json out = {{"stream", a.stream},
                {"first_version", JsonU64(response.first_version())},
                {"last_version", JsonU64(response.last_version())},
                {"first_position", JsonU64(response.first_position())},
                {"last_position", JsonU64(response.last_position())},
                {"event_ids", response.event_ids()},
                {"duplicate", response.duplicate()}};
    std::cout << out.dump() << '\n';
  } else {
    std::cout << (response.duplicate() ? "already stored " : "appended ") << a.stream << '@'
              << response.first_version() << " at position " << response.first_position() << " (id "
              << response.event_ids(0) << ")\n";
  }
  return 0;
}

struct ReadArgs {
  std::string stream;
  uint64_t from = 0;
  bool from_given = false;
  bool backwards = false;
  uint64_t limit = 0;  // 0: all
};

int RunRead(const Globals& g, const ReadArgs& a) {
  auto stub = MakeStub(g);
  uint64_t printed = 0;
  bool first_page = true;
  uint64_t next = a.from;
  while (true) {
    v1::ReadStreamRequest request;
    request.set_stream(a.stream);
    if (g.access_log) request.set_log(v1::LOG_ACCESS);
    request.set_direction(a.backwards ? v1::DIRECTION_BACKWARDS : v1::DIRECTION_FORWARDS);
    if (a.backwards && !a.from_given && first_page) {
      request.set_from_end(true);
    } else {
      request.set_from_version(next);
    }
    if (a.limit > 0)
      request.set_limit(static_cast<uint32_t>(std::min<uint64_t>(a.limit - printed, 1000)));
    grpc::ClientContext context;
    SetDeadline(&context, g);
    v1::ReadStreamResponse response;
    grpc::Status status = stub->ReadStream(&context, request, &response);
    if (!status.ok()) return Fail(status);
    for (const auto& event : response.events()) PrintEvent(event, g);
    printed += response.events_size();
    // A poster's pages skip others' events (and may be empty): go on until the stream ends.
    if (response.end_of_stream() || (a.limit > 0 && printed >= a.limit)) break;
    const uint64_t following = response.next_version();
    const bool read_from_end = a.backwards && !a.from_given && first_page;
    if (!read_from_end && (a.backwards ? following >= next : following <= next)) {
      return Fail("INTERNAL", "the server's next_version " + std::to_string(following) +
                                  " does not move on from version " + std::to_string(next));
    }
    first_page = false;
    next = following;
  }
  return 0;
}

struct ReadAllArgs {
  uint64_t from = 0;
  std::string stream_prefix;
  std::vector<std::string> types;
  uint64_t limit = 0;
  bool follow = false;
};

int RunReadAll(const Globals& g, const ReadAllArgs& a) {
  auto stub = MakeStub(g);
  grpc::ClientContext context;
  if (a.follow) {
    AddPurpose(&context, g);
  } else {
    SetDeadline(&context, g);
  }
  const v1::Log log = g.access_log ? v1::LOG_ACCESS : v1::LOG_MAIN;
  v1::ReadAllFilter filter;
  filter.set_stream_prefix(a.stream_prefix);
  for (const auto& t : a.types) filter.add_event_types(t);

  std::unique_ptr<grpc::ClientReader<v1::ReadAllResponse>> reader;
  if (a.follow) {
    v1::SubscribeRequest request;
    request.set_from_position(a.from);
    *request.mutable_filter() = filter;
    request.set_log(log);
    reader = stub->Subscribe(&context, request);
  } else {
    v1::ReadAllRequest request;
    request.set_from_position(a.from);
    *request.mutable_filter() = filter;
    request.set_limit(a.limit);
    request.set_log(log);
    reader = stub->ReadAll(&context, request);
  }
  v1::ReadAllResponse response;
  uint64_t printed = 0;
  while (reader->Read(&response)) {
    for (const auto& event : response.events()) {
      PrintEvent(event, g);
      if (a.follow && a.limit > 0 && ++printed >= a.limit) {
        std::cout.flush();
        context.TryCancel();
        reader->Finish();
        return 0;
      }
    }
    std::cout.flush();
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return Fail(status);
  return 0;
}

struct VerifyArgs {
  uint64_t from = 0;
  uint64_t to = 0;
  bool to_given = false;
};

int RunVerify(const Globals& g, const VerifyArgs& a) {
  auto stub = MakeStub(g);
  v1::VerifyChainRequest request;
  request.set_from_position(a.from);
  if (a.to_given) request.set_to_position(a.to);
  if (g.access_log) request.set_log(v1::LOG_ACCESS);
  grpc::ClientContext context;
  // Verification of a large log takes a while; allow ten times the usual timeout.
  Globals long_running = g;
  long_running.timeout_seconds = g.timeout_seconds * 10;
  SetDeadline(&context, long_running);
  v1::VerifyChainResponse response;
  grpc::Status status = stub->VerifyChain(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (g.json) {
    json out = {{"ok", response.ok()},
                {"events_checked", JsonU64(response.events_checked())},
                {"first_position", JsonU64(response.first_position())},
                {"last_position", JsonU64(response.last_position())},
                {"head_hash", response.head_hash()}};
    if (!response.ok()) {
      out["first_bad_position"] = JsonU64(response.first_bad_position());
      out["reason"] = response.reason();
    }
    std::cout << out.dump() << '\n';
  }
  if (!response.ok()) {
    Fail("DATA_LOSS", "chain broken at position " + std::to_string(response.first_bad_position()) +
                          ": " + response.reason());
    return kExitBrokenChain;
  }
  if (!g.json) {
    if (response.events_checked() == 0) {
      std::cout << "verified 0 events (nothing in range)\n";
    } else {
      std::cout << "verified " << response.events_checked() << " events (positions "
                << response.first_position() << ".." << response.last_position() << "), head hash "
                << response.head_hash() << '\n';
    }
  }
  return 0;
}

// grpc.health.v1 Check: what orchestrators' probes call. It needs no client certificate and no
// role (footprintd's health service answers anyone and says nothing about children).
int RunHealth(const Globals& g, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(MakeChannel(g));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::ClientContext context;
  SetDeadline(&context, g);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return Fail(status);
  const std::string name =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  const std::string shown = service.empty() ? "footprintd" : service;
  if (g.json) {
    std::cout << json{{"service", service}, {"status", name}}.dump() << '\n';
  } else {
    std::cout << shown << ": " << name << '\n';
  }
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : kExitNotServing;
}

int Main(int argc, char** argv) {
  CLI::App app{"footprint: command-line client of footprintd"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("footprint ") + FOOTPRINT_VERSION,
                       "print the version and exit");
  Globals g;
  const char* env_server = std::getenv("FOOTPRINT_SERVER");
  g.server = env_server != nullptr && *env_server != '\0' ? env_server : kDefaultServer;
  app.add_option(
      "--server", g.server,
      "HOST:PORT of footprintd (default $FOOTPRINT_SERVER or " + std::string(kDefaultServer) + ")");
  app.add_flag("--json", g.json, "print JSON, one object per line");
  app.add_option("--timeout", g.timeout_seconds, "seconds to wait for the server (default 30)");
  const auto from_env = [](const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
  };
  g.ca_file = from_env("FOOTPRINT_CA");
  g.cert_file = from_env("FOOTPRINT_CERT");
  g.key_file = from_env("FOOTPRINT_KEY");
  g.purpose = from_env("FOOTPRINT_PURPOSE");
  app.add_option("--ca", g.ca_file,
                 "CA certificate (PEM) that signed footprintd's certificate "
                 "(default $FOOTPRINT_CA); with --cert and --key: TLS");
  app.add_option("--cert", g.cert_file, "this client's certificate (PEM; default $FOOTPRINT_CERT)");
  app.add_option("--key", g.key_file, "this client's private key (PEM; default $FOOTPRINT_KEY)");
  app.add_option("--tls-server-name", g.tls_server_name,
                 "name in footprintd's certificate, if not the host of --server");
  auto* purpose_opt =
      app.add_option("--purpose", g.purpose,
                     "why you read children's records, in words (UTF-8, one line); recorded with "
                     "each read (default $FOOTPRINT_PURPOSE; required by a server with TLS)");
  g.correlation_id = from_env("FOOTPRINT_CORRELATION_ID");
  auto* correlation_opt =
      app.add_option("--correlation-id", g.correlation_id,
                     "sent with every call, for footprintd's logs and the access log (default "
                     "$FOOTPRINT_CORRELATION_ID, else one drawn per invocation)");
  app.add_flag("--access-log", g.access_log,
               "read, read-all, verify: the access log (who read what, and why) instead of the "
               "event log; auditors only");

  AppendArgs append;
  auto* append_cmd = app.add_subcommand("append", "append one event to a stream");
  append_cmd->add_option("STREAM", append.stream, "stream id")->required();
  append_cmd->add_option("TYPE", append.type, "event type")->required();
  auto* data_opt = append_cmd->add_option("--data", append.data, "event data (JSON)");
  auto* file_opt = append_cmd->add_option("--data-file", append.data_file,
                                          "read event data from FILE ('-' for stdin)");
  data_opt->excludes(file_opt);
  append_cmd->add_option("--id", append.id, "event id (UUID); makes retries idempotent");
  append_cmd->add_option("--expected-version", append.expected,
                         "any, no-stream, exists or N (the stream's last version)");
  append_cmd->add_option("--source", append.source, "source system (default footprint-cli)");
  append_cmd->add_option("--actor", append.actor, "who records the event (default $USER)");
  append_cmd->add_option("--correlation-id", append.correlation_id, "correlation id");

  ReadArgs read;
  auto* read_cmd = app.add_subcommand("read", "read one stream");
  read_cmd->add_option("STREAM", read.stream, "stream id")->required();
  auto* read_from =
      read_cmd->add_option("--from", read.from, "first version to read")->check(kWholeNumber);
  read_cmd->add_flag("--backwards", read.backwards, "newest first");
  read_cmd->add_option("--limit", read.limit, "at most N events")->check(kWholeNumber);

  ReadAllArgs read_all;
  auto* read_all_cmd = app.add_subcommand("read-all", "read the whole log in order");
  read_all_cmd->add_option("--from", read_all.from, "first global position")->check(kWholeNumber);
  read_all_cmd->add_option("--stream-prefix", read_all.stream_prefix, "only streams with prefix");
  read_all_cmd->add_option("--type", read_all.types, "only events of this type (repeatable)");
  read_all_cmd->add_option("--limit", read_all.limit, "at most N events")->check(kWholeNumber);
  read_all_cmd->add_flag("--follow", read_all.follow, "keep following new events");

  VerifyArgs verify;
  auto* verify_cmd = app.add_subcommand("verify", "verify the hash chain");
  verify_cmd->add_option("--from", verify.from, "first position (default 0)")->check(kWholeNumber);
  auto* verify_to = verify_cmd->add_option("--to", verify.to, "last position (default: head)")
                        ->check(kWholeNumber);

  std::string health_service;
  auto* health_cmd = app.add_subcommand(
      "health",
      "ask footprintd's health service: exit 0 when SERVING, 4 when not (no certificate or role "
      "needed)");
  health_cmd->add_option(
      "SERVICE", health_service,
      "a service, e.g. footprint.v1.EventStore (default: the server as a whole)");

  const std::function<int()> run_domain_command = AddDomainCommands(app, g);
  const std::function<int()> run_query_command = AddQueryCommands(app, g);
  const std::function<int()> run_import_command = AddImportCommand(app, g);
  const std::function<int()> run_report_command = AddReportCommand(app, g);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageError(e.what());
  }
  // Checked before any call: a purpose the server would refuse, or that gRPC cannot send, is a
  // usage error.
  if (const std::string problem = PurposeProblem(g.purpose); !problem.empty()) {
    return UsageError((purpose_opt->count() > 0 ? "--purpose: " : "$FOOTPRINT_PURPOSE: ") +
                      problem);
  }
  if (const std::string problem = CorrelationIdProblem(g.correlation_id); !problem.empty()) {
    return UsageError(
        (correlation_opt->count() > 0 ? "--correlation-id: " : "$FOOTPRINT_CORRELATION_ID: ") +
        problem);
  }
  if (g.correlation_id.empty()) g.correlation_id = NewCorrelationId();
  // The innermost command given, whose flags name the fields the server may refuse.
  for (const CLI::App* command = &app;;) {
    const auto given = command->get_subcommands();
    if (given.empty()) {
      ParsedCommand() = command;
      break;
    }
    command = given.front();
  }
  append.data_given = data_opt->count() > 0;
  read.from_given = read_from->count() > 0;
  verify.to_given = verify_to->count() > 0;

  if (append_cmd->parsed()) return RunAppend(g, append);
  if (read_cmd->parsed()) return RunRead(g, read);
  if (read_all_cmd->parsed()) return RunReadAll(g, read_all);
  if (verify_cmd->parsed()) return RunVerify(g, verify);
  if (health_cmd->parsed()) return RunHealth(g, health_service);
  if (const int code = run_domain_command(); code >= 0) return code;
  if (const int code = run_query_command(); code >= 0) return code;
  if (const int code = run_import_command(); code >= 0) return code;
  if (const int code = run_report_command(); code >= 0) return code;
  return UsageError("no command given");
}

}  // namespace

int main(int argc, char** argv) {
  int code = 0;
  try {
    code = Main(argc, argv);
  } catch (const std::exception& e) {
    code = Fail("INTERNAL", e.what());
  }
  // The channel kept for the "not reachable" message goes while gRPC's globals are still there:
  // torn down among the statics at exit, it leaked its TLS state (LeakSanitizer saw it).
  footprint::cli::LastChannel() = {};
  return code;
}
