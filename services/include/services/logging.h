// Logging: footprintd's log lines on stderr, as text or as one JSON object per line, and the
// fields of the request a thread is working on (its correlation id and gRPC method), which are
// added to every line logged while it is in scope.
//
// The correlation id is the caller's `footprint-correlation-id` metadata (the footprint CLI
// sends one per invocation). It is on the lines logged by work run through OnPool (Intake,
// Challenges, Queries, Projections, Admin) and on the request log line; the store's writer and
// the streaming reads log without it. The request log (RequestLogFactory) writes one line per call
// when it ends: at debug level for OK, info for the caller's mistakes, warn for the server's own
// failures (UNAVAILABLE, INTERNAL, DATA_LOSS, RESOURCE_EXHAUSTED, UNKNOWN, DEADLINE_EXCEEDED).
// A call without a correlation id gets one drawn by the server, logged and sent back in the
// trailing metadata, so that a caller can quote it.
//
// Thread-safety: ConfigureLogging once at start-up; LogScope is per thread.
#ifndef FOOTPRINT_SERVICES_LOGGING_H_
#define FOOTPRINT_SERVICES_LOGGING_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace footprint::services {

enum class LogFormat { kText, kJson };

// "text" or "json"; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name, absl::string_view field);

// Sets the default logger's format. Text: `TIME LEVEL MESSAGE key=value...`. JSON: one object
// per line with "time", "level", "logger", "message" and the scope's fields.
void ConfigureLogging(LogFormat format);

// The correlation-id metadata key, and the longest value kept.
inline constexpr char kCorrelationIdMetadata[] = "footprint-correlation-id";
inline constexpr size_t kMaxCorrelationIdBytes = 128;

// The caller's correlation id ("" when it sent none, or one longer than 128 bytes or with
// characters other than letters, digits and . _ : @ / -; the server then draws its own).
std::string CorrelationIdOf(const grpc::ServerContextBase& context);

// Adds `fields` to every line this thread logs until the scope ends. Scopes nest; the inner
// one's fields come after the outer one's, and replace those of the same name.
class LogScope {
 public:
  explicit LogScope(std::vector<std::pair<std::string, std::string>> fields);
  // The request's correlation id, when it has one.
  explicit LogScope(const grpc::ServerContextBase& context);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  size_t restore_size_;
};

// A server interceptor factory that writes the request log (see above).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> RequestLogFactory();

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_LOGGING_H_
