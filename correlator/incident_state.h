#pragma once
// The correlator's in-memory incident and the batch of updates one call
// produces. Internal to correlator/.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/incident.h"
#include "correlator/member_state.h"

namespace alertd::correlator {

struct ServiceCount {
  std::string name;
  uint32_t members = 0;  // members with this `service`
  uint32_t firing = 0;   // of which firing
};

struct IncidentState {
  core::Incident incident;
  uint32_t tenant = 0;
  std::vector<MemberState> members;  // never removed while the incident is in memory
  // Firing members per severity rank: the worst one is found in O(1).
  std::array<uint32_t, 4> firing_by_severity{};
  std::vector<ServiceCount> services;  // sorted by name
  std::vector<std::string> hosts;      // distinct, at most PriorityMatrix::host_cap()
  uint32_t suppressed_firing = 0;      // firing members with a suppressed_by
  uint32_t flapping_members = 0;
  core::TimePoint hold_until = core::kNoTime;  // flap hold: resolves then if still quiet
  core::TimePoint evict_at = core::kNoTime;    // when resolved: forgotten then (flap damping)
  core::TimePoint sla_timer = core::kNoTime;   // its entry in sla_timers_, if any
};

// Incident.suppressed: it has firing members and every one of them is muted.
inline void update_suppressed(IncidentState& inc) {
  inc.incident.suppressed =
      inc.incident.firing_count > 0 && inc.suppressed_firing == inc.incident.firing_count;
}

// Updates of one call to the correlator, written straight into the
// caller's vector: one per incident in first-touch order, each carrying the
// incident as it is at the end of the call (or as it was when sealed, for an
// incident that left memory). A reference from at() is for one statement:
// adding another incident's update may move it.
class UpdateBatch {
 public:
  void begin(std::vector<core::IncidentUpdate>& out) {
    out_ = &out;
    entries_.clear();
    index_.clear();
  }
  core::IncidentUpdate& at(const IncidentState& inc) { return (*out_)[entry(inc).position]; }
  bool contains(int64_t seq) const { return find(seq) != kMissing; }
  // Must be called before an incident with an update leaves memory.
  void seal(const IncidentState& inc) {
    Entry& e = entry(inc);
    (*out_)[e.position].incident = inc.incident;
    e.sealed = true;
  }
  // Updates carry the receipt time of the oldest alert behind them.
  void note_receipt(const IncidentState& inc, int64_t mono) {
    if (mono == 0) return;
    auto& u = at(inc);
    if (u.received_mono_ns == 0 || mono < u.received_mono_ns) u.received_mono_ns = mono;
  }
  // Incidents live in node maps: their addresses survive moves between them.
  void end() {
    for (const auto& e : entries_) {
      if (!e.sealed) (*out_)[e.position].incident = e.state->incident;
    }
    entries_.clear();
    index_.clear();
    out_ = nullptr;
  }

 private:
  struct Entry {
    int64_t seq = 0;
    const IncidentState* state = nullptr;
    size_t position = 0;  // in *out_
    bool sealed = false;
  };
  // Most calls touch one incident: a short list is scanned, a long one indexed.
  static constexpr size_t kScan = 8;
  static constexpr size_t kMissing = static_cast<size_t>(-1);

  size_t find(int64_t seq) const {
    if (entries_.size() <= kScan) {
      for (size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].seq == seq) return i;
      }
      return kMissing;
    }
    auto it = index_.find(seq);
    return it == index_.end() ? kMissing : it->second;
  }
  Entry& entry(const IncidentState& inc) {
    int64_t seq = inc.incident.seq;
    if (size_t i = find(seq); i != kMissing) return entries_[i];
    out_->emplace_back();
    entries_.push_back(Entry{seq, &inc, out_->size() - 1, false});
    if (entries_.size() == kScan + 1) {
      for (size_t i = 0; i < entries_.size(); ++i) index_[entries_[i].seq] = i;
    } else if (entries_.size() > kScan + 1) {
      index_[seq] = entries_.size() - 1;
    }
    return entries_.back();
  }

  std::vector<core::IncidentUpdate>* out_ = nullptr;
  std::vector<Entry> entries_;
  absl::flat_hash_map<int64_t, size_t> index_;
};

}  // namespace alertd::correlator
