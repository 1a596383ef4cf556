#pragma once
// Inhibition with Alertmanager's semantics: a firing alert matching a rule's
// source matchers mutes every firing alert of the same tenant that matches
// the rule's target matchers and has the same values for the rule's `equal`
// labels (a missing label is "" on both sides). An alert matching both
// sides of a rule is never muted by itself, nor by another alert that also
// matches both sides; only a source-only alert mutes it.
//
// State is bucketed by (rule, tenant, equal-label values): a source change
// touches one bucket and reports only that bucket's targets.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/matcher.h"
#include "correlator/member_state.h"

namespace alertd::correlator {

struct InhibitRule {
  std::string name;
  core::Matchers source;
  core::Matchers target;
  std::vector<std::string> equal;
};

class Inhibitor {
 public:
  Inhibitor() = default;
  explicit Inhibitor(std::vector<InhibitRule> rules) : rules_(std::move(rules)) {}

  bool empty() const { return rules_.empty(); }
  const std::vector<InhibitRule>& rules() const { return rules_; }

  struct Sides {
    bool source = false;  // matches some rule's source
    bool target = false;  // matches some rule's target
  };
  Sides classify(const LabelView& labels) const;

  /// A member started firing: registers it as a source and/or target.
  /// Appends the other targets whose muting may have changed.
  void add(const MemberKey& key, const LabelView& labels, std::vector<MemberKey>& affected);
  /// A registered member stopped firing (same labels as when added).
  void remove(const MemberKey& key, const LabelView& labels, std::vector<MemberKey>& affected);
  /// The first rule (config order) that mutes this member now, or nullptr.
  const InhibitRule* muting_rule(const MemberKey& key, const LabelView& labels) const;
  /// Forgets every registration (the rules stay).
  void clear() { buckets_.clear(); }
  size_t buckets() const { return buckets_.size(); }

 private:
  struct BucketKey {
    uint32_t rule = 0;
    uint32_t tenant = 0;
    std::string equal;  // the `equal` label values, length-prefixed
    friend bool operator==(const BucketKey&, const BucketKey&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const BucketKey& k) {
      return H::combine(std::move(h), k.rule, k.tenant, k.equal);
    }
  };
  struct Bucket {
    uint32_t sources = 0;                          // firing sources
    uint32_t two_sided_sources = 0;                // of which also match the target side
    absl::flat_hash_map<MemberKey, bool> targets;  // firing targets -> also a source
    bool mutes(bool two_sided_target) const {
      return two_sided_target ? sources > two_sided_sources : sources > 0;
    }
  };

  BucketKey bucket_key(uint32_t rule, uint32_t tenant, const LabelView& labels) const;
  void update(const MemberKey& key, const LabelView& labels, int delta,
              std::vector<MemberKey>& affected);

  std::vector<InhibitRule> rules_;
  absl::flat_hash_map<BucketKey, Bucket> buckets_;
};

}  // namespace alertd::correlator
