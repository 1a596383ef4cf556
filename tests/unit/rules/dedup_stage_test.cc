#include "rules/dedup_stage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/fingerprint.h"
#include "core/time.h"

namespace alertd::rules {
namespace {

using namespace std::chrono_literals;
using core::AlertChange;
using core::AlertEvent;
using core::AlertStatus;
using core::TimePoint;

const TimePoint kT0 = core::from_unix_millis(1'767'225'600'000);  // 2026-01-01T00:00:00Z

core::Alert make_alert(std::string name, AlertStatus status = AlertStatus::firing,
                       TimePoint ends_at = core::kNoTime, std::string tenant = "default") {
  core::Alert a;
  a.labels = core::LabelSet{{"alertname", std::move(name)}, {"service", "checkout"}};
  a.annotations = core::LabelSet{{"summary", "something broke"}};
  a.status = status;
  a.ends_at = ends_at;
  a.tenant = std::move(tenant);
  a.received_mono_ns = 42;
  a.fingerprint = core::fingerprint(a.labels);
  return a;
}

class DedupStageTest : public ::testing::Test {
 protected:
  std::vector<AlertEvent> process(core::Alert a) {
    std::vector<AlertEvent> out;
    stage_.process(std::move(a), clock_.now(), out);
    return out;
  }
  std::vector<AlertEvent> tick() {
    std::vector<AlertEvent> out;
    stage_.tick(clock_.now(), out);
    return out;
  }

  core::ManualClock clock_{kT0};
  DedupStage stage_{ShardConfig{}};  // touch 1m, retention 20m
};

TEST_F(DedupStageTest, FirstFiringIsForwardedWithAlertAndTime) {
  auto out = process(make_alert("HighLatency"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].change, AlertChange::firing);
  EXPECT_EQ(out[0].at, kT0);
  EXPECT_EQ(out[0].alert.labels.get("alertname"), "HighLatency");
  EXPECT_EQ(out[0].alert.annotations.get("summary"), "something broke");
  EXPECT_EQ(out[0].alert.received_mono_ns, 42);
  EXPECT_EQ(stage_.active_alerts(), 1u);
  EXPECT_EQ(stage_.tracked_alerts(), 1u);
  EXPECT_EQ(stage_.deduplicated_total(), 0u);
}

TEST_F(DedupStageTest, ResendsCollapseIntoOneFiringEvent) {
  constexpr int kResends = 50;
  int firing = 0;
  for (int i = 0; i < kResends; ++i) {
    for (const auto& e : process(make_alert("HighLatency"))) {
      EXPECT_EQ(e.change, AlertChange::firing);
      ++firing;
    }
    clock_.advance(1s);  // 50 sends within 50s: below the 1m touch interval
  }
  EXPECT_EQ(firing, 1);
  EXPECT_EQ(stage_.deduplicated_total(), static_cast<uint64_t>(kResends - 1));
  EXPECT_EQ(stage_.active_alerts(), 1u);
}

TEST_F(DedupStageTest, ResendsForwardTouchesAtTouchInterval) {
  // One re-send every 15s for 5 minutes: firing at 0, touches at 60s, 120s, 180s, 240s, 300s.
  std::vector<std::pair<AlertChange, core::Duration>> seen;
  for (int i = 0; i <= 20; ++i) {
    for (const auto& e : process(make_alert("HighLatency"))) {
      seen.emplace_back(e.change, e.at - kT0);
    }
    clock_.advance(15s);
  }
  std::vector<std::pair<AlertChange, core::Duration>> want = {
      {AlertChange::firing, 0s},  {AlertChange::touch, 60s},  {AlertChange::touch, 120s},
      {AlertChange::touch, 180s}, {AlertChange::touch, 240s}, {AlertChange::touch, 300s}};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(stage_.deduplicated_total(), 21u - 6u);  // touches are forwarded, not dropped
}

TEST_F(DedupStageTest, ZeroTouchIntervalTouchesEveryResend) {
  DedupStage stage(ShardConfig{.touch_interval = 0s});
  std::vector<AlertEvent> out;
  for (int i = 0; i < 3; ++i) stage.process(make_alert("A"), kT0, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].change, AlertChange::firing);
  EXPECT_EQ(out[1].change, AlertChange::touch);
  EXPECT_EQ(out[2].change, AlertChange::touch);
  EXPECT_EQ(stage.deduplicated_total(), 0u);
}

TEST_F(DedupStageTest, ResolveOfFiringIsForwarded) {
  process(make_alert("A"));
  clock_.advance(30s);
  auto out = process(make_alert("A", AlertStatus::resolved, kT0 + 25s));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].change, AlertChange::resolved);
  EXPECT_EQ(out[0].at, kT0 + 30s);
  EXPECT_EQ(out[0].alert.ends_at, kT0 + 25s);
  EXPECT_EQ(out[0].alert.labels.get("alertname"), "A");
  EXPECT_EQ(stage_.active_alerts(), 0u);
  EXPECT_EQ(stage_.tracked_alerts(), 1u);
}

