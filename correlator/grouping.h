#pragma once
// Grouping policy: which alerts belong in one incident. Today one policy for
// the whole correlator (labels + fallback labels); rule-driven policies and
// topology plug in here later without touching the incident state machine.

#include <string>
#include <vector>

#include "core/labels.h"

namespace alertd::correlator {

class GroupingPolicy {
 public:
  GroupingPolicy(std::vector<std::string> group_by, std::vector<std::string> fallback);

  // The readable group key of an alert, e.g. `{service="checkout"}`: the
  // group_by labels the alert has; if it has none of them, its fallback
  // labels; if neither, `{}`. The tenant is not part of the text: incidents
  // carry it separately and the correlator never groups across tenants.
  std::string group_key(const core::LabelSet& labels) const;

 private:
  // Returns false when the alert has none of `names`.
  static bool select(const core::LabelSet& labels, const std::vector<std::string>& names,
                     core::LabelSet& selected);

  std::vector<std::string> group_by_;
  std::vector<std::string> fallback_;
};

}  // namespace alertd::correlator
