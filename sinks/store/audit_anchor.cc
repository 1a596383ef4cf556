#include "sinks/store/audit_anchor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <utility>

namespace alertd::sinks {

namespace {

constexpr std::string_view kMagic = "alertd-audit-anchor 1";
constexpr size_t kMaxAnchorBytes = 4096;  // four short lines; anything longer is not ours

core::Error invalid(const std::string& path, std::string what) {
  return core::Error{"anchor_invalid", "audit anchor '" + path + "': " + std::move(what)};
}

core::Error io_error(const std::string& path, std::string_view step) {
  return core::Error{"anchor_io", "audit anchor '" + path + "': " + std::string(step) + ": " +
                                      std::strerror(errno)};
}

std::string signed_part(const AuditChainHead& head) {
  return std::string(kMagic) + "\nseq " + std::to_string(head.seq) + "\nhash " + head.hash + "\n";
}

bool take_line(std::string_view& text, std::string_view prefix, std::string_view& value) {
  const size_t end = text.find('\n');
  if (end == std::string_view::npos) return false;
  std::string_view line = text.substr(0, end);
  if (!line.starts_with(prefix)) return false;
  value = line.substr(prefix.size());
  text.remove_prefix(end + 1);
  return true;
}

core::Result<std::optional<std::string>> slurp(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return io_error(path, "open");
  }
  std::string text(kMaxAnchorBytes + 1, '\0');
  size_t size = 0;
  while (size < text.size()) {
    const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return io_error(path, "read");
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  ::close(fd);
  if (size > kMaxAnchorBytes) return invalid(path, "longer than an anchor can be");
  text.resize(size);
  return std::optional<std::string>(std::move(text));
}

core::Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return core::Error{"anchor_io", std::strerror(errno)};
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

core::Status fsync_dir(const std::filesystem::path& dir, const std::string& path) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "open folder");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error(path, "fsync folder");
  return {};
}

}  // namespace

core::Result<std::optional<AnchorFile>> read_anchor_file(const std::string& path,
                                                         const std::string& key) {
  auto text = slurp(path);
  if (!text.ok()) return text.error();
  if (!text->has_value()) return std::optional<AnchorFile>();
  std::string_view rest = **text;
  std::string_view magic, seq_text, hash;
  if (!take_line(rest, "", magic) || magic != kMagic) return invalid(path, "not an anchor file");
  if (!take_line(rest, "seq ", seq_text) || !take_line(rest, "hash ", hash)) {
    return invalid(path, "expected the lines 'seq N' and 'hash H'");
  }
  AnchorFile anchor;
  auto [end, ec] =
      std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), anchor.head.seq);
  if (ec != std::errc() || end != seq_text.data() + seq_text.size() || anchor.head.seq < 0) {
    return invalid(path, "seq is not a number");
  }
  anchor.head.hash = std::string(hash);
  std::string_view mac;
  const bool has_mac = take_line(rest, "mac ", mac);
  if (!rest.empty()) return invalid(path, "unexpected text after the anchor");
  if (key.empty()) return std::optional<AnchorFile>(std::move(anchor));
  if (!has_mac) {
    // Written before a key was configured: fine while the head is a SHA-256
    // entry; an HMAC head was anchored by a keyed alertd, which signs.
    if (is_hmac_hash(anchor.head.hash)) {
      return invalid(path, "no mac, though it anchors an HMAC entry: the file was rewritten");
    }
    return std::optional<AnchorFile>(std::move(anchor));
  }
  AuditHasher hasher(key);
  auto expected = hasher.hmac_hex(signed_part(anchor.head));
  if (!expected.ok()) return expected.error();
  if (*expected != mac) {
    return invalid(path,
                   "its mac does not verify with audit.key (another key, or the file was edited)");
  }
  anchor.authenticated = true;
  return std::optional<AnchorFile>(std::move(anchor));
}

core::Status write_anchor_file(const std::string& path, const AuditChainHead& head,
                               const std::string& key) {
  std::string text = signed_part(head);
  if (!key.empty()) {
    AuditHasher hasher(key);
    auto mac = hasher.hmac_hex(text);
    if (!mac.ok()) return mac.error();
    text += "mac " + *mac + "\n";
  }
  const std::filesystem::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(tmp, "create");
  core::Status st = write_all(fd, text);
  if (st.ok() && ::fsync(fd) != 0) st = io_error(tmp, "fsync");
  if (::close(fd) != 0 && st.ok()) st = io_error(tmp, "close");
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return core::Error{"anchor_io", "audit anchor '" + tmp + "': " + st.error().message};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error(path, "rename");
  return fsync_dir(target.parent_path(), path);
}

