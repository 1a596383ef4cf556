#pragma once
// What every ingest endpoint shares (HTTP here; the TCP source goes through
// Engine::offer the same way): the thread's decoder, the decode context, the
// storability check, the per-source counters and the refusals of an offer.
// Each source's routes decode, then call offer_batch() and answer in the
// sender's own dialect (Alertmanager, HEC, PagerDuty...) once it is decided.

#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api_context.h"
#include "api/server.h"
#include "config/settings.h"
#include "core/alert.h"
#include "ingest/formats/decoder.h"

namespace alertd::api {

/// The decoder of this io thread, made again when a reload brings new limits.
ingest::Decoder& thread_decoder(const config::Settings& settings);

/// Receipt time, mono time, resolve timeout and tenant for one request.
ingest::DecodeContext decode_context(ApiContext& ctx, const config::Settings& settings,
                                     std::string_view tenant);

/// An alert the store could not index is refused before it is answered 2xx:
/// `alerts` is cut at the first such alert, and `result` reports it as a
/// decoder error at its index (`noun` names the item: "alert", "event").
void refuse_unstorable(const config::Settings& settings, std::string_view noun,
                       std::vector<core::Alert>& alerts, ingest::DecodeResult& result);

/// Alerts per metric source, counted before the alerts move into the queues.
using SourceRuns = std::vector<std::pair<std::string_view, size_t>>;
SourceRuns source_runs(const std::vector<core::Alert>& alerts);

/// HTTP status of a decoder reason: 413 for body_too_large, else 400.
unsigned status_for(std::string_view reason);

/// Counts a refused offer in alertd_alerts_rejected_total{reason, source}
/// (`source`: one of telemetry::kRejectSources) and returns the status,
/// reason and Retry-After seconds (0: do not retry as is).
struct OfferRefusal {
  unsigned status;
  std::string_view reason;
  std::string message;
  int retry_after_seconds;
};
OfferRefusal refusal_of(ApiContext& ctx, Engine::Offer offer, size_t alerts,
                        std::string_view source);

/// refusal_of() as alertd's own JSON error.
Response refusal(ApiContext& ctx, Engine::Offer offer, size_t alerts, std::string_view source);

/// Hands `alerts` to the pipeline (moved out), counts them in
/// alertd_alerts_received_total{source} when it takes them, then calls
/// `done` with the outcome (on the journal's thread: only hand the answer on).
void offer_batch(ApiContext& ctx, Engine& pipeline, std::vector<core::Alert>& alerts,
                 std::function<void(Engine::Offer)> done);

/// The whole path of an endpoint whose body is one JSON document, all or
/// nothing, answered in alertd's own JSON ({"accepted": N} or an error):
/// ingest auth for `auth_source`, readiness, media type, `decode`, the
/// storability check, the offer. Refusals count under `metric_source`.
using DocumentDecoder = std::function<ingest::DecodeResult(
    ingest::Decoder&, Request&, const ingest::DecodeContext&, std::vector<core::Alert>&)>;
struct DocumentEndpoint {
  std::string_view auth_source;    // config::kIngestEndpointSources
  std::string_view metric_source;  // telemetry::kRejectSources
  std::string_view noun;           // the item in messages: "alert", "event"
  DocumentDecoder decode;
};
void ingest_document(ApiContext& ctx, Request& request, const DocumentEndpoint& endpoint,
                     Responder responder);

}  // namespace alertd::api
