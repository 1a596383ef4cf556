// SNS signatures against a certificate the test makes: v1 and v2 valid,
// a tampered Message, the wrong certificate, hosts off the allow-list,
// http:// URLs, and the string-to-sign of each Type. The certificate store:
// one fetch for waiters of one URL, the PEM check, the cache bound, busy.

#include "api/ingest/sns_signature.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#include "api/background.h"
#include "api/ingest/sns_certs.h"

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

// A CertStore whose GETs answer from `bodies` (a URL absent: the GET fails)
// and whose fetches run only when the test says so, so waiters can pile up.
struct FakeFetches {
  std::map<std::string, std::string> bodies;
  std::vector<std::string> gets;
  std::vector<std::function<void()>> jobs;
  std::map<CertStore::Outcome, int> counted;
  CertStore store(CertStore::Limits limits) {
    return CertStore(
        limits, [this](CertStore::Outcome o) { ++counted[o]; },
        [this](const std::string& url, const HttpsGetOptions& options) {
          gets.push_back(url);
          EXPECT_EQ(options.max_body_bytes, 64u << 10);
          HttpsGetResult r;
          if (auto it = bodies.find(url); it != bodies.end()) {
            r.status = 200;
            r.body = it->second;
          } else {
            r.error = "answered HTTP 500";
          }
          return r;
        },
        [this](std::function<void()> job) { jobs.push_back(std::move(job)); });
  }
  void run_all() {
    auto now = std::move(jobs);
    jobs.clear();
    for (auto& job : now) job();
  }
};

constexpr const char* kUrlA = "https://sns.us-east-1.amazonaws.com/A.pem";
constexpr const char* kUrlB = "https://sns.us-east-1.amazonaws.com/B.pem";
constexpr const char* kUrlC = "https://sns.us-east-1.amazonaws.com/C.pem";

TEST(CertStore, WaitersOfOneUrlShareOneFetchAndTheCertIsCached) {
  FakeFetches fake;
  const auto cert = make_cert();
  fake.bodies[kUrlA] = cert.pem;
  auto store = fake.store({});
  config::SnsConfig config;
  EXPECT_EQ(store.find(kUrlA, config), nullptr);
  std::vector<CertStore::Result> results;
  for (int i = 0; i < 3; ++i) {
    store.fetch(kUrlA, "", [&](CertStore::Result r) { results.push_back(std::move(r)); });
  }
  EXPECT_TRUE(results.empty());
  ASSERT_EQ(fake.jobs.size(), 1u);
  fake.run_all();
  EXPECT_EQ(fake.gets, std::vector<std::string>{kUrlA});
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_EQ(r.outcome, CertStore::Outcome::fetched);
    ASSERT_NE(r.pem, nullptr);
    EXPECT_EQ(*r.pem, cert.pem);
  }
  ASSERT_NE(store.find(kUrlA, config), nullptr);
  EXPECT_EQ(*store.find(kUrlA, config), cert.pem);
  EXPECT_EQ(fake.counted[CertStore::Outcome::fetched], 1);
}

TEST(CertStore, ABodyThatIsNoCertificateOrAFailedGetIsNotCached) {
  FakeFetches fake;
  fake.bodies[kUrlA] = "<html>not a certificate</html>";
  auto store = fake.store({});
  std::vector<CertStore::Outcome> outcomes;
  auto note = [&](CertStore::Result r) { outcomes.push_back(r.outcome); };
  store.fetch(kUrlA, "", note);
  store.fetch(kUrlB, "", note);  // no body: the GET fails
  fake.run_all();
  EXPECT_EQ(outcomes,
            (std::vector{CertStore::Outcome::bad_certificate, CertStore::Outcome::failed}));
  EXPECT_EQ(store.cached(), 0u);
  EXPECT_EQ(store.find(kUrlA, {}), nullptr);
  // The next delivery fetches again (a transient failure is not remembered).
  fake.bodies[kUrlB] = make_cert().pem;
  store.fetch(kUrlB, "", note);
  fake.run_all();
  EXPECT_EQ(outcomes.back(), CertStore::Outcome::fetched);
  EXPECT_EQ(fake.gets.size(), 3u);
}

