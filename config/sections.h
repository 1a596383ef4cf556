#pragma once
// Readers of the larger sections of the config (the rule language, access
// control), one file each, so that config.cc stays about the daemon's own
// settings.

#include <filesystem>
#include <vector>

#include "config/config.h"
#include "config/yaml.h"
#include "correlator/correlator.h"
#include "rules/rule.h"

namespace alertd::config {

/// `rules:` — a list whose items are rules (mappings) or file paths/globs
/// (strings, relative to `base_dir`) of files with a top-level `rules:` list.
/// Checks names are unique; every error goes to `diag`.
void read_rules(const YAML::Node& node, const std::filesystem::path& base_dir, Diagnostics& diag,
                std::vector<rules::RuleSpec>& out);

/// The correlator's sections of the top-level mapping: `correlation:`
/// (group_by, group_window, topology file, flap, settle), `inhibit:`,
/// `priority:` and `maintenance:`. Reads only the keys present.
void read_correlation(const YAML::Node& root, const std::filesystem::path& base_dir,
                      Diagnostics& diag, correlator::CorrelatorConfig& out);

/// `auth:` (auth.cc) — API tokens with a role and tenant, and
/// per-source ingest tokens. `${VAR}` in any of its strings is expanded from
/// the environment. No error it records quotes a token.
void read_auth(const YAML::Node& node, Diagnostics& diag, AuthConfig& out);
/// The string at `n` with every `${NAME}` replaced from the environment; an
/// unset or empty variable is an error that names it (never the value).
std::string expand_env(const YAML::Node& n, const std::string& what);
/// expand_env(), then the checks every secret token passes: 16 to 4096
/// printable ASCII characters without spaces (it travels in a header).
std::string read_secret(const YAML::Node& n, const std::string& what);

/// `sources:` (sources.cc) — Splunk HEC tokens and limits, SNS signature
/// and subscription policy, CloudTrail keep matchers, the TCP listener and
/// re-delivery recognition. `http.tls` is read by read_tls() too.
/// Reads each item of a list (at most `max`) under its own guard, so one
/// bad item hides no other; `read(item, "what[i]")` throws ConfigError.
/// An absent or null list is empty.
template <typename Read>
void read_list(const YAML::Node& list, const std::string& what, size_t max, Diagnostics& diag,
               Read read) {
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) {
    diag.guard([&] { throw ConfigError(list, what + ": expected a list"); });
    return;
  }
  if (list.size() > max) {
    diag.guard([&] { throw ConfigError(list, what + ": more than " + std::to_string(max)); });
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    diag.guard([&] { read(list[i], what + "[" + std::to_string(i) + "]"); });
  }
}

/// `people:` and `oncall:` (config/oncall.cc); schedules are checked
/// against the people read first.
void read_people(const YAML::Node& n, Diagnostics& diag, OncallConfig& out);
void read_oncall(const YAML::Node& n, Diagnostics& diag, OncallConfig& out);
/// `notify:` and `escalation_policies:` of the top-level mapping
/// (config/notify.cc): receivers (templates compiled), escalation policies
/// (their steps checked against schedules, people and receivers), routes
/// (checked against all of them), timing and the senders' limits.
void read_notify(const YAML::Node& root, Diagnostics& diag, const OncallConfig& oncall,
                 NotifyConfig& out);
void read_sources(const YAML::Node& n, Diagnostics& diag, SourcesConfig& out);
void read_tls(const YAML::Node& n, const std::string& what, TlsConfig& out);

/// `audit:` (audit.cc) — `key` (HMAC-SHA256 chain; `${VAR}` expanded) and
/// `anchor_file`.
void read_audit(const YAML::Node& n, Diagnostics& diag, AuditConfig& out);
/// `audit.anchor_file`'s default: `audit.anchor` beside the SQLite file, or
/// ./data/audit.anchor with PostgreSQL.
std::string default_anchor_file(const StoreConfig& store);

/// `incidents:` — SLA targets per priority, sla_clock, review_required,
/// repeat_escalation (correlator::LifecyclePolicy); `problems` (when
/// recurring incidents open a problem) and `retention` (closed incidents).
void read_incidents(const YAML::Node& n, Diagnostics& diag, correlator::LifecyclePolicy& lifecycle,
                    core::ProblemPolicy& problems, RetentionConfig& retention);

/// `durability:` (durability.cc) — the journal's mode, place, sizes and
/// timings; and `pipeline.queue_bytes`, read there too (sizes take KiB,
/// MiB and GiB).
void read_durability(const YAML::Node& n, Diagnostics& diag, DurabilityConfig& out);
size_t get_bytes(const YAML::Node& n, std::string_view what, size_t min, size_t max);

/// expand_env(), at most 128 bytes: names, tenants and the like.
std::string read_short(const YAML::Node& n, const std::string& what);

/// `kafka:` (kafka.cc) — brokers, group, topics with their formats, the
/// incidents and dead-letter topics, librdkafka properties (`${ENV}`
/// expanded) and relay mode.
void read_kafka(const YAML::Node& node, Diagnostics& diag, KafkaConfig& out);

}  // namespace alertd::config