AuditAnchor::AuditAnchor(AuditSettings settings) : settings_(std::move(settings)) {
  if (enabled()) thread_ = std::thread([this] { run(); });
}

AuditAnchor::~AuditAnchor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AuditAnchor::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || pending_.has_value(); });
    if (!pending_) return;  // stopping, and nothing left to write
    const AuditChainHead head = std::move(*pending_);
    pending_.reset();
    writing_ = true;
    lock.unlock();
    write(head, false);
    lock.lock();
    writing_ = false;
    idle_.notify_all();
  }
}

void AuditAnchor::write(const AuditChainHead& head, bool always) {
  std::lock_guard file_lock(file_mu_);
  if (!always && head.seq <= written_seq_) return;
  if (auto st = write_anchor_file(settings_.anchor_file, head, settings_.key); !st.ok()) {
    // Behind is safe (verify accepts it); the next commit tries again.
    if (settings_.on_warning) settings_.on_warning(st.error().message);
    return;
  }
  written_seq_ = head.seq;
}

void AuditAnchor::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return !pending_ && !writing_; });
}

void AuditAnchor::hold(std::string reason) {
  held_ = std::move(reason);
  if (settings_.on_warning) {
    settings_.on_warning("audit anchor held, not moved until `alertd audit re-anchor`: " + held_);
  }
}

void AuditAnchor::open(const AuditChainHead& db_head, const AuditHashAt& hash_at) {
  std::lock_guard lock(mutex_);
  if (settings_.on_head) settings_.on_head(db_head);
  if (!enabled()) return;
  auto file = read_anchor_file(settings_.anchor_file, settings_.key);
  if (!file.ok()) return hold(file.error().message);
  if (!file->has_value()) {
    if (db_head.seq == 0) {
      // A new chain is anchored at once, at seq 0: from then on a missing
      // file is always a deleted one, never one a first commit has yet to
      // write (a verify in between would report it missing).
      if (auto st = write_anchor_file(settings_.anchor_file, db_head, settings_.key); !st.ok()) {
        return hold(st.error().message);
      }
      std::lock_guard file_lock(file_mu_);
      written_seq_ = 0;
      return;
    }
    return hold("anchor_missing: " + settings_.anchor_file +
                " does not exist while the chain has " + std::to_string(db_head.seq) + " entries");
  }
  const AuditChainHead& anchored = (*file)->head;
  if (anchored.seq > db_head.seq) {
    return hold("truncated: the anchor is at entry " + std::to_string(anchored.seq) +
                " but the database's head is entry " + std::to_string(db_head.seq));
  }
  if (anchored.seq > 0) {
    auto hash = hash_at(anchored.seq);
    if (!hash.ok()) return hold("cannot read the anchored entry: " + hash.error().message);
    if (!hash->has_value() || **hash != anchored.hash) {
      return hold("anchor_mismatch: the database's entry " + std::to_string(anchored.seq) +
                  " is not the anchored one");
    }
  }
  accepted_ = anchored;
  std::lock_guard file_lock(file_mu_);
  written_seq_ = anchored.seq;
}

void AuditAnchor::committed(const AuditChainHead& before, const AuditChainHead& after) {
  {
    std::lock_guard lock(mutex_);
    if (settings_.on_head) settings_.on_head(after);
    if (!enabled() || !held_.empty()) return;
    // Normally the commit continues from the last head handed over. Further
    // on, the head was moved by another writer on the same PostgreSQL
    // database: moving on is right. Behind it, or at it with another hash,
    // is a chain that does not continue the anchored one.
    if (before.seq < accepted_.seq ||
        (before.seq == accepted_.seq && before.hash != accepted_.hash)) {
      return hold("the store's head (entry " + std::to_string(before.seq) +
                  ") does not continue the anchored entry " + std::to_string(accepted_.seq));
    }
    accepted_ = after;
    pending_ = after;  // replaces an older head not written yet: the newest is enough
  }
  wake_.notify_one();
}

core::Status AuditAnchor::force(const AuditChainHead& head) {
  if (!enabled()) return core::Error{"anchor_io", "no audit.anchor_file is configured"};
  flush();
  {
    std::lock_guard lock(mutex_);
    if (settings_.on_head) settings_.on_head(head);
    pending_.reset();
  }
  {
    std::lock_guard file_lock(file_mu_);
    // Unconditionally: after a restore the new head may be below the old one.
    if (auto st = write_anchor_file(settings_.anchor_file, head, settings_.key); !st.ok()) {
      return st;
    }
    written_seq_ = head.seq;
  }
  std::lock_guard lock(mutex_);
  accepted_ = head;
  held_.clear();
  return {};
}

std::string AuditAnchor::held_reason() const {
  std::lock_guard lock(mutex_);
  return held_;
}

}  // namespace alertd::sinks
