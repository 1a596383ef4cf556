#include "ingest/journal/reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace alertd::ingest::journal {
namespace {

namespace fs = std::filesystem;

core::Error damage_error(const fs::path& path, uint64_t offset, std::string_view reason) {
  return {"journal_corrupt",
          fmt::format("journal segment {}: offset {}: {} (open with repair to skip the damage)",
                      path.string(), offset, reason)};
}

core::Error io_error(const fs::path& path, std::string_view what) {
  return {"journal_io",
          fmt::format("journal segment {}: {}: {}", path.string(), what, std::strerror(errno))};
}

// The first `limit` bytes of `path` (all of it if shorter) into `buf`, which
// is reused from segment to segment.
bool read_file(const fs::path& path, uint64_t limit, std::string& buf) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0;
  buf.resize(ok ? std::min<uint64_t>(static_cast<uint64_t>(st.st_size), limit) : 0);
  for (size_t at = 0; ok && at < buf.size();) {
    ssize_t n = ::pread(fd, buf.data() + at, buf.size() - at, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      buf.resize(at);  // shorter than fstat said: read what is there
      break;
    }
    at += static_cast<size_t>(n);
  }
  ::close(fd);
  return ok;
}

// Truncates `path` to `size` and makes that durable.
bool truncate_durably(const fs::path& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0 && ::fdatasync(fd) == 0;
  ::close(fd);
  return ok;
}

// A fresh, empty segment in place of one whose header a crash tore.
bool rewrite_header(const fs::path& path, uint64_t first_lsn) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return false;
  char header[kSegmentHeaderBytes];
  encode_segment_header(first_lsn, header);
  bool ok = ::pwrite(fd, header, sizeof header, 0) == static_cast<ssize_t>(sizeof header) &&
            ::fdatasync(fd) == 0;
  ::close(fd);
  return ok;
}

struct Found {
  uint64_t first_lsn = 0;
  fs::path path;
};

// One open() pass over the directory, oldest segment first.
class Recovery {
 public:
  Recovery(State& state, OpenReport& report) : s_(state), r_(report) {}
  core::Status run();

 private:
  core::Status segment(const Found& found, bool last);
  core::Status bad_header(const Found& found, bool last, const std::string& reason);
  core::Status continuity(const Found& found, uint64_t first_lsn);
  core::Status tail(const Found& found, bool last, const Damage& damage, uint64_t& size);
  void note(std::string line) {
    spdlog::warn("journal: {}", line);
    r_.notes.push_back(std::move(line));
  }
  void add(uint64_t first_lsn, uint64_t bytes, bool damaged) {
    s_.segments.push_back({first_lsn, bytes, damaged});
    s_.disk_bytes += bytes;
  }

  State& s_;
  OpenReport& r_;
  std::string buf_;
  uint64_t prev_ = 0;        // the last good LSN so far
  uint64_t next_floor_ = 1;  // the next LSN may not be below this
};

core::Status Recovery::run() {
  const auto& dir = s_.options.dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return core::Error{"journal_io", fmt::format("journal {}: {}", dir.string(), ec.message())};
  std::vector<Found> found;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto name = entry.path().filename().string();
    auto lsn = parse_segment_file_name(name);
    if (lsn && entry.is_regular_file()) found.push_back({*lsn, entry.path()});
  }
  if (ec)
    return core::Error{"journal_io", fmt::format("journal {}: {}", dir.string(), ec.message())};
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.first_lsn < b.first_lsn; });
  for (size_t i = 0; i < found.size(); ++i) {
    if (auto st = segment(found[i], i + 1 == found.size()); !st) return st;
  }
  std::lock_guard lock(s_.mu);
  s_.segment_count = s_.segments.size();
  s_.next_lsn = std::max(prev_ + 1, next_floor_);
  s_.durable_lsn = s_.next_lsn - 1;
  return {};
}

core::Status Recovery::segment(const Found& found, bool last) {
  if (!read_file(found.path, UINT64_MAX, buf_)) return io_error(found.path, "read");
  uint64_t first = 0;
  auto bad = check_segment_header(buf_, first);
  if (!bad && first != found.first_lsn) {
    bad = fmt::format("header lsn {} does not match the file name", first);
  }
  if (bad) return bad_header(found, last, *bad);
  if (auto st = continuity(found, first); !st) return st;
  auto scan = scan_segment(buf_, {first, prev_, s_.options.repair}, {});
  if (scan.fatal) return damage_error(found.path, scan.fatal->offset, scan.fatal->reason);
  for (const auto& d : scan.skipped) {
    note(fmt::format("repair: skipped {} bytes at offset {} of {}: {}", d.bytes, d.offset,
                     found.path.string(), d.reason));
    r_.repaired_bytes += d.bytes;
  }
  r_.repaired_records += scan.lost_lsns;
  uint64_t size = buf_.size();
  if (scan.tail) {
    if (auto st = tail(found, last, *scan.tail, size); !st) return st;
  }
  if (scan.records > 0) {
    if (r_.records == 0) r_.first_lsn = scan.first_lsn;
    r_.records += scan.records;
    r_.last_lsn = scan.last_lsn;
  }
  // An empty segment still says where the LSNs go on.
  prev_ = scan.records > 0 ? scan.last_lsn : std::max(prev_, first - 1);
  add(first, size, false);
  return {};
}

