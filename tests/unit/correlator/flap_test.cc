#include "correlator/flap.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;
using core::IncidentStatus;

TEST(FlapHistory, MoreThanTransitionsWithinTheWindowIsFlapping) {
  FlapConfig cfg;  // 4 within 15m
  FlapHistory h;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(h.record(kT0 + i * 1min, cfg)) << i;  // exactly 4: no
  EXPECT_TRUE(h.record(kT0 + 4min, cfg));                                        // the 5th: yes
  EXPECT_EQ(h.size(), 5u);
  EXPECT_TRUE(h.record(kT0 + 5min, cfg));
  EXPECT_EQ(h.size(), 5u);  // bounded to transitions + 1
}

TEST(FlapHistory, WindowIsInclusiveAndEndsOneNanosecondLater) {
  FlapConfig cfg;
  cfg.transitions = 2;
  cfg.within = 10min;
  FlapHistory h;
  h.record(kT0, cfg);
  h.record(kT0 + 5min, cfg);
  EXPECT_TRUE(h.record(kT0 + 10min, cfg));  // 3 changes spanning exactly 10m
  // It stops when the oldest counted change (kT0) is more than 10m ago.
  EXPECT_EQ(h.flap_end(cfg), kT0 + 10min + 1ns);
  EXPECT_TRUE(h.flapping_at(kT0 + 10min, cfg));
  EXPECT_FALSE(h.flapping_at(kT0 + 10min + 1ns, cfg));
  EXPECT_TRUE(h.record(kT0 + 11min, cfg));  // changes at 5m, 10m, 11m
  EXPECT_EQ(h.flap_end(cfg), kT0 + 15min + 1ns);

  FlapHistory wide;
  wide.record(kT0, cfg);
  wide.record(kT0 + 5min, cfg);
  EXPECT_FALSE(wide.record(kT0 + 10min + 1ns, cfg));  // 1ns too wide
  EXPECT_FALSE(wide.flapping_at(kT0 + 10min + 1ns, cfg));
}

TEST(FlapHistory, OffNeverFlapsAndTimesNeverGoBack) {
  FlapConfig off;
  off.transitions = 0;
  FlapHistory h;
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(h.record(kT0 + i * 1s, off));
  EXPECT_EQ(h.size(), 0u);

  FlapConfig cfg;
  cfg.transitions = 1;
  cfg.within = 1min;
  FlapHistory late;
  late.record(kT0 + 10min, cfg);
  EXPECT_TRUE(late.record(kT0, cfg));  // clamped to 10m: 0s apart
}

const core::LabelSet kA{{"alertname", "Flappy"}, {"service", "api"}};
const core::LabelSet kB{{"alertname", "Steady"}, {"service", "api"}};

// fire at 0, then resolve/fire alternately every minute: `changes` transitions.
std::vector<core::IncidentUpdate> flap(Driver& d, int changes) {
  std::vector<core::IncidentUpdate> all;
  auto keep = [&](std::vector<core::IncidentUpdate> u) {
    for (auto& x : u) all.push_back(std::move(x));
  };
  keep(d.fire(kA, kT0));
  for (int i = 1; i <= changes; ++i) {
    keep(i % 2 == 1 ? d.resolve(kA, kT0 + i * 1min) : d.fire(kA, kT0 + i * 1min));
  }
  return all;
}

TEST(CorrelatorFlap, FirstTransitionsReopenOneIncidentUntilFlapping) {
  Driver d{CorrelatorConfig{}};
  auto out = flap(d, 4);  // resolve, fire, resolve, fire: exactly 4 changes
  EXPECT_EQ(d.c.incidents_created_total(), 1u);
  EXPECT_EQ(d.c.counters().reopened_total, 2u);
  EXPECT_EQ(find_audit(out, "flapping"), nullptr);
  EXPECT_EQ(out.back().incident.id, "INC-1");
  EXPECT_EQ(out.back().incident.status, IncidentStatus::open);
  EXPECT_EQ(actions(out.back()), (std::vector<std::string>{"reopened", "member_refired"}));
  EXPECT_EQ(out.back().audit[0].detail, R"({"fingerprint":")" +
                                            core::fingerprint_hex(core::fingerprint(kA)) +
                                            R"(","from":"resolved","to":"open"})");
  EXPECT_FALSE(out.back().incident.flapping);

  // The 5th change is more than 4: flapping, and the resolve is held back.
  auto fifth = d.resolve(kA, kT0 + 5min);
  ASSERT_EQ(fifth.size(), 1u);
  EXPECT_EQ(actions(fifth[0]),
            (std::vector<std::string>{"member_resolved", "flapping", "resolve_held"}));
  EXPECT_EQ(fifth[0].incident.status, IncidentStatus::open);
  EXPECT_TRUE(fifth[0].incident.flapping);
  EXPECT_EQ(fifth[0].incident.firing_count, 0u);
  ASSERT_EQ(fifth[0].members.size(), 1u);
  EXPECT_TRUE(fifth[0].members[0].flapping);
  EXPECT_EQ(d.c.counters().flapping_members, 1u);
  EXPECT_EQ(d.c.counters().flap_holds_total, 1u);
  EXPECT_EQ(d.c.next_due(), kT0 + 15min);  // the hold: 10m after the last resolve
}

