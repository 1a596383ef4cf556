#include "ingest/journal/writer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace alertd::ingest::journal {
namespace {

uint64_t record_bytes(const Pending& p) {
  return kRecordHeaderBytes + p.payload.size();
}

void complete_all(std::vector<Pending>& items, AppendError error) {
  for (auto& p : items) p.done(error == AppendError::none ? p.lsn : 0, error);
}

// 0, or the errno of the write that failed; loops over short writes.
int pwrite_all(int fd, const char* data, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    data += n, size -= static_cast<size_t>(n), offset += static_cast<uint64_t>(n);
  }
  return 0;
}

}  // namespace

Writer::~Writer() {
  if (fd_ >= 0) ::close(fd_);
}

void Writer::write(std::vector<Pending>& batch) {
  const auto& o = s_.options;
  for (size_t i = 0; i < batch.size(); ++i) {
    Pending& p = batch[i];
    const uint64_t size = record_bytes(p);
    if (fd_ >= 0 && staged_end_ + size > o.segment_bytes) {
      sync();  // rotation is a sync point: unsynced data lives in one segment only
      close_segment();
    }
    if (fd_ < 0 && !open_segment(size)) {
      // No segment to write to: the rest of this batch is the failed group.
      std::vector<Pending> rest(std::make_move_iterator(batch.begin() + static_cast<long>(i)),
                                std::make_move_iterator(batch.end()));
      for (auto& r : rest) s_.reserved -= record_bytes(r);
      complete_all(rest, AppendError::io);
      return;
    }
    p.lsn = s_.next_lsn.fetch_add(1);
    encode_record_header(p.lsn, p.payload, p.header.data());
    if (unsynced_.empty()) deadline_ = std::chrono::steady_clock::now() + o.fsync_interval;
    staged_end_ += size;
    unsynced_.push_back(std::move(p));
    if (staged_end_ - durable_ >= o.group_bytes) sync();
  }
  flush();
}

void Writer::sync() {
  if (unsynced_.empty() || !flush()) return;
  const auto t0 = std::chrono::steady_clock::now();
  if (::fdatasync(fd_) != 0) return fail(IoReason::fsync, errno, "fdatasync");
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  durable_ = written_;
  {
    std::lock_guard lock(s_.mu);
    if (!s_.segments.empty() && s_.segments.back().first_lsn == first_lsn_) {
      s_.segments.back().bytes = durable_;
    }
  }
  s_.durable_lsn = unsynced_.back().lsn;
  s_.healthy = true;
  if (s_.options.on_fsync) s_.options.on_fsync(took.count());
  std::vector<Pending> done;
  done.swap(unsynced_);
  staged_from_ = 0;
  complete_all(done, AppendError::none);
}

bool Writer::open_segment(uint64_t record_bytes) {
  if (!tried_last_) {
    tried_last_ = true;
    if (reopen_last(record_bytes)) return true;
  }
  return create_segment();
}

void Writer::begin_fresh_segment() {
  tried_last_ = true;
  if (fd_ < 0) create_segment();  // a failure is counted; the next write tries again
}

// Keeps writing the segment open() left, so restarts do not leave a trail of
// small files. Only at the first write: later ones rotate or recover into a
// fresh segment.
bool Writer::reopen_last(uint64_t record_bytes) {
  Segment last;
  {
    std::lock_guard lock(s_.mu);
    if (s_.segments.empty()) return false;
    last = s_.segments.back();
  }
  if (last.damaged || last.bytes + record_bytes > s_.options.segment_bytes) return false;
  if (last.first_lsn > s_.next_lsn.load()) return false;
  int fd = ::open(s_.path_of(last.first_lsn).c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;  // a fresh segment may still work
  fd_ = fd;
  first_lsn_ = last.first_lsn;
  durable_ = written_ = staged_end_ = last.bytes;
  return true;
}

bool Writer::create_segment() {
  const uint64_t first = s_.next_lsn.load();
  const auto path = s_.path_of(first);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(IoReason::open, errno, "creating a segment");
    return false;
  }
  char header[kSegmentHeaderBytes];
  encode_segment_header(first, header);
  int err = pwrite_all(fd, header, sizeof header, 0);
  IoReason reason = reason_of_errno(err);
  if (err == 0 && ::fdatasync(fd) != 0) err = errno, reason = IoReason::fsync;
  if (err == 0 && !sync_dir(s_.options.dir)) err = errno, reason = IoReason::fsync;
  if (err != 0) {
    ::close(fd);
    ::unlink(path.c_str());
    fail(reason, err, "writing a segment header");
    return false;
  }
  {
    std::lock_guard lock(s_.mu);
    if (!s_.segments.empty() && s_.segments.back().first_lsn == first) s_.segments.pop_back();
    s_.segments.push_back({first, kSegmentHeaderBytes, false});
    s_.segment_count = s_.segments.size();
  }
  s_.disk_bytes += kSegmentHeaderBytes;
  fd_ = fd;
  first_lsn_ = first;
  durable_ = written_ = staged_end_ = kSegmentHeaderBytes;
  return true;
}

