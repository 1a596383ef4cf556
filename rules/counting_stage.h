#pragma once
// The per-shard counting stage: threshold (N arrivals within W), distinct
// (N different values of a label within W) and absence (heartbeats) per
// group = (tenant, rule, values of the rule's group_by labels). It runs
// before the dedup DedupStage; the daemon routes gated alerts by
// alert.route_key, so one instance sees a whole group.
//
// One instance per shard worker, used by that thread only. Pure state
// machine: no I/O, no clock; `now` is injected. Semantics: rules/README.md.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/alert.h"
#include "core/byte_codec.h"
#include "core/incident.h"
#include "core/result.h"
#include "core/time.h"
#include "rules/due_index.h"
#include "rules/rule_set.h"

namespace alertd::rules {

struct CountingLimits {
  size_t max_groups = 1'000'000;     // per shard; beyond it new groups pass ungated
  size_t max_held_per_group = 1000;  // alerts held while a group is below its count,
                                     // and arrival times (evidence) kept for them
};

class CountingStage {
 public:
  CountingStage(size_t shard_index, size_t shard_count, CountingLimits limits = {});

  /// Start-up and reload. Groups of rules that disappeared or whose meaning
  /// changed are dropped (a firing absence alert of theirs is resolved into
  /// `events`, at = now). Arms the absence timer of rules with absent_for and
  /// no group_by whose key this shard owns (tenant "default"), so a heartbeat
  /// that never arrives after start-up still fires after absent_for.
  void set_rules(std::shared_ptr<const RuleSet> rules, core::TimePoint now,
                 std::vector<core::AlertEvent>& events);

  /// An alert after RuleSet::apply. Without a gate (alert.rule unknown to the
  /// current rules or not a counting rule) it is appended to `pass`
  /// unchanged; otherwise it is passed, held, discarded or swallowed.
  void process(core::Alert&& alert, core::TimePoint now, std::vector<core::Alert>& pass,
               std::vector<core::AlertEvent>& events);

  /// Fires absence timers that ran out before `now` and evicts groups idle
  /// for longer than their window. Cost follows due work, not state size.
  void tick(core::TimePoint now, std::vector<core::AlertEvent>& events);

  /// Checkpoints (rules/stage_checkpoint.cc): every group with what it
  /// counts, holds and fires, and the totals. A group refers to its rule by
  /// name and meaning: restore() maps it onto `rules`, the rules in force
  /// now, and drops the groups whose rule is gone or changed as a reload
  /// would (a firing absence alert resolved into `events`). For a freshly
  /// constructed stage; on malformed bytes it fails and leaves it empty.
  void checkpoint(core::ByteWriter& out) const;
  core::Status restore(core::ByteReader& in, std::shared_ptr<const RuleSet> rules,
                       core::TimePoint now, std::vector<core::AlertEvent>& events);

  size_t groups() const { return groups_.size(); }
  uint64_t held_total() const { return held_total_; }            // alerts put on hold
  uint64_t released_total() const { return released_total_; }    // held alerts passed on
  uint64_t discarded_total() const { return discarded_total_; }  // resolved of closed groups
  uint64_t held_overflow_total() const { return held_overflow_total_; }  // held, pushed out
  uint64_t heartbeats_total() const { return heartbeats_total_; }        // absence arrivals
  uint64_t absent_fired_total() const { return absent_fired_total_; }
  uint64_t groups_evicted_total() const { return groups_evicted_total_; }
  uint64_t groups_refused_total() const { return groups_refused_total_; }  // max_groups reached
  // Index items the last tick() looked at: shows tick cost follows due work.
  size_t last_tick_examined() const { return last_tick_examined_; }

 private:
  struct Held {
    core::Alert alert;
    // Distinct: the alert's value of the label, kept here so that finding
    // the held alert of a value does not read every held alert's labels.
    std::optional<std::string> value;
    // The evidence: the arrivals this entry stands for that are still in
    // the window, in arrival order (never empty). Bounded: rules/README.md.
    std::vector<core::TimePoint> times;
  };
  struct Seen {  // distinct: the latest arrival of one value
    std::string value;
    core::TimePoint at;
  };
  // What an absence group needs to build and resolve its synthetic alert.
  struct Absence {
    std::string tenant;
    core::LabelSet group;
    core::Alert synthetic;  // valid while the group fires
  };
  struct Group {
    core::TimePoint last = core::kNoTime;   // latest counted arrival
    core::TimePoint scheduled;              // time of the live index item; kNever if none
    uint32_t rule = 0;                      // index in rules_
    bool open = false;                      // threshold/distinct: count reached
    bool firing = false;                    // absence: synthetic alert fired
    std::vector<core::TimePoint> arrivals;  // threshold, closed: arrivals in the window
    std::vector<Seen> values;               // distinct, closed: values in the window
    std::vector<Held> held;                 // closed: alerts waiting for the count
    std::unique_ptr<Absence> absence;
  };
  static constexpr core::TimePoint kNever = kUnscheduled;
  // restore(): a group whose rule is gone, until it is dropped.
  static constexpr uint32_t kDroppedRule = UINT32_MAX;

  Group* find_or_create(uint64_t key, size_t rule, const core::Alert& alert);
  void process_window(uint64_t key, Group& g, core::Alert&& alert, core::TimePoint now,
                      std::vector<core::Alert>& pass);
  void process_absence(uint64_t key, Group& g, core::TimePoint now,
                       std::vector<core::AlertEvent>& events);
  // Counts the arrival; returns the arrivals (threshold) or values
  // (distinct) now in the window.
  uint32_t count_arrival(Group& g, const RuleSpec& spec, const core::Alert& alert,
                         core::TimePoint now);
  void hold(Group& g, const RuleSpec& spec, core::Alert&& alert, core::TimePoint now);
  void trip(Group& g, const RuleSpec& spec, core::Alert&& alert, core::TimePoint now,
            uint32_t rule_events, std::vector<core::Alert>& pass);
  void release(Group& g, std::vector<core::Alert>& pass);
  void fire(uint64_t key, Group& g, core::TimePoint at, std::vector<core::AlertEvent>& events);
  void resolve(Group& g, core::TimePoint now, std::vector<core::AlertEvent>& events);
  core::TimePoint due_time(const Group& g) const;
  void schedule(uint64_t key, Group& g, core::TimePoint at);
  void drop_changed_groups(const RuleSet* next, core::TimePoint now,
                           std::vector<core::AlertEvent>& events);
  void arm_absence(core::TimePoint now);
  void checkpoint_group(core::ByteWriter& out, uint64_t key, const Group& g) const;
  bool restore_group(core::ByteReader& in, const std::vector<int64_t>& remap);

  size_t shard_index_;
  size_t shard_count_;
  CountingLimits limits_;
  std::shared_ptr<const RuleSet> rules_;
  absl::flat_hash_map<uint64_t, Group> groups_;  // by group key (RuleSet::group_key)
  DueIndex<uint64_t> index_;
  uint64_t held_total_ = 0;
  uint64_t released_total_ = 0;
  uint64_t discarded_total_ = 0;
  uint64_t held_overflow_total_ = 0;
  uint64_t heartbeats_total_ = 0;
  uint64_t absent_fired_total_ = 0;
  uint64_t groups_evicted_total_ = 0;
  uint64_t groups_refused_total_ = 0;
  size_t last_tick_examined_ = 0;
};

}  // namespace alertd::rules
