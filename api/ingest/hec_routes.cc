// Splunk HTTP Event Collector (reference/wire-formats.md §1): Splunk's own
// HEC clients and logging libraries point at alertd unchanged. Every answer
// is Splunk's `{"text", "code"}`; the events before a bad one are kept
// (HEC's partial accept) and the answer names the bad one's index.

#include <openssl/crypto.h>
#include <simdjson.h>

#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>

#include "api/auth.h"
#include "api/ingest/hec_acks.h"
#include "api/ingest/routes.h"
#include "api/ingest/submit.h"
#include "api/responses.h"
#include "core/json_writer.h"
#include "ingest/formats/gzip.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

// Splunk's reply codes (the ones alertd gives).
enum HecCode {
  kSuccess = 0,
  kTokenRequired = 2,
  kInvalidAuthorization = 3,
  kInvalidToken = 4,
  kNoData = 5,
  kInvalidDataFormat = 6,
  kIncorrectIndex = 7,
  kServerBusy = 9,
  kChannelMissing = 10,
  kInvalidChannel = 11,
  kEventRequired = 12,
  kEventBlank = 13,
  kAckDisabled = 14,
  kIndexedFields = 15,
  kQueryAuthDisabled = 16,
  kHealthy = 17,
  kUnhealthy = 18,
};

Response hec_answer(unsigned status, std::string_view text, int code,
                    std::optional<size_t> bad_event = std::nullopt,
                    std::optional<uint64_t> ack_id = std::nullopt) {
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("text", text).field("code", code);
  if (bad_event) w.field("invalid-event-number", static_cast<uint64_t>(*bad_event));
  if (ack_id) w.field("ackId", *ack_id);
  w.end_object();
  return json_response(status, std::move(body));
}

HecAcks& acks() {
  static HecAcks registry;
  return registry;
}

// Who sent it: a token of sources.splunk_hec.tokens, or (none configured) an
// ingest or API token of the auth section, or nobody on an open source.
struct HecCaller {
  const config::HecToken* token = nullptr;  // null without HEC tokens
  std::string name;
  std::string tenant = "default";
};

// The token as Splunk's clients send it: `Splunk <token>`, Basic auth with
// the token as password, or (where the token allows) ?token=.
std::optional<std::string> sent_token(const RouteContext& rc, bool& from_query) {
  from_query = false;
  auto it = rc.request.find(bhttp::field::authorization);
  if (it != rc.request.end()) {
    std::string_view value = it->value();
    const size_t space = value.find(' ');
    const std::string_view scheme = value.substr(0, space);
    std::string_view rest = space == std::string_view::npos ? "" : value.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (scheme == "Basic") {
      std::string decoded(boost::beast::detail::base64::decoded_size(rest.size()), '\0');
      auto [written, read] =
          boost::beast::detail::base64::decode(decoded.data(), rest.data(), rest.size());
      decoded.resize(written);
      const size_t colon = decoded.find(':');
      return colon == std::string::npos ? decoded : decoded.substr(colon + 1);
    }
    return std::string(rest);  // Splunk, or Bearer for alertd's own tokens
  }
  if (auto query = rc.query_value("token")) {
    from_query = true;
    return std::string(*query);
  }
  return std::nullopt;
}

const config::HecToken* find_token(const config::SplunkHecConfig& hec, std::string_view sent) {
  for (const auto& t : hec.tokens) {
    if (t.token.size() == sent.size() &&
        CRYPTO_memcmp(t.token.data(), sent.data(), sent.size()) == 0) {
      return &t;
    }
  }
  return nullptr;
}

std::variant<HecCaller, Response> hec_caller(ApiContext& ctx, const RouteContext& rc,
                                             const config::SplunkHecConfig& hec) {
  bool from_query = false;
  auto token = sent_token(rc, from_query);
  if (hec.tokens.empty() && !ingest_needs_token(ctx, "splunk_hec")) {
    return HecCaller{nullptr, "anonymous", "default"};
  }
  if (!token || token->empty()) {
    ctx.metrics.auth_failures("unauthenticated").inc();
    return hec_answer(401, "Token is required", kTokenRequired);
  }
  if (hec.tokens.empty()) {
    auto caller = authorize_ingest_token(ctx, *token, "splunk_hec");
    if (std::holds_alternative<Response>(caller))
      return hec_answer(403, "Invalid token", kInvalidToken);
    auto& c = std::get<IngestCaller>(caller);
    return HecCaller{nullptr, c.name, c.tenant};
  }
  const auto* entry = find_token(hec, *token);
  if (entry == nullptr) {
    ctx.metrics.auth_failures("unauthenticated").inc();
    return hec_answer(403, "Invalid token", kInvalidToken);
  }
  if (from_query && !entry->query_token) {
    ctx.metrics.auth_failures("forbidden").inc();
    return hec_answer(400, "Query string authorization is not enabled", kQueryAuthDisabled);
  }
  return HecCaller{entry, entry->name, entry->tenant};
}

// A channel is a GUID: 36 characters of hex digits and dashes.
bool is_channel(std::string_view c) {
  if (c.size() != 36) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c[i] != '-' : !std::isxdigit(static_cast<unsigned char>(c[i]))) return false;
  }
  return true;
}

