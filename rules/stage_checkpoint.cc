// Checkpoints of the shard stages (DedupStage, CountingStage): what a
// restart after a crash resumes from (daemon/checkpoint_file.h). The format
// is versioned; timers are not stored but rebuilt from the state they
// follow from, so a restored stage fires them at the same times.

#include <algorithm>

#include "core/alert_codec.h"
#include "rules/counting_stage.h"
#include "rules/dedup_stage.h"

namespace alertd::rules {

namespace {
constexpr uint8_t kDedupFormat = 1;
constexpr uint8_t kCountingFormat = 1;
constexpr size_t kMinEntryBytes = 12;  // fingerprint + the smallest rest
constexpr size_t kMinGroupBytes = 12;
constexpr size_t kMinTimeBytes = 1;

core::Error malformed(std::string_view what) {
  return core::Error{"checkpoint_invalid", std::string(what) + " state is truncated or malformed"};
}

// Everything that decides what a group means (as a reload compares rules).
std::string meaning_of(const RuleSpec& spec) {
  std::string out;
  core::ByteWriter w(out);
  w.str(spec.name);
  w.varint(spec.match.size());
  for (const auto& m : spec.match) w.str(m.to_string());
  w.u8(spec.threshold ? 1 : 0);
  if (spec.threshold) {
    w.varint(spec.threshold->count);
    w.svarint(spec.threshold->within.count());
  }
  w.u8(spec.distinct ? 1 : 0);
  if (spec.distinct) {
    w.str(spec.distinct->label);
    w.varint(spec.distinct->count);
    w.svarint(spec.distinct->within.count());
  }
  w.svarint(spec.absent_for ? spec.absent_for->count() : -1);
  w.u8(spec.drop ? 1 : 0);
  for (const auto& [name, value] : spec.set) w.str(name + "=" + value);
  w.varint(spec.group_by.size());
  for (const auto& g : spec.group_by) w.str(g);
  return out;
}

void write_times(core::ByteWriter& out, const std::vector<core::TimePoint>& times) {
  out.varint(times.size());
  for (auto t : times) out.time(t);
}

bool read_times(core::ByteReader& in, std::vector<core::TimePoint>& times) {
  uint64_t n = in.count(kMinTimeBytes);
  times.clear();
  for (uint64_t i = 0; i < n && in.ok(); ++i) times.push_back(in.time());
  return in.ok();
}
}  // namespace

// --- DedupStage ---

void DedupStage::checkpoint(core::ByteWriter& out) const {
  out.u8(kDedupFormat);
  out.u64(deduplicated_total_);
  out.u64(expired_total_);
  out.u64(forgotten_total_);
  out.varint(entries_.size());
  for (const auto& [key, e] : entries_) {
    out.u64(key.fingerprint);
    out.str(tenants_[key.tenant]);
    out.time(e.last_forwarded);
    out.time(e.mark);
    out.u8(static_cast<uint8_t>(e.status));
  }
}

core::Status DedupStage::restore(core::ByteReader& in) {
  if (in.u8() != kDedupFormat) return malformed("dedup");
  deduplicated_total_ = in.u64();
  expired_total_ = in.u64();
  forgotten_total_ = in.u64();
  uint64_t n = in.count(kMinEntryBytes);
  entries_.reserve(n);
  for (uint64_t i = 0; i < n && in.ok(); ++i) {
    uint64_t fingerprint = in.u64();
    Key key{fingerprint, tenant_id(in.str())};
    Entry e;
    e.last_forwarded = in.time();
    e.mark = in.time();
    uint8_t status = in.u8();
    if (status > static_cast<uint8_t>(core::AlertStatus::resolved)) in.fail();
    e.status = static_cast<core::AlertStatus>(status);
    e.scheduled = kNever;
    auto [it, inserted] = entries_.try_emplace(key, e);
    if (!inserted) in.fail();  // one entry per key, as written
    if (e.status == core::AlertStatus::firing) ++active_;
    if (auto due = due_time(it->second); due != kNever) schedule(key, it->second, due);
  }
  if (!in.ok()) {
    *this = DedupStage(config_);
    return malformed("dedup");
  }
  return {};
}

// --- CountingStage ---

void CountingStage::checkpoint(core::ByteWriter& out) const {
  out.u8(kCountingFormat);
  for (uint64_t total :
       {held_total_, released_total_, discarded_total_, held_overflow_total_, heartbeats_total_,
        absent_fired_total_, groups_evicted_total_, groups_refused_total_}) {
    out.u64(total);
  }
  const size_t n_rules = rules_ ? rules_->size() : 0;
  out.varint(n_rules);
  for (size_t i = 0; i < n_rules; ++i) out.str(meaning_of(rules_->specs()[i]));
  out.varint(groups_.size());
  for (const auto& [key, g] : groups_) checkpoint_group(out, key, g);
}

void CountingStage::checkpoint_group(core::ByteWriter& out, uint64_t key, const Group& g) const {
  out.u64(key);
  out.varint(g.rule);
  out.time(g.last);
  out.u8(static_cast<uint8_t>((g.open ? 1 : 0) | (g.firing ? 2 : 0) | (g.absence ? 4 : 0)));
  write_times(out, g.arrivals);
  out.varint(g.values.size());
  for (const auto& v : g.values) {
    out.str(v.value);
    out.time(v.at);
  }
  out.varint(g.held.size());
  for (const auto& h : g.held) {
    core::encode_alert(out, h.alert);
    out.u8(h.value ? 1 : 0);
    if (h.value) out.str(*h.value);
    write_times(out, h.times);
  }
  if (g.absence) {
    out.str(g.absence->tenant);
    core::encode_labels(out, g.absence->group);
    if (g.firing) core::encode_alert(out, g.absence->synthetic);
  }
}

core::Status CountingStage::restore(core::ByteReader& in, std::shared_ptr<const RuleSet> rules,
                                    core::TimePoint now, std::vector<core::AlertEvent>& events) {
  if (in.u8() != kCountingFormat) return malformed("counting");
  for (uint64_t* total :
       {&held_total_, &released_total_, &discarded_total_, &held_overflow_total_,
        &heartbeats_total_, &absent_fired_total_, &groups_evicted_total_, &groups_refused_total_}) {
    *total = in.u64();
  }
  // The rules at checkpoint time -> the same rule now, or -1 (gone, changed).
  uint64_t n_rules = in.count(1);
  std::vector<int64_t> remap;
  for (uint64_t i = 0; i < n_rules && in.ok(); ++i) {
    std::string meaning(in.str());
    core::ByteReader name_in(meaning);
    auto j = rules ? rules->index_of(name_in.str()) : std::nullopt;
    remap.push_back(j && meaning_of(rules->specs()[*j]) == meaning ? static_cast<int64_t>(*j) : -1);
  }
  rules_ = std::move(rules);
  uint64_t n_groups = in.count(kMinGroupBytes);
  for (uint64_t i = 0; i < n_groups && in.ok(); ++i) {
    if (!restore_group(in, remap)) break;
  }
  if (!in.ok()) {
    auto limits = limits_;
    *this = CountingStage(shard_index_, shard_count_, limits);
    return malformed("counting");
  }
  // Groups of rules that are gone: as a reload drops them.
  std::vector<uint64_t> dropped;
  for (const auto& [key, g] : groups_) {
    if (g.rule == kDroppedRule) dropped.push_back(key);
  }
  std::sort(dropped.begin(), dropped.end());
  for (uint64_t key : dropped) {
    auto it = groups_.find(key);
    if (it->second.firing) resolve(it->second, now, events);
    groups_.erase(it);
    ++groups_evicted_total_;
  }
  for (auto& [key, g] : groups_) {
    if (auto due = due_time(g); due != kNever) schedule(key, g, due);
  }
  arm_absence(now);  // rules new since the checkpoint; restored groups keep their timers
  return {};
}

bool CountingStage::restore_group(core::ByteReader& in, const std::vector<int64_t>& remap) {
  uint64_t key = in.u64();
  uint64_t rule = in.varint();
  Group g;
  g.scheduled = kNever;
  g.last = in.time();
  uint8_t flags = in.u8();
  g.open = (flags & 1) != 0;
  g.firing = (flags & 2) != 0;
  read_times(in, g.arrivals);
  uint64_t n_values = in.count(2);
  for (uint64_t i = 0; i < n_values && in.ok(); ++i) {
    Seen seen;
    seen.value = std::string(in.str());
    seen.at = in.time();
    g.values.push_back(std::move(seen));
  }
  uint64_t n_held = in.count(kMinGroupBytes);
  for (uint64_t i = 0; i < n_held && in.ok(); ++i) {
    Held h;
    core::decode_alert(in, h.alert);
    if (in.u8() == 1) h.value = std::string(in.str());
    read_times(in, h.times);
    g.held.push_back(std::move(h));
  }
  if ((flags & 4) != 0) {
    g.absence = std::make_unique<Absence>();
    g.absence->tenant = std::string(in.str());
    core::decode_labels(in, g.absence->group);
    if (g.firing) core::decode_alert(in, g.absence->synthetic);
  }
  if (rule >= remap.size()) in.fail();
  if (!in.ok()) return false;
  // A dropped group stays until restore() resolves it, so its alert goes out.
  g.rule = remap[rule] < 0 ? kDroppedRule : static_cast<uint32_t>(remap[rule]);
  if (g.rule != kDroppedRule && g.absence == nullptr && rules_->specs()[g.rule].absent_for) {
    g.rule = kDroppedRule;  // a window group of a rule that is an absence rule now
  }
  if (!groups_.try_emplace(key, std::move(g)).second) in.fail();
  return in.ok();
}

}  // namespace alertd::rules
