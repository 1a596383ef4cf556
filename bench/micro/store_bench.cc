// SQLite incident store: apply() throughput, and the cost of the
// recurrence check that follows a commit (BM_StoreLinkRecurring). Each batch holds 1,000
// IncidentUpdates of one incident, one member and one audit entry each, so
// one batch writes 3,000 rows in one transaction. "rows/s" counts those rows.
//
//   ninja -C <release build dir> alertd_micro_bench
//   <dir>/bench/alertd_micro_bench --benchmark_filter=StoreApply
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/fingerprint.h"
#include "correlator/problems/recurrence.h"
#include "sinks/store/sqlite/sqlite_store.h"

namespace alertd::sinks {
namespace {

constexpr int64_t kBatchSize = 1000;
constexpr int64_t kRowsPerUpdate = 3;

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

/// The store on `db`, or nullptr after marking the benchmark failed.
std::unique_ptr<Store> open_or_skip(benchmark::State& state, const TempDb& db) {
  auto store = open_sqlite_store(SqliteOptions{db.path()});
  if (!store.ok()) {
    state.SkipWithError(store.error().message.c_str());
    return nullptr;
  }
  return std::move(*store);
}

/// Whether `status` is ok; marks the benchmark failed when not.
bool ok_or_skip(benchmark::State& state, const core::Status& status) {
  if (!status.ok()) state.SkipWithError(status.error().message.c_str());
  return status.ok();
}

core::IncidentUpdate make_update(int64_t seq, int64_t round) {
  core::IncidentUpdate u;
  core::Incident& inc = u.incident;
  inc.seq = seq;
  inc.id = core::incident_id(seq);
  inc.title = "HighLatency on api-" + std::to_string(seq % 50);
  inc.service = "api-" + std::to_string(seq % 50);
  inc.group_key = "{service=\"" + inc.service + "\"}";
  inc.rule = "by-service";
  inc.opened_at = core::from_unix_millis(1'767'225'600'000 + seq);
  inc.updated_at = core::from_unix_millis(1'767'225'600'000 + seq + round);
  inc.last_alert_at = inc.updated_at;
  inc.alert_count = 1;
  inc.firing_count = 1;

  core::Member m;
  m.labels = core::LabelSet{{"alertname", "HighLatency"},
                            {"instance", "10.0.0." + std::to_string(seq % 250) + ":9100"},
                            {"job", "node"},
                            {"service", inc.service},
                            {"severity", "warning"}};
  m.annotations = core::LabelSet{{"summary", "p99 latency above 500ms"}};
  m.fingerprint = core::fingerprint(m.labels);
  m.source = "prometheus";
  m.first_seen = inc.opened_at;
  m.last_seen = inc.updated_at;
  m.event_count = static_cast<uint64_t>(round + 1);
  u.members.push_back(std::move(m));

  core::AuditEntry e;
  e.incident_id = inc.id;
  e.at = inc.updated_at;
  e.action = round == 0 ? "create" : "member_refired";
  e.detail = R"({"member":")" + core::fingerprint_hex(u.members[0].fingerprint) + "\"}";
  u.audit.push_back(std::move(e));
  return u;
}

// range(0) == 0: every batch opens 1,000 new incidents (inserts).
// range(0) == 1: every batch updates the same 1,000 incidents (upserts that
// hit existing rows), as re-fires of a standing storm would.
void BM_StoreApply(benchmark::State& state) {
  const bool update_existing = state.range(0) == 1;
  TempDb db;
  auto store = open_or_skip(state, db);
  if (store == nullptr) return;
  std::vector<core::IncidentUpdate> batch;
  batch.reserve(kBatchSize);
  int64_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();  // building the batch is the correlator's cost, not the store's
    batch.clear();
    const int64_t base = update_existing ? 0 : round * kBatchSize;
    for (int64_t i = 1; i <= kBatchSize; ++i) batch.push_back(make_update(base + i, round));
    state.ResumeTiming();
    if (!ok_or_skip(state, store->apply(batch))) return;
    ++round;
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kBatchSize * kRowsPerUpdate),
                         benchmark::Counter::kIsRate);
  state.counters["updates/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBatchSize), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreApply)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("update_existing")
    ->UseRealTime()  // the store waits on I/O: rows/s is per wall-clock second
    ->Unit(benchmark::kMillisecond);

// The shape of a standing storm where every alert is new: many incidents
// exist, and each update of a 5,000-update batch touches one of them (picked
// pseudo-randomly) with one new member and one audit entry. Counters and
// times change; tenant, status, service and priority do not.
constexpr int64_t kStormIncidents = 100'000;
constexpr int64_t kStormBatch = 5'000;

core::IncidentUpdate make_storm_update(int64_t seq, uint32_t alert_count, int64_t member_no) {
  core::IncidentUpdate u = make_update(seq, 0);
  core::Incident& inc = u.incident;
  inc.tenant = "tenant-" + std::to_string(seq % 8);
  inc.alert_count = alert_count;
  inc.firing_count = alert_count;
  inc.updated_at = core::from_unix_millis(1'767'225'600'000 + kStormIncidents + member_no);
  inc.last_alert_at = inc.updated_at;
  core::Member& m = u.members[0];
  m.labels = core::LabelSet{{"alertname", "HighLatency"},
                            {"instance", "10.0." + std::to_string(member_no) + ":9100"},
                            {"job", "node"},
                            {"service", inc.service},
                            {"severity", "warning"}};
  m.fingerprint = core::fingerprint(m.labels);
  m.first_seen = inc.updated_at;
  m.last_seen = inc.updated_at;
  m.event_count = 1;
  u.audit[0].at = inc.updated_at;
  u.audit[0].action = alert_count == 1 ? "create" : "member_added";
  u.audit[0].detail = R"({"member":")" + core::fingerprint_hex(m.fingerprint) + "\"}";
  return u;
}

