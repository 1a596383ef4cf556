// Store API: the quarantine, where the store writer keeps incident updates
// the store refused for good (sinks/store/quarantine.h). Admin only: a
// record quotes alerts of any tenant.

#include <boost/beast/http.hpp>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/responses.h"
#include "api/router.h"
#include "core/incident_json.h"
#include "core/json_writer.h"
#include "sinks/store/store.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

Response list_quarantine(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::admin);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = ctx.store.load(std::memory_order_acquire);
  if (store == nullptr) return not_ready_response();
  size_t limit = 100;
  std::optional<int64_t> before;
  if (auto refused = read_page_query(rc, limit, before)) return std::move(*refused);
  auto page = store->list_quarantine(before, limit);
  if (!page) return store_unavailable_response(page.error().message);
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().key("records").begin_array();
  for (const auto& q : page->records) {
    w.begin_object().field("seq", q.seq).key("at").time(q.at);
    w.field("incident_id", q.incident_id).field("tenant", q.tenant);
    w.field("reason", q.reason).field("error", q.error);
    w.key("update").raw(q.update_json).end_object();
  }
  w.end_array();
  write_next_cursor(w, page->next_cursor);
  w.end_object();
  return json_response(200, std::move(body));
}

}  // namespace

void add_store_routes(Router& router, ApiContext& ctx) {
  router.add(
      bhttp::verb::get, "/api/v1/store/quarantine",
      [&ctx](RouteContext& rc) { return list_quarantine(ctx, rc); }, Runs::store_reader);
}

}  // namespace alertd::api
