#include "commit_mark.h"

#include <openssl/evp.h>

#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "event_codec.h"
#include "key_format.h"
#include "rocks_status.h"

namespace footprint::eventstore {
namespace {

constexpr char kMagic[] = "FPCMARK1";
constexpr size_t kMagicBytes = 8;
constexpr size_t kBodyBytes = kMagicBytes + 8;
constexpr size_t kSlotBytes = kBodyBytes + 16;

std::string Checksum(const char* body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(body, kBodyBytes, digest.data(), &size, codec::Sha256(), nullptr) != 1) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(digest.data()), 16);
}

// The value of one slot, or nullopt when it is not a valid slot.
std::optional<uint64_t> DecodeSlot(const std::string& file, uint64_t offset) {
  if (file.size() < offset + kSlotBytes) return std::nullopt;
  const char* slot = file.data() + offset;
  if (std::memcmp(slot, kMagic, kMagicBytes) != 0) return std::nullopt;
  const std::string sum = Checksum(slot);
  if (sum.size() != 16 || std::memcmp(slot + kBodyBytes, sum.data(), 16) != 0) {
    return std::nullopt;
  }
  return keys::DecodeU64BigEndian(absl::string_view(slot + kMagicBytes, 8));
}

std::string PathOf(const std::string& dir) { return absl::StrCat(dir, "/", kCommitMarkFile); }

}  // namespace

std::string CommitMark::EncodeSlot(uint64_t committed_end) {
  std::string slot(kMagic, kMagicBytes);
  keys::AppendU64BigEndian(&slot, committed_end);
  slot += Checksum(slot.data());
  return slot;
}

absl::StatusOr<std::optional<uint64_t>> CommitMark::Read(rocksdb::Env* env,
                                                         const std::string& dir) {
  const std::string path = PathOf(dir);
  const rocksdb::Status exists = env->FileExists(path);
  if (exists.IsNotFound()) return std::nullopt;
  if (!exists.ok()) return FromRocks(exists, absl::StrCat("reading the commit mark '", path, "'"));
  std::string content;
  if (auto st = FromRocks(rocksdb::ReadFileToString(env, path, &content),
                          absl::StrCat("reading the commit mark '", path, "'"));
      !st.ok()) {
    return st;
  }
  if (content.empty()) {
    // Versions before 2026-12-07 created the file empty and wrote its first slot afterwards; a
    // power cut in between left this. It records nothing, like a missing mark.
    return std::nullopt;
  }
  std::optional<uint64_t> best;
  for (const uint64_t offset : kSlotOffsets) {
    if (auto value = DecodeSlot(content, offset); value && (!best || *value > *best)) {
      best = value;
    }
  }
  if (!best) {
    return absl::DataLossError(absl::StrCat(
        "the commit mark '", path, "' is damaged (", content.size(),
        " bytes, no slot with a valid checksum): the number of acknowledged events is unknown"));
  }
  return best;
}

absl::StatusOr<std::unique_ptr<CommitMark>> CommitMark::OpenForWrite(rocksdb::Env* env,
                                                                     const std::string& dir,
                                                                     uint64_t committed_end) {
  const std::string path = PathOf(dir);
  const std::string what = absl::StrCat("creating the commit mark '", path, "'");
  if (env->FileExists(path).IsNotFound()) {
    // The mark must never be seen without a valid slot: an empty file made durable before its
    // first slot would refuse every later open. So it is written whole under a temporary name,
    // synced, renamed into place, and the directory synced so that the rename survives a power
    // cut. (RocksDB opens random-access files for writing only when they exist.)
    const std::string temporary = absl::StrCat(path, ".tmp");
    std::string content = EncodeSlot(committed_end);
    content.resize(kSlotOffsets[1], '\0');
    content += EncodeSlot(committed_end);
    std::unique_ptr<rocksdb::WritableFile> created;
    if (auto st = FromRocks(env->NewWritableFile(temporary, &created, rocksdb::EnvOptions()), what);
        !st.ok()) {
      return st;
    }
    if (auto st = FromRocks(created->Append(content), what); !st.ok()) return st;
    if (auto st = FromRocks(created->Sync(), what); !st.ok()) return st;
    if (auto st = FromRocks(created->Close(), what); !st.ok()) return st;
    if (auto st = FromRocks(env->RenameFile(temporary, path), what); !st.ok()) return st;
    std::unique_ptr<rocksdb::Directory> directory;
    if (auto st = FromRocks(env->NewDirectory(dir, &directory), what); !st.ok()) return st;
    if (auto st = FromRocks(directory->Fsync(), what); !st.ok()) return st;
  }
  std::unique_ptr<rocksdb::RandomRWFile> file;
  if (auto st = FromRocks(env->NewRandomRWFile(path, &file, rocksdb::EnvOptions()),
                          absl::StrCat("opening the commit mark '", path, "'"));
      !st.ok()) {
    return st;
  }
  return std::unique_ptr<CommitMark>(new CommitMark(path, std::move(file)));
}

CommitMark::~CommitMark() {
  if (file_ == nullptr) return;
  if (dirty_) (void)file_->Sync();
  (void)file_->Close();
}

absl::Status CommitMark::Write(uint64_t committed_end) {
  const std::string slot = EncodeSlot(committed_end);
  if (auto st = FromRocks(file_->Write(kSlotOffsets[next_slot_], slot),
                          absl::StrCat("writing the commit mark '", path_, "'"));
      !st.ok()) {
    return st;
  }
  next_slot_ ^= 1;
  dirty_ = true;
  return absl::OkStatus();
}

absl::Status CommitMark::Sync() {
  if (auto st = FromRocks(file_->Sync(), absl::StrCat("syncing the commit mark '", path_, "'"));
      !st.ok()) {
    return st;
  }
  dirty_ = false;
  last_sync_ = std::chrono::steady_clock::now();
  return absl::OkStatus();
}

absl::Status CommitMark::SyncIfDue(std::chrono::steady_clock::duration interval) {
  if (!dirty_ || std::chrono::steady_clock::now() - last_sync_ < interval) {
    return absl::OkStatus();
  }
  return Sync();
}

}  // namespace footprint::eventstore
