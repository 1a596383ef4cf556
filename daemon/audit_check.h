#pragma once
// The daemon's side of the audit chain: the store's AuditSettings from the
// `audit:` config (with the head gauge and the log every 10,000 entries),
// and the start-up check of the chain and its anchor.

#include <string_view>

#include "config/config.h"
#include "sinks/store/audit_anchor.h"
#include "sinks/store/store.h"
#include "telemetry/daemon_metrics.h"

namespace alertd::daemon {

/// Entries between two log lines naming the chain's head (seq and hash), so
/// the head also lands in the log pipeline, outside this host.
inline constexpr int64_t kAuditHeadLogEvery = 10000;

/// The store's audit settings. With `metrics`, every head the store commits
/// sets alertd_audit_head_seq.
sinks::AuditSettings audit_settings(const config::AuditConfig& config, telemetry::Metrics* metrics);

/// Logs the outcome of a verification: info when ok, error otherwise.
void log_audit_verification(std::string_view when, const sinks::AuditVerification& v);

/// The start-up check: verifies the whole chain and its anchor (on a store
/// reader thread: it walks every entry), logs the outcome and sets
/// alertd_audit_chain_ok. Later GET /api/v1/audit/verify calls continue
/// from where it ended.
void check_audit_chain(sinks::Store& store, telemetry::Metrics& metrics);

}  // namespace alertd::daemon
