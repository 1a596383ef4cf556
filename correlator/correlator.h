#pragma once
// The correlator turns alert state changes into incidents. One instance per
// tenant partition, used by one thread; a deterministic state machine with
// no I/O and no clock: every time comes from the events, so live and
// `alertd replay` produce the same incidents.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/incident.h"
#include "core/time.h"
#include "correlator/grouping.h"
#include "correlator/member_state.h"

namespace alertd::correlator {

struct CorrelatorConfig {
  std::vector<std::string> group_by{"service"};             // labels forming the group key
  std::vector<std::string> group_by_fallback{"alertname"};  // used when none of group_by is present
  core::Duration group_window = std::chrono::minutes(10);
  std::string rule_name = "default";  // recorded on incidents it opens
  // Live, every touch is emitted so the store learns last_seen. Replay turns
  // this off: touches then only update memory, and snapshot_active() gives
  // the final state, which saves an update per re-sent alert.
  bool emit_touches = true;
};

class Correlator {
 public:
  explicit Correlator(CorrelatorConfig config);

  // After a restart, before any apply(): the store's active incidents with
  // their members; incident numbering continues after max_seq.
  void restore(core::ActiveState&& state);

  // Applies one alert state change and appends what changed (incident
  // snapshot, changed members, audit entries) to `out`. Several events for
  // one incident give several updates; the sink coalesces them.
  void apply(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out);

  /// Appends one update per active incident, in id order, carrying the
  /// incident and every member as they are now (no audit entries).
  void snapshot_active(std::vector<core::IncidentUpdate>& out) const;

  size_t active_incidents() const { return incidents_.size(); }
  size_t active_members() const { return member_index_.size(); }
  int64_t max_seq() const { return max_seq_; }
  uint64_t incidents_created_total() const { return incidents_created_total_; }
  // Resolves of alerts no active incident holds (e.g. forgotten after the
  // incident resolved, or a sender's first message is a resolve).
  uint64_t orphan_resolves_total() const { return orphan_resolves_total_; }
  // Touches of alerts no active incident holds; they open nothing.
  uint64_t orphan_touches_total() const { return orphan_touches_total_; }

 private:
  // A label set is an alert's identity within its tenant only.
  struct MemberKey {
    uint64_t fingerprint = 0;
    uint32_t tenant = 0;
    friend bool operator==(const MemberKey&, const MemberKey&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const MemberKey& k) {
      return H::combine(std::move(h), k.fingerprint, k.tenant);
    }
  };
  struct MemberRef {
    int64_t seq = 0;
    uint32_t index = 0;  // into IncidentState::members; members are never removed
  };
  using GroupIndexKey = std::pair<uint32_t, std::string>;  // (tenant, group key)
  struct IncidentState {
    core::Incident incident;
    uint32_t tenant = 0;
    std::vector<MemberState> members;
    // Firing members per severity rank: the worst one is found in O(1).
    std::array<uint32_t, 4> firing_by_severity{};
  };

  uint32_t tenant_id(std::string_view tenant);
  void on_firing(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out);
  void on_refire(IncidentState& inc, MemberState& m, core::AlertEvent&& event,
                 core::IncidentUpdate& update);
  void on_resolved(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out);
  void on_touch(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out);

  // The newest active incident of the group if `at` is within its window.
  IncidentState* joinable(const GroupIndexKey& key, core::TimePoint at);
  /// The active incident and member for this alert's (tenant, fingerprint),
  /// or {nullptr, nullptr}.
  std::pair<IncidentState*, MemberState*> find_member(const core::Alert& alert);
  IncidentState& open_incident(GroupIndexKey key, const core::AlertEvent& event,
                               core::IncidentUpdate& update);
  void add_member(IncidentState& inc, const MemberKey& key, core::AlertEvent&& event,
                  core::IncidentUpdate& update);
  // Re-derives severity and priority from the firing members; audits a change.
  void refresh_priority(IncidentState& inc, core::TimePoint at, core::IncidentUpdate& update);
  void resolve_incident(IncidentState& inc, core::TimePoint at, core::IncidentUpdate& update);
  // Forgets a resolved incident: its members and its group index entry.
  void drop_incident(int64_t seq);
  void restore_member(const std::string& incident_id, core::Member&& member);

  CorrelatorConfig config_;
  GroupingPolicy grouping_;
  absl::flat_hash_map<int64_t, IncidentState> incidents_;  // active ones, by seq
  // Active incidents per group, oldest first; new alerts join the newest.
  absl::flat_hash_map<GroupIndexKey, std::vector<int64_t>> group_index_;
  absl::flat_hash_map<MemberKey, MemberRef> member_index_;
  absl::flat_hash_map<std::string, uint32_t> tenant_ids_;
  int64_t max_seq_ = 0;
  uint64_t incidents_created_total_ = 0;
  uint64_t orphan_resolves_total_ = 0;
  uint64_t orphan_touches_total_ = 0;
};

}  // namespace alertd::correlator
