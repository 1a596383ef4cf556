#include "correlator/suppression/inhibit.h"

namespace alertd::correlator {

Inhibitor::Sides Inhibitor::classify(const LabelView& labels) const {
  Sides sides;
  for (const auto& r : rules_) {
    sides.source = sides.source || matches_all(r.source, labels);
    sides.target = sides.target || matches_all(r.target, labels);
    if (sides.source && sides.target) break;
  }
  return sides;
}

Inhibitor::BucketKey Inhibitor::bucket_key(uint32_t rule, uint32_t tenant,
                                           const LabelView& labels) const {
  BucketKey key{rule, tenant, {}};
  for (const auto& name : rules_[rule].equal) {
    std::string_view v = labels.get(name).value_or("");
    key.equal += std::to_string(v.size());
    key.equal += ':';
    key.equal += v;
  }
  return key;
}

void Inhibitor::add(const MemberKey& key, const LabelView& labels,
                    std::vector<MemberKey>& affected) {
  update(key, labels, +1, affected);
}

void Inhibitor::remove(const MemberKey& key, const LabelView& labels,
                       std::vector<MemberKey>& affected) {
  update(key, labels, -1, affected);
}

void Inhibitor::update(const MemberKey& key, const LabelView& labels, int delta,
                       std::vector<MemberKey>& affected) {
  for (uint32_t r = 0; r < rules_.size(); ++r) {
    bool source = matches_all(rules_[r].source, labels);
    bool target = matches_all(rules_[r].target, labels);
    if (!source && !target) continue;
    auto bk = bucket_key(r, key.tenant, labels);
    auto it = buckets_.find(bk);
    if (it == buckets_.end()) {
      if (delta < 0) continue;  // never registered: nothing to undo
      it = buckets_.emplace(std::move(bk), Bucket{}).first;
    }
    Bucket& b = it->second;
    if (target) {
      if (delta > 0) {
        b.targets[key] = source;
      } else {
        b.targets.erase(key);
      }
    }
    if (source) {
      bool muted_one = b.mutes(false);
      bool muted_two = b.mutes(true);
      if (delta > 0) {
        ++b.sources;
        if (target) ++b.two_sided_sources;
      } else if (b.sources > 0) {
        --b.sources;
        if (target && b.two_sided_sources > 0) --b.two_sided_sources;
      }
      bool changed_one = muted_one != b.mutes(false);
      bool changed_two = muted_two != b.mutes(true);
      if (changed_one || changed_two) {
        for (const auto& [t, two_sided] : b.targets) {
          if (t == key) continue;
          if (two_sided ? changed_two : changed_one) affected.push_back(t);
        }
      }
    }
    if (b.sources == 0 && b.targets.empty()) buckets_.erase(it);
  }
}

const InhibitRule* Inhibitor::muting_rule(const MemberKey& key, const LabelView& labels) const {
  for (uint32_t r = 0; r < rules_.size(); ++r) {
    if (!matches_all(rules_[r].target, labels)) continue;
    auto it = buckets_.find(bucket_key(r, key.tenant, labels));
    if (it == buckets_.end()) continue;
    bool two_sided = matches_all(rules_[r].source, labels);
    if (it->second.mutes(two_sided)) return &rules_[r];
  }
  return nullptr;
}

}  // namespace alertd::correlator
