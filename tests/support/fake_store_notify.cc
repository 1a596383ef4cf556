// FakeStore: the notification outbox (sinks/store/notify_store.h), with the
// SQL stores' checks and normalization (sinks/store/notify_outbox.h).
#include <algorithm>

#include "sinks/store/notify_outbox.h"
#include "tests/support/fake_store.h"
#include "tests/support/fake_store_state.h"

namespace alertd::testing {

void FakeStore::State::forget_notifications(const std::string& incident_id) {
  std::erase_if(outbox, [&](const auto& row) { return row.second.incident_id == incident_id; });
  told.erase(incident_id);
}

core::Result<std::vector<int64_t>> FakeStore::enqueue_notifications(
    std::span<const sinks::OutboxMessage> messages, std::span<const sinks::NotifyTold> told) {
  auto write = sinks::prepare_notifications(messages, told, kName);
  if (!write.ok()) return write.error();
  auto lock = state_->enter();
  State& s = *state_;
  std::vector<int64_t> seqs;
  if (write->messages.empty() && write->told.empty()) return seqs;
  if (auto st = s.write_allowed(); !st.ok()) return st.error();
  for (auto& m : write->messages) {
    m.seq = ++s.last_outbox_seq;
    seqs.push_back(m.seq);
    s.outbox.emplace(m.seq, std::move(m));
  }
  for (auto& t : write->told) s.told.insert_or_assign(t.incident_id, std::move(t));
  return seqs;
}

core::Result<size_t> FakeStore::record_deliveries(
    std::span<const sinks::DeliveryAttempt> attempts) {
  auto prepared = sinks::prepare_deliveries(attempts, kName);
  if (!prepared.ok()) return prepared.error();
  auto lock = state_->enter();
  State& s = *state_;
  if (auto st = s.write_allowed(); !st.ok()) return st.error();
  // All or nothing, as one transaction: the changes are applied once every
  // audit entry is hashed (the one step that can still fail).
  std::vector<std::pair<int64_t, sinks::OutboxMessage>> changed;
  std::vector<core::AuditEntry> entries;
  for (const auto& a : *prepared) {
    auto it = s.outbox.find(a.seq);
    if (it == s.outbox.end()) continue;  // its incident purged: skipped
    sinks::OutboxMessage updated = it->second;
    for (const auto& [seq, m] : changed) {
      if (seq == a.seq) updated = m;  // a second attempt on one message in the batch
    }
    sinks::apply_delivery(updated, a);
    entries.push_back(sinks::notify_audit_entry(updated, a));
    changed.emplace_back(a.seq, std::move(updated));
  }
  if (auto st = s.append_audit(entries); !st.ok()) return st.error();
  for (auto& [seq, m] : changed) s.outbox[seq] = std::move(m);
  return changed.size();
}

core::Result<std::vector<sinks::OutboxMessage>> FakeStore::load_pending_notifications(
    int64_t after_seq, size_t limit) {
  auto lock = state_->enter();
  limit = sinks::outbox_load_limit(limit);
  std::vector<sinks::OutboxMessage> out;
  for (auto it = state_->outbox.upper_bound(after_seq);
       it != state_->outbox.end() && out.size() < limit; ++it) {
    if (it->second.status == sinks::DeliveryStatus::pending) out.push_back(it->second);
  }
  return out;
}

core::Result<std::vector<sinks::NotifyTold>> FakeStore::load_notify_told() {
  auto lock = state_->enter();
  std::vector<sinks::NotifyTold> out;
  for (const auto& [id, t] : state_->told) out.push_back(t);  // by id in byte order
  return out;
}

core::Status FakeStore::forget_notify_told(std::span<const std::string> incident_ids) {
  auto lock = state_->enter();
  if (incident_ids.empty()) return {};
  if (auto st = state_->write_allowed(); !st.ok()) return st;
  for (const auto& id : incident_ids) state_->told.erase(id);
  return {};
}

}  // namespace alertd::testing
