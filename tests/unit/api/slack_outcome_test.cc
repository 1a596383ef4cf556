// What a Slack click becomes: the person, the command, the silence of
// silence_1h, and the messages posted back to its response_url.

#include "api/integrations/slack_outcome.h"

#include <gtest/gtest.h>

#include <string>

namespace alertd::api::slack {
namespace {

using namespace std::chrono_literals;

Interaction click(std::string action_id, std::string user_name = "alice") {
  Interaction in;
  in.user_id = "U01ALICE";
  in.user_name = std::move(user_name);
  in.action_id = std::move(action_id);
  in.incident_id = "INC-7";
  return in;
}

core::Member member(core::LabelSet labels) {
  core::Member m;
  m.labels = std::move(labels);
  return m;
}

sinks::IncidentDetail incident(std::vector<core::Member> members, std::string rule = "default") {
  sinks::IncidentDetail d;
  d.incident.id = "INC-7";
  d.incident.tenant = "shop";
  d.incident.title = "checkout is down";
  d.incident.rule = std::move(rule);
  d.members = std::move(members);
  return d;
}

TEST(SlackOutcome, PeopleByTheirSlackUser) {
  config::OncallConfig oncall;
  oncall.people = {{.name = "bob"}, {.name = "alice", .slack_user = "U01ALICE"}};
  ASSERT_NE(person_of(oncall, "U01ALICE"), nullptr);
  EXPECT_EQ(person_of(oncall, "U01ALICE")->name, "alice");
  EXPECT_EQ(person_of(oncall, "U0NOBODY"), nullptr);
  EXPECT_EQ(person_of(oncall, ""), nullptr);  // bob has no Slack user: never matched by ""
}

TEST(SlackOutcome, TheCommandActsAsTheSlackUserWithThePersonsRole) {
  correlator::Person alice{.name = "alice", .role = core::Role::incident_manager};
  auto ack = command_for(click("acknowledge"), alice, "shop");
  EXPECT_EQ(ack.action, core::LifecycleAction::acknowledge);
  EXPECT_EQ(ack.incident_id, "INC-7");
  EXPECT_EQ(ack.actor, "slack:alice");
  EXPECT_TRUE(ack.authenticated);
  EXPECT_EQ(ack.role, core::Role::incident_manager);
  EXPECT_EQ(ack.tenant, "shop");
  auto resolve = command_for(click("resolve", ""), alice, "shop");
  EXPECT_EQ(resolve.action, core::LifecycleAction::resolve);
  EXPECT_EQ(resolve.actor, "slack:U01ALICE");  // no name sent: the id
  EXPECT_EQ(resolve.text, "resolved from Slack by U01ALICE");
}

TEST(SlackOutcome, TheSilenceMatchesTheIncidentsGroupLabels) {
  correlator::CorrelatorConfig correlation;  // group_by service, fallback alertname
  const auto now = core::TimePoint(1'700'000'000s);
  auto s = silence_for(click("silence_1h"),
                       incident({member({{"service", "checkout"}, {"instance", "a"}}),
                                 member({{"service", "checkout"}, {"instance", "b"}})}),
                       correlation, now);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->matchers, std::vector<std::string>{"service=\"checkout\""});
  EXPECT_EQ(s->tenant, "shop");
  EXPECT_EQ(s->starts_at, now);
  EXPECT_EQ(s->ends_at, now + 1h);
  EXPECT_EQ(s->created_by, "slack:alice");
  EXPECT_EQ(s->comment, "silenced for 1h from Slack: INC-7 checkout is down");

  // A rule's own group_by.
  correlation.rule_group_by["disk-full"] = {"host"};
  s = silence_for(click("silence_1h"),
                  incident({member({{"host", "db1"}, {"service", "db"}})}, "disk-full"),
                  correlation, now);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->matchers, std::vector<std::string>{"host=\"db1\""});
}

TEST(SlackOutcome, MembersOfDifferentGroupsAreSilencedByWhatTheyShare) {
  correlator::CorrelatorConfig correlation;
  const auto now = core::TimePoint(1'700'000'000s);
  // Topology merged a dependency's alert into the root's incident.
  auto s = silence_for(
      click("silence_1h"),
      incident({member({{"service", "db"}, {"alertname", "Down"}, {"team", "sre"}}),
                member({{"service", "checkout"}, {"alertname", "Down"}, {"team", "sre"}})}),
      correlation, now);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->matchers, (std::vector<std::string>{"alertname=\"Down\"", "team=\"sre\""}));
  auto none = silence_for(click("silence_1h"),
                          incident({member({{"service", "db"}}), member({{"service", "web"}})}),
                          correlation, now);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().reason, "no_common_labels");
  EXPECT_FALSE(silence_for(click("silence_1h"), incident({}), correlation, now).ok());
}

TEST(SlackOutcome, MessagesEscapeTheTitleButNotTheMention) {
  EXPECT_EQ(ephemeral_message("no <!channel> & \"quotes\""),
            R"({"response_type":"ephemeral","replace_original":false,)"
            R"("text":"no &lt;!channel&gt; &amp; \"quotes\""})");
  core::Incident inc;
  inc.id = "INC-7";
  inc.title = "db <down>";
  EXPECT_EQ(
      outcome_message(inc, "acknowledge", "U01ALICE"),
      R"({"replace_original":true,"text":"INC-7 db &lt;down&gt;: acknowledged by <@U01ALICE>"})");
  EXPECT_EQ(
      outcome_message(inc, "silence_1h", "U1"),
      R"({"replace_original":true,"text":"INC-7 db &lt;down&gt;: silenced for 1h by <@U1>"})");
}

}  // namespace
}  // namespace alertd::api::slack
