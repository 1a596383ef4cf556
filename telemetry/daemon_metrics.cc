#include "telemetry/daemon_metrics.h"

namespace alertd::telemetry {

namespace {
// Receipt-to-commit latency spans 100µs (idle) to seconds (store stalls).
std::vector<double> latency_buckets() {
  return telemetry::exponential_buckets(0.0001, 2, 17);
}
}  // namespace

Metrics::Metrics(telemetry::Registry& r, std::span<const std::string_view> decoder_reasons,
                 BuildInfo build)
    : registry(r),
      deduplicated(
          r.counter("alertd_alerts_deduplicated_total",
                    "Re-sends of an alert already in the same state, collapsed by the shards.")
              .with({})),
      incidents_created(
          r.counter("alertd_incidents_created_total", "Incidents opened by the correlator.")
              .with({})),
      processing_latency(
          r.histogram("alertd_processing_latency_seconds",
                      "Time from receipt of an alert to the incident change it caused "
                      "being committed to the store.",
                      latency_buckets())
              .with({})),
      queue_depth(r.gauge("alertd_queue_depth", "Items waiting in a pipeline queue.", {"queue"})),
      queue_capacity(r.gauge("alertd_queue_capacity",
                             "Items a pipeline queue holds at most; beyond it the stage "
                             "before waits, and a full shard queue answers ingest 429.",
                             {"queue"})),
      ready(r.gauge("alertd_ready",
                    "1 when GET /-/ready answers 200 (pipeline running, store and journal "
                    "writable), else 0.")
                .with({})),
      store_batches(
          r.counter("alertd_store_batches_total", "Transactions committed to the incident store.")
              .with({})),
      store_write_errors(r.counter("alertd_store_write_errors_total",
                                   "Failed store transactions (each is retried with backoff).")
                             .with({})),
      store_updates_dropped(r.counter("alertd_store_updates_dropped_total",
                                      "Incident updates the store refused for good and could not "
                                      "quarantine either; logged and skipped so other incidents "
                                      "keep flowing.")
                                .with({})),
      store_quarantined(r.counter("alertd_store_quarantined_total",
                                  "Incident updates the store refused for good, kept in the "
                                  "quarantine (GET /api/v1/store/quarantine) instead, by the "
                                  "store's reason.",
                                  {"reason"})),
      store_batch_seconds(r.histogram("alertd_store_batch_seconds",
                                      "Duration of one store transaction.",
                                      telemetry::exponential_buckets(0.0001, 2, 16))
                              .with({})),
      orphan_resolves(r.counter("alertd_orphan_resolves_total",
                                "Resolved alerts that matched no active incident.")
                          .with({})),
      active_alerts(r.gauge("alertd_active_alerts", "Distinct alerts currently firing.").with({})),
      hec_acks_pending(r.gauge("alertd_hec_acks_pending",
                               "Splunk HEC ackIds issued (their events journaled) and not yet "
                               "polled by the sender.")
                           .with({})),
      dropped_by_rules(r.counter("alertd_alerts_dropped_by_rules_total",
                                 "Alerts a rule with drop: true removed on receipt.")
                           .with({})),
      rule_held(r.counter("alertd_rule_held_alerts_total",
                          "Alerts held back by a threshold or distinct rule whose condition "
                          "did not hold yet.")
                    .with({})),
      rule_released(r.counter("alertd_rule_released_alerts_total",
                              "Held alerts passed on when their rule's condition came to hold.")
                        .with({})),
      absence_fired(r.counter("alertd_absence_alerts_fired_total",
                              "Synthetic alerts raised because a heartbeat stopped (absent_for).")
                        .with({})),
      leases_capped(r.counter("alertd_alert_leases_capped_total",
                              "Firing alerts whose endsAt was later than now + limits.max_lease, "
                              "or missing: held until then without a re-send, not for ever.")
                        .with({})),
      pagerduty_unknown_keys(
          r.counter("alertd_pagerduty_unknown_dedup_keys_total",
                    "PagerDuty acknowledge or resolve events whose dedup_key no trigger gave "
                    "(or one before a restart): answered as processed, nothing to act on.")
              .with({})),
      fields_skipped(r.counter("alertd_ingest_fields_skipped_total",
                               "Event fields left out of an alert because they broke a limit "
                               "(too many, too long), by source; the alert was kept without "
                               "them.",
                               {"source"})),
      rule_groups(
          r.gauge("alertd_rule_groups", "Groups tracked by counting and absence rules, all shards.")
              .with({})),
      rules_loaded(r.gauge("alertd_rules_loaded", "Rules in the running rule set.").with({})),
      last_reload_ok(r.gauge("alertd_config_last_reload_successful",
                             "1 if the last reload succeeded (or none happened), else 0.")
                         .with({})),
      suppressed_alerts(r.gauge("alertd_suppressed_alerts",
                                "Firing alerts kept on their incident but not notified, by "
                                "reason: inhibit, silence, maintenance.",
                                {"reason"})),
      flapping_alerts(
          r.gauge("alertd_flapping_alerts", "Alerts currently flagged as flapping (flap damping).")
              .with({})),
      settle_held_alerts(r.gauge("alertd_settle_held_alerts",
                                 "Possible inhibition targets waiting for the settle period "
                                 "after start-up or reload.")
                             .with({})),
      incidents_reopened(r.counter("alertd_incidents_reopened_total",
                                   "Resolved incidents reopened because their alert fired "
                                   "again within the flap window.")
                             .with({})),
      topology_joins(r.counter("alertd_topology_joins_total",
                               "Alerts that joined an incident of a dependent or dependency "
                               "service through the topology.")
                         .with({})),
      problems_opened(r.counter("alertd_problems_opened_total",
                                "Problems opened because one group key kept producing incidents.")
                          .with({})),
      problem_links(r.counter("alertd_problem_links_total",
                              "Incidents linked to a problem (at its opening or later).")
                        .with({})),
      incidents_purged(r.counter("alertd_incidents_purged_total",
                                 "Closed incidents removed from the store by retention, by "
                                 "action: archive (written to the archive first) or delete.",
                                 {"action"})),
      upkeep_errors(r.counter("alertd_store_upkeep_errors_total",
                              "Failed runs of the store writer's own tasks (each is retried), "
                              "by task: problems, retention.",
                              {"task"})),
      lifecycle(r),
      journal(r),
      audit_head_seq(r.gauge("alertd_audit_head_seq",
                             "Seq of the audit chain's last committed entry (the anchored head).")
                         .with({})),
      received_family_(
          r.counter("alertd_alerts_received_total", "Alerts accepted, by source.", {"source"})),
      rejected_family_(r.counter("alertd_alerts_rejected_total",
                                 "Alerts or requests refused, by reason and by the source "
                                 "that sent them (http: refused by the HTTP server before "
                                 "routing).",
                                 {"reason", "source"})),
      reloads_family_(r.counter("alertd_config_reloads_total",
                                "Reloads of the rules via SIGHUP or POST /-/reload, by result.",
                                {"result"})),
      auth_failures_family_(r.counter("alertd_api_auth_failures_total",
                                      "API requests refused by access control, by reason.",
                                      {"reason"})),
      audit_verifications_family_(
          r.counter("alertd_audit_verifications_total",
                    "Checks of the audit trail's hash chain (GET /api/v1/audit/verify), by "
                    "result: ok or broken.",
                    {"result"})),
      audit_chain_ok_family_(r.gauge("alertd_audit_chain_ok",
                                     "1 when the last check of the audit chain (start-up or "
                                     "GET /api/v1/audit/verify) found it intact and anchored, "
                                     "else 0.")),
      api_errors_family_(r.counter("alertd_api_errors_total",
                                   "API requests refused or failed outside the alerts path, by "
                                   "reason (the HTTP server's own, the silences API).",
                                   {"reason"})) {
  for (size_t i = 0; i < std::size(core::kKnownSources); ++i) {
    received_by_source_[i] = &received_family_.with({core::kKnownSources[i]});
  }
  // Every reason is visible at 0 from the start, so rate() and alerts on
  // refusals work before the first one happens.
  for (auto source : kRejectSources) {
    for (auto reason : decoder_reasons) rejected_family_.with({reason, source});
    for (auto reason : kRequestRejectReasons) rejected_family_.with({reason, source});
  }
  for (auto reason : {"inhibit", "silence", "maintenance"}) suppressed_alerts.with({reason});
  for (auto action : {"archive", "delete"}) incidents_purged.with({action});
  for (auto task : {"problems", "retention"}) upkeep_errors.with({task});
  for (auto reason : {"store_limit", "store_invalid_input", "store_constraint"}) {
    store_quarantined.with({reason});
  }
  reloads_family_.with({"success"});
  reloads_family_.with({"failure"});
  auth_failures_family_.with({"unauthenticated"});
  auth_failures_family_.with({"forbidden"});
  // A broken chain is what one alerts on: the series exists at 0 before it happens.
  audit_verifications_family_.with({"ok"});
  audit_verifications_family_.with({"broken"});
  for (auto reason : kServerErrorReasons) api_errors_family_.with({reason});
  last_reload_ok.set(1);
  r.gauge("alertd_build_info", "Build information; the value is always 1.", {"version", "revision"})
      .with({build.version, build.revision})
      .set(1);
}

telemetry::Counter& Metrics::received(std::string_view source) {
  auto name = core::metric_source(source);
  for (size_t i = 0; i < std::size(core::kKnownSources); ++i) {
    if (core::kKnownSources[i] == name) return *received_by_source_[i];
  }
  return *received_by_source_.back();
}

telemetry::Counter& Metrics::reloads(bool ok) {
  return reloads_family_.with({ok ? "success" : "failure"});
}

telemetry::Counter& Metrics::auth_failures(std::string_view reason) {
  return auth_failures_family_.with({reason});
}

telemetry::Counter& Metrics::audit_verifications(bool ok) {
  return audit_verifications_family_.with({ok ? "ok" : "broken"});
}

void Metrics::audit_chain_checked(bool ok) {
  audit_chain_ok_family_.with({}).set(ok ? 1 : 0);
}

telemetry::Counter& Metrics::rejected(std::string_view reason, std::string_view source) {
  for (auto known : kRejectSources) {
    if (known == source) return rejected_family_.with({reason, source});
  }
  return rejected_family_.with({reason, "generic"});
}

telemetry::Counter& Metrics::api_errors(std::string_view reason) {
  return api_errors_family_.with({reason});
}

}  // namespace alertd::telemetry
