#pragma once
// The daemon's metrics (docs/metrics.md), registered once; hot paths hold
// references to the children and update them once per batch.

#include <array>
#include <span>
#include <string_view>

#include "core/alert.h"
#include "telemetry/journal_metrics.h"
#include "telemetry/lifecycle_metrics.h"
#include "telemetry/registry.h"

namespace alertd::telemetry {

/// Refusals decided by the daemon rather than the decoders.
inline constexpr std::string_view kRequestRejectReasons[] = {
    "queue_full",   "headers_too_large", "unsupported_media_type",
    "journal_full", "journal_failed",    "chunk_line_too_long"};

/// alertd_api_errors_total reasons of the HTTP server itself (api/server.h):
/// a handler that threw, a client address at its connection limit, a
/// connection over max_connections, a failed accept.
inline constexpr std::string_view kServerErrorReasons[] = {"internal", "too_many_connections",
                                                           "connection_limit", "accept_failed"};

/// The `source` of alertd_alerts_rejected_total: the sources of
/// core::kKnownSources as their endpoints name them, plus sns (the envelope,
/// before its message is known), tcp (the NDJSON listener) and http (the
/// server, before a route is chosen).
inline constexpr std::string_view kRejectSources[] = {
    "prometheus", "alertmanager", "grafana", "splunk", "cloudtrail", "cloudwatch",
    "sns",        "pagerduty",    "generic", "tcp",    "kafka",      "http"};

/// What alertd_build_info reports.
struct BuildInfo {
  std::string_view version;
  std::string_view revision;
};

class Metrics {
 public:
  /// `decoder_reasons`: the decoders' refusal tokens, registered at 0 up front.
  Metrics(telemetry::Registry& registry, std::span<const std::string_view> decoder_reasons,
          BuildInfo build);

  /// Accepted alerts, by source (free-form names count as "generic").
  telemetry::Counter& received(std::string_view source);
  /// Refused alerts or requests, by reason token and source (one of
  /// kRejectSources; anything else counts as "generic").
  telemetry::Counter& rejected(std::string_view reason, std::string_view source);

  telemetry::Registry& registry;
  telemetry::Counter& deduplicated;
  telemetry::Counter& incidents_created;
  telemetry::Histogram& processing_latency;
  telemetry::GaugeFamily& queue_depth;
  telemetry::GaugeFamily& queue_capacity;  // {queue}: the bound queue_depth is refused at
  /// 1 when GET /-/ready answers 200, else 0; set before each scrape renders.
  telemetry::Gauge& ready;
  telemetry::Counter& store_batches;
  telemetry::Counter& store_write_errors;
  telemetry::Counter& store_updates_dropped;
  telemetry::CounterFamily& store_quarantined;  // {reason}: the store's error reason
  telemetry::Histogram& store_batch_seconds;
  telemetry::Counter& orphan_resolves;
  telemetry::Gauge& active_alerts;
  telemetry::Gauge& hec_acks_pending;  // Splunk HEC ackIds issued, not yet polled
  telemetry::Counter& dropped_by_rules;
  telemetry::Counter& rule_held;
  telemetry::Counter& rule_released;
  telemetry::Counter& absence_fired;
  telemetry::Counter& leases_capped;
  /// PagerDuty acknowledge/resolve events for a dedup_key no trigger gave.
  telemetry::Counter& pagerduty_unknown_keys;
  /// Event fields left out of an alert because they broke a limit (too many,
  /// too long), by source: the alert was kept without them.
  telemetry::CounterFamily& fields_skipped;
  telemetry::Gauge& rule_groups;
  telemetry::Gauge& rules_loaded;
  telemetry::Gauge& last_reload_ok;
  telemetry::GaugeFamily& suppressed_alerts;  // {reason}: inhibit, silence, maintenance
  telemetry::Gauge& flapping_alerts;
  telemetry::Gauge& settle_held_alerts;
  telemetry::Counter& incidents_reopened;
  telemetry::Counter& topology_joins;
  telemetry::Counter& problems_opened;
  telemetry::Counter& problem_links;
  telemetry::CounterFamily& incidents_purged;  // {action}: archive, delete
  telemetry::CounterFamily& upkeep_errors;     // {task}: problems, retention
  telemetry::Counter& reloads(bool ok);
  LifecycleMetrics lifecycle;        // MTTA, MTTR, SLA, escalations, open incidents
  JournalMetrics journal;            // the write-ahead journal and its checkpoints
  telemetry::Gauge& audit_head_seq;  // the audit chain's head, set after each commit that moves it
  /// 1 when the last check of the audit chain (start-up or GET
  /// /api/v1/audit/verify) found it intact and anchored, else 0. Absent
  /// until the first check ends.
  void audit_chain_checked(bool ok);
  /// API requests refused by access control: "unauthenticated" or "forbidden".
  telemetry::Counter& auth_failures(std::string_view reason);
  /// GET /api/v1/audit/verify answers, by outcome: the chain intact or broken.
  telemetry::Counter& audit_verifications(bool ok);
  /// API requests refused or failed outside the alerts path, by reason:
  /// kServerErrorReasons, and the silences API's own (it registers them).
  telemetry::Counter& api_errors(std::string_view reason);

 private:
  telemetry::CounterFamily& received_family_;
  telemetry::CounterFamily& rejected_family_;
  telemetry::CounterFamily& reloads_family_;
  telemetry::CounterFamily& auth_failures_family_;
  telemetry::CounterFamily& audit_verifications_family_;
  telemetry::GaugeFamily& audit_chain_ok_family_;
  telemetry::CounterFamily& api_errors_family_;
  std::array<telemetry::Counter*, std::size(core::kKnownSources)> received_by_source_{};
};

}  // namespace alertd::telemetry
