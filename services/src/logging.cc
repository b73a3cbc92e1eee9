#include "services/logging.h"

#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/spdlog.h"

namespace footprint::services {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields& ThreadFields() {
  thread_local Fields fields;
  return fields;
}

// `text` as the body of a JSON string (without the quotes).
void AppendJsonEscaped(absl::string_view text, spdlog::memory_buf_t& out) {
  for (const char c : text) {
    switch (c) {
      case '"':
        out.append(std::string_view("\\\""));
        break;
      case '\\':
        out.append(std::string_view("\\\\"));
        break;
      case '\n':
        out.append(std::string_view("\\n"));
        break;
      case '\r':
        out.append(std::string_view("\\r"));
        break;
      case '\t':
        out.append(std::string_view("\\t"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          const std::string code = absl::StrFormat("\\u%04x", c);
          out.append(std::string_view(code));
        } else {
          out.push_back(c);
        }
    }
  }
}

// %* : the message as a JSON string.
class JsonMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& out) override {
    out.push_back('"');
    AppendJsonEscaped(absl::string_view(msg.payload.data(), msg.payload.size()), out);
    out.push_back('"');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessage>();
  }
};

// %& : the thread's scope fields, as `,"key":"value"` (JSON) or ` key=value` (text).
class ScopeFields final : public spdlog::custom_flag_formatter {
 public:
  explicit ScopeFields(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& out) override {
    const Fields& fields = ThreadFields();
    for (size_t i = 0; i < fields.size(); ++i) {
      const auto& [key, value] = fields[i];
      // An inner scope's field replaces an outer one's of the same name.
      bool replaced = false;
      for (size_t j = i + 1; j < fields.size() && !replaced; ++j) replaced = fields[j].first == key;
      if (replaced) continue;
      if (json_) {
        out.append(std::string_view(",\""));
        AppendJsonEscaped(key, out);
        out.append(std::string_view("\":\""));
        AppendJsonEscaped(value, out);
        out.push_back('"');
      } else {
        out.push_back(' ');
        out.append(std::string_view(key));
        out.push_back('=');
        out.append(std::string_view(value));
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<ScopeFields>(json_);
  }

 private:
  bool json_;
};

bool IsServerFault(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return true;
    default:
      return false;
  }
}

std::string NewCorrelationId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return absl::StrFormat("srv-%016x", random());
}

// Letters, digits and . _ : @ / - only: an id can neither break a text log line into forged
// key=value fields nor need escaping.
bool IsCorrelationId(absl::string_view text) {
  if (text.empty() || text.size() > kMaxCorrelationIdBytes) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return true;
}

using grpc::experimental::InterceptionHookPoints;

class RequestLog final : public grpc::experimental::Interceptor {
 public:
  explicit RequestLog(grpc::experimental::ServerRpcInfo* info)
      : info_(info),
        method_(info->method() != nullptr ? info->method() : ""),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      if (auto it = metadata->find(kCorrelationIdMetadata); it != metadata->end()) {
        absl::string_view id(it->second.data(), it->second.size());
        if (IsCorrelationId(id)) {
          correlation_id_ = std::string(id);
        }
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const grpc::StatusCode code = status.error_code();
      const auto level = code == grpc::StatusCode::OK ? spdlog::level::debug
                         : IsServerFault(code)        ? spdlog::level::warn
                                                      : spdlog::level::info;
      if (correlation_id_.empty()) {
        correlation_id_ = NewCorrelationId();
        methods->GetSendTrailingMetadata()->emplace(kCorrelationIdMetadata, correlation_id_);
      }
      if (spdlog::should_log(level)) {
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
                .count();
        std::string peer =
            info_->server_context() != nullptr ? info_->server_context()->peer() : "";
        LogScope scope({{"method", method_},
                        {"correlation_id", correlation_id_},
                        {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))},
                        {"duration_ms", absl::StrFormat("%.3f", ms)},
                        {"peer", std::move(peer)}});
        spdlog::log(level, "{} {}{}{}", method_,
                    absl::StatusCodeToString(static_cast<absl::StatusCode>(code)),
                    status.error_message().empty() ? "" : ": ", status.error_message());
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* const info_;
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
  std::string correlation_id_;
};

class RequestLogInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RequestLog(info);
  }
};

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name, absl::string_view field) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(absl::StrCat(field, ": '", name, "' is not one of text, json"));
}

void ConfigureLogging(LogFormat format) {
  const bool json = format == LogFormat::kJson;
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<JsonMessage>('*').add_flag<ScopeFields>('&', json);
  formatter->set_pattern(json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"%n",)"
                                R"("message":%*%&})"
                              : "%Y-%m-%dT%H:%M:%S.%e%z %l %v%&");
  spdlog::set_formatter(std::move(formatter));
}

std::string CorrelationIdOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kCorrelationIdMetadata);
  if (it == metadata.end()) return "";
  absl::string_view id(it->second.data(), it->second.size());
  if (!IsCorrelationId(id)) return "";
  return std::string(id);
}

LogScope::LogScope(Fields fields) : restore_size_(ThreadFields().size()) {
  Fields& current = ThreadFields();
  for (auto& field : fields) current.push_back(std::move(field));
}

LogScope::LogScope(const grpc::ServerContextBase& context) : restore_size_(ThreadFields().size()) {
  if (std::string id = CorrelationIdOf(context); !id.empty()) {
    ThreadFields().emplace_back("correlation_id", std::move(id));
  }
}

LogScope::~LogScope() { ThreadFields().resize(restore_size_); }

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> RequestLogFactory() {
  return std::make_unique<RequestLogInterceptorFactory>();
}

}  // namespace footprint::services
