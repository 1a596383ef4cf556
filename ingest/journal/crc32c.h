#pragma once
// CRC32C (Castagnoli, the iSCSI/ext4 polynomial) for journal records: the
// SSE4.2 instruction makes it nearly free on the hot path, and it detects the
// torn and flipped bytes a crash or a bad disk leaves behind.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace alertd::ingest::journal {

/// The CRC32C of `data` continued from `crc`, the finished CRC of the bytes
/// before it (0 to start): crc32c(a + b) == crc32c_extend(crc32c(a), b).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size);

inline uint32_t crc32c(std::string_view data) {
  return crc32c_extend(0, data.data(), data.size());
}

namespace detail {
// Both implementations, so tests can hold each one to the known vectors.
uint32_t crc32c_software(uint32_t crc, const void* data, size_t size);
uint32_t crc32c_sse42(uint32_t crc, const void* data, size_t size);
bool cpu_has_sse42();
}  // namespace detail

}  // namespace alertd::ingest::journal
