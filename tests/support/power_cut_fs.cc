#include "power_cut_fs.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace footprint::testing {
namespace {

std::string Normal(const std::string& path) {
  std::string normal = std::filesystem::path(path).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

struct PowerCutFs::Inode {
  std::string durable;        // what survives a power cut
  std::deque<Op> pending;     // changes since the last sync, oldest first
  uint64_t applied = 0;       // changes made durable so far (the number of pending.front())
  int links = 0;              // live names
  bool deleted = false;       // unlinked by DeleteFile: never comes back
  bool ignore_syncs = false;  // Mode::kLogSyncsIgnored and a write-ahead log file
};

std::string PowerCutFs::Change::ToString() const {
  const char* what = "?";
  switch (kind) {
    case Kind::kCreate:
      what = "create";
      break;
    case Kind::kAppend:
      what = "append to";
      break;
    case Kind::kWrite:
      what = "write in place to";
      break;
    case Kind::kTruncate:
      what = "truncate";
      break;
    case Kind::kSync:
      what = "sync";
      break;
    case Kind::kFlush:
      what = "flush";
      break;
    case Kind::kClose:
      what = "close";
      break;
    case Kind::kDirSync:
      return "fsync the directory";
    case Kind::kRename:
      what = "rename to";
      break;
    case Kind::kLink:
      what = "link";
      break;
    case Kind::kDelete:
      what = "delete";
      break;
  }
  return absl::StrCat(what, " ", name);
}

// --- Files -----------------------------------------------------------------------------------

class PowerCutFs::WritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  WritableFile(PowerCutFs* fs, std::string name, std::shared_ptr<Inode> inode,
               std::unique_ptr<rocksdb::FSWritableFile> file)
      : FSWritableFileOwnerWrapper(std::move(file)),
        fs_(fs),
        name_(std::move(name)),
        inode_(std::move(inode)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kAppend, name_);
    auto s = FSWritableFileOwnerWrapper::Append(data, options, dbg);
    if (s.ok()) fs_->Record(inode_, Op{Op::Kind::kAppend, 0, data.ToString()});
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kAppend, name_);
    auto s = FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    if (s.ok()) fs_->Record(inode_, Op{Op::Kind::kAppend, 0, data.ToString()});
    return s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kAppend, name_);
    auto s = FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
    if (s.ok()) fs_->Record(inode_, Op{Op::Kind::kWrite, offset, data.ToString()});
    return s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kAppend, name_);
    auto s = FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg);
    if (s.ok()) fs_->Record(inode_, Op{Op::Kind::kWrite, offset, data.ToString()});
    return s;
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kTruncate, name_);
    auto s = FSWritableFileOwnerWrapper::Truncate(size, options, dbg);
    if (s.ok()) fs_->Record(inode_, Op{Op::Kind::kTruncate, size, ""});
    return s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kSync, name_);
    const uint64_t upto = fs_->ChangeCount(inode_);
    auto s = FSWritableFileOwnerWrapper::Sync(options, dbg);
    if (s.ok()) fs_->Synced(inode_, upto);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kSync, name_);
    const uint64_t upto = fs_->ChangeCount(inode_);
    auto s = FSWritableFileOwnerWrapper::Fsync(options, dbg);
    if (s.ok()) fs_->Synced(inode_, upto);
    return s;
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kFlush, name_);
    return FSWritableFileOwnerWrapper::Flush(options, dbg);
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kFlush, name_);
    return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, options, dbg);
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kClose, name_);
    return FSWritableFileOwnerWrapper::Close(options, dbg);
  }

 private:
  PowerCutFs* const fs_;
  const std::string name_;
  const std::shared_ptr<Inode> inode_;
};

class PowerCutFs::RandomRWFile final : public rocksdb::FSRandomRWFileOwnerWrapper {
 public:
  RandomRWFile(PowerCutFs* fs, std::string name, std::shared_ptr<Inode> inode,
               std::unique_ptr<rocksdb::FSRandomRWFile> file)
      : FSRandomRWFileOwnerWrapper(std::move(file)),
        fs_(fs),
        name_(std::move(name)),
        inode_(std::move(inode)) {}