// The request's channel when its token acknowledges; "" when it does not.
std::variant<std::string, Response> ack_channel(const RouteContext& rc, const HecCaller& caller) {
  if (caller.token == nullptr || !caller.token->ack) return std::string();
  std::string_view channel = rc.request["X-Splunk-Request-Channel"];
  if (channel.empty()) channel = rc.query_value("channel").value_or("");
  if (channel.empty()) return hec_answer(400, "Data channel is missing", kChannelMissing);
  if (!is_channel(channel)) return hec_answer(400, "Invalid data channel", kInvalidChannel);
  return std::string(channel);
}

// The body as sent, or inflated when gzip; nullopt with the answer to send.
std::optional<Response> inflate_body(ApiContext& ctx, Request& request, size_t max_bytes) {
  const std::string_view encoding = request[bhttp::field::content_encoding];
  if (encoding.empty() || encoding == "identity") return std::nullopt;
  if (encoding != "gzip") {
    ctx.metrics.rejected("unsupported_media_type", "splunk").inc();
    return hec_answer(415, "Unsupported Content-Encoding", kInvalidDataFormat);
  }
  thread_local std::string inflated;
  ingest::DecodeError err;
  if (!ingest::gunzip(request.body(), max_bytes, inflated, err)) {
    ctx.metrics.rejected(err.reason, "splunk").inc();
    if (err.reason == ingest::reason::kBodyTooLarge)
      return hec_answer(413, "Content too large", kInvalidDataFormat);
    return hec_answer(400, "Invalid data format", kInvalidDataFormat, 0);
  }
  request.body().swap(inflated);
  return std::nullopt;
}

ingest::HecContext hec_context(const config::SplunkHecConfig& hec, const HecCaller& caller,
                               const RouteContext& rc, bool raw) {
  ingest::HecContext c;
  c.max_events = hec.max_events_per_request;
  if (const auto* t = caller.token) {
    c = {t->host,     t->source,        t->sourcetype,         t->index,
         &t->indexes, &t->label_fields, &t->annotation_fields, hec.max_events_per_request};
  }
  if (raw) {
    // /raw: the query string names the metadata of every line.
    if (auto v = rc.query_value("host")) c.host = *v;
    if (auto v = rc.query_value("source")) c.source = *v;
    if (auto v = rc.query_value("sourcetype")) c.sourcetype = *v;
    if (auto v = rc.query_value("index")) c.index = *v;
  }
  return c;
}

// A decoder refusal as Splunk words it; the index names the bad event.
Response decode_refusal(const ingest::DecodeError& e) {
  namespace r = ingest::reason;
  if (e.reason == r::kEventMissing)
    return hec_answer(400, "Event field is required", kEventRequired, e.index);
  if (e.reason == r::kEventBlank)
    return hec_answer(400, "Event field cannot be blank", kEventBlank, e.index);
  if (e.reason == r::kIncorrectIndex)
    return hec_answer(400, "Incorrect index", kIncorrectIndex, e.index);
  if (e.reason == r::kInvalidIndexedField) {
    return hec_answer(400, "Error in handling indexed fields", kIndexedFields, e.index);
  }
  if (e.reason == r::kBodyTooLarge) return hec_answer(413, "Content too large", kInvalidDataFormat);
  return hec_answer(400, "Invalid data format", kInvalidDataFormat, e.index);
}

bool is_blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool index_allowed(const ingest::HecContext& c) {
  return c.index.empty() || c.indexes == nullptr || c.indexes->empty() ||
         std::find(c.indexes->begin(), c.indexes->end(), c.index) != c.indexes->end();
}

// What the sender hears once the pipeline decided on the events kept.
struct HecOutcome {
  size_t alerts = 0;
  std::optional<ingest::DecodeError> error;
  std::string token_name, channel;  // channel "" without ack
};

Response hec_outcome(ApiContext& ctx, const HecOutcome& o, const config::SplunkHecConfig& hec,
                     Engine::Offer offer) {
  if (offer != Engine::Offer::accepted) {
    auto r = refusal_of(ctx, offer, o.alerts, "splunk");
    if (offer == Engine::Offer::too_large)
      return hec_answer(413, "Content too large", kInvalidDataFormat);
    auto busy = hec_answer(503, "Server is busy", kServerBusy);
    if (r.retry_after_seconds > 0)
      busy.set(bhttp::field::retry_after, std::to_string(r.retry_after_seconds));
    return busy;
  }
  if (o.error) {
    ctx.metrics.rejected(o.error->reason, "splunk").inc();
    return decode_refusal(*o.error);
  }
  if (o.channel.empty()) return hec_answer(200, "Success", kSuccess);
  const auto id = acks().issue(o.token_name, o.channel, hec, ctx.clock.now());
  ctx.metrics.hec_acks_pending.set(static_cast<double>(acks().pending()));
  return hec_answer(200, "Success", kSuccess, std::nullopt, id);
}

