// Decoder and fingerprint micro benchmarks. items/s = alerts/s.
//   ./alertd_micro_bench --benchmark_filter='Decode|Fingerprint'

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/fingerprint.h"
#include "core/labels.h"
#include "core/time.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {
namespace {

DecodeContext bench_context() {
  DecodeContext ctx;
  ctx.now = core::parse_rfc3339("2026-01-01T00:05:00Z").value_or(core::kNoTime);
  return ctx;
}

// One alert as Prometheus' notifier writes it: six labels, two annotations,
// nanosecond startsAt, a lease endsAt and a generator URL (~480 bytes).
std::string prometheus_alert(size_t i) {
  const std::string n = std::to_string(i);
  return R"({"labels":{"alertname":"HighRequestLatency","env":"prod","instance":"api-)" + n +
         R"(.prod.example.net:9100","job":"api-server","severity":"warning","team":"checkout"},)"
         R"("annotations":{"summary":"p99 latency above 500ms on api-)" +
         n +
         R"(","description":"The 99th percentile request latency has been above 500ms for 10 minutes."},)"
         R"("startsAt":"2026-01-01T00:01:00.123456789Z","endsAt":"2026-01-01T00:09:00Z",)"
         R"("generatorURL":"http://prometheus.example.net:9090/graph?g0.expr=histogram_quantile%280.99%29&g0.tab=1"})";
}

std::string alertmanager_body(size_t n) {
  std::string body = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) body += ',';
    body += prometheus_alert(i);
  }
  body += ']';
  return body;
}

std::string ndjson_body(size_t n) {
  std::string body;
  for (size_t i = 0; i < n; ++i) {
    const std::string s = std::to_string(i);
    body += R"({"labels":{"alertname":"DiskFull","env":"prod","instance":"db-)" + s +
            R"(:9100","job":"node","mountpoint":"/var","severity":"critical"},)"
            R"("annotations":{"summary":"Disk almost full"},"status":")" +
            (i % 4 == 0 ? "resolved" : "firing") +
            R"(","timestamp":1767225600.5,"source":"generic"})"
            "\n";
  }
  return body;
}

// Decodes `body` (n alerts) with one Decoder method per iteration.
using DecodeFn = DecodeResult (Decoder::*)(std::string&, const DecodeContext&,
                                           std::vector<core::Alert>&);
void run_decode(benchmark::State& state, std::string body, size_t n, DecodeFn decode) {
  Decoder decoder;
  const auto ctx = bench_context();
  std::vector<core::Alert> out;
  out.reserve(n);
  for (auto _ : state) {
    out.clear();
    auto result = (decoder.*decode)(body, ctx, out);
    if (!result.ok()) state.SkipWithError(result.error->message.c_str());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_DecodeAlertmanagerV2(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  run_decode(state, alertmanager_body(n), n, &Decoder::alertmanager_v2);
}
BENCHMARK(BM_DecodeAlertmanagerV2)->Arg(100)->Arg(256);

void BM_DecodeGenericNdjson(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  run_decode(state, ndjson_body(n), n, &Decoder::generic_ndjson);
}
BENCHMARK(BM_DecodeGenericNdjson)->Arg(1000);

void BM_Fingerprint6Labels(benchmark::State& state) {
  const core::LabelSet labels{{"alertname", "HighRequestLatency"},
                              {"env", "prod"},
                              {"instance", "api-17.prod.example.net:9100"},
                              {"job", "api-server"},
                              {"severity", "warning"},
                              {"team", "checkout"}};
  for (auto _ : state) {
    benchmark::DoNotOptimize(core::fingerprint(labels));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Fingerprint6Labels);

}  // namespace
}  // namespace alertd::ingest
