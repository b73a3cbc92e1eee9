// Conventions shared by every `footprint` command: the server address, --json, timeouts, and
// one-line errors "footprint: CODE: reason" on stderr.
#ifndef FOOTPRINT_TOOLS_CLI_CLI_COMMON_H_
#define FOOTPRINT_TOOLS_CLI_CLI_COMMON_H_

#include <grpcpp/grpcpp.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "tools/client/client_credentials.h"
#include "tools/client/metadata.h"

namespace footprint::cli {

using client::CorrelationIdProblem;
using client::EncodePurpose;
using client::kMaxPurposeBytes;
using client::PurposeProblem;

inline constexpr char kDefaultServer[] = "127.0.0.1:50051";

struct Globals {
  std::string server;
  bool json = false;
  double timeout_seconds = 30;
  // TLS: --ca (PEM), with --cert and --key for a client certificate; none: plaintext.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Name to check the server's certificate against, when not the host of --server.
  std::string tls_server_name;
  // Why the caller reads, in UTF-8 (sent as footprint-purpose metadata, percent-encoded:
  // EncodePurpose; recorded in the access log).
  std::string purpose;
  // Sent as footprint-correlation-id metadata with every call (footprintd logs it).
  std::string correlation_id;
  // read, read-all and verify: the access log instead of the event log.
  bool access_log = false;
};

// Exit statuses (README.md, "footprint [--server HOST:PORT] ..."):
inline constexpr int kExitRefused = 1;      // the server refused or failed the call
inline constexpr int kExitUsage = 2;        // a bad command line (or a flag's value refused)
inline constexpr int kExitBrokenChain = 3;  // verify found a broken hash chain
inline constexpr int kExitNotServing = 4;   // health: the service is not SERVING
inline constexpr int kExitUnreachable = 5;  // nothing answered at --server

// "INVALID_ARGUMENT" etc.: gRPC's codes are Abseil's, one to one.
inline std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// One line on stderr, the status code first; returns the exit status (1).
inline int Fail(const std::string& code, const std::string& message) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "footprint: %s: %s\n", code.c_str(), line.c_str());
  return kExitRefused;
}

// The command the user gave (the innermost subcommand parsed), set once the command line is
// read: the server's INVALID_ARGUMENT about a request field is reported under its flag.
inline const CLI::App*& ParsedCommand() {
  static const CLI::App* command = nullptr;
  return command;
}

// The channel of this invocation (MakeChannel) and the address it was made for: a call that
// failed before the channel ever connected is reported as "not reachable".
struct ServerChannel {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
};
inline ServerChannel& LastChannel() {
  static ServerChannel last;
  return last;
}

