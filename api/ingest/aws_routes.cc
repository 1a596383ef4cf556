// AWS ingest (docs/sources.md): POST /api/v1/ingest/cloudtrail takes
// CloudTrail log files (plain or gzip), single records and EventBridge
// events; POST /api/v1/ingest/sns takes SNS HTTP(S) deliveries (signed
// envelopes, or raw delivery when sources.sns.verify is false) carrying
// CloudTrail, EventBridge or CloudWatch alarm messages. Any Content-Type.
//
// SNS counts 200-4xx as delivered and retries only 5xx, so a refusal of
// the body is 4xx, a bad signature 403, and pushback always 5xx. Re-sent
// MessageIds and eventIDs are answered 200 and not offered again.

#include <spdlog/spdlog.h>

#include <boost/beast/http.hpp>
#include <memory>
#include <stdexcept>

#include "api/auth.h"
#include "api/ingest/routes.h"
#include "api/ingest/sns_certs.h"
#include "api/ingest/sns_signature.h"
#include "api/ingest/submit.h"
#include "api/responses.h"
#include "ingest/formats/gzip.h"
#include "ingest/redelivery.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

struct AwsMetrics {
  explicit AwsMetrics(telemetry::Registry& r)
      : records_ignored(r.counter("alertd_cloudtrail_records_ignored_total",
                                  "CloudTrail records without errorCode that no "
                                  "sources.cloudtrail.keep matcher kept: dropped.")
                            .with({})),
        signature_failures(r.counter("alertd_sns_signature_failures_total",
                                     "SNS deliveries refused 403 for their signature, by reason.",
                                     {"reason"})),
        redeliveries(r.counter("alertd_ingest_redeliveries_total",
                               "Re-delivered messages (SNS MessageId, CloudTrail eventID) "
                               "answered as delivered and not offered again, by source.",
                               {"source"})),
        sns_ignored(r.counter("alertd_sns_messages_ignored_total",
                              "SNS messages taken but turned into no alert, by reason: "
                              "log_pointer, insufficient_data, unsubscribe_confirmation.",
                              {"reason"})),
        subscriptions(r.counter("alertd_sns_subscriptions_total",
                                "SNS SubscriptionConfirmations, by outcome: confirmed, failed, "
                                "host_not_allowed.",
                                {"outcome"})),
        cert_fetches(r.counter("alertd_sns_cert_fetches_total",
                               "SNS signing certificate fetches from sources.sns.cert_hosts, by "
                               "outcome: fetched, failed, busy.",
                               {"outcome"})) {
    for (auto reason : sns::kFailureReasons) signature_failures.with({reason});
    for (std::string_view s : {"sns", "cloudtrail"}) redeliveries.with({s});
    for (std::string_view s : {"log_pointer", "insufficient_data", "unsubscribe_confirmation"}) {
      sns_ignored.with({s});
    }
    for (std::string_view s : {"confirmed", "failed", "host_not_allowed"}) subscriptions.with({s});
    for (std::string_view s : {"fetched", "failed", "busy"}) cert_fetches.with({s});
  }
  telemetry::Counter& records_ignored;
  telemetry::CounterFamily& signature_failures;
  telemetry::CounterFamily& redeliveries;
  telemetry::CounterFamily& sns_ignored;
  telemetry::CounterFamily& subscriptions;
  telemetry::CounterFamily& cert_fetches;
};

// A fetch's outcome as alertd_sns_cert_fetches_total counts it: a body that
// is no certificate is a failed fetch (and a bad_certificate refusal).
std::string_view fetch_label(sns::CertStore::Outcome outcome) {
  using Outcome = sns::CertStore::Outcome;
  switch (outcome) {
    case Outcome::fetched: return "fetched";
    case Outcome::busy: return "busy";
    case Outcome::failed:
    case Outcome::bad_certificate: break;
  }
  return "failed";
}

// What the AWS routes own: their counters, the recent ids, the fetched
// signing certificates.
struct AwsState {
  AwsState(ApiContext& c)
      : ctx(c),
        metrics(c.metrics.registry),
        recent(c.config.sources.redelivery.window, c.config.sources.redelivery.max_ids),
        certs(
            {},
            [this](sns::CertStore::Outcome o) {
              metrics.cert_fetches.with({fetch_label(o)}).inc();
            },
            https_get,
            [&c](std::function<void()> job) {
              if (!c.background.run(std::move(job))) throw std::runtime_error("shutting down");
            }) {}
  ApiContext& ctx;
  AwsMetrics metrics;
  ingest::RedeliverySet recent;
  sns::CertStore certs;
};

