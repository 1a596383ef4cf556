// A stage restored from a checkpoint behaves exactly as the one checkpointed:
// the same events, at the same times, with the same evidence, and the same
// totals, over a seeded stream of several tenants, rules and fingerprints.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/byte_codec.h"
#include "rules/dedup_stage.h"
#include "tests/unit/rules/counting_test_util.h"

namespace alertd::rules {
namespace {

using namespace std::chrono_literals;
using testing::alert;
using testing::kT0;

std::vector<RuleSpec> stream_rules() {
  auto heartbeat = testing::rule("heartbeat", {"alertname=\"Heartbeat\""});
  heartbeat.absent_for = 90s;
  heartbeat.group_by = {"host"};
  auto beat = testing::rule("beat", {"alertname=\"Beat\""});
  beat.absent_for = 2min;  // no group_by: armed at start-up, on the shard owning its key
  return {testing::threshold_rule(3, 1min), testing::distinct_rule(3, 2min), heartbeat, beat};
}

// One shard's stages, run as the pipeline runs them.
struct Shard {
  explicit Shard(std::shared_ptr<const RuleSet> compiled) : rules(std::move(compiled)) {}
  void start(core::TimePoint now) { counting.set_rules(rules, now, events); }
  void process(core::Alert a, core::TimePoint now) {
    if (!rules->apply(a)) return;
    counting.process(std::move(a), now, passed, events);
    for (auto& p : passed) dedup.process(std::move(p), now, events);
    passed.clear();
  }
  void tick(core::TimePoint now) {
    counting.tick(now, events);
    dedup.tick(now, events);
  }
  std::string checkpoint() const {
    std::string bytes;
    core::ByteWriter out(bytes);
    dedup.checkpoint(out);
    counting.checkpoint(out);
    return bytes;
  }
  core::Status restore(std::string_view bytes, core::TimePoint now) {
    core::ByteReader in(bytes);
    auto status = dedup.restore(in);
    if (!status.ok()) return status;
    return counting.restore(in, rules, now, events);
  }
  std::vector<uint64_t> totals() const {
    return {
        dedup.deduplicated_total(),    dedup.expired_total(),           dedup.forgotten_total(),
        dedup.active_alerts(),         dedup.tracked_alerts(),          counting.held_total(),
        counting.released_total(),     counting.discarded_total(),      counting.heartbeats_total(),
        counting.absent_fired_total(), counting.groups_evicted_total(), counting.groups()};
  }

  std::shared_ptr<const RuleSet> rules;
  DedupStage dedup{ShardConfig{30s, 5min}};
  CountingStage counting{0, 1};
  std::vector<core::Alert> passed;
  std::vector<core::AlertEvent> events;
};

struct Step {
  core::TimePoint at;
  bool tick = false;
  core::Alert alert;
};

// Err alerts per host (threshold), DiskLatencyHigh per instance (distinct),
// heartbeats, and plain alerts with leases; two tenants; resolves; quiet gaps.
std::vector<Step> make_stream(uint32_t seed, core::TimePoint from, size_t n) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % k); };
  std::vector<Step> steps;
  auto t = from;
  for (size_t i = 0; i < n; ++i) {
    t += std::chrono::milliseconds(rng() % (pick(50) == 0 ? 200'000 : 8'000));
    if (pick(6) == 0) {
      steps.push_back(Step{t, true, {}});
      continue;
    }
    static const char* kNames[] = {"Err", "DiskLatencyHigh", "Heartbeat", "Beat", "CpuHigh"};
    std::string name = kNames[pick(5)];
    core::LabelSet labels{{"alertname", name},
                          {"host", "h" + std::to_string(pick(4))},
                          {"instance", "i" + std::to_string(pick(30))}};
    auto status = pick(5) == 0 ? core::AlertStatus::resolved : core::AlertStatus::firing;
    auto a = alert(labels, static_cast<int>(i), status, pick(3) == 0 ? "t2" : "default");
    if (pick(3) == 0) a.ends_at = t + std::chrono::seconds(20 + pick(120));
    a.received_at = t;
    steps.push_back(Step{t, false, std::move(a)});
  }
  return steps;
}

void run(Shard& shard, const std::vector<Step>& steps) {
  for (const auto& s : steps) {
    if (s.tick) {
      shard.tick(s.at);
    } else {
      shard.process(s.alert, s.at);
    }
  }
}

