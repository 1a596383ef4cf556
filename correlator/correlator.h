#pragma once
// The correlator turns alert state changes into incidents. One instance per
// tenant partition, used by one thread; a deterministic state machine with
// no I/O and no clock: every time comes from the events and from tick(now),
// so live and `alertd replay` produce the same incidents.
//
// Beyond grouping it applies per-rule grouping, topology (join an incident
// of a related service), flap damping, inhibition with a settle period,
// silences and maintenance windows, and the impact x urgency priority
// matrix. See README.md for the semantics and the memory bounds.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "core/incident.h"
#include "core/lifecycle.h"
#include "core/matcher.h"
#include "core/silence.h"
#include "core/time.h"
#include "correlator/flap.h"
#include "correlator/grouping.h"
#include "correlator/incident_state.h"
#include "correlator/lifecycle/lifecycle.h"
#include "correlator/member_state.h"
#include "correlator/priority.h"
#include "correlator/suppression/inhibit.h"
#include "correlator/suppression/suppression.h"
#include "correlator/topology.h"

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
  std::map<std::string, std::vector<std::string>> rule_group_by;  // alert.rule -> its group_by
  Topology topology;  // service -> direct dependencies (services.yaml)
  // Alerts that report a failure of their own service (a disk filling, a
  // crash loop): with a topology they never join another root's incident as
  // a symptom. An alert is one when any of the matcher sets holds.
  std::vector<core::Matchers> own_failures;
  FlapConfig flap;                   // transitions 0 = off
  std::vector<InhibitRule> inhibit;  // in config order: the first muting rule names the reason
  core::Duration settle = std::chrono::seconds(30);  // after start() and reconfigure()
  PriorityMatrix priority;
  std::vector<MaintenanceWindow> maintenance;
  size_t max_held = 100'000;             // settle queue; beyond it alerts apply at once
  size_t max_recent_resolved = 100'000;  // resolved incidents kept for reopening
  LifecyclePolicy lifecycle;             // SLA targets, review note, escalation
};

// What became of a lifecycle command.
struct CommandOutcome {
  enum class Kind : uint8_t {
    answered,  // refused, or nothing to write: `result` is the answer now
    pending,   // an update carries the command's reply: answer once it is committed,
               // with result.verdict (done, or created for create)
    not_held,  // the incident is not in memory (resolved and let go, closed,
               // unknown): the store's writer must run it on the stored incident
  };
  Kind kind = Kind::answered;
  core::LifecycleResult result;
};

// For metrics. Gauges describe now; totals count since construction.
struct CorrelatorCounters {
  uint64_t inhibited_members = 0;    // firing members muted by an inhibit rule
  uint64_t silenced_members = 0;     // firing members muted by a silence
  uint64_t maintenance_members = 0;  // firing members muted by a maintenance window
  uint64_t flapping_members = 0;     // members flagged flapping
  uint64_t held_alerts = 0;          // alerts waiting for the settle period to end
  uint64_t recent_resolved = 0;      // resolved incidents kept for reopening
  uint64_t reopened_total = 0;
  uint64_t flap_holds_total = 0;  // incident resolves held back by a flapping member
  uint64_t held_total = 0;
  uint64_t held_released_total = 0;
  uint64_t held_resolved_total = 0;  // resolved before release: never created anything
  uint64_t held_overflow_total = 0;  // applied at once: the settle queue was full
  uint64_t topology_joins_total = 0;
  uint64_t invalid_silences_total = 0;  // skipped by set_silences(): matchers do not parse
  uint64_t evicted_resolved_total = 0;
  // Replayed alert events skipped because the store holds their effect
  // (set_replay_guard).
  uint64_t replay_skipped_total = 0;
};

class Correlator {
 public:
  explicit Correlator(CorrelatorConfig config);

  // After a restart, before any apply(): the store's active incidents with
  // their members; incident numbering continues after max_seq.
  void restore(core::ActiveState&& state);

  // A store that several instances share numbers incidents for all of them
  // (IncidentStore::reserve_incident_seqs): `reserve(count)` answers the
  // first of `count` seqs no other instance uses, or 0 when it has none. It
  // may block; it is called on this thread whenever the block in hand is
  // used up. Unset, seqs continue after max_seq.
  using SeqReserver = std::function<int64_t(int64_t count)>;
  void set_seq_reserver(SeqReserver reserve, int64_t block);

  // Incidents the store hands back while running: one a command reopened,
  // or the one a shared store joined `replaced_seq` into, because another
  // instance had opened it for the same group first. `replaced_seq` is
  // forgotten; an incident of `state` held here already is taken anew.
  void adopt(core::ActiveState&& state, int64_t replaced_seq = 0);

