#include "services/admin_service.h"

#include <chrono>
#include <filesystem>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "on_pool.h"
#include "projections/reports.h"
#include "spdlog/spdlog.h"

namespace footprint::services {
namespace {

namespace es = footprint::eventstore;
namespace fs = std::filesystem;

// The access-log backup of a log backup carries the label "log-backup N TIME": its id and
// creation time, so that a recreated log/ directory (ids from 1 again) pairs with nothing old.
std::string PairLabel(const es::BackupRecord& log) {
  return absl::StrCat("log-backup ", log.backup_id, " ",
                      absl::FormatTime(absl::RFC3339_full, log.created_at, absl::UTCTimeZone()));
}

void ToProto(const es::BackupRecord& record, const char* store, v1::StoreBackup* out) {
  out->set_store(store);
  out->set_backup_id(record.backup_id);
  const int64_t nanos = absl::ToUnixNanos(record.created_at);
  out->mutable_created_at()->set_seconds(nanos / 1'000'000'000);
  out->mutable_created_at()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  out->set_size_bytes(record.size_bytes);
  out->set_files(record.files);
  out->set_store_id(record.store_id);
  out->set_log_end(record.log_end);
  out->set_head_hash(record.head_hash_hex);
}

absl::Status ValidateBackupDir(const std::string& dir) {
  if (dir.empty()) {
    return absl::InvalidArgumentError(
        "dir: required (an absolute directory on the server's machine)");
  }
  if (dir.find('\0') != std::string::npos || !fs::path(dir).is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dir: '", dir, "' must be an absolute path (the directory is on the server's machine)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string LogBackupDir(const std::string& backup_dir) {
  return (fs::path(backup_dir) / "log").string();
}

std::string AccessLogBackupDir(const std::string& backup_dir) {
  return (fs::path(backup_dir) / "access-log").string();
}

absl::StatusOr<v1::ListBackupsResponse> ListBackupSets(const std::string& backup_dir) {
  std::error_code ec;
  if (!fs::is_directory(backup_dir, ec)) {
    return absl::NotFoundError(absl::StrCat("dir: '", backup_dir, "' is not a directory"));
  }
  if (!fs::is_directory(LogBackupDir(backup_dir), ec)) {
    return absl::NotFoundError(
        absl::StrCat("dir: '", backup_dir, "' holds no backups (no log/ directory)"));
  }
  auto logs = es::EventStore::ListBackups(LogBackupDir(backup_dir));
  if (!logs.ok()) return logs.status();
  std::map<std::string, es::BackupRecord> access_by_label;
  if (auto access = es::EventStore::ListBackups(AccessLogBackupDir(backup_dir)); access.ok()) {
    for (auto& record : *access) access_by_label.emplace(record.label, std::move(record));
  } else if (!absl::IsNotFound(access.status())) {
    return access.status();
  }
  v1::ListBackupsResponse response;
  for (const es::BackupRecord& log : *logs) {
    v1::BackupSet* set = response.add_backups();
    ToProto(log, "log", set->mutable_log());
    if (auto it = access_by_label.find(PairLabel(log)); it != access_by_label.end()) {
      ToProto(it->second, "access-log", set->mutable_access_log());
    }
  }
  return response;
}

grpc::ServerUnaryReactor* AdminService::Backup(grpc::CallbackServerContext* context,
                                               const v1::BackupRequest* request,
                                               v1::BackupResponse* response) {
  const RunOn where{executors_, ExecutorKind::kLongJob, "Admin.Backup"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    // A backup copies every child's records: recorded like a read, with its purpose.
    auto caller = access_->AuthorizeRead(*context, Right::kAdmin, "Admin.Backup", "council",
                                         absl::StrCat("backup into ", request->dir()));
    if (!caller.ok()) return caller.status();
    if (auto st = ValidateBackupDir(request->dir()); !st.ok()) return st;
    const uint32_t keep = request->keep() > 0 ? request->keep() : keep_;
    const auto start = std::chrono::steady_clock::now();
    spdlog::info("backup into {} asked by '{}' (keeping the newest {})", request->dir(),
                 caller->identity, keep == 0 ? std::string("all") : std::to_string(keep));
    // One Admin.Backup at a time: the pair is taken, and old pairs purged, together.
    if (backing_up_.exchange(true)) {
      return absl::AbortedError(
          "backup: another backup is running; try again when it has finished");
    }
    struct Done {
      std::atomic<bool>* flag;
      ~Done() { flag->store(false); }
    } done{&backing_up_};
    // Retention is applied only after both backups succeed, so a failed one deletes nothing.
    absl::Status st = BackUpPair(request->dir(), keep, response);
    response->set_seconds(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    {
      base::MutexLock stats_lock(&stats_mu_);
      if (!st.ok()) {
        ++stats_.failed;
        return st;
      }
      ++stats_.succeeded;
      stats_.last_success = clock_->Now();
      stats_.last_log_events = response->backup().log().log_end();
      stats_.last_log_bytes = response->backup().log().size_bytes();
      stats_.last_seconds = response->seconds();
    }
    spdlog::info("backup {} into {}: {} events (head {}), {} bytes, {:.3f} s",
                 response->backup().log().backup_id(), request->dir(),
                 response->backup().log().log_end(), response->backup().log().head_hash(),
                 response->backup().log().size_bytes(), response->seconds());
    return absl::OkStatus();
  });
}

absl::Status AdminService::BackUpPair(const std::string& dir, uint32_t keep,
                                      v1::BackupResponse* response) {
  auto log = log_->Backup(LogBackupDir(dir));
  if (!log.ok()) {
    spdlog::error("backup into {} failed: {}", dir, log.status().ToString());
    return log.status();
  }
  auto access = access_log_->Backup(AccessLogBackupDir(dir), PairLabel(*log));
  if (!access.ok()) {
    spdlog::error("backup of the access log into {} failed: {}", dir, access.status().ToString());
    return absl::Status(access.status().code(),
                        absl::StrCat("the log's backup ", log->backup_id,
                                     " was taken, but the access log's failed (the pair "
                                     "cannot be restored): ",
                                     access.status().message()));
  }
  auto kept = es::EventStore::PurgeBackups(LogBackupDir(dir), keep);
  if (!kept.ok()) return kept.status();
  if (auto access_kept = es::EventStore::PurgeBackups(AccessLogBackupDir(dir), keep);
      !access_kept.ok()) {
    return access_kept.status();
  }
  ToProto(*log, "log", response->mutable_backup()->mutable_log());
  ToProto(*access, "access-log", response->mutable_backup()->mutable_access_log());
  response->set_backups_kept(*kept);
  return absl::OkStatus();
}

BackupStats AdminService::Stats() const {
  base::MutexLock lock(&stats_mu_);
  return stats_;
}

grpc::ServerUnaryReactor* AdminService::ListBackups(grpc::CallbackServerContext* context,
                                                    const v1::ListBackupsRequest* request,
                                                    v1::ListBackupsResponse* response) {
  const RunOn where{executors_, ExecutorKind::kRpc, "Admin.ListBackups"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->Authorize(*context, Right::kAdmin);
    if (!caller.ok()) return caller.status();
    if (auto st = ValidateBackupDir(request->dir()); !st.ok()) return st;
    auto sets = ListBackupSets(request->dir());
    if (!sets.ok()) return sets.status();
    *response = *std::move(sets);
    return absl::OkStatus();
  });
}

absl::StatusOr<DataDirRestore> RestoreDataDir(const std::string& backup_dir, uint32_t backup_id,
                                              const std::string& data_dir) {
  // Checked first, so that a used target is refused before anything is copied.
  if (auto st = es::EventStore::CheckRestoreTarget(data_dir); !st.ok()) return st;
  std::error_code ec;
  auto sets = ListBackupSets(backup_dir);
  if (!sets.ok()) return sets.status();
  const v1::BackupSet* chosen = backup_id == 0 ? &sets->backups(sets->backups_size() - 1) : nullptr;
  std::string ids;
  for (const v1::BackupSet& set : sets->backups()) {
    absl::StrAppend(&ids, ids.empty() ? "" : ", ", set.log().backup_id());
    if (set.log().backup_id() == backup_id) chosen = &set;
  }
  if (chosen == nullptr) {
    return absl::NotFoundError(absl::StrCat("backup_id: ", backup_id, " is not in '", backup_dir,
                                            "' (it holds ", ids, ")"));
  }
  if (!chosen->has_access_log()) {
    return absl::FailedPreconditionError(
        absl::StrCat("backup ", chosen->log().backup_id(), " in '", backup_dir,
                     "' has no access-log backup (that backup failed half-way); restore another"));
  }
  // Restored and verified beside the target, then moved into place in one rename.
  fs::path target = fs::path(data_dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();  // "/x/new/": "/x/new"
  const fs::path staging = target.parent_path() / (target.filename().string() + ".restoring");
  fs::remove_all(staging, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot remove the leftover staging directory '",
                                               staging.string(), "': ", ec.message()));
  }
  fs::create_directories(staging, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot create '", staging.string(), "': ", ec.message()));
  }
  const auto cleanup = [&](absl::Status status) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return status;
  };
  DataDirRestore result;
  auto log = es::EventStore::RestoreBackup(LogBackupDir(backup_dir), chosen->log().backup_id(),
                                           staging.string());
  if (!log.ok()) {
    return cleanup(
        absl::Status(log.status().code(), absl::StrCat("the log: ", log.status().message())));
  }
  result.log = *std::move(log);
  auto access = es::EventStore::RestoreBackup(AccessLogBackupDir(backup_dir),
                                              chosen->access_log().backup_id(),
                                              (staging / "access-log").string());
  if (!access.ok()) {
    return cleanup(absl::Status(access.status().code(),
                                absl::StrCat("the access log: ", access.status().message())));
  }
  result.access_log = *std::move(access);
  if (fs::exists(target, ec)) fs::remove(target, ec);  // empty (checked above)
  fs::rename(staging, target, ec);
  if (ec) {
    return cleanup(absl::UnavailableError(absl::StrCat(
        "cannot rename '", staging.string(), "' to '", target.string(), "': ", ec.message())));
  }
  return result;
}

grpc::ServerUnaryReactor* AdminService::VoidForeignEvent(grpc::CallbackServerContext* context,
                                                         const v1::VoidForeignEventRequest* request,
                                                         v1::VoidForeignEventResponse* response) {
  const RunOn where{executors_, ExecutorKind::kStoreWait, "Admin.VoidForeignEvent"};
  return OnPool(context, where, [this, context, request, response]() -> absl::Status {
    auto caller = access_->Authorize(*context, Right::kAdmin);
    if (!caller.ok()) return caller.status();
    if (auto st = domain::ValidateChildId(request->child_id(), "child_id"); !st.ok()) {
      return st;
    }
    auto target = eventstore::EventId::Parse(request->event_id(), "event_id");
    if (!target.ok()) return target.status();
    const std::string event_id = target->ToString();
    if (request->recorded_by().empty()) {
      return absl::InvalidArgumentError("recorded_by: required (who voids the event)");
    }
    Recorder recorder;
    recorder.source_system = "footprint-admin";
    recorder.actor = request->recorded_by();
    recorder.principal = caller->identity;
    recorder.may_void_foreign_events = true;
    auto outcome = recorder_->Record(
        request->child_id(),
        [&](const domain::ChildRecord& record) -> absl::StatusOr<std::vector<Submission>> {
          if (record.FindForeign(event_id) == nullptr) {
            return absl::NotFoundError(absl::StrCat("event_id: child ", request->child_id(),
                                                    "'s stream has no event ", event_id,
                                                    " that is not a domain event (footprint child ",
                                                    request->child_id(), " lists them)"));
          }
          v1::ChildEvent event;
          event.set_child_id(request->child_id());
          event.set_occurred_on(domain::FormatIsoDate(recorder_->Today()));
          event.mutable_correction()->set_supersedes_event_id(event_id);
          event.mutable_correction()->set_reason(request->reason());
          return std::vector<Submission>{Submission{request->void_event_id(), event}};
        },
        recorder);
    if (!outcome.ok()) return outcome.status();
    response->set_event_id(outcome->append.event_ids.front());
    response->set_version(outcome->append.first_version.value);
    response->set_position(outcome->append.first_position.value);
    response->set_duplicate(outcome->append.duplicate);
    if (const domain::ForeignEvent* voided = outcome->record.FindForeign(event_id)) {
      *response->mutable_voided() = projections::ForeignEventItemOf(*voided);
    }
    // The reason stays in the log of events, where it was recorded; this names what happened.
    spdlog::warn("'{}' voided event {} of {} (position {}) by event {} at position {}",
                 caller->identity, event_id, domain::ChildStream(request->child_id()),
                 response->voided().position(), response->event_id(), response->position());
    return absl::OkStatus();
  });
}

}  // namespace footprint::services
