// PagerDuty Events API v2 in (`POST /v2/enqueue`, `/api/v1/ingest/pagerduty`):
// whatever pages PagerDuty can page alertd by changing the URL. Answers are
// PagerDuty's own shapes, so its client libraries read them unchanged.
//
// Acknowledge and resolve carry only the dedup_key, so the labels the
// trigger gave that key are kept here (bounded, per tenant) to address the
// same alert. A key not known here (never triggered, evicted, or triggered
// before a restart) is answered as processed and counted: there is no alert
// to act on.

#include <boost/beast/http.hpp>
#include <list>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "api/auth.h"
#include "api/ingest/routes.h"
#include "api/ingest/submit.h"
#include "api/responses.h"
#include "core/fingerprint.h"
#include "core/json_writer.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;
using Action = ingest::PagerDutyEvent::Action;

constexpr size_t kMaxKnownKeys = 100000;

// What a trigger said about its alert.
struct Triggered {
  core::LabelSet labels;
  core::LabelSet annotations;
};

// dedup_key -> its trigger, oldest evicted first.
class KnownKeys {
 public:
  void remember(const std::string& key, const Triggered& labels) {
    std::lock_guard lock(mutex_);
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      it->second->second = labels;
      return;
    }
    if (order_.size() == kMaxKnownKeys) {
      by_key_.erase(order_.front().first);
      order_.pop_front();
    }
    order_.emplace_back(key, labels);
    by_key_.emplace(key, std::prev(order_.end()));
  }
  std::optional<Triggered> find(const std::string& key, bool forget) {
    std::lock_guard lock(mutex_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return std::nullopt;
    Triggered labels = it->second->second;
    if (forget) {
      order_.erase(it->second);
      by_key_.erase(it);
    }
    return labels;
  }

 private:
  std::mutex mutex_;
  std::list<std::pair<std::string, Triggered>> order_;
  absl::flat_hash_map<std::string, std::list<std::pair<std::string, Triggered>>::iterator> by_key_;
};

KnownKeys& known_keys() {
  static KnownKeys keys;
  return keys;
}

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

// Gives acknowledge and resolve the labels of their trigger; false when the
// key is not known (nothing to act on).
bool address_alert(const ingest::PagerDutyEvent& event, core::Alert& alert) {
  const std::string key = alert.tenant + '\0' + event.dedup_key;
  if (event.action == Action::trigger) {
    known_keys().remember(key, Triggered{alert.labels, alert.annotations});
    return true;
  }
  auto trigger = known_keys().find(key, event.action == Action::resolve);
  if (!trigger) return false;
  alert.labels = std::move(trigger->labels);
  for (const auto& [name, value] : trigger->annotations) alert.annotations.set(name, value);
  alert.fingerprint = core::fingerprint(alert.labels);
  if (event.action == Action::acknowledge) {
    alert.annotations.set("pagerduty_status", "acknowledged");
  }
  return true;
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
  if (!address_alert(event, alerts.front())) {
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
