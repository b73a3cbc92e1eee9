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
  return 1;
}

inline int Fail(const grpc::Status& status) {
  return Fail(CodeName(status.error_code()), status.error_message());
}

// A bad command line: exit status 2.
inline int UsageError(const std::string& message) {
  Fail("INVALID_ARGUMENT", message);
  return 2;
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
    std::exit(2);
  }
  return grpc::CreateCustomChannel(g.server, *credentials, args);
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
