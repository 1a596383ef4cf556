#include "api/auth.h"

#include <absl/container/flat_hash_map.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <boost/beast/http.hpp>
#include <map>
#include <memory>
#include <vector>

#include "api/responses.h"
#include "api/router.h"

namespace alertd::api {

namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kDigestBytes = 32;
constexpr size_t kMaxQuotedTenantBytes = 64;
constexpr std::string_view kAnonymous = "anonymous";
constexpr std::string_view kDefaultTenant = "default";

using Digest = std::array<unsigned char, kDigestBytes>;

Digest sha256(std::string_view text) {
  Digest out{};
  unsigned int size = 0;
  // Cannot fail for SHA-256 on a valid buffer; a zero digest would match no token.
  if (EVP_Digest(text.data(), text.size(), out.data(), &size, EVP_sha256(), nullptr) != 1) {
    out.fill(0);
  }
  return out;
}

}  // namespace

/// Every token of the auth section, by the SHA-256 of its text: lookups
/// never compare secrets byte by byte.
class Credentials {
 public:
  struct Entry {
    bool ingest = false;  // an ingest token, else an API token
    std::string name;
    core::Role role = core::Role::viewer;  // API tokens only
    std::string tenant;
    std::string source;  // ingest tokens only
  };

  explicit Credentials(const config::AuthConfig& auth)
      : enabled_(auth.enabled), open_sources_(auth.open_ingest) {
    for (const auto& t : auth.tokens) {
      by_digest_.emplace(sha256(t.token), Entry{false, t.name, t.role, t.tenant, {}});
    }
    for (const auto& t : auth.ingest) {
      by_digest_.emplace(sha256(t.token), Entry{true, t.name, {}, t.tenant, t.source});
    }
  }

  bool enabled() const { return enabled_; }
  const Entry* find(std::string_view token) const {
    auto it = by_digest_.find(sha256(token));
    return it == by_digest_.end() ? nullptr : &it->second;
  }
  /// Whether alerts to `source` need no token: always without auth, else
  /// only when auth.open_ingest names it.
  bool is_open(std::string_view source) const {
    if (!enabled_) return true;
    for (const auto& s : open_sources_) {
      if (s == source) return true;
    }
    return false;
  }

 private:
  struct DigestHash {
    size_t operator()(const Digest& d) const {
      // The digest is already uniformly spread: its first bytes are a hash.
      size_t h = 0;
      for (size_t i = 0; i < sizeof(h); ++i) h = (h << 8) | d[i];
      return h;
    }
  };
  bool enabled_;
  absl::flat_hash_map<Digest, Entry, DigestHash> by_digest_;
  std::vector<std::string> open_sources_;  // auth.open_ingest
};

std::shared_ptr<const Credentials> make_credentials(const config::AuthConfig& auth) {
  return std::make_shared<const Credentials>(auth);
}