  // Replay after a crash (the write-ahead journal, issue 12): after
  // restore(), before the journal records after the checkpoint are replayed,
  // the store's marks of those records (IncidentStore::load_journal_marks of
  // the checkpoint's position). Until clear_replay_guard(), apply() skips an
  // event whose alert is journaled (journal_pos != 0) at or before its
  // (tenant, fingerprint)'s mark: the store already holds its effect, so
  // applying it again would open, add or resolve twice. It only counts
  // (counters().replay_skipped_total); due timers still run (see apply()).
  // Events without a position (timers, synthetic alerts) are never skipped.
  // Several marks of one alert: the highest counts. O(1) per event.
  void set_replay_guard(std::vector<core::JournalMark> marks);
  // Ends the replay: every event applies again; the guard's memory is freed.
  void clear_replay_guard();
  size_t replay_guard_size() const { return replay_guard_.size(); }

  // Starts the settle period (after restore(), before the first apply();
  // set_silences() may come before or after): until now + settle, alerts
  // that only an inhibit rule's target matches are held back so their
  // inhibitors can arrive.
  void start(core::TimePoint now);

  // Applies one alert state change and appends what changed (incident
  // snapshot, changed members, audit entries) to `out`. Several events for
  // one incident give several updates; the sink coalesces them. Timers due
  // at event.at run first, so results do not depend on how often tick() runs.
  void apply(core::AlertEvent&& event, std::vector<core::IncidentUpdate>& out);

  // Runs the timers due at `now`, in time order: flap ends and holds, silence
  // and maintenance starts/ends, the settle release, eviction of recently
  // resolved incidents. O(1) when nothing is due.
  void tick(core::TimePoint now, std::vector<core::IncidentUpdate>& out);
  // The earliest time at which tick() has something to do, if any.
  std::optional<core::TimePoint> next_due() const;

  // Reload: swaps the config (incidents and members stay), re-derives
  // priority, root service and suppression of active incidents, and starts
  // a new settle period.
  void reconfigure(CorrelatorConfig config, core::TimePoint now,
                   std::vector<core::IncidentUpdate>& out);

  // Replaces the full set of silences (the API keeps them in the store) and
  // re-evaluates the members that a changed silence mutes or may mute.
  void set_silences(std::vector<core::Silence> silences, core::TimePoint now,
                    std::vector<core::IncidentUpdate>& out);

  /// Runs a person's lifecycle command (core/lifecycle.h) on an incident
  /// this correlator holds, or opens one by hand (create). A successful
  /// command appends an update carrying cmd.reply in its replies; the
  /// caller answers once that update is committed.
  CommandOutcome command(const core::LifecycleCommand& cmd, std::vector<core::IncidentUpdate>& out);

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
  const CorrelatorCounters& counters() const { return counters_; }
  const CorrelatorConfig& config() const { return config_; }

 private:
  struct MemberRef {
    int64_t seq = 0;
    uint32_t index = 0;  // into IncidentState::members; members are never removed
    friend auto operator<=>(const MemberRef&, const MemberRef&) = default;
  };
  using GroupIndexKey = std::pair<uint32_t, std::string>;  // (tenant, group key)
  using ServiceKey = std::pair<uint32_t, uint32_t>;        // (tenant, topology service id)
  struct HeldAlert {
    core::AlertEvent event;
    core::TimePoint last_touch = core::kNoTime;
    bool resolved = false;
  };

  // correlator.cc: the alert paths.
  uint32_t tenant_id(std::string_view tenant);
  void dispatch(core::AlertEvent&& event, UpdateBatch& batch);
  void on_firing(core::AlertEvent&& event, UpdateBatch& batch);
  void on_refire(IncidentState& inc, uint32_t index, core::AlertEvent&& event, UpdateBatch& batch);
  void on_resolved(core::AlertEvent&& event, UpdateBatch& batch);
  void on_touch(core::AlertEvent&& event, UpdateBatch& batch);
  IncidentState* joinable(const GroupIndexKey& key, core::TimePoint at);
  // The topology id of an alert's `service` when topology decides what it
  // joins: the service is in the map and the alert's rule has no group_by.
  std::optional<uint32_t> topology_service(const core::Alert& alert) const;
  // The active incident within the group window that an alert on `service`
  // joins: the newest whose root is the service or one of its dependencies
  // (a symptom), else the newest whose root depends on it (a deeper cause).
  // An own failure skips the dependencies: it is no symptom.
  IncidentState* topology_match(uint32_t tenant, uint32_t service, bool own_failure,
                                core::TimePoint at);
  bool is_own_failure(const core::LabelSet& labels) const;
  IncidentState* newest_rooted_at(uint32_t tenant, uint32_t root, core::TimePoint at,
                                  IncidentState* best);
  IncidentState& open_incident(GroupIndexKey key, std::string rule, const core::AlertEvent& event,
                               UpdateBatch& batch);
  void add_member(IncidentState& inc, const MemberKey& key, core::AlertEvent&& event,
                  bool via_topology, UpdateBatch& batch);
  // `threshold_met` when a threshold or distinct rule tripped on this alert.
  void record_threshold(IncidentState& inc, const core::AlertEvent& event, UpdateBatch& batch);
  IncidentState* find_incident(int64_t seq);  // active or recently resolved
  UpdateBatch& begin_batch(std::vector<core::IncidentUpdate>& out);
  void end_batch();

