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

core::Status FakeStore::record_delivery(const sinks::DeliveryAttempt& attempt) {
  auto prepared = sinks::prepare_delivery(attempt, kName);
  if (!prepared.ok()) return prepared.error();
  auto lock = state_->enter();
  State& s = *state_;
  if (auto st = s.write_allowed(); !st.ok()) return st;
  auto it = s.outbox.find(prepared->seq);
  if (it == s.outbox.end()) return sinks::unknown_message_error(kName, prepared->seq);
  sinks::OutboxMessage updated = it->second;
  sinks::apply_delivery(updated, *prepared);
  // The audit entry first: hashing is the one step that can still fail.
  const core::AuditEntry entry = sinks::notify_audit_entry(updated, *prepared);
  if (auto st = s.append_audit({&entry, 1}); !st.ok()) return st;
  it->second = std::move(updated);
  return {};
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