TEST_F(DedupStageTest, RefireAfterResolveIsForwardedAsFiring) {
  process(make_alert("A"));
  clock_.advance(10s);
  process(make_alert("A", AlertStatus::resolved));
  clock_.advance(10s);
  auto out = process(make_alert("A"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].change, AlertChange::firing);
  EXPECT_EQ(stage_.active_alerts(), 1u);
  // And re-sends of the re-fired alert are deduplicated again.
  EXPECT_TRUE(process(make_alert("A")).empty());
  EXPECT_EQ(stage_.deduplicated_total(), 1u);
}

TEST_F(DedupStageTest, ResolvedResendsAreDeduplicated) {
  process(make_alert("A"));
  process(make_alert("A", AlertStatus::resolved));
  for (int i = 0; i < 10; ++i) {
    clock_.advance(1min);  // Prometheus re-sends resolved alerts for 15m
    EXPECT_TRUE(process(make_alert("A", AlertStatus::resolved)).empty());
  }
  EXPECT_EQ(stage_.deduplicated_total(), 10u);
}

TEST_F(DedupStageTest, ResolvedForUnknownFingerprintIsForwarded) {
  auto out = process(make_alert("Forgotten", AlertStatus::resolved));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].change, AlertChange::resolved);
  EXPECT_EQ(stage_.active_alerts(), 0u);
  EXPECT_EQ(stage_.tracked_alerts(), 1u);
  // Its own re-sends are then known and deduplicated.
  EXPECT_TRUE(process(make_alert("Forgotten", AlertStatus::resolved)).empty());
}

TEST_F(DedupStageTest, SameLabelsInTwoTenantsAreTwoAlerts) {
  EXPECT_EQ(process(make_alert("A", AlertStatus::firing, core::kNoTime, "team-a")).size(), 1u);
  EXPECT_EQ(process(make_alert("A", AlertStatus::firing, core::kNoTime, "team-b")).size(), 1u);
  EXPECT_EQ(stage_.active_alerts(), 2u);
}

TEST_F(DedupStageTest, LeaseExpiresAfterEndsAtNotAtIt) {
  TimePoint lease = kT0 + 4min;
  process(make_alert("A", AlertStatus::firing, lease));
  clock_.set(lease - 1s);
  EXPECT_TRUE(tick().empty());
  clock_.set(lease);  // ends_at itself is still inside the lease
  EXPECT_TRUE(tick().empty());
  EXPECT_EQ(stage_.active_alerts(), 1u);

  clock_.set(lease + 1ns);
  auto out = tick();
  ASSERT_EQ(out.size(), 1u);
  const auto& e = out[0];
  EXPECT_EQ(e.change, AlertChange::resolved);
  EXPECT_EQ(e.at, lease + 1ns);
  EXPECT_EQ(e.alert.status, AlertStatus::resolved);
  EXPECT_EQ(e.alert.ends_at, lease);
  EXPECT_EQ(e.alert.fingerprint, make_alert("A").fingerprint);
  EXPECT_EQ(e.alert.tenant, "default");
  EXPECT_TRUE(e.alert.labels.empty());
  EXPECT_EQ(e.alert.received_mono_ns, 0);
  EXPECT_EQ(stage_.active_alerts(), 0u);
  EXPECT_EQ(stage_.expired_total(), 1u);
  // Expired once; later ticks do not repeat it.
  clock_.advance(1min);
  EXPECT_TRUE(tick().empty());
}

