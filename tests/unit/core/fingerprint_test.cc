#include "core/fingerprint.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <string>

#include "core/alert.h"

namespace alertd::core {
namespace {

// The documented input: `name 0xff value 0xff` per label, in sorted order.
uint64_t reference_hash(const std::string& input) {
  return XXH3_64bits(input.data(), input.size());
}

TEST(Fingerprint, MatchesDocumentedXxh3Input) {
  LabelSet set{{"instance", "host1"}, {"alertname", "HighCPU"}};
  EXPECT_EQ(fingerprint(set), reference_hash(std::string("alertname\xff"
                                                         "HighCPU\xff"
                                                         "instance\xff"
                                                         "host1\xff")));
  EXPECT_EQ(fingerprint(LabelSet{}), reference_hash(""));
}

TEST(Fingerprint, StableAcrossCalls) {
  LabelSet set{{"job", "api"}, {"severity", "critical"}};
  auto fp = fingerprint(set);
  LabelSet big;
  for (int i = 0; i < 100; ++i) big.set("l" + std::to_string(i), std::string(200, 'v'));
  fingerprint(big);  // reuses the thread-local buffer
  EXPECT_EQ(fingerprint(set), fp);
}

TEST(Fingerprint, OrderIndependentAfterNormalize) {
  LabelSet a;
  a.append("alertname", "DiskFull");
  a.append("device", "/dev/sda1");
  a.append("instance", "db-1");
  a.normalize();
  LabelSet b;
  b.append("instance", "db-1");
  b.append("alertname", "DiskFull");
  b.append("device", "/dev/sda1");
  b.normalize();
  EXPECT_EQ(fingerprint(a), fingerprint(b));
}

TEST(Fingerprint, AnnotationsDoNotChangeIdentity) {
  Alert a;
  a.labels = LabelSet{{"alertname", "HighCPU"}};
  a.annotations = LabelSet{{"summary", "CPU is high"}};
  Alert b = a;
  b.annotations = LabelSet{{"summary", "something else"}, {"runbook", "http://x"}};
  EXPECT_EQ(fingerprint(a.labels), fingerprint(b.labels));
}

TEST(Fingerprint, DifferentSetsDiffer) {
  // The separator keeps these apart although their concatenations look alike.
  EXPECT_NE(fingerprint(LabelSet{{"a", "b c"}}), fingerprint(LabelSet{{"a", "b"}, {"c", ""}}));
  EXPECT_NE(fingerprint(LabelSet{{"ab", "c"}}), fingerprint(LabelSet{{"a", "bc"}}));
  EXPECT_NE(fingerprint(LabelSet{{"a", ""}}), fingerprint(LabelSet{}));
  EXPECT_NE(fingerprint(LabelSet{{"a", "1"}}), fingerprint(LabelSet{{"a", "2"}}));
}

TEST(FingerprintHex, SixteenLowerCaseDigits) {
  EXPECT_EQ(fingerprint_hex(0), "0000000000000000");
  EXPECT_EQ(fingerprint_hex(0xdeadbeefULL), "00000000deadbeef");
  EXPECT_EQ(fingerprint_hex(0xffffffffffffffffULL), "ffffffffffffffff");
  EXPECT_EQ(fingerprint_hex(0x0123456789abcdefULL), "0123456789abcdef");
}

TEST(FingerprintHex, RoundTrip) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x8000000000000000ULL},
                     fingerprint(LabelSet{{"a", "b"}})}) {
    EXPECT_EQ(parse_fingerprint_hex(fingerprint_hex(v)), v);
  }
}

TEST(FingerprintHex, RejectsMalformed) {
  for (const char* s :
       {"", "123", "000000000000000", "00000000000000000", "000000000000000g", "-000000000000001",
        "+000000000000001", " 00000000000000f", "0x000000000000ff"}) {
    EXPECT_FALSE(parse_fingerprint_hex(s)) << s;
  }
}

}  // namespace
}  // namespace alertd::core