  rocksdb::IOStatus Write(uint64_t offset, const rocksdb::Slice& data,
                          const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kWrite, name_);
    auto s = FSRandomRWFileOwnerWrapper::Write(offset, data, options, dbg);
    if (s.ok()) fs_->Record(inode_, Op{Op::Kind::kWrite, offset, data.ToString()});
    return s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kSync, name_);
    const uint64_t upto = fs_->ChangeCount(inode_);
    auto s = FSRandomRWFileOwnerWrapper::Sync(options, dbg);
    if (s.ok()) fs_->Synced(inode_, upto);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kSync, name_);
    const uint64_t upto = fs_->ChangeCount(inode_);
    auto s = FSRandomRWFileOwnerWrapper::Fsync(options, dbg);
    if (s.ok()) fs_->Synced(inode_, upto);
    return s;
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kFlush, name_);
    return FSRandomRWFileOwnerWrapper::Flush(options, dbg);
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kClose, name_);
    return FSRandomRWFileOwnerWrapper::Close(options, dbg);
  }

 private:
  PowerCutFs* const fs_;
  const std::string name_;
  const std::shared_ptr<Inode> inode_;
};

class PowerCutFs::Directory final : public rocksdb::FSDirectoryWrapper {
 public:
  Directory(PowerCutFs* fs, std::unique_ptr<rocksdb::FSDirectory> dir)
      : FSDirectoryWrapper(std::move(dir)), fs_(fs) {}

  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fs_->Before(Change::Kind::kDirSync, "");
    // The entries as the fsync begins are what it makes durable.
    const auto entries = fs_->LiveEntries();
    auto s = FSDirectoryWrapper::Fsync(options, dbg);
    if (s.ok()) fs_->DirSynced(entries);
    return s;
  }
  rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& options,
                                        rocksdb::IODebugContext* dbg,
                                        const rocksdb::DirFsyncOptions& dir_options) override {
    fs_->Before(Change::Kind::kDirSync, "");
    const auto entries = fs_->LiveEntries();
    auto s = FSDirectoryWrapper::FsyncWithDirOptions(options, dbg, dir_options);
    if (s.ok()) fs_->DirSynced(entries);
    return s;
  }

 private:
  PowerCutFs* const fs_;
};

// --- The model ------------------------------------------------------------------------------

PowerCutFs::PowerCutFs(std::string dir, Mode mode)
    : FileSystemWrapper(rocksdb::FileSystem::Default()), dir_(Normal(dir)), mode_(mode) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = Modelled(entry.path().string());
    if (name.empty()) continue;
    auto inode = std::make_shared<Inode>();
    inode->durable = ReadWhole(entry.path().string());
    inode->links = 1;
    live_[name] = inode;
    durable_[name] = inode;
  }
}

PowerCutFs::~PowerCutFs() = default;

std::string PowerCutFs::Modelled(const std::string& path) const {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  if (Normal(path.substr(0, slash == 0 ? 1 : slash)) != dir_) return "";
  std::string name = path.substr(slash + 1);
  if (name.empty() || absl::StartsWith(name, "LOG")) return "";  // the info log
  return name;
}

void PowerCutFs::SetBeforeChange(std::function<void(const Change&)> hook) {
  std::unique_lock<std::shared_mutex> lock(hook_mu_);
  hook_ = std::move(hook);
}

void PowerCutFs::Before(Change::Kind kind, const std::string& name) {
  std::shared_lock<std::shared_mutex> lock(hook_mu_);
  if (hook_) hook_(Change{kind, name});
}

std::shared_ptr<PowerCutFs::Inode> PowerCutFs::InodeLocked(const std::string& name) {
  if (auto it = live_.find(name); it != live_.end()) return it->second;
  // Made behind the model's back (or before it): take it as durable as it is.
  auto inode = std::make_shared<Inode>();
  inode->durable = ReadWhole(dir_ + "/" + name);
  inode->links = 1;
  live_[name] = inode;
  durable_[name] = inode;
  return inode;
}

void PowerCutFs::Apply(std::string* content, const Op& op) {
  switch (op.kind) {
    case Op::Kind::kAppend:
      content->append(op.data);
      break;
    case Op::Kind::kWrite:
      if (content->size() < op.offset + op.data.size()) {
        content->resize(op.offset + op.data.size(), '\0');
      }
      content->replace(op.offset, op.data.size(), op.data);
      break;
    case Op::Kind::kTruncate:
      content->resize(op.offset, '\0');
      break;
  }
}

void PowerCutFs::Record(const std::shared_ptr<Inode>& inode, Op op) {
  std::lock_guard<std::mutex> lock(mu_);
  if (inode->ignore_syncs) return;  // nothing of it will ever be durable
  inode->pending.push_back(std::move(op));
}

uint64_t PowerCutFs::ChangeCount(const std::shared_ptr<Inode>& inode) {
  std::lock_guard<std::mutex> lock(mu_);
  return inode->applied + inode->pending.size();
}

