// Problem management (core/problem.h): list and read problems (viewer), and
// record a known error, resolve or close one (incident_manager). The store
// opens problems and links incidents on its own (correlator/problems/recurrence.h, run by the
// store); people only move them along (correlator/problems/problem.h), and every change is one
// store transaction with its audit entry.

#include <boost/beast/http.hpp>
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
#include "core/problem.h"
#include "correlator/problems/problem.h"
#include "sinks/store/store.h"
#include "sinks/store/store_input.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;
using core::ProblemAction;

constexpr size_t kMaxBodyBytes = 64 << 10;
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxTextBytes = 16 << 10;

Response not_found(std::string_view id) {
  return error_response(404, "not_found", "no problem with id \"" + clip(id) + "\"");
}

std::vector<FieldSpec> fields_of(ProblemAction a) {
  const FieldSpec actor{"actor", false, kMaxNameBytes};  // with auth the token acts (acting_as)
  const FieldSpec root_cause{"root_cause", false, kMaxTextBytes};
  switch (a) {
    case ProblemAction::known_error:
      return {actor, {"workaround", true, kMaxTextBytes}, root_cause};
    case ProblemAction::resolve: return {actor, {"resolution", true, kMaxTextBytes}, root_cause};
    case ProblemAction::close: return {actor, {"notes", false, kMaxTextBytes}};
  }
  return {actor};
}

Response list_problems(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = ctx.store.load(std::memory_order_acquire);
  if (store == nullptr) return not_ready_response();
  sinks::ProblemFilter filter;
  filter.tenant = std::get<Principal>(who).tenant;
  if (auto s = rc.query_value("status")) {
    filter.status = core::parse_problem_status(*s);
    if (!filter.status) {
      return error_response(
          400, "invalid_status",
          "status \"" + clip(*s) + "\" is not one of open, known_error, resolved, closed");
    }
  }
  if (auto refused = read_page_query(rc, filter.limit, filter.before_seq)) {
    return std::move(*refused);
  }
  auto page = store->list_problems(filter);
  if (!page) return store_unavailable_response(page.error().message);
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().key("problems").begin_array();
  for (const auto& p : page->problems) {
    w.begin_object();
    write_problem_fields(w, p);
    w.end_object();
  }
  w.end_array();
  write_next_cursor(w, page->next_cursor);
  w.end_object();
  return json_response(200, std::move(body));
}

// The problem, its incidents (a purged one by id only) and its own audit entries.
Response get_problem(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = ctx.store.load(std::memory_order_acquire);
  if (store == nullptr) return not_ready_response();
  const auto id = *rc.param("id");
  auto detail = store->get_problem(id);
  if (!detail) return store_unavailable_response(detail.error().message);
  if (!*detail || !can_see(std::get<Principal>(who), (*detail)->problem.tenant)) {
    return not_found(id);
  }
  auto entries = store->timeline(id);
  if (!entries) return store_unavailable_response(entries.error().message);
  std::string body;
  core::JsonWriter w(body);
  w.begin_object();
  write_problem_fields(w, (*detail)->problem);
  w.key("incidents").begin_array();
  for (const auto& pi : (*detail)->incidents) {
    w.begin_object().field("id", pi.id);
    w.key("linked_at").time(pi.linked_at);
    w.field("purged", !pi.incident.has_value());
    if (pi.incident) {
      w.field("title", pi.incident->title)
          .field("status", core::to_string(pi.incident->status))
          .field("priority", core::to_string(pi.incident->priority));
      w.key("opened_at").time(pi.incident->opened_at);
      w.key("resolved_at").time(pi.incident->resolved_at);
    }
    w.end_object();
  }
  w.end_array().key("timeline").begin_array();
  for (const auto& e : *entries) write_audit_entry(w, e);
  w.end_array().end_object();
  return json_response(200, std::move(body));
}

Response answer(const core::ProblemResult& r) {
  if (core::refused(r.verdict)) {
    // A 409 always names what is allowed, [] for a closed problem.
    if (r.verdict != core::Verdict::conflict) {
      return error_response(http_status(r.verdict), r.error, r.detail);
    }
    return refusal_with_allowed(http_status(r.verdict), r.error, r.detail, r.allowed);
  }
  std::string body;
  core::JsonWriter w(body);
  w.begin_object();
  if (r.problem) write_problem_fields(w, *r.problem);
  w.end_object();
  return json_response(http_status(r.verdict), std::move(body));
}

Response act(ApiContext& ctx, RouteContext& rc, ProblemAction action) {
  auto caller = authorize(ctx, rc.request, core::Role::incident_manager);
  if (auto* refused = std::get_if<Response>(&caller)) return std::move(*refused);
  auto* store = ctx.store.load(std::memory_order_acquire);
  if (store == nullptr) return not_ready_response();
  const auto& who = std::get<Principal>(caller);
  const auto specs = fields_of(action);
  auto fields = read_text_fields(rc.request.body(), kMaxBodyBytes, "a problem request",
                                 core::to_string(action), specs);
  if (auto* r = std::get_if<Refusal>(&fields)) {
    return error_response(r->status, r->reason, r->detail);
  }
  auto& f = std::get<Fields>(fields);
  core::ProblemCommand cmd;
  cmd.action = action;
  cmd.problem_id = std::string(*rc.param("id"));
  auto acting = require_actor(who, take(f, "actor"));
  if (auto* refused = std::get_if<Response>(&acting)) return std::move(*refused);
  auto& by = std::get<Acting>(acting);
  cmd.actor = std::move(by.actor);
  cmd.on_behalf_of = std::move(by.on_behalf_of);
  cmd.authenticated = by.authenticated;
  cmd.workaround = take(f, "workaround").value_or("");
  cmd.root_cause = take(f, "root_cause").value_or("");
  cmd.text = take(f, "resolution").value_or(take(f, "notes").value_or(""));
  cmd.role = who.role;
  cmd.at = sinks::to_stored(ctx.clock.now());  // the answer shows what the store keeps
  cmd.tenant = who.tenant;  // as for incidents: ?tenant= names another one without auth
  auto result =
      store->edit_problem(cmd.problem_id, [&](core::Problem& p, std::vector<core::AuditEntry>& a) {
        return correlator::apply_problem_command(p, cmd, a);
      });
  if (!result) return store_unavailable_response(result.error().message);
  if (result->verdict == core::Verdict::not_found) return not_found(cmd.problem_id);
  return answer(*result);
}

}  // namespace

void add_problem_routes(Router& router, ApiContext& ctx) {
  router.add(
      bhttp::verb::get, "/api/v1/problems",
      [&ctx](RouteContext& rc) { return list_problems(ctx, rc); }, Runs::store_reader);
  router.add(
      bhttp::verb::get, "/api/v1/problems/{id}",
      [&ctx](RouteContext& rc) { return get_problem(ctx, rc); }, Runs::store_reader);
  for (auto action : core::kProblemActions) {
    router.add(
        bhttp::verb::post, "/api/v1/problems/{id}/" + std::string(core::to_string(action)),
        [&ctx, action](RouteContext& rc) { return act(ctx, rc, action); }, Runs::store_writer);
  }
}

}  // namespace alertd::api
