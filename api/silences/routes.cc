// Silences API: create, list, get, expire and the audit timeline. Silences
// are kept in the store and never deleted (DELETE ends one early); every
// change is an entry of the audit trail, written by the store with it, and
// after every change the correlator gets the current set through
// ctx.silences_changed.
//
// Requests are decoded with simdjson On-Demand like the ingest decoders, and
// everything a client sends has a limit. Every refusal is counted in
// alertd_api_errors_total{reason}: these are not alerts, so they stay out of
// alertd_alerts_rejected_total. Reading needs the viewer role, creating and
// expiring the responder role; a silence of another tenant reads as absent
// (auth.h).

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/json_body.h"
#include "api/responses.h"
#include "api/router.h"
#include "api/silences/create.h"
#include "core/incident_json.h"
#include "core/json_writer.h"
#include "core/matcher.h"
#include "core/silence.h"
#include "ingest/formats/common.h"
#include "sinks/store/store.h"
#include "telemetry/registry.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;
namespace od = simdjson::ondemand;
using namespace std::chrono_literals;

constexpr size_t kMaxBodyBytes = 64 << 10;
constexpr size_t kMaxMatchers = 64;
constexpr size_t kMaxMatcherBytes = 4096;
constexpr size_t kMaxCreatedByBytes = 256;
constexpr size_t kMaxCommentBytes = 4096;
constexpr size_t kMaxTenantBytes = 128;
// Longer silences are almost always a mistake (a typo in the unit) and would
// hide alerts for good; recurring windows belong in the config instead.
constexpr core::Duration kMaxLength = 24h * 365;
constexpr core::Duration kMaxStartAhead = 24h * 365;

// Every reason the silences API answers with, created at 0 so rate() works
// before the first refusal.
constexpr std::string_view kReasons[] = {
    "invalid_json",       "invalid_utf8",    "body_too_large",    "wrong_type",
    "unknown_field",      "duplicate_field", "missing_field",     "field_too_long",
    "invalid_tenant",     "invalid_matcher", "no_matchers",       "too_many_matchers",
    "matches_everything", "invalid_time",    "invalid_duration",  "conflicting_fields",
    "ends_before_start",  "ends_in_past",    "duration_too_long", "starts_too_late",
    "invalid_state",      "invalid_silence", "not_found",         "not_ready",
    "store_unavailable",  "silence_limit",   "invalid_limit",     "invalid_cursor"};

struct SilenceApi {
  ApiContext& ctx;
  telemetry::CounterFamily& errors;

  Response fail(unsigned status, std::string_view reason, std::string_view detail,
                const ErrorExtras& extras = {}) const {
    errors.with({reason}).inc();
    return error_response(status, reason, detail, extras);
  }
  sinks::Store* store() const { return ctx.store.load(std::memory_order_acquire); }
  Response not_ready() const {
    errors.with({"not_ready"}).inc();
    return not_ready_response();
  }
  Response store_error(const core::Error& e) const {
    return fail(503, "store_unavailable", e.message, {.retry_after_seconds = 1});
  }
  /// ?limit= and ?cursor=, or the 400 (counted) to answer.
  std::optional<Response> page_query(const RouteContext& rc, size_t& limit,
                                     std::optional<int64_t>& cursor) const {
    auto refused = check_page_query(rc, limit, cursor);
    if (!refused) return std::nullopt;
    return fail(400, refused->reason, refused->detail);
  }
};

// --- JSON out ---

void write_silence(core::JsonWriter& w, const core::Silence& s, core::TimePoint now) {
  const auto state = core::to_string(core::silence_state(s, now));
  w.begin_object().field("id", s.id).field("tenant", s.tenant);
  w.key("matchers").begin_array();
  for (const auto& m : s.matchers) w.value(m);
  w.end_array();
  w.key("starts_at").time(s.starts_at);
  w.key("ends_at").time(s.ends_at);
  w.field("created_by", s.created_by).field("comment", s.comment);
  w.key("created_at").time(s.created_at);
  w.key("updated_at").time(s.updated_at);
  // `status.state` as Alertmanager's API has it; `state` for everyone else.
  w.field("state", state);
  w.key("status").begin_object().field("state", state).end_object();
  w.end_object();
}

Response silence_response(unsigned status, const core::Silence& s, core::TimePoint now) {
  std::string body;
  core::JsonWriter w(body);
  write_silence(w, s, now);
  return json_response(status, std::move(body));
}