void PowerCutFs::Synced(const std::shared_ptr<Inode>& inode, uint64_t upto) {
  std::lock_guard<std::mutex> lock(mu_);
  while (inode->applied < upto && !inode->pending.empty()) {
    Apply(&inode->durable, inode->pending.front());
    inode->pending.pop_front();
    ++inode->applied;
  }
}

std::map<std::string, std::shared_ptr<PowerCutFs::Inode>> PowerCutFs::LiveEntries() {
  std::lock_guard<std::mutex> lock(mu_);
  return live_;
}

void PowerCutFs::DirSynced(const std::map<std::string, std::shared_ptr<Inode>>& entries) {
  std::lock_guard<std::mutex> lock(mu_);
  durable_.clear();
  for (const auto& [name, inode] : entries) {
    if (!inode->deleted) durable_[name] = inode;  // a deletion since is durable already
  }
}

absl::Status PowerCutFs::CutPower(const std::string& image_dir,
                                  const std::function<void()>& at_cut) {
  std::vector<std::pair<std::string, std::string>> files;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (at_cut) at_cut();
    for (const auto& [name, inode] : durable_) files.emplace_back(name, inode->durable);
  }
  std::error_code ec;
  std::filesystem::create_directories(image_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("creating ", image_dir, ": ", ec.message()));
  if (!std::filesystem::is_empty(image_dir, ec) || ec) {
    return absl::FailedPreconditionError(absl::StrCat(image_dir, " is not an empty directory"));
  }
  for (const auto& [name, content] : files) {
    const std::string path = image_dir + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) return absl::InternalError(absl::StrCat("writing ", path));
  }
  return absl::OkStatus();
}

// --- rocksdb::FileSystem -------------------------------------------------------------------

rocksdb::IOStatus PowerCutFs::Wrap(const std::string& name, bool truncate,
                                   std::unique_ptr<rocksdb::FSWritableFile>* result) {
  std::shared_ptr<Inode> inode;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(name);
    if (it == live_.end()) {
      inode = std::make_shared<Inode>();
      inode->links = 1;
      inode->ignore_syncs = mode_ == Mode::kLogSyncsIgnored && absl::EndsWith(name, ".log");
      live_[name] = inode;
    } else {
      inode = it->second;
      if (truncate && !inode->ignore_syncs)
        inode->pending.push_back(Op{Op::Kind::kTruncate, 0, ""});
    }
  }
  *result = std::make_unique<WritableFile>(this, name, std::move(inode), std::move(*result));
  return rocksdb::IOStatus::OK();
}

rocksdb::IOStatus PowerCutFs::NewWritableFile(const std::string& fname,
                                              const rocksdb::FileOptions& options,
                                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                                              rocksdb::IODebugContext* dbg) {
  const std::string name = Modelled(fname);
  if (!name.empty()) Before(Change::Kind::kCreate, name);
  auto s = target()->NewWritableFile(fname, options, result, dbg);
  if (!s.ok() || name.empty()) return s;
  return Wrap(name, /*truncate=*/true, result);
}

rocksdb::IOStatus PowerCutFs::ReopenWritableFile(const std::string& fname,
                                                 const rocksdb::FileOptions& options,
                                                 std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                 rocksdb::IODebugContext* dbg) {
  const std::string name = Modelled(fname);
  if (!name.empty()) {
    Before(Change::Kind::kCreate, name);
    // A file the model has not seen is adopted as it is, before it is reopened.
    if (target()->FileExists(fname, rocksdb::IOOptions(), dbg).ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      (void)InodeLocked(name);
    }
  }
  auto s = target()->ReopenWritableFile(fname, options, result, dbg);
  if (!s.ok() || name.empty()) return s;
  return Wrap(name, /*truncate=*/false, result);
}

rocksdb::IOStatus PowerCutFs::ReuseWritableFile(const std::string& fname,
                                                const std::string& old_fname,
                                                const rocksdb::FileOptions& options,
                                                std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                rocksdb::IODebugContext* dbg) {
  auto s = RenameFile(old_fname, fname, rocksdb::IOOptions(), dbg);
  if (!s.ok()) return s;
  return NewWritableFile(fname, options, result, dbg);
}

rocksdb::IOStatus PowerCutFs::NewRandomRWFile(const std::string& fname,
                                              const rocksdb::FileOptions& options,
                                              std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                              rocksdb::IODebugContext* dbg) {
  auto s = target()->NewRandomRWFile(fname, options, result, dbg);
  const std::string name = Modelled(fname);
  if (!s.ok() || name.empty()) return s;
  std::shared_ptr<Inode> inode;
  {
    std::lock_guard<std::mutex> lock(mu_);
    inode = InodeLocked(name);
  }
  *result = std::make_unique<RandomRWFile>(this, name, std::move(inode), std::move(*result));
  return s;
}

