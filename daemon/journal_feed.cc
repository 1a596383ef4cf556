#include "daemon/journal_feed.h"

#include "daemon/journal_batch.h"

namespace alertd::daemon {

JournalFeed::JournalFeed(ingest::journal::Journal& journal, size_t max_bytes, uint64_t next_lsn)
    : journal_(journal),
      max_bytes_(max_bytes),
      next_lsn_(next_lsn),
      on_disk_through_(journal.durable_lsn()) {}

void JournalFeed::put(uint64_t lsn, std::vector<core::Alert>&& alerts, size_t bytes) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (lsn < next_lsn_) return;  // the feeder read it back from the journal already
    const bool contiguous = held_.empty() || held_.back().batch.lsn + 1 == lsn;
    if (!contiguous || bytes_ + bytes > max_bytes_) {
      // Let go of everything held: the feeder reads the gap back from the
      // journal, and memory holds one contiguous run again from here on.
      on_disk_through_ = std::max(on_disk_through_, held_.empty() ? 0 : held_.back().batch.lsn);
      held_.clear();
      bytes_ = 0;
      if (bytes > max_bytes_) {  // read back from the journal instead
        on_disk_through_ = std::max(on_disk_through_, lsn);
        alerts.clear();
      }
    }
    if (lsn > on_disk_through_) {
      held_.push_back(Held{JournaledBatch{lsn, std::move(alerts)}, bytes});
      bytes_ += bytes;
    }
    wake = feeder_waiting_;
  }
  if (wake) cv_.notify_one();
}

core::Result<size_t> JournalFeed::take(const BatchFn& fn, size_t max_alerts,
                                       std::chrono::milliseconds wait) {
  std::vector<JournaledBatch> taken;
  {
    std::unique_lock lock(mutex_);
    while (!held_.empty() && held_.front().batch.lsn < next_lsn_) {  // read back meanwhile
      bytes_ -= held_.front().bytes;
      held_.pop_front();
    }
    if (held_.empty() || held_.front().batch.lsn != next_lsn_) {
      // Records only on disk: read them back, up to the first one held.
      uint64_t through = std::min(on_disk_through_, journal_.durable_lsn());
      if (!held_.empty()) through = std::min(through, held_.front().batch.lsn - 1);
      if (next_lsn_ <= through) {
        lock.unlock();  // put() goes on meanwhile
        return read_back(through, fn);
      }
      feeder_waiting_ = true;
      cv_.wait_for(lock, wait);
      feeder_waiting_ = false;
      return size_t{0};
    }
    size_t alerts = 0;
    while (!held_.empty() && (taken.empty() || alerts < max_alerts)) {
      alerts += held_.front().batch.alerts.size();
      bytes_ -= held_.front().bytes;
      taken.push_back(std::move(held_.front().batch));
      held_.pop_front();
    }
    next_lsn_ = taken.back().lsn + 1;
  }
  for (auto& batch : taken) fn(std::move(batch));
  return taken.size();
}

// One segment in memory at a time, one batch decoded at a time: memory
// stays bounded however far behind the shards are.
core::Result<size_t> JournalFeed::read_back(uint64_t through, const BatchFn& fn) {
  uint64_t from;
  {
    std::lock_guard lock(mutex_);
    from = next_lsn_;
  }
  size_t handed = 0;
  core::Status failed;
  auto read = journal_.replay(from - 1, [&](uint64_t lsn, std::string_view payload) {
    if (lsn > through) return;  // memory holds it
    JournaledBatch batch{lsn, {}};
    if (decode_batch(payload, batch.alerts)) {
      fn(std::move(batch));
      ++handed;
    } else {
      // Its CRC held, so it is what was written: a newer alertd's record.
      // Skipped, never retried for ever; the caller logs and counts it.
      failed = core::Error{"journal_record_invalid",
                           "journal record " + std::to_string(lsn) + " is not an alert batch"};
    }
    std::lock_guard lock(mutex_);
    next_lsn_ = lsn + 1;
  });
  if (!read) return read.error();
  if (!failed.ok()) return failed.error();
  std::lock_guard lock(mutex_);
  // Records lost to a repaired damage leave a gap: go on after it.
  next_lsn_ = std::max(next_lsn_, through + 1);
  return handed;
}

uint64_t JournalFeed::next_lsn() const {
  std::lock_guard lock(mutex_);
  return next_lsn_;
}

bool JournalFeed::drained() const {
  std::lock_guard lock(mutex_);
  return next_lsn_ > journal_.durable_lsn();
}

size_t JournalFeed::memory_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

void JournalFeed::wake() {
  cv_.notify_all();
}

}  // namespace alertd::daemon
