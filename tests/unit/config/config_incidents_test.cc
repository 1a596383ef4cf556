// read_incidents() through daemon::parse_config: SLA targets, the lifecycle
// switches, problems and retention, and the errors each reports.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/config.h"

namespace alertd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

config::DaemonConfig parse_ok(const std::string& yaml) {
  auto r = config::parse_config(yaml, "alertd.yml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : config::DaemonConfig{};
}

std::string parse_error(const std::string& yaml) {
  auto r = config::parse_config(yaml, "alertd.yml");
  return r.ok() ? "<parsed without error>" : r.error().message;
}

TEST(ConfigIncidentsTest, DefaultsOpenProblemsAtThreeInAWeekAndKeepClosedIncidents) {
  auto c = parse_ok("");
  EXPECT_EQ(c.problems.threshold, 3u);
  EXPECT_EQ(c.problems.within, 7 * 24h);
  EXPECT_FALSE(c.retention.enabled());
  EXPECT_TRUE(c.retention.archive);
  EXPECT_EQ(c.retention.archive_dir, "./data/archive");
  EXPECT_EQ(c.retention.batch, 500u);
  EXPECT_EQ(c.retention.every, 10min);
}

TEST(ConfigIncidentsTest, ReadsEveryKey) {
  auto c = parse_ok(R"(
incidents:
  sla:
    P1: {acknowledge: 5m, resolve: 1h}
  sla_clock: false
  review_required: false
  repeat_escalation: false
  problems: {threshold: 5, within: 2d}
  retention: {closed_after: 90d, action: delete, archive_dir: /var/lib/alertd/archive,
              batch: 100, every: 1h}
)");
  EXPECT_EQ(c.correlation.lifecycle.sla[0].acknowledge, 5min);
  EXPECT_EQ(c.correlation.lifecycle.sla[0].resolve, 1h);
  EXPECT_EQ(c.correlation.lifecycle.sla[1].acknowledge, 1h);  // untouched
  EXPECT_FALSE(c.correlation.lifecycle.sla_clock);
  EXPECT_FALSE(c.correlation.lifecycle.review_required);
  EXPECT_FALSE(c.correlation.lifecycle.repeat_escalation);
  EXPECT_EQ(c.problems.threshold, 5u);
  EXPECT_EQ(c.problems.within, 48h);
  EXPECT_TRUE(c.retention.enabled());
  EXPECT_EQ(c.retention.closed_after, 90 * 24h);
  EXPECT_FALSE(c.retention.archive);
  EXPECT_EQ(c.retention.archive_dir, "/var/lib/alertd/archive");
  EXPECT_EQ(c.retention.batch, 100u);
  EXPECT_EQ(c.retention.every, 1h);
}

TEST(ConfigIncidentsTest, ThresholdZeroTurnsProblemsOff) {
  EXPECT_FALSE(parse_ok("incidents: {problems: {threshold: 0}}").problems.enabled());
}

TEST(ConfigIncidentsTest, EveryBadValueIsReportedWithItsLine) {
  const auto errors = parse_error(R"(
incidents:
  problems: {threshold: -1, within: 0}
  retention: {closed_after: soon, action: shred, batch: 0, every: 0, extra: 1}
)");
  EXPECT_THAT(errors, HasSubstr("alertd.yml:3"));
  EXPECT_THAT(errors, HasSubstr("incidents.problems.threshold"));
  EXPECT_THAT(errors, HasSubstr("incidents.retention"));
  EXPECT_THAT(parse_error("incidents: {retention: {action: shred}}"),
              HasSubstr("incidents.retention.action must be archive or delete, not \"shred\""));
  EXPECT_THAT(parse_error("incidents: {retention: {closed_after: 0}}"),
              HasSubstr("incidents.retention.closed_after"));
  EXPECT_THAT(parse_error("incidents: {retention: {batch: 0}}"),
              HasSubstr("incidents.retention.batch"));
  EXPECT_THAT(parse_error("incidents: {problems: {within: 0}}"),
              HasSubstr("incidents.problems.within"));
  EXPECT_THAT(parse_error("incidents: {problems: {count: 3}}"), HasSubstr("count"));
  EXPECT_THAT(parse_error("incidents: {sla: {P1: {acknowledge: 2h, resolve: 1h}}}"),
              HasSubstr("resolve must not be shorter than acknowledge"));
}

}  // namespace
}  // namespace alertd::config
