// Silences and maintenance windows in the correlator.

#include <gtest/gtest.h>

#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;
using core::IncidentStatus;

const core::LabelSet kDb{{"alertname", "DiskFull"}, {"service", "db"}, {"severity", "warning"}};
const core::LabelSet kDb2{{"alertname", "SlowQueries"}, {"service", "db"}};
const core::LabelSet kApi{{"alertname", "Errors"}, {"service", "api"}};

core::Silence silence(std::string id, std::vector<std::string> matchers, core::TimePoint from,
                      core::TimePoint to, std::string tenant = "default") {
  core::Silence s;
  s.id = std::move(id);
  s.tenant = std::move(tenant);
  s.matchers = std::move(matchers);
  s.starts_at = from;
  s.ends_at = to;
  return s;
}

TEST(CorrelatorSilences, ActiveSilenceMutesExistingAndNewMembersWhichStillJoin) {
  Driver d{CorrelatorConfig{}};
  d.fire(kDb, kT0);
  auto set = d.silences({silence("SIL-1", {R"(service="db")"}, kT0, kT0 + 1h)}, kT0 + 1min);
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(actions(set[0]), std::vector<std::string>{"suppressed"});
  EXPECT_EQ(set[0].audit[0].detail, R"({"fingerprint":")" +
                                        core::fingerprint_hex(core::fingerprint(kDb)) +
                                        R"(","by":"silence:SIL-1"})");
  EXPECT_EQ(set[0].members.at(0).suppressed_by, "silence:SIL-1");
  EXPECT_TRUE(set[0].incident.suppressed);
  EXPECT_EQ(d.c.counters().silenced_members, 1u);

  // Silenced alerts are recorded, never lost: they join (or open) incidents.
  auto joined = d.fire(kDb2, kT0 + 2min);
  EXPECT_EQ(joined.at(0).incident.id, "INC-1");
  EXPECT_EQ(actions(joined[0]), (std::vector<std::string>{"member_added", "suppressed"}));
  EXPECT_EQ(joined[0].members.at(0).suppressed_by, "silence:SIL-1");
  EXPECT_EQ(d.c.counters().silenced_members, 2u);

  auto other = d.fire(kApi, kT0 + 2min);  // not matched
  EXPECT_EQ(other.at(0).members.at(0).suppressed_by, "");
  EXPECT_FALSE(other[0].incident.suppressed);
}

TEST(CorrelatorSilences, EndOfSilenceUnsuppressesStillFiringMembersExactlyAtEndsAt) {
  Driver d{CorrelatorConfig{}};
  d.silences({silence("SIL-1", {R"(alertname=~"Disk.*")"}, kT0, kT0 + 10min)}, kT0);
  d.fire(kDb, kT0 + 1min);
  d.fire(kDb2, kT0 + 1min);                      // same incident, never silenced
  EXPECT_FALSE(d.incident("INC-1").suppressed);  // one firing member is not muted
  EXPECT_EQ(d.c.next_due(), kT0 + 10min);
  EXPECT_TRUE(d.tick(kT0 + 10min - 1ns).empty());
  auto ended = d.tick(kT0 + 10min);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(actions(ended[0]), std::vector<std::string>{"unsuppressed"});
  EXPECT_NE(ended[0].audit[0].detail.find(R"("was":"silence:SIL-1")"), std::string::npos);
  EXPECT_EQ(ended[0].audit[0].at, kT0 + 10min);
  EXPECT_EQ(ended[0].members.at(0).suppressed_by, "");
  EXPECT_EQ(ended[0].members[0].status, core::AlertStatus::firing);
  EXPECT_EQ(d.c.counters().silenced_members, 0u);
}

TEST(CorrelatorSilences, PendingSilenceStartsOnTickAndResolvedMembersAreLeftAlone) {
  Driver d{CorrelatorConfig{}};
  d.fire(kDb, kT0);
  d.fire(kDb2, kT0);
  d.resolve(kDb2, kT0 + 1min);
  EXPECT_TRUE(
      d.silences({silence("SIL-2", {R"(service="db")"}, kT0 + 5min, kT0 + 6min)}, kT0 + 2min)
          .empty());
  auto started = d.tick(kT0 + 5min);
  ASSERT_EQ(started.size(), 1u);
  ASSERT_EQ(started[0].members.size(), 1u);  // only the firing one
  EXPECT_EQ(started[0].members[0].labels, kDb);
  EXPECT_TRUE(started[0].incident.suppressed);  // every firing member muted
  // The silenced member resolves: it keeps its reason but no longer counts.
  auto resolved = d.resolve(kDb, kT0 + 5min + 30s);
  EXPECT_EQ(member_in(resolved, kDb)->suppressed_by, "silence:SIL-2");
  EXPECT_EQ(d.c.counters().silenced_members, 0u);
}

