// Read-only incident API, answered from the store (the correlator's memory
// holds only active incidents; the store holds everything). Every endpoint
// needs the viewer role and shows only the caller's tenant (auth.h).

#include <simdjson.h>

#include <boost/beast/http.hpp>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/incidents/report.h"
#include "api/incidents/stats.h"
#include "api/responses.h"
#include "api/router.h"
#include "core/incident_json.h"
#include "core/json_writer.h"
#include "sinks/store/store.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

Response store_error(const core::Error& e) {
  return store_unavailable_response(e.message);
}

// Builds the filter from the query string, or the 400 that explains why not.
std::variant<sinks::IncidentFilter, Response> parse_filter(const RouteContext& rc) {
  sinks::IncidentFilter f;
  if (auto s = rc.query_value("status")) {
    f.status = core::parse_incident_status(*s);
    if (!f.status) {
      return error_response(400, "invalid_status",
                            "status \"" + std::string(*s) +
                                "\" is not one of open, in_progress, escalated, "
                                "pending_vendor, resolved, closed");
    }
  }
  if (auto s = rc.query_value("service")) f.service = std::string(*s);
  if (auto s = rc.query_value("priority")) {
    f.priority = core::parse_priority(*s);
    if (!f.priority) {
      return error_response(400, "invalid_priority", "priority must be one of P1, P2, P3, P4");
    }
  }
  if (auto refused = read_page_query(rc, f.limit, f.before_seq)) return std::move(*refused);
  return f;
}

Response list_incidents(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = ctx.store.load(std::memory_order_acquire);
  if (store == nullptr) return not_ready_response();
  auto parsed = parse_filter(rc);
  if (auto* r = std::get_if<Response>(&parsed)) return std::move(*r);
  auto& filter = std::get<sinks::IncidentFilter>(parsed);
  filter.tenant = std::get<Principal>(who).tenant;
  auto page = store->list(filter);
  if (!page) return store_error(page.error());
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().key("incidents").begin_array();
  for (const auto& i : page->incidents) {
    w.begin_object();
    write_incident_fields(w, i);
    w.end_object();
  }
  w.end_array();
  write_next_cursor(w, page->next_cursor);
  w.end_object();
  return json_response(200, std::move(body));
}

Response not_found(std::string_view id) {
  return error_response(404, "not_found", "no incident with id \"" + std::string(id) + "\"");
}

/// The incident `id` as `who` may see it (another tenant's reads as
/// absent), or the error to answer.
std::variant<sinks::IncidentDetail, Response> visible_incident(sinks::Store& store,
                                                               const Principal& who,
                                                               std::string_view id) {
  auto detail = store.get(id);  // any tenant's: the tenant is checked here
  if (!detail) return store_error(detail.error());
  if (!*detail || !can_see(who, (*detail)->incident.tenant)) return not_found(id);
  return std::move(**detail);
}

Response get_incident(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = ctx.store.load(std::memory_order_acquire);
  if (store == nullptr) return not_ready_response();
  auto id = *rc.param("id");
  auto visible = visible_incident(*store, std::get<Principal>(who), id);
  if (auto* refused = std::get_if<Response>(&visible)) return std::move(*refused);
  const auto& detail = std::get<sinks::IncidentDetail>(visible);
  std::string body;
  core::JsonWriter w(body);
  w.begin_object();
  write_incident_fields(w, detail.incident);
  w.key("members").begin_array();
  for (const auto& m : detail.members) write_member(w, m);
  w.end_array().end_object();
  return json_response(200, std::move(body));
}

// The tenant a purged incident had, from its last (purge) entry; "" if none.
std::string purged_tenant(const std::optional<core::AuditEntry>& last) {
  if (!last || last->action != "purge") return "";
  simdjson::dom::parser parser;
  std::string_view tenant;
  if (parser.parse(last->detail)["tenant"].get(tenant)) return "";
  return std::string(tenant);
}

/// Whether `who` may read the trail of incident `id`, or the error to answer:
/// a live incident by its row, one purged by retention by its purge entry.
std::optional<Response> timeline_refused(sinks::Store& store, const Principal& who,
                                         std::string_view id) {
  auto detail = store.get(id);
  if (!detail) return store_error(detail.error());
  if (*detail) {
    if (!can_see(who, (*detail)->incident.tenant)) return not_found(id);
    return std::nullopt;
  }
  auto last = store.last_timeline_entry(id);
  if (!last) return store_error(last.error());
  const auto tenant = purged_tenant(*last);
  if (tenant.empty() || !can_see(who, tenant)) return not_found(id);
  return std::nullopt;
}

