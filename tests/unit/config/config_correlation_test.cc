// read_correlation() through daemon::parse_config: the correlation, inhibit,
// priority and maintenance sections and the topology file.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.h"
#include "correlator/suppression/schedule.h"
#include "correlator/suppression/suppression.h"

namespace alertd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class ConfigCorrelationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           (std::string("alertd_corrcfg_") + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  core::Result<config::DaemonConfig> parse(const std::string& yaml) {
    return config::parse_config(yaml, "alertd.yml", dir_);
  }
  // The errors of a config that must not parse.
  std::string errors(const std::string& yaml) {
    auto r = parse(yaml);
    EXPECT_FALSE(r.ok()) << yaml;
    return r.ok() ? "" : r.error().message;
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigCorrelationTest, DefaultsWhenSectionsAreAbsent) {
  auto r = parse("listen: 127.0.0.1:0\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& c = r->correlation;
  EXPECT_EQ(c.flap.transitions, 4u);
  EXPECT_EQ(c.flap.within, 15min);
  EXPECT_EQ(c.flap.hold, 10min);
  EXPECT_EQ(c.settle, 30s);
  EXPECT_TRUE(c.inhibit.empty());
  EXPECT_TRUE(c.maintenance.empty());
  EXPECT_TRUE(c.topology.empty());
  EXPECT_EQ(c.priority.high.services, 3u);
  EXPECT_EQ(c.priority.matrix[0][2], core::Priority::P2);
}

TEST_F(ConfigCorrelationTest, ReadsEverySection) {
  write("services.yaml", "services:\n  frontend: [api]\n  api: [db, cache]\n  db:\n");
  auto r = parse(R"(
correlation:
  group_by: [service, cluster]
  group_window: 5m
  topology: services.yaml
  flap: {transitions: 6, within: 20m, hold: 0}
  settle: 1m
inhibit:
  - source: ['severity="critical"']
    target: ['severity=~"warning|info"']
    equal: [service]
  - name: node-down
    source: 'alertname="NodeDown"'
    target: ['instance!=""']
priority:
  impact: {high: {services: 4, hosts: 20}, medium: {services: 2}}
  matrix:
    sev4: [P2, P3, P4]
maintenance:
  - name: db-upgrade
    match: ['service="db"']
    weekly: {days: [sat, sun], start: "22:00", duration: 2h, timezone: UTC}
  - name: backups
    match: ['job="backup"']
    cron: "0 22 * * 6"
    duration: 4h
  - name: berlin-nightly
    match: ['team="de"']
    cron: "30 1 * * *"
    timezone: Europe/Berlin
    duration: 1h
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& c = r->correlation;
  EXPECT_EQ(c.group_by, (std::vector<std::string>{"service", "cluster"}));
  EXPECT_EQ(c.group_window, 5min);
  EXPECT_EQ(c.flap.transitions, 6u);
  EXPECT_EQ(c.flap.within, 20min);
  EXPECT_EQ(c.flap.hold, 0s);
  EXPECT_EQ(c.settle, 1min);
  ASSERT_EQ(c.topology.services.size(), 3u);
  EXPECT_EQ(c.topology.services.at("api"), (std::vector<std::string>{"db", "cache"}));
  EXPECT_TRUE(c.topology.services.at("db").empty());

  ASSERT_EQ(c.inhibit.size(), 2u);
  EXPECT_EQ(c.inhibit[0].name, "inhibit-0");
  EXPECT_EQ(c.inhibit[0].source.at(0).to_string(), R"(severity="critical")");
  EXPECT_EQ(c.inhibit[0].target.at(0).to_string(), R"(severity=~"warning|info")");
  EXPECT_EQ(c.inhibit[0].equal, std::vector<std::string>{"service"});
  EXPECT_EQ(c.inhibit[1].name, "node-down");
  EXPECT_EQ(c.inhibit[1].source.size(), 1u);
  EXPECT_TRUE(c.inhibit[1].equal.empty());

  EXPECT_EQ(c.priority.high.services, 4u);
  EXPECT_EQ(c.priority.high.hosts, 20u);
  EXPECT_EQ(c.priority.medium.services, 2u);
  EXPECT_EQ(c.priority.medium.hosts, 3u);  // untouched default
  EXPECT_EQ(c.priority.matrix[3][0], core::Priority::P2);
  EXPECT_EQ(c.priority.matrix[0][0], core::Priority::P1);  // other rows keep defaults

  ASSERT_EQ(c.maintenance.size(), 3u);
  // 01:30 in Berlin: 00:30Z in winter (CET), 23:30Z the day before in summer.
  EXPECT_TRUE(
      correlator::window_active(c.maintenance[2], *core::parse_rfc3339("2026-01-03T00:45:00Z")));
  EXPECT_TRUE(
      correlator::window_active(c.maintenance[2], *core::parse_rfc3339("2026-07-01T23:45:00Z")));
  EXPECT_FALSE(
      correlator::window_active(c.maintenance[2], *core::parse_rfc3339("2026-07-01T00:45:00Z")));
  EXPECT_EQ(c.maintenance[0].name, "db-upgrade");
  EXPECT_EQ(c.maintenance[0].duration, 2h);
  const auto sat = *core::parse_rfc3339("2026-01-03T22:30:00Z");
  EXPECT_TRUE(correlator::window_active(c.maintenance[0], sat));
  EXPECT_TRUE(correlator::window_active(c.maintenance[0], sat + 24h));  // sunday too
  EXPECT_FALSE(correlator::window_active(c.maintenance[0], sat + 48h));
  EXPECT_EQ(c.maintenance[1].duration, 4h);
  EXPECT_TRUE(correlator::window_active(c.maintenance[1], sat + 3h));
}

TEST_F(ConfigCorrelationTest, EveryErrorHasFileLineAndReason) {
  std::string e = errors(R"(correlation:
  group_window: -5m
  settle: 30 seconds
  flap: {transitions: 4, within: 0, hold: 10m, jitter: 1s}
inhibit:
  - source: ['severity="critical"']
    target: ['severity=~"("']
  - target: ['a="b"']
  - name: dup
    source: ['a="b"']
    target: ['c="d"']
  - name: dup
    source: ['a="b"']
    target: ['c="d"']
    colour: red
priority:
  matrix:
    sev1: [P1, P5, P2]
    sev2: [P1, P2]
    sev9: [P1, P1, P1]
maintenance:
  - name: both
    match: ['a="b"']
    cron: "0 22 * * 6"
    weekly: {days: [sat], start: "22:00"}
    duration: 1h
  - name: badcron
    match: ['a="b"']
    cron: "0 25 * * *"
    duration: 1h
  - name: nowhen
    match: ['a="b"']
    weekly: {days: [sat], start: "22:00", timezone: Mars/Olympus_Mons}
    duration: 1h
  - name: long
    match: ['a="b"']
    cron: "@daily"
    duration: 32d
)");
  EXPECT_THAT(e, HasSubstr("alertd.yml:2: correlation.group_window: \"-5m\" is not a duration"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:3: correlation.settle: \"30 seconds\" is not a duration"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:4: unknown key \"jitter\" in correlation.flap"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:7: inhibit[0].target:"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:8: inhibit[1]: needs source matchers"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:15: unknown key \"colour\" in inhibit[3]"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:18: priority.matrix.sev1: \"P5\" is not one of P1"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:19: priority.matrix.sev2: expected 3 priorities"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:20: unknown key \"sev9\" in priority.matrix"));
  EXPECT_THAT(
      e, HasSubstr("alertd.yml:22: maintenance \"both\": needs exactly one of weekly: or cron:"));
  EXPECT_THAT(e,
              HasSubstr("alertd.yml:29: maintenance \"badcron\".cron: cron \"0 25 * * *\": hour"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:33: maintenance \"nowhen\".weekly: weekly: time zone "
                           "\"Mars/Olympus_Mons\" is neither UTC"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:38: maintenance \"long\": duration is over 31d"));
}

TEST_F(ConfigCorrelationTest, ZeroFlapWindowAndDuplicateNames) {
  std::string e = errors(R"(correlation:
  flap: {within: 0}
inhibit:
  - {name: x, source: ['a="b"'], target: ['c="d"']}
  - {name: x, source: ['a="b"'], target: ['c="d"']}
maintenance:
  - {name: m, match: ['a="b"'], cron: "@daily", duration: 1h}
  - {name: m, match: ['a="b"'], cron: "@daily", duration: 1h}
  - {name: n, match: [], cron: "@daily", duration: 1h}
  - {name: o, match: ['a="b"'], cron: "@daily"}
  - {name: p, match: ['a="b"'], weekly: {days: [mon], start: "01:00"}, timezone: UTC, duration: 1h}
  - {name: q, match: ['a="b"'], cron: "@daily", timezone: Moon/Tranquility, duration: 1h}
)");
  EXPECT_THAT(e, HasSubstr("alertd.yml:2: correlation.flap.within: must be longer than 0"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:5: inhibit[1]: duplicate name \"x\""));
  EXPECT_THAT(e, HasSubstr("alertd.yml:8: maintenance: duplicate name \"m\""));
  EXPECT_THAT(e, HasSubstr("alertd.yml:9: maintenance \"n\".match: needs a matcher"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:10: maintenance \"o\": needs a duration"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:11: maintenance \"p\".timezone: goes inside weekly:"));
  EXPECT_THAT(e, HasSubstr("alertd.yml:12: maintenance \"q\".timezone: time zone "
                           "\"Moon/Tranquility\" is neither"));
}

TEST_F(ConfigCorrelationTest, OwnFailuresAreMatcherSets) {
  auto r = parse(R"(
correlation:
  own_failures:
    - 'alertname=~"DiskFillingUp|OOMKilled"'
    - ['alertname="CertificateExpiringSoon"', 'severity!="info"']
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& own = r->correlation.own_failures;
  ASSERT_EQ(own.size(), 2u);
  EXPECT_EQ(own[0].size(), 1u);
  EXPECT_EQ(own[1].size(), 2u);
  EXPECT_TRUE(core::matches_all(own[0], {{"alertname", "OOMKilled"}}));
  EXPECT_FALSE(core::matches_all(own[0], {{"alertname", "HighLatency"}}));

  auto e = errors("correlation:\n  own_failures: 'alertname=\"x\"'\n");
  EXPECT_THAT(e, HasSubstr("alertd.yml:2: correlation.own_failures: expected a list"));
  e = errors("correlation:\n  own_failures: ['alertname=\"x']\n");
  EXPECT_THAT(e, HasSubstr("alertd.yml:2: correlation.own_failures[0]:"));
  e = errors("correlation:\n  own_failures: [[]]\n");
  EXPECT_THAT(e, HasSubstr("correlation.own_failures[0]: is empty"));
}

TEST_F(ConfigCorrelationTest, TopologyErrorsNameTheTopologyFile) {
  auto file = write("services.yaml",
                    "services:\n"
                    "  web: [api]\n"
                    "  api: [db]\n"
                    "  db: [web]\n"
                    "  cache: {x: 1}\n"
                    "owners: {}\n");
  std::string e = errors("correlation:\n  topology: services.yaml\n");
  EXPECT_THAT(e, HasSubstr(file + ":6: unknown key \"owners\" in a topology file"));
  e = errors("correlation:\n  topology: " + write("t2.yaml",
                                                  "services:\n"
                                                  "  web: [api]\n"
                                                  "  api: [db]\n"
                                                  "  db: [web]\n"
                                                  "  cache: {x: 1}\n"));
  auto t2 = (dir_ / "t2.yaml").string();
  EXPECT_THAT(e, HasSubstr(t2 + ":5: services.cache: expected a list of strings"));
  EXPECT_THAT(e, HasSubstr(t2 + ":3: dependency cycle: api -> db -> web -> api"));
  EXPECT_THAT(errors("correlation:\n  topology: missing.yaml\n"),
              HasSubstr("alertd.yml:2: correlation.topology: \"" +
                        (dir_ / "missing.yaml").string() + "\" is not a file"));
  EXPECT_THAT(errors("correlation:\n  topology: " + write("t3.yaml", "services: [a, b]\n") + "\n"),
              HasSubstr(":1: a topology file needs `services:`"));
}

}  // namespace
}  // namespace alertd::config