// Writes the staged records with as few pwritev calls as IOV_MAX allows.
bool Writer::flush() {
  if (staged_from_ == unsynced_.size()) return true;
  std::vector<iovec> iov;
  iov.reserve(2 * (unsynced_.size() - staged_from_));
  for (size_t i = staged_from_; i < unsynced_.size(); ++i) {
    iov.push_back({unsynced_[i].header.data(), kRecordHeaderBytes});
    iov.push_back({unsynced_[i].payload.data(), unsynced_[i].payload.size()});
  }
  for (size_t at = 0; at < iov.size();) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - at, IOV_MAX));
    ssize_t n = ::pwritev(fd_, &iov[at], count, static_cast<off_t>(written_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fail(n < 0 ? reason_of_errno(errno) : IoReason::other, n < 0 ? errno : 0, "pwritev");
      return false;
    }
    written_ += static_cast<uint64_t>(n);
    s_.disk_bytes += static_cast<uint64_t>(n);
    for (auto left = static_cast<size_t>(n); left > 0 && at < iov.size();) {
      const size_t step = std::min(left, iov[at].iov_len);
      iov[at].iov_base = static_cast<char*>(iov[at].iov_base) + step;
      iov[at].iov_len -= step;
      left -= step;
      if (iov[at].iov_len == 0) ++at;
    }
    while (at < iov.size() && iov[at].iov_len == 0) ++at;  // empty payloads
  }
  for (size_t i = staged_from_; i < unsynced_.size(); ++i)
    s_.reserved -= record_bytes(unsynced_[i]);
  staged_from_ = unsynced_.size();
  return true;
}

// Undoes everything since the last fsync: the file goes back to its durable
// size (no garbage stays mid-journal once a fresh segment follows it), the
// LSNs are handed out again, and every append of the group completes with io.
void Writer::fail(IoReason reason, int err, const char* what) {
  s_.count_error(reason);
  s_.healthy = false;
  spdlog::error(
      "journal: {} failed in {}: {} ({}); {} appends fail, the next group goes to a "
      "fresh segment",
      what, s_.options.dir.string(), err != 0 ? std::strerror(err) : "short write",
      kErrorReasons[static_cast<size_t>(reason)], unsynced_.size());
  for (size_t i = staged_from_; i < unsynced_.size(); ++i)
    s_.reserved -= record_bytes(unsynced_[i]);
  if (fd_ >= 0) {
    if (written_ > durable_) {
      // fdatasync makes the new size durable too, so a crash cannot bring the
      // undone records back ahead of the fresh segment that reuses their LSNs.
      if (::ftruncate(fd_, static_cast<off_t>(durable_)) == 0 && ::fdatasync(fd_) == 0) {
        s_.disk_bytes -= written_ - durable_;
      } else {
        spdlog::error("journal: cannot truncate {} back to {} bytes: {}",
                      s_.path_of(first_lsn_).string(), durable_, std::strerror(errno));
      }
    }
    if (durable_ == kSegmentHeaderBytes) drop_empty_segment();
    close_segment();
  }
  s_.next_lsn = s_.durable_lsn.load() + 1;
  std::vector<Pending> failed;
  failed.swap(unsynced_);
  staged_from_ = 0;
  complete_all(failed, AppendError::io);
}

// A segment with no durable record is removed, so the fresh one can take its name.
void Writer::drop_empty_segment() {
  if (::unlink(s_.path_of(first_lsn_).c_str()) != 0) return;
  {
    std::lock_guard lock(s_.mu);
    if (!s_.segments.empty() && s_.segments.back().first_lsn == first_lsn_) s_.segments.pop_back();
    s_.segment_count = s_.segments.size();
  }
  s_.disk_bytes -= kSegmentHeaderBytes;
  sync_dir(s_.options.dir);
}

void Writer::close_segment() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace alertd::ingest::journal
