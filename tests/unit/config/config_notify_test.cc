// `notify:`: receivers of every kind with secrets from the environment,
// templates compiled (shipped or given), routes checked against receivers
// and schedules, and the mistakes refused with file and line.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config.h"

namespace alertd::config {
namespace {

using ::testing::HasSubstr;
namespace notify = sinks::notify;

constexpr const char* kOncall = R"(people:
  - {name: alice, slack_user: U01ALICE, email: alice@example.com}
oncall:
  schedules:
    - {name: primary, members: [alice]}
)";

core::Result<DaemonConfig> parse(const std::string& notify) {
  return parse_config(std::string(kOncall) + "notify:\n" + notify, "alertd.yml");
}

TEST(NotifyConfig, EveryReceiverKindWithSecretsFromTheEnvironment) {
  ::setenv("ALERTD_TEST_SLACK_URL", "https://hooks.slack.com/services/T0/B0/xyz", 1);
  ::setenv("ALERTD_TEST_WEBHOOK_SECRET", "0123456789abcdef0123", 1);
  auto cfg = parse(R"(  external_url: https://alertd.example.com/
  group_wait: 30s
  repeat_interval: 4h
  max_attempts: 5
  receivers:
    - {name: ops, slack: {webhook_url: "${ALERTD_TEST_SLACK_URL}"}}
    - {name: teams, teams: {webhook_url: "https://example.webhook.office.com/x"}}
    - {name: pd, pagerduty: {routing_key: R0UT1NG}, send_resolved: false}
    - name: mail
      email: {smtp_url: "smtp://127.0.0.1:2525", from: alertd@example.com, to: [a@example.com]}
    - name: hook
      webhook:
        url: http://127.0.0.1:9000/in
        secret: "${ALERTD_TEST_WEBHOOK_SECRET}"
        headers: {X-Team: sre}
      templates: {body: '{"id":"{{incident_id}}"}'}
  routes:
    - {match: ['priority=~"P1|P2"'], receivers: [pd, ops], schedule: primary, continue: true}
    - {receivers: [mail], audience: stakeholders}
)");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& n = cfg->notify;
  EXPECT_EQ(n.external_url, "https://alertd.example.com");  // no trailing slash
  EXPECT_EQ(n.policy.group_wait, std::chrono::seconds(30));
  EXPECT_EQ(n.policy.repeat_interval, std::chrono::hours(4));
  EXPECT_EQ(n.max_attempts, 5);
  ASSERT_EQ(n.receivers.size(), 5u);
  EXPECT_EQ(std::get<notify::SlackReceiver>(n.receiver("ops")->receiver.kind).webhook_url,
            "https://hooks.slack.com/services/T0/B0/xyz");
  const auto& pd = std::get<notify::PagerDutyReceiver>(n.receiver("pd")->receiver.kind);
  EXPECT_EQ(pd.url, "https://events.pagerduty.com/v2/enqueue");  // PagerDuty's by default
  EXPECT_EQ(n.policy.no_send_resolved, std::vector<std::string>{"pd"});
  const auto& hook = std::get<notify::WebhookReceiver>(n.receiver("hook")->receiver.kind);
  EXPECT_EQ(hook.secret, "0123456789abcdef0123");
  ASSERT_EQ(hook.headers.size(), 1u);
  EXPECT_EQ(hook.headers[0].first, "X-Team");
  // The shipped templates unless given; email has its three parts.
  EXPECT_TRUE(n.receiver("ops")->templates.body.has_value());
  const auto& mail = n.receiver("mail")->templates;
  EXPECT_TRUE(mail.subject && mail.text && mail.html);
  EXPECT_FALSE(mail.body.has_value());
  std::string out;
  n.receiver("hook")->templates.body->render(
      [](std::string_view name) {
        return notify::FieldValue{name == "incident_id" ? "INC-7" : ""};
      },
      out);
  EXPECT_EQ(out, R"({"id":"INC-7"})");
  ASSERT_EQ(n.policy.routes.size(), 2u);
  EXPECT_EQ(n.policy.routes[0].schedule, "primary");
  EXPECT_TRUE(n.policy.routes[0].continue_matching);
  EXPECT_EQ(n.policy.routes[1].audience, correlator::Audience::stakeholders);
}

TEST(NotifyConfig, MistakesAreRefusedWithTheirLine) {
  auto cfg = parse(R"(  receivers:
    - {name: ops, slack: {webhook_url: "ftp://example.com"}}
    - {name: two, slack: {webhook_url: "https://a"}, teams: {webhook_url: "https://b"}}
    - {name: hook, webhook: {url: "https://x"}, templates: {body: "{{titel}}"}}
    - {name: hook2, webhook: {url: "https://x", headers: {"Bad Header": "v"}}}
    - {name: mail, email: {smtp_url: "smtp://x", from: a@example.com, to: ["not an address"]}}
    - {name: good, webhook: {url: "https://example.com/in"}}
  routes:
    - {receivers: [nobody]}
    - {receivers: [good], schedule: tertiary}
    - {receivers: [good], audience: everyone}
    - {receivers: [good], match: ['!!priority']}
    - {schedule: primary}
)");
  ASSERT_FALSE(cfg.ok());
  const auto& m = cfg.error().message;
  EXPECT_THAT(m, HasSubstr("alertd.yml:8:"));  // the first receiver's URL
  EXPECT_THAT(m, HasSubstr("notify.receivers[0].slack.webhook_url: not a URL"));
  EXPECT_THAT(m, HasSubstr("notify.receivers[1]: needs exactly one of"));
  EXPECT_THAT(m, HasSubstr("notify.receivers[2].templates.body:"));
  EXPECT_THAT(m, HasSubstr("titel"));
  EXPECT_THAT(m, HasSubstr("\"Bad Header\" is not a header"));
  EXPECT_THAT(m, HasSubstr("\"not an address\" is not an address"));
  EXPECT_THAT(m, HasSubstr("\"nobody\" is not one of notify.receivers"));
  EXPECT_THAT(m, HasSubstr("\"tertiary\" is not one of oncall.schedules"));
  EXPECT_THAT(m, HasSubstr("\"everyone\" is not one of IT_staff"));
  EXPECT_THAT(m, HasSubstr("notify.routes[3].match"));
  EXPECT_THAT(m, HasSubstr("notify.routes[4]: needs receivers"));
}

TEST(NotifyConfig, EscalationPoliciesAndLevels) {
  auto cfg = parse_config(std::string(kOncall) + R"(notify:
  escalation_levels: {L2: primary}
  receivers:
    - {name: exec, webhook: {url: "https://example.com/exec"}}
    - {name: ops, webhook: {url: "https://example.com/ops"}}
  routes:
    - {receivers: [ops], escalation_policy: checkout}
escalation_policies:
  - name: checkout
    repeat: 2
    steps:
      - {notify: primary, wait: 5m}
      - {notify: alice, wait: 10m}
      - {notify: exec, wait: 15m}
)",
                          "alertd.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& p = cfg->notify.policy;
  ASSERT_EQ(p.escalation_policies.size(), 1u);
  const auto& steps = p.escalation_policies[0].steps;
  ASSERT_EQ(steps.size(), 3u);
  using Target = correlator::EscalationStep::Target;
  EXPECT_EQ(steps[0].target, Target::schedule);
  EXPECT_EQ(steps[1].target, Target::person);
  EXPECT_EQ(steps[2].target, Target::receiver);
  EXPECT_EQ(steps[2].wait, std::chrono::minutes(15));
  EXPECT_EQ(p.escalation_policies[0].repeat, 2);
  EXPECT_EQ(p.routes.at(0).escalation_policy, "checkout");
  EXPECT_EQ(p.level_schedules.at(2), "primary");

  auto bad = parse_config(std::string(kOncall) + R"(notify:
  escalation_levels: {L7: primary}
  receivers:
    - {name: alice, webhook: {url: "https://example.com/a"}}
  routes:
    - {receivers: [alice], escalation_policy: nothing}
escalation_policies:
  - {name: p, steps: [{notify: nobody, wait: 5m}]}
  - {name: q, steps: [{notify: alice, wait: 5m}]}
  - {name: r, steps: []}
)",
                          "alertd.yml");
  ASSERT_FALSE(bad.ok());
  const auto& m = bad.error().message;
  EXPECT_THAT(m, HasSubstr("\"L7\" is not L2, L3 or incident_manager"));
  EXPECT_THAT(m, HasSubstr("\"nobody\" is no schedule, person or receiver"));
  EXPECT_THAT(m, HasSubstr("\"alice\" names more than one"));
  EXPECT_THAT(m, HasSubstr("escalation_policies[2].steps: a list of 1 to 20"));
  EXPECT_THAT(m, HasSubstr("\"nothing\" is not one of escalation_policies"));
}