// --- JSON in ---

/// The request body as sent, before any check of meaning.
struct SilenceRequest {
  std::optional<std::vector<std::string>> matchers;  // array form
  std::optional<std::string> matcher_list;           // `{a="b",...}` form
  std::optional<std::string> starts_at;
  std::optional<std::string> ends_at;
  std::optional<std::string> duration;
  std::optional<std::string> created_by;
  std::optional<std::string> comment;
  std::optional<std::string> tenant;
};

/// matchers: an array of matcher strings, or one string `{a="b", c=~"d"}`.
std::optional<Refusal> read_matchers(od::value& v, SilenceRequest& req) {
  od::json_type type;
  if (auto code = v.type().get(type)) return json_refusal(code, "matchers");
  if (type == od::json_type::string || type == od::json_type::null) {
    return read_string(v, "matchers", req.matcher_list);
  }
  if (type != od::json_type::array) {
    return Refusal{400, "wrong_type",
                   "matchers must be an array of strings or one string, got " +
                       std::string(ingest::detail::type_name(type))};
  }
  od::array array;
  if (auto code = v.get_array().get(array)) return json_refusal(code, "matchers");
  auto& list = req.matchers.emplace();
  for (auto element : array) {
    if (auto code = element.error()) return json_refusal(code, "matchers");
    od::value& item = element.value_unsafe();
    if (list.size() == kMaxMatchers) {
      return Refusal{400, "too_many_matchers",
                     "a silence takes at most " + std::to_string(kMaxMatchers) + " matchers"};
    }
    const std::string where = "matcher " + std::to_string(list.size());
    std::optional<std::string> text;
    if (auto r = read_string(item, where, text)) return r;
    if (!text) return Refusal{400, "wrong_type", where + " must be a string, got null"};
    list.push_back(std::move(*text));
  }
  return std::nullopt;
}

std::optional<Refusal> read_field(std::string_view key, od::value& v, SilenceRequest& req) {
  if (key == "matchers") return read_matchers(v, req);
  const std::pair<std::string_view, std::optional<std::string>*> fields[] = {
      {"starts_at", &req.starts_at},   {"ends_at", &req.ends_at}, {"duration", &req.duration},
      {"created_by", &req.created_by}, {"comment", &req.comment}, {"tenant", &req.tenant},
  };
  for (const auto& [name, out] : fields) {
    if (key == name) return read_string(v, key, *out);
  }
  return Refusal{400, "unknown_field",
                 "unknown field \"" + clip(key) +
                     "\"; a silence has matchers, starts_at, ends_at, duration, created_by, "
                     "comment and tenant (silences cannot be edited: expire and create anew)"};
}

std::variant<SilenceRequest, Refusal> parse_request(const std::string& body) {
  SilenceRequest req;
  auto refusal =
      parse_object(body, kMaxBodyBytes, "a silence request",
                   [&](const std::string& key, od::value& v) { return read_field(key, v, req); });
  if (refusal) return std::move(*refusal);
  return req;
}

// --- meaning ---

// With auth the token names the creator, so created_by is optional.
std::optional<Refusal> check_text(const SilenceRequest& req, bool authenticated) {
  std::vector<std::string> missing;
  if (!req.matchers && !req.matcher_list) missing.emplace_back("matchers");
  if (!req.ends_at && !req.duration) missing.emplace_back("ends_at (or duration)");
  if (!authenticated && (!req.created_by || req.created_by->empty())) {
    missing.emplace_back("created_by");
  }
  if (!req.comment || req.comment->empty()) missing.emplace_back("comment");
  if (!missing.empty()) {
    std::string detail = "required and missing or empty:";
    for (const auto& m : missing) detail += " " + m;
    return Refusal{400, "missing_field", detail};
  }
  if (req.ends_at && req.duration) {
    return Refusal{400, "conflicting_fields", "give ends_at or duration, not both"};
  }
  const std::tuple<std::string_view, const std::optional<std::string>*, size_t> limits[] = {
      {"created_by", &req.created_by, kMaxCreatedByBytes},
      {"comment", &req.comment, kMaxCommentBytes},
      {"tenant", &req.tenant, kMaxTenantBytes},
  };
  for (const auto& [name, text, limit] : limits) {
    if (*text && (*text)->size() > limit) {
      return Refusal{400, "field_too_long",
                     std::string(name) + " is " + std::to_string((*text)->size()) +
                         " bytes, limit " + std::to_string(limit)};
    }
  }
  if (req.tenant && req.tenant->empty()) {
    return Refusal{400, "invalid_tenant", "tenant must not be empty (leave it out for default)"};
  }
  return std::nullopt;
}

