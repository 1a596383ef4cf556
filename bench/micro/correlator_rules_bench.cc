// Micro benchmarks of the correlator with its rule features on: 100,000
// active groups, 10 inhibit rules, 100 silences, a 200-service topology and
// flap damping. Run:
//   alertd_micro_bench --benchmark_filter='CorrelatorRules'

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/fingerprint.h"
#include "core/incident.h"
#include "core/silence.h"
#include "correlator/correlator.h"

namespace {

using namespace std::chrono_literals;
using alertd::core::Alert;
using alertd::core::AlertChange;
using alertd::core::AlertEvent;
using alertd::core::IncidentUpdate;
using alertd::core::LabelSet;
using alertd::core::TimePoint;
namespace corr = alertd::correlator;

const TimePoint kT0 = alertd::core::from_unix_millis(1'767'225'600'000);
constexpr size_t kGroups = 100'000;
constexpr size_t kServices = 200;

corr::CorrelatorConfig rules_config() {
  corr::CorrelatorConfig cfg;
  cfg.group_by = {"group"};
  cfg.group_window = 24h;  // every group stays joinable for the whole run
  // 100 chains of two services: svc-<2k> depends on svc-<2k+1>.
  for (size_t i = 0; i < kServices; i += 2) {
    cfg.topology.services["svc-" + std::to_string(i)] = {"svc-" + std::to_string(i + 1)};
  }
  for (int r = 0; r < 10; ++r) {
    corr::InhibitRule rule;
    rule.name = "rule-" + std::to_string(r);
    rule.source = {*alertd::core::Matcher::parse("alertname=\"Source" + std::to_string(r) + "\"")};
    rule.target = {*alertd::core::Matcher::parse(R"(severity=~"warning|info")")};
    rule.equal = {"group"};
    cfg.inhibit.push_back(std::move(rule));
  }
  return cfg;
}

std::vector<alertd::core::Silence> silences() {
  std::vector<alertd::core::Silence> out;
  for (int i = 0; i < 100; ++i) {
    alertd::core::Silence s;
    s.id = "SIL-" + std::to_string(i);
    // Most silences have an exact matcher (indexed); every tenth is a regex.
    s.matchers = {i % 10 == 0 ? "alertname=~\"Muted" + std::to_string(i) + ".*\""
                              : "alertname=\"Muted" + std::to_string(i) + "\""};
    s.starts_at = kT0 - 1h;
    s.ends_at = kT0 + 1000h;
    out.push_back(std::move(s));
  }
  return out;
}

LabelSet labels(size_t group, const std::string& name, const char* severity) {
  // Services outside the topology (svc-200+) for most groups, so groups do
  // not merge while the state is built; every 20th uses a topology service.
  size_t service = group % 20 == 0 ? group % kServices : kServices + group % 1000;
  return LabelSet{{"alertname", name},
                  {"group", "g" + std::to_string(group)},
                  {"instance", "host-" + std::to_string(group % 5000)},
                  {"service", "svc-" + std::to_string(service)},
                  {"severity", severity}};
}

AlertEvent event(AlertChange change, LabelSet l, TimePoint at) {
  Alert a;
  a.labels = std::move(l);
  a.fingerprint = alertd::core::fingerprint(a.labels);
  a.source = "prometheus";
  if (change == AlertChange::resolved) a.status = alertd::core::AlertStatus::resolved;
  return AlertEvent{change, std::move(a), at};
}

// 100k groups, each with one firing base alert; built once per process
// (with the rules, or plainly for comparison).
corr::Correlator& loaded(bool with_rules) {
  auto build = [](bool rules) {
    corr::CorrelatorConfig cfg = rules ? rules_config() : corr::CorrelatorConfig{};
    if (!rules) {
      cfg.group_by = {"group"};
      cfg.group_window = 24h;
    }
    auto out = std::make_unique<corr::Correlator>(cfg);
    std::vector<IncidentUpdate> updates;
    if (rules) out->set_silences(silences(), kT0, updates);
    for (size_t g = 0; g < kGroups; ++g) {
      out->apply(event(AlertChange::firing, labels(g, "Base", "warning"), kT0), updates);
      if (updates.size() > 4096) updates.clear();
    }
    return out;
  };
  static std::unique_ptr<corr::Correlator> plain;
  static std::unique_ptr<corr::Correlator> rules;
  auto& slot = with_rules ? rules : plain;
  if (!slot) slot = build(with_rules);
  return *slot;
}

// Events on random existing groups: members that fire, resolve and fire
// again (a quarter are inhibitor sources, a quarter silenced), as a busy
// production stream would send them after dedup.
std::vector<AlertEvent> rule_events(size_t n) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<size_t> pick(0, kGroups - 1);
  std::vector<AlertEvent> out;
  out.reserve(n);
  TimePoint now = kT0 + 1s;
  for (size_t i = 0; i < n; ++i) {
    size_t g = pick(rng);
    std::string name = (i % 4 == 0)   ? "Source" + std::to_string(g % 10)
                       : (i % 4 == 1) ? "Muted" + std::to_string(g % 100)
                                      : "Extra";
    AlertChange change = (i / 4) % 2 == 0 ? AlertChange::firing : AlertChange::resolved;
    out.push_back(event(change, labels(g, name, "critical"), now));
    now += 10us;
  }
  return out;
}

