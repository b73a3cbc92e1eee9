#include "rocks_loggers.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace footprint::eventstore {
namespace {

rocksdb::InfoLogLevel RocksLevel(StoreLogSeverity severity) {
  switch (severity) {
    case StoreLogSeverity::kDebug:
      return rocksdb::InfoLogLevel::DEBUG_LEVEL;
    case StoreLogSeverity::kInfo:
      return rocksdb::InfoLogLevel::INFO_LEVEL;
    case StoreLogSeverity::kWarning:
      return rocksdb::InfoLogLevel::WARN_LEVEL;
    case StoreLogSeverity::kError:
      return rocksdb::InfoLogLevel::ERROR_LEVEL;
  }
  return rocksdb::InfoLogLevel::INFO_LEVEL;
}

}  // namespace

void WarningCapture::Logv(const char* format, va_list ap) {
  char buffer[512];
  std::vsnprintf(buffer, sizeof(buffer), format, ap);
  // RocksDB prefixes "[WARN] [db/...cc:982] "; the rest says what and where.
  absl::string_view line(buffer);
  while (absl::StartsWith(line, "[") && line.find("] ") != absl::string_view::npos) {
    line.remove_prefix(line.find("] ") + 2);
  }
  base::MutexLock lock(&mu_);
  if (lines_.size() < 3) lines_.emplace_back(line);
}

std::string WarningCapture::Joined() const {
  base::MutexLock lock(&mu_);
  return absl::StrJoin(lines_, "; ");
}

SinkLogger::SinkLogger(StoreLogSink sink, StoreLogSeverity level)
    : rocksdb::Logger(RocksLevel(sink ? level : StoreLogSeverity::kWarning)),
      sink_(std::move(sink)) {}

void SinkLogger::Logv(const char* format, va_list ap) {
  Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
}

void SinkLogger::Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  StoreLogSeverity severity = StoreLogSeverity::kInfo;  // INFO and HEADER (the options dump)
  switch (level) {
    case rocksdb::InfoLogLevel::DEBUG_LEVEL:
      severity = StoreLogSeverity::kDebug;
      break;
    case rocksdb::InfoLogLevel::WARN_LEVEL:
      severity = StoreLogSeverity::kWarning;
      break;
    case rocksdb::InfoLogLevel::ERROR_LEVEL:
    case rocksdb::InfoLogLevel::FATAL_LEVEL:
      severity = StoreLogSeverity::kError;
      break;
    default:
      break;
  }
  if (!sink_ && severity < StoreLogSeverity::kWarning) return;
  char buffer[1024];
  const int n = std::vsnprintf(buffer, sizeof(buffer), format, ap);
  if (n < 0) return;
  absl::string_view line(buffer, std::min<size_t>(static_cast<size_t>(n), sizeof(buffer) - 1));
  if (sink_) {
    sink_(severity, line);
  } else {
    std::fprintf(stderr, "rocksdb: %.*s\n", static_cast<int>(line.size()), line.data());
  }
}

}  // namespace footprint::eventstore
