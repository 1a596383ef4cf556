#include "ingest/journal/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace alertd::ingest::journal {
namespace {

using CrcFn = uint32_t (*)(uint32_t, const void*, size_t);

uint32_t of(CrcFn fn, const std::string& s) {
  return fn(0, s.data(), s.size());
}

void expect_known_vectors(CrcFn fn) {
  EXPECT_EQ(of(fn, ""), 0u);
  EXPECT_EQ(of(fn, "123456789"), 0xE3069283u);
  EXPECT_EQ(of(fn, std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(of(fn, std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(of(fn, ascending), 0x46DD794Eu);
  EXPECT_EQ(of(fn, descending), 0x113FDB5Cu);
}

TEST(Crc32c, SoftwareKnownVectors) {
  expect_known_vectors(detail::crc32c_software);
}

TEST(Crc32c, Sse42KnownVectors) {
  if (!detail::cpu_has_sse42()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  expect_known_vectors(detail::crc32c_sse42);
}

TEST(Crc32c, DispatchedKnownVectors) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
}

// Every length and misalignment through the 8-byte loop and its tail.
TEST(Crc32c, ImplementationsAgreeOnRandomData) {
  std::mt19937 rng(42);
  std::string data(4096 + 7, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (size_t start = 0; start < 8; ++start) {
    for (size_t len : {0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4096}) {
      const char* p = data.data() + start;
      EXPECT_EQ(detail::crc32c_software(0, p, len), detail::crc32c_sse42(0, p, len))
          << start << " " << len;
    }
  }
}

TEST(Crc32c, ExtendIsConcatenation) {
  const std::string a = "hello, ", b = "journal";
  EXPECT_EQ(crc32c_extend(crc32c(a), b.data(), b.size()), crc32c(a + b));
  EXPECT_EQ(
      detail::crc32c_software(detail::crc32c_software(0, a.data(), a.size()), b.data(), b.size()),
      crc32c(a + b));
}

TEST(Crc32c, DetectsASingleFlippedBit) {
  std::string s(100, 'x');
  const uint32_t good = crc32c(s);
  s[37] ^= 0x10;
  EXPECT_NE(crc32c(s), good);
}

}  // namespace
}  // namespace alertd::ingest::journal
