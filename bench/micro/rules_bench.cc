// Micro benchmarks of the rule engine (issue 3, item 10): the stateless
// RuleSet::apply with 1,000 rules, and the per-shard CountingStage with
// 100,000 active groups (threshold, distinct, absence timers).
// Run: alertd_micro_bench --benchmark_filter='Rule|Counting'
// `per_alert` is the time per alert (shown as seconds, e.g. 95n = 95 ns).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/fingerprint.h"
#include "core/incident.h"
#include "core/matcher.h"
#include "rules/counting_stage.h"
#include "rules/rule_set.h"

namespace {

using namespace std::chrono_literals;
using alertd::core::Alert;
using alertd::core::AlertEvent;
using alertd::core::TimePoint;
using alertd::rules::CountingStage;
using alertd::rules::RuleSet;
using alertd::rules::RuleSpec;

const TimePoint kT0 = alertd::core::from_unix_millis(1'767'225'600'000);
constexpr size_t kBatch = 4096;

alertd::core::Matchers parse(std::vector<std::string> texts) {
  auto m = alertd::core::parse_matchers(texts);
  return m.ok() ? *m : alertd::core::Matchers{};
}

// A realistic mix: 800 rules on one alertname (some also on a service),
// 150 on a service with a severity regex, 50 regex-only; a tenth enrich
// with `set`, a few drop, a few count.
std::shared_ptr<const RuleSet> thousand_rules() {
  std::vector<RuleSpec> specs;
  for (int i = 0; i < 1000; ++i) {
    RuleSpec r;
    r.name = "rule-" + std::to_string(i);
    if (i < 800) {
      std::vector<std::string> m = {"alertname=\"Alert" + std::to_string(i) + "\""};
      if (i % 3 == 0) m.push_back("service=\"svc-" + std::to_string(i % 200) + "\"");
      r.match = parse(m);
    } else if (i < 950) {
      r.match = parse({"service=\"svc-" + std::to_string(i % 200) + "\"",
                       "severity=~\"critical|" + std::to_string(i) + "\""});
    } else {
      r.match = parse({"instance=~\"db-" + std::to_string(i) + "-.*\"", "job!=\"batch\""});
    }
    if (i % 10 == 0) r.set = {{"team", "team-" + std::to_string(i % 7)}};
    if (i % 97 == 1) r.drop = true;
    if (i % 50 == 7) r.threshold = alertd::rules::Threshold{5, 5min};
    if (i % 50 == 7) r.group_by = {"instance"};
    specs.push_back(std::move(r));
  }
  auto set = RuleSet::compile(std::move(specs));
  return set.ok() ? *set : nullptr;
}

// Alertnames over twice the rule range: about half the alerts match a rule.
std::vector<Alert> varied_alerts(size_t n) {
  static constexpr const char* kSeverities[] = {"critical", "warning", "info", "error"};
  std::mt19937_64 rng(7);
  std::vector<Alert> out(n);
  for (auto& a : out) {
    a.labels.append("alertname", "Alert" + std::to_string(rng() % 1600));
    a.labels.append("instance", "db-" + std::to_string(rng() % 1100) + "-0:9100");
    a.labels.append("job", rng() % 4 == 0 ? "batch" : "node");
    a.labels.append("service", "svc-" + std::to_string(rng() % 300));
    a.labels.append("severity", kSeverities[rng() % 4]);
    a.labels.append("prometheus", "monitoring/k8s");
    a.labels.normalize();
    a.annotations.append("summary", "something is wrong");
    a.fingerprint = alertd::core::fingerprint(a.labels);
  }
  return out;
}

void set_per_alert(benchmark::State& state, int64_t alerts) {
  state.SetItemsProcessed(alerts);
  state.counters["per_alert"] = benchmark::Counter(
      static_cast<double>(alerts), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Copies of the templates, refreshed outside the timed region.
void refill(std::vector<Alert>& batch, const std::vector<Alert>& templates, size_t& next) {
  batch.clear();
  for (size_t i = 0; i < kBatch; ++i) {
    batch.push_back(templates[next]);
    if (++next == templates.size()) next = 0;
  }
}

void BM_RuleSetApply1000Rules(benchmark::State& state) {
  auto rules = thousand_rules();
  const auto templates = varied_alerts(1 << 16);
  std::vector<Alert> batch;
  size_t next = 0;
  int64_t kept = 0;
  for (auto _ : state) {
    state.PauseTiming();
    refill(batch, templates, next);
    state.ResumeTiming();
    for (auto& a : batch) kept += rules->apply(a) ? 1 : 0;
  }
  set_per_alert(state, state.iterations() * static_cast<int64_t>(kBatch));
  state.counters["kept"] = static_cast<double>(kept) / static_cast<double>(state.iterations());
  state.counters["candidates"] = static_cast<double>(rules->candidates(templates[0].labels));
}
BENCHMARK(BM_RuleSetApply1000Rules);

// What the index saves: every rule's matchers evaluated for every alert.
void BM_LinearMatch1000Rules(benchmark::State& state) {
  auto rules = thousand_rules();
  const auto templates = varied_alerts(1 << 16);
  size_t next = 0;
  int64_t matched = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < kBatch; ++i) {
      const auto& a = templates[next];
      if (++next == templates.size()) next = 0;
      for (const auto& spec : rules->specs()) {
        matched += alertd::core::matches_all(spec.match, a.labels) ? 1 : 0;
      }
    }
  }
  benchmark::DoNotOptimize(matched);
  set_per_alert(state, state.iterations() * static_cast<int64_t>(kBatch));
}
BENCHMARK(BM_LinearMatch1000Rules);

// One counting rule, 100k groups (hosts), two alerts per host in a fixed
// random cycle; warmed up to a steady state first; 1 ms of simulated time
// per alert, a tick every simulated second (ticks are timed too).
void run_counting(benchmark::State& state, const RuleSpec& spec, size_t groups,
                  const std::vector<std::string>& kinds) {
  auto compiled = RuleSet::compile({spec});
  auto rules = *compiled;
  std::mt19937_64 rng(11);
  // Every host appears (twice), in random order.
  std::vector<Alert> templates(2 * groups);
  for (size_t i = 0; i < templates.size(); ++i) {
    auto& a = templates[i];
    a.labels.append("alertname", kinds[rng() % kinds.size()]);
    a.labels.append("host", "host-" + std::to_string(i % groups));
    a.labels.append("instance", "i-" + std::to_string(rng() % 8));
    a.labels.normalize();
    a.fingerprint = alertd::core::fingerprint(a.labels);
    rules->apply(a);
  }
  std::shuffle(templates.begin(), templates.end(), rng);
  CountingStage stage(0, 1);
  std::vector<Alert> pass, batch;
  std::vector<AlertEvent> events;
  TimePoint now = kT0;
  TimePoint next_tick = now + 1s;
  stage.set_rules(rules, now, events);
  size_t next = 0;
  auto step = [&](Alert&& a) {
    stage.process(std::move(a), now, pass, events);
    now += 1ms;
    if (now >= next_tick) {
      stage.tick(now, events);
      next_tick += 1s;
    }
    if (pass.size() >= 1024) pass.clear();
    events.clear();
  };
  for (size_t i = 0; i < 2 * groups * 4; ++i) {  // warm-up: ~8 arrivals per group
    Alert a = templates[next];
    if (++next == templates.size()) next = 0;
    step(std::move(a));
  }
  for (auto _ : state) {
    state.PauseTiming();
    refill(batch, templates, next);
    state.ResumeTiming();
    for (auto& a : batch) step(std::move(a));
  }
  set_per_alert(state, state.iterations() * static_cast<int64_t>(kBatch));
  state.counters["groups"] = static_cast<double>(stage.groups());
  state.counters["held_total"] = static_cast<double>(stage.held_total());
  state.counters["released_total"] = static_cast<double>(stage.released_total());
}

// open:0 — counts never reached: every alert is counted and held (the
// costlier path). open:1 — groups reach their count during warm-up and stay
// open: alerts pass straight on. Each host sends two alerts every ~200 s.
void BM_CountingThreshold100kGroups(benchmark::State& state) {
  RuleSpec r;
  r.name = "errors";
  r.threshold = alertd::rules::Threshold{state.range(0) != 0 ? 3u : 100u, 10min};
  r.group_by = {"host"};
  run_counting(state, r, 100'000, {"Err", "Timeout"});
}
BENCHMARK(BM_CountingThreshold100kGroups)->ArgName("open")->Arg(0)->Arg(1);

// The two alerts of a host carry one random instance each: open:1 needs 2
// values (7 in 8 hosts reach it), open:0 needs 3 (none does).
void BM_CountingDistinct100kGroups(benchmark::State& state) {
  RuleSpec r;
  r.name = "spread";
  r.distinct = alertd::rules::Distinct{"instance", state.range(0) != 0 ? 2u : 3u, 10min};
  r.group_by = {"host"};
  run_counting(state, r, 100'000, {"DiskLatencyHigh"});
}
BENCHMARK(BM_CountingDistinct100kGroups)->ArgName("open")->Arg(0)->Arg(1);

// tick() with 100k heartbeat groups, each beating every 100 s (1,000 beats
// per simulated second), absent_for 5m: per tick (1 s) ~1,000 lower-bound
// items come due and re-queue. Only tick() is timed.
void BM_CountingTick100kGroups(benchmark::State& state) {
  constexpr size_t kGroups = 100'000;
  RuleSpec r;
  r.name = "heartbeat";
  r.absent_for = 5min;
  r.group_by = {"host"};
  auto rules = *RuleSet::compile({r});
  std::vector<Alert> beats(kGroups);
  for (size_t i = 0; i < kGroups; ++i) {
    beats[i].labels.append("host", "host-" + std::to_string(i));
    beats[i].fingerprint = alertd::core::fingerprint(beats[i].labels);
    rules->apply(beats[i]);
  }
  CountingStage stage(0, 1);
  std::vector<Alert> pass;
  std::vector<AlertEvent> events;
  TimePoint now = kT0;
  stage.set_rules(rules, now, events);
  size_t next = 0;
  auto beat_one_second = [&] {
    for (size_t i = 0; i < 1000; ++i) {
      Alert a = beats[next];
      if (++next == kGroups) next = 0;
      stage.process(std::move(a), now, pass, events);
      now += 1ms;
    }
  };
  for (size_t s = 0; s < 400; ++s) {  // warm-up beyond absent_for: steady state
    beat_one_second();
    stage.tick(now, events);
  }
  int64_t examined = 0;
  for (auto _ : state) {
    state.PauseTiming();
    beat_one_second();
    state.ResumeTiming();
    stage.tick(now, events);
    examined += static_cast<int64_t>(stage.last_tick_examined());
  }
  state.counters["groups"] = static_cast<double>(stage.groups());
  state.counters["examined_per_tick"] =
      static_cast<double>(examined) / static_cast<double>(state.iterations());
  state.counters["fired"] = static_cast<double>(stage.absent_fired_total());
}
BENCHMARK(BM_CountingTick100kGroups);

}  // namespace
