#pragma once
// The normalized alert every decoder produces and every later stage consumes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/labels.h"
#include "core/time.h"

namespace alertd::core {

enum class AlertStatus : uint8_t { firing, resolved };

std::string_view to_string(AlertStatus s);
std::optional<AlertStatus> parse_alert_status(std::string_view s);

/// Well-known sources; the metric label `source` takes only these values
/// (anything else a generic sender names is counted as "generic").
inline constexpr std::string_view kKnownSources[] = {"prometheus", "alertmanager", "grafana",
                                                     "splunk",     "cloudtrail",   "cloudwatch",
                                                     "pagerduty",  "generic"};

/// Maps a free-form source name to one of kKnownSources.
std::string_view metric_source(std::string_view source);

struct Alert {
  LabelSet labels;       // identity; sorted, unique names
  LabelSet annotations;  // never part of identity
  AlertStatus status = AlertStatus::firing;
  TimePoint starts_at = kNoTime;
  TimePoint ends_at = kNoTime;  // kNoTime: no end announced
  std::string source = "generic";
  std::string tenant = "default";
  std::string generator_url;
  TimePoint received_at = kNoTime;  // the clock's "now" at receipt
  int64_t received_mono_ns = 0;     // steady clock at receipt, for latency only
  uint64_t fingerprint = 0;         // core::fingerprint(labels)
  // Set by the rule stage: the first rule that matched ("" when none), and
  // the key that picks the shard. 0 routes by fingerprint; a counting rule
  // routes by (rule, group) so that one shard sees the whole group.
  std::string rule;
  uint64_t route_key = 0;
  // Evidence, set by the counting stage on the alerts a threshold or
  // distinct rule releases when it trips (the held ones and the one that
  // tripped it); rules/README.md. Alerts that pass otherwise (open group,
  // no gate) keep the defaults.
  //   counted_since: the first arrival of this alert (threshold: this
  //     fingerprint; distinct: what its held entry stands for, one value or,
  //     without the label, one fingerprint) that counted and was still in
  //     the window when the rule tripped. kNoTime when not released so.
  //   counted_events: how many arrivals of this alert counted (>= 1 when
  //     counted_since is set; bounded by the held limit, rules/README.md).
  //   rule_events: only on the alert whose arrival tripped the rule: the
  //     arrivals (threshold) or distinct values (distinct) in the window
  //     when it tripped, i.e. how many events it took. 0 otherwise.
  TimePoint counted_since = kNoTime;
  uint32_t counted_events = 0;
  uint32_t rule_events = 0;
  // Where the alert sits in the write-ahead journal (ingest/journal):
  // journal_position(lsn, index in its record); 0 when not journaled
  // (mode none, synthetic alerts). The correlator records it per member so
  // that a replay after a crash skips what the store already holds.
  uint64_t journal_pos = 0;

  /// When this alert counts as happening: starts_at for firing alerts when
  /// given, ends_at for resolved ones, else the receipt time.
  TimePoint event_time() const;
};

/// The journal position of the `index`-th alert of record `lsn`. Ordered
/// like the journal: a later record, or a later alert of one record, is larger.
inline constexpr uint64_t kJournalIndexBits = 20;  // up to ~1M alerts per record
inline constexpr uint64_t journal_position(uint64_t lsn, uint64_t index) {
  return (lsn << kJournalIndexBits) | index;
}
inline constexpr uint64_t journal_lsn(uint64_t pos) {
  return pos >> kJournalIndexBits;
}

}  // namespace alertd::core