// LSNs run on from one segment to the next; repair lets a gap pass.
core::Status Recovery::continuity(const Found& found, uint64_t first_lsn) {
  if (prev_ == 0 || first_lsn == prev_ + 1) return {};
  auto why =
      fmt::format("lsn gap: the segment starts at {}, the one before ends at {}", first_lsn, prev_);
  if (!s_.options.repair) return damage_error(found.path, 8, why);
  note(fmt::format("repair: {}: {}", found.path.string(), why));
  if (first_lsn > prev_ + 1) r_.repaired_records += first_lsn - prev_ - 1;
  return {};
}

// Damage with nothing valid after it: a crash mid-write when it is the end of
// the journal (cut it), real damage anywhere else.
core::Status Recovery::tail(const Found& found, bool last, const Damage& damage, uint64_t& size) {
  if (!last) {
    if (!s_.options.repair) return damage_error(found.path, damage.offset, damage.reason);
    note(fmt::format("repair: skipped the last {} bytes (offset {}) of {}: {}", damage.bytes,
                     damage.offset, found.path.string(), damage.reason));
    r_.repaired_bytes += damage.bytes;
    return {};
  }
  if (!truncate_durably(found.path, damage.offset)) return io_error(found.path, "truncate");
  spdlog::warn("journal: cut {} bytes off the tail of {} at offset {}: {}", damage.bytes,
               found.path.string(), damage.offset, damage.reason);
  r_.tail_cut = true;
  r_.tail_reason = damage.reason;
  r_.tail_bytes_cut += damage.bytes;
  size = damage.offset;
  return {};
}

core::Status Recovery::bad_header(const Found& found, bool last, const std::string& reason) {
  if (last && buf_.size() <= kSegmentHeaderBytes) {
    // Torn while being created: it cannot hold a record yet.
    if (auto st = continuity(found, found.first_lsn); !st) return st;
    if (!rewrite_header(found.path, found.first_lsn) || !sync_dir(s_.options.dir)) {
      return io_error(found.path, "rewriting its header");
    }
    note(fmt::format("recreated {}: {}", found.path.string(), reason));
    prev_ = std::max(prev_, found.first_lsn - 1);
    add(found.first_lsn, kSegmentHeaderBytes, false);
    return {};
  }
  if (!s_.options.repair) return damage_error(found.path, 0, reason);
  note(fmt::format("repair: skipped all {} bytes of {}: {}", buf_.size(), found.path.string(),
                   reason));
  r_.repaired_bytes += buf_.size();
  // Which LSNs it held is unknown; none of them is handed out again, so a
  // checkpoint that covered one cannot hide a new record.
  if (last && buf_.size() > kSegmentHeaderBytes) {
    next_floor_ = found.first_lsn + (buf_.size() - kSegmentHeaderBytes) / kRecordHeaderBytes + 1;
  }
  add(found.first_lsn, buf_.size(), true);  // kept; remove_through deletes it once passed
  return {};
}

}  // namespace

core::Status recover(State& state, OpenReport& report) {
  return Recovery(state, report).run();
}

core::Result<uint64_t> replay_segments(const State& state, uint64_t after, const RecordFn& fn) {
  std::vector<Segment> segments;
  {
    std::lock_guard lock(state.mu);
    segments = state.segments;
  }
  const uint64_t durable = state.durable_lsn.load();
  const bool repair = state.options.repair;
  uint64_t count = 0, prev = 0;
  std::string buf;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& seg = segments[i];
    const bool covered = i + 1 < segments.size() && segments[i + 1].first_lsn - 1 <= after;
    if (seg.damaged || covered || seg.first_lsn > durable) continue;
    const auto path = state.path_of(seg.first_lsn);
    if (!read_file(path, seg.bytes, buf)) return io_error(path, "read");
    uint64_t first = 0;
    if (auto bad = check_segment_header(buf, first)) return damage_error(path, 0, *bad);
    auto scan = scan_segment(buf, {first, prev, repair}, [&](uint64_t lsn, std::string_view p) {
      if (lsn > after && lsn <= durable) fn(lsn, p), ++count;
    });
    // What repair skipped was reported by open(); anything else is new damage.
    if (scan.fatal) return damage_error(path, scan.fatal->offset, scan.fatal->reason);
    if (scan.tail && !repair) return damage_error(path, scan.tail->offset, scan.tail->reason);
    if (scan.records > 0) prev = scan.last_lsn;
  }
  return count;
}

}  // namespace alertd::ingest::journal
