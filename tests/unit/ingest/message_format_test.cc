// Kafka message formats (ingest/formats/message_format.h): each name reaches
// the decoder the HTTP route of that format uses, a message is all or
// nothing, and PagerDuty resolves find their trigger.

#include "ingest/formats/message_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/ingest/test_util.h"

namespace alertd::ingest {
namespace {

using test_util::context_at;

class MessageFormatTest : public ::testing::Test {
 protected:
  DecodeResult decode(MessageFormat format, std::string_view body) {
    std::string copy(body);
    return decode_message(decoder_, format, copy, ctx_, mctx_, dropped_, out_);
  }
  Decoder decoder_;
  DecodeContext ctx_ = context_at("2026-01-01T00:05:00Z");
  MessageContext mctx_;
  AwsDropped dropped_;
  std::vector<core::Alert> out_;
};

TEST_F(MessageFormatTest, EveryConfigNameParsesBackToItself) {
  for (auto name : kMessageFormatNames) {
    auto f = parse_message_format(name);
    ASSERT_TRUE(f.has_value()) << name;
    EXPECT_EQ(to_string(*f), name);
  }
  EXPECT_FALSE(parse_message_format("syslog").has_value());
  EXPECT_FALSE(parse_message_format("").has_value());
}

TEST_F(MessageFormatTest, GenericTakesAnObjectAnArrayOrNdjsonLines) {
  ASSERT_TRUE(decode(MessageFormat::generic, R"({"labels":{"alertname":"A"}})").ok());
  ASSERT_TRUE(decode(MessageFormat::generic,
                     R"([{"labels":{"alertname":"B"}},{"labels":{"alertname":"C"}}])")
                  .ok());
  ASSERT_TRUE(decode(MessageFormat::generic,
                     "{\"labels\":{\"alertname\":\"D\"}}\n{\"labels\":{\"alertname\":\"E\"}}\n")
                  .ok());
  ASSERT_EQ(out_.size(), 5u);
  EXPECT_EQ(out_[4].labels.get("alertname"), "E");
  EXPECT_EQ(out_[0].tenant, "team-a");
}

TEST_F(MessageFormatTest, AMessageIsAllOrNothing) {
  ASSERT_TRUE(decode(MessageFormat::generic, R"({"labels":{"alertname":"kept"}})").ok());
  auto r = decode(MessageFormat::generic, "{\"labels\":{\"alertname\":\"x\"}}\n{\"labels\":{}}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->reason, "empty_labels");
  ASSERT_EQ(out_.size(), 1u);  // the good line of the bad message is not kept
  EXPECT_EQ(out_[0].labels.get("alertname"), "kept");
  EXPECT_FALSE(decode(MessageFormat::alertmanager, "not json").ok());
  EXPECT_EQ(out_.size(), 1u);
}

TEST_F(MessageFormatTest, VendorFormatsUseTheirDecoders) {
  ASSERT_TRUE(
      decode(MessageFormat::alertmanager, R"([{"labels":{"alertname":"Am","service":"db"}}])")
          .ok());
  EXPECT_EQ(out_.back().source, "prometheus");
  ASSERT_TRUE(decode(MessageFormat::grafana, R"({"version":"1","status":"firing",
    "alerts":[{"status":"firing","labels":{"alertname":"G"}}]})")
                  .ok());
  EXPECT_EQ(out_.back().source, "grafana");
  ASSERT_TRUE(decode(MessageFormat::splunk_hec,
                     R"({"event":{"message":"disk full"},"host":"h1","sourcetype":"syslog"})")
                  .ok());
  EXPECT_EQ(out_.back().source, "splunk");
  ASSERT_TRUE(decode(MessageFormat::sns, R"({"Type":"SubscriptionConfirmation",
    "MessageId":"m","TopicArn":"arn:aws:sns:us-east-1:1:t","Message":"confirm",
    "Timestamp":"2026-01-01T00:00:00Z","SignatureVersion":"1","Signature":"x",
    "SigningCertURL":"https://sns.us-east-1.amazonaws.com/c.pem","SubscribeURL":"https://x",
    "Token":"t"})")
                  .ok());  // nothing to confirm on Kafka: no alert, no error
  EXPECT_EQ(out_.back().source, "splunk");
}

TEST_F(MessageFormatTest, PagerDutyResolveFindsItsTrigger) {
  const auto event = [](std::string_view action) {
    return std::string(R"({"routing_key":"0123456789abcdef0123456789abcdef","event_action":")") +
           std::string(action) +
           R"(","dedup_key":"kafka-pd-1","payload":{"summary":"Disk full","source":"db-1",
            "severity":"critical"}})";
  };
  ASSERT_TRUE(decode(MessageFormat::pagerduty, event("trigger")).ok());
  ASSERT_EQ(out_.size(), 1u);
  ASSERT_TRUE(decode(MessageFormat::pagerduty, event("resolve")).ok());
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].labels, out_[0].labels);
  EXPECT_EQ(out_[1].status, core::AlertStatus::resolved);
  // A second resolve: the key is forgotten, nothing to act on, no error.
  auto again = decode(MessageFormat::pagerduty, event("resolve"));
  EXPECT_TRUE(again.ok());
  EXPECT_EQ(out_.size(), 2u);
}

}  // namespace
}  // namespace alertd::ingest
