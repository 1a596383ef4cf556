// Slack's block_actions payloads as Slack sends them (form-encoded), and
// everything alertd refuses in them.

#include "api/integrations/slack_interaction.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace alertd::api::slack
