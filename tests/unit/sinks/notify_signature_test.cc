// HMAC-SHA256 against RFC 4231's vectors, the X-Alertd-Signature format,
// and the comparison used to verify signatures.

#include <gtest/gtest.h>

#include "sinks/notify/signature.h"

namespace alertd::sinks::notify {
namespace {

TEST(NotifySignature, HmacSha256MatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 1: key 0x0b * 20, "Hi There".
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(NotifySignature, EmptyKeyAndDataAreValid) {
  EXPECT_EQ(hmac_sha256_hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(NotifySignature, WebhookSignatureSignsTimestampAndBody) {
  const std::string body = R"({"incident_id":"INC-7"})";
  const std::string sig = webhook_signature("s3cret", 1767225600, body);
  EXPECT_EQ(sig, "t=1767225600,v1=" + hmac_sha256_hex("s3cret", "1767225600." + body));
  // Another time or body gives another signature: a replay with a new
  // timestamp cannot reuse the old one.
  EXPECT_NE(sig, webhook_signature("s3cret", 1767225601, body));
  EXPECT_NE(sig, webhook_signature("s3cret", 1767225600, body + " "));
  EXPECT_NE(sig, webhook_signature("other", 1767225600, body));
}

TEST(NotifySignature, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

}  // namespace
}  // namespace alertd::sinks::notify