// One SNS envelope on its way, held by value so that its end can run on a
// certificate fetch's thread after the io thread has moved on.
struct SnsDelivery {
  std::shared_ptr<const config::Settings> settings;
  std::string tenant;
  ingest::SnsEnvelope env;
  Responder responder;
  const config::SnsConfig& cfg() const { return settings->sources.sns; }
};

ingest::AwsContext aws_context(const config::Settings& settings) {
  ingest::AwsContext aws;
  aws.cloudtrail_keep = &settings.sources.cloudtrail.keep;
  using Mode = config::SnsConfig::InsufficientData;
  switch (settings.sources.sns.insufficient_data) {
    case Mode::firing: aws.insufficient_data = ingest::AwsContext::InsufficientData::firing; break;
    case Mode::resolved:
      aws.insufficient_data = ingest::AwsContext::InsufficientData::resolved;
      break;
    case Mode::ignore: aws.insufficient_data = ingest::AwsContext::InsufficientData::ignore; break;
  }
  return aws;
}

void count_dropped(AwsState& st, const ingest::AwsDropped& d) {
  st.metrics.records_ignored.inc(static_cast<double>(d.records_ignored));
  st.metrics.sns_ignored.with({"log_pointer"}).inc(static_cast<double>(d.log_pointers));
  st.metrics.sns_ignored.with({"insufficient_data"}).inc(static_cast<double>(d.insufficient_data));
}

// Drops alerts whose eventID was taken before; returns the ids remembered now.
std::vector<std::string> drop_redelivered(AwsState& st, std::vector<core::Alert>& alerts,
                                          size_t& redelivered) {
  std::vector<std::string> remembered;
  const auto now = st.ctx.clock.now();
  std::erase_if(alerts, [&](const core::Alert& a) {
    const auto id = a.annotations.get("eventID").value_or("");
    if (id.empty()) return false;
    if (!st.recent.first_seen(id, now)) {
      ++redelivered;
      return true;
    }
    remembered.emplace_back(id);
    return false;
  });
  if (redelivered > 0) {
    st.metrics.redeliveries.with({"cloudtrail"}).inc(static_cast<double>(redelivered));
  }
  return remembered;
}

Response decode_refusal(ApiContext& ctx, const ingest::DecodeError& e, std::string_view source) {
  ctx.metrics.rejected(e.reason, source).inc();
  return error_response(status_for(e.reason), e.reason, e.message, {.index = e.index});
}

// Offers the decoded alerts and answers {"accepted":N}. `ids` are forgotten
// again when the offer is refused, so that the sender's retry is taken.
// `sns`: pushback is always 5xx, which SNS retries (it does not retry 4xx).
void offer_and_answer(std::shared_ptr<AwsState> st, Engine& pipeline,
                      std::vector<core::Alert>& alerts, std::vector<std::string> ids,
                      std::string_view source, bool sns, const Responder& responder) {
  const size_t n = alerts.size();
  offer_batch(
      st->ctx, pipeline, alerts,
      [st, ids = std::move(ids), n, source, sns, responder](Engine::Offer offer) {
        if (offer == Engine::Offer::accepted) {
          return responder.send(json_response(200, "{\"accepted\":" + std::to_string(n) + "}"));
        }
        for (const auto& id : ids) st->recent.forget(id);
        auto r = refusal_of(st->ctx, offer, n, source);
        const unsigned status = sns && r.status < 500 ? 503 : r.status;
        responder.send(error_response(
            status, r.reason, r.message,
            {.retry_after_seconds = r.retry_after_seconds > 0
                                        ? std::optional<unsigned>(r.retry_after_seconds)
                                        : std::nullopt}));
      });
}

void cloudtrail(std::shared_ptr<AwsState> st, Request& request, Responder responder) {
  auto& ctx = st->ctx;
  auto caller = authorize_ingest(ctx, request, "cloudtrail");
  if (auto* refused = std::get_if<Response>(&caller)) return responder.send(std::move(*refused));
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return responder.send(not_ready_response());
  const auto settings = pipeline->settings();
  auto& body = request.body();
  if (request[bhttp::field::content_encoding] == "gzip" && !ingest::looks_gzipped(body)) {
    return responder.send(decode_refusal(ctx,
                                         {std::string(ingest::reason::kInvalidGzip),
                                          "body: Content-Encoding gzip without a gzip stream", 0},
                                         "cloudtrail"));
  }
  thread_local std::vector<core::Alert> alerts;
  alerts.clear();
  ingest::AwsDropped dropped;
  auto result = thread_decoder(*settings).cloudtrail(
      body, decode_context(ctx, *settings, std::get<IngestCaller>(caller).tenant),
      aws_context(*settings), dropped, alerts);
  refuse_unstorable(*settings, "record", alerts, result);
  if (result.error) {
    alerts.clear();
    return responder.send(decode_refusal(ctx, *result.error, "cloudtrail"));
  }
  count_dropped(*st, dropped);
  size_t redelivered = 0;
  auto ids = drop_redelivered(*st, alerts, redelivered);
  offer_and_answer(st, *pipeline, alerts, std::move(ids), "cloudtrail", false, responder);
}