  // correlator_lifecycle.cc: resolve, reopen, forget; restore and snapshots.
  void resolve_incident(IncidentState& inc, core::TimePoint at, std::string_view reason,
                        UpdateBatch& batch);
  void unindex_incident(IncidentState& inc);
  void index_incident(IncidentState& inc);
  void index_group_key(const GroupIndexKey& key, int64_t seq);
  void drop_incident(int64_t seq);                      // forgets an active incident at once
  int64_t next_seq();                                   // the new incident's
  void park_resolved(int64_t seq, UpdateBatch& batch);  // kept for reopening (flap damping on)
  IncidentState& reopen(int64_t seq, core::TimePoint at, uint64_t fingerprint, UpdateBatch& batch);
  void evict_resolved(int64_t seq, UpdateBatch& batch);
  void restore_member(const std::string& incident_id, core::Member&& member);
  // Whether the replay guard skips `event` (see set_replay_guard()).
  bool replay_guard_holds(const core::AlertEvent& event) const;

  // correlator_commands.cc: lifecycle commands and the SLA clock.
  // Arms the incident's next SLA event. A due time before `not_before` (a
  // priority raised, or an incident reopened, after its target passed) runs
  // at `not_before`: the breach is recorded when it became one, not
  // back-dated to before the change that caused it.
  void schedule_sla(IncidentState& inc, core::TimePoint not_before = core::kNoTime);
  void unschedule_sla(IncidentState& inc);
  // Appends a lifecycle change's audit entries and milestones to its update.
  static void record(core::IncidentUpdate& update, std::vector<core::AuditEntry>& audit,
                     const core::Milestones& milestones);
  void on_sla_due(int64_t seq, core::TimePoint at, UpdateBatch& batch);
  IncidentState& reactivate(int64_t seq);  // resolved_ -> incidents_, indexed again
  void create_by_hand(const core::LifecycleCommand& cmd, CommandOutcome& outcome);
  void place_after_command(IncidentState& held, int64_t seq, bool parked,
                           const core::LifecycleCommand& cmd, std::vector<core::AuditEntry>& audit,
                           const core::Milestones& milestones);

  // correlator_derived.cc: services, hosts, root service, category, priority.
  void add_member_labels(IncidentState& inc, const LabelView& labels, bool firing,
                         core::TimePoint at, UpdateBatch* batch);
  void service_firing_changed(IncidentState& inc, const LabelView& labels, int delta,
                              core::TimePoint at, UpdateBatch& batch);
  // The root is the deepest failing service: it moves only to a failing
  // dependency of itself, and stays on record when its own alerts resolve.
  void update_root(IncidentState& inc, core::TimePoint at, UpdateBatch* batch);
  void set_root(IncidentState& inc, std::string root, core::TimePoint at, UpdateBatch* batch);
  void refresh_priority(IncidentState& inc, core::TimePoint at, UpdateBatch& batch);
  void rebuild_derived(IncidentState& inc);
  void index_root(const IncidentState& inc);
  void unindex_root(const IncidentState& inc);

