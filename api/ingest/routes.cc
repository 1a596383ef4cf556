// alertd's own ingest endpoints: the Alertmanager API v2 that Prometheus
// posts to, and generic events. Decode on the receiving thread, hand the
// alerts to the pipeline in one all-or-nothing offer (journaled before the
// answer), and answer once the offer is decided. The other sources have a
// routes file each beside this one; add_ingest_routes() adds them all.

#include "api/ingest/routes.h"

#include <boost/beast/http.hpp>
#include <memory>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/ingest/submit.h"
#include "api/responses.h"
#include "api/router.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

enum class Format { alertmanager_v2, generic_json, generic_ndjson };

bool is_ndjson(const Request& request) {
  auto type = request[bhttp::field::content_type];
  return type.starts_with("application/x-ndjson") || type.starts_with("application/ndjson") ||
         type.starts_with("application/jsonl");
}

// The name `auth.ingest[].source` gives each endpoint (kIngestEndpointSources).
std::string_view auth_source(Format format) {
  return format == Format::alertmanager_v2 ? "alertmanager" : "generic";
}

// The `source` of its refusals (telemetry::kRejectSources).
std::string_view metric_source(Format format) {
  return format == Format::alertmanager_v2 ? "prometheus" : "generic";
}

// What the sender hears once the pipeline took the batch (or refused it).
struct IngestOutcome {
  Format format;
  size_t alerts = 0;
  std::optional<ingest::DecodeError> error;  // NDJSON: the lines before it were taken
};

Response answer(ApiContext& ctx, const IngestOutcome& outcome, Engine::Offer offer) {
  const auto source = metric_source(outcome.format);
  if (offer != Engine::Offer::accepted) return refusal(ctx, offer, outcome.alerts, source);
  if (outcome.error) {
    const auto& e = *outcome.error;
    ctx.metrics.rejected(e.reason, source).inc();
    return error_response(status_for(e.reason), e.reason, e.message,
                          {.index = e.index, .accepted = outcome.alerts});
  }
  // As Alertmanager answers.
  if (outcome.format == Format::alertmanager_v2) return json_response(200, "");
  return json_response(200, "{\"accepted\":" + std::to_string(outcome.alerts) + "}");
}

ingest::DecodeResult decode(ApiContext& ctx, const config::Settings& settings, Request& request,
                            Format format, const IngestCaller& caller,
                            std::vector<core::Alert>& alerts) {
  const auto dc = decode_context(ctx, settings, caller.tenant);
  auto& decoder = thread_decoder(settings);
  switch (format) {
    case Format::alertmanager_v2: return decoder.alertmanager_v2(request.body(), dc, alerts);
    case Format::generic_json: return decoder.generic_json(request.body(), dc, alerts);
    case Format::generic_ndjson: return decoder.generic_ndjson(request.body(), dc, alerts);
  }
  return {};
}

// Answers once the journal's group commit covers the batch; the io thread
// goes on meanwhile.
void ingest(ApiContext& ctx, Request& request, Format format, Responder responder) {
  auto caller = authorize_ingest(ctx, request, auth_source(format));
  if (auto* refused = std::get_if<Response>(&caller)) return responder.send(std::move(*refused));
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return responder.send(not_ready_response());
  if (auto refused = refuse_media_type(ctx, request, metric_source(format))) {
    return responder.send(std::move(*refused));
  }

  thread_local std::vector<core::Alert> alerts;
  alerts.clear();
  const auto settings = pipeline->settings();
  auto result = decode(ctx, *settings, request, format, std::get<IngestCaller>(caller), alerts);
  refuse_unstorable(*settings, format == Format::alertmanager_v2 ? "alert" : "event", alerts,
                    result);
  // JSON documents are all or nothing; NDJSON keeps the lines before the bad one.
  if (result.error && format != Format::generic_ndjson) alerts.clear();

  auto outcome = std::make_shared<IngestOutcome>(
      IngestOutcome{format, alerts.size(), std::move(result.error)});
  offer_batch(ctx, *pipeline, alerts, [&ctx, outcome, responder](Engine::Offer offer) {
    responder.send(answer(ctx, *outcome, offer));
  });
}

}  // namespace

// Senders label JSON loosely (SNS sends text/plain), so anything JSON-like or
// unlabelled is decoded; a body declared as something else is refused.
std::optional<Response> refuse_media_type(ApiContext& ctx, const Request& request,
                                          std::string_view source) {
  auto type = request[bhttp::field::content_type];
  if (type.empty()) return std::nullopt;
  for (std::string_view ok : {"application/json", "application/x-ndjson", "application/ndjson",
                              "application/jsonl", "text/plain", "*/*"}) {
    if (type.starts_with(ok)) return std::nullopt;
  }
  ctx.metrics.rejected("unsupported_media_type", source).inc();
  return error_response(415, "unsupported_media_type",
                        "Content-Type \"" + std::string(type) +
                            "\" is not accepted; send application/json "
                            "(or application/x-ndjson on /api/v1/events)");
}

Response not_ready_response() {
  return error_response(503, "not_ready",
                        "alertd is starting: opening the store or replaying the journal",
                        {.retry_after_seconds = 1});
}

void add_ingest_routes(Router& router, ApiContext& ctx) {
  router.add_async(bhttp::verb::post, "/api/v2/alerts",
                   [&ctx](RouteContext& rc, Responder responder) {
                     ingest(ctx, rc.request, Format::alertmanager_v2, std::move(responder));
                   });
  router.add_async(bhttp::verb::post, "/api/v1/events",
                   [&ctx](RouteContext& rc, Responder responder) {
                     ingest(ctx, rc.request,
                            is_ndjson(rc.request) ? Format::generic_ndjson : Format::generic_json,
                            std::move(responder));
                   });
  add_webhook_routes(router, ctx);
  add_pagerduty_routes(router, ctx);
  add_hec_routes(router, ctx);
  add_aws_routes(router, ctx);
}

}  // namespace alertd::api