TEST(CorrelatorSilences, TenantsInvalidSilencesAndReplacingTheSet) {
  Driver d{CorrelatorConfig{}};
  d.fire(kDb, kT0, "team-a");
  d.fire(kDb, kT0, "team-b");
  auto out = d.silences({silence("SIL-1", {R"(service="db")"}, kT0, kT0 + 1h, "team-b"),
                         silence("SIL-2", {"service=~\"(\""}, kT0, kT0 + 1h)},
                        kT0 + 1min);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].incident.tenant, "team-b");
  EXPECT_EQ(d.c.counters().invalid_silences_total, 1u);
  // The same set again changes nothing; a set without SIL-1 lifts it.
  EXPECT_TRUE(
      d.silences({silence("SIL-1", {R"(service="db")"}, kT0, kT0 + 1h, "team-b")}, kT0 + 2min)
          .empty());
  auto lifted = d.silences({}, kT0 + 3min);
  ASSERT_EQ(lifted.size(), 1u);
  EXPECT_EQ(actions(lifted[0]), std::vector<std::string>{"unsuppressed"});
}

TEST(CorrelatorSilences, ChangedMatchersReEvaluate) {
  Driver d{CorrelatorConfig{}};
  d.fire(kDb, kT0);
  d.fire(kApi, kT0);
  d.silences({silence("SIL-1", {R"(service="db")"}, kT0, kT0 + 1h)}, kT0);
  auto moved = d.silences({silence("SIL-1", {R"(service="api")"}, kT0, kT0 + 1h)}, kT0 + 1min);
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved[0].incident.id, "INC-1");  // incident order
  EXPECT_EQ(actions(moved[0]), std::vector<std::string>{"unsuppressed"});
  EXPECT_EQ(moved[1].incident.id, "INC-2");
  EXPECT_EQ(actions(moved[1]), std::vector<std::string>{"suppressed"});
}

CorrelatorConfig with_window() {
  CorrelatorConfig cfg;
  auto schedule = parse_cron("0 22 * * 6");  // Saturdays 22:00 UTC for 4h
  cfg.maintenance.push_back(
      MaintenanceWindow{"db-upgrade", matchers({R"(service="db")"}), *schedule, 4h});
  cfg.lifecycle.sla_clock = false;  // next_due() is the window's, not an SLA breach
  return cfg;
}

TEST(CorrelatorMaintenance, WindowMutesDuringItsOccurrenceOnly) {
  Driver d{with_window()};
  const auto start = *core::parse_rfc3339("2026-01-03T22:00:00Z");
  auto before = d.fire(kDb, start - 1min);
  EXPECT_EQ(before.at(0).members.at(0).suppressed_by, "");
  EXPECT_EQ(d.c.next_due(), start);
  auto begins = d.tick(start);
  ASSERT_EQ(begins.size(), 1u);
  EXPECT_EQ(begins[0].members.at(0).suppressed_by, "maintenance:db-upgrade");
  EXPECT_EQ(begins[0].audit.at(0).at, start);
  EXPECT_EQ(d.c.counters().maintenance_members, 1u);

  auto during = d.fire(kDb2, start + 1h);  // past the group window: a new incident
  EXPECT_EQ(actions(during.at(0)),
            (std::vector<std::string>{"create", "member_added", "suppressed"}));
  auto api = d.fire(kApi, start + 1h);
  EXPECT_EQ(api.at(0).members.at(0).suppressed_by, "");

  EXPECT_TRUE(d.tick(start + 4h - 1ns).empty());
  auto ends = d.tick(start + 4h);
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(all_actions(ends),
            (std::vector<std::string>{"INC-1:unsuppressed", "INC-2:unsuppressed"}));
  EXPECT_EQ(d.c.counters().maintenance_members, 0u);
  EXPECT_EQ(d.c.next_due(), start + 24h * 7);  // the next Saturday
}

TEST(CorrelatorMaintenance, AlertArrivingInsideAWindowIsMutedAtOnce) {
  Driver d{with_window()};
  const auto inside = *core::parse_rfc3339("2026-01-04T01:00:00Z");
  // The first event evaluates the windows before it is applied.
  auto out = d.fire(kDb, inside);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(actions(out[0]), (std::vector<std::string>{"create", "member_added", "suppressed"}));
  EXPECT_TRUE(out[0].incident.suppressed);
}

TEST(CorrelatorMaintenance, InhibitionTakesPrecedenceOverSilenceOverMaintenance) {
  CorrelatorConfig cfg = with_window();
  cfg.inhibit.push_back(InhibitRule{"crit-mutes-warn",
                                    matchers({R"(severity="critical")"}),
                                    matchers({R"(severity="warning")"}),
                                    {"service"}});
  Driver d{cfg};
  const auto inside = *core::parse_rfc3339("2026-01-04T01:00:00Z");
  d.silences({silence("SIL-9", {R"(alertname="DiskFull")"}, kT0, inside + 1h)}, kT0);
  auto first = d.fire(kDb, inside);
  EXPECT_EQ(member_in(first, kDb)->suppressed_by, "silence:SIL-9");
  core::LabelSet crit{{"alertname", "DbDown"}, {"service", "db"}, {"severity", "critical"}};
  auto source = d.fire(crit, inside + 1min);
  EXPECT_EQ(member_in(source, kDb)->suppressed_by, "inhibit:crit-mutes-warn");
  EXPECT_EQ(member_in(source, crit)->suppressed_by, "maintenance:db-upgrade");
  auto gone = d.resolve(crit, inside + 2min);
  EXPECT_EQ(member_in(gone, kDb)->suppressed_by, "silence:SIL-9");
  EXPECT_EQ(d.c.counters().inhibited_members, 0u);
  EXPECT_EQ(d.c.counters().silenced_members, 1u);
}

}  // namespace
}  // namespace alertd::correlator
