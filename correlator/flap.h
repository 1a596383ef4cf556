#pragma once
// Flap damping: an alert that changes state (firing <-> resolved) more than
// `transitions` times within `within` is flapping. The correlator keeps one
// FlapHistory per member that ever changed state; it sees every change of
// every alert, which a shard (one slice of the fingerprints, dedup first)
// does not.

#include <chrono>
#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "core/time.h"

namespace alertd::correlator {

struct FlapConfig {
  // More than this many changes within `within` is flapping; 0 turns flap damping off.
  uint32_t transitions = 4;
  core::Duration within = std::chrono::minutes(15);
  // A flapping alert must stay resolved this long before its incident resolves.
  core::Duration hold = std::chrono::minutes(10);
  bool enabled() const { return transitions > 0; }
};

// The times of an alert's last `transitions + 1` state changes, oldest first.
// "Within" is inclusive: changes exactly `within` apart still count together,
// as the group window does.
class FlapHistory {
 public:
  // Records a change at `at` (clamped so times never go backwards) and
  // returns whether the alert is flapping right after it.
  bool record(core::TimePoint at, const FlapConfig& config);
  // Whether it is flapping at `now`, if nothing changed since the last record.
  bool flapping_at(core::TimePoint now, const FlapConfig& config) const;
  // The first time at which it stops flapping if nothing changes (the oldest
  // counted change leaves the window); kNoTime when it is not flapping.
  core::TimePoint flap_end(const FlapConfig& config) const;
  size_t size() const { return changes_.size(); }

 private:
  // Inline for the default 4 transitions: no allocation of its own.
  absl::InlinedVector<core::TimePoint, 5> changes_;
};

}  // namespace alertd::correlator
