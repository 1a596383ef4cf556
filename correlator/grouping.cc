#include "correlator/grouping.h"

#include <utility>

namespace alertd::correlator {

GroupingPolicy::GroupingPolicy(std::vector<std::string> group_by, std::vector<std::string> fallback)
    : group_by_(std::move(group_by)), fallback_(std::move(fallback)) {}

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

}  // namespace alertd::correlator
