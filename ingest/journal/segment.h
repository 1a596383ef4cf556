#pragma once
// The on-disk format of journal segments (README.md in this folder) and the
// scanner that open() and replay() share, so both read a file the same way.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace alertd::ingest::journal {

inline constexpr std::string_view kSegmentMagic = "ALERTDJ1";
inline constexpr size_t kSegmentHeaderBytes = 20;  // magic, u64 first_lsn, u32 crc32c
inline constexpr size_t kRecordHeaderBytes = 16;   // u32 length, u32 crc32c, u64 lsn
inline constexpr std::string_view kSegmentSuffix = ".wal";

/// "00000000000000000042.wal" for first LSN 42: names sort in LSN order.
std::string segment_file_name(uint64_t first_lsn);
/// The first LSN a segment file name stands for; nullopt for any other name.
std::optional<uint64_t> parse_segment_file_name(std::string_view name);

void encode_segment_header(uint64_t first_lsn, char* out);
/// The header's first LSN, or why the first kSegmentHeaderBytes of `data` are not a header.
std::optional<std::string> check_segment_header(std::string_view data, uint64_t& first_lsn);

/// The CRC a record carries: over its length and LSN (both LE) and the payload.
uint32_t record_crc(uint32_t length, uint64_t lsn, std::string_view payload);
void encode_record_header(uint64_t lsn, std::string_view payload, char* out);

/// A damaged byte range of a segment.
struct Damage {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  std::string reason;
};

struct ScanOptions {
  uint64_t first_lsn = 0;  // from the segment header
  uint64_t prev_lsn = 0;   // the last good LSN before this segment, 0 if none
  bool repair = false;     // skip damage followed by valid records instead of stopping
};

struct ScanResult {
  uint64_t records = 0;
  uint64_t first_lsn = 0, last_lsn = 0;  // of the valid records; 0 if none
  uint64_t end = kSegmentHeaderBytes;    // just past the last valid record
  std::vector<Damage> skipped;           // damage with valid records after it (repair only)
  uint64_t lost_lsns = 0;                // LSNs missing around skipped damage (repair only)
  std::optional<Damage> tail;            // damage with no valid record after it
  std::optional<Damage> fatal;           // damage before the tail when not repairing
};

using RecordFn = std::function<void(uint64_t lsn, std::string_view payload)>;

/// Walks the records of one whole segment file `data` (header included),
/// calling `fn` (may be empty) for each valid one in order. Stops at the first
/// `fatal` damage; never reads past `data`.
ScanResult scan_segment(std::string_view data, const ScanOptions& options, const RecordFn& fn);

}  // namespace alertd::ingest::journal
