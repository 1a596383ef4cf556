// SNS signatures against a certificate the test makes: v1 and v2 valid,
// a tampered Message, the wrong certificate, hosts off the allow-list,
// http:// URLs, and the string-to-sign of each Type.

#include "api/ingest/sns_signature.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace alertd::api::sns {
namespace {

struct KeyAndCert {
  std::shared_ptr<EVP_PKEY> key;
  std::string pem;
};

KeyAndCert make_cert() {
  std::shared_ptr<EVP_PKEY> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sns.amazonaws.com"), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  X509_sign(cert.get(), key.get(), EVP_sha256());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return {key, std::string(data, static_cast<size_t>(n))};
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

void sign(ingest::SnsEnvelope& e, EVP_PKEY* key, std::string_view version) {
  e.signature_version = version;
  const std::string text = string_to_sign(e);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(md.get(), nullptr, version == "1" ? EVP_sha1() : EVP_sha256(), nullptr, key);
  size_t n = 0;
  EVP_DigestSign(md.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(text.data()),
                 text.size());
  std::string sig(n, '\0');
  EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &n,
                 reinterpret_cast<const unsigned char*>(text.data()), text.size());
  sig.resize(n);
  e.signature = base64(sig);
}

ingest::SnsEnvelope notification() {
  ingest::SnsEnvelope e;
  e.type = "Notification";
  e.message_id = "a1b2c3d4";
  e.topic_arn = "arn:aws:sns:us-east-1:111122223333:ops-alarms";
  e.subject = "ALARM: \"api-5xx\" in US East (N. Virginia)";
  e.message = "{\"AlarmName\":\"api-5xx\",\n\"x\":\"\xc3\xa9\"}";
  e.timestamp = "2026-01-01T00:05:12.400Z";
  e.signing_cert_url = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-T.pem";
  return e;
}

class SnsSignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("alertd-sns-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "SimpleNotificationService-T.pem") << good.pem;
    config.signing_certs = dir.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  KeyAndCert good = make_cert();
  std::filesystem::path dir;
  config::SnsConfig config;
};

TEST_F(SnsSignatureTest, StringToSignOfANotification) {
  auto e = notification();
  EXPECT_EQ(string_to_sign(e), "Message\n" + e.message + "\nMessageId\na1b2c3d4\nSubject\n" +
                                   *e.subject +
                                   "\nTimestamp\n2026-01-01T00:05:12.400Z\nTopicArn\n" +
                                   e.topic_arn + "\nType\nNotification\n");
  e.subject.reset();
  EXPECT_EQ(string_to_sign(e).find("Subject"), std::string::npos);
}

TEST_F(SnsSignatureTest, StringToSignOfAConfirmation) {
  auto e = notification();
  e.type = "SubscriptionConfirmation";
  e.subscribe_url = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription";
  e.token = "tok";
  EXPECT_EQ(string_to_sign(e), "Message\n" + e.message + "\nMessageId\na1b2c3d4\nSubscribeURL\n" +
                                   e.subscribe_url +
                                   "\nTimestamp\n2026-01-01T00:05:12.400Z\nToken\ntok\nTopicArn\n" +
                                   e.topic_arn + "\nType\nSubscriptionConfirmation\n");
}

TEST_F(SnsSignatureTest, ValidVersionOneAndTwo) {
  for (std::string_view version : {"1", "2"}) {
    auto e = notification();
    sign(e, good.key.get(), version);
    EXPECT_EQ(verify(e, config), "") << version;
  }
}

TEST_F(SnsSignatureTest, TamperedMessageOrSubject) {
  auto e = notification();
  sign(e, good.key.get(), "2");
  e.message += " ";
  EXPECT_EQ(verify(e, config), "bad_signature");
  auto s = notification();
  sign(s, good.key.get(), "1");
  s.subject.reset();
  EXPECT_EQ(verify(s, config), "bad_signature");
}

TEST_F(SnsSignatureTest, WrongCertificate) {
  auto e = notification();
  sign(e, make_cert().key.get(), "2");
  EXPECT_EQ(verify(e, config), "bad_signature");
}

TEST_F(SnsSignatureTest, CertificateUrlRules) {
  auto e = notification();
  sign(e, good.key.get(), "2");
  e.signing_cert_url = "https://sns.us-east-1.evil.com/SimpleNotificationService-T.pem";
  EXPECT_EQ(verify(e, config), "cert_host_not_allowed");
  e.signing_cert_url = "https://evil.sns.us-east-1.amazonaws.com/SimpleNotificationService-T.pem";
  EXPECT_EQ(verify(e, config), "cert_host_not_allowed");  // * is one label
  e.signing_cert_url = "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-T.pem";
  EXPECT_EQ(verify(e, config), "cert_url_not_https");
  e.signing_cert_url = "https://x@sns.us-east-1.amazonaws.com/SimpleNotificationService-T.pem";
  EXPECT_EQ(verify(e, config), "cert_url_not_https");
  e.signing_cert_url = "https://sns.us-east-1.amazonaws.com/Other.pem";
  EXPECT_EQ(verify(e, config), "cert_unavailable");
  e.signing_cert_url = "https://sns.us-east-1.amazonaws.com/..";
  EXPECT_EQ(verify(e, config), "cert_unavailable");
}

TEST_F(SnsSignatureTest, MissingOrUnknownSignature) {
  auto e = notification();
  EXPECT_EQ(verify(e, config), "unsigned");
  sign(e, good.key.get(), "3");
  EXPECT_EQ(verify(e, config), "unsupported_version");
  e.signature_version = "2";
  e.signature = "not base64!";
  EXPECT_EQ(verify(e, config), "bad_signature");
}

TEST_F(SnsSignatureTest, HostPatterns) {
  const std::vector<std::string> patterns{"sns.*.amazonaws.com"};
  EXPECT_TRUE(host_matches("sns.eu-west-1.amazonaws.com", patterns));
  EXPECT_TRUE(host_matches("SNS.EU-WEST-1.AMAZONAWS.COM", patterns));
  EXPECT_FALSE(host_matches("sns.amazonaws.com", patterns));
  EXPECT_FALSE(host_matches("sns.a.b.amazonaws.com", patterns));
  EXPECT_FALSE(host_matches("sns.eu-west-1.amazonaws.com.evil", patterns));
  EXPECT_EQ(https_host("https://h.example:443/x").value_or(""), "h.example");
  EXPECT_FALSE(https_host("ftp://h.example/x").has_value());
}

}  // namespace
}  // namespace alertd::api::sns
