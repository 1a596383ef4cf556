#pragma once
// What a reload swaps: the compiled rules, the correlator's settings and
// the store writer's (problems, retention), built from one DaemonConfig. Immutable once built;
// threads share it through a shared_ptr and pick up a new one by its version.

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "correlator/correlator.h"
#include "ingest/formats/storable.h"
#include "rules/rule_set.h"

namespace alertd::config {

struct Settings {
  uint64_t version = 0;
  std::shared_ptr<const rules::RuleSet> rules;
  correlator::CorrelatorConfig correlation;
  core::ProblemPolicy problems;
  RetentionConfig retention;
  // The labels whose values reach a store index, from the grouping lists above.
  ingest::IndexedLabels indexed;
  // What ingest takes: the `limits` section and the resolve timeout.
  ingest::Limits limits;
  core::Duration resolve_timeout{0};
  // `sources:`: HEC tokens, SNS policy, CloudTrail keep matchers (the TCP
  // listener's address and the re-delivery window apply from start-up only).
  SourcesConfig sources;
  // `people:` and `oncall:`: who is on call, read by the API and escalation.
  OncallConfig oncall;
  // `notify:`: receivers, templates, routes and timing (the senders' threads
  // and limits apply from start-up only).
  NotifyConfig notify;
};

/// "3 rules, 1 inhibit rules, 12 services in the topology": for logs,
/// check-config and the reload answer.
std::string rules_summary(size_t rules, const correlator::CorrelatorConfig& correlation);

/// Compiles the rules of `config`; the correlator config gets each rule's group_by.
core::Result<std::shared_ptr<const Settings>> make_settings(const DaemonConfig& config,
                                                            uint64_t version);

}  // namespace alertd::config
