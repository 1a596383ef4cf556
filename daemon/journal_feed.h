#pragma once
// Between the journal and the shards: the batches the journal made durable,
// handed to the feeder thread in journal order. The newest wait in memory,
// up to a byte bound; when the shards fall behind (a store outage, a
// checkpoint) the rest are let go and read back from the journal later, so
// memory stays flat however long the pipeline is held up. At start-up the
// feed begins after the checkpoint and reads the journal tail back the same
// way: recovery and catch-up are one path.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "core/alert.h"
#include "core/result.h"
#include "ingest/journal/journal.h"

namespace alertd::daemon {

struct JournaledBatch {
  uint64_t lsn = 0;
  std::vector<core::Alert> alerts;  // journal_pos not yet set
};

class JournalFeed {
 public:
  /// `next_lsn`: the first record not yet processed (the checkpoint's + 1).
  JournalFeed(ingest::journal::Journal& journal, size_t max_bytes, uint64_t next_lsn);

  /// The journal's thread, in LSN order, once the batch is durable.
  void put(uint64_t lsn, std::vector<core::Alert>&& alerts, size_t bytes);

  using BatchFn = std::function<void(JournaledBatch&&)>;
  /// The feeder thread: hands the next batches to `fn` in LSN order, from
  /// memory (about `max_alerts` alerts at once), or read back from the
  /// journal record by record (up to the first batch memory holds); waits
  /// up to `wait` when there is none. Returns how many batches it handed;
  /// an error when the journal cannot be read back.
  core::Result<size_t> take(const BatchFn& fn, size_t max_alerts, std::chrono::milliseconds wait);

  /// The first record not yet taken.
  uint64_t next_lsn() const;
  /// True when every durable record has been taken.
  bool drained() const;
  size_t memory_bytes() const;
  /// Wakes a take() that waits, e.g. at shutdown.
  void wake();

 private:
  struct Held {
    JournaledBatch batch;
    size_t bytes = 0;
  };
  core::Result<size_t> read_back(uint64_t through, const BatchFn& fn);

  ingest::journal::Journal& journal_;
  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Held> held_;  // contiguous LSNs, the newest last
  size_t bytes_ = 0;
  uint64_t next_lsn_;  // written by the feeder under mutex_
  // Records up to it are on disk only: there at start-up, or let go from
  // memory. The journal calls put() just after a record becomes durable,
  // so durable alone does not mean "not in memory".
  uint64_t on_disk_through_;
  bool feeder_waiting_ = false;  // put() wakes the feeder only then: no futex call per batch
};

}  // namespace alertd::daemon
