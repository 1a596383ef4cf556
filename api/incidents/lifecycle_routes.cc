// The incident lifecycle API: acknowledge, assign, escalate, vendor,
// resolve, close, comment, reopen, PATCH and creating an incident by hand.
//
// The handler checks what a request says (fields, sizes) and hands a
// command to the pipeline, which runs the state machine
// (correlator/lifecycle/lifecycle.h) on the thread that owns the incident and answers
// once the change is committed to the store: a client must not see a
// change the store could still lose. The io thread does not wait for it;
// the answer reaches the connection through its Responder.

#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/json_body.h"
#include "api/responses.h"
#include "api/router.h"
#include "core/incident_json.h"
#include "core/json_writer.h"
#include "core/lifecycle.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;
namespace od = simdjson::ondemand;
using core::LifecycleAction;

constexpr size_t kMaxBodyBytes = 64 << 10;
constexpr size_t kMaxNameBytes = 256;  // actor, team, assignee, vendor, ...
constexpr size_t kMaxTitleBytes = 512;
constexpr size_t kMaxTextBytes = 16 << 10;  // comment, summary, notes, review, reason

// What each action reads from its body; every other field is refused.
std::vector<FieldSpec> fields_of(LifecycleAction a) {
  // Optional: with auth the token is the actor (auth.h acting_as()).
  const FieldSpec actor{"actor", false, kMaxNameBytes};
  switch (a) {
    case LifecycleAction::acknowledge: return {actor};
    case LifecycleAction::assign:
      return {actor, {"team", true, kMaxNameBytes}, {"assignee", false, kMaxNameBytes}};
    case LifecycleAction::escalate:
      return {actor, {"to", true, kMaxNameBytes}, {"reason", true, kMaxTextBytes}};
    case LifecycleAction::vendor:
      return {actor, {"vendor", true, kMaxNameBytes}, {"contact_method", true, kMaxNameBytes}};
    case LifecycleAction::resolve: return {actor, {"summary", true, kMaxTextBytes}};
    case LifecycleAction::close:
      return {actor, {"notes", false, kMaxTextBytes}, {"review", false, kMaxTextBytes}};
    case LifecycleAction::comment: return {actor, {"text", true, kMaxTextBytes}};
    case LifecycleAction::reopen: return {actor, {"reason", true, kMaxTextBytes}};
    case LifecycleAction::update:
      return {actor,
              {"justification", true, kMaxTextBytes},
              {"title", false, kMaxTitleBytes},
              {"category", false, kMaxNameBytes},
              {"impact", false, kMaxNameBytes},
              {"urgency", false, kMaxNameBytes},
              {"priority", false, kMaxNameBytes}};
    case LifecycleAction::create:
      return {actor,
              {"title", true, kMaxTitleBytes},
              {"service", false, kMaxNameBytes},
              {"category", false, kMaxNameBytes},
              {"impact", false, kMaxNameBytes},
              {"urgency", false, kMaxNameBytes},
              {"priority", false, kMaxNameBytes}};
  }
  return {actor};
}

std::variant<Fields, Refusal> read_body(const std::string& body, LifecycleAction action) {
  const auto specs = fields_of(action);
  auto fields =
      read_text_fields(body, kMaxBodyBytes, "a lifecycle request", core::to_string(action), specs);
  if (action == LifecycleAction::update) {
    if (auto* f = std::get_if<Fields>(&fields); f != nullptr && f->size() == 2) {
      return Refusal{400, "missing_field",
                     "name at least one of title, category, impact, urgency, priority to change"};
    }
  }
  return fields;
}

// The command a valid body asks for.
std::variant<core::LifecycleCommand, Refusal> build_command(LifecycleAction action, Fields f) {
  core::LifecycleCommand c;
  c.action = action;
  c.actor = take(f, "actor").value_or("");  // replaced by acting_as() in read_command
  c.team = take(f, "team").value_or(take(f, "to").value_or(""));
  c.assignee = take(f, "assignee").value_or("");
  c.reason = take(f, "reason").value_or("");
  c.vendor = take(f, "vendor").value_or("");
  c.contact_method = take(f, "contact_method").value_or("");
  c.text = take(f, "text").value_or(take(f, "summary").value_or(take(f, "notes").value_or("")));
  c.review = take(f, "review").value_or("");
  c.justification = take(f, "justification").value_or("");
  c.title = take(f, "title");
  c.service = take(f, "service");
  c.category = take(f, "category");
  c.impact = take(f, "impact");
  c.urgency = take(f, "urgency");
  if (auto p = take(f, "priority")) {
    c.priority = core::parse_priority(*p);
    if (!c.priority) return Refusal{422, "invalid_value", "priority must be one of P1, P2, P3, P4"};
  }
  return c;
}

