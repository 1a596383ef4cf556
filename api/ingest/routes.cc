// Ingest endpoints: decode on the receiving thread, hand the alerts to the
// pipeline in one all-or-nothing offer (journaled before the answer), and
// answer as the sender expects once the offer is decided.
// A source with ingest tokens (`auth.ingest`) needs one, and its alerts
// belong to that token's tenant; a source without is open (tenant default).

#include <boost/beast/http.hpp>
#include <memory>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/responses.h"
#include "api/router.h"
#include "config/settings.h"
#include "ingest/formats/decoder.h"
#include "ingest/formats/storable.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

enum class Format { alertmanager_v2, generic_json, generic_ndjson };

// Decoder errors answer 400, except a body over the limit.
unsigned status_for(std::string_view reason) {
  return reason == "body_too_large" ? 413 : 400;
}

// Senders label JSON loosely (SNS sends text/plain), so anything JSON-like or
// unlabelled is decoded; a body declared as something else is refused.
bool is_acceptable_type(std::string_view type) {
  if (type.empty()) return true;
  for (std::string_view ok : {"application/json", "application/x-ndjson", "application/ndjson",
                              "application/jsonl", "text/plain", "*/*"}) {
    if (type.starts_with(ok)) return true;
  }
  return false;
}

bool is_ndjson(const Request& request) {
  auto type = request[bhttp::field::content_type];
  return type.starts_with("application/x-ndjson") || type.starts_with("application/ndjson") ||
         type.starts_with("application/jsonl");
}

// One decoder per io thread: it owns a reusable simdjson parser. A reload
// (a new settings version) may bring new limits: the decoder is made again.
ingest::Decoder& thread_decoder(const config::Settings& settings) {
  thread_local std::unique_ptr<ingest::Decoder> decoder;
  thread_local uint64_t version = 0;
  if (!decoder || version != settings.version) {
    decoder = std::make_unique<ingest::Decoder>(settings.limits);
    version = settings.version;
  }
  return *decoder;
}

// Counts per source, taken before the alerts move into the queues. Alerts of
// one request nearly always share a source: count runs, not items.
std::vector<std::pair<std::string_view, size_t>> source_runs(
    const std::vector<core::Alert>& alerts) {
  std::vector<std::pair<std::string_view, size_t>> runs;
  for (const auto& a : alerts) {
    auto name = core::metric_source(a.source);
    if (runs.empty() || runs.back().first != name) runs.emplace_back(name, 0);
    ++runs.back().second;
  }
  return runs;
}

// The name `auth.ingest[].source` gives each endpoint (kIngestEndpointSources).
std::string_view auth_source(Format format) {
  return format == Format::alertmanager_v2 ? "alertmanager" : "generic";
}

// What the sender hears once the pipeline took the batch (or refused it).
struct IngestOutcome {
  Format format;
  size_t alerts = 0;
  std::vector<std::pair<std::string_view, size_t>> runs;  // per source, for the counters
  std::optional<ingest::DecodeError> error;               // NDJSON: the lines before it were taken
};

Response refusal(ApiContext& ctx, Engine::Offer offer, size_t alerts) {
  switch (offer) {
    case Engine::Offer::queue_full:
      ctx.metrics.rejected("queue_full").inc(alerts);
      return error_response(429, "queue_full",
                            "alertd is at capacity; retry this request after the Retry-After delay",
                            {.index = std::nullopt, .accepted = 0, .retry_after_seconds = 1});
    case Engine::Offer::journal_full:
      ctx.metrics.rejected("journal_full").inc(alerts);
      return error_response(503, "journal_full",
                            "the journal holds durability.max_bytes of alerts the store has not "
                            "taken yet; retry after the Retry-After delay",
                            {.accepted = 0, .retry_after_seconds = 5});
    case Engine::Offer::journal_failed:
      ctx.metrics.rejected("journal_failed").inc(alerts);
      return error_response(503, "journal_failed",
                            "the journal could not be written (disk full or I/O error); nothing "
                            "was accepted; retry after the Retry-After delay",
                            {.accepted = 0, .retry_after_seconds = 5});
    case Engine::Offer::too_large:
      ctx.metrics.rejected("body_too_large").inc(alerts);
      return error_response(413, "body_too_large",
                            "the alerts of this request exceed the journal's record limit; "
                            "send them in smaller requests");
    case Engine::Offer::active_alert_limit:
      ctx.metrics.rejected("active_alert_limit").inc(alerts);
      return error_response(429, "active_alert_limit",
                            "alertd holds limits.max_active_alerts firing alerts and this request "
                            "has a new one; nothing was taken (re-sends and resolves of active "
                            "alerts are still accepted)",
                            {.accepted = 0, .retry_after_seconds = 30});
    case Engine::Offer::stopping:
    case Engine::Offer::accepted: break;
  }
  return error_response(503, "shutting_down", "alertd is shutting down",
                        {.retry_after_seconds = 5});
}

