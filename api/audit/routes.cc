// Audit trail API: checks the hash chain of the whole audit log in the store
// (sinks/store/audit_chain.h) and says whether, and where, it is broken.

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

std::string verification_json(const sinks::AuditVerification& v) {
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("ok", v.ok);
  if (v.ok) {
    w.field("entries", v.entries).field("head_hash", v.head_hash);
  } else {
    w.field("entries_checked", v.entries).key("first_broken").begin_object();
    w.key("seq");
    if (v.broken_seq) {
      w.value(*v.broken_seq);
    } else {
      w.null();
    }
    w.key("incident_id");
    if (v.broken_incident_id.empty()) {
      w.null();  // a missing row has no incident to name
    } else {
      w.value(printable(v.broken_incident_id));
    }
    w.field("reason", printable(v.reason)).end_object();
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
  // One verification at a time: each walks the whole log on a read
  // connection of the store, and concurrent ones would only hold more of the
  // pool that the incident API needs.
  auto running = std::make_shared<std::atomic<bool>>(false);
  router.add(
      bhttp::verb::get, "/api/v1/audit/verify",
      [&ctx, running](RouteContext& rc) {
        // The chain spans every tenant: auditors and incident managers only.
        auto who = authorize(ctx, rc.request, core::Role::incident_manager);
        if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
        auto* store = ctx.store.load(std::memory_order_acquire);
        if (store == nullptr) return not_ready_response();
        if (running->exchange(true, std::memory_order_acq_rel)) {
          return error_response(429, "verify_in_progress",
                                "another audit verification is running; try again when it is done",
                                {.retry_after_seconds = 1});
        }
        RunningFlag done{*running};
        auto result = store->verify_audit();
        if (!result) {
          return error_response(503, "store_unavailable", result.error().message,
                                {.retry_after_seconds = 1});
        }
        ctx.metrics.audit_verifications(result->ok).inc();
        return json_response(200, verification_json(*result));
      },
      Runs::store_reader);
}

}  // namespace alertd::api