void BM_StoreApplyStorm(benchmark::State& state) {
  TempDb db;
  auto store = open_or_skip(state, db);
  if (store == nullptr) return;
  std::vector<uint32_t> alert_counts(kStormIncidents + 1, 0);
  std::vector<core::IncidentUpdate> batch;
  batch.reserve(kStormBatch);
  int64_t member_no = 0;
  for (int64_t seq = 1; seq <= kStormIncidents; ++seq) {  // untimed: the existing incidents
    batch.push_back(make_storm_update(seq, ++alert_counts[seq], ++member_no));
    if (batch.size() == kStormBatch || seq == kStormIncidents) {
      if (!ok_or_skip(state, store->apply(batch))) return;
      batch.clear();
    }
  }
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (int64_t i = 0; i < kStormBatch; ++i) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      const auto seq = static_cast<int64_t>((rng >> 33) % kStormIncidents) + 1;
      batch.push_back(make_storm_update(seq, ++alert_counts[seq], ++member_no));
    }
    state.ResumeTiming();
    if (!ok_or_skip(state, store->apply(batch))) return;
  }
  state.counters["updates/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kStormBatch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreApplyStorm)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(20);

// The audit anchor (audit.anchor_file, sinks/store/audit_anchor.h): written
// (temp file, fsync, rename, fsync of the folder) after every commit that
// appended entries, so once per batch. range(0): updates per batch (each
// with one audit entry); range(1) == 1: with the anchor, 0: without.
void BM_StoreApplyAnchored(benchmark::State& state) {
  const int64_t batch_size = state.range(0);
  TempDb db;
  SqliteOptions options{db.path()};
  if (state.range(1) == 1) {
    options.audit.anchor_file = std::filesystem::path(db.path()).replace_filename("audit.anchor");
  }
  auto opened = open_sqlite_store(options);
  if (!opened.ok()) return state.SkipWithError(opened.error().message.c_str());
  auto store = std::move(*opened);
  std::vector<core::IncidentUpdate> batch;
  int64_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (int64_t i = 1; i <= batch_size; ++i) batch.push_back(make_update(i, round));
    state.ResumeTiming();
    if (!ok_or_skip(state, store->apply(batch))) return;
    ++round;
  }
  state.counters["batches/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreApplyAnchored)
    ->ArgsProduct({{10, 1000}, {0, 1}})
    ->ArgNames({"batch", "anchor"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The recurrence check the store writer thread runs after each commit, for the
// incidents it opened (Store::link_recurring), timed alone: 1,000
// new incidents per batch. range(0) == 0: every incident has a group key of
// its own, so the check finds nothing (a storm of distinct failures);
// range(0) == 1: 50 keys recur, so after the first batch every incident is
// linked to its key's open problem (a link row and an audit entry each).
void BM_StoreLinkRecurring(benchmark::State& state) {
  const bool recurring = state.range(0) == 1;
  TempDb db;
  auto store = open_or_skip(state, db);
  if (store == nullptr) return;
  std::vector<core::IncidentUpdate> batch;
  std::vector<core::OpenedIncident> opened;
  int64_t round = 0;
  uint64_t linked = 0;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    opened.clear();
    for (int64_t i = 1; i <= kBatchSize; ++i) {
      auto u = make_update(round * kBatchSize + i, 0);
      if (!recurring) u.incident.group_key = "{service=\"" + u.incident.id + "\"}";
      const auto& inc = u.incident;
      opened.push_back({inc.seq, inc.id, inc.tenant, inc.group_key, inc.title, inc.opened_at});
      batch.push_back(std::move(u));
    }
    if (!ok_or_skip(state, store->apply(batch))) return;
    state.ResumeTiming();
    auto links = store->link_recurring(
        opened, core::ProblemPolicy{},
        correlator::recurrence_check(core::ProblemPolicy{}, batch[0].incident.opened_at));
    if (!links.ok()) {
      state.SkipWithError(links.error().message.c_str());
      return;
    }
    for (const auto& l : *links) linked += l.incidents.size();
    ++round;
  }
  state.counters["checks/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBatchSize), benchmark::Counter::kIsRate);
  state.counters["linked"] = static_cast<double>(linked);
}
BENCHMARK(BM_StoreLinkRecurring)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("recurring")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Retention: one purge_closed() batch of 500 closed incidents (one member
// each) out of a store of closed ones, as the store writer thread runs it between
// update batches. range(0) == 1 hands each batch to an archiver that
// serializes nothing (the store's side only: select with members, delete,
// audit); the daemon's archive adds its file write and fsync.
void BM_StorePurgeClosed(benchmark::State& state) {
  constexpr int64_t kPurgeBatch = 500;
  const bool archive = state.range(0) == 1;
  TempDb db;
  auto store = open_or_skip(state, db);
  if (store == nullptr) return;
  std::vector<core::IncidentUpdate> batch;
  int64_t next_seq = 1;
  Archiver archiver;
  if (archive) archiver = [](std::span<const IncidentDetail>) { return core::Status(); };
  for (auto _ : state) {
    state.PauseTiming();  // refill what the last batch purged
    batch.clear();
    for (int64_t i = 0; i < kPurgeBatch; ++i) {
      auto u = make_update(next_seq++, 0);
      u.incident.status = core::IncidentStatus::closed;
      u.incident.closed_at = u.incident.updated_at;
      batch.push_back(std::move(u));
    }
    if (!ok_or_skip(state, store->apply(batch))) return;
    state.ResumeTiming();
    auto purged = store->purge_closed(core::from_unix_millis(1'867'225'600'000), kPurgeBatch,
                                      core::from_unix_millis(1'867'225'600'000), archiver);
    if (!purged.ok() || *purged != static_cast<size_t>(kPurgeBatch)) {
      state.SkipWithError(purged.ok() ? "purged fewer than a batch"
                                      : purged.error().message.c_str());
      return;
    }
  }
  state.counters["incidents/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kPurgeBatch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StorePurgeClosed)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("archive")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace alertd::sinks
