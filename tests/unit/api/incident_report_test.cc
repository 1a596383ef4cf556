// The stats of GET /api/v1/incidents/stats and the post-incident report.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>

#include "api/incidents/report.h"
#include "api/incidents/stats.h"

namespace alertd::api {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kT0 = core::from_unix_millis(1'767'225'600'000);  // 2026-01-01T00:00:00Z

core::Incident incident(int64_t seq, core::Priority p, core::Duration ack, core::Duration resolve) {
  core::Incident i;
  i.seq = seq;
  i.id = core::incident_id(seq);
  i.priority = p;
  i.opened_at = kT0;
  if (ack > 0s) i.acknowledged_at = kT0 + ack;
  if (resolve > 0s) {
    i.resolved_at = kT0 + resolve;
    i.status = core::IncidentStatus::resolved;
  }
  return i;
}

TEST(IncidentStatsTest, CountsPercentilesComplianceAndEscalationRate) {
  std::vector<core::Incident> rows;
  for (int k = 1; k <= 10; ++k) rows.push_back(incident(k, core::Priority::P3, k * 60s, 0s));
  rows[0].ack_breached = true;
  rows[1].escalation_level = 2;
  rows.push_back(incident(11, core::Priority::P1, 0s, 2h));  // resolved unacknowledged
  rows.push_back(incident(12, core::Priority::P2, 0s, 0s));  // nothing decided yet
  auto s = compute_stats(rows);
  EXPECT_EQ(s.incidents, 12u);
  EXPECT_EQ(s.by_priority[2], 10u);
  EXPECT_EQ(s.by_status[static_cast<size_t>(core::IncidentStatus::resolved)], 1u);
  EXPECT_EQ(s.time_to_acknowledge.count, 10u);
  EXPECT_DOUBLE_EQ(s.time_to_acknowledge.mean, 330.0);  // 60..600 s
  EXPECT_DOUBLE_EQ(s.time_to_acknowledge.p50, 300.0);   // nearest rank 5 of 10
  EXPECT_DOUBLE_EQ(s.time_to_acknowledge.p90, 540.0);   // nearest rank 9 of 10
  EXPECT_EQ(s.ack_decided, 10u);
  EXPECT_EQ(s.ack_met, 9u);
  EXPECT_EQ(s.resolve_decided, 1u);
  EXPECT_EQ(s.escalated, 1u);

  std::string out;
  core::JsonWriter w(out);
  write_stats(w, s, "7d", kT0, false);
  simdjson::dom::parser parser;
  auto doc = parser.parse(out).value();
  EXPECT_DOUBLE_EQ(double(doc["sla"]["acknowledge_compliance_percent"]), 90.0);
  EXPECT_DOUBLE_EQ(double(doc["escalation_rate_percent"]), 8.3);
  EXPECT_EQ(uint64_t(doc["by_status"]["open"]), 11u);
}

TEST(IncidentStatsTest, NothingToCountIsNullNotZero) {
  std::string out;
  core::JsonWriter w(out);
  write_stats(w, compute_stats({}), "1h", kT0, false);
  simdjson::dom::parser parser;
  auto doc = parser.parse(out).value();
  EXPECT_TRUE(doc["mtta_seconds"]["mean"].is_null());
  EXPECT_TRUE(doc["sla"]["resolve_compliance_percent"].is_null());
  EXPECT_TRUE(doc["escalation_rate_percent"].is_null());
}

TEST(IncidentReportTest, SlaAgainstTargetsTimelineMembersAndActors) {
  auto i = incident(7, core::Priority::P1, 20min, 3h);
  i.title = "checkout | down";
  i.ack_breached = true;
  std::vector<core::Member> members(1);
  members[0].fingerprint = 0xabc;
  members[0].labels = core::LabelSet({{"alertname", "Http5xx"}});
  std::vector<core::AuditEntry> timeline(3);
  timeline[0].action = "create";
  timeline[1].action = "escalate";
  timeline[1].detail = R"({"reason":"acknowledge SLA breached"})";
  timeline[2].action = "resolve";
  timeline[2].actor = "ann";
  correlator::LifecyclePolicy policy;
  ReportInput in{i, members, timeline, policy, kT0 + 5h};

  auto md = report_markdown(in);
  EXPECT_NE(md.find("# Post-incident report: INC-7 — checkout \\| down"), std::string::npos);
  EXPECT_NE(md.find("| acknowledge | 15m | 20m | breached |"), std::string::npos) << md;
  EXPECT_NE(md.find("| resolve | 4h | 3h | met |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Duration | 3h |"), std::string::npos) << md;
  EXPECT_NE(md.find("acknowledge SLA breached"), std::string::npos);
  EXPECT_NE(md.find("Http5xx"), std::string::npos);
  EXPECT_NE(md.find("- alertd: 2 actions"), std::string::npos);

  simdjson::dom::parser parser;
  auto doc = parser.parse(report_json(in)).value();
  EXPECT_DOUBLE_EQ(double(doc["sla"]["acknowledge"]["target_seconds"]), 900.0);
  EXPECT_DOUBLE_EQ(double(doc["sla"]["acknowledge"]["took_seconds"]), 1200.0);
  EXPECT_TRUE(bool(doc["sla"]["acknowledge"]["breached"]));
  EXPECT_DOUBLE_EQ(double(doc["duration_seconds"]), 3 * 3600.0);
  EXPECT_EQ(simdjson::dom::array(doc["escalations"]).size(), 1u);
  EXPECT_EQ(uint64_t(doc["actors"]["ann"]), 1u);
}

TEST(IncidentReportTest, ACutTimelineIsSaidSo) {
  auto i = incident(9, core::Priority::P2, 0s, 0s);
  std::vector<core::Member> none;
  std::vector<core::AuditEntry> timeline(2);
  correlator::LifecyclePolicy policy;
  ReportInput whole{i, none, timeline, policy, kT0 + 1h};
  EXPECT_EQ(report_markdown(whole).find("Only the first"), std::string::npos);
  simdjson::dom::parser parser;
  EXPECT_FALSE(bool(parser.parse(report_json(whole)).value()["timeline_truncated"]));

  ReportInput cut{i, none, timeline, policy, kT0 + 1h, /*timeline_truncated=*/true};
  const auto md = report_markdown(cut);
  EXPECT_NE(md.find("Only the first 2 entries are shown"), std::string::npos) << md;
  EXPECT_NE(md.find("GET /api/v1/incidents/INC-9/timeline"), std::string::npos) << md;
  auto doc = parser.parse(report_json(cut)).value();
  EXPECT_TRUE(bool(doc["timeline_truncated"]));
  EXPECT_EQ(simdjson::dom::array(doc["timeline"]).size(), 2u);
}

TEST(IncidentReportTest, UnresolvedRunsUntilNow) {
  auto i = incident(8, core::Priority::P3, 0s, 0s);
  std::vector<core::Member> none;
  std::vector<core::AuditEntry> timeline;
  correlator::LifecyclePolicy policy;
  auto md = report_markdown({i, none, timeline, policy, kT0 + 90min});
  EXPECT_NE(md.find("| Duration so far | 1h 30m |"), std::string::npos) << md;
  EXPECT_NE(md.find("| resolve | 3d | — | running |"), std::string::npos) << md;
}

}  // namespace
}  // namespace alertd::api
