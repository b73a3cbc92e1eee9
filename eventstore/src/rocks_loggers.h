// RocksDB's own log ("info log"), kept off the data disk.
//
// SinkLogger sends RocksDB's lines to the store's log sink (footprintd's log); WarningCapture
// keeps the first warnings of a read-only open, so that an error can quote what RocksDB found.
#ifndef FOOTPRINT_EVENTSTORE_SRC_ROCKS_LOGGERS_H_
#define FOOTPRINT_EVENTSTORE_SRC_ROCKS_LOGGERS_H_

#include <cstdarg>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "eventstore/event_store.h"
#include "rocksdb/env.h"

namespace footprint::eventstore {

// Keeps what RocksDB warns about while opening (a damaged write-ahead log record, say).
class WarningCapture final : public rocksdb::Logger {
 public:
  WarningCapture() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  // The first three lines, without RocksDB's "[WARN] [db/...cc:982] " prefixes.
  std::string Joined() const;

 private:
  mutable base::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

// RocksDB's info log, sent to `sink` (or, without one, warnings and errors to stderr) instead of
// a LOG file in the data directory: with a full disk, RocksDB 7.8's file logger fails an
// assertion while reporting the failed write, and aborts the process.
class SinkLogger final : public rocksdb::Logger {
 public:
  SinkLogger(StoreLogSink sink, StoreLogSeverity level);
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override;

 private:
  const StoreLogSink sink_;
};

}  // namespace footprint::eventstore

#endif  // FOOTPRINT_EVENTSTORE_SRC_ROCKS_LOGGERS_H_
