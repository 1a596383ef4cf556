#pragma once
// The compiled rule list and the stateless rule stage (drop, set, which rule
// gates an alert). Immutable once compiled and shared by every receiving
// thread through a shared_ptr<const RuleSet>; a reload compiles a new one and
// swaps the pointer. See rules/README.md for the semantics.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/alert.h"
#include "core/labels.h"
#include "core/result.h"
#include "rules/rule.h"

namespace alertd::rules {

/// Upper bound of threshold/distinct counts: a closed group keeps up to
/// count - 1 arrival times, so the count bounds memory per group.
inline constexpr uint32_t kMaxRuleCount = 100000;

/// The shard routing key of a counting group: a hash of (rule name, tenant,
/// group labels); never 0 (0 means "route by fingerprint").
uint64_t route_key(std::string_view rule, std::string_view tenant, const core::LabelSet& group);

/// The group of `labels` under `rule`: those of its group_by labels that
/// `labels` has with a non-empty value (an empty value is an absent label).
core::LabelSet group_of(const RuleSpec& rule, const core::LabelSet& labels);

class RuleSet {
 public:
  /// Validates (non-empty unique names; threshold, distinct and absent_for
  /// mutually exclusive; drop excludes them; counts in [1, kMaxRuleCount];
  /// windows > 0; a distinct label) and compiles. Error messages name the
  /// rule and its origin ("FILE:LINE"); reason "invalid_rules".
  static core::Result<std::shared_ptr<const RuleSet>> compile(std::vector<RuleSpec> specs);

  /// The stateless stage, run on the receiving thread for every alert.
  /// Matching is against the labels as received; then, in rule order, every
  /// matching rule's `set` is applied. Returns false when a matching rule
  /// drops the alert (alert.rule then names that rule). Otherwise sets
  /// alert.rule (the gate if any, else the first matching rule, else "") and
  /// alert.route_key (the gate's group key, else 0). The fingerprint is not
  /// recomputed: identity is the labels as the sender sent them.
  bool apply(core::Alert& alert) const;

  /// The routing key of `alert` (labels after apply) under the counting rule
  /// at `index`; equals route_key(name, tenant, group_of(rule, labels)) but
  /// does not allocate.
  uint64_t group_key(size_t index, const core::Alert& alert) const;

  const RuleSpec* find(std::string_view name) const;
  std::optional<size_t> index_of(std::string_view name) const;
  size_t size() const { return specs_.size(); }
  const std::vector<RuleSpec>& specs() const { return specs_; }

  /// Rules that apply() verifies for an alert with these labels, before
  /// their matchers run (exposed so tests can check the index prunes).
  size_t candidates(const core::LabelSet& labels) const;

  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

 private:
  struct RegexIndex;  // one RE2::Set per label name; defined in rule_set.cc

  RuleSet();
  void build_index();
  void build_regex_index(const std::vector<int>& regex_of);
  void collect_candidates(const core::LabelSet& labels, std::vector<uint32_t>& out) const;

  struct Compiled {
    core::Matchers rest;                // matchers not answered by the index
    std::vector<std::string> group_by;  // sorted, unique
    bool counting = false;
  };
  using ValueIndex = absl::flat_hash_map<std::string, std::vector<uint32_t>>;

  std::vector<RuleSpec> specs_;
  std::vector<Compiled> compiled_;
  // Some rule matches on `source`: the sender's name is lent as a label.
  bool matches_source_ = false;
  absl::flat_hash_map<std::string, uint32_t> by_name_;
  // label name -> label value -> rules indexed under that exact matcher.
  absl::flat_hash_map<std::string, ValueIndex> index_;
  // Rules without an exact matcher but with a regex one (`name=~"..."`): all
  // regexes on one label name run as one RE2::Set, one pass per label value.
  std::vector<std::unique_ptr<RegexIndex>> regex_index_;
  std::vector<uint32_t> unindexed_;  // rules with neither: always checked
};

}  // namespace alertd::rules
