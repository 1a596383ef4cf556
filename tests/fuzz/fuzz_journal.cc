// Fuzz target: what recovery reads back from disk after a crash, a torn
// write or a bad sector: the segment scanner (ingest/journal/segment.h) and
// the record payload codec (daemon/journal_batch.h over core/alert_codec.h).
//
// Input: byte 0 holds flags, the rest is used two ways.
//  * As a payload: decode_batch() on the raw bytes; what decodes must
//    re-encode to bytes that decode to the same thing.
//  * As a recipe for a segment file with valid CRCs (random bytes almost
//    never carry a valid CRC32C, so the harness writes them): chunks of
//    [op u8][length u8][bytes], where op picks a good record, a record with
//    a wrong LSN, one with a broken CRC, or raw garbage. The scanner runs on
//    the file with and without repair, and must report exactly the good
//    records when nothing else was written.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "daemon/journal_batch.h"
#include "ingest/journal/segment.h"
#include "tests/fuzz/fuzz_check.h"

using namespace alertd;
namespace journal = alertd::ingest::journal;

namespace {

void check_payload_round_trip(std::string_view payload) {
  std::vector<core::Alert> alerts;
  if (!daemon::decode_batch(payload, alerts)) {
    fuzz::check(alerts.empty(), "a refused payload leaves no alerts");
    return;
  }
  const std::string encoded = daemon::encode_batch(alerts);
  std::vector<core::Alert> again;
  fuzz::check(daemon::decode_batch(encoded, again), "a re-encoded batch decodes");
  fuzz::check(daemon::encode_batch(again) == encoded, "decode(encode(x)) == x");
}

struct Built {
  std::string file;
  std::vector<std::string> good;  // payloads of the good records, in order
  bool only_good = true;          // nothing but good records was written
};

void append_record(std::string& file, uint64_t lsn, std::string_view payload) {
  char header[journal::kRecordHeaderBytes];
  journal::encode_record_header(lsn, payload, header);
  file.append(header, sizeof header);
  file.append(payload);
}

Built build_segment(uint64_t first_lsn, std::string_view recipe) {
  Built b;
  b.file.resize(journal::kSegmentHeaderBytes);
  journal::encode_segment_header(first_lsn, b.file.data());
  uint64_t next = first_lsn;
  size_t pos = 0;
  while (pos + 2 <= recipe.size()) {
    const auto op = static_cast<uint8_t>(recipe[pos]);
    const size_t length =
        std::min<size_t>(static_cast<uint8_t>(recipe[pos + 1]), recipe.size() - pos - 2);
    const std::string_view bytes = recipe.substr(pos + 2, length);
    pos += 2 + length;
    switch (op % 4) {
      case 0:
        append_record(b.file, next++, bytes);
        b.good.emplace_back(bytes);
        continue;
      case 1: append_record(b.file, next + 1 + op / 4, bytes); break;  // an LSN gap
      case 2: {
        const size_t at = b.file.size();
        append_record(b.file, next, bytes);
        b.file[at + 4 + (op / 4) % 4] ^= 0x5a;  // the CRC no longer matches
        break;
      }
      default: b.file.append(bytes); break;  // garbage, or a torn tail
    }
    b.only_good = false;
  }
  return b;
}

void check_scan(const Built& b, uint64_t first_lsn, bool repair, uint64_t prev_lsn) {
  uint64_t first = 0;
  fuzz::check(!journal::check_segment_header(b.file, first), "the built header checks");
  fuzz::check(first == first_lsn, "the header's first LSN");
  std::vector<std::string_view> seen;
  uint64_t last = 0;
  const journal::ScanOptions options{first, prev_lsn, repair};
  auto result = journal::scan_segment(b.file, options, [&](uint64_t lsn, std::string_view p) {
    fuzz::check(lsn > last, "LSNs increase");
    fuzz::check(p.data() >= b.file.data() && p.data() + p.size() <= b.file.data() + b.file.size(),
                "a payload lies inside the file");
    last = lsn;
    seen.push_back(p);
    check_payload_round_trip(p);
  });
  fuzz::check(result.records == seen.size(), "records == callbacks");
  fuzz::check(result.end <= b.file.size(), "end inside the file");
  fuzz::check(result.records == 0 || result.last_lsn == last, "last_lsn is the last record's");
  if (!repair) fuzz::check(result.skipped.empty(), "nothing skipped without repair");
  if (b.only_good) {
    fuzz::check(!result.tail && !result.fatal && result.skipped.empty(), "good file: no damage");
    fuzz::check(seen.size() == b.good.size(), "good file: every record");
    for (size_t i = 0; i < seen.size(); ++i) {
      fuzz::check(seen[i] == b.good[i], "good file: the payloads in order");
    }
    fuzz::check(result.end == b.file.size(), "good file: end is the file size");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto flags = static_cast<uint8_t>(input[0]);
  const std::string_view rest = input.substr(1);

  check_payload_round_trip(rest);

  // The raw bytes as a whole file: almost always a bad header, which is checked too.
  uint64_t first = 0;
  if (!journal::check_segment_header(rest, first)) {
    journal::scan_segment(rest, {first, 0, (flags & 1) != 0}, {});
  }

  const uint64_t first_lsn = 1 + (flags >> 2);
  const Built built = build_segment(first_lsn, rest);
  const uint64_t prev_lsn = (flags & 2) ? first_lsn - 1 : 0;
  check_scan(built, first_lsn, /*repair=*/false, prev_lsn);
  check_scan(built, first_lsn, /*repair=*/true, prev_lsn);
  // A torn tail: the same file cut short must still scan.
  Built torn = built;
  torn.file.resize(journal::kSegmentHeaderBytes +
                   (torn.file.size() - journal::kSegmentHeaderBytes) * (flags % 7) / 7);
  torn.only_good = false;
  check_scan(torn, first_lsn, (flags & 1) != 0, prev_lsn);
  return 0;
}
