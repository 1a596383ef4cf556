// The `sources:` section and `http.tls`: what each sender-facing source is
// configured with, and the mistakes refused with file and line.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "config/restart_keys.h"

namespace alertd::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string errors_of(std::string_view yaml) {
  auto cfg = parse_config(yaml, "cfg.yaml");
  EXPECT_FALSE(cfg.ok()) << "expected an error for:\n" << yaml;
  return cfg.ok() ? "" : cfg.error().message;
}

TEST(SourcesConfig, DefaultsWithoutTheSection) {
  auto cfg = parse_config("listen: 127.0.0.1:1\n", "cfg.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_TRUE(cfg->sources.splunk_hec.tokens.empty());
  EXPECT_EQ(cfg->sources.splunk_hec.max_events_per_request, 10000u);
  EXPECT_TRUE(cfg->sources.sns.verify);
  EXPECT_EQ(cfg->sources.sns.cert_hosts, std::vector<std::string>{"sns.*.amazonaws.com"});
  EXPECT_EQ(cfg->sources.sns.insufficient_data, SnsConfig::InsufficientData::firing);
  EXPECT_EQ(cfg->sources.sns.ca_file, "");
  EXPECT_FALSE(cfg->sources.tcp.enabled());
  EXPECT_EQ(cfg->sources.tcp.max_line_bytes, 1u << 20);
  EXPECT_EQ(cfg->sources.tcp.idle_timeout, std::chrono::minutes(5));
  EXPECT_FALSE(cfg->http.tls.enabled());
}

TEST(SourcesConfig, EveryKeyIsRead) {
  auto cfg = parse_config(R"(
http: {tls: {cert_file: /etc/alertd/cert.pem, key_file: /etc/alertd/key.pem}}
sources:
  splunk_hec:
    max_events_per_request: 500
    ack_ttl: 2m
    tokens:
      - {token: 5d7e2c1a-4f0b-4e8a-9a43-6b1f0c2d9e11, name: edge, tenant: ops, index: alerts,
         indexes: [alerts, main], ack: true, query_token: true, label_fields: [service],
         annotation_fields: [detail], sourcetype: "app:json", host: h, source: s}
      - {token: 11111111-2222-3333-4444-555555555555}
  sns: {verify: false, signing_certs: /etc/alertd/sns, cert_hosts: [sns.eu-west-1.amazonaws.com],
        subscribe_hosts: [], ca_file: /etc/alertd/sns-ca.pem, insufficient_data: ignore}
  cloudtrail: {keep: [['eventName="ConsoleLogin"'], ['eventSource=~"iam.*"', 'awsRegion="us-east-1"']]}
  tcp: {listen: "127.0.0.1:9881", max_line_bytes: 64KiB, max_connections: 50, tenant: fwd,
        idle_timeout: 0s, handshake_timeout: 3s}
  redelivery: {window: 2h, max_ids: 5000}
)",
                          "cfg.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& hec = cfg->sources.splunk_hec;
  EXPECT_EQ(hec.max_events_per_request, 500u);
  EXPECT_EQ(hec.ack_ttl, std::chrono::minutes(2));
  ASSERT_EQ(hec.tokens.size(), 2u);
  EXPECT_EQ(hec.tokens[0].name, "edge");
  EXPECT_EQ(hec.tokens[0].tenant, "ops");
  EXPECT_TRUE(hec.tokens[0].ack);
  EXPECT_TRUE(hec.tokens[0].query_token);
  EXPECT_EQ(hec.tokens[0].indexes, (std::vector<std::string>{"alerts", "main"}));
  EXPECT_EQ(hec.tokens[0].label_fields, std::vector<std::string>{"service"});
  EXPECT_EQ(hec.tokens[1].name, "hec-1");
  EXPECT_FALSE(cfg->sources.sns.verify);
  EXPECT_EQ(cfg->sources.sns.insufficient_data, SnsConfig::InsufficientData::ignore);
  EXPECT_TRUE(cfg->sources.sns.subscribe_hosts.empty());
  EXPECT_EQ(cfg->sources.sns.ca_file, "/etc/alertd/sns-ca.pem");
  ASSERT_EQ(cfg->sources.cloudtrail.keep.size(), 2u);
  EXPECT_EQ(cfg->sources.cloudtrail.keep[1].size(), 2u);
  EXPECT_EQ(cfg->sources.tcp.listen, "127.0.0.1:9881");
  EXPECT_EQ(cfg->sources.tcp.max_line_bytes, 64u << 10);
  EXPECT_EQ(cfg->sources.tcp.idle_timeout, core::Duration(0));  // 0: never
  EXPECT_EQ(cfg->sources.tcp.handshake_timeout, std::chrono::seconds(3));
  EXPECT_EQ(cfg->sources.tcp.tenant, "fwd");
  EXPECT_EQ(cfg->sources.redelivery.max_ids, 5000u);
  EXPECT_TRUE(cfg->http.tls.enabled());
}

TEST(SourcesConfig, MistakesAreRefusedWithTheirLineAndNoToken) {
  auto err = errors_of(R"(
sources:
  splunk_hec:
    tokens:
      - {token: 5d7e2c1a-4f0b-4e8a-9a43-6b1f0c2d9e11, index: secret, indexes: [alerts]}
      - {token: 5d7e2c1a-4f0b-4e8a-9a43-6b1f0c2d9e11}
      - {token: short}
      - {name: no-token}
  sns: {insufficient_data: maybe}
  tcp: {max_line_bytes: 10, tls: {cert_file: c.pem}}
)");
  EXPECT_THAT(err,
              HasSubstr("sources.splunk_hec.tokens[0].index: \"secret\" is not in its indexes"));
  EXPECT_THAT(err, HasSubstr("tokens[1].token: the same token as an earlier entry"));
  EXPECT_THAT(err, HasSubstr("tokens[2].token: shorter than 16 characters"));
  EXPECT_THAT(err, HasSubstr("tokens[3]: needs token"));
  EXPECT_THAT(errors_of("sources: {nonsense: {}}\n"), HasSubstr("unknown key \"nonsense\""));
  EXPECT_THAT(err, Not(HasSubstr("5d7e2c1a")));
  auto sns = errors_of("sources: {sns: {insufficient_data: maybe}}\n");
  EXPECT_THAT(sns, HasSubstr("expected firing, resolved or ignore"));
  auto tls = errors_of("http: {tls: {cert_file: c.pem}}\n");
  EXPECT_THAT(tls, HasSubstr("http.tls: cert_file and key_file go together"));
  auto line = errors_of("sources: {tcp: {max_line_bytes: 10}}\n");
  EXPECT_THAT(line, HasSubstr("sources.tcp.max_line_bytes"));
  EXPECT_THAT(errors_of("sources: {tcp: {handshake_timeout: 0s}}\n"),
              HasSubstr("sources.tcp.handshake_timeout: must be longer than 0"));
}

TEST(SourcesConfig, TheListenerAndRedeliveryNeedARestartAndTokensDoNot) {
  auto a = parse_config("sources: {tcp: {listen: '127.0.0.1:1'}}\n", "a.yaml");
  auto b = parse_config(
      "sources: {tcp: {listen: '127.0.0.1:2', idle_timeout: 1m}, redelivery: {window: 5h}, "
      "splunk_hec: {tokens: [{token: 11111111-2222-3333-4444-555555555555}]}}\n",
      "b.yaml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(restart_needed(*a, *b),
            (std::vector<std::string>{"sources.tcp.listen", "sources.tcp.idle_timeout",
                                      "sources.redelivery.window"}));
}

}  // namespace
}  // namespace alertd::config