TEST(CertStore, TheCacheIsBoundedOldestFirst) {
  FakeFetches fake;
  for (auto* url : {kUrlA, kUrlB, kUrlC}) fake.bodies[url] = make_cert().pem;
  auto store = fake.store({.max_cached = 2});
  for (auto* url : {kUrlA, kUrlB, kUrlC}) {
    store.fetch(url, "", [](CertStore::Result) {});
    fake.run_all();
  }
  EXPECT_EQ(store.cached(), 2u);
  EXPECT_EQ(store.find(kUrlA, {}), nullptr);
  EXPECT_NE(store.find(kUrlB, {}), nullptr);
  EXPECT_NE(store.find(kUrlC, {}), nullptr);
}

TEST(CertStore, TooManyFetchesOrWaitersAreBusyAtOnce) {
  FakeFetches fake;
  fake.bodies[kUrlA] = make_cert().pem;
  auto store = fake.store({.max_fetches = 1, .max_waiters = 2});
  std::vector<CertStore::Outcome> outcomes;
  auto note = [&](CertStore::Result r) { outcomes.push_back(r.outcome); };
  store.fetch(kUrlA, "", note);
  store.fetch(kUrlB, "", note);  // a second URL while one fetch runs
  EXPECT_EQ(outcomes, std::vector{CertStore::Outcome::busy});
  store.fetch(kUrlA, "", note);  // waits on the running fetch
  store.fetch(kUrlA, "", note);  // a third waiter
  EXPECT_EQ(outcomes, (std::vector{CertStore::Outcome::busy, CertStore::Outcome::busy}));
  fake.run_all();
  EXPECT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[2], CertStore::Outcome::fetched);
  EXPECT_EQ(outcomes[3], CertStore::Outcome::fetched);
  EXPECT_EQ(fake.counted[CertStore::Outcome::busy], 2);
  // Room again once the fetch ended.
  store.fetch(kUrlB, "", note);
  EXPECT_EQ(fake.jobs.size(), 1u);
}

TEST(CertStore, NoThreadForTheFetchFailsItsWaitersAtOnce) {
  std::vector<CertStore::Outcome> outcomes;
  CertStore store(
      {}, nullptr, [](const std::string&, const HttpsGetOptions&) { return HttpsGetResult{}; },
      [](std::function<void()>) { throw std::system_error(EAGAIN, std::generic_category()); });
  store.fetch(kUrlA, "", [&](CertStore::Result r) { outcomes.push_back(r.outcome); });
  store.fetch(kUrlA, "", [&](CertStore::Result r) { outcomes.push_back(r.outcome); });
  // Both fail at once: the first's fetch never started and left no waiter behind.
  EXPECT_EQ(outcomes, (std::vector{CertStore::Outcome::failed, CertStore::Outcome::failed}));
}

TEST_F(SnsSignatureTest, TheLocalDirectoryComesBeforeAnyFetch) {
  FakeFetches fake;
  auto store = fake.store({});
  auto pem =
      store.find("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-T.pem", config);
  ASSERT_NE(pem, nullptr);
  EXPECT_EQ(*pem, good.pem);
  EXPECT_TRUE(fake.gets.empty());
  EXPECT_TRUE(is_certificate(good.pem));
  EXPECT_FALSE(is_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
}

// Shutdown waits for the fetches it started, and starts no new one.
TEST(BackgroundJobs, StopWaitsForRunningJobsAndRefusesNewOnes) {
  BackgroundJobs jobs;
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  bool ran = false;
  ASSERT_TRUE(jobs.run([&] {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return release; });
    ran = true;
  }));
  EXPECT_EQ(jobs.running(), 1u);
  EXPECT_FALSE(jobs.stop(std::chrono::milliseconds(1)));  // still blocked
  EXPECT_FALSE(jobs.run([] {}));                          // stopping: refused
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  EXPECT_TRUE(jobs.stop(std::chrono::seconds(30)));
  EXPECT_TRUE(ran);
  EXPECT_EQ(jobs.running(), 0u);
}

}  // namespace
}  // namespace alertd::api::sns