// The request field at the start of a server's message ("scope.as_at: 'x' is not a date") as
// the flag of `command` that set it ("--as-at: 'x' is not a date"); false when the message
// names no field, or one that no flag of this command sets (a field of an --file's events).
inline bool NameFlag(const CLI::App& command, const std::string& message, std::string* out) {
  // Field paths of the requests the commands send, each with the flags (or the positional
  // arguments, by their names in the usage) that set it; the first the command has is named.
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kFlags = {
      {"scope.as_at", {"--as-at"}},
      {"as_at", {"--as-at"}},
      {"scope.iro", {"--iro"}},
      {"scope.team", {"--team"}},
      {"iro", {"--iro"}},
      {"team", {"--team"}},
      {"from", {"--from", "FROM"}},
      {"to", {"--to", "TO"}},
      {"date", {"DATE"}},
      {"working_days", {"N"}},
      {"within_days", {"--within"}},
      {"paging.page_size", {"--page-size"}},
      {"year", {"--year"}},
      {"child_id", {"--child", "CHILD", "ID"}},
      {"challenge_id", {"ID"}},
      {"event_id", {"EVENT_ID"}},
      {"dir", {"DIR"}},
      {"name", {"NAME"}},
      {"service", {"SERVICE"}},
      {"stream", {"STREAM"}},
      {"stage", {"--stage"}},
      {"to_stage", {"--to"}},
      {"theme", {"--theme"}},
      {"iro_id", {"--iro"}},
      {"issue", {"--issue"}},
      {"responded_by", {"--by"}},
      {"response", {"--response"}},
      {"outcome", {"--outcome"}},
      {"reason", {"--reason"}},
      {"context.date", {"--date"}},
      {"context.actor", {"--actor"}},
      {"context.event_id", {"--event-id"}},
      {"source_system", {"--source"}},
      {"recorded_by", {"--actor", "--by"}},
      {"correlation_id", {"--correlation-id"}},
      {"keep", {"--keep"}},
      {"void_event_id", {"--id"}},
      {"from_position", {"--from"}},
      {"from_version", {"--from"}},
      {"to_position", {"--to"}},
      {"limit", {"--limit"}},
      {"expected_version", {"--expected-version"}},
      {"filter.stream_prefix", {"--stream-prefix"}},
      {"filter.event_types", {"--type"}},
      // The event a challenge command builds from its flags.
      {"events[0].occurred_on", {"--date"}},
      {"events[0].challenge_raised.theme", {"--theme"}},
      {"events[0].challenge_raised.iro_id", {"--iro"}},
      {"events[0].challenge_raised.issue", {"--issue"}},
      {"events[0].challenge_responded.responded_by", {"--by"}},
      {"events[0].challenge_responded.response", {"--response"}},
      {"events[0].challenge_escalated.to_stage", {"--to"}},
      {"events[0].challenge_resolved.outcome", {"--outcome"}},
      {"events[0].challenge_withdrawn.reason", {"--reason"}},
      {"events[0].cafcass_referral_made.reason", {"--reason"}},
      // The event `append` builds.
      {"events[0].id", {"--id"}},
      {"events[0].type", {"TYPE"}},
      {"events[0].data", {"--data", "--data-file"}},
      {"events[0].metadata.source_system", {"--source"}},
      {"events[0].metadata.actor", {"--actor"}},
      {"events[0].metadata.correlation_id", {"--correlation-id"}},
  };
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return false;
  std::string_view path(message.data(), colon);
  // "filter.event_types[2]": the flag given more than once.
  if (const size_t bracket = path.rfind('[');
      bracket != std::string_view::npos && path.substr(0, bracket) == "filter.event_types") {
    path = path.substr(0, bracket);
  }
  for (const auto& [field, flags] : kFlags) {
    if (field != path) continue;
    for (const std::string_view flag : flags) {
      // Only a flag given on this command line: a value that came from elsewhere (stdin, an
      // environment variable) keeps the server's name for it.
      const CLI::Option* option = command.get_option_no_throw(std::string(flag));
      if (option == nullptr || option->count() == 0) continue;
      *out = std::string(flag) + message.substr(colon);
      return true;
    }
  }
  return false;
}

// Whether `status` says the call never reached a server: nothing listening at the address, a
// name that does not resolve, no route, or no connection before the deadline. A TLS handshake
// that failed did reach one, and is reported as it is.
inline bool NotReachable(const grpc::Status& status, std::string* why) {
  const grpc::StatusCode code = status.error_code();
  if (code != grpc::StatusCode::UNAVAILABLE && code != grpc::StatusCode::DEADLINE_EXCEEDED) {
    return false;
  }
  const ServerChannel& last = LastChannel();
  if (last.channel == nullptr) return false;
  const grpc_connectivity_state state = last.channel->GetState(/*try_to_connect=*/false);
  if (state == GRPC_CHANNEL_READY || state == GRPC_CHANNEL_SHUTDOWN) return false;
  const std::string& message = status.error_message();
  for (const char* tls : {"andshake", "SSL", "TLS", "ertificate"}) {
    if (message.find(tls) != std::string::npos) return false;
  }
  if (code == grpc::StatusCode::DEADLINE_EXCEEDED) {
    // Only a call still waiting for its first connection.
    if (state != GRPC_CHANNEL_CONNECTING && state != GRPC_CHANNEL_TRANSIENT_FAILURE) return false;
    *why = "no connection before the deadline (--timeout)";
    return true;
  }
  // What the connection failed on; not "Socket closed", which is a server that let the
  // connection in and closed it (a client certificate it does not accept).
  bool unreachable = false;
  for (const char* cause : {"Connection refused", "DNS resolution failed", "No route to host",
                            "Network is unreachable", "Connection timed out"}) {
    if (message.find(cause) != std::string::npos) unreachable = true;
  }
  if (!unreachable) return false;
  // gRPC's last words: "...: Failed to connect to remote host: Connection refused".
  const size_t last_colon = message.rfind(": ");
  *why = last_colon == std::string::npos ? message : message.substr(last_colon + 2);
  return true;
}