// An incident's audit trail, oldest first, a page at a time (the cursor is
// the seq the next page starts after); it outlives the incident when
// retention purged it.
Response get_timeline(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = ctx.store.load(std::memory_order_acquire);
  if (store == nullptr) return not_ready_response();
  sinks::TimelineQuery query;
  if (auto refused = read_page_query(rc, query.limit, query.after_seq)) return std::move(*refused);
  auto id = *rc.param("id");
  if (auto refused = timeline_refused(*store, std::get<Principal>(who), id)) {
    return std::move(*refused);
  }
  auto page = store->timeline(id, query);
  if (!page) return store_error(page.error());
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("incident_id", id).key("entries").begin_array();
  for (const auto& e : page->entries) write_audit_entry(w, e);
  w.end_array();
  write_next_cursor(w, page->next_cursor);
  w.end_object();
  return json_response(200, std::move(body));
}

constexpr auto kMaxStatsWindow = std::chrono::hours(24 * 366);
constexpr size_t kMaxStatsIncidents = 200'000;  // a bound on one request's memory

Response get_stats(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = ctx.store.load(std::memory_order_acquire);
  if (store == nullptr) return not_ready_response();
  const std::string window(rc.query_value("window").value_or("7d"));
  auto length = core::parse_duration(window);
  if (!length || *length <= core::Duration::zero() || *length > kMaxStatsWindow) {
    return error_response(400, "invalid_window",
                          "window must be a duration from 1s to 366d, like 24h or 7d");
  }
  const auto since = ctx.clock.now() - *length;
  auto rows = store->opened_since(std::get<Principal>(who).tenant, since, kMaxStatsIncidents + 1);
  if (!rows) return store_error(rows.error());
  const bool truncated = rows->size() > kMaxStatsIncidents;
  if (truncated) rows->resize(kMaxStatsIncidents);
  std::string body;
  core::JsonWriter w(body);
  write_stats(w, compute_stats(*rows), window, since, truncated);
  return json_response(200, std::move(body));
}

Response get_report(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = ctx.store.load(std::memory_order_acquire);
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (store == nullptr || pipeline == nullptr) return not_ready_response();
  auto id = *rc.param("id");
  auto visible = visible_incident(*store, std::get<Principal>(who), id);
  if (auto* refused = std::get_if<Response>(&visible)) return std::move(*refused);
  const auto& detail = std::get<sinks::IncidentDetail>(visible);
  // The first kMaxTimelineRead entries: the report says when there are more.
  auto page = store->timeline(id, {.after_seq = std::nullopt, .limit = sinks::kMaxTimelineRead});
  if (!page) return store_error(page.error());
  const auto rules = pipeline->settings();
  ReportInput in{detail.incident, detail.members,
                 page->entries,   rules->correlation.lifecycle,
                 ctx.clock.now(), page->next_cursor.has_value()};
  auto accept = rc.request[bhttp::field::accept];
  if (accept.find("application/json") != std::string_view::npos) {
    return json_response(200, report_json(in));
  }
  return text_response(200, report_markdown(in), "text/markdown; charset=utf-8");
}

}  // namespace

void add_incident_routes(Router& router, ApiContext& ctx) {
  router.add(
      bhttp::verb::get, "/api/v1/incidents",
      [&ctx](RouteContext& rc) { return list_incidents(ctx, rc); }, Runs::store_reader);
  // Before {id}: the first matching pattern wins.
  router.add(
      bhttp::verb::get, "/api/v1/incidents/stats",
      [&ctx](RouteContext& rc) { return get_stats(ctx, rc); }, Runs::store_reader);
  router.add(
      bhttp::verb::get, "/api/v1/incidents/{id}",
      [&ctx](RouteContext& rc) { return get_incident(ctx, rc); }, Runs::store_reader);
  router.add(
      bhttp::verb::get, "/api/v1/incidents/{id}/report",
      [&ctx](RouteContext& rc) { return get_report(ctx, rc); }, Runs::store_reader);
  router.add(
      bhttp::verb::get, "/api/v1/incidents/{id}/timeline",
      [&ctx](RouteContext& rc) { return get_timeline(ctx, rc); }, Runs::store_reader);
}

}  // namespace alertd::api