Response answer(ApiContext& ctx, const IngestOutcome& outcome, Engine::Offer offer) {
  if (offer != Engine::Offer::accepted) return refusal(ctx, offer, outcome.alerts);
  for (const auto& [source, count] : outcome.runs) ctx.metrics.received(source).inc(count);
  if (outcome.error) {
    const auto& e = *outcome.error;
    ctx.metrics.rejected(e.reason).inc();
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
  ingest::DecodeContext dc;
  dc.now = ctx.clock.now();
  dc.received_mono_ns = core::monotonic_nanos();
  dc.resolve_timeout = settings.resolve_timeout;
  dc.tenant = caller.tenant;
  auto& decoder = thread_decoder(settings);
  switch (format) {
    case Format::alertmanager_v2: return decoder.alertmanager_v2(request.body(), dc, alerts);
    case Format::generic_json: return decoder.generic_json(request.body(), dc, alerts);
    case Format::generic_ndjson: return decoder.generic_ndjson(request.body(), dc, alerts);
  }
  return {};
}

// An alert the store could not index is refused here, never answered 2xx and
// dropped later. It is reported like a decoder error at its index, so NDJSON
// keeps the lines before it, as for any bad line.
void refuse_unstorable(const config::Settings& settings, Format format,
                       std::vector<core::Alert>& alerts, ingest::DecodeResult& result) {
  ingest::DecodeError err;
  const auto noun = format == Format::alertmanager_v2 ? "alert" : "event";
  const size_t bad = ingest::check_storable(alerts, settings.indexed, noun, err);
  if (bad == alerts.size()) return;
  alerts.resize(bad);
  result.accepted = bad;
  result.error = std::move(err);
}

// Answers once the journal's group commit covers the batch; the io thread
// goes on meanwhile.
void ingest(ApiContext& ctx, Request& request, Format format, Responder responder) {
  auto caller = authorize_ingest(ctx, request, auth_source(format));
  if (auto* refused = std::get_if<Response>(&caller)) return responder.send(std::move(*refused));
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return responder.send(not_ready_response());

  auto type = request[bhttp::field::content_type];
  if (!is_acceptable_type(type)) {
    ctx.metrics.rejected("unsupported_media_type").inc();
    return responder.send(error_response(415, "unsupported_media_type",
                                         "Content-Type \"" + std::string(type) +
                                             "\" is not accepted; send application/json "
                                             "(or application/x-ndjson on /api/v1/events)"));
  }
  thread_local std::vector<core::Alert> alerts;
  alerts.clear();
  const auto settings = pipeline->settings();
  auto result = decode(ctx, *settings, request, format, std::get<IngestCaller>(caller), alerts);
  refuse_unstorable(*settings, format, alerts, result);
  // JSON documents are all or nothing; NDJSON keeps the lines before the bad one.
  if (result.error && format != Format::generic_ndjson) alerts.clear();

  auto outcome = std::make_shared<IngestOutcome>(
      IngestOutcome{format, alerts.size(), source_runs(alerts), std::move(result.error)});
  pipeline->offer(alerts, [&ctx, outcome, responder](Engine::Offer offer) {
    responder.send(answer(ctx, *outcome, offer));
  });
}

}  // namespace

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
}

}  // namespace alertd::api
