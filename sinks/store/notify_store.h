#pragma once
// NotifyStore: the notification outbox (issue 15 §5). Every message alertd
// means to send is kept here, rendered, before any attempt, with what each
// attempt did; and, per incident, what the last message told. So a restart
// resends what was pending (the same words, never rendered again) and
// neither repeats nor skips a state change. One of the interfaces of a
// store (sinks/store/store.h).
//
// Every backend keeps messages in table notify_outbox and the told state in
// notify_told (schema version 8). record_deliveries appends the attempt's
// `notify` audit entry (notify_audit_entry) in the transaction that updates
// the message, so every attempt is a communication on the incident's record.
//
// Threads: the writes are called by the one store writer thread; the loads
// by any thread (the writer, at start-up).
//
// What every backend checks and normalizes before these writes (UTF-8
// text, millisecond times, one told state per incident) is shared:
// sinks/store/notify_outbox.h. Retention (IncidentStore::purge_closed)
// deletes a purged incident's messages and told state with it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/result.h"
#include "core/time.h"

namespace alertd::sinks {

enum class DeliveryStatus : uint8_t { pending, delivered, failed };
std::string_view to_string(DeliveryStatus s);

/// One message to one receiver, as rendered when its state change was committed.
struct OutboxMessage {
  int64_t seq = 0;  // assigned by the store, 1, 2, 3, ...
  std::string incident_id;
  std::string tenant;
  std::string receiver;  // a notify.receivers name
  std::string kind;  // the receiver's kind when rendered: slack, teams, pagerduty, email, webhook
  std::string audience;  // IT_staff, end_users, stakeholders, executives
  std::string stage;     // the template: initial, update, resolution (or test)
  std::string change;    // the state changes told, comma-separated, most significant first
  std::string body;      // HTTP kinds
  std::string subject;   // email
  std::string text;      // email
  std::string html;      // email
  std::string extra_to;  // email: an address besides the receiver's (the person on call)
  core::TimePoint changed_at = core::kNoTime;  // the state change (latency is measured from it)
  core::TimePoint created_at = core::kNoTime;  // when it was enqueued (max_age counts from it)
  // What its attempts did so far.
  DeliveryStatus status = DeliveryStatus::pending;
  int attempts = 0;
  std::string last_reason;  // empty before the first attempt
  core::TimePoint next_at = core::kNoTime;
};

/// What the last message about an incident told (correlator::NotifyPolicy::Told).
struct NotifyTold {
  std::string incident_id;
  core::IncidentStatus status = core::IncidentStatus::open;
  core::Priority priority = core::Priority::P3;
  std::string assignee;
  bool acknowledged = false;
  int escalation_level = 1;
  bool initial_sent = false;
  core::TimePoint last_sent = core::kNoTime;
};

/// One delivery attempt's outcome, for the message's row and the record.
struct DeliveryAttempt {
  int64_t seq = 0;  // the message
  core::TimePoint at = core::kNoTime;
  int attempt = 1;                                 // 1 for the first
  DeliveryStatus status = DeliveryStatus::failed;  // pending: another attempt follows at next_at
  std::string reason;                              // delivered, http_5xx, connect_error, ...
  int code = 0;                                    // the HTTP or SMTP status, 0 when none came
  core::TimePoint next_at = core::kNoTime;
};

/// The `notify` audit entry of an attempt on `message`: subject its
/// incident, actor alertd, detail {"receiver", "kind", "audience",
/// "template", "change", "attempt", "result" (delivered, retrying or failed),
/// "reason", "code", "message_seq"}.
core::AuditEntry notify_audit_entry(const OutboxMessage& message, const DeliveryAttempt& attempt);

/// The most pending messages one load returns (a restart resubmits them in pages).
inline constexpr size_t kMaxOutboxLoad = 10'000;

class NotifyStore {
 public:
  virtual ~NotifyStore() = default;

  /// In one transaction: appends `messages` (their seqs assigned, returned in
  /// order) and replaces the told state of each incident in `told`.
  virtual core::Result<std::vector<int64_t>> enqueue_notifications(
      std::span<const OutboxMessage> messages, std::span<const NotifyTold> told) = 0;

  /// In one transaction, for each attempt in order: its message's status,
  /// attempts, last_reason and next_at, and the attempt's `notify` audit
  /// entry. An attempt on a message that is gone (its incident purged) is
  /// skipped. Returns how many were recorded. One transaction for many, as
  /// a receiver that is down makes attempts faster than one commit each.
  virtual core::Result<size_t> record_deliveries(std::span<const DeliveryAttempt> attempts) = 0;

  /// Pending messages with seq > after_seq, lowest seq first, at most
  /// `limit` (1..kMaxOutboxLoad).
  virtual core::Result<std::vector<OutboxMessage>> load_pending_notifications(int64_t after_seq,
                                                                              size_t limit) = 0;

  /// The told state of every incident that has one.
  virtual core::Result<std::vector<NotifyTold>> load_notify_told() = 0;

  /// Forgets the told state of incidents no longer tracked (closed or purged).
  virtual core::Status forget_notify_told(std::span<const std::string> incident_ids) = 0;
};

}  // namespace alertd::sinks