Response signature_refusal(AwsState& st, std::string_view reason, std::string_view detail) {
  st.metrics.signature_failures.with({reason}).inc();
  return error_response(403, reason, detail);
}

// SubscriptionConfirmation, signature already checked: confirmed by a GET
// of SubscribeURL off the io thread (sns_confirm.cc), only on an allowed host.
void confirm(std::shared_ptr<AwsState> st, const ingest::SnsEnvelope& env,
             const config::SnsConfig& cfg, const Responder& responder) {
  const auto host = sns::https_host(env.subscribe_url);
  if (!host || !sns::host_matches(*host, cfg.subscribe_hosts)) {
    st->metrics.subscriptions.with({"host_not_allowed"}).inc();
    st->recent.forget(env.message_id);
    spdlog::warn(
        "SNS SubscriptionConfirmation for {} refused: SubscribeURL {} is not HTTPS on "
        "sources.sns.subscribe_hosts",
        env.topic_arn, env.subscribe_url);
    return responder.send(error_response(
        403, "subscribe_host_not_allowed",
        "SubscribeURL is not an https:// URL on a host of sources.sns.subscribe_hosts"));
  }
  sns::confirm_subscription(
      st->ctx.background, env.subscribe_url, cfg.ca_file,
      [st, env, responder](bool ok, std::string why) {
        st->metrics.subscriptions.with({ok ? "confirmed" : "failed"}).inc();
        if (ok) {
          spdlog::info("SNS subscription to {} confirmed", env.topic_arn);
          return responder.send(json_response(200, "{\"confirmed\":true}"));
        }
        st->recent.forget(env.message_id);  // SNS retries the 5xx: let it through
        spdlog::warn("SNS subscription to {} not confirmed: {}", env.topic_arn, why);
        responder.send(error_response(502, "subscribe_failed", why, {.retry_after_seconds = 20}));
      });
}

// Decodes an SNS message (an envelope's, or a raw delivery) and offers its
// alerts. Runs on the io thread, or on a certificate fetch's thread.
// `message_id`: the envelope's, forgotten again if the message is refused.
void decode_and_offer(std::shared_ptr<AwsState> st, const SnsDelivery& d, std::string& message,
                      const std::string* message_id) {
  auto& ctx = st->ctx;
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) {
    if (message_id) st->recent.forget(*message_id);
    return d.responder.send(not_ready_response());
  }
  const auto& settings = *d.settings;
  thread_local std::vector<core::Alert> alerts;
  alerts.clear();
  ingest::AwsDropped dropped;
  auto result = thread_decoder(settings).aws_message(
      message, decode_context(ctx, settings, d.tenant), aws_context(settings), dropped, alerts);
  refuse_unstorable(settings, "message", alerts, result);
  if (result.error) {
    alerts.clear();
    if (message_id) st->recent.forget(*message_id);
    return d.responder.send(decode_refusal(ctx, *result.error, "sns"));
  }
  count_dropped(*st, dropped);
  size_t redelivered = 0;
  auto ids = drop_redelivered(*st, alerts, redelivered);
  if (message_id) ids.push_back(*message_id);
  offer_and_answer(st, *pipeline, alerts, std::move(ids), "sns", true, d.responder);
}

// The envelope, its signature checked: re-deliveries and confirmations are
// answered here, a Notification's message decoded and offered.
void open_envelope(std::shared_ptr<AwsState> st, const std::shared_ptr<SnsDelivery>& d) {
  auto& env = d->env;
  if (!st->recent.first_seen(env.message_id, st->ctx.clock.now())) {
    st->metrics.redeliveries.with({"sns"}).inc();
    return d->responder.send(json_response(200, "{\"accepted\":0,\"redelivered\":true}"));
  }
  if (env.type == "UnsubscribeConfirmation") {
    st->metrics.sns_ignored.with({"unsubscribe_confirmation"}).inc();
    spdlog::info("SNS subscription to {} was unsubscribed", env.topic_arn);
    return d->responder.send(json_response(200, "{\"accepted\":0}"));
  }
  if (env.type == "SubscriptionConfirmation") return confirm(st, env, d->cfg(), d->responder);
  decode_and_offer(st, *d, env.message, &env.message_id);
}

