// Audit trail hash chain: the cost the store adds per appended audit entry
// (canonical encoding + SHA-256 through libcrypto + hex), and per verified row.
//
//   ninja -C <release build dir> alertd_micro_bench
//   <dir>/bench/alertd_micro_bench --benchmark_filter=Audit
#include <benchmark/benchmark.h>

#include <string>

#include "sinks/store/audit_chain.h"

namespace alertd::sinks {
namespace {

/// What the correlator writes most: a member joining an incident.
core::AuditEntry typical_entry() {
  core::AuditEntry e;
  e.incident_id = "INC-104857";
  e.at = core::from_unix_millis(1'767'225'600'123);
  e.actor = "alertd";
  e.action = "member_added";
  e.detail = R"({"fingerprint":"9c2f0e77a1b4d3c8","alertname":"HighLatency","status":"firing"})";
  return e;
}

void BM_AuditHashEntry(benchmark::State& state) {
  AuditHasher hasher;
  const core::AuditEntry entry = typical_entry();
  std::string prev(kAuditGenesisHash);
  int64_t seq = 1;
  for (auto _ : state) {
    auto hash = hasher.hash(prev, seq++, entry);
    if (!hash.ok()) {
      state.SkipWithError(hash.error().message.c_str());
      return;
    }
    prev = std::move(*hash);  // chained, as the store does
    benchmark::DoNotOptimize(prev);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditHashEntry);

// Verification streams rows through ChainVerifier: one hash and two compares each.
void BM_AuditVerifyRow(benchmark::State& state) {
  AuditHasher hasher;
  std::vector<core::AuditEntry> rows(1000, typical_entry());
  std::string prev(kAuditGenesisHash);
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].seq = static_cast<int64_t>(i) + 1;
    rows[i].prev_hash = prev;
    rows[i].hash = *hasher.hash(prev, rows[i].seq, rows[i]);
    prev = rows[i].hash;
  }
  for (auto _ : state) {
    ChainVerifier verifier;
    for (const auto& row : rows) (void)verifier.add(row);
    verifier.finish(AuditChainHead{rows.back().seq, rows.back().hash});
    if (!verifier.ok()) {
      state.SkipWithError("chain did not verify");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows.size()));
}
BENCHMARK(BM_AuditVerifyRow);

}  // namespace
}  // namespace alertd::sinks
