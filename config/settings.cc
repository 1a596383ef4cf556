#include "config/settings.h"

#include <algorithm>

namespace alertd::config {

namespace {

// The rules' group_by also groups their incidents.
correlator::CorrelatorConfig correlator_config(const DaemonConfig& config,
                                               const rules::RuleSet& rules) {
  auto c = config.correlation;
  for (const auto& spec : rules.specs()) {
    if (!spec.group_by.empty()) c.rule_group_by[spec.name] = spec.group_by;
  }
  return c;
}

}  // namespace

std::string rules_summary(size_t rules, const correlator::CorrelatorConfig& correlation) {
  return std::to_string(rules) + " rules, " + std::to_string(correlation.inhibit.size()) +
         " inhibit rules, " + std::to_string(correlation.topology.services.size()) +
         " services in the topology";
}

core::Result<std::shared_ptr<const Settings>> make_settings(const DaemonConfig& config,
                                                            uint64_t version) {
  auto rules = rules::RuleSet::compile(config.rules);
  if (!rules) return rules.error();
  auto settings = std::make_shared<Settings>();
  settings->version = version;
  settings->rules = std::move(*rules);
  settings->correlation = correlator_config(config, *settings->rules);
  settings->problems = config.problems;
  settings->retention = config.retention;
  settings->limits = config.limits;
  settings->resolve_timeout = config.resolve_timeout;
  settings->sources = config.sources;
  settings->oncall = config.oncall;
  settings->notify = config.notify;
  std::vector<std::vector<std::string>> rule_lists;
  size_t longest_rule = 0;
  for (const auto& [rule, labels] : settings->correlation.rule_group_by) {
    rule_lists.push_back(labels);
    longest_rule = std::max(longest_rule, rule.size());
  }
  settings->indexed =
      ingest::indexed_labels(settings->correlation.group_by,
                             settings->correlation.group_by_fallback, rule_lists, longest_rule);
  return std::shared_ptr<const Settings>(std::move(settings));
}

}  // namespace alertd::config
