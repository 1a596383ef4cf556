#pragma once
// The notification outbox in the PostgreSQL store (the same calls as
// sqlite/notify_outbox.h; what it is: sinks/store/notify_store.h). The
// store checks and normalizes first (sinks/store/notify_outbox.h).
// Retention's part is in retention.cc.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "sinks/store/notify_outbox.h"
#include "sinks/store/postgres/readers.h"
#include "sinks/store/postgres/writer.h"

namespace alertd::sinks::postgres {

/// NotifyStore::enqueue_notifications, on the writer connection: one
/// statement per table.
core::Result<std::vector<int64_t>> enqueue_notifications(Writer& w, const NotifyWrite& write);
/// NotifyStore::record_deliveries (its attempts prepared), on the writer connection.
core::Result<size_t> record_deliveries(Writer& w, std::span<const DeliveryAttempt> attempts);
/// NotifyStore::forget_notify_told, on the writer connection.
core::Status forget_notify_told(Writer& w, std::span<const std::string> incident_ids);

/// NotifyStore::load_pending_notifications (its limit clamped), on a leased reader.
core::Result<std::vector<OutboxMessage>> load_pending_notifications(Reader& r, int64_t after_seq,
                                                                    size_t limit);
/// NotifyStore::load_notify_told, on a leased reader: by incident id in byte order.
core::Result<std::vector<NotifyTold>> load_notify_told(Reader& r);

}  // namespace alertd::sinks::postgres
