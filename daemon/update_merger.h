#pragma once
// Merges incident updates by incident: the latest incident snapshot wins,
// members merge by fingerprint (latest snapshot wins, first-seen order kept),
// audit entries append in order. The sink uses it to turn a batch into one
// row write per incident and member; replay uses it to keep final state.

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <vector>

#include "core/incident.h"

namespace alertd::daemon {

class UpdateMerger {
 public:
  explicit UpdateMerger(bool keep_audit = true) : keep_audit_(keep_audit) {}

  void add(core::IncidentUpdate&& update);
  /// The merged updates in the order their incidents first appeared; clears.
  std::vector<core::IncidentUpdate> take();
  bool empty() const { return merged_.empty(); }
  /// Read access without taking, in first-appearance order (test-rules
  /// looks at the incidents so far, then goes on feeding alerts).
  size_t size() const { return merged_.size(); }
  const core::IncidentUpdate& operator[](size_t i) const { return merged_[i].update; }

 private:
  struct Entry {
    core::IncidentUpdate update;
    absl::flat_hash_map<uint64_t, size_t> member_index;  // fingerprint -> position in members
  };
  bool keep_audit_;
  std::vector<Entry> merged_;
  absl::flat_hash_map<int64_t, size_t> by_seq_;
};

}  // namespace alertd::daemon