void verify_then_open(std::shared_ptr<AwsState> st, const std::shared_ptr<SnsDelivery>& d,
                      std::string_view cert_pem) {
  if (auto why = sns::verify_with(d->env, cert_pem); !why.empty()) {
    return d->responder.send(
        signature_refusal(*st, why, "the SNS message signature does not verify"));
  }
  open_envelope(st, d);
}

// A fetch's end, on its thread. A failed fetch is 5xx so that SNS retries
// the message (it drops a 4xx): nothing was remembered of it yet.
void on_cert_fetched(std::shared_ptr<AwsState> st, const std::shared_ptr<SnsDelivery>& d,
                     const sns::CertStore::Result& fetched) {
  using Outcome = sns::CertStore::Outcome;
  const auto& url = d->env.signing_cert_url;
  switch (fetched.outcome) {
    case Outcome::fetched: return verify_then_open(st, d, *fetched.pem);
    case Outcome::bad_certificate:
      spdlog::warn("SNS signing certificate {} is no PEM certificate", url);
      return d->responder.send(signature_refusal(
          *st, "bad_certificate", "the SigningCertURL's body is no PEM X509 certificate"));
    case Outcome::busy:
      return d->responder.send(
          error_response(503, "cert_fetch_busy", fetched.why, {.retry_after_seconds = 5}));
    case Outcome::failed: break;
  }
  spdlog::warn("SNS signing certificate {} not fetched: {}", url, fetched.why);
  d->responder.send(error_response(502, "cert_fetch_failed",
                                   "SigningCertURL could not be fetched: " + fetched.why,
                                   {.retry_after_seconds = 20}));
}

// The signature check: the URL first (no fetch from a host off
// cert_hosts), then the certificate, local or cached, else fetched.
void check_signature(std::shared_ptr<AwsState> st, std::shared_ptr<SnsDelivery> d) {
  const auto& cfg = d->cfg();
  if (!cfg.verify) return open_envelope(st, d);
  if (auto why = sns::check_cert_url(d->env, cfg); !why.empty()) {
    return d->responder.send(
        signature_refusal(*st, why, "the SNS message signature does not verify"));
  }
  if (auto pem = st->certs.find(d->env.signing_cert_url, cfg)) return verify_then_open(st, d, *pem);
  st->certs.fetch(d->env.signing_cert_url, cfg.ca_file, [st, d](sns::CertStore::Result fetched) {
    try {  // off the io thread the server's catch is not around us
      on_cert_fetched(st, d, fetched);
    } catch (const std::exception& e) {
      d->responder.fail_internal(e.what());
    }
  });
}

void sns_delivery(std::shared_ptr<AwsState> st, Request& request, Responder responder) {
  auto& ctx = st->ctx;
  auto caller = authorize_ingest(ctx, request, "sns");
  if (auto* refused = std::get_if<Response>(&caller)) return responder.send(std::move(*refused));
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return responder.send(not_ready_response());
  auto d = std::make_shared<SnsDelivery>(SnsDelivery{
      pipeline->settings(), std::string(std::get<IngestCaller>(caller).tenant), {}, responder});
  bool is_envelope = false;
  ingest::DecodeError err;
  if (!thread_decoder(*d->settings).sns_envelope(request.body(), is_envelope, d->env, err)) {
    return responder.send(decode_refusal(ctx, err, "sns"));
  }
  if (is_envelope) return check_signature(st, std::move(d));
  if (d->cfg().verify) {
    return responder.send(signature_refusal(
        *st, "unsigned", "raw message delivery is unsigned; it needs sources.sns.verify: false"));
  }
  decode_and_offer(st, *d, request.body(), nullptr);
}

}  // namespace

void add_aws_routes(Router& router, ApiContext& ctx) {
  auto state = std::make_shared<AwsState>(ctx);
  router.add_async(bhttp::verb::post, "/api/v1/ingest/cloudtrail",
                   [state](RouteContext& rc, Responder responder) {
                     cloudtrail(state, rc.request, std::move(responder));
                   });
  router.add_async(bhttp::verb::post, "/api/v1/ingest/sns",
                   [state](RouteContext& rc, Responder responder) {
                     sns_delivery(state, rc.request, std::move(responder));
                   });
  if (!ctx.config.sources.sns.verify) {
    spdlog::warn("sources.sns.verify is false: unsigned SNS deliveries are accepted");
  }
}

}  // namespace alertd::api
