#include "daemon/audit_check.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

namespace alertd::daemon {

namespace {

std::string short_hash(std::string_view hash) {
  return std::string(hash.substr(0, hash.starts_with(sinks::kAuditHmacPrefix) ? 28 : 16));
}

}  // namespace

sinks::AuditSettings audit_settings(const config::AuditConfig& config,
                                    telemetry::Metrics* metrics) {
  sinks::AuditSettings s;
  s.key = config.key;
  s.anchor_file = config.anchor_file;
  // The writer calls on_head; the first call (at open) only sets the mark.
  auto last_logged = std::make_shared<int64_t>(-1);
  s.on_head = [metrics, last_logged](const sinks::AuditChainHead& head) {
    if (metrics != nullptr) metrics->audit_head_seq.set(static_cast<double>(head.seq));
    const bool first = *last_logged < 0;
    if (first || head.seq / kAuditHeadLogEvery != *last_logged / kAuditHeadLogEvery) {
      spdlog::info("audit chain head: seq {} hash {}", head.seq, head.hash);
    }
    *last_logged = head.seq;
  };
  s.on_warning = [](std::string_view what) { spdlog::error("audit: {}", what); };
  return s;
}

void log_audit_verification(std::string_view when, const sinks::AuditVerification& v) {
  const std::string anchor =
      v.anchor_seq ? "anchor at seq " + std::to_string(*v.anchor_seq) : std::string("no anchor");
  if (v.ok) {
    spdlog::info("audit chain {}: ok, {} entries, head {} ({}; {} hashed)", when, v.entries,
                 short_hash(v.head_hash), anchor, v.checked);
    return;
  }
  spdlog::error("audit chain {}: {} at seq {} after {} verified entries ({}): {}", when, v.status,
                v.broken_seq ? std::to_string(*v.broken_seq) : std::string("-"), v.entries, anchor,
                v.reason);
}

void check_audit_chain(sinks::Store& store, telemetry::Metrics& metrics) {
  auto v = store.verify_audit({.full = true});
  if (!v) {
    spdlog::error("audit chain start-up check: cannot read the store: {}", v.error().message);
    metrics.audit_chain_checked(false);
    return;
  }
  log_audit_verification("start-up check", *v);
  metrics.audit_chain_checked(v->ok);
}

}  // namespace alertd::daemon
