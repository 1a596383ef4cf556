// The daemon's wiring of the API, in one place so that every server built
// from a config (the daemon's, the HTTP fuzz target's) has the same routes
// and the same limits and counters.

#include "api/api_context.h"
#include "api/responses.h"
#include "api/router.h"

namespace alertd::api {

void add_all_routes(Router& router, ApiContext& ctx) {
  add_ingest_routes(router, ctx);
  add_incident_routes(router, ctx);
  add_lifecycle_routes(router, ctx);
  add_ops_routes(router, ctx);
  add_silence_routes(router, ctx);
  add_audit_routes(router, ctx);
  add_store_routes(router, ctx);
  add_problem_routes(router, ctx);
  add_oncall_routes(router, ctx);
  add_slack_routes(router, ctx);
  add_notify_routes(router, ctx);
  add_console_routes(router, ctx);
}

ServerOptions server_options(const config::DaemonConfig& config, telemetry::Metrics& metrics) {
  ServerOptions o;
  o.threads = config.http.threads;
  o.max_body_bytes = config.http.max_body_bytes;
  o.read_timeout = config.http.read_timeout;
  o.max_connections = config.http.max_connections;
  o.max_header_bytes = config.http.header_limit;
  o.max_connections_per_ip = config.http.max_connections_per_ip;
  o.refuse = [&metrics](unsigned status, std::string_view reason, std::string_view detail) {
    metrics.rejected(reason, "http").inc();
    return error_response(status, reason, detail);
  };
  o.fail = [&metrics](unsigned status, std::string_view reason, std::string_view detail) {
    metrics.api_errors(reason).inc();
    return error_response(status, reason, detail);
  };
  o.dropped = [&metrics](std::string_view reason) { metrics.api_errors(reason).inc(); };
  return o;
}

}  // namespace alertd::api
