// What alertd writes to Kafka: incident changes on the incidents topic
// (sinks/kafka/incident_publisher.h) and relayed alerts (daemon/kafka_relay.h).
// A relayed alert must decode back, with the generic decoder the consuming
// instance uses, to the same alert.

#include <gtest/gtest.h>
#include <simdjson.h>

#include "core/fingerprint.h"
#include "daemon/kafka_relay.h"
#include "ingest/formats/decoder.h"
#include "sinks/kafka/incident_publisher.h"

namespace alertd::daemon {
namespace {

using sinks::kafka::change_of;

core::IncidentUpdate update_with(std::initializer_list<const char*> actions,
                                 core::IncidentStatus status = core::IncidentStatus::open) {
  core::IncidentUpdate u;
  u.incident.id = "INC-7";
  u.incident.seq = 7;
  u.incident.status = status;
  for (const char* a : actions) {
    core::AuditEntry e;
    e.action = a;
    u.audit.push_back(e);
  }
  return u;
}

TEST(IncidentChange, NamesWhatTheUpdateDid) {
  using S = core::IncidentStatus;
  EXPECT_EQ(change_of(update_with({"create", "member_added"})), "opened");
  EXPECT_EQ(change_of(update_with({"reopened", "status_change"})), "reopened");
  EXPECT_EQ(change_of(update_with({"status_change"}, S::resolved)), "resolved");
  EXPECT_EQ(change_of(update_with({"status_change"}, S::closed)), "closed");
  EXPECT_EQ(change_of(update_with({"escalate"}, S::escalated)), "escalated");
  auto ack = update_with({"status_change"}, S::in_progress);
  ack.milestones.acknowledged = true;
  EXPECT_EQ(change_of(ack), "acknowledged");
  EXPECT_EQ(change_of(update_with({"member_added"})), "updated");
  EXPECT_EQ(change_of(update_with({})), "updated");
}

TEST(IncidentChange, TheMessageIsTheApiIncidentPlusChange) {
  auto u = update_with({"create"});
  u.incident.title = "db down";
  u.incident.tenant = "team-a";
  const std::string json = sinks::kafka::incident_message(u);
  simdjson::dom::parser parser;
  auto doc = parser.parse(json);
  ASSERT_EQ(doc.error(), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["id"]), "INC-7");
  EXPECT_EQ(std::string_view(doc["change"]), "opened");
  EXPECT_EQ(std::string_view(doc["title"]), "db down");
  EXPECT_EQ(std::string_view(doc["status"]), "open");
}

core::Alert alert_of(std::initializer_list<std::pair<const char*, const char*>> labels) {
  core::Alert a;
  for (const auto& [k, v] : labels) a.labels.set(k, v);
  a.fingerprint = core::fingerprint(a.labels);
  return a;
}

TEST(RelayedAlert, KeyIsTheCorrelationKey) {
  correlator::CorrelatorConfig c;  // group_by [service], fallback [alertname]
  EXPECT_EQ(relay_key(alert_of({{"alertname", "A"}, {"service", "db"}}), c), "db");
  EXPECT_EQ(relay_key(alert_of({{"alertname", "A"}}), c), "A");
  c.group_by = {"cluster", "service"};
  EXPECT_EQ(relay_key(alert_of({{"cluster", "eu"}, {"service", "db"}}), c), "eu,db");
}

TEST(RelayedAlert, DecodesBackToTheSameAlert) {
  auto a = alert_of({{"alertname", "DiskFull"}, {"service", "db"}, {"quote", "a \"b\"\n"}});
  a.annotations.set("summary", "97% used");
  a.source = "prometheus";
  a.generator_url = "http://prom:9090/graph";
  a.starts_at = core::parse_rfc3339("2026-01-01T00:00:00Z").value();
  std::string body = relay_event(a);
  ingest::Decoder decoder;
  ingest::DecodeContext ctx;
  ctx.now = core::parse_rfc3339("2026-01-01T00:01:00Z").value();
  std::vector<core::Alert> out;
  auto r = decoder.generic_json(body, ctx, out);
  ASSERT_TRUE(r.ok()) << r.error->message << "\n" << body;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].labels, a.labels);
  EXPECT_EQ(out[0].fingerprint, a.fingerprint);
  EXPECT_EQ(out[0].annotations.get("summary"), "97% used");
  EXPECT_EQ(out[0].source, "prometheus");
  EXPECT_EQ(out[0].generator_url, a.generator_url);
  EXPECT_EQ(out[0].starts_at, a.starts_at);
  EXPECT_EQ(out[0].status, core::AlertStatus::firing);

  a.status = core::AlertStatus::resolved;
  a.ends_at = core::parse_rfc3339("2026-01-01T00:00:30Z").value();
  body = relay_event(a);
  out.clear();
  ASSERT_TRUE(decoder.generic_json(body, ctx, out).ok());
  EXPECT_EQ(out[0].status, core::AlertStatus::resolved);
  EXPECT_EQ(out[0].ends_at, a.ends_at);
}

}  // namespace
}  // namespace alertd::daemon
