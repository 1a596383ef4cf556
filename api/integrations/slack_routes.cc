// POST /api/v1/integrations/slack/interactions (issue 15 §7): a click on
// the acknowledge, resolve or silence_1h button of an alertd message.
//
// Slack cannot send an alertd token, so its request signature is the
// authentication (notify.slack_app.signing_secret), and the clicking user
// is mapped to a person, and so a role, through people[].slack_user. Slack
// wants an answer within 3 s and ignores the body of a block_actions
// answer, so the route answers 200 once the request is checked, and what
// came of it (committed, or refused and why) is posted to the request's
// response_url from a background thread: never an io thread, never the
// correlator's or the store writer's. A refusal to an unknown user or a
// role too low is posted too: the user never sees a silent success.
//
// It runs on a store reader thread: the incident is read first, for its
// tenant (people have none; the command acts in the incident's own) and,
// for silence_1h, its members' labels.

#include <spdlog/spdlog.h>

#include <boost/beast/http.hpp>
#include <string>

#include "api/api_context.h"
#include "api/integrations/slack_interaction.h"
#include "api/integrations/slack_outcome.h"
#include "api/responses.h"
#include "api/router.h"
#include "api/silences/create.h"
#include "sinks/notify/transport.h"
#include "sinks/store/store.h"
#include "telemetry/registry.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;
using slack::Interaction;

// Every result, created at 0 so rate() works before the first one.
constexpr std::string_view kResults[] = {
    "accepted",     "invalid_signature", "stale_request", "invalid_interaction",
    "unknown_user", "forbidden",         "refused"};

struct SlackApi {
  ApiContext& ctx;
  telemetry::CounterFamily& results;

  void count(std::string_view result) const { results.with({result}).inc(); }

  /// Posts `body` to the interaction's response_url (none: nothing to do)
  /// on a background thread: an HTTP POST may take its full timeout.
  void post(const Interaction& in, std::string body) const {
    if (in.response_url.empty()) return;
    auto* clock = &ctx.clock;
    const bool started = ctx.background.run([clock, url = in.response_url, body = std::move(body)] {
      const sinks::notify::Receiver receiver{"slack_response_url",
                                             sinks::notify::WebhookReceiver{url, {}, {}}};
      sinks::notify::Message message;
      message.body = body;
      auto sent = sinks::notify::send_message(receiver, message, {}, *clock);
      // The URL is a credential of its own (it can post to the channel): never logged.
      if (!sent.delivered()) {
        spdlog::warn("Slack response_url post failed: status {} {}", sent.status, sent.detail);
      }
    });
    if (!started) spdlog::warn("Slack response_url post dropped: alertd is stopping");
  }

  /// 200 with the ephemeral refusal, posted to response_url as well.
  Response refuse(const Interaction& in, std::string_view result, std::string_view text) const {
    count(result);
    auto body = slack::ephemeral_message(text);
    post(in, body);
    return json_response(200, std::move(body));
  }

  /// What the pipeline answered, told to the user.
  void tell(const Interaction& in, const core::LifecycleResult& r) const {
    if (core::refused(r.verdict) || !r.incident) {
      count("refused");
      return post(in, slack::ephemeral_message("Could not " + in.action_id + " " + in.incident_id +
                                               ": " + r.detail));
    }
    count("accepted");
    post(in, slack::outcome_message(*r.incident, in.action_id, in.user_id));
  }
};

std::string header(const Request& request, std::string_view name) {
  auto it = request.find(name);
  return it == request.end() ? std::string() : std::string(it->value());
}

// acknowledge, resolve: the command as the lifecycle routes hand it on; the
// answer comes once committed (or refused by the state machine).
Response run_command(const SlackApi& api, const Interaction& in, const correlator::Person& person,
                     const core::Incident& inc, Engine& engine) {
  auto cmd = slack::command_for(in, person, inc.tenant);
  cmd.reply = std::make_shared<core::CommandReply>();
  cmd.reply->deliver = [api, in](core::LifecycleResult r) { api.tell(in, r); };
  if (!engine.submit_command(std::move(cmd))) {
    return api.refuse(in, "refused", "alertd is busy (too many commands waiting): try again");
  }
  return text_response(200, "", "text/plain");
}

