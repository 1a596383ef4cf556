#include "core/fingerprint.h"

#include <xxhash.h>

#include <charconv>

namespace alertd::core {

uint64_t fingerprint(const LabelSet& labels) {
  // Small sets hash fastest as one buffer; the streaming state is ~600 bytes.
  thread_local std::string buffer;
  buffer.clear();
  for (const auto& l : labels) {
    buffer += l.name;
    buffer += '\xff';
    buffer += l.value;
    buffer += '\xff';
  }
  return XXH3_64bits(buffer.data(), buffer.size());
}

std::string fingerprint_hex(uint64_t fp) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kDigits[fp & 0xf];
    fp >>= 4;
  }
  return out;
}

std::optional<uint64_t> parse_fingerprint_hex(std::string_view hex) {
  if (hex.size() != 16) return std::nullopt;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  if (ec != std::errc{} || ptr != hex.data() + hex.size()) return std::nullopt;
  return value;
}

}  // namespace alertd::core