void expect_same_events(const std::vector<core::AlertEvent>& a,
                        const std::vector<core::AlertEvent>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    EXPECT_EQ(a[i].change, b[i].change);
    EXPECT_EQ(a[i].at, b[i].at);
    EXPECT_EQ(a[i].alert.fingerprint, b[i].alert.fingerprint);
    EXPECT_EQ(a[i].alert.labels, b[i].alert.labels);
    EXPECT_EQ(a[i].alert.tenant, b[i].alert.tenant);
    EXPECT_EQ(a[i].alert.counted_since, b[i].alert.counted_since);
    EXPECT_EQ(a[i].alert.counted_events, b[i].alert.counted_events);
    EXPECT_EQ(a[i].alert.rule_events, b[i].alert.rule_events);
  }
}

class StageCheckpoint : public ::testing::TestWithParam<uint32_t> {};

TEST_P(StageCheckpoint, RestoredStagesEmitWhatTheOriginalsEmit) {
  auto rules = testing::compile(stream_rules());
  auto before = make_stream(GetParam(), kT0, 1500);
  auto after = make_stream(GetParam() + 1000, before.back().at + 1s, 1500);

  Shard original(rules);
  original.start(kT0);
  run(original, before);
  const std::string bytes = original.checkpoint();
  original.events.clear();

  Shard restored(rules);
  ASSERT_TRUE(restored.restore(bytes, before.back().at).ok());
  EXPECT_TRUE(restored.events.empty()) << "same rules: nothing dropped";
  EXPECT_EQ(restored.totals(), original.totals());
  // A checkpoint of the restored stage is the same state again.
  EXPECT_EQ(restored.checkpoint().size(), bytes.size());

  run(original, after);
  run(restored, after);
  ASSERT_FALSE(original.events.empty());
  expect_same_events(original.events, restored.events);
  EXPECT_EQ(restored.totals(), original.totals());
}

INSTANTIATE_TEST_SUITE_P(Seeds, StageCheckpoint, ::testing::Values(1u, 2u, 3u, 42u));

TEST(StageCheckpointRules, GroupsOfARuleGoneAreDroppedAsAReloadWould) {
  auto rules = testing::compile(stream_rules());
  Shard original(rules);
  original.start(kT0);
  // Heartbeats of h1, then silence: the absence alert fires.
  auto hb = alert({{"alertname", "Heartbeat"}, {"host", "h1"}});
  hb.received_at = kT0;
  original.process(hb, kT0);
  original.tick(kT0 + 3min);
  ASSERT_EQ(original.events.size(), 2u);  // heartbeat and beat absences fired
  const std::string bytes = original.checkpoint();

  auto specs = stream_rules();
  specs.erase(specs.begin() + 2);  // "heartbeat" is gone
  Shard restored(testing::compile(specs));
  ASSERT_TRUE(restored.restore(bytes, kT0 + 4min).ok());
  ASSERT_EQ(restored.events.size(), 1u);
  EXPECT_EQ(restored.events[0].change, core::AlertChange::resolved);
  EXPECT_EQ(restored.events[0].alert.labels.get("alertname"), "heartbeat");
  EXPECT_EQ(restored.events[0].at, kT0 + 4min);
  // "beat" is unchanged: its firing absence alert is kept, not armed again.
  EXPECT_EQ(restored.counting.groups(), 1u);
  restored.tick(kT0 + 10min);
  EXPECT_EQ(restored.events.size(), 1u);
}

TEST(StageCheckpointBytes, MalformedCheckpointsAreRefusedWithoutHarm) {
  auto rules = testing::compile(stream_rules());
  Shard original(rules);
  original.start(kT0);
  run(original, make_stream(7, kT0, 600));
  const std::string bytes = original.checkpoint();
  for (size_t n = 0; n < bytes.size(); n += 1 + n / 16) {
    Shard restored(rules);
    auto status = restored.restore(std::string_view(bytes).substr(0, n), kT0 + 1h);
    EXPECT_FALSE(status.ok()) << "a prefix of " << n << " of " << bytes.size() << " bytes";
  }
  std::mt19937 rng(5);
  for (int i = 0; i < 200; ++i) {
    std::string damaged = bytes;
    damaged[rng() % damaged.size()] ^= static_cast<char>(1 + rng() % 255);
    Shard restored(rules);
    (void)restored.restore(damaged, kT0 + 1h);  // refused or restored: never a crash
    restored.tick(kT0 + 2h);
  }
}

}  // namespace
}  // namespace alertd::rules
