// Fuzz target: the decoders of other vendors' formats (the DOM decoders of
// builder.h): Alertmanager and Grafana webhooks, the Splunk alert webhook,
// Splunk HEC events and raw lines, PagerDuty Events v2, CloudTrail, SNS
// envelopes and the AWS messages they carry, and gzip inflation, on the same bytes, with the
// default limits and tight ones.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ingest/formats/decoder.h"
#include "ingest/formats/gzip.h"
#include "tests/fuzz/fuzz_check.h"

using namespace alertd;

namespace {

template <typename Decode>
void run(const uint8_t* data, size_t size, const ingest::Limits& limits,
         const ingest::DecodeContext& ctx, Decode&& decode) {
  std::string body(reinterpret_cast<const char*>(data), size);
  std::vector<core::Alert> out;
  auto result = decode(body, out);
  fuzz::check_decoded(result, out, limits, ctx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ingest::Decoder defaults;
  static ingest::Decoder tight(fuzz::tight_limits());
  const auto ctx = fuzz::fixed_context();
  ingest::HecContext hec;
  hec.max_events = 50;
  for (ingest::Decoder* d : {&defaults, &tight}) {
    const auto& limits = d->limits();
    for (auto flavor : {ingest::WebhookFlavor::alertmanager, ingest::WebhookFlavor::grafana}) {
      run(data, size, limits, ctx,
          [&](std::string& b, auto& out) { return d->webhook(b, ctx, flavor, out); });
    }
    run(data, size, limits, ctx,
        [&](std::string& b, auto& out) { return d->splunk_alert(b, ctx, out); });
    run(data, size, limits, ctx, [&](std::string& b, auto& out) {
      auto r = d->hec_events(b, ctx, hec, out);
      if (r.error) fuzz::check(r.error->index >= r.accepted, "HEC error index >= accepted");
      return r;
    });
    run(data, size, limits, ctx,
        [&](std::string& b, auto& out) { return d->hec_raw(b, ctx, hec, out); });
    run(data, size, limits, ctx, [&](std::string& b, auto& out) {
      ingest::PagerDutyEvent event;
      auto r = d->pagerduty(b, ctx, event, out);
      fuzz::check(r.ok() == event.errors.empty(), "PagerDuty errors listed exactly when refused");
      return r;
    });
    run(data, size, limits, ctx, [&](std::string& b, auto& out) {
      ingest::AwsDropped dropped;
      return d->cloudtrail(b, ctx, ingest::AwsContext{}, dropped, out);
    });
    run(data, size, limits, ctx, [&](std::string& b, auto& out) {
      ingest::AwsDropped dropped;
      return d->aws_message(b, ctx, ingest::AwsContext{}, dropped, out);
    });
    std::string body(reinterpret_cast<const char*>(data), size);
    bool is_envelope = false;
    ingest::SnsEnvelope envelope;
    ingest::DecodeError err;
    if (!d->sns_envelope(body, is_envelope, envelope, err)) {
      fuzz::check(!err.message.empty(), "a refused envelope has a message");
    }
  }
  std::string inflated;
  ingest::DecodeError err;
  if (ingest::gunzip(std::string_view(reinterpret_cast<const char*>(data), size), 1 << 20, inflated,
                     err)) {
    fuzz::check(inflated.size() <= (1 << 20), "gunzip within its limit");
  }
  return 0;
}
