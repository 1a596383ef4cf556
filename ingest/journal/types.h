#pragma once
// The journal's public vocabulary: options, append outcomes, error reasons.

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

namespace alertd::ingest::journal {

struct JournalOptions {
  std::filesystem::path dir;                       // <data dir>/journal
  uint64_t segment_bytes = 64ull << 20;            // a segment never grows past this
  std::chrono::microseconds fsync_interval{2000};  // longest wait for the next fsync
  uint64_t group_bytes = 1ull << 20;               // fsync at once when this much is unsynced
  uint64_t max_bytes = 1ull << 30;                 // all segments; appends past it are `full`
  uint64_t max_record_bytes = 16ull << 20;         // larger payloads are `too_large`
  bool repair = false;                             // open() skips damage instead of failing
  std::function<void(double seconds)> on_fsync;    // after each group fsync, journal thread
};

enum class AppendError : uint8_t { none, full, too_large, io, stopped };
std::string_view to_string(AppendError error);

/// lsn is 0 unless error is none.
using Completion = std::function<void(uint64_t lsn, AppendError error)>;

/// Why a write failed: the label of the per-reason error counter.
enum class IoReason : uint8_t { enospc, eio, efbig, fsync, open, other };
inline constexpr std::array<std::string_view, 6> kErrorReasons = {"enospc", "eio",  "efbig",
                                                                  "fsync",  "open", "other"};
/// ENOSPC/EDQUOT -> enospc, EIO -> eio, EFBIG -> efbig, anything else -> other.
IoReason reason_of_errno(int err);

}  // namespace alertd::ingest::journal
