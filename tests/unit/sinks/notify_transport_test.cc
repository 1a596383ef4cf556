// One attempt against a real local HTTP server (tests/support/
// http_test_server.h): what each kind sends, the webhook signature, and
// how answers and failures come back.

#include <gtest/gtest.h>

#include "sinks/notify/signature.h"
#include "sinks/notify/transport.h"
#include "tests/support/http_test_server.h"

namespace alertd::sinks::notify {
namespace {

using alertd::testing::HttpTestServer;

const core::TimePoint kNow = core::from_unix_millis(1'767'225'600'250);

Message json_message(std::string body = R"({"text":"INC-1 opened"})") {
  Message m;
  m.id = 1;
  m.receiver = "r";
  m.incident_id = "INC-1";
  m.body = std::move(body);
  return m;
}

SendResult send(const ReceiverKind& kind, const Message& m = json_message(),
                TransportOptions options = {}) {
  const core::ManualClock clock(kNow);
  return send_message(Receiver{"r", kind}, m, options, clock);
}

TEST(NotifyTransport, SlackTeamsAndPagerDutyPostTheJsonBody) {
  HttpTestServer server;
  server.respond({200, {}, "ok"});
  server.respond({200, {}, ""});
  server.respond({202, {}, R"({"status":"success"})"});
  EXPECT_TRUE(send(SlackReceiver{server.url("/services/T/B/X")}).delivered());
  EXPECT_TRUE(send(TeamsReceiver{server.url("/workflows/1")}).delivered());
  const SendResult pd = send(PagerDutyReceiver{"key", server.url("/v2/enqueue")});
  EXPECT_TRUE(pd.delivered());
  EXPECT_EQ(pd.status, 202);
  EXPECT_EQ(pd.response, R"({"status":"success"})");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].path, "/services/T/B/X");
  EXPECT_EQ(requests[1].path, "/workflows/1");
  EXPECT_EQ(requests[2].path, "/v2/enqueue");
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_EQ(r.body, R"({"text":"INC-1 opened"})");
    EXPECT_EQ(r.header("X-Alertd-Signature"), "");
  }
}

TEST(NotifyTransport, WebhookSendsItsHeadersAndAVerifiableSignature) {
  HttpTestServer server;
  const std::string body = std::string(3000, 'x');  // over 1 KiB: no Expect: 100-continue wait
  const SendResult r = send(
      WebhookReceiver{server.url("/hook"), "s3cret", {{"Authorization", "Bearer t"}, {"X-A", "1"}}},
      json_message(body));
  EXPECT_TRUE(r.delivered());
  ASSERT_EQ(server.request_count(), 1u);
  const auto request = server.requests()[0];
  EXPECT_EQ(request.header("Authorization"), "Bearer t");
  EXPECT_EQ(request.header("X-A"), "1");
  EXPECT_EQ(request.header("Expect"), "");
  EXPECT_EQ(request.body, body);
  // What a receiver does (docs/notifications.md): split t and v1, HMAC
  // "<t>.<raw body>", compare in constant time.
  const std::string sig = request.header("X-Alertd-Signature");
  ASSERT_EQ(sig.rfind("t=1767225600,v1=", 0), 0u) << sig;
  const std::string v1 = sig.substr(sig.find("v1=") + 3);
  EXPECT_TRUE(constant_time_equal(v1, hmac_sha256_hex("s3cret", "1767225600." + request.body)));
}

TEST(NotifyTransport, WebhookWithoutSecretIsUnsigned) {
  HttpTestServer server;
  EXPECT_TRUE(send(WebhookReceiver{server.url("/hook"), "", {}}).delivered());
  EXPECT_EQ(server.requests().at(0).header("X-Alertd-Signature"), "");
}

TEST(NotifyTransport, AHeaderWithALineBreakIsRefusedUnsent) {
  HttpTestServer server;
  const SendResult r =
      send(WebhookReceiver{server.url("/hook"), "", {{"X-A", "1\r\nX-Injected: 1"}}});
  EXPECT_EQ(r.error, SendError::other);
  EXPECT_EQ(server.request_count(), 0u);
}

TEST(NotifyTransport, ErrorAnswersComeBackWithStatusAndRetryAfter) {
  HttpTestServer server;
  server.respond({429, {{"Retry-After", "30"}}, "slow down"});
  server.respond({503, {{"Retry-After", "Thu, 01 Jan 2026 00:02:00 GMT"}}, ""});
  server.respond({400, {}, R"({"error":"invalid"})"});
  const SendResult limited = send(SlackReceiver{server.url()});
  EXPECT_FALSE(limited.delivered());
  EXPECT_EQ(limited.error, SendError::none);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.retry_after, std::chrono::seconds(30));
  const SendResult down = send(SlackReceiver{server.url()});
  EXPECT_EQ(down.status, 503);
  ASSERT_TRUE(down.retry_after.has_value());
  EXPECT_EQ(*down.retry_after, std::chrono::milliseconds(119'750));  // from kNow
  const SendResult bad = send(SlackReceiver{server.url()});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.retry_after, std::nullopt);
  EXPECT_EQ(bad.response, R"({"error":"invalid"})");
}

TEST(NotifyTransport, RedirectsAreNotFollowed) {
  HttpTestServer server;
  server.respond({302, {{"Location", server.url("/elsewhere")}}, ""});
  const SendResult r = send(SlackReceiver{server.url("/hook")});
  EXPECT_EQ(r.status, 302);
  EXPECT_FALSE(r.delivered());
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(NotifyTransport, ALongAnswerIsReadOnlyUpToTheBound) {
  HttpTestServer server;
  server.respond({200, {}, std::string(200 << 10, 'a')});
  TransportOptions options;
  options.max_response_bytes = 1024;
  const SendResult r = send(SlackReceiver{server.url()}, json_message(), options);
  EXPECT_TRUE(r.delivered()) << r.detail;
  EXPECT_LE(r.response.size(), 1024u);
}

TEST(NotifyTransport, RefusedConnectionIsAConnectError) {
  const uint16_t port = alertd::testing::unused_port();
  const SendResult r = send(SlackReceiver{"http://127.0.0.1:" + std::to_string(port) + "/"});
  EXPECT_EQ(r.error, SendError::connect_error) << r.detail;
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.detail.empty());
}

TEST(NotifyTransport, OnlyHttpAndHttpsForHttpKinds) {
  const SendResult r = send(WebhookReceiver{"file:///etc/passwd", "", {}});
  EXPECT_EQ(r.error, SendError::other);
  EXPECT_FALSE(r.delivered());
}

TEST(NotifyTransport, TimeoutIsClassified) {
  HttpTestServer server;
  server.hold();  // read, never answered while the client waits
  TransportOptions options;
  options.timeouts.total = std::chrono::milliseconds(200);
  const SendResult r = send(SlackReceiver{server.url()}, json_message(), options);
  EXPECT_EQ(r.error, SendError::timeout) << r.detail;
  server.release();
}

}  // namespace
}  // namespace alertd::sinks::notify
