#include "ingest/journal/journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "ingest/journal/reader.h"
#include "ingest/journal/state.h"
#include "ingest/journal/writer.h"

namespace alertd::ingest::journal {
namespace {

core::Status check_options(const JournalOptions& o) {
  auto bad = [](std::string message) { return core::Error{"journal_options", std::move(message)}; };
  if (o.dir.empty()) return bad("journal: no directory");
  if (o.max_record_bytes + kRecordHeaderBytes + kSegmentHeaderBytes > o.segment_bytes) {
    return bad(fmt::format("journal: max_record_bytes {} does not fit in a segment of {} bytes",
                           o.max_record_bytes, o.segment_bytes));
  }
  if (o.max_record_bytes > UINT32_MAX) return bad("journal: max_record_bytes is over 4 GiB");
  if (o.group_bytes == 0) return bad("journal: group_bytes is 0");
  return {};
}

}  // namespace

std::string_view to_string(AppendError error) {
  switch (error) {
    case AppendError::none: return "none";
    case AppendError::full: return "full";
    case AppendError::too_large: return "too_large";
    case AppendError::io: return "io";
    case AppendError::stopped: return "stopped";
  }
  return "unknown";
}

IoReason reason_of_errno(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT: return IoReason::enospc;
    case EIO: return IoReason::eio;
    case EFBIG: return IoReason::efbig;
    default: return IoReason::other;
  }
}

bool sync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  errno = err;
  return ok;
}

core::Result<std::unique_ptr<Journal>> Journal::open(JournalOptions options) {
  if (auto st = check_options(options); !st) return st.error();
  // A segment that hits RLIMIT_FSIZE must fail with EFBIG (and recover in a
  // fresh segment) instead of SIGXFSZ killing the daemon.
  std::signal(SIGXFSZ, SIG_IGN);
  auto state = std::make_unique<State>(std::move(options));
  OpenReport report;
  if (auto st = recover(*state, report); !st) return st.error();
  std::unique_ptr<Journal> journal(new Journal(std::move(state)));
  journal->report_ = std::move(report);
  return journal;
}

Journal::Journal(std::unique_ptr<State> state)
    : state_(std::move(state)), writer_(std::make_unique<Writer>(*state_)) {}

Journal::~Journal() {
  stop();
}

core::Result<uint64_t> Journal::replay(uint64_t after, const RecordFn& fn) const {
  return replay_segments(*state_, after, fn);
}

void Journal::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { run(); });
}

void Journal::append(std::string payload, Completion done) {
  if (payload.size() > state_->options.max_record_bytes) return done(0, AppendError::too_large);
  const uint64_t size = kRecordHeaderBytes + payload.size();
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    return done(0, AppendError::stopped);
  }
  // Queued appends hold their bytes, so concurrent ones cannot overshoot
  // together; a segment header is counted in case this one rotates.
  const uint64_t total = state_->disk_bytes + state_->reserved + size + kSegmentHeaderBytes;
  if (total > state_->options.max_bytes) {
    lock.unlock();
    return done(0, AppendError::full);
  }
  state_->reserved += size;
  const bool was_empty = queue_.empty();
  queue_.push_back(Pending{std::move(payload), std::move(done)});
  lock.unlock();
  if (was_empty) wake_.notify_one();  // otherwise the thread is already due to look
}

// The journal thread: takes everything queued at once, writes it, and
// fsyncs when the oldest unsynced record has waited fsync_interval (or the
// writer did already, at group_bytes).
void Journal::run() {
  std::vector<Pending> batch;
  if (state_->options.repair) writer_->begin_fresh_segment();
  std::unique_lock lock(mu_);
  for (;;) {
    auto ready = [this] { return !queue_.empty() || stopping_; };
    if (writer_->has_unsynced()) {
      if (!wake_.wait_until(lock, writer_->deadline(), ready)) {
        lock.unlock();
        writer_->sync();
        lock.lock();
        continue;
      }
    } else {
      wake_.wait(lock, ready);
    }
    if (queue_.empty()) break;  // stopping, and nothing left to write
    batch.swap(queue_);
    lock.unlock();
    writer_->write(batch);
    batch.clear();
    lock.lock();
  }
  lock.unlock();
  writer_->sync();
}

void Journal::remove_through(uint64_t lsn) {
  std::vector<Segment> doomed;
  {
    std::lock_guard lock(state_->mu);
    auto& segs = state_->segments;
    size_t n = 0;
    // Segment i ends where i + 1 starts; the last one is never removed.
    while (n + 1 < segs.size() && segs[n + 1].first_lsn - 1 <= lsn) ++n;
    doomed.assign(segs.begin(), segs.begin() + static_cast<long>(n));
    segs.erase(segs.begin(), segs.begin() + static_cast<long>(n));
    state_->segment_count = segs.size();
  }
  if (doomed.empty()) return;
  for (const auto& seg : doomed) {
    const auto path = state_->path_of(seg.first_lsn);
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (::unlink(path.c_str()) == 0) state_->disk_bytes -= ec ? seg.bytes : size;
  }
  sync_dir(state_->options.dir);
}

void Journal::stop() {
  std::call_once(stop_once_, [this] {
    start();  // drains what was queued before start(), on the journal thread as always
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  });
}

uint64_t Journal::bytes() const {
  return state_->disk_bytes.load();
}
size_t Journal::segments() const {
  return state_->segment_count.load();
}
uint64_t Journal::durable_lsn() const {
  return state_->durable_lsn.load();
}
uint64_t Journal::next_lsn() const {
  return state_->next_lsn.load();
}
bool Journal::healthy() const {
  return state_->healthy.load();
}

uint64_t Journal::errors(std::string_view reason) const {
  for (size_t i = 0; i < kErrorReasons.size(); ++i) {
    if (kErrorReasons[i] == reason) return state_->errors[i].load();
  }
  return 0;
}

}  // namespace alertd::ingest::journal
