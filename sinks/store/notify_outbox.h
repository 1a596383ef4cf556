#pragma once
// What every store backend does alike around the notification outbox
// (notify_store.h), so SQLite, PostgreSQL and the fake accept, write and
// return the same values: the checks and normalization before a write, the
// message's delivery state after an attempt, the answer for an unknown
// message and the load limit. The `notify` audit entry and to_string are
// declared in notify_store.h and defined with these in notify_outbox.cc.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sinks/store/notify_store.h"

namespace alertd::sinks {

/// The status of its text form (to_string); nullopt for any other text.
std::optional<DeliveryStatus> parse_delivery_status(std::string_view text);

/// What enqueue_notifications writes, as the stores keep it.
struct NotifyWrite {
  std::vector<OutboxMessage> messages;  // in order, seqs not assigned yet
  std::vector<NotifyTold> told;         // one per incident: the last given wins
};

/// `messages` and `told` with times cut to milliseconds and one told state
/// per incident (a statement cannot replace one row twice). Refused
/// (store_invalid_input, the message starting with `store_name`) when a text
/// is not valid UTF-8 or holds NUL: PostgreSQL could not store it, and a
/// message the stores disagree on must not exist.
core::Result<NotifyWrite> prepare_notifications(std::span<const OutboxMessage> messages,
                                                std::span<const NotifyTold> told,
                                                std::string_view store_name);

/// `attempt` with its times cut to milliseconds; refused as
/// prepare_notifications refuses when its reason is not storable.
core::Result<DeliveryAttempt> prepare_delivery(const DeliveryAttempt& attempt,
                                               std::string_view store_name);
/// prepare_delivery of each; the first refused refuses them all.
core::Result<std::vector<DeliveryAttempt>> prepare_deliveries(
    std::span<const DeliveryAttempt> attempts, std::string_view store_name);

/// What record_deliveries writes of `attempt` into its message: status,
/// attempts, last_reason and next_at. Nothing else of a message changes.
void apply_delivery(OutboxMessage& message, const DeliveryAttempt& attempt);

/// load_pending_notifications' limit clamped to 1..kMaxOutboxLoad.
size_t outbox_load_limit(size_t limit);

}  // namespace alertd::sinks
