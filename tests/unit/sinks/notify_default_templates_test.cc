// The shipped templates: each compiles against message_fields(), and renders
// valid JSON (HTTP kinds) for a full and for a bare incident, with hostile
// text escaped; Slack carries the three buttons, PagerDuty its dedup_key.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>

#include "correlator/notify/message_fields.h"
#include "sinks/notify/default_templates.h"

namespace alertd::sinks::notify {
namespace {

std::map<std::string, std::string> full() {
  return {{"incident_id", "INC-42"},
          {"title", "Checkout \"down\" <!channel> & more\nline two"},
          {"priority", "P1"},
          {"severity", "sev1"},
          {"status", "open"},
          {"service", "checkout"},
          {"root_service", "postgres"},
          {"members", "3"},
          {"firing", "2"},
          {"owner", "alice"},
          {"team", "payments"},
          {"assignee", "alice"},
          {"tenant", "default"},
          {"opened_at", "2026-01-05T10:00:00.000Z"},
          {"ack_due", "2026-01-05T10:15:00.000Z"},
          {"resolve_due", "2026-01-05T14:00:00.000Z"},
          {"escalation_level", "1"},
          {"resolution", ""},
          {"incident_url", "https://alertd.example.net/api/v1/incidents/INC-42?a=1&b=2"},
          {"report_url", "https://alertd.example.net/api/v1/incidents/INC-42/report"},
          {"stage", "initial"},
          {"change", "opened"},
          {"audience", "IT_staff"},
          {"on_call", "alice"},
          {"on_call_mention", "<@U01ALICE>"},
          {"is_initial", "yes"},
          {"pagerduty_action", "trigger"},
          {"pagerduty_severity", "critical"},
          {"routing_key", "0123456789abcdef0123456789abcdef"}};
}

// Only what every message has: the rest empty.
std::map<std::string, std::string> bare() {
  return {{"incident_id", "INC-7"},
          {"title", "x"},
          {"priority", "P4"},
          {"severity", "sev4"},
          {"status", "resolved"},
          {"members", "0"},
          {"firing", "0"},
          {"escalation_level", "1"},
          {"stage", "resolution"},
          {"change", "resolved"},
          {"audience", "end_users"},
          {"is_resolution", "yes"},
          {"pagerduty_action", "resolve"},
          {"pagerduty_severity", "info"}};
}

std::string render(std::string_view text, Escape escape,
                   const std::map<std::string, std::string>& v) {
  auto t = Template::compile(text, escape, message_fields());
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  std::string out;
  if (t.ok()) {
    t->render(
        [&](std::string_view name) {
          auto it = v.find(std::string(name));
          const std::string_view value = it == v.end() ? std::string_view() : it->second;
          return FieldValue{value, name == "on_call_mention", true};
        },
        out);
  }
  return out;
}

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
  auto doc = parser.parse(json);
  EXPECT_FALSE(doc.error()) << simdjson::error_message(doc.error()) << "\n" << json;
  return doc.value_unsafe();
}

TEST(DefaultTemplates, EveryHttpKindRendersValidJson) {
  simdjson::dom::parser parser;
  for (std::string_view kind : {"slack", "teams", "pagerduty", "webhook"}) {
    SCOPED_TRACE(std::string(kind));
    const auto texts = default_templates(kind);
    ASSERT_FALSE(texts.body.empty());
    for (const auto& values : {full(), bare()}) {
      const auto json = render(texts.body, body_escape(kind), values);
      parse(parser, json);
    }
  }
  EXPECT_TRUE(default_templates("carrier-pigeon").body.empty());
}

TEST(DefaultTemplates, SlackHasButtonsAndCannotBeMadeToPing) {
  simdjson::dom::parser parser;
  const auto json = render(default_templates("slack").body, Escape::slack_json, full());
  auto root = parse(parser, json);
  std::string_view text;
  ASSERT_FALSE(root["text"].get(text));
  EXPECT_EQ(text, "opened: [P1] Checkout \"down\" &lt;!channel&gt; &amp; more\nline two");
  EXPECT_NE(json.find("On call: <@U01ALICE>"), std::string::npos);  // alertd's own mention
  std::vector<std::string> actions;
  // Each array is held in a local: a range-for over value_unsafe() of a temporary result reads a
  // destroyed object.
  simdjson::dom::array blocks;
  ASSERT_FALSE(root["blocks"].get(blocks));
  for (auto block : blocks) {
    std::string_view type;
    if (block["type"].get(type) || type != "actions") continue;
    simdjson::dom::array elements;
    ASSERT_FALSE(block["elements"].get(elements));
    for (auto e : elements) {
      std::string_view id, value;
      ASSERT_FALSE(e["action_id"].get(id));
      ASSERT_FALSE(e["value"].get(value));
      EXPECT_EQ(value, "INC-42");
      actions.emplace_back(id);
    }
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"acknowledge", "resolve", "silence_1h"}));
  // A resolution notice has nothing left to click.
  EXPECT_EQ(render(default_templates("slack").body, Escape::slack_json, bare()).find("action_id"),
            std::string::npos);
}