namespace {

/// Client text quoted in an error: short and printable ASCII, so the answer
/// stays valid JSON whatever bytes the query held.
std::string quote(std::string_view text) {
  std::string out(text.substr(0, kMaxQuotedTenantBytes));
  for (auto& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

Response unauthenticated(const ApiContext& ctx, std::string_view detail) {
  ctx.metrics.auth_failures("unauthenticated").inc();
  auto r = error_response(401, "unauthenticated", detail);
  r.set(bhttp::field::www_authenticate, "Bearer realm=\"alertd\"");
  return r;
}

Response forbidden(const ApiContext& ctx, std::string_view detail) {
  ctx.metrics.auth_failures("forbidden").inc();
  return error_response(403, "forbidden", detail);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The token of `Authorization: Bearer <token>`, or the 401 that says what is wrong.
std::variant<std::string_view, Response> bearer_token(const ApiContext& ctx, const Request& req) {
  auto it = req.find(bhttp::field::authorization);
  if (it == req.end()) {
    return unauthenticated(ctx, "this endpoint needs a token: send Authorization: Bearer <token>");
  }
  std::string_view value = trim(it->value());
  const size_t space = value.find_first_of(" \t");
  const std::string_view scheme = value.substr(0, space);
  if (!iequals(scheme, "bearer")) {
    return unauthenticated(ctx, "only Authorization: Bearer <token> is accepted");
  }
  std::string_view token = space == std::string_view::npos ? "" : trim(value.substr(space));
  if (token.empty()) return unauthenticated(ctx, "the Bearer token is empty");
  return token;
}

/// Every `tenant` the query names (decoded); the router already refused bad escapes.
std::vector<std::string> query_tenants(const Request& req) {
  const std::string_view target = req.target();
  const size_t q = target.find('?');
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::string> out;
  if (q == std::string_view::npos || !parse_query(target.substr(q + 1), query)) return out;
  for (auto& [key, value] : query) {
    if (key == "tenant") out.push_back(std::move(value));
  }
  return out;
}

}  // namespace

std::variant<Principal, Response> authorize(const ApiContext& ctx, const Request& req,
                                            core::Role needed) {
  auto tenants = query_tenants(req);
  const auto held = ctx.credentials.load(std::memory_order_acquire);
  const Credentials& creds = *held;
  if (!creds.enabled()) {
    return Principal{std::string(kAnonymous), core::Role::admin,
                     tenants.empty() ? std::string(kDefaultTenant) : std::move(tenants.front()),
                     false};
  }
  auto token = bearer_token(ctx, req);
  if (auto* refused = std::get_if<Response>(&token)) return std::move(*refused);
  const Credentials::Entry* entry = creds.find(std::get<std::string_view>(token));
  // Never quote the token: a near-miss would be written to the client's logs.
  if (entry == nullptr) return unauthenticated(ctx, "the Bearer token is not known");
  if (entry->ingest) {
    return forbidden(ctx, "token " + entry->name + " is an ingest token for " + entry->source +
                              "; the API needs an API token");
  }
  if (!core::role_at_least(entry->role, needed)) {
    return forbidden(ctx, "this needs the " + std::string(core::to_string(needed)) +
                              " role; token " + entry->name + " has " +
                              std::string(core::to_string(entry->role)));
  }
  for (const auto& asked : tenants) {
    if (asked != entry->tenant) {
      return forbidden(ctx,
                       "token is for tenant " + entry->tenant + ", not \"" + quote(asked) + "\"");
    }
  }
  return Principal{entry->name, entry->role, entry->tenant, true};
}

std::optional<Acting> acting_as(const Principal& p, std::optional<std::string> body_actor) {
  if (p.authenticated) {
    Acting a{p.name, "", true};
    if (body_actor && *body_actor != p.name) a.on_behalf_of = std::move(*body_actor);
    return a;
  }
  if (!body_actor || body_actor->empty()) return std::nullopt;
  return Acting{std::move(*body_actor), "", false};
}

std::variant<Acting, Response> require_actor(const Principal& p,
                                             std::optional<std::string> body_actor) {
  if (auto acting = acting_as(p, std::move(body_actor))) return std::move(*acting);
  return error_response(400, "missing_field",
                        "required and missing or empty: actor (who acts; with an auth section "
                        "the token names them)");
}

bool can_see(const Principal& p, std::string_view tenant) {
  return !p.authenticated || p.tenant == tenant;
}

std::optional<Response> tenant_forbidden(const ApiContext& ctx, const Principal& p,
                                         std::string_view asked) {
  if (can_see(p, asked)) return std::nullopt;
  return forbidden(ctx, "token is for tenant " + p.tenant + ", not \"" + quote(asked) + "\"");
}

std::variant<IngestCaller, Response> authorize_ingest(const ApiContext& ctx, const Request& req,
                                                      std::string_view source) {
  const auto held = ctx.credentials.load(std::memory_order_acquire);
  const Credentials& creds = *held;
  // An open source still takes a token that is sent: its tenant applies.
  if (creds.is_open(source) &&
      (!creds.enabled() || req.find(bhttp::field::authorization) == req.end())) {
    return IngestCaller{std::string(kAnonymous), std::string(kDefaultTenant), false};
  }
  auto token = bearer_token(ctx, req);
  if (auto* refused = std::get_if<Response>(&token)) return std::move(*refused);
  return authorize_ingest_token(ctx, std::get<std::string_view>(token), source);
}

std::variant<IngestCaller, Response> authorize_ingest_token(const ApiContext& ctx,
                                                            std::string_view token,
                                                            std::string_view source) {
  const auto held = ctx.credentials.load(std::memory_order_acquire);
  const Credentials& creds = *held;
  if (!creds.enabled()) {
    return IngestCaller{std::string(kAnonymous), std::string(kDefaultTenant), false};
  }
  const Credentials::Entry* entry = creds.find(token);
  if (entry == nullptr) return unauthenticated(ctx, "the token is not known");
  if (entry->ingest && entry->source != source) {
    return forbidden(ctx, "token " + entry->name + " is an ingest token for " + entry->source +
                              ", not " + std::string(source));
  }
  // Every API role includes sender's right to send alerts.
  return IngestCaller{entry->name, entry->tenant, true};
}

bool ingest_needs_token(const ApiContext& ctx, std::string_view source) {
  const auto held = ctx.credentials.load(std::memory_order_acquire);
  return held->enabled() && !held->is_open(source);
}

std::string auth_summary(const config::AuthConfig& auth) {
  if (!auth.enabled) return "no auth section: the API is open";
  std::map<core::Role, size_t> per_role;
  for (const auto& t : auth.tokens) ++per_role[t.role];
  std::string out = std::to_string(auth.tokens.size()) + " API tokens (";
  bool first = true;
  for (auto role : core::kAllRoles) {
    if (!per_role.count(role)) continue;
    out += (first ? "" : ", ") + std::string(core::to_string(role)) + " " +
           std::to_string(per_role[role]);
    first = false;
  }
  out += "); ingest:";
  // Only the sources with ingest tokens or opened are named; the rest take API tokens.
  size_t others = 0;
  for (auto source : config::kIngestEndpointSources) {
    size_t n = 0;
    for (const auto& t : auth.ingest) n += t.source == source ? 1 : 0;
    const bool open = std::find(auth.open_ingest.begin(), auth.open_ingest.end(), source) !=
                      auth.open_ingest.end();
    if (!open && n == 0) {
      ++others;
      continue;
    }
    out += " " + std::string(source) +
           (open ? " OPEN (auth.open_ingest: anyone may send)"
                 : " needs a token (" + std::to_string(n) + " ingest tokens, or any API token)") +
           ",";
  }
  out += " " + std::to_string(others) + " other sources need an API token";
  return out;
}

}  // namespace alertd::api