TEST(NotifyConfig, AnUnsetSecretNamesTheVariableNeverAValue) {
  ::unsetenv("ALERTD_TEST_UNSET_KEY");
  auto cfg = parse(R"(  receivers:
    - {name: pd, pagerduty: {routing_key: "${ALERTD_TEST_UNSET_KEY}"}}
)");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.error().message, HasSubstr("ALERTD_TEST_UNSET_KEY"));
}

TEST(NotifyConfig, AbsentMeansNoReceiversAndTheDefaults) {
  auto cfg = parse_config("", "alertd.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_TRUE(cfg->notify.receivers.empty());
  EXPECT_EQ(cfg->notify.policy.group_wait, std::chrono::seconds(10));
  EXPECT_EQ(cfg->notify.policy.repeat_interval.count(), 0);
  EXPECT_TRUE(cfg->notify.slack_signing_secret.empty());
  EXPECT_EQ(cfg->notify.slack_response_url_prefix, "https://hooks.slack.com/");
}

TEST(NotifyConfig, TheSlackAppSecretFromTheEnvironmentAndWhereResponsesMayGo) {
  ::setenv("ALERTD_TEST_SLACK_SIGNING", "8f742231b10e8888abcd99yyyzzz85a5", 1);
  auto cfg = parse(R"(  slack_app:
    signing_secret: "${ALERTD_TEST_SLACK_SIGNING}"
    response_url_prefix: "http://127.0.0.1:9000/slack/"
)");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->notify.slack_signing_secret, "8f742231b10e8888abcd99yyyzzz85a5");
  EXPECT_EQ(cfg->notify.slack_response_url_prefix, "http://127.0.0.1:9000/slack/");

  // Without a '/' after the host a prefix would also admit look-alike hosts.
  for (const char* bad :
       {"https://hooks.slack.com", "ftp://hooks.slack.com/", "https:///", "hooks.slack.com/"}) {
    auto refused = parse(std::string("  slack_app: {response_url_prefix: \"") + bad + "\"}\n");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_THAT(refused.error().message,
                HasSubstr("notify.slack_app.response_url_prefix: \"" + std::string(bad)));
  }
}

}  // namespace
}  // namespace alertd::config