TEST(DefaultTemplates, PagerDutyAddressesTheIncident) {
  simdjson::dom::parser parser;
  auto root = parse(parser, render(default_templates("pagerduty").body, Escape::json, bare()));
  std::string_view action, key, source;
  ASSERT_FALSE(root["event_action"].get(action));
  ASSERT_FALSE(root["dedup_key"].get(key));
  ASSERT_FALSE(root["payload"]["source"].get(source));
  EXPECT_EQ(action, "resolve");
  EXPECT_EQ(key, "INC-7");
  EXPECT_EQ(source, "alertd");  // no service: PagerDuty requires a source
}

TEST(DefaultTemplates, EmailPartsEscapeForTheirPlace) {
  const auto texts = default_templates("email");
  const auto subject = render(texts.subject, Escape::header, full());
  EXPECT_EQ(subject, "[P1] opened: Checkout \"down\" <!channel> & more line two (INC-42)");
  EXPECT_EQ(subject.find('\n'), std::string::npos);  // no header injection
  const auto html = render(texts.html, Escape::html, full());
  EXPECT_NE(html.find("Checkout &quot;down&quot; &lt;!channel&gt; &amp; more"), std::string::npos);
  EXPECT_NE(html.find("href=\"https://alertd.example.net/api/v1/incidents/INC-42?a=1&amp;b=2\""),
            std::string::npos);
  const auto text = render(texts.text, Escape::text, bare());
  EXPECT_NE(text.find("Resolution notice for end_users"), std::string::npos);
  EXPECT_EQ(text.find("On call:"), std::string::npos);  // no one named: the line is left out
}

// The fields the templates may name are exactly the ones a message has.
TEST(DefaultTemplates, MessageFieldsMakeEveryFieldAndOnlyThose) {
  core::Incident inc;
  inc.id = "INC-9";
  inc.title = "Queue stuck";
  inc.severity = "sev2";
  inc.team = "payments";
  inc.alert_count = 4;
  inc.firing_count = 1;
  inc.ack_due_at = *core::parse_rfc3339("2026-01-05T10:15:00Z");
  correlator::NotifyIntent intent;
  intent.changes = {correlator::NotifyChange::priority_changed,
                    correlator::NotifyChange::acknowledged};
  intent.stage = correlator::MessageStage::update;
  correlator::Person alice{"alice", core::Role::responder, "U01ALICE", "", ""};
  const correlator::MessageFields fields(inc, intent, "https://alertd.example.net/", &alice, "");
  std::vector<std::string_view> made;
  for (const auto& [name, value] : fields.all()) made.push_back(name);
  std::vector<std::string_view> known = message_fields();
  std::sort(made.begin(), made.end());
  std::sort(known.begin(), known.end());
  EXPECT_EQ(made, known);
  EXPECT_EQ(fields.get("owner"), "payments");  // no assignee: the owning team
  EXPECT_EQ(fields.get("change"), "priority changed, acknowledged");
  EXPECT_EQ(fields.get("incident_url"), "https://alertd.example.net/api/v1/incidents/INC-9");
  EXPECT_EQ(fields.get("on_call_mention"), "<@U01ALICE>");
  EXPECT_EQ(fields.get("pagerduty_action"), "trigger");  // the first change is not the ack
  EXPECT_EQ(fields.get("pagerduty_severity"), "error");
  EXPECT_EQ(fields.get("ack_due"), "2026-01-05T10:15:00.000Z");
  EXPECT_EQ(fields.get("is_update"), "yes");
  EXPECT_FALSE(fields.get("nope"));

  simdjson::dom::parser parser;
  auto t = Template::compile(default_templates("slack").body, Escape::slack_json, message_fields());
  ASSERT_TRUE(t.ok());
  std::string out;
  t->render(
      [&](std::string_view name) {
        return FieldValue{fields.get(name).value_or(""), name == "on_call_mention", true};
      },
      out);
  parse(parser, out);
  EXPECT_NE(out.find("On call: <@U01ALICE>"), std::string::npos);
}

}  // namespace
}  // namespace alertd::sinks::notify
