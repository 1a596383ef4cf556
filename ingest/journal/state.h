#pragma once
// What the journal's parts share (internal): the segment list and the stats
// that any thread may read.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/journal/segment.h"
#include "ingest/journal/types.h"

namespace alertd::ingest::journal {

/// One queued append.
struct Pending {
  std::string payload;
  Completion done;
  uint64_t lsn = 0;
  std::array<char, kRecordHeaderBytes> header{};
};

/// A segment file. `bytes` is its durable size: replay never reads past it.
struct Segment {
  uint64_t first_lsn = 0;
  uint64_t bytes = 0;
  bool damaged = false;  // bad header, skipped by a repairing open; never read or written
};

struct State {
  explicit State(JournalOptions o) : options(std::move(o)) {}
  std::filesystem::path path_of(uint64_t first_lsn) const {
    return options.dir / segment_file_name(first_lsn);
  }
  void count_error(IoReason reason) { ++errors[static_cast<size_t>(reason)]; }

  const JournalOptions options;
  mutable std::mutex mu;          // guards segments
  std::vector<Segment> segments;  // oldest first; only the journal thread adds or writes the last
  std::atomic<uint64_t> disk_bytes{0};  // all segment files, written but unsynced bytes included
  std::atomic<uint64_t> reserved{0};    // queued appends not yet written (for max_bytes)
  std::atomic<size_t> segment_count{0};
  std::atomic<uint64_t> durable_lsn{0};
  std::atomic<uint64_t> next_lsn{1};
  std::atomic<bool> healthy{true};
  std::array<std::atomic<uint64_t>, kErrorReasons.size()> errors{};
};

/// fsync of a directory, so file creations and deletions in it survive a crash.
bool sync_dir(const std::filesystem::path& dir);

}  // namespace alertd::ingest::journal
