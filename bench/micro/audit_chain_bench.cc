// Audit trail hash chain: the cost the store adds per appended audit entry
// (canonical encoding + SHA-256 through libcrypto + hex), and per verified row.
//
//   ninja -C <release build dir> alertd_micro_bench
//   <dir>/bench/alertd_micro_bench --benchmark_filter=Audit
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "sinks/store/audit_anchor.h"
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

// The same with audit.key: HMAC-SHA256 through EVP_MAC (re-keyed per entry).
void BM_AuditHmacEntry(benchmark::State& state) {
  AuditHasher hasher("0123456789abcdef0123456789abcdef");
  const core::AuditEntry entry = typical_entry();
  std::string prev(kAuditGenesisHash);
  int64_t seq = 1;
  for (auto _ : state) {
    auto hash = hasher.hash(prev, seq++, entry);
    if (!hash.ok()) {
      state.SkipWithError(hash.error().message.c_str());
      return;
    }
    prev = std::move(*hash);
    benchmark::DoNotOptimize(prev);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditHmacEntry);

// One anchor write alone (temp file, fsync, rename, fsync of the folder),
// with its mac: what each store batch that appended entries adds.
void BM_AuditAnchorWrite(benchmark::State& state) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "alertd-anchor-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return state.SkipWithError("mkdtemp failed");
  const std::string path = tmpl + "/audit.anchor";
  AuditChainHead head{1, "hmac-sha256:" + std::string(64, 'a')};
  for (auto _ : state) {
    ++head.seq;
    if (auto st = write_anchor_file(path, head, state.range(0) == 1 ? "0123456789abcdef" : "");
        !st.ok()) {
      state.SkipWithError(st.error().message.c_str());
      break;
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditAnchorWrite)->Arg(0)->Arg(1)->ArgName("keyed")->UseRealTime();

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
