// PagerDuty Events API v2 in (`POST /v2/enqueue`, `/api/v1/ingest/pagerduty`):
// whatever pages PagerDuty can page alertd by changing the URL. Answers are
// PagerDuty's own shapes, so its client libraries read them unchanged.
//
// Acknowledge and resolve carry only the dedup_key, so the labels the
// trigger gave that key are kept (ingest/formats/pagerduty_keys.h) to address
// the same alert. A key not known here (never triggered, evicted, or triggered
// before a restart) is answered as processed and counted: there is no alert
// to act on.

#include <boost/beast/http.hpp>

#include "api/auth.h"
#include "api/ingest/routes.h"
#include "api/ingest/submit.h"
#include "api/responses.h"
#include "core/json_writer.h"
#include "ingest/formats/pagerduty_keys.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

Response pagerduty_answer(unsigned status, std::string_view state, std::string_view message,
                          const std::vector<std::string>& errors, std::string_view dedup_key) {
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("status", state).field("message", message);
  if (!dedup_key.empty()) w.field("dedup_key", dedup_key);
  if (!errors.empty()) {
    w.key("errors").begin_array();
    for (const auto& e : errors) w.value(e);
    w.end_array();
  }
  w.end_object();
  return json_response(status, std::move(body));
}

Response invalid_event(const std::vector<std::string>& errors) {
  return pagerduty_answer(400, "invalid event", "Event object is invalid", errors, "");
}

// The header's token when one is sent, else the routing key, else open.
std::variant<IngestCaller, Response> caller_of(ApiContext& ctx, const Request& request,
                                               const std::string& routing_key) {
  if (request.find(bhttp::field::authorization) != request.end()) {
    return authorize_ingest(ctx, request, "pagerduty");
  }
  if (!ingest_needs_token(ctx, "pagerduty")) {
    return IngestCaller{"anonymous", "default", false};
  }
  return authorize_ingest_token(ctx, routing_key, "pagerduty");
}

void enqueue(ApiContext& ctx, Request& request, Responder responder) {
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return responder.send(not_ready_response());
  if (auto refused = refuse_media_type(ctx, request, "pagerduty")) {
    return responder.send(std::move(*refused));
  }
  thread_local std::vector<core::Alert> alerts;
  alerts.clear();
  const auto settings = pipeline->settings();
  ingest::PagerDutyEvent event;
  auto result = thread_decoder(*settings).pagerduty(
      request.body(), decode_context(ctx, *settings, "default"), event, alerts);
  if (result.error) {
    ctx.metrics.rejected(result.error->reason, "pagerduty").inc();
    return responder.send(invalid_event(event.errors));
  }
  auto caller = caller_of(ctx, request, event.routing_key);
  if (auto* refused = std::get_if<Response>(&caller)) return responder.send(std::move(*refused));
  alerts.front().tenant = std::get<IngestCaller>(caller).tenant;
  refuse_unstorable(*settings, "event", alerts, result);
  if (result.error) {
    ctx.metrics.rejected(result.error->reason, "pagerduty").inc();
    return responder.send(invalid_event({result.error->message}));
  }
  if (!ingest::address_pagerduty_alert(event, alerts.front())) {
    ctx.metrics.pagerduty_unknown_keys.inc();
    return responder.send(pagerduty_answer(202, "success", "Event processed", {}, event.dedup_key));
  }
  offer_batch(
      ctx, *pipeline, alerts, [&ctx, key = event.dedup_key, responder](Engine::Offer offer) {
        if (offer == Engine::Offer::accepted) {
          return responder.send(pagerduty_answer(202, "success", "Event processed", {}, key));
        }
        auto r = refusal_of(ctx, offer, 1, "pagerduty");
        auto answer = pagerduty_answer(r.status, r.status == 429 ? "throttle event" : "error",
                                       r.message, {}, "");
        if (r.retry_after_seconds > 0) {
          answer.set(bhttp::field::retry_after, std::to_string(r.retry_after_seconds));
        }
        responder.send(std::move(answer));
      });
}

}  // namespace

void add_pagerduty_routes(Router& router, ApiContext& ctx) {
  for (auto path : {"/v2/enqueue", "/api/v1/ingest/pagerduty"}) {
    router.add_async(bhttp::verb::post, path, [&ctx](RouteContext& rc, Responder responder) {
      enqueue(ctx, rc.request, std::move(responder));
    });
  }
}

}  // namespace alertd::api