std::variant<core::Matchers, Refusal> check_matchers(const SilenceRequest& req) {
  if (req.matchers) {
    for (size_t i = 0; i < req.matchers->size(); ++i) {
      if ((*req.matchers)[i].size() > kMaxMatcherBytes) {
        return Refusal{400, "field_too_long",
                       "matcher " + std::to_string(i) + " is " +
                           std::to_string((*req.matchers)[i].size()) + " bytes, limit " +
                           std::to_string(kMaxMatcherBytes)};
      }
    }
  } else if (req.matcher_list->size() > kMaxMatchers * kMaxMatcherBytes) {
    return Refusal{400, "field_too_long", "matchers is too long"};
  }
  auto parsed = req.matchers ? core::parse_matchers(*req.matchers)
                             : core::parse_matcher_list(*req.matcher_list);
  if (!parsed) return Refusal{400, "invalid_matcher", parsed.error().message};
  if (parsed->empty()) return Refusal{400, "no_matchers", "a silence needs at least one matcher"};
  if (parsed->size() > kMaxMatchers) {
    return Refusal{400, "too_many_matchers",
                   "a silence takes at most " + std::to_string(kMaxMatchers) + " matchers"};
  }
  // As in Alertmanager: if every matcher accepts an alert without any label,
  // the silence would hide alerts nobody meant to hide (`team!="x"`, `a=~".*"`).
  if (core::matches_all(*parsed, core::LabelSet{})) {
    return Refusal{400, "matches_everything",
                   "these matchers also match alerts that have none of their labels; at least "
                   "one matcher must require a non-empty value"};
  }
  return std::move(*parsed);
}

std::variant<core::TimePoint, Refusal> parse_time(std::string_view field, const std::string& text) {
  auto t = core::parse_rfc3339(text);
  if (!t || *t == core::kNoTime) {
    return Refusal{400, "invalid_time",
                   std::string(field) + " \"" + clip(text) +
                       "\" is not an RFC 3339 time after 1970 (e.g. 2026-01-01T02:00:00Z)"};
  }
  return *t;
}

/// Sets starts_at and ends_at of `s` from the request, at `now`.
std::optional<Refusal> check_times(const SilenceRequest& req, core::TimePoint now,
                                   core::Silence& s) {
  std::optional<core::TimePoint> starts;
  if (req.starts_at) {
    auto t = parse_time("starts_at", *req.starts_at);
    if (auto* r = std::get_if<Refusal>(&t)) return *r;
    starts = std::get<core::TimePoint>(t);
  }
  const core::TimePoint base = starts.value_or(now);
  // Checked before any arithmetic: base + duration then cannot overflow.
  if (base > now + kMaxStartAhead) {
    return Refusal{400, "starts_too_late", "starts_at is more than 365d ahead"};
  }
  core::TimePoint ends;
  if (req.duration) {
    auto d = core::parse_duration(*req.duration);
    if (!d || *d <= core::Duration::zero()) {
      return Refusal{400, "invalid_duration",
                     "duration \"" + clip(*req.duration) +
                         "\" is not a positive duration such as 90m, 2h or 1d12h"};
    }
    if (*d > kMaxLength) {
      return Refusal{400, "duration_too_long", "a silence lasts at most 365d"};
    }
    ends = base + *d;
  } else {
    auto t = parse_time("ends_at", *req.ends_at);
    if (auto* r = std::get_if<Refusal>(&t)) return *r;
    ends = std::get<core::TimePoint>(t);
  }
  if (ends <= now) {
    return Refusal{400, "ends_in_past",
                   "ends_at " + core::format_rfc3339(ends) + " is already past (now " +
                       core::format_rfc3339(now) + ")"};
  }
  if (ends <= base) {
    return Refusal{400, "ends_before_start",
                   "ends_at " + core::format_rfc3339(ends) + " is not after starts_at " +
                       core::format_rfc3339(base)};
  }
  // A start in the past means "from now": a silence acts on alerts as they
  // arrive, so the record says when it really began to act (as Alertmanager).
  s.starts_at = std::max(base, now);
  s.ends_at = ends;
  if (s.ends_at - s.starts_at > kMaxLength) {
    return Refusal{400, "duration_too_long", "a silence lasts at most 365d"};
  }
  return std::nullopt;
}

