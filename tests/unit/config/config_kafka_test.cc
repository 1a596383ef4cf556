// The `kafka:` section: brokers, group, topics with formats, properties
// with ${ENV}, relay mode; and the mistakes refused with file and line.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "config/config.h"
#include "config/restart_keys.h"

namespace alertd::config {
namespace {

using ::testing::HasSubstr;

std::string errors_of(std::string_view yaml) {
  auto cfg = parse_config(yaml, "cfg.yaml");
  EXPECT_FALSE(cfg.ok()) << "expected an error for:\n" << yaml;
  return cfg.ok() ? "" : cfg.error().message;
}

TEST(KafkaConfig, OffWithoutTheSection) {
  auto cfg = parse_config("listen: 127.0.0.1:1\n", "cfg.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_FALSE(cfg->kafka.enabled());
  EXPECT_TRUE(cfg->kafka.topics.empty());
}

TEST(KafkaConfig, EveryKeyIsRead) {
  ::setenv("ALERTD_TEST_SASL", "s3cret", 1);
  auto cfg = parse_config(R"(
kafka:
  brokers: [k1:9092, k2:9092]
  group_id: alertd-prod
  topics:
    - alerts
    - {name: am, format: alertmanager-webhook, tenant: team-a}
    - {name: trail, format: cloudtrail}
  incidents_topic: incidents
  dead_letter_topic: alerts-dlq
  relay: true
  max_message_bytes: 2MiB
  commit_interval: 2s
  properties:
    security.protocol: SASL_SSL
    sasl.password: ${ALERTD_TEST_SASL}
)",
                          "cfg.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& k = cfg->kafka;
  EXPECT_EQ(k.brokers, "k1:9092,k2:9092");
  EXPECT_EQ(k.group_id, "alertd-prod");
  ASSERT_EQ(k.topics.size(), 3u);
  EXPECT_EQ(k.topics[0].name, "alerts");
  EXPECT_EQ(k.topics[0].format, ingest::MessageFormat::generic);
  EXPECT_EQ(k.topics[1].format, ingest::MessageFormat::alertmanager_webhook);
  EXPECT_EQ(k.topics[1].tenant, "team-a");
  EXPECT_EQ(k.topics[2].format, ingest::MessageFormat::cloudtrail);
  EXPECT_EQ(k.incidents_topic, "incidents");
  EXPECT_EQ(k.dead_letter_topic, "alerts-dlq");
  EXPECT_TRUE(k.relay);
  EXPECT_EQ(k.relay_topic, "alerts");  // the first topic by default
  EXPECT_EQ(k.max_message_bytes, 2u << 20);
  EXPECT_EQ(k.commit_interval, std::chrono::seconds(2));
  EXPECT_EQ(k.properties.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(k.properties.at("sasl.password"), "s3cret");
}

TEST(KafkaConfig, MistakesAreRefusedWithTheirLine) {
  EXPECT_THAT(errors_of("kafka:\n  brokers: k:1\n  topics: [{name: a, format: syslog}]\n"),
              HasSubstr("cfg.yaml:3: kafka.topics[0].format: \"syslog\" is not one of generic"));
  EXPECT_THAT(errors_of("kafka:\n  brokers: k:1\n  topics: [a, a]\n"), HasSubstr("listed twice"));
  EXPECT_THAT(errors_of("kafka:\n  topics: [a]\n"), HasSubstr("brokers is required"));
  EXPECT_THAT(errors_of("kafka:\n  brokers: k:1\n  topics: [\"a b\"]\n"),
              HasSubstr("a Kafka topic name holds only"));
  EXPECT_THAT(errors_of("kafka:\n  brokers: k:1\n  topics: [a]\n  incidents_topic: a\n"),
              HasSubstr("also a topic alertd reads"));
  EXPECT_THAT(errors_of("kafka:\n  brokers: k:1\n  properties: {group.id: x}\n"),
              HasSubstr("set kafka.group_id instead"));
  EXPECT_THAT(errors_of("kafka:\n  brokers: k:1\n  relay: true\n"),
              HasSubstr("needs relay_topic or a topic"));
  EXPECT_THAT(errors_of("kafka:\n  brokers: k:1\n  properties:\n    sasl.password: ${NOT_SET_X}\n"),
              HasSubstr("environment variable NOT_SET_X is not set"));
  EXPECT_THAT(errors_of("kafka:\n  brokers: k:1\n  partitions: 3\n"), HasSubstr("partitions"));
}

TEST(KafkaConfig, EveryKeyNeedsARestart) {
  auto a = parse_config("kafka: {brokers: k:1, topics: [a]}\n", "a.yaml");
  auto b = parse_config("kafka: {brokers: k:1, topics: [{name: a, format: grafana}]}\n", "b.yaml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(restart_needed(*a, *b), std::vector<std::string>{"kafka.topics"});
  EXPECT_TRUE(restart_needed(*a, *a).empty());
}

}  // namespace
}  // namespace alertd::config