Response answer(const core::LifecycleResult& r) {
  if (core::refused(r.verdict)) {
    if (r.allowed.empty()) return error_response(http_status(r.verdict), r.error, r.detail);
    return refusal_with_allowed(http_status(r.verdict), r.error, r.detail, r.allowed);
  }
  std::string body;
  core::JsonWriter w(body);
  w.begin_object();
  if (r.incident) write_incident_fields(w, *r.incident);
  w.end_object();
  return json_response(http_status(r.verdict), std::move(body));
}

// The command, or the answer to give now instead.
std::variant<core::LifecycleCommand, Response> read_command(ApiContext& ctx, RouteContext& rc,
                                                            LifecycleAction action) {
  // Closing a P1/P2 needs more (incident_manager): the state machine
  // checks that, as it alone knows the priority.
  auto caller = authorize(ctx, rc.request, core::Role::responder);
  if (auto* refused = std::get_if<Response>(&caller)) return std::move(*refused);
  auto& who = std::get<Principal>(caller);
  auto fields = read_body(rc.request.body(), action);
  if (auto* r = std::get_if<Refusal>(&fields)) {
    return error_response(r->status, r->reason, r->detail);
  }
  auto built = build_command(action, std::move(std::get<Fields>(fields)));
  if (auto* r = std::get_if<Refusal>(&built)) {
    return error_response(r->status, r->reason, r->detail);
  }
  auto& cmd = std::get<core::LifecycleCommand>(built);
  if (auto id = rc.param("id")) cmd.incident_id = std::string(*id);
  auto acting = require_actor(who, cmd.actor.empty() ? std::nullopt : std::optional(cmd.actor));
  if (auto* refused = std::get_if<Response>(&acting)) return std::move(*refused);
  auto& by = std::get<Acting>(acting);
  cmd.actor = std::move(by.actor);
  cmd.on_behalf_of = std::move(by.on_behalf_of);
  cmd.authenticated = by.authenticated;
  cmd.role = who.role;
  cmd.tenant = who.tenant;
  return std::move(cmd);
}

// Hands the command to the pipeline; the answer comes from the correlator
// or, once committed, from the store writer. The io thread moves on.
void run(ApiContext& ctx, RouteContext& rc, Responder responder, LifecycleAction action) {
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return responder.send(not_ready_response());
  auto read = read_command(ctx, rc, action);
  if (auto* refused = std::get_if<Response>(&read)) return responder.send(std::move(*refused));
  auto& cmd = std::get<core::LifecycleCommand>(read);
  cmd.reply = std::make_shared<core::CommandReply>();
  cmd.reply->deliver = [responder](core::LifecycleResult r) { responder.send(answer(r)); };
  responder.answer_by(kStoreWait, store_wait_expired);
  if (!pipeline->submit_command(std::move(cmd))) {
    responder.send(
        store_unavailable_response("too many lifecycle commands are waiting; retry shortly"));
  }
}

}  // namespace

void add_lifecycle_routes(Router& router, ApiContext& ctx) {
  const std::pair<std::string_view, LifecycleAction> actions[] = {
      {"acknowledge", LifecycleAction::acknowledge}, {"assign", LifecycleAction::assign},
      {"escalate", LifecycleAction::escalate},       {"vendor", LifecycleAction::vendor},
      {"resolve", LifecycleAction::resolve},         {"close", LifecycleAction::close},
      {"comment", LifecycleAction::comment},         {"reopen", LifecycleAction::reopen},
  };
  for (auto [name, action] : actions) {
    router.add_async(bhttp::verb::post, "/api/v1/incidents/{id}/" + std::string(name),
                     // `action = action`: clang 14 cannot capture a structured binding.
                     [&ctx, action = action](RouteContext& rc, Responder responder) {
                       run(ctx, rc, responder, action);
                     });
  }
  router.add_async(bhttp::verb::patch, "/api/v1/incidents/{id}",
                   [&ctx](RouteContext& rc, Responder responder) {
                     run(ctx, rc, responder, LifecycleAction::update);
                   });
  router.add_async(bhttp::verb::post, "/api/v1/incidents",
                   [&ctx](RouteContext& rc, Responder responder) {
                     run(ctx, rc, responder, LifecycleAction::create);
                   });
}

}  // namespace alertd::api
