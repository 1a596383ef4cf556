#pragma once
// Access control for the HTTP API: who the caller is (a bearer token of the
// `auth:` section), whether their role is high enough, and which tenant they
// act for. Every handler of a protected endpoint calls authorize() first and
// sends the Response it gets instead of a Principal unchanged.
//
// The role each endpoint family needs (pass it as `needed`):
//   open, no check     GET /metrics, GET /-/healthy, GET /-/ready
//   viewer             GET /api/v1/incidents, /api/v1/incidents/{id}, .../{id}/timeline,
//                      GET /api/v1/incidents/stats, GET /api/v1/silences[/{id}[/timeline]],
//                      GET /api/v1/problems[/{id}]
//   responder          POST /api/v1/silences, DELETE /api/v1/silences/{id};
//                      the incident lifecycle: POST /api/v1/incidents, PATCH and
//                      POST /api/v1/incidents/{id}/{acknowledge|assign|escalate|vendor|
//                      resolve|close|comment|reopen}
//   incident_manager   closing a P1 or P2 (checked by correlator/lifecycle, which
//                      knows the priority), and problem management: POST
//                      /api/v1/problems/{id}/{known_error|resolve|close}
//   admin              POST /-/reload
//   no token           POST /api/v1/integrations/slack/interactions: Slack's request
//                      signature instead, then the role of the person its user maps to
//                      (responder); integrations/slack_routes.cc
//   sender             POST /api/v2/alerts (source "alertmanager"), POST /api/v1/events
//                      ("generic") and every other ingest endpoint under its source's
//                      name (kIngestEndpointSources, docs/sources.md): authorize_ingest();
//                      the source's ingest tokens too, and none for a source named in
//                      auth.open_ingest
//
// Tenants: with auth on, a request acts for its token's tenant only. A
// request that names another tenant (`?tenant=` here, a body `tenant` via
// tenant_forbidden()) is refused 403; a record of another tenant fetched by
// id is answered 404 as if absent (check can_see() after store->get()).
//
// Tokens are compared by a hash lookup of their SHA-256, so the time taken
// depends on the digest, never on how much of a secret a guess got right.

#include <string>
#include <string_view>
#include <variant>

#include "api/api_context.h"
#include "api/server.h"
#include "config/config.h"
#include "core/access.h"

namespace alertd::api {

struct Principal {
  std::string name;  // the token's name; "anonymous" without auth
  core::Role role;
  std::string tenant;
  bool authenticated;  // false only when there is no auth section
};

/// The caller, or the 401/403 response to send. With no `auth` section: an
/// unauthenticated admin principal whose tenant is the request's ?tenant=
/// (or, for handlers that read one, the body's tenant, as before) or
/// "default". Refusals are counted in alertd_api_auth_failures_total.
std::variant<Principal, Response> authorize(const ApiContext& ctx, const Request& req,
                                            core::Role needed);

/// Who a request acts as, for the audit trail and the segregation of duties.
struct Acting {
  std::string actor;         // the token's name with auth; else the body's actor
  std::string on_behalf_of;  // with auth: the body's actor, when it names someone else
  bool authenticated = false;
};

/// With auth, the identity is the token's name and a body `actor` is only
/// on_behalf_of: a token cannot speak as another person. Without auth (the
/// open loopback API) the body's actor is taken on trust, unauthenticated;
/// nullopt then when the body names none (the caller answers 400).
std::optional<Acting> acting_as(const Principal& p, std::optional<std::string> body_actor);
/// acting_as(), or the 400 missing_field to answer when it has no actor.
std::variant<Acting, Response> require_actor(const Principal& p,
                                             std::optional<std::string> body_actor);

/// Whether `p` may see a record of `tenant`: always without auth (the API
/// is open), else only its own tenant's.
bool can_see(const Principal& p, std::string_view tenant);

/// The 403 for a request whose body names `asked` while `p`'s token is for
/// another tenant; nullopt when it may (same tenant, or no auth).
std::optional<Response> tenant_forbidden(const ApiContext& ctx, const Principal& p,
                                         std::string_view asked);

/// Who sent alerts to an ingest endpoint.
struct IngestCaller {
  std::string name;    // "anonymous" for an open source
  std::string tenant;  // the tenant the alerts belong to
  bool authenticated;
};

/// For an ingest endpoint of `source` (one of kIngestEndpointSources). With
/// auth, a token is needed (401 without a known one): an ingest token of this
/// source, or an API token of any role (sender and above); an ingest token
/// of another source is 403. A source in auth.open_ingest, and every source
/// without auth, takes alerts without a token, for tenant "default".
std::variant<IngestCaller, Response> authorize_ingest(const ApiContext& ctx, const Request& req,
                                                      std::string_view source);

/// The same check for a token that came some other way than the
/// Authorization header (PagerDuty's routing_key, a Splunk HEC header).
/// Without auth: the anonymous caller of tenant default.
std::variant<IngestCaller, Response> authorize_ingest_token(const ApiContext& ctx,
                                                            std::string_view token,
                                                            std::string_view source);

/// Whether `source` takes alerts only with a token (auth on, not opened).
bool ingest_needs_token(const ApiContext& ctx, std::string_view source);

/// For the start-up log and check-config: tokens per role and which ingest
/// sources are open. Never a token.
std::string auth_summary(const config::AuthConfig& auth);

}  // namespace alertd::api
