// Operations endpoints: health, readiness and metrics.

#include <boost/beast/http.hpp>

#include "daemon/http/api_context.h"
#include "daemon/http/responses.h"
#include "daemon/http/router.h"

namespace alertd::daemon::http {

namespace bhttp = boost::beast::http;

void add_ops_routes(Router& router, ApiContext& ctx) {
  router.add(bhttp::verb::get, "/-/healthy",
             [](RouteContext&) { return json_response(200, R"({"status":"healthy"})"); });
  router.add(bhttp::verb::get, "/-/ready", [&ctx](RouteContext&) {
    if (!ctx.ready()) return not_ready_response();
    return json_response(200, R"({"status":"ready"})");
  });
  router.add(bhttp::verb::get, "/metrics", [&ctx](RouteContext&) {
    return text_response(200, ctx.metrics.registry.render(),
                         "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace alertd::daemon::http
