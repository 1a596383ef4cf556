#pragma once
// One rule of the rule language (docs/rules.md) as read from YAML: plain
// data, validated by the config reader. RuleSet compiles a list of them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/matcher.h"
#include "core/time.h"

namespace alertd::rules {

/// An incident only once `count` matching alerts arrived within `within` (per group).
struct Threshold {
  uint32_t count = 1;
  core::Duration within{};
  friend bool operator==(const Threshold&, const Threshold&) = default;
};

/// An incident only once `count` different values of `label` arrived within `within`.
struct Distinct {
  std::string label;
  uint32_t count = 1;
  core::Duration within{};
  friend bool operator==(const Distinct&, const Distinct&) = default;
};

struct RuleSpec {
  std::string name;
  core::Matchers match;  // all must hold; empty matches every alert
  std::optional<Threshold> threshold;
  std::optional<Distinct> distinct;
  // Heartbeat: matching alerts are swallowed; when none arrived for this
  // long (per group), a synthetic alert fires until one arrives again.
  std::optional<core::Duration> absent_for;
  bool drop = false;                       // matching alerts are dropped (and counted)
  std::map<std::string, std::string> set;  // labels to add or overwrite
  std::vector<std::string> group_by;       // per-group counting and incident grouping
  std::string origin;                      // "FILE:LINE", for messages
  std::string description;                 // free text for people; no effect

  /// Has a counting condition (threshold, distinct or absent_for): the rule
  /// gates matching alerts in the per-shard CountingStage.
  bool is_counting() const { return threshold || distinct || absent_for; }
};

}  // namespace alertd::rules
