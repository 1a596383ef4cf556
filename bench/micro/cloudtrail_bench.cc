// CloudTrail log-file decode rate (docs/performance.md). items/s = records/s.
//   ./alertd_micro_bench --benchmark_filter='CloudTrail'

#include <benchmark/benchmark.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "core/time.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {
namespace {

// A management-event record as CloudTrail writes it (~1.2 kB); every
// `error_every`-th one failed (errorCode), the others are counted and dropped.
std::string record(size_t i, bool error) {
  const std::string n = std::to_string(i);
  std::string r =
      R"({"eventVersion":"1.09","eventTime":"2026-01-01T00:05:12Z","eventSource":"iam.amazonaws.com",)"
      R"("eventName":"DeleteRolePolicy","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.40",)"
      R"("userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.ubuntu.22",)"
      R"("userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:ci-)" +
      n + R"(","arn":"arn:aws:sts::111122223333:assumed-role/ci-deploy/ci-)" + n +
      R"(","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",)"
      R"("sessionContext":{"attributes":{"creationDate":"2026-01-01T00:00:00Z","mfaAuthenticated":"false"},)"
      R"("sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/ci-deploy",)"
      R"("accountId":"111122223333","userName":"ci-deploy"}}},)";
  if (error) {
    r +=
        R"("errorCode":"AccessDenied","errorMessage":"User is not authorized to perform: iam:DeleteRolePolicy",)";
  }
  r +=
      R"("requestParameters":{"roleName":"prod-app","policyName":"inline-s3"},"responseElements":null,)"
      R"("requestID":"3f1c9a2e-0b7d-4c55-9e11-)" +
      n + R"(","eventID":"c2d4e6f8-1a3b-4c5d-8e9f-)" + n +
      R"(","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,)"
      R"("recipientAccountId":"111122223333","eventCategory":"Management"})";
  return r;
}

std::string log_file(size_t n, size_t error_every) {
  std::string body = R"({"Records":[)";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) body += ',';
    body += record(i, i % error_every == 0);
  }
  return body + "]}";
}

std::string gzipped(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// args: records per file, one in `error_every` failed, gzip (0/1).
void BM_CloudTrailLogFile(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::string plain = log_file(n, static_cast<size_t>(state.range(1)));
  const std::string body = state.range(2) != 0 ? gzipped(plain) : plain;
  Decoder decoder;
  DecodeContext ctx;
  ctx.now = core::parse_rfc3339("2026-01-01T00:06:00Z").value_or(core::kNoTime);
  AwsContext aws;
  std::vector<core::Alert> out;
  std::string scratch;
  for (auto _ : state) {
    scratch = body;
    out.clear();
    AwsDropped dropped;
    auto result = decoder.cloudtrail(scratch, ctx, aws, dropped, out);
    if (!result.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * plain.size()));
}
BENCHMARK(BM_CloudTrailLogFile)
    ->Args({1000, 1, 0})
    ->Args({1000, 10, 0})
    ->Args({1000, 10, 1})
    ->ArgNames({"records", "error_every", "gzip"});

}  // namespace
}  // namespace alertd::ingest