// silence_1h: the silence is made on the store writer thread, as the
// silences API makes its own.
Response run_silence(const SlackApi& api, const Interaction& in,
                     const sinks::IncidentDetail& detail, Engine& engine) {
  const auto now = api.ctx.clock.now();
  auto silence = slack::silence_for(in, detail, engine.settings()->correlation, now);
  if (!silence) return api.refuse(in, "refused", "Could not silence: " + silence.error().message);
  auto job = [api, in, inc = detail.incident, s = std::move(*silence), now]() mutable {
    auto* store = api.ctx.store.load(std::memory_order_acquire);
    if (store == nullptr) return;
    auto created = create_silence(api.ctx, *store, std::move(s), now);
    if (auto* r = std::get_if<Refusal>(&created)) {
      api.count("refused");
      return api.post(in,
                      slack::ephemeral_message("Could not silence " + inc.id + ": " + r->detail));
    }
    api.count("accepted");
    api.post(in, slack::outcome_message(inc, in.action_id, in.user_id));
  };
  if (!engine.submit_to_writer(std::move(job))) {
    return api.refuse(in, "refused", "alertd is busy (the store is behind): try again");
  }
  return text_response(200, "", "text/plain");
}

// The checked interaction, as the person it maps to.
Response act(const SlackApi& api, const Interaction& in, Engine& engine, sinks::Store& store) {
  const auto settings = engine.settings();
  const auto* person = slack::person_of(settings->oncall, in.user_id);
  if (person == nullptr) {
    return api.refuse(in, "unknown_user",
                      "alertd does not know your Slack user " + in.user_id +
                          " (people[].slack_user): nothing was done. Ask an alertd admin.");
  }
  if (person->role < slack::kNeededRole) {
    return api.refuse(in, "forbidden",
                      "Your alertd role " + std::string(core::to_string(person->role)) +
                          " may not " + in.action_id +
                          " incidents (needs responder): nothing "
                          "was done.");
  }
  auto got = store.get(in.incident_id);
  if (!got) return api.refuse(in, "refused", "alertd's store is unavailable: try again");
  if (!*got) return api.refuse(in, "refused", "alertd has no incident " + in.incident_id);
  if (in.action_id == "silence_1h") return run_silence(api, in, **got, engine);
  return run_command(api, in, *person, (*got)->incident, engine);
}

Response handle(const SlackApi& api, RouteContext& rc) {
  const auto& config = api.ctx.config.notify;
  if (config.slack_signing_secret.empty()) {
    return error_response(404, "slack_app_not_configured",
                          "notify.slack_app.signing_secret is not set: Slack interactions are off");
  }
  auto* engine = api.ctx.pipeline.load(std::memory_order_acquire);
  auto* store = api.ctx.store.load(std::memory_order_acquire);
  if (engine == nullptr || store == nullptr) return not_ready_response();
  const auto& body = rc.request.body();
  if (body.size() > slack::kMaxInteractionBytes) {
    return error_response(413, "body_too_large", "a Slack interaction is at most 256 KiB");
  }
  const auto check = slack::verify_request(
      config.slack_signing_secret, header(rc.request, "X-Slack-Request-Timestamp"),
      header(rc.request, "X-Slack-Signature"), body, api.ctx.clock.now());
  if (check != slack::SignatureCheck::valid) {
    const auto reason = slack::to_string(check);
    api.count(reason);
    return error_response(401, reason,
                          check == slack::SignatureCheck::stale_request
                              ? "X-Slack-Request-Timestamp is more than 5 minutes from now"
                              : "X-Slack-Signature does not verify with the signing secret");
  }
  auto in = slack::parse_interaction(body, config.slack_response_url_prefix);
  if (!in) {
    api.count("invalid_interaction");
    return error_response(400, "invalid_interaction", in.error().message);
  }
  return act(api, *in, *engine, *store);
}

}  // namespace

void add_slack_routes(Router& router, ApiContext& ctx) {
  auto& results = ctx.metrics.registry.counter(
      "alertd_slack_interactions_total",
      "Slack button clicks (interactions), by what came of them.", {"result"});
  for (auto result : kResults) results.with({result});
  const SlackApi api{ctx, results};
  router.add(
      bhttp::verb::post, "/api/v1/integrations/slack/interactions",
      [api](RouteContext& rc) { return handle(api, rc); }, Runs::store_reader);
}

}  // namespace alertd::api
