#pragma once
// The write-ahead journal (DESIGN.md §8, README.md in this folder): accepted
// payloads are on disk, CRC-checked and fsynced, before their append completes.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"
#include "ingest/journal/segment.h"
#include "ingest/journal/types.h"

namespace alertd::ingest::journal {

class Writer;
struct Pending;
struct State;

struct OpenReport {
  uint64_t records = 0;                  // valid records found
  uint64_t first_lsn = 0, last_lsn = 0;  // of those records; 0 if none
  bool tail_cut = false;                 // a torn or bad tail was cut off the last segment
  std::string tail_reason;
  uint64_t tail_bytes_cut = 0;
  uint64_t repaired_records = 0;   // LSNs lost to skipped damage (repair only)
  uint64_t repaired_bytes = 0;     // bytes skipped as damaged (repair only)
  std::vector<std::string> notes;  // one line per thing open() changed or skipped
};

class Journal {
 public:
  /// Creates `options.dir` if missing and checks every segment (README.md:
  /// what is cut, what fails, what repair skips). Does not start the thread.
  static core::Result<std::unique_ptr<Journal>> open(JournalOptions options);
  ~Journal();  // stop()
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const OpenReport& report() const { return report_; }

  /// Calls `fn` for each durable record with lsn > `after`, in LSN order,
  /// one segment in memory at a time; returns how many. Meant for start-up,
  /// before start(); safe later too (it reads only what is durable).
  core::Result<uint64_t> replay(uint64_t after, const RecordFn& fn) const;

  /// Starts the journal thread. Appends made before it wait in the queue.
  void start();

  /// Thread-safe; never does I/O. `done` runs exactly once: on the journal
  /// thread after the fsync that made `payload` durable (in LSN order), or
  /// with io if that write failed; or right here, before append returns, for
  /// too_large, full and stopped.
  void append(std::string payload, Completion done);

  /// Deletes every segment whose records all have lsn <= `lsn`, except the
  /// last one (the one written). Any thread; does its I/O on the caller's.
  void remove_through(uint64_t lsn);

  /// Writes, fsyncs and completes everything queued, then joins the thread.
  void stop();

  // Stats, from any thread.
  uint64_t bytes() const;        // all segment files
  size_t segments() const;       // segment files
  uint64_t durable_lsn() const;  // last fsynced LSN, 0 if none
  uint64_t next_lsn() const;     // the LSN the next written record gets
  bool healthy() const;          // false after a failed write until the next good fsync
  /// Failed writes by reason (kErrorReasons); 0 for an unknown reason.
  uint64_t errors(std::string_view reason) const;

 private:
  explicit Journal(std::unique_ptr<State> state);
  void run();

  std::unique_ptr<State> state_;
  std::unique_ptr<Writer> writer_;
  OpenReport report_;

  std::mutex mu_;  // guards the queue and the flags below
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  bool started_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::once_flag stop_once_;
};

}  // namespace alertd::ingest::journal