// Arg 1: 10 inhibit rules, 100 silences, 200-service topology, flap damping
// (defaults); arg 0: the same stream with a plain grouping config.
void BM_CorrelatorRulesApply(benchmark::State& state) {
  bool with_rules = state.range(0) != 0;
  corr::Correlator& c = loaded(with_rules);
  static const std::vector<AlertEvent> events = rule_events(1 << 16);
  std::vector<AlertEvent> batch;
  std::vector<IncidentUpdate> out;
  static TimePoint shift{};  // across calls too: event times keep moving forward
  for (auto _ : state) {
    state.PauseTiming();
    batch = events;
    for (auto& e : batch) e.at += shift.time_since_epoch();
    shift += 1s;
    out.clear();
    state.ResumeTiming();
    for (auto& e : batch) {
      c.apply(std::move(e), out);
      if (out.size() >= 1024) out.clear();
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(events.size()));
  state.counters["active_incidents"] = static_cast<double>(c.active_incidents());
  state.counters["active_members"] = static_cast<double>(c.active_members());
}
BENCHMARK(BM_CorrelatorRulesApply)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// tick() with nothing due, 100k groups: what the correlator thread pays per tick.
void BM_CorrelatorRulesTickIdle(benchmark::State& state) {
  corr::Correlator& c = loaded(true);
  std::vector<IncidentUpdate> out;
  TimePoint now = kT0 + 9h;
  for (auto _ : state) {
    c.tick(now, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CorrelatorRulesTickIdle);

// A silence that starts: the tick that finds its members among 100k groups.
void BM_CorrelatorRulesTickSilenceStart(benchmark::State& state) {
  corr::Correlator& c = loaded(true);
  std::vector<IncidentUpdate> out;
  // Static: google-benchmark calls this more than once, and the
  // correlator's time must never run backwards between calls.
  static TimePoint now = kT0 + 10h;
  size_t muted = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto set = silences();
    alertd::core::Silence s;
    s.id = "SIL-new";
    s.matchers = {R"(group=~"g1.*7")"};
    s.starts_at = now + 1s;
    s.ends_at = now + 2s;
    set.push_back(s);
    c.set_silences(std::move(set), now, out);
    out.clear();
    state.ResumeTiming();
    c.tick(now + 1s, out);  // starts: scans every firing member
    state.PauseTiming();
    muted += out.size();
    c.tick(now + 2s, out);  // ends: only its members
    out.clear();
    now += 3s;
    state.ResumeTiming();
  }
  state.counters["incidents_muted"] =
      static_cast<double>(muted) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_CorrelatorRulesTickSilenceStart)->Unit(benchmark::kMillisecond);

}  // namespace