/// The silence a valid request describes, or why it is refused. Without a
/// body `tenant` it belongs to the principal's tenant; with auth its creator
/// is the principal (acting_as()).
std::variant<core::Silence, Refusal> build_silence(const std::string& body, core::TimePoint now,
                                                   const Principal& who) {
  auto parsed = parse_request(body);
  if (auto* r = std::get_if<Refusal>(&parsed)) return std::move(*r);
  const auto& req = std::get<SilenceRequest>(parsed);
  if (auto r = check_text(req, who.authenticated)) return std::move(*r);
  auto matchers = check_matchers(req);
  if (auto* r = std::get_if<Refusal>(&matchers)) return std::move(*r);
  core::Silence s;
  if (auto r = check_times(req, now, s)) return std::move(*r);
  for (const auto& m : std::get<core::Matchers>(matchers)) s.matchers.push_back(m.to_string());
  s.tenant = req.tenant.value_or(who.tenant);
  auto acting = acting_as(who, req.created_by);
  s.created_by = std::move(acting->actor);  // set: check_text() required created_by without auth
  s.on_behalf_of = std::move(acting->on_behalf_of);
  s.comment = *req.comment;
  s.created_at = now;
  s.updated_at = now;
  return s;
}

// --- handlers ---

void notify(const SilenceApi& api) {
  if (api.ctx.silences_changed) api.ctx.silences_changed();
}

Response create(const SilenceApi& api, RouteContext& rc) {
  auto who = authorize(api.ctx, rc.request, core::Role::responder);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  const auto& principal = std::get<Principal>(who);
  auto* store = api.store();
  if (store == nullptr) return api.not_ready();
  const core::TimePoint now = api.ctx.clock.now();
  auto built = build_silence(rc.request.body(), now, principal);
  if (auto* r = std::get_if<Refusal>(&built)) return api.fail(r->status, r->reason, r->detail);
  auto& silence = std::get<core::Silence>(built);
  if (auto refused = tenant_forbidden(api.ctx, principal, silence.tenant)) return *refused;
  auto created = create_silence(api.ctx, *store, std::move(silence), now);
  if (auto* r = std::get_if<Refusal>(&created)) {
    if (r->reason == "store_unavailable") return api.store_error(core::Error{r->reason, r->detail});
    return api.fail(r->status, r->reason, r->detail);
  }
  const auto& made = std::get<core::Silence>(created);
  auto response = silence_response(201, made, now);
  response.set(bhttp::field::location, "/api/v1/silences/" + made.id);
  return response;
}

/// The list filter from ?state=, ?limit= and ?cursor=, or the 400 to answer.
std::variant<sinks::SilenceFilter, Response> parse_list_query(const SilenceApi& api,
                                                              const RouteContext& rc) {
  sinks::SilenceFilter filter;
  if (auto s = rc.query_value("state")) {
    for (auto state :
         {core::SilenceState::active, core::SilenceState::pending, core::SilenceState::expired}) {
      if (*s == core::to_string(state)) filter.state = state;
    }
    if (!filter.state) {
      return api.fail(400, "invalid_state", "state must be one of active, pending, expired");
    }
  }
  if (auto refused = api.page_query(rc, filter.limit, filter.before_seq)) return *refused;
  return filter;
}

