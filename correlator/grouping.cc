#include "correlator/grouping.h"

#include <utility>

#include "absl/strings/string_view.h"

namespace alertd::correlator {

GroupingPolicy::GroupingPolicy(std::vector<std::string> group_by, std::vector<std::string> fallback,
                               const std::map<std::string, std::vector<std::string>>& rule_group_by)
    : group_by_(std::move(group_by)), fallback_(std::move(fallback)) {
  for (const auto& [rule, labels] : rule_group_by) {
    if (!labels.empty()) rule_group_by_.emplace(rule, labels);
  }
}

bool GroupingPolicy::select(const core::LabelSet& labels, const std::vector<std::string>& names,
                            core::LabelSet& selected) {
  for (const auto& name : names) {
    if (auto value = labels.get(name)) selected.set(name, *value);
  }
  return !selected.empty();
}

std::string GroupingPolicy::group_key(const core::LabelSet& labels) const {
  core::LabelSet selected;
  if (!select(labels, group_by_, selected)) select(labels, fallback_, selected);
  return selected.to_string();
}

bool GroupingPolicy::has_rule_grouping(std::string_view rule) const {
  return !rule.empty() && rule_group_by_.contains(absl::string_view(rule.data(), rule.size()));
}

std::string GroupingPolicy::group_key(const core::LabelSet& labels, std::string_view rule) const {
  if (rule.empty() || rule_group_by_.empty()) return group_key(labels);
  auto it = rule_group_by_.find(absl::string_view(rule.data(), rule.size()));
  if (it == rule_group_by_.end()) return group_key(labels);
  core::LabelSet selected;
  select(labels, it->second, selected);
  std::string key(rule);
  key += selected.to_string();
  return key;
}

}  // namespace alertd::correlator
