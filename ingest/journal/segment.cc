#include "ingest/journal/segment.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "ingest/journal/crc32c.h"

namespace alertd::ingest::journal {
namespace {

// The format is little-endian everywhere; these compile to plain moves on x86.
void put_u32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
}
void put_u64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
}
uint32_t get_u32(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}
uint64_t get_u64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}

struct Record {
  uint64_t lsn = 0;
  std::string_view payload;
};

// The record at `offset` if its header and CRC check, else why not.
std::optional<std::string> read_record(std::string_view data, uint64_t offset, Record& out) {
  const uint64_t left = data.size() - offset;
  if (left < kRecordHeaderBytes) return fmt::format("torn record header ({} bytes)", left);
  const char* p = data.data() + offset;
  const uint32_t length = get_u32(p);
  if (length > left - kRecordHeaderBytes) {
    return fmt::format("record of {} bytes runs past the end of the file", length);
  }
  out.lsn = get_u64(p + 8);
  out.payload = data.substr(offset + kRecordHeaderBytes, length);
  if (record_crc(length, out.lsn, out.payload) != get_u32(p + 4)) return "crc mismatch";
  return std::nullopt;
}

// The highest LSN a record at `offset` can carry: LSNs are consecutive from
// the header's, and every record takes at least kRecordHeaderBytes. Holding
// resync candidates to it makes a false match in garbage all but impossible.
uint64_t max_lsn_at(const ScanOptions& options, uint64_t offset) {
  return options.first_lsn + (offset - kSegmentHeaderBytes) / kRecordHeaderBytes;
}

// The offset of the next valid record after damage at `from`, or nullopt.
std::optional<uint64_t> resync(std::string_view data, uint64_t from, uint64_t prev,
                               const ScanOptions& options) {
  for (uint64_t at = from + 1; at + kRecordHeaderBytes <= data.size(); ++at) {
    const char* p = data.data() + at;
    const uint64_t lsn = get_u64(p + 8);
    if (lsn <= prev || lsn > max_lsn_at(options, at)) continue;
    if (get_u32(p) > data.size() - at - kRecordHeaderBytes) continue;
    Record r;
    if (!read_record(data, at, r)) return at;
  }
  return std::nullopt;
}

}  // namespace

std::string segment_file_name(uint64_t first_lsn) {
  return fmt::format("{:020}{}", first_lsn, kSegmentSuffix);
}

std::optional<uint64_t> parse_segment_file_name(std::string_view name) {
  if (name.size() != 20 + kSegmentSuffix.size() || !name.ends_with(kSegmentSuffix)) {
    return std::nullopt;
  }
  uint64_t lsn = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + 20, lsn);
  if (ec != std::errc() || end != name.data() + 20 || lsn == 0) return std::nullopt;
  return lsn;
}

void encode_segment_header(uint64_t first_lsn, char* out) {
  std::memcpy(out, kSegmentMagic.data(), kSegmentMagic.size());
  put_u64(out + 8, first_lsn);
  put_u32(out + 16, crc32c_extend(0, out, 16));
}

std::optional<std::string> check_segment_header(std::string_view data, uint64_t& first_lsn) {
  if (data.size() < kSegmentHeaderBytes) {
    return fmt::format("torn segment header ({} bytes)", data.size());
  }
  if (data.substr(0, kSegmentMagic.size()) != kSegmentMagic) return "bad segment magic";
  if (crc32c_extend(0, data.data(), 16) != get_u32(data.data() + 16)) {
    return "segment header crc mismatch";
  }
  first_lsn = get_u64(data.data() + 8);
  if (first_lsn == 0) return "segment header has lsn 0";
  return std::nullopt;
}

uint32_t record_crc(uint32_t length, uint64_t lsn, std::string_view payload) {
  char prefix[12];
  put_u32(prefix, length);
  put_u64(prefix + 4, lsn);
  return crc32c_extend(crc32c_extend(0, prefix, sizeof prefix), payload.data(), payload.size());
}

void encode_record_header(uint64_t lsn, std::string_view payload, char* out) {
  const auto length = static_cast<uint32_t>(payload.size());
  put_u32(out, length);
  put_u32(out + 4, record_crc(length, lsn, payload));
  put_u64(out + 8, lsn);
}

ScanResult scan_segment(std::string_view data, const ScanOptions& options, const RecordFn& fn) {
  ScanResult result;
  uint64_t offset = kSegmentHeaderBytes;
  // The LSN the next record must follow: the header says where this segment starts.
  uint64_t prev = options.first_lsn - 1;
  if (options.repair && options.prev_lsn > prev) prev = options.prev_lsn;
  bool resynced = false;
  while (offset < data.size()) {
    Record r;
    auto bad = read_record(data, offset, r);
    // A whole record with the wrong LSN is no crash mid-write, even at the end.
    const bool whole = !bad;
    // LSNs skip only over damage, where resync already held them to the bounds.
    if (!bad && r.lsn != prev + 1 && !resynced) {
      bad = fmt::format("lsn {} where {} was expected", r.lsn, prev + 1);
    }
    if (bad) {
      auto next = resync(data, offset, prev, options);
      Damage damage{offset, (next ? *next : data.size()) - offset, std::move(*bad)};
      if (!next && !whole) {
        result.tail = std::move(damage);
        break;
      }
      if (!options.repair) {
        result.fatal = std::move(damage);
        break;
      }
      result.skipped.push_back(std::move(damage));
      if (!next) break;
      offset = *next;
      resynced = true;
      continue;
    }
    if (prev + 1 != r.lsn) result.lost_lsns += r.lsn - prev - 1;
    resynced = false;
    if (result.records++ == 0) result.first_lsn = r.lsn;
    result.last_lsn = prev = r.lsn;
    offset += kRecordHeaderBytes + r.payload.size();
    result.end = offset;
    if (fn) fn(r.lsn, r.payload);
  }
  return result;
}

}  // namespace alertd::ingest::journal
