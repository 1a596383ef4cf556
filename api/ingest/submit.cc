#include "api/ingest/submit.h"

#include <memory>

#include "api/auth.h"
#include "api/ingest/routes.h"
#include "api/responses.h"
#include "ingest/formats/storable.h"

namespace alertd::api {

ingest::Decoder& thread_decoder(const config::Settings& settings) {
  thread_local std::unique_ptr<ingest::Decoder> decoder;
  thread_local uint64_t version = 0;
  if (!decoder || version != settings.version) {
    decoder = std::make_unique<ingest::Decoder>(settings.limits);
    version = settings.version;
  }
  return *decoder;
}

ingest::DecodeContext decode_context(ApiContext& ctx, const config::Settings& settings,
                                     std::string_view tenant) {
  ingest::DecodeContext dc;
  dc.now = ctx.clock.now();
  dc.received_mono_ns = core::monotonic_nanos();
  dc.resolve_timeout = settings.resolve_timeout;
  dc.tenant = tenant;
  return dc;
}

void refuse_unstorable(const config::Settings& settings, std::string_view noun,
                       std::vector<core::Alert>& alerts, ingest::DecodeResult& result) {
  ingest::DecodeError err;
  const size_t bad = ingest::check_storable(alerts, settings.indexed, noun, err);
  if (bad == alerts.size()) return;
  alerts.resize(bad);
  result.accepted = bad;
  result.error = std::move(err);
}

// Alerts of one request nearly always share a source: count runs, not items.
SourceRuns source_runs(const std::vector<core::Alert>& alerts) {
  SourceRuns runs;
  for (const auto& a : alerts) {
    auto name = core::metric_source(a.source);
    if (runs.empty() || runs.back().first != name) runs.emplace_back(name, 0);
    ++runs.back().second;
  }
  return runs;
}

unsigned status_for(std::string_view reason) {
  return reason == "body_too_large" ? 413 : 400;
}

OfferRefusal refusal_of(ApiContext& ctx, Engine::Offer offer, size_t alerts,
                        std::string_view source) {
  OfferRefusal r{503, "shutting_down", "alertd is shutting down", 5};
  switch (offer) {
    case Engine::Offer::queue_full:
      r = {429, "queue_full",
           "alertd is at capacity; retry this request after the Retry-After delay", 1};
      break;
    case Engine::Offer::journal_full:
      r = {503, "journal_full",
           "the journal holds durability.max_bytes of alerts the store has not taken yet; retry "
           "after the Retry-After delay",
           5};
      break;
    case Engine::Offer::journal_failed:
      r = {503, "journal_failed",
           "the journal could not be written (disk full or I/O error); nothing was accepted; "
           "retry after the Retry-After delay",
           5};
      break;
    case Engine::Offer::too_large:
      r = {413, "body_too_large",
           "the alerts of this request exceed the journal's record limit; send them in smaller "
           "requests",
           0};
      break;
    case Engine::Offer::active_alert_limit:
      r = {429, "active_alert_limit",
           "alertd holds limits.max_active_alerts firing alerts and this request has a new one; "
           "nothing was taken (re-sends and resolves of active alerts are still accepted)",
           30};
      break;
    case Engine::Offer::stopping:
    case Engine::Offer::accepted: return r;
  }
  ctx.metrics.rejected(r.reason, source).inc(alerts);
  return r;
}

Response refusal(ApiContext& ctx, Engine::Offer offer, size_t alerts, std::string_view source) {
  auto r = refusal_of(ctx, offer, alerts, source);
  ErrorExtras extras;
  if (r.retry_after_seconds > 0) extras.retry_after_seconds = r.retry_after_seconds;
  if (r.retry_after_seconds > 0 && offer != Engine::Offer::stopping) extras.accepted = 0;
  return error_response(r.status, r.reason, r.message, extras);
}

void offer_batch(ApiContext& ctx, Engine& pipeline, std::vector<core::Alert>& alerts,
                 std::function<void(Engine::Offer)> done) {
  auto runs = std::make_shared<SourceRuns>(source_runs(alerts));
  pipeline.offer(alerts, [&ctx, runs, done = std::move(done)](Engine::Offer offer) {
    if (offer == Engine::Offer::accepted) {
      for (const auto& [source, count] : *runs) ctx.metrics.received(source).inc(count);
    }
    done(offer);
  });
}

void ingest_document(ApiContext& ctx, Request& request, const DocumentEndpoint& endpoint,
                     Responder responder) {
  auto caller = authorize_ingest(ctx, request, endpoint.auth_source);
  if (auto* refused = std::get_if<Response>(&caller)) return responder.send(std::move(*refused));
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return responder.send(not_ready_response());
  if (auto refused = refuse_media_type(ctx, request, endpoint.metric_source)) {
    return responder.send(std::move(*refused));
  }
  thread_local std::vector<core::Alert> alerts;
  alerts.clear();
  const auto settings = pipeline->settings();
  const auto dc = decode_context(ctx, *settings, std::get<IngestCaller>(caller).tenant);
  auto result = endpoint.decode(thread_decoder(*settings), request, dc, alerts);
  refuse_unstorable(*settings, endpoint.noun, alerts, result);
  if (result.skipped_fields > 0) {
    ctx.metrics.fields_skipped.with({endpoint.metric_source}).inc(result.skipped_fields);
  }
  if (result.error) {
    const auto& e = *result.error;
    ctx.metrics.rejected(e.reason, endpoint.metric_source).inc();
    return responder.send(error_response(status_for(e.reason), e.reason, e.message,
                                         {.index = e.index, .accepted = 0}));
  }
  const size_t count = alerts.size();
  offer_batch(ctx, *pipeline, alerts,
              [&ctx, count, source = endpoint.metric_source, responder](Engine::Offer offer) {
                if (offer != Engine::Offer::accepted) {
                  return responder.send(refusal(ctx, offer, count, source));
                }
                responder.send(json_response(200, "{\"accepted\":" + std::to_string(count) + "}"));
              });
}

}  // namespace alertd::api
