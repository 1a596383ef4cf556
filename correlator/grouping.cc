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

bool GroupingPolicy::has_rule_grouping(std::string_view rule) const {
  return !rule.empty() && rule_group_by_.contains(absl::string_view(rule.data(), rule.size()));
}

core::LabelSet GroupingPolicy::group_labels(const core::LabelSet& labels,
                                            std::string_view rule) const {
  core::LabelSet selected;
  if (has_rule_grouping(rule)) {
    select(labels, rule_group_by_.find(absl::string_view(rule.data(), rule.size()))->second,
           selected);
  } else if (!select(labels, group_by_, selected)) {
    select(labels, fallback_, selected);
  }
  return selected;
}

std::string GroupingPolicy::group_key(const core::LabelSet& labels) const {
  return group_labels(labels, {}).to_string();
}

std::string GroupingPolicy::group_key(const core::LabelSet& labels, std::string_view rule) const {
  if (!has_rule_grouping(rule)) return group_key(labels);
  return std::string(rule) + group_labels(labels, rule).to_string();
}

}  // namespace alertd::correlator
