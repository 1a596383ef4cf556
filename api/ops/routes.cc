// Operations endpoints: health, readiness, metrics and reload. Only reload
// is protected (admin): probes and scrapers carry no token, and what they
// read names no tenant's data.

#include <spdlog/spdlog.h>

#include <boost/beast/http.hpp>
#include <optional>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/responses.h"
#include "api/router.h"
#include "core/json_writer.h"
#include "sinks/store/store.h"

namespace alertd::api {

namespace bhttp = boost::beast::http;

namespace {

// Ready means the store answers too: with PostgreSQL a lost server makes
// /-/ready 503 (ingest still answers; the writer retries meanwhile). The
// writer keeps that state current; this never asks the store itself.
// Empty when ready, else the refusal /-/ready answers.
std::optional<Response> not_ready(const ApiContext& ctx) {
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return not_ready_response();
  if (auto trouble = pipeline->store_trouble()) return store_unavailable_response(*trouble);
  // A journal that cannot be written answers every ingest 503.
  if (auto trouble = pipeline->journal_trouble()) {
    return error_response(503, "journal_unavailable", *trouble, {.retry_after_seconds = 5});
  }
  return std::nullopt;
}

}  // namespace

void add_ops_routes(Router& router, ApiContext& ctx) {
  router.add(bhttp::verb::get, "/-/healthy",
             [](RouteContext&) { return json_response(200, R"({"status":"healthy"})"); });
  router.add(bhttp::verb::get, "/-/ready", [&ctx](RouteContext&) {
    if (auto refusal = not_ready(ctx)) return std::move(*refusal);
    return json_response(200, R"({"status":"ready"})");
  });
  // Like Prometheus' /-/reload: re-reads the config file (daemon/reloader.h);
  // a bad file leaves everything in place and the answer lists every error.
  // The answer names the changed keys that need a restart.
  router.add(
      bhttp::verb::post, "/-/reload",
      [&ctx](RouteContext& rc) {
        auto who = authorize(ctx, rc.request, core::Role::admin);
        if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
        if (!ctx.reload || !ctx.ready()) return not_ready_response();
        spdlog::info("reload requested over HTTP by {}", std::get<Principal>(who).name);
        auto result = ctx.reload();
        if (!result) return error_response(400, result.error().reason, result.error().message);
        std::string body;
        core::JsonWriter w(body);
        w.begin_object().field("status", "reloaded").field("detail", result->summary);
        w.key("restart_needed").begin_array();
        for (const auto& key : result->restart_needed) w.value(key);
        w.end_array().end_object();
        return json_response(200, std::move(body));
      },
      // It reads and compiles files, and waits for a SIGHUP reload running
      // beside it: on the reader threads, never on an io thread.
      Runs::store_reader);

  router.add(bhttp::verb::get, "/metrics", [&ctx](RouteContext&) {
    ctx.metrics.ready.set(not_ready(ctx) ? 0 : 1);
    return text_response(200, ctx.metrics.registry.render(),
                         "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace alertd::api
