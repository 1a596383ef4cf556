// The correlator is deterministic (the same events give byte-identical
// updates), honours a custom grouping window, and in replay mode keeps
// touches in memory until a snapshot.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/time.h"
#include "correlator/correlator.h"
#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace std::chrono_literals;
using core::AlertChange;
using core::AlertStatus;
using core::IncidentStatus;
using core::IncidentUpdate;
using core::TimePoint;
using testing::kT0;
using testing::make_alert;
using testing::render;

core::AlertEvent event(AlertChange change, core::Alert alert, TimePoint at) {
  return core::AlertEvent{change, std::move(alert), at};
}

std::vector<core::AlertEvent> scenario() {
  std::vector<core::AlertEvent> events;
  TimePoint t = kT0;
  for (int round = 0; round < 3; ++round) {
    for (int s = 0; s < 5; ++s) {
      std::vector<core::Alert> alerts;
      for (int i = 0; i < 4; ++i) {
        core::LabelSet labels{{"alertname", "A" + std::to_string(i)},
                              {"service", "svc-" + std::to_string(s)},
                              {"severity", i == 0 ? "critical" : "warning"}};
        alerts.push_back(make_alert(labels, s == 4 ? "other" : "default"));
        alerts.back().received_mono_ns = round * 100 + s * 10 + i;
      }
      for (const auto& a : alerts) events.push_back(event(AlertChange::firing, a, t));
      for (const auto& a : alerts) events.push_back(event(AlertChange::touch, a, t + 1min));
      int i = 0;
      for (auto& a : alerts) {
        a.status = AlertStatus::resolved;
        events.push_back(event(AlertChange::resolved, std::move(a), t + 2min + i++ * 1s));
      }
      t += 30s;
    }
    t += 15min;
  }
  return events;
}

TEST(CorrelatorDeterminism, SameEventsGiveIdenticalUpdates) {
  auto run = [] {
    Correlator c{CorrelatorConfig{}};
    std::vector<IncidentUpdate> out;
    for (auto& e : scenario()) c.apply(std::move(e), out);
    return render(out);
  };
  std::string first = run();
  EXPECT_GT(first.size(), 1000u);
  // 5 groups x 3 rounds, each resolved by its last member.
  EXPECT_NE(first.find(R"("id":"INC-15")"), std::string::npos);
  EXPECT_EQ(first.find(R"("id":"INC-16")"), std::string::npos);
  EXPECT_EQ(first, run());
}

TEST(CorrelatorConfigTest, CustomGroupingWindowAndRule) {
  Correlator c{CorrelatorConfig{.group_by = {"cluster"},
                                .group_by_fallback = {},
                                .group_window = 1min,
                                .rule_name = "by-cluster"}};
  std::vector<IncidentUpdate> out;
  c.apply(event(AlertChange::firing, make_alert({{"alertname", "X"}, {"cluster", "eu"}}), kT0),
          out);
  c.apply(
      event(AlertChange::firing, make_alert({{"alertname", "Y"}, {"cluster", "eu"}}), kT0 + 1min),
      out);
  c.apply(event(AlertChange::firing, make_alert({{"alertname", "Z"}, {"cluster", "eu"}}),
                kT0 + 2min + 1ms),
          out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].incident.rule, "by-cluster");
  EXPECT_EQ(out[0].incident.group_key, R"({cluster="eu"})");
  EXPECT_EQ(out[1].incident.id, "INC-1");
  EXPECT_EQ(out[2].incident.id, "INC-2");
}

// Replay mode: touches update memory only; snapshot_active() reports them.
TEST(CorrelatorReplayMode, TouchesStayInMemoryUntilSnapshot) {
  CorrelatorConfig config;
  config.emit_touches = false;
  Correlator c(config);
  std::vector<IncidentUpdate> out;
  core::LabelSet a{{"alertname", "A"}, {"service", "s1"}};
  core::LabelSet b{{"alertname", "B"}, {"service", "s2"}};
  c.apply(event(AlertChange::firing, make_alert(a), kT0), out);
  c.apply(event(AlertChange::firing, make_alert(b), kT0 + 1s), out);
  ASSERT_EQ(out.size(), 2u);
  out.clear();
  c.apply(event(AlertChange::touch, make_alert(a), kT0 + 30s), out);
  c.apply(event(AlertChange::touch, make_alert(a), kT0 + 45s), out);
  EXPECT_TRUE(out.empty());

  c.snapshot_active(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].incident.id, "INC-1");  // id order
  EXPECT_EQ(out[1].incident.id, "INC-2");
  ASSERT_EQ(out[0].members.size(), 1u);
  EXPECT_EQ(out[0].members[0].last_seen, kT0 + 45s);
  EXPECT_EQ(out[0].members[0].event_count, 3u);
  EXPECT_EQ(out[0].members[0].labels, a);
  EXPECT_TRUE(out[0].audit.empty());
  EXPECT_EQ(out[1].members[0].last_seen, kT0 + 1s);
}

}  // namespace
}  // namespace alertd::correlator