// Newest first, a page at a time; ?state= is applied by the store, so a
// page is full whenever more silences in that state exist.
Response list(const SilenceApi& api, RouteContext& rc) {
  auto who = authorize(api.ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = api.store();
  if (store == nullptr) return api.not_ready();
  auto parsed = parse_list_query(api, rc);
  if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
  auto& filter = std::get<sinks::SilenceFilter>(parsed);
  filter.tenant = std::get<Principal>(who).tenant;  // ?tenant= without auth
  if (filter.tenant.empty() || filter.tenant.size() > kMaxTenantBytes) {
    return api.fail(400, "invalid_tenant", "tenant must be 1 to 128 bytes");
  }
  filter.now = api.ctx.clock.now();
  auto page = store->list_silences(filter);
  if (!page) return api.store_error(page.error());
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().key("silences").begin_array();
  for (const auto& s : page->silences) write_silence(w, s, filter.now);
  w.end_array();
  write_next_cursor(w, page->next_cursor);
  w.end_object();
  return json_response(200, std::move(body));
}

Response not_found(const SilenceApi& api, std::string_view id) {
  return api.fail(404, "not_found", "no silence with id \"" + clip(id) + "\"");
}

/// The silence `id` as `who` may see it (another tenant's reads as absent),
/// or the error to answer.
std::variant<core::Silence, Response> visible_silence(const SilenceApi& api, sinks::Store& store,
                                                      const Principal& who, std::string_view id) {
  auto got = store.get_silence(id);
  if (!got) return api.store_error(got.error());
  if (!*got || !can_see(who, (*got)->tenant)) return not_found(api, id);
  return std::move(**got);
}

Response get_one(const SilenceApi& api, RouteContext& rc) {
  auto who = authorize(api.ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = api.store();
  if (store == nullptr) return api.not_ready();
  auto got = visible_silence(api, *store, std::get<Principal>(who), *rc.param("id"));
  if (auto* refused = std::get_if<Response>(&got)) return std::move(*refused);
  return silence_response(200, std::get<core::Silence>(got), api.ctx.clock.now());
}

Response expire(const SilenceApi& api, RouteContext& rc) {
  auto who = authorize(api.ctx, rc.request, core::Role::responder);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  const auto& principal = std::get<Principal>(who);
  auto* store = api.store();
  if (store == nullptr) return api.not_ready();
  const auto id = *rc.param("id");
  // The tenant is checked before the change; a silence never changes tenant.
  auto got = visible_silence(api, *store, principal, id);
  if (auto* refused = std::get_if<Response>(&got)) return std::move(*refused);
  const core::TimePoint now = api.ctx.clock.now();
  auto expired = store->expire_silence(id, now, principal.name);
  if (!expired) return api.store_error(expired.error());
  if (!*expired) return not_found(api, id);
  // Also after a no-op (already ended): the hook re-reads, so a repeat is harmless.
  notify(api);
  spdlog::info("silence {} expired by {}", (*expired)->id, principal.name);
  return silence_response(200, **expired, now);
}

// The silence's audit entries, oldest first, a page at a time (the cursor
// is the seq the next page starts after); tenant-checked as get_one.
Response get_timeline(const SilenceApi& api, RouteContext& rc) {
  auto who = authorize(api.ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto* store = api.store();
  if (store == nullptr) return api.not_ready();
  sinks::TimelineQuery query;
  if (auto refused = api.page_query(rc, query.limit, query.after_seq)) return std::move(*refused);
  auto got = visible_silence(api, *store, std::get<Principal>(who), *rc.param("id"));
  if (auto* refused = std::get_if<Response>(&got)) return std::move(*refused);
  const auto& silence = std::get<core::Silence>(got);
  auto page = store->timeline(silence.id, query);
  if (!page) return api.store_error(page.error());
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("silence_id", silence.id).key("entries").begin_array();
  for (const auto& e : page->entries) write_audit_entry(w, e);
  w.end_array();
  write_next_cursor(w, page->next_cursor);
  w.end_object();
  return json_response(200, std::move(body));
}

}  // namespace

void add_silence_routes(Router& router, ApiContext& ctx) {
  auto& errors = ctx.metrics.registry.counter(
      "alertd_api_errors_total", "API requests refused (silences API), by reason.", {"reason"});
  for (auto reason : kReasons) errors.with({reason});
  const SilenceApi api{ctx, errors};
  router.add(
      bhttp::verb::post, "/api/v1/silences", [api](RouteContext& rc) { return create(api, rc); },
      Runs::store_writer);
  router.add(
      bhttp::verb::get, "/api/v1/silences", [api](RouteContext& rc) { return list(api, rc); },
      Runs::store_reader);
  router.add(
      bhttp::verb::get, "/api/v1/silences/{id}",
      [api](RouteContext& rc) { return get_one(api, rc); }, Runs::store_reader);
  router.add(
      bhttp::verb::delete_, "/api/v1/silences/{id}",
      [api](RouteContext& rc) { return expire(api, rc); }, Runs::store_writer);
  router.add(
      bhttp::verb::get, "/api/v1/silences/{id}/timeline",
      [api](RouteContext& rc) { return get_timeline(api, rc); }, Runs::store_reader);
}

}  // namespace alertd::api
