#include "core/incident_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>

#include "core/fingerprint.h"

namespace alertd::core {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kT0 = core::from_unix_millis(1'767'225'600'000);  // 2026-01-01T00:00:00Z

std::string str(simdjson::dom::element e) {
  return std::string(std::string_view(e));
}

TEST(IncidentJsonTest, IncidentFields) {
  core::Incident i;
  i.id = core::incident_id(42);
  i.seq = 42;
  i.tenant = "team-a";
  i.title = "Disk \"full\"\n(db)";
  i.service = "db";
  i.status = core::IncidentStatus::resolved;
  i.priority = core::Priority::P2;
  i.severity = "sev2";
  i.group_key = R"({service="db"})";
  i.rule = "default";
  i.opened_at = kT0;
  i.updated_at = kT0 + 90s;
  i.resolved_at = kT0 + 90s + 250ms;
  i.alert_count = 3;
  i.firing_count = 0;

  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  write_incident_fields(w, i);
  w.end_object();

  simdjson::dom::parser parser;
  simdjson::dom::object o = parser.parse(out).get_object();
  EXPECT_EQ(str(o["id"]), "INC-42");
  EXPECT_EQ(str(o["tenant"]), "team-a");
  EXPECT_EQ(str(o["title"]), i.title);
  EXPECT_EQ(str(o["service"]), "db");
  EXPECT_EQ(str(o["status"]), "resolved");
  EXPECT_EQ(str(o["priority"]), "P2");
  EXPECT_EQ(str(o["severity"]), "sev2");
  EXPECT_EQ(str(o["group_key"]), i.group_key);
  EXPECT_EQ(str(o["rule"]), "default");
  EXPECT_EQ(str(o["opened_at"]), core::format_rfc3339(kT0));
  EXPECT_EQ(str(o["updated_at"]), core::format_rfc3339(kT0 + 90s));
  EXPECT_EQ(str(o["resolved_at"]), core::format_rfc3339(kT0 + 90s + 250ms));
  EXPECT_TRUE(o["acknowledged_at"].is_null());
  EXPECT_TRUE(o["closed_at"].is_null());
  EXPECT_EQ(uint64_t(o["alert_count"]), 3u);
  EXPECT_EQ(uint64_t(o["firing_count"]), 0u);
  // Defaults of the rule engine's fields: nothing set.
  EXPECT_TRUE(o["category"].is_null());
  EXPECT_EQ(str(o["impact"]), "low");
  EXPECT_TRUE(o["root_service"].is_null());
  EXPECT_FALSE(bool(o["flapping"]));
  EXPECT_FALSE(bool(o["suppressed"]));
  // Defaults of the lifecycle fields: detected by an alert, with L1, no clock.
  EXPECT_EQ(str(o["detection_source"]), "alert");
  EXPECT_EQ(str(o["escalation_level"]), "L1");
  EXPECT_TRUE(o["team"].is_null());
  EXPECT_TRUE(o["resolved_by"].is_null());
  EXPECT_TRUE(o["problem_id"].is_null());
  EXPECT_TRUE(o["sla"]["acknowledge_due_at"].is_null());
  EXPECT_FALSE(bool(o["sla"]["acknowledge_breached"]));
  EXPECT_EQ(o.size(), 36u);
}

TEST(IncidentJsonTest, RuleEngineFields) {
  core::Incident i;
  i.id = core::incident_id(7);
  i.category = "security \"audit\"";
  i.impact = "high";
  i.root_service = "postgres";
  i.flapping = true;
  i.suppressed = true;

  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  write_incident_fields(w, i);
  w.end_object();

  simdjson::dom::parser parser;
  simdjson::dom::object o = parser.parse(out).get_object();
  EXPECT_EQ(str(o["category"]), i.category);
  EXPECT_EQ(str(o["impact"]), "high");
  EXPECT_EQ(str(o["root_service"]), "postgres");
  EXPECT_TRUE(bool(o["flapping"]));
  EXPECT_TRUE(bool(o["suppressed"]));
}

TEST(IncidentJsonTest, Member) {
  core::Member m;
  m.labels = core::LabelSet{{"alertname", "DiskFull"}, {"instance", "db-1"}};
  m.fingerprint = core::fingerprint(m.labels);
  m.annotations = core::LabelSet{{"summary", "98% used"}};
  m.status = core::AlertStatus::firing;
  m.source = "prometheus";
  m.first_seen = kT0;
  m.last_seen = kT0 + 5min;
  m.event_count = 6;

  std::string out;
  core::JsonWriter w(out);
  write_member(w, m);

  simdjson::dom::parser parser;
  simdjson::dom::object o = parser.parse(out).get_object();
  EXPECT_EQ(str(o["fingerprint"]), core::fingerprint_hex(m.fingerprint));
  EXPECT_EQ(str(o["fingerprint"]).size(), 16u);
  simdjson::dom::object labels = o["labels"].get_object();
  EXPECT_EQ(labels.size(), 2u);
  EXPECT_EQ(str(labels["alertname"]), "DiskFull");
  EXPECT_EQ(str(labels["instance"]), "db-1");
  EXPECT_EQ(str(o["annotations"]["summary"]), "98% used");
  EXPECT_EQ(str(o["status"]), "firing");
  EXPECT_EQ(str(o["source"]), "prometheus");
  EXPECT_EQ(str(o["first_seen"]), core::format_rfc3339(kT0));
  EXPECT_EQ(str(o["last_seen"]), core::format_rfc3339(kT0 + 5min));
  EXPECT_TRUE(o["resolved_at"].is_null());
  EXPECT_EQ(uint64_t(o["event_count"]), 6u);
  EXPECT_FALSE(bool(o["flapping"]));
  EXPECT_FALSE(bool(o["suppressed"]));
  EXPECT_TRUE(o["suppressed_by"].is_null());
  EXPECT_EQ(o.size(), 12u);
}

TEST(IncidentJsonTest, SuppressedFlappingMember) {
  core::Member m;
  m.labels = core::LabelSet{{"alertname", "Flappy"}};
  m.fingerprint = core::fingerprint(m.labels);
  m.flapping = true;
  m.suppressed_by = "silence:SIL-3";

  std::string out;
  core::JsonWriter w(out);
  write_member(w, m);

  simdjson::dom::parser parser;
  simdjson::dom::object o = parser.parse(out).get_object();
  EXPECT_TRUE(bool(o["flapping"]));
  EXPECT_TRUE(bool(o["suppressed"]));
  EXPECT_EQ(str(o["suppressed_by"]), "silence:SIL-3");
}

TEST(IncidentJsonTest, AuditEntryEmbedsDetail) {
  core::AuditEntry e;
  e.seq = 7;
  e.incident_id = "INC-1";
  e.at = kT0 + 1s;
  e.action = "status_change";
  e.detail = R"({"from":"open","to":"resolved"})";
  e.prev_hash = std::string(64, '0');
  e.hash = std::string(64, 'a');

  std::string out;
  core::JsonWriter w(out);
  w.begin_array();
  write_audit_entry(w, e);
  e.detail.clear();
  e.action = "create";
  write_audit_entry(w, e);
  w.end_array();

  simdjson::dom::parser parser;
  simdjson::dom::array a = parser.parse(out).get_array();
  ASSERT_EQ(a.size(), 2u);
  simdjson::dom::object first = a.at(0).get_object();
  EXPECT_EQ(int64_t(first["seq"]), 7);
  EXPECT_EQ(str(first["at"]), core::format_rfc3339(kT0 + 1s));
  EXPECT_EQ(str(first["actor"]), "alertd");
  EXPECT_EQ(str(first["action"]), "status_change");
  EXPECT_EQ(str(first["detail"]["from"]), "open");  // an object, not a string
  EXPECT_EQ(str(first["detail"]["to"]), "resolved");
  EXPECT_EQ(str(first["prev_hash"]), std::string(64, '0'));
  EXPECT_EQ(str(first["hash"]), std::string(64, 'a'));
  simdjson::dom::object second = a.at(1).get_object();
  EXPECT_EQ(str(second["action"]), "create");
  EXPECT_EQ(second["detail"].get_object().size(), 0u);  // empty detail -> {}
}

}  // namespace
}  // namespace alertd::core
