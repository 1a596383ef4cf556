#pragma once
// Grouping policy: which alerts belong in one incident. A rule that names
// its own group_by groups its alerts by those labels under its name; every
// other alert follows the correlator-wide group_by (else fallback) labels.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/labels.h"

namespace alertd::correlator {

class GroupingPolicy {
 public:
  GroupingPolicy(std::vector<std::string> group_by, std::vector<std::string> fallback,
                 const std::map<std::string, std::vector<std::string>>& rule_group_by = {});

  // The readable group key of an alert, e.g. `{service="checkout"}`: the
  // group_by labels the alert has; if it has none of them, its fallback
  // labels; if neither, `{}`. The tenant is not part of the text: incidents
  // carry it separately and the correlator never groups across tenants.
  std::string group_key(const core::LabelSet& labels) const;

  // With a rule: when `rule` has a non-empty group_by of its own, the key is
  // the rule name followed by those labels (`splunk-errors{host="a"}`);
  // otherwise the same as group_key(labels).
  std::string group_key(const core::LabelSet& labels, std::string_view rule) const;
  bool has_rule_grouping(std::string_view rule) const;

  // The labels (with their values) that group_key(labels, rule) is made of:
  // every alert of one group has the same ones, so matchers on them reach
  // the whole group (a silence from Slack's silence_1h button).
  core::LabelSet group_labels(const core::LabelSet& labels, std::string_view rule) const;

 private:
  // Returns false when the alert has none of `names`.
  static bool select(const core::LabelSet& labels, const std::vector<std::string>& names,
                     core::LabelSet& selected);

  std::vector<std::string> group_by_;
  std::vector<std::string> fallback_;
  absl::flat_hash_map<std::string, std::vector<std::string>> rule_group_by_;  // non-empty lists
};

}  // namespace alertd::correlator
