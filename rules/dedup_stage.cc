#include "rules/dedup_stage.h"

#include <algorithm>
#include <utility>

#include "absl/strings/string_view.h"

namespace alertd::rules {

DedupStage::DedupStage(ShardConfig config) : config_(config) {}

uint32_t DedupStage::tenant_id(std::string_view tenant) {
  // Debian's abseil has its own string_view type, not an alias of std's.
  auto it = tenant_ids_.find(absl::string_view(tenant.data(), tenant.size()));
  if (it != tenant_ids_.end()) return it->second;
  auto id = static_cast<uint32_t>(tenants_.size());
  tenants_.emplace_back(tenant);
  tenant_ids_.emplace(tenants_.back(), id);
  return id;
}

bool DedupStage::is_firing(std::string_view tenant, uint64_t fingerprint) const {
  auto t = tenant_ids_.find(absl::string_view(tenant.data(), tenant.size()));
  if (t == tenant_ids_.end()) return false;
  auto it = entries_.find(Key{fingerprint, t->second});
  return it != entries_.end() && it->second.status == core::AlertStatus::firing;
}

core::TimePoint DedupStage::due_time(const Entry& e) const {
  if (e.status == core::AlertStatus::firing) {
    return e.mark == core::kNoTime ? kNever : e.mark;
  }
  return e.mark + config_.resolved_retention;
}

void DedupStage::schedule(const Key& key, Entry& e, core::TimePoint at) {
  index_.schedule(key, e.scheduled, at);
}

void DedupStage::process(core::Alert&& alert, core::TimePoint now,
                         std::vector<core::AlertEvent>& out) {
  Key key{alert.fingerprint, tenant_id(alert.tenant)};
  if (alert.status == core::AlertStatus::firing) {
    process_firing(key, std::move(alert), now, out);
  } else {
    process_resolved(key, std::move(alert), now, out);
  }
}

void DedupStage::process_firing(const Key& key, core::Alert&& alert, core::TimePoint now,
                                std::vector<core::AlertEvent>& out) {
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (inserted) e.scheduled = kNever;
  bool was_firing = !inserted && e.status == core::AlertStatus::firing;
  // The latest statement wins; max_lease bounds it (and a missing one).
  e.mark = alert.ends_at;
  if (const auto longest = now + config_.max_lease; e.mark == core::kNoTime || e.mark > longest) {
    e.mark = longest;
    ++leases_capped_total_;
  }
  schedule(key, e, e.mark);

  core::AlertChange change = core::AlertChange::firing;
  if (was_firing) {
    if (now - e.last_forwarded < config_.touch_interval) {
      ++deduplicated_total_;
      return;
    }
    change = core::AlertChange::touch;
  } else {
    e.status = core::AlertStatus::firing;
    ++active_;
  }
  e.last_forwarded = now;
  out.push_back(core::AlertEvent{change, std::move(alert), now});
}

void DedupStage::process_resolved(const Key& key, core::Alert&& alert, core::TimePoint now,
                                  std::vector<core::AlertEvent>& out) {
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (inserted) e.scheduled = kNever;
  e.mark = now;  // resolved from here on: last heard of
  if (!inserted && e.status == core::AlertStatus::resolved) {
    // Retention runs from the last re-send; the live index item finds the later time.
    ++deduplicated_total_;
    return;
  }
  // Unknown alerts are forwarded too: after a restart the correlator may
  // still hold them as members of an open incident.
  if (!inserted) --active_;
  e.status = core::AlertStatus::resolved;
  e.last_forwarded = now;
  schedule(key, e, due_time(e));
  out.push_back(core::AlertEvent{core::AlertChange::resolved, std::move(alert), now});
}

void DedupStage::expire(const Key& key, Entry& e, core::TimePoint now,
                        std::vector<core::AlertEvent>& out) {
  core::AlertEvent event;
  event.change = core::AlertChange::resolved;
  event.at = now;
  event.alert.fingerprint = key.fingerprint;
  event.alert.tenant = tenants_[key.tenant];
  event.alert.status = core::AlertStatus::resolved;
  event.alert.ends_at = e.mark;  // the lease end
  event.alert.received_mono_ns = 0;
  out.push_back(std::move(event));

  e.status = core::AlertStatus::resolved;
  e.mark = now;  // retention of the now resolved alert runs from its expiry
  e.last_forwarded = now;
  --active_;
  ++expired_total_;
  schedule(key, e, due_time(e));
}

void DedupStage::tick(core::TimePoint now, std::vector<core::AlertEvent>& out) {
  last_tick_examined_ = 0;
  // Due means strictly before now: a lease is still valid at exactly ends_at.
  while (auto due_item = index_.pop_due(now)) {
    const auto& item = *due_item;
    ++last_tick_examined_;

    auto it = entries_.find(item.key);
    if (it == entries_.end() || it->second.scheduled != item.at) continue;  // stale item
    Entry& e = it->second;
    e.scheduled = kNever;
    core::TimePoint due = due_time(e);
    if (due >= now) {
      // Renewed since this item was queued: look again when the new time comes.
      if (due != kNever) schedule(item.key, e, due);
      continue;
    }
    if (e.status == core::AlertStatus::firing) {
      expire(item.key, e, now, out);
    } else {
      entries_.erase(it);
      ++forgotten_total_;
    }
  }
  // Stale items pile up only when senders shorten leases.
  index_.maybe_compact(entries_);
}

}  // namespace alertd::rules
