#include "daemon/update_merger.h"

#include <algorithm>

namespace alertd::daemon {

void UpdateMerger::add(core::IncidentUpdate&& update) {
  auto [it, inserted] = by_seq_.try_emplace(update.incident.seq, merged_.size());
  if (inserted) {
    Entry entry;
    entry.update.incident = std::move(update.incident);
    entry.update.received_mono_ns = update.received_mono_ns;
    merged_.push_back(std::move(entry));
  }
  Entry& e = merged_[it->second];
  if (!inserted) {
    e.update.incident = std::move(update.incident);
    // Latency is measured from the oldest alert behind the merged write.
    if (update.received_mono_ns != 0 &&
        (e.update.received_mono_ns == 0 || update.received_mono_ns < e.update.received_mono_ns)) {
      e.update.received_mono_ns = update.received_mono_ns;
    }
  }
  for (auto& m : update.members) {
    auto [mit, added] = e.member_index.try_emplace(m.fingerprint, e.update.members.size());
    if (added) {
      e.update.members.push_back(std::move(m));
    } else {
      e.update.members[mit->second] = std::move(m);
    }
  }
  e.update.replies.insert(e.update.replies.end(), update.replies.begin(), update.replies.end());
  e.update.milestones.merge(update.milestones);
  e.update.group_window = std::max(e.update.group_window, update.group_window);  // the open's
  if (keep_audit_) {
    std::move(update.audit.begin(), update.audit.end(), std::back_inserter(e.update.audit));
  }
}

std::vector<core::IncidentUpdate> UpdateMerger::take() {
  std::vector<core::IncidentUpdate> out;
  out.reserve(merged_.size());
  for (auto& e : merged_) out.push_back(std::move(e.update));
  merged_.clear();
  by_seq_.clear();
  return out;
}

}  // namespace alertd::daemon
