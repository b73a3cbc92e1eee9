// PowerCutFs: a RocksDB FileSystem wrapper that knows, at every moment, what of one directory
// would survive a power cut, and can write that "durable image" into another directory.
//
// kill -9 keeps the kernel's page cache, so it cannot tell a store that syncs from one that
// does not. A power cut drops everything that was not made durable. The model (POSIX's
// promises, taking the outcome that loses more wherever the kernel may do either):
//
// - File contents. Every change to a file (an append, an in-place write of a random-RW file,
//   a truncation, the truncation of an existing file reopened by NewWritableFile) survives
//   only once a Sync or Fsync of that file has returned, and then every change made before
//   the sync began survives. Flush, RangeSync and Close make nothing durable. Unsynced
//   changes are lost whole (no torn tail is kept).
// - Directory entries. A new file's name, a rename and a hard link survive only once an fsync
//   of the directory (FSDirectory::Fsync or FsyncWithDirOptions) has returned; until then the
//   directory is as it was at its last fsync, so a rename is atomic (the old file under the
//   target name, or the new one), never neither.
// - Deletions are durable at once: an unlinked file is gone from the image immediately. (The
//   kernel may also bring it back; that gives RocksDB an obsolete file it ignores, while the
//   file being gone tests that nothing still needed was deleted.)
// - One directory is modelled, not its subdirectories; the directory itself always exists.
//   RocksDB's info log (LOG, LOG.old.*) is not modelled (not needed to open a store, and
//   never synced). Files already in the directory when the wrapper is made count as durable.
//
// Contents are kept in memory (what is durable, and the changes since the last sync), so use
// it for small stores. CutPower takes the model's lock: no change or sync can land while the
// image is taken, so whatever happened-before the cut (a sync that returned, an append that
// was acknowledged after it) is in the image.
//
// Mode::kLogSyncsIgnored is the negative control: syncs of the write-ahead log files (*.log)
// make nothing durable, as if the store never synced its appends.
#ifndef FOOTPRINT_TESTS_SUPPORT_POWER_CUT_FS_H_
#define FOOTPRINT_TESTS_SUPPORT_POWER_CUT_FS_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "absl/status/status.h"
#include "rocksdb/file_system.h"

namespace footprint::testing {

class PowerCutFs final : public rocksdb::FileSystemWrapper {
 public:
  enum class Mode {
    kFaithful,         // Sync/Fsync make a file's changes durable.
    kLogSyncsIgnored,  // ... except for the write-ahead log files (*.log): nothing of them is.
  };

  // A change to a modelled file or to the directory, reported before it is made.
  struct Change {
    enum class Kind {
      kCreate,    // NewWritableFile / ReopenWritableFile / ReuseWritableFile
      kAppend,    // FSWritableFile::Append / PositionedAppend
      kWrite,     // FSRandomRWFile::Write
      kTruncate,  // FSWritableFile::Truncate / FileSystem::Truncate
      kSync,      // Sync or Fsync of a file
      kFlush,     // Flush or RangeSync of a file (makes nothing durable)
      kClose,
      kDirSync,  // fsync of the directory
      kRename,   // `name` is the target
      kLink,     // `name` is the new link
      kDelete,
    };
    Kind kind;
    std::string name;  // file name within the directory ("" for kDirSync)
    std::string ToString() const;
  };

  // Models `dir` (as the store will name it: StoreOptions::data_dir) over the default file
  // system. Files already in it count as durable.
  explicit PowerCutFs(std::string dir, Mode mode = Mode::kFaithful);
  ~PowerCutFs() override;

  const char* Name() const override { return "PowerCutFs"; }
  static const char* kClassName() { return "PowerCutFs"; }

  // Cuts the power: writes into `image_dir` (created if missing; must hold no files) exactly
  // the files, with exactly the contents, that would survive a power cut now. `at_cut` runs at
  // the cut, while no modelled change or sync can complete (take the set of acknowledged
  // appends there). The live directory is not touched; the store on it can keep running.
  absl::Status CutPower(const std::string& image_dir, const std::function<void()>& at_cut = {});

  // Called before every change to a modelled file or to the directory, on the thread making
  // it, with no lock of the model held (it may call CutPower, but not SetBeforeChange). Empty:
  // none. Returns once no call of the previous hook is running any more.
  void SetBeforeChange(std::function<void(const Change&)> hook);

  // --- rocksdb::FileSystem -------------------------------------------------------------------
  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname,
                                       const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;

  // One modelled file (an inode): its durable content and its changes since the last sync.
  struct Inode;
  class WritableFile;
  class RandomRWFile;
  class Directory;

 private:
  struct Op {
    enum class Kind { kAppend, kWrite, kTruncate } kind;
    uint64_t offset = 0;  // kWrite: where; kTruncate: the new size
    std::string data;
  };

  // The file name within the modelled directory, or "" when `path` is not modelled.
  std::string Modelled(const std::string& path) const;
  void Before(Change::Kind kind, const std::string& name);
  // The inode named `name`, adopting a file the model has not seen (as durable) if needed.
  // REQUIRES: mu_ held.
  std::shared_ptr<Inode> InodeLocked(const std::string& name);
  void Record(const std::shared_ptr<Inode>& inode, Op op);
  // A sync of `inode` that began when its change count was `upto` returned: what was changed
  // before it is durable.
  void Synced(const std::shared_ptr<Inode>& inode, uint64_t upto);
  uint64_t ChangeCount(const std::shared_ptr<Inode>& inode);
  void DirSynced(const std::map<std::string, std::shared_ptr<Inode>>& entries);
  std::map<std::string, std::shared_ptr<Inode>> LiveEntries();
  rocksdb::IOStatus Wrap(const std::string& name, bool truncate,
                         std::unique_ptr<rocksdb::FSWritableFile>* result);
  static void Apply(std::string* content, const Op& op);

  const std::string dir_;
  const Mode mode_;

  // Held shared while the hook runs, exclusively to replace it.
  std::shared_mutex hook_mu_;
  std::function<void(const Change&)> hook_;  // Guarded by hook_mu_.

  std::mutex mu_;
  // The directory as it is now (modelled files only) and as a power cut would leave it.
  std::map<std::string, std::shared_ptr<Inode>> live_;     // Guarded by mu_.
  std::map<std::string, std::shared_ptr<Inode>> durable_;  // Guarded by mu_.
};

}  // namespace footprint::testing

#endif  // FOOTPRINT_TESTS_SUPPORT_POWER_CUT_FS_H_