// A failed call as one line on stderr; returns the exit status: 5 when the server was not
// reached, 2 when the server refused a value given by a flag (named as the flag), else 1.
inline int Fail(const grpc::Status& status) {
  if (std::string why; NotReachable(status, &why)) {
    Fail(CodeName(status.error_code()),
         "the server at " + LastChannel().address + " is not reachable (" + why +
             "): start footprintd, or give its address with --server HOST:PORT or "
             "$FOOTPRINT_SERVER");
    return kExitUnreachable;
  }
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT && ParsedCommand() != nullptr) {
    if (std::string named; NameFlag(*ParsedCommand(), status.error_message(), &named)) {
      Fail("INVALID_ARGUMENT", named);
      return kExitUsage;
    }
  }
  return Fail(CodeName(status.error_code()), status.error_message());
}

// A bad command line: exit status 2.
inline int UsageError(const std::string& message) {
  Fail("INVALID_ARGUMENT", message);
  return kExitUsage;
}

// The channel to g.server: TLS with the client certificate when --ca is given
// (tools/client/client_credentials.h). A file that cannot be read is reported and ends the
// process (exit 2), before anything is sent.
inline std::shared_ptr<grpc::Channel> MakeChannel(const Globals& g) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  auto credentials = client::MakeCredentials({.ca_file = g.ca_file,
                                              .cert_file = g.cert_file,
                                              .key_file = g.key_file,
                                              .server_name = g.tls_server_name},
                                             &args);
  if (!credentials.ok()) {
    std::fprintf(stderr, "footprint: INVALID_ARGUMENT: %s\n",
                 std::string(credentials.status().message()).c_str());
    std::exit(kExitUsage);
  }
  auto channel = grpc::CreateCustomChannel(g.server, *credentials, args);
  LastChannel() = {g.server, channel};
  return channel;
}

// Sends the purpose (the server records it with each read) and the correlation id with every
// call. Both were checked when the command line was read (PurposeProblem, CorrelationIdProblem).
inline void AddPurpose(grpc::ClientContext* context, const Globals& g) {
  if (!g.purpose.empty()) context->AddMetadata("footprint-purpose", EncodePurpose(g.purpose));
  if (!g.correlation_id.empty()) {
    context->AddMetadata("footprint-correlation-id", g.correlation_id);
  }
}

// "cli-" and 16 random hex digits: one per invocation, so that the server's log lines of one
// command can be found together.
inline std::string NewCorrelationId() {
  std::random_device random;
  const uint64_t value = (static_cast<uint64_t>(random()) << 32) ^ random();
  char text[24];
  std::snprintf(text, sizeof text, "cli-%016llx", static_cast<unsigned long long>(value));
  return text;
}

// The call's deadline (--timeout) and its purpose.
inline void SetDeadline(grpc::ClientContext* context, const Globals& g) {
  AddPurpose(context, g);
  if (g.timeout_seconds > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::microseconds(static_cast<int64_t>(g.timeout_seconds * 1e6)));
  }
}

// A 64-bit integer of the API (a log position, a stream version, a count) in the CLI's JSON: a
// string of decimal digits, as protobuf's JSON mapping prints it (report_render.h), so that
// every command prints positions alike and no reader rounds one above 2^53.
inline std::string JsonU64(uint64_t value) { return std::to_string(value); }

inline bool ParseU64(const std::string& text, uint64_t* out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

// Who records, when --actor is not given: the login name, else "footprint-cli".
inline std::string DefaultActor() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "footprint-cli";
}

// The whole of `in` (a file or std::cin) into `out`; false if it could not be read.
inline bool ReadAll(std::istream& in, std::string* out) {
  std::stringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return !in.bad();
}

// The whole file at `path` into `out`; false if it cannot be opened or read.
inline bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  return in && ReadAll(in, out);
}

// CLI11 would otherwise wrap "-1" into a huge unsigned value.
inline const CLI::Validator kWholeNumber(
    [](std::string& value) -> std::string {
      uint64_t ignored = 0;
      return ParseU64(value, &ignored) ? "" : "'" + value + "' is not a whole number >= 0";
    },
    "N");

}  // namespace footprint::cli

#endif  // FOOTPRINT_TOOLS_CLI_CLI_COMMON_H_
