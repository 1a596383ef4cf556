// Slack's block_actions payloads as Slack sends them (form-encoded), and
// everything alertd refuses in them.

#include "api/integrations/slack_interaction.h"

#include <gtest/gtest.h>

#include <string>

#include "sinks/notify/signature.h"

namespace alertd::api::slack {
namespace {

std::string form_encode(std::string_view json) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "payload=";
  for (unsigned char c : json) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The shape of Slack's documented block_actions example, with alertd's button.
std::string block_actions(
    std::string_view action_id = "acknowledge", std::string_view value = "INC-42",
    std::string_view response_url = "https://hooks.slack.com/actions/T0CA8/1234/abcd") {
  return R"({"type":"block_actions","user":{"id":"U01ALICE","username":"alice","name":"alice","team_id":"T0CA8"},)"
         R"("api_app_id":"A0CA5","token":"Shh_its_a_seekrit","container":{"type":"message"},)"
         R"("trigger_id":"12466734323.1395872398","team":{"id":"T0CA8","domain":"acme"},)"
         R"("channel":{"id":"C0CA8","name":"oncall"},"response_url":")" +
         std::string(response_url) + R"(","actions":[{"action_id":")" + std::string(action_id) +
         R"(","block_id":"=qXel","text":{"type":"plain_text","text":"Acknowledge"},"value":")" +
         std::string(value) + R"(","type":"button","action_ts":"1548426417.840180"}]})";
}

TEST(SlackInteraction, AButtonClickAsSlackSendsIt) {
  auto got = parse_interaction(form_encode(block_actions()));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->user_id, "U01ALICE");
  EXPECT_EQ(got->user_name, "alice");
  EXPECT_EQ(got->team_id, "T0CA8");
  EXPECT_EQ(got->action_id, "acknowledge");
  EXPECT_EQ(got->incident_id, "INC-42");
  EXPECT_EQ(got->response_url, "https://hooks.slack.com/actions/T0CA8/1234/abcd");
  EXPECT_TRUE(parse_interaction(form_encode(block_actions("silence_1h"))).ok());
}

TEST(SlackInteraction, WhatIsRefused) {
  auto reason = [](const std::string& body) {
    auto r = parse_interaction(body);
    return r.ok() ? std::string("accepted") : r.error().message;
  };
  EXPECT_EQ(reason("token=x&text=hi"), "no payload field: not a Slack interaction");
  EXPECT_EQ(reason("payload=%zz"), "the form body has a bad percent-escape");
  EXPECT_EQ(reason(form_encode("not json")), "payload is not a JSON object");
  EXPECT_EQ(reason(form_encode(R"({"type":"view_submission"})")),
            "payload type \"view_submission\" is not block_actions");
  EXPECT_EQ(reason(form_encode(R"({"type":"block_actions","actions":[]})")), "no user.id");
  EXPECT_EQ(reason(form_encode(R"({"type":"block_actions","user":{"id":"U1"},"actions":[]})")),
            "no actions");
  EXPECT_EQ(reason(form_encode(block_actions("delete_everything"))),
            "action_id \"delete_everything\" is not acknowledge, resolve or silence_1h");
  EXPECT_EQ(reason(form_encode(block_actions("resolve", "INC-0"))),
            "the button's value \"INC-0\" is not an incident id");
  EXPECT_EQ(reason(form_encode(block_actions("resolve", "INC-1", "https://evil.example/x"))),
            "response_url is not on https://hooks.slack.com/");
  EXPECT_EQ(reason(std::string(kMaxInteractionBytes + 1, 'a')), "larger than 256 KiB");
}

TEST(SlackInteraction, ResponseUrlsOnlyUnderTheConfiguredPrefix) {
  const std::string local = "http://127.0.0.1:8089/slack/";
  auto got =
      parse_interaction(form_encode(block_actions("resolve", "INC-7", local + "r/1")), local);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->response_url, local + "r/1");
  // With another prefix configured, Slack's own host is refused too.
  auto slack = parse_interaction(form_encode(block_actions()), local);
  ASSERT_FALSE(slack.ok());
  EXPECT_EQ(slack.error().message, "response_url is not on " + local);
  EXPECT_FALSE(
      parse_interaction(
          form_encode(block_actions("resolve", "INC-7", "http://127.0.0.1:8089/other")), local)
          .ok());
}

// Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack).
constexpr std::string_view kSecret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr std::string_view kBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977"
    "00885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10"
    "d2c447fce8b6703c";
constexpr std::string_view kTimestamp = "1531420618";
constexpr std::string_view kSignature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
const core::TimePoint kSentAt{std::chrono::seconds(1531420618)};

TEST(SlackSignature, SlacksOwnExampleVerifies) {
  EXPECT_EQ(verify_request(kSecret, kTimestamp, kSignature, kBody, kSentAt), SignatureCheck::valid);
  EXPECT_EQ(
      verify_request(kSecret, kTimestamp, kSignature, kBody, kSentAt + std::chrono::seconds(299)),
      SignatureCheck::valid);
}

TEST(SlackSignature, TamperedBodyWrongSecretOrMissingHeadersAreInvalid) {
  std::string tampered(kBody);
  tampered.replace(tampered.find("roadrunner"), 10, "wile_e_coy");
  EXPECT_EQ(verify_request(kSecret, kTimestamp, kSignature, tampered, kSentAt),
            SignatureCheck::invalid_signature);
  EXPECT_EQ(verify_request("another-secret", kTimestamp, kSignature, kBody, kSentAt),
            SignatureCheck::invalid_signature);
  EXPECT_EQ(verify_request(kSecret, "", kSignature, kBody, kSentAt),
            SignatureCheck::invalid_signature);
  EXPECT_EQ(verify_request(kSecret, kTimestamp, "", kBody, kSentAt),
            SignatureCheck::invalid_signature);
  EXPECT_EQ(verify_request(kSecret, "1531420618x", kSignature, kBody, kSentAt),
            SignatureCheck::invalid_signature);
  // The timestamp is inside the signed text: moving it breaks the signature.
  EXPECT_EQ(verify_request(kSecret, "1531420619", kSignature, kBody, kSentAt),
            SignatureCheck::invalid_signature);
  std::string v1(kSignature);
  v1[1] = '1';
  EXPECT_EQ(verify_request(kSecret, kTimestamp, v1, kBody, kSentAt),
            SignatureCheck::invalid_signature);
}

TEST(SlackSignature, OverFiveMinutesEitherWayIsStale) {
  using std::chrono::seconds;
  EXPECT_EQ(verify_request(kSecret, kTimestamp, kSignature, kBody, kSentAt + seconds(301)),
            SignatureCheck::stale_request);
  EXPECT_EQ(verify_request(kSecret, kTimestamp, kSignature, kBody, kSentAt - seconds(301)),
            SignatureCheck::stale_request);
  // A forgery stays a forgery, however old.
  EXPECT_EQ(verify_request("wrong", kTimestamp, kSignature, kBody, kSentAt + seconds(3600)),
            SignatureCheck::invalid_signature);
  // Far beyond what a TimePoint holds: refused, not overflowed.
  const std::string far = "999999999999999999";
  const auto signature =
      "v0=" + sinks::notify::hmac_sha256_hex(kSecret, "v0:" + far + ":" + std::string(kBody));
  EXPECT_EQ(verify_request(kSecret, far, signature, kBody, kSentAt), SignatureCheck::stale_request);
}

}  // namespace
}  // namespace alertd::api::slack