  // correlator_suppress.cc: settle hold, inhibition, silences, maintenance.
  bool maybe_hold(core::AlertEvent& event, const MemberKey& key);
  bool held_resolve(const MemberKey& key);
  bool held_touch(const MemberKey& key, core::AlertEvent& event);
  void release_held(UpdateBatch& batch);
  std::string compute_suppression(const MemberKey& key, const LabelView& labels) const;
  void set_suppression(IncidentState& inc, uint32_t index, std::string reason, core::TimePoint at,
                       UpdateBatch& batch);
  void count_suppression(IncidentState& inc, const MemberState& m, int delta);
  void member_started_firing(IncidentState& inc, uint32_t index, const LabelView& labels,
                             core::TimePoint at, UpdateBatch& batch);
  void member_stopped_firing(IncidentState& inc, uint32_t index, const LabelView& labels,
                             std::vector<MemberKey>& affected);
  void reevaluate(std::vector<MemberRef> refs, core::TimePoint at, UpdateBatch& batch);
  void reevaluate_keys(const std::vector<MemberKey>& keys, core::TimePoint at, UpdateBatch& batch);
  void advance_suppression(core::TimePoint at, UpdateBatch& batch);
  void rebuild_indexes();
  void apply_suppression_changes(
      const std::vector<std::pair<uint32_t, const core::Matchers*>>& started,
      std::vector<std::string> ended, core::TimePoint at, UpdateBatch& batch);
  std::vector<MemberRef> firing_members_matching(
      const std::vector<std::pair<uint32_t, const core::Matchers*>>& started);

  // correlator_timers.cc: tick, flap damping, reconfigure.
  void advance(core::TimePoint now, UpdateBatch& batch);
  void record_transition(IncidentState& inc, uint32_t index, core::TimePoint at,
                         UpdateBatch& batch);
  void set_flapping(IncidentState& inc, uint32_t index, bool flapping, core::TimePoint at,
                    UpdateBatch& batch);
  void schedule_flap_end(IncidentState& inc, uint32_t index);
  void on_flap_end_due(core::TimePoint due, int64_t seq, uint32_t index, UpdateBatch& batch);
  void on_hold_due(core::TimePoint due, int64_t seq, UpdateBatch& batch);
  void cancel_hold(IncidentState& inc);
  void compile_config();

  CorrelatorConfig config_;
  GroupingPolicy grouping_;
  TopologyIndex topology_;
  Inhibitor inhibitor_;
  SilenceSet silences_;
  MaintenanceSet maintenance_;

  // Active incidents by seq; node-based so references stay valid while others are added.
  absl::node_hash_map<int64_t, IncidentState> incidents_;
  // Resolved incidents kept for flap.within so a re-firing member reopens them.
  absl::node_hash_map<int64_t, IncidentState> resolved_;
  // Active incidents per group, oldest first; new alerts join the newest.
  absl::flat_hash_map<GroupIndexKey, std::vector<int64_t>> group_index_;
  absl::flat_hash_map<MemberKey, MemberRef> member_index_;    // members of active incidents
  absl::flat_hash_map<MemberKey, MemberRef> recent_members_;  // members of resolved_
  // Active incidents per (tenant, topology id of their root service), oldest first.
  absl::flat_hash_map<ServiceKey, std::vector<int64_t>> root_index_;
  // Firing members of active incidents per suppression reason.
  absl::flat_hash_map<std::string, absl::flat_hash_set<MemberKey>> suppressed_index_;
  absl::flat_hash_map<std::string, uint32_t> tenant_ids_;
  // Replay guard: the store's highest journal position per alert; empty
  // when no replay runs.
  absl::flat_hash_map<MemberKey, uint64_t> replay_guard_;

  // Timers, in due order; every entry is removed when its subject goes.
  std::set<std::pair<core::TimePoint, int64_t>> hold_timers_;
  std::set<std::tuple<core::TimePoint, int64_t, uint32_t>> flap_timers_;
  std::set<std::pair<core::TimePoint, int64_t>> recent_order_;  // eviction of resolved_
  std::set<std::pair<core::TimePoint, int64_t>> sla_timers_;    // next SLA event per incident

  // Settle period: held alerts in arrival order.
  bool settling_ = false;
  core::TimePoint settle_end_ = core::kNoTime;
  std::deque<HeldAlert> held_;
  absl::flat_hash_map<MemberKey, size_t> held_index_;  // -> held_ position

  bool silences_known_ = false;                   // set_silences() was called
  core::TimePoint now_ = core::TimePoint::min();  // the latest time advanced to
  int64_t max_seq_ = 0;
  SeqReserver reserve_seqs_;                  // set_seq_reserver
  int64_t seq_block_ = 0;                     // how many seqs one reservation takes
  int64_t next_seq_ = 0, seq_block_end_ = 0;  // the reserved block in hand: [next, end)
  uint64_t incidents_created_total_ = 0;
  uint64_t orphan_resolves_total_ = 0;
  uint64_t orphan_touches_total_ = 0;
  CorrelatorCounters counters_;
  UpdateBatch batch_;  // of the current call; its storage stays allocated
};

}  // namespace alertd::correlator