rocksdb::IOStatus PowerCutFs::NewDirectory(const std::string& name,
                                           const rocksdb::IOOptions& options,
                                           std::unique_ptr<rocksdb::FSDirectory>* result,
                                           rocksdb::IODebugContext* dbg) {
  auto s = target()->NewDirectory(name, options, result, dbg);
  if (s.ok() && Normal(name) == dir_) {
    *result = std::make_unique<Directory>(this, std::move(*result));
  }
  return s;
}

rocksdb::IOStatus PowerCutFs::DeleteFile(const std::string& fname,
                                         const rocksdb::IOOptions& options,
                                         rocksdb::IODebugContext* dbg) {
  const std::string name = Modelled(fname);
  if (!name.empty()) Before(Change::Kind::kDelete, name);
  auto s = target()->DeleteFile(fname, options, dbg);
  if (!s.ok() || name.empty()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(name);
  if (it == live_.end()) return s;
  std::shared_ptr<Inode> inode = std::move(it->second);
  live_.erase(it);
  if (--inode->links == 0) inode->deleted = true;
  // Durable at once (see the header): the name is gone from the image too.
  if (auto d = durable_.find(name); d != durable_.end() && d->second == inode) durable_.erase(d);
  return s;
}

rocksdb::IOStatus PowerCutFs::RenameFile(const std::string& src, const std::string& target_name,
                                         const rocksdb::IOOptions& options,
                                         rocksdb::IODebugContext* dbg) {
  const std::string from = Modelled(src);
  const std::string to = Modelled(target_name);
  if (!to.empty() || !from.empty()) Before(Change::Kind::kRename, to.empty() ? from : to);
  // Taken before the rename: a file the model has not seen is adopted as it is.
  std::string unseen_content;
  bool unseen = false;
  if (!to.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (from.empty() || live_.find(from) == live_.end()) {
      unseen = true;
      unseen_content = ReadWhole(src);
    }
  }
  auto s = target()->RenameFile(src, target_name, options, dbg);
  if (!s.ok() || (from.empty() && to.empty())) return s;
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<Inode> inode;
  if (!from.empty()) {
    if (auto it = live_.find(from); it != live_.end()) {
      inode = std::move(it->second);
      live_.erase(it);
    }
  }
  if (to.empty()) {
    // Moved out of the directory: its old name stays in the image until the directory is
    // synced, like any other removal of an entry by a rename.
    if (inode != nullptr) --inode->links;
    return s;
  }
  if (inode == nullptr || unseen) {
    // From outside the model: a new file whose content is not durable yet.
    inode = std::make_shared<Inode>();
    inode->links = 1;
    inode->pending.push_back(Op{Op::Kind::kAppend, 0, std::move(unseen_content)});
  }
  if (auto old = live_.find(to); old != live_.end() && old->second != inode) {
    // Replaced: it keeps its durable name until the directory is synced.
    --old->second->links;
  }
  live_[to] = std::move(inode);
  return s;
}

rocksdb::IOStatus PowerCutFs::LinkFile(const std::string& src, const std::string& target_name,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) {
  const std::string from = Modelled(src);
  const std::string to = Modelled(target_name);
  if (!to.empty()) Before(Change::Kind::kLink, to);
  auto s = target()->LinkFile(src, target_name, options, dbg);
  if (!s.ok() || to.empty()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<Inode> inode;
  if (!from.empty()) inode = InodeLocked(from);
  if (inode == nullptr) {
    inode = std::make_shared<Inode>();
    inode->pending.push_back(Op{Op::Kind::kAppend, 0, ReadWhole(target_name)});
  }
  ++inode->links;
  live_[to] = std::move(inode);
  return s;
}

rocksdb::IOStatus PowerCutFs::Truncate(const std::string& fname, size_t size,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) {
  const std::string name = Modelled(fname);
  if (name.empty()) return target()->Truncate(fname, size, options, dbg);
  Before(Change::Kind::kTruncate, name);
  std::shared_ptr<Inode> inode;
  {
    std::lock_guard<std::mutex> lock(mu_);
    inode = InodeLocked(name);  // adopted (if it must be) as it was before the truncation
  }
  auto s = target()->Truncate(fname, size, options, dbg);
  if (s.ok()) Record(inode, Op{Op::Kind::kTruncate, size, ""});
  return s;
}

}  // namespace footprint::testing