TEST(CorrelatorFlap, HoldResolvesWhenQuietThenFlagsClearThenEviction) {
  Driver d{CorrelatorConfig{}};
  flap(d, 5);  // flapping, held since 5m
  EXPECT_TRUE(d.tick(kT0 + 15min - 1ns).empty());
  auto held = d.tick(kT0 + 15min);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].incident.status, IncidentStatus::resolved);
  EXPECT_EQ(held[0].incident.resolved_at, kT0 + 15min);
  ASSERT_EQ(actions(held[0]), std::vector<std::string>{"status_change"});
  EXPECT_EQ(held[0].audit[0].detail,
            R"({"from":"open","to":"resolved","reason":"flapping alert stayed resolved for 10m"})");
  EXPECT_EQ(d.c.active_incidents(), 0u);
  EXPECT_EQ(d.c.counters().recent_resolved, 1u);

  // The oldest of the last five changes (1m) leaves the 15m window at 16m + 1ns.
  EXPECT_TRUE(d.tick(kT0 + 16min).empty());
  auto cleared = d.tick(kT0 + 16min + 1ns);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(actions(cleared[0]), std::vector<std::string>{"flapping_end"});
  EXPECT_FALSE(cleared[0].incident.flapping);
  EXPECT_FALSE(cleared[0].members.at(0).flapping);
  EXPECT_EQ(d.c.counters().flapping_members, 0u);

  // Kept for reopening until flap.within after the resolve, inclusive.
  EXPECT_TRUE(d.tick(kT0 + 30min).empty());
  EXPECT_EQ(d.c.counters().recent_resolved, 1u);
  d.tick(kT0 + 30min + 1ns);
  EXPECT_EQ(d.c.counters().recent_resolved, 0u);
  EXPECT_EQ(d.c.counters().evicted_resolved_total, 1u);
  auto fresh = d.fire(kA, kT0 + 31min);
  EXPECT_EQ(fresh.at(0).incident.id, "INC-2");
}

TEST(CorrelatorFlap, ReopensAtExactlyWithinButNotANanosecondLater) {
  for (auto gap : {15min + 0ns, 15min + 1ns}) {
    Driver d{CorrelatorConfig{}};
    d.fire(kA, kT0);
    d.resolve(kA, kT0 + 1min);
    auto again = d.fire(kA, kT0 + 1min + gap);
    bool reopened = gap == 15min;
    EXPECT_EQ(again.at(0).incident.id, reopened ? "INC-1" : "INC-2");
    EXPECT_EQ(d.c.counters().reopened_total, reopened ? 1u : 0u);
  }
}

TEST(CorrelatorFlap, RefireDuringHoldCancelsIt) {
  Driver d{CorrelatorConfig{}};
  flap(d, 5);
  auto refire = d.fire(kA, kT0 + 10min);
  EXPECT_EQ(actions(refire.at(0)), std::vector<std::string>{"member_refired"});
  EXPECT_TRUE(d.tick(kT0 + 15min).empty());  // no resolve: the hold was cancelled
  EXPECT_EQ(d.incident("INC-1").status, IncidentStatus::open);
  // Resolving again starts a new hold from then.
  auto again = d.resolve(kA, kT0 + 11min);
  EXPECT_EQ(actions(again.at(0)), (std::vector<std::string>{"member_resolved", "resolve_held"}));
  EXPECT_EQ(d.tick(kT0 + 21min).at(0).incident.status, IncidentStatus::resolved);
}

TEST(CorrelatorFlap, FlapEndsWhileFiringAndOtherMembersResolveNormally) {
  Driver d{CorrelatorConfig{}};
  d.fire(kB, kT0);
  flap(d, 6);  // ends firing at 6m; flapping since the 5th change at 5m
  EXPECT_TRUE(d.incident("INC-1").flapping);
  // Oldest counted change is now the one at 2m: the flap ends at 17m + 1ns.
  auto cleared = d.tick(kT0 + 17min + 1ns);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(actions(cleared[0]), std::vector<std::string>{"flapping_end"});
  EXPECT_FALSE(d.incident("INC-1").flapping);
  // No longer flapping: resolving everything resolves at once.
  d.resolve(kA, kT0 + 18min);
  auto last = d.resolve(kB, kT0 + 19min);
  EXPECT_EQ(last.at(0).incident.status, IncidentStatus::resolved);
}

TEST(CorrelatorFlap, OffMeansNoFlagsNoHoldsNoReopen) {
  CorrelatorConfig cfg;
  cfg.flap.transitions = 0;
  Driver d{cfg};
  auto out = flap(d, 8);
  EXPECT_EQ(find_audit(out, "flapping"), nullptr);
  EXPECT_EQ(find_audit(out, "reopened"), nullptr);
  EXPECT_EQ(d.c.incidents_created_total(), 5u);  // every re-fire after a resolve: a new one
  EXPECT_EQ(d.c.counters().recent_resolved, 0u);
}

// The timers run inside apply() too, so how often tick() runs changes nothing.
TEST(CorrelatorFlap, OutcomeDoesNotDependOnTickCadence) {
  auto run = [](bool ticks) {
    Driver d{CorrelatorConfig{}};
    std::vector<std::string> log;
    auto keep = [&](const std::vector<core::IncidentUpdate>& u) {
      for (const auto& x : u) {
        for (const auto& a : x.audit) {
          log.push_back(a.incident_id + " " + core::format_rfc3339(a.at) + " " + a.action + " " +
                        a.detail);
        }
      }
    };
    core::TimePoint t = kT0;
    for (int i = 0; i < 40; ++i) {
      t += (i % 7 == 0) ? 13min : 1min;
      keep(i % 2 == 0 ? d.fire(kA, t) : d.resolve(kA, t));
      if (ticks) {
        for (int s = 0; s < 60; ++s) keep(d.tick(t + s * 10s));
      }
    }
    keep(d.tick(t + 2h));
    return log;
  };
  auto with = run(true);
  EXPECT_GT(with.size(), 40u);
  EXPECT_EQ(with, run(false));
}

}  // namespace
}  // namespace alertd::correlator
