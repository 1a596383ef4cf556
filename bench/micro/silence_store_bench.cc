// SQLite store, silences and timelines at their limits: what the
// limits.max_silences check costs (an index count of the unended silences,
// against reading them all with load_silences), a page of
// GET /api/v1/silences?state=active when a tenant has far more ended
// silences than unended ones, and a page of a long timeline against reading
// all of it.
//
//   ninja -C <release build dir> alertd_micro_bench
//   <dir>/bench/alertd_micro_bench --benchmark_filter='Silence|Timeline'
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sinks/store/sqlite/sqlite_store.h"

namespace alertd::sinks {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr int64_t kHour = 3'600'000;
constexpr int kUnended = 10'000;  // limits.max_silences' default
constexpr int kEnded = 50'000;    // ended silences are kept for ever
constexpr int kTimelineEntries = 100'000;

class TempDb {
 public:
  TempDb() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "alertd-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  ~TempDb() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string path() const { return (dir_ / "bench.db").string(); }

 private:
  std::filesystem::path dir_;
};

core::TimePoint at_ms(int64_t ms) {
  return core::from_unix_millis(ms);
}

core::Silence silence(int n, bool ended) {
  core::Silence s;
  s.tenant = "default";
  s.matchers = {"service=\"svc-" + std::to_string(n) + "\"", "env=\"prod\""};
  s.starts_at = at_ms(ended ? kT0 - 2 * kHour : kT0 - kHour);
  s.ends_at = at_ms(ended ? kT0 - kHour : kT0 + kHour);
  s.created_by = "bench";
  s.comment = "maintenance window " + std::to_string(n);
  s.created_at = s.starts_at;
  return s;
}

/// One database for every benchmark here, built once: kEnded ended silences
/// with kUnended unended ones spread among them, and one incident with
/// kTimelineEntries audit entries.
struct Fixture {
  TempDb db;
  std::unique_ptr<Store> store;
  std::string error;

  Fixture() {
    auto opened = open_sqlite_store(SqliteOptions{db.path()});
    if (!opened.ok()) {
      error = opened.error().message;
      return;
    }
    store = std::move(*opened);
    const int every = (kEnded + kUnended) / kUnended;
    for (int n = 0; n < kEnded + kUnended && error.empty(); ++n) {
      auto made = store->create_silence(silence(n, n % every != 0));
      if (!made.ok()) error = made.error().message;
    }
    std::vector<core::IncidentUpdate> batch(1);
    batch[0].incident.seq = 1;
    batch[0].incident.id = core::incident_id(1);
    batch[0].incident.tenant = "default";
    batch[0].incident.title = "a long incident";
    batch[0].incident.service = "api";
    batch[0].incident.group_key = "{service=\"api\"}";
    batch[0].incident.rule = "by-service";
    batch[0].incident.opened_at = at_ms(kT0);
    batch[0].incident.updated_at = at_ms(kT0);
    batch[0].incident.last_alert_at = at_ms(kT0);
    for (int i = 0; i < kTimelineEntries && error.empty(); ++i) {
      core::AuditEntry e;
      e.incident_id = "INC-1";
      e.at = at_ms(kT0 + i);
      e.action = "comment";
      e.detail = R"({"text":"note )" + std::to_string(i) + "\"}";
      batch[0].audit.push_back(std::move(e));
      if (batch[0].audit.size() == 1000) {
        if (auto st = store->apply(batch); !st.ok()) error = st.error().message;
        batch[0].audit.clear();
      }
    }
  }
};

Fixture& fixture(benchmark::State& state) {
  static Fixture f;
  if (!f.error.empty()) state.SkipWithError(f.error.c_str());
  return f;
}

void BM_SilenceCountUnended(benchmark::State& state) {
  auto& f = fixture(state);
  if (!f.store) return;
  for (auto _ : state) {
    auto n = f.store->count_unended_silences(at_ms(kT0));
    if (!n.ok() || *n != kUnended) state.SkipWithError("wrong count");
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_SilenceCountUnended)->Unit(benchmark::kMicrosecond);

// What the limit check would cost if it read the silences instead.
void BM_SilenceLoadUnended(benchmark::State& state) {
  auto& f = fixture(state);
  if (!f.store) return;
  for (auto _ : state) {
    auto all = f.store->load_silences(at_ms(kT0));
    if (!all.ok() || all->size() != static_cast<size_t>(kUnended)) state.SkipWithError("wrong");
    benchmark::DoNotOptimize(all);
  }
}
BENCHMARK(BM_SilenceLoadUnended)->Unit(benchmark::kMicrosecond);

void BM_SilenceListPage(benchmark::State& state) {
  auto& f = fixture(state);
  if (!f.store) return;
  SilenceFilter filter{.tenant = "default", .now = at_ms(kT0), .limit = 100};
  if (state.range(0) == 1) filter.state = core::SilenceState::active;
  if (state.range(0) == 2) filter.state = core::SilenceState::expired;
  for (auto _ : state) {
    auto page = f.store->list_silences(filter);
    if (!page.ok() || page->silences.size() != 100) state.SkipWithError("short page");
    benchmark::DoNotOptimize(page);
  }
}
// 0: every state, 1: ?state=active, 2: ?state=expired.
BENCHMARK(BM_SilenceListPage)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

void BM_TimelinePage(benchmark::State& state) {
  auto& f = fixture(state);
  if (!f.store) return;
  const TimelineQuery query{.after_seq = std::nullopt,
                            .limit = static_cast<size_t>(state.range(0))};
  for (auto _ : state) {
    auto page = f.store->timeline("INC-1", query);
    if (!page.ok() || page->entries.size() != query.limit) state.SkipWithError("short page");
    benchmark::DoNotOptimize(page);
  }
}
// A default API page, and the report's cap (kMaxTimelineRead).
BENCHMARK(BM_TimelinePage)->Arg(100)->Arg(10'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace alertd::sinks