TEST_F(DedupStageTest, ExpiryKeepsTheTenant) {
  process(make_alert("A", AlertStatus::firing, kT0 + 1min, "team-b"));
  clock_.advance(2min);
  auto out = tick();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].alert.tenant, "team-b");
}

TEST_F(DedupStageTest, ResendRenewsLease) {
  process(make_alert("A", AlertStatus::firing, kT0 + 4min));
  clock_.set(kT0 + 3min);
  process(make_alert("A", AlertStatus::firing, kT0 + 7min));  // renewal
  clock_.set(kT0 + 5min);
  EXPECT_TRUE(tick().empty());
  clock_.set(kT0 + 7min);
  EXPECT_TRUE(tick().empty());
  clock_.set(kT0 + 7min + 1ms);
  auto out = tick();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].alert.ends_at, kT0 + 7min);
}

TEST_F(DedupStageTest, ShortenedLeaseExpiresAtTheNewEnd) {
  process(make_alert("A", AlertStatus::firing, kT0 + 1h));
  clock_.advance(1min);
  process(make_alert("A", AlertStatus::firing, kT0 + 2min));
  clock_.set(kT0 + 2min + 1s);
  auto out = tick();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].alert.ends_at, kT0 + 2min);
  clock_.set(kT0 + 2h);  // the old, longer item is stale and does nothing
  EXPECT_TRUE(tick().empty());
}

TEST_F(DedupStageTest, ResendWithoutEndsAtDropsTheLease) {
  process(make_alert("A", AlertStatus::firing, kT0 + 1min));
  process(make_alert("A"));  // latest statement: no end announced
  clock_.advance(1h);
  EXPECT_TRUE(tick().empty());
  EXPECT_EQ(stage_.active_alerts(), 1u);
}

TEST_F(DedupStageTest, AlertAfterExpiryFiresAgain) {
  process(make_alert("A", AlertStatus::firing, kT0 + 1min));
  clock_.advance(2min);
  ASSERT_EQ(tick().size(), 1u);
  auto out = process(make_alert("A", AlertStatus::firing, kT0 + 6min));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].change, AlertChange::firing);
}

TEST_F(DedupStageTest, ResolvedAlertsAreForgottenAfterRetention) {
  process(make_alert("A"));
  process(make_alert("A", AlertStatus::resolved));
  clock_.advance(20min);  // exactly the retention: still remembered
  tick();
  EXPECT_EQ(stage_.tracked_alerts(), 1u);
  EXPECT_TRUE(process(make_alert("A", AlertStatus::resolved)).empty());  // re-send at +20m

  clock_.advance(20min);  // retention counts from the last resolved re-send
  tick();
  EXPECT_EQ(stage_.tracked_alerts(), 1u);
  clock_.advance(1ns);
  tick();
  EXPECT_EQ(stage_.tracked_alerts(), 0u);
  EXPECT_EQ(stage_.forgotten_total(), 1u);
  // Forgotten: a late resolve is unknown again and forwarded.
  EXPECT_EQ(process(make_alert("A", AlertStatus::resolved)).size(), 1u);
}

TEST_F(DedupStageTest, FiringAlertsAreNotForgotten) {
  process(make_alert("A"));  // no lease: firing for up to max_lease (24h) without a re-send
  clock_.advance(24h);
  EXPECT_TRUE(tick().empty());
  EXPECT_EQ(stage_.tracked_alerts(), 1u);
}

