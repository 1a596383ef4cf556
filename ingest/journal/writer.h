#pragma once
// The journal thread's half (internal): segment files, group writes, fsync,
// rotation, and what a failed write undoes. Not thread-safe: one owner.

#include <chrono>
#include <cstdint>
#include <vector>

#include "ingest/journal/state.h"

namespace alertd::ingest::journal {

class Writer {
 public:
  explicit Writer(State& state) : s_(state) {}
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Gives each of `batch` the next LSN and writes it; fsyncs (and
  /// completes) on the way whenever group_bytes are unsynced or the segment
  /// is full. What is left unsynced completes at a later sync().
  void write(std::vector<Pending>& batch);
  /// fsyncs and completes everything written since the last fsync.
  void sync();
  bool has_unsynced() const { return !unsynced_.empty(); }
  /// After a repairing open: later writes go to a new segment, so that the
  /// damaged ones, once a checkpoint covers them, can be deleted whole and
  /// the next start needs no repair.
  void begin_fresh_segment();
  /// When the oldest unsynced record has waited fsync_interval.
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

 private:
  bool open_segment(uint64_t record_bytes);
  bool reopen_last(uint64_t record_bytes);
  bool create_segment();
  bool flush();
  void fail(IoReason reason, int err, const char* what);
  void drop_empty_segment();
  void close_segment();

  State& s_;
  int fd_ = -1;
  uint64_t first_lsn_ = 0;         // of the open segment
  uint64_t durable_ = 0;           // its fsynced size
  uint64_t written_ = 0;           // its size with what is written but not fsynced
  uint64_t staged_end_ = 0;        // its size once the staged records are written
  size_t staged_from_ = 0;         // unsynced_[staged_from_..] are staged, not yet written
  std::vector<Pending> unsynced_;  // in LSN order
  std::chrono::steady_clock::time_point deadline_{};
  bool tried_last_ = false;  // the segment left by open() was considered for reuse
};

}  // namespace alertd::ingest::journal
