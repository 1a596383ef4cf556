#include "ingest/journal/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define ALERTD_CRC32C_X86 1
#endif

namespace alertd::ingest::journal {
namespace {

// Reflected Castagnoli polynomial.
constexpr uint32_t kPolynomial = 0x82F63B78u;

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? (c >> 1) ^ kPolynomial : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = make_table();

using CrcFn = uint32_t (*)(uint32_t, const void*, size_t);

// Chosen once: the CPU does not change under a running process.
CrcFn pick() {
  return detail::cpu_has_sse42() ? detail::crc32c_sse42 : detail::crc32c_software;
}

}  // namespace

namespace detail {

uint32_t crc32c_software(uint32_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  for (size_t i = 0; i < size; ++i) c = kTable[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
  return ~c;
}

#ifdef ALERTD_CRC32C_X86
bool cpu_has_sse42() {
  return __builtin_cpu_supports("sse4.2");
}

__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(uint32_t crc, const void* data,
                                                        size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t c = ~crc;
  for (; size >= 8; size -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // unaligned-safe; compiles to one load
    c = _mm_crc32_u64(c, word);
  }
  auto c32 = static_cast<uint32_t>(c);
  for (; size > 0; --size, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}
#else
bool cpu_has_sse42() {
  return false;
}
uint32_t crc32c_sse42(uint32_t crc, const void* data, size_t size) {
  return crc32c_software(crc, data, size);
}
#endif

}  // namespace detail

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size) {
  static const CrcFn fn = pick();
  return fn(crc, data, size);
}

}  // namespace alertd::ingest::journal