TEST_F(DedupStageTest, AFarEndsAtIsCutToMaxLeaseAndCounted) {
  const TimePoint year_2200 = core::from_unix_millis(7'258'118'400'000);
  process(make_alert("A", AlertStatus::firing, year_2200));
  process(make_alert("B", AlertStatus::firing, kT0 + 1h));  // within the limit: kept as sent
  EXPECT_EQ(stage_.leases_capped_total(), 1u);
  clock_.set(kT0 + 24h + 1ns);
  auto out = tick();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].alert.ends_at, kT0 + 24h) << "held 24h, not until 2200";
  EXPECT_EQ(stage_.active_alerts(), 0u);
}

TEST_F(DedupStageTest, AnAlertWithoutEndsAtIsHeldForMaxLeaseWithoutAResend) {
  DedupStage stage(ShardConfig{.max_lease = 2h});
  std::vector<AlertEvent> out;
  stage.process(make_alert("A"), kT0, out);
  stage.process(make_alert("A"), kT0 + 1h, out);  // a re-send renews it
  out.clear();
  stage.tick(kT0 + 3h, out);
  EXPECT_TRUE(out.empty());
  stage.tick(kT0 + 3h + 1ns, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].change, AlertChange::resolved);
  EXPECT_EQ(stage.leases_capped_total(), 2u);
  EXPECT_TRUE(stage.is_firing("default", make_alert("B").fingerprint) == false);
}

TEST_F(DedupStageTest, IsFiringAnswersPerTenant) {
  process(make_alert("A", AlertStatus::firing, kT0 + 1h, "team-a"));
  EXPECT_TRUE(stage_.is_firing("team-a", make_alert("A").fingerprint));
  EXPECT_FALSE(stage_.is_firing("team-b", make_alert("A").fingerprint));
  process(make_alert("A", AlertStatus::resolved, core::kNoTime, "team-a"));
  EXPECT_FALSE(stage_.is_firing("team-a", make_alert("A").fingerprint));
}

TEST_F(DedupStageTest, TickLooksOnlyAtDueEntries) {
  constexpr int kAlerts = 10'000;
  for (int i = 0; i < kAlerts; ++i) {
    // Five alerts have a 1m lease; everything else leases for an hour.
    TimePoint lease = kT0 + (i % 2000 == 0 ? 1min : 1h);
    process(make_alert("A" + std::to_string(i), AlertStatus::firing, lease));
  }
  clock_.advance(30s);
  EXPECT_TRUE(tick().empty());
  EXPECT_EQ(stage_.last_tick_examined(), 0u);

  clock_.advance(1min);
  auto out = tick();
  EXPECT_EQ(out.size(), 5u);
  EXPECT_EQ(stage_.last_tick_examined(), 5u);
  EXPECT_EQ(stage_.active_alerts(), static_cast<size_t>(kAlerts - 5));

  clock_.advance(1s);
  tick();
  EXPECT_EQ(stage_.last_tick_examined(), 0u);
}

TEST_F(DedupStageTest, RenewedLeasesCostOneLookPerLease) {
  // Re-sends extending the lease push nothing: the old item is re-queued
  // once when it comes due, then sleeps until the new end.
  for (int i = 0; i < 100; ++i) {
    process(make_alert("A", AlertStatus::firing, clock_.now() + 4min));
    clock_.advance(1s);
  }
  clock_.set(kT0 + 4min + 1s);
  EXPECT_TRUE(tick().empty());
  EXPECT_EQ(stage_.last_tick_examined(), 1u);
}

TEST_F(DedupStageTest, ExpiriesComeOutInDeterministicOrder) {
  auto run = [] {
    DedupStage stage{ShardConfig{}};
    std::vector<AlertEvent> out;
    for (int i = 0; i < 100; ++i) {
      stage.process(make_alert("A" + std::to_string(i), AlertStatus::firing, kT0 + 1min), kT0, out);
    }
    out.clear();
    stage.tick(kT0 + 2min, out);
    std::vector<uint64_t> fps;
    for (const auto& e : out) fps.push_back(e.alert.fingerprint);
    return fps;
  };
  auto first = run();
  EXPECT_EQ(first.size(), 100u);
  EXPECT_EQ(first, run());
  EXPECT_TRUE(std::is_sorted(first.begin(), first.end()));  // same time: by fingerprint
}

}  // namespace
}  // namespace alertd::rules