void collect(ApiContext& ctx, RouteContext& rc, bool raw, Responder responder) {
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return responder.send(hec_answer(503, "Server is busy", kServerBusy));
  const auto settings = pipeline->settings();
  const auto& hec = settings->sources.splunk_hec;
  auto caller = hec_caller(ctx, rc, hec);
  if (auto* refused = std::get_if<Response>(&caller)) return responder.send(std::move(*refused));
  const auto& who = std::get<HecCaller>(caller);
  auto channel = ack_channel(rc, who);
  if (auto* refused = std::get_if<Response>(&channel)) return responder.send(std::move(*refused));
  if (auto refused = inflate_body(ctx, rc.request, settings->limits.max_body_bytes)) {
    return responder.send(std::move(*refused));
  }
  if (is_blank(rc.request.body())) {
    ctx.metrics.rejected("no_data", "splunk").inc();
    return responder.send(hec_answer(400, "No data", kNoData));
  }
  const auto context = hec_context(hec, who, rc, raw);
  if (raw && !index_allowed(context)) {
    ctx.metrics.rejected(ingest::reason::kIncorrectIndex, "splunk").inc();
    return responder.send(hec_answer(400, "Incorrect index", kIncorrectIndex));
  }
  thread_local std::vector<core::Alert> alerts;
  alerts.clear();
  auto& decoder = thread_decoder(*settings);
  const auto dc = decode_context(ctx, *settings, who.tenant);
  auto result = raw ? decoder.hec_raw(rc.request.body(), dc, context, alerts)
                    : decoder.hec_events(rc.request.body(), dc, context, alerts);
  refuse_unstorable(*settings, "event", alerts, result);
  if (result.skipped_fields > 0)
    ctx.metrics.fields_skipped.with({"splunk"}).inc(result.skipped_fields);
  auto outcome = std::make_shared<HecOutcome>(
      HecOutcome{alerts.size(), std::move(result.error), who.name, std::get<std::string>(channel)});
  offer_batch(ctx, *pipeline, alerts, [&ctx, outcome, settings, responder](Engine::Offer offer) {
    responder.send(hec_outcome(ctx, *outcome, settings->sources.splunk_hec, offer));
  });
}

Response health(ApiContext& ctx) {
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr || pipeline->journal_trouble()) {
    return hec_answer(503, "HEC is unhealthy, queues are full", kUnhealthy);
  }
  return hec_answer(200, "HEC is healthy", kHealthy);
}

// {"acks":[1,2]} -> {"acks":{"1":true,"2":false}}
std::optional<std::vector<uint64_t>> ack_ids(Request& request) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::array list;
  auto& body = request.body();
  if (body.size() > (64 << 10)) return std::nullopt;
  if (parser.parse(body).get_object()["acks"].get_array().get(list)) return std::nullopt;
  std::vector<uint64_t> ids;
  for (auto id : list) {
    uint64_t n = 0;
    if (id.get_uint64().get(n) || ids.size() == 10000) return std::nullopt;
    ids.push_back(n);
  }
  return ids;
}

Response ack(ApiContext& ctx, RouteContext& rc) {
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return hec_answer(503, "Server is busy", kServerBusy);
  const auto settings = pipeline->settings();
  const auto& hec = settings->sources.splunk_hec;
  auto caller = hec_caller(ctx, rc, hec);
  if (auto* refused = std::get_if<Response>(&caller)) return std::move(*refused);
  const auto& who = std::get<HecCaller>(caller);
  if (who.token == nullptr || !who.token->ack)
    return hec_answer(400, "ACK is disabled", kAckDisabled);
  auto channel = ack_channel(rc, who);
  if (auto* refused = std::get_if<Response>(&channel)) return std::move(*refused);
  auto ids = ack_ids(rc.request);
  if (!ids) return hec_answer(400, "Invalid data format", kInvalidDataFormat);
  auto states = acks().poll(who.name, std::get<std::string>(channel), *ids, hec, ctx.clock.now());
  ctx.metrics.hec_acks_pending.set(static_cast<double>(acks().pending()));
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().key("acks").begin_object();
  for (auto [id, done] : states) w.field(std::to_string(id), done);
  w.end_object().end_object();
  return json_response(200, std::move(body));
}

}  // namespace

void add_hec_routes(Router& router, ApiContext& ctx) {
  for (auto path :
       {"/services/collector", "/services/collector/event", "/services/collector/event/1.0"}) {
    router.add_async(bhttp::verb::post, path, [&ctx](RouteContext& rc, Responder responder) {
      collect(ctx, rc, false, std::move(responder));
    });
  }
  for (auto path : {"/services/collector/raw", "/services/collector/raw/1.0"}) {
    router.add_async(bhttp::verb::post, path, [&ctx](RouteContext& rc, Responder responder) {
      collect(ctx, rc, true, std::move(responder));
    });
  }
  for (auto path : {"/services/collector/health", "/services/collector/health/1.0"}) {
    router.add(bhttp::verb::get, path, [&ctx](RouteContext&) { return health(ctx); });
  }
  router.add(bhttp::verb::post, "/services/collector/ack",
             [&ctx](RouteContext& rc) { return ack(ctx, rc); });
}

}  // namespace alertd::api
