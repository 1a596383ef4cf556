// Audit trail API: checks the hash chain of the audit log in the store
// (sinks/store/audit_chain.h) against its anchor outside the database
// (sinks/store/audit_anchor.h) and says whether, and where, it is broken.
//
// The chain is one for all tenants. An admin sees the whole answer. An
// incident_manager sees ok and status, and the broken entry's seq, incident
// and reason only when that entry's subject (incident, silence, problem)
// belongs to its own tenant; a break elsewhere is reported by status and
// reason token alone, with no other tenant's ids or counts.

#include <simdjson.h>

#include <atomic>
#include <boost/beast/http.hpp>
#include <memory>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/responses.h"
#include "api/router.h"
#include "core/json_writer.h"
#include "sinks/store/store.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

/// A broken row may hold any bytes (that is the point of tampering): what
/// the answer quotes from it must still be valid JSON text.
std::string printable(std::string_view text) {
  std::string out(text);
  if (!simdjson::validate_utf8(out.data(), out.size())) {
    for (auto& c : out) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  return out;
}

void write_nullable(core::JsonWriter& w, std::string_view key, const std::optional<int64_t>& v) {
  w.key(key);
  if (v) {
    w.value(*v);
  } else {
    w.null();
  }
}

/// The whole answer (admin).
std::string verification_json(const sinks::AuditVerification& v) {
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("ok", v.ok).field("status", v.status).field("scope", "all");
  if (v.ok) {
    w.field("entries", v.entries).field("head_hash", v.head_hash);
  } else {
    w.field("entries_checked", v.entries).key("first_broken").begin_object();
    write_nullable(w, "seq", v.broken_seq);
    w.key("incident_id");
    if (v.broken_incident_id.empty()) {
      w.null();  // a missing row has no incident to name
    } else {
      w.value(printable(v.broken_incident_id));
    }
    w.field("reason", printable(v.reason)).end_object();
  }
  w.field("head_seq", v.head_seq);
  w.key("anchor");
  if (v.anchor_seq) {
    w.begin_object()
        .field("seq", *v.anchor_seq)
        .field("hash", printable(v.anchor_hash))
        .end_object();
  } else {
    w.null();
  }
  w.field("checked", v.checked).field("full", v.full).end_object();
  return body;
}

/// The tenant of an audit entry's subject, "" when it cannot be told (a
/// missing row, a purged incident without its purge entry).
std::string subject_tenant(sinks::Store& store, std::string_view id) {
  if (id.starts_with("INC-")) {
    auto detail = store.get(id);
    if (detail.ok() && *detail) return (*detail)->incident.tenant;
    // A purged incident: its purge entry, the last of its trail, has the tenant.
    auto last = store.last_timeline_entry(id);
    if (!last.ok() || !*last || (*last)->action != "purge") return "";
    simdjson::dom::parser parser;
    std::string_view tenant;
    if (parser.parse((*last)->detail)["tenant"].get(tenant)) return "";
    return std::string(tenant);
  }
  if (id.starts_with("SIL-")) {
    auto silence = store.get_silence(id);
    return silence.ok() && *silence ? (*silence)->tenant : "";
  }
  if (id.starts_with("PRB-")) {
    auto problem = store.get_problem(id);
    return problem.ok() && *problem ? (*problem)->problem.tenant : "";
  }
  return "";
}

/// The tenant view (incident_manager): see the top of this file.
std::string tenant_verification_json(sinks::Store& store, const sinks::AuditVerification& v,
                                     const std::string& tenant) {
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("ok", v.ok).field("status", v.status).field("scope", "tenant");
  w.field("tenant", printable(tenant));
  if (!v.ok) {
    const bool own =
        !v.broken_incident_id.empty() && subject_tenant(store, v.broken_incident_id) == tenant;
    const std::string_view reason = v.reason;
    w.key("first_broken").begin_object();
    if (own) {
      write_nullable(w, "seq", v.broken_seq);
      w.field("incident_id", printable(v.broken_incident_id));
      w.field("reason", printable(v.reason));
    } else {
      w.key("seq").null().key("incident_id").null();
      // The token says what kind of break; where it is belongs to another
      // tenant, or to no entry at all (a missing anchor, a cut tail).
      w.field("reason", printable(reason.substr(0, reason.find(':'))) +
                            (v.broken_incident_id.empty()
                                 ? ": the chain as a whole (an admin sees the details)"
                                 : ": an entry that is not this tenant's (an admin sees where)"));
    }
    w.field("own_tenant", own).end_object();
  }
  w.end_object();
  return body;
}

/// Clears the flag when the verification ends, on every path.
struct RunningFlag {
  std::atomic<bool>& flag;
  ~RunningFlag() { flag.store(false, std::memory_order_release); }
};

}  // namespace

void add_audit_routes(Router& router, ApiContext& ctx) {
  // One verification at a time: each walks entries on a read connection of
  // the store, and concurrent ones would only hold more of the pool that the
  // incident API needs.
  auto running = std::make_shared<std::atomic<bool>>(false);
  router.add(
      bhttp::verb::get, "/api/v1/audit/verify",
      [&ctx, running](RouteContext& rc) {
        const auto full_param = rc.query_value("full");
        if (full_param && *full_param != "true" && *full_param != "false") {
          return error_response(400, "invalid_query", "full: expected true or false");
        }
        const bool full = full_param == "true";
        // A full walk costs the whole log: admins only. The incremental
        // check: incident managers too, for their tenant's view.
        auto who =
            authorize(ctx, rc.request, full ? core::Role::admin : core::Role::incident_manager);
        if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
        const auto& principal = std::get<Principal>(who);
        auto* store = ctx.store.load(std::memory_order_acquire);
        if (store == nullptr) return not_ready_response();
        if (running->exchange(true, std::memory_order_acq_rel)) {
          return error_response(429, "verify_in_progress",
                                "another audit verification is running; try again when it is done",
                                {.retry_after_seconds = 1});
        }
        RunningFlag done{*running};
        auto result = store->verify_audit({.full = full});
        if (!result) {
          return error_response(503, "store_unavailable", result.error().message,
                                {.retry_after_seconds = 1});
        }
        ctx.metrics.audit_verifications(result->ok).inc();
        ctx.metrics.audit_chain_checked(result->ok);
        if (core::role_at_least(principal.role, core::Role::admin)) {
          return json_response(200, verification_json(*result));
        }
        return json_response(200, tenant_verification_json(*store, *result, principal.tenant));
      },
      Runs::store_reader);
}

}  // namespace alertd::api
