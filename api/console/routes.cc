// The web console (docs/console.md): its page at `/`, its scripts and styles
// under /console/, all compiled into the binary; and GET /api/v1/whoami, which
// tells the page who its token is so it shows only the actions the role may
// take (the API refuses the others anyway).

#include <boost/beast/http.hpp>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/console/assets.h"
#include "api/responses.h"
#include "api/router.h"
#include "core/json_writer.h"

namespace alertd::api {

namespace bhttp = boost::beast::http;

namespace {

const console::Asset* find_asset(std::string_view name) {
  for (const auto& asset : console::assets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

// The page loads only its own files and talks only to its own origin, so a
// label value that reaches the page can never load or run anything else.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

Response asset_response(const console::Asset& asset) {
  auto r = text_response(200, std::string(asset.body), asset.content_type);
  // Served from memory, so revalidating costs nothing, and a new binary's
  // console is never mixed with an old one's cached scripts.
  r.set(bhttp::field::cache_control, "no-cache");
  r.set("Content-Security-Policy", kContentSecurityPolicy);
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace

void add_console_routes(Router& router, ApiContext& ctx) {
  router.add(bhttp::verb::get, "/", [](RouteContext&) {
    const auto* page = find_asset("index.html");
    if (page == nullptr) return error_response(404, "not_found", "the console is not built in");
    return asset_response(*page);
  });
  router.add(bhttp::verb::get, "/console/{file}", [](RouteContext& rc) {
    auto name = rc.param("file").value_or("");
    const auto* asset = find_asset(name);
    if (asset == nullptr) return error_response(404, "not_found", "no such console file");
    return asset_response(*asset);
  });
  router.add(bhttp::verb::get, "/api/v1/whoami", [&ctx](RouteContext& rc) {
    auto who = authorize(ctx, rc.request, core::Role::viewer);
    if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
    const auto& p = std::get<Principal>(who);
    std::string body;
    core::JsonWriter w(body);
    w.begin_object()
        .field("name", p.name)
        .field("role", core::to_string(p.role))
        .field("tenant", p.tenant)
        .field("authenticated", p.authenticated)
        .end_object();
    return json_response(200, std::move(body));
  });
}

}  // namespace alertd::api
