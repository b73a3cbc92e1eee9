// AdminService: online backups of a data directory, and RestoreDataDir, their offline restore;
// and VoidForeignEvent, an admin's voiding of an event of a child's stream that is not a domain
// event (a Correction without replacement, recorded through the ChildRecorder).
//
// A backup directory DIR holds DIR/log (the event log's BackupEngine directory) and
// DIR/access-log (the access log's). Admin.Backup backs up the log first, then the access log,
// labelling the latter with the log backup's id and time, so that a restore takes the pair;
// retention is applied to both once both have succeeded. Each backup
// records its checkpoint (log end and head hash); RestoreDataDir checks every file's checksum,
// verifies both restored chains from position 0, and compares the event at each checkpoint
// with the hash recorded at backup time. See docs/operations.md, "Backup and restore".
//
// Thread-safety: the service is shared by gRPC's threads; backups of one store are serialized
// (a second concurrent one gets ABORTED).
#ifndef FOOTPRINT_SERVICES_ADMIN_SERVICE_H_
#define FOOTPRINT_SERVICES_ADMIN_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "eventstore/clock.h"
#include "eventstore/event_store.h"
#include "footprint/v1/admin.grpc.pb.h"
#include "services/access_control.h"
#include "services/child_recorder.h"
#include "services/executors.h"

namespace footprint::services {

// The two stores' directories inside a backup directory.
std::string LogBackupDir(const std::string& backup_dir);
std::string AccessLogBackupDir(const std::string& backup_dir);

// What Admin.Backup has done since the server started (metrics: footprint_backups_total,
// footprint_backup_last_success_timestamp_seconds, ...).
struct BackupStats {
  uint64_t succeeded = 0;  // both halves taken and retention applied
  uint64_t failed = 0;     // started (the caller allowed, no other backup running) and failed
  std::optional<absl::Time> last_success;  // when the last successful backup finished
  uint64_t last_log_events = 0;            // its checkpoint: events in the log
  uint64_t last_log_bytes = 0;             // the log backup's size
  double last_seconds = 0;                 // how long it took, both halves
};

class AdminService final : public v1::Admin::CallbackService {
 public:
  // `keep`: the default retention (config backup.keep). Nothing is owned.
  // `clock` stamps the last success (the server's clock); it must outlive the service.
  // `recorder` records the voiding events of VoidForeignEvent.
  AdminService(eventstore::EventStore* log, eventstore::EventStore* access_log,
               Executors* executors, const AccessControl* access, uint32_t keep,
               const footprint::Clock* clock, const ChildRecorder* recorder)
      : log_(log),
        access_log_(access_log),
        executors_(executors),
        access_(access),
        keep_(keep),
        clock_(clock),
        recorder_(recorder) {}

  grpc::ServerUnaryReactor* Backup(grpc::CallbackServerContext* context,
                                   const v1::BackupRequest* request,
                                   v1::BackupResponse* response) override;
  grpc::ServerUnaryReactor* ListBackups(grpc::CallbackServerContext* context,
                                        const v1::ListBackupsRequest* request,
                                        v1::ListBackupsResponse* response) override;
  grpc::ServerUnaryReactor* VoidForeignEvent(grpc::CallbackServerContext* context,
                                             const v1::VoidForeignEventRequest* request,
                                             v1::VoidForeignEventResponse* response) override;

  // Thread-safe; does not wait for a running backup.
  BackupStats Stats() const;

 private:
  // Both halves of a backup into `dir`, then retention; fills `response` but its seconds.
  // REQUIRES: mu_ held.
  absl::Status BackUpPair(const std::string& dir, uint32_t keep, v1::BackupResponse* response);

  eventstore::EventStore* const log_;
  eventstore::EventStore* const access_log_;
  Executors* const executors_;
  const AccessControl* const access_;
  const uint32_t keep_;
  const footprint::Clock* const clock_;
  const ChildRecorder* const recorder_;
  std::atomic<bool> backing_up_{false};  // set for the length of one Admin.Backup
  mutable base::Mutex stats_mu_;
  BackupStats stats_ ABSL_GUARDED_BY(stats_mu_);
};

// The backup sets in `backup_dir`, oldest first (a log backup with the access-log backup
// labelled with its id; the latter is missing only if that backup failed half-way).
absl::StatusOr<v1::ListBackupsResponse> ListBackupSets(const std::string& backup_dir);

// What a restore of a data directory found.
struct DataDirRestore {
  eventstore::RestoreResult log;
  eventstore::RestoreResult access_log;
};

// Restores log backup `backup_id` (0: the newest) of `backup_dir` and its access-log backup into
// `data_dir`, which must not exist or be empty (FAILED_PRECONDITION). Both are restored into a
// staging directory beside it and verified (EventStore::RestoreBackup); only then is the staging
// directory renamed to `data_dir`, so a failed restore never leaves a data directory that
// footprintd would open. DATA_LOSS names the store, the position and what did not match.
absl::StatusOr<DataDirRestore> RestoreDataDir(const std::string& backup_dir, uint32_t backup_id,
                                              const std::string& data_dir);

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_ADMIN_SERVICE_H_
