#pragma once
// The per-shard stateful stage: dedup of re-sent alerts and lease expiry.
// One instance per shard worker; it owns a disjoint part of the fingerprint
// space (the daemon routes by fingerprint % shards) and is used by that one
// thread only. Pure state machine: no I/O, no clock; `now` is injected.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/alert.h"
#include "core/byte_codec.h"
#include "core/incident.h"
#include "core/result.h"
#include "core/time.h"
#include "rules/due_index.h"

namespace alertd::rules {

struct ShardConfig {
  // Re-sends of a firing alert forward a `touch` at most this often (0 = every re-send).
  core::Duration touch_interval = std::chrono::minutes(1);
  // How long a resolved alert is remembered after it was last heard of
  // (Prometheus re-sends resolved alerts for 15m).
  core::Duration resolved_retention = std::chrono::minutes(20);
  // limits.max_lease: the longest a firing alert is held without a re-send.
  // A later ends_at (Prometheus never sends one; a careless sender's 2200
  // would hold the alert, and its memory, for ever), or none at all, is cut
  // to now + this, and counted.
  core::Duration max_lease = std::chrono::hours(24);
};

class DedupStage {
 public:
  explicit DedupStage(ShardConfig config);

  // Dedup: a re-send of a firing alert is counted as deduplicated and produces
  // no event, except a `touch` once touch_interval has passed since the last
  // forwarded event. New or re-fired alerts -> `firing`; a resolve of a firing
  // or unknown alert -> `resolved`; a resolved re-send -> deduplicated.
  // Forwarded events carry the alert (moved) and at = now. A firing alert's
  // ends_at (if set) is its lease; each re-send replaces it.
  void process(core::Alert&& alert, core::TimePoint now, std::vector<core::AlertEvent>& out);

  // Resolves firing alerts whose lease ended before `now` and forgets resolved
  // alerts not heard of for longer than resolved_retention. Touches only the
  // entries that are due (time-ordered index), so it is cheap to call often.
  void tick(core::TimePoint now, std::vector<core::AlertEvent>& out);

  // Checkpoints (daemon/checkpoint_file.h; rules/stage_checkpoint.cc):
  // every entry and the totals. restore() is for a freshly constructed
  // stage; on malformed bytes it fails and leaves the stage empty. The
  // restored stage behaves exactly as the one checkpointed.
  void checkpoint(core::ByteWriter& out) const;
  core::Status restore(core::ByteReader& in);

  // Whether the alert of `tenant` and `fingerprint` is firing here now.
  bool is_firing(std::string_view tenant, uint64_t fingerprint) const;

  size_t active_alerts() const { return active_; }           // firing entries
  size_t tracked_alerts() const { return entries_.size(); }  // all entries
  uint64_t deduplicated_total() const { return deduplicated_total_; }
  uint64_t expired_total() const { return expired_total_; }              // leases that ran out
  uint64_t forgotten_total() const { return forgotten_total_; }          // resolved entries dropped
  uint64_t leases_capped_total() const { return leases_capped_total_; }  // cut to max_lease
  // Index items the last tick() looked at: shows tick cost follows due work, not state size.
  size_t last_tick_examined() const { return last_tick_examined_; }

 private:
  // Label sets are identity within a tenant only: the same labels sent by two
  // tenants are two alerts.
  struct Key {
    uint64_t fingerprint = 0;
    uint32_t tenant = 0;                                        // index into tenants_
    friend auto operator<=>(const Key&, const Key&) = default;  // tick order on ties
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.fingerprint, k.tenant);
    }
  };
  // What dedup and expiry need per alert; no labels (memory per active
  // alert). A firing alert needs its lease end, a resolved one the time it
  // was last heard of (retention): never both, so they share one field.
  struct Entry {
    core::TimePoint last_forwarded;  // last event sent on
    core::TimePoint mark;            // firing: lease end (kNoTime: none); resolved: last seen
    core::TimePoint scheduled;       // time of this entry's live index item; kNever if none
    core::AlertStatus status = core::AlertStatus::firing;
  };
  static constexpr core::TimePoint kNever = kUnscheduled;

  uint32_t tenant_id(std::string_view tenant);
  core::TimePoint due_time(const Entry& e) const;
  // Makes sure the entry is looked at no later than `at`.
  void schedule(const Key& key, Entry& e, core::TimePoint at);
  void process_firing(const Key& key, core::Alert&& alert, core::TimePoint now,
                      std::vector<core::AlertEvent>& out);
  void process_resolved(const Key& key, core::Alert&& alert, core::TimePoint now,
                        std::vector<core::AlertEvent>& out);
  void expire(const Key& key, Entry& e, core::TimePoint now, std::vector<core::AlertEvent>& out);

  ShardConfig config_;
  absl::flat_hash_map<Key, Entry> entries_;
  DueIndex<Key> index_;
  // Tenants are few; entries refer to them by number to stay small.
  absl::flat_hash_map<std::string, uint32_t> tenant_ids_;
  std::vector<std::string> tenants_;
  size_t active_ = 0;
  uint64_t deduplicated_total_ = 0;
  uint64_t expired_total_ = 0;
  uint64_t forgotten_total_ = 0;
  uint64_t leases_capped_total_ = 0;
  size_t last_tick_examined_ = 0;
};

}  // namespace alertd::rules
