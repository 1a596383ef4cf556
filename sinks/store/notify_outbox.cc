#include "sinks/store/notify_outbox.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>

#include "core/json_writer.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks {

namespace {

constexpr DeliveryStatus kStatuses[] = {DeliveryStatus::pending, DeliveryStatus::delivered,
                                        DeliveryStatus::failed};

bool storable(std::string_view text) {
  return is_utf8(text) && text.find('\0') == std::string_view::npos;
}

core::Status check_text(std::string_view store_name, std::string_view what,
                        std::initializer_list<const std::string*> texts) {
  for (const std::string* text : texts) {
    if (!storable(*text)) {
      return core::Error{"store_invalid_input",
                         std::string(store_name) + ": " + std::string(what) +
                             " has text that is not valid UTF-8 or holds NUL"};
    }
  }
  return {};
}

core::Status check_message(const OutboxMessage& m, std::string_view store_name) {
  const std::string what =
      "notification for incident '" + m.incident_id + "' to '" + m.receiver + "'";
  return check_text(
      store_name, what,
      {&m.incident_id, &m.tenant, &m.receiver, &m.kind, &m.audience, &m.stage, &m.change, &m.body,
       &m.subject, &m.text, &m.html, &m.extra_to, &m.last_reason});
}

}  // namespace

std::string_view to_string(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::pending: return "pending";
    case DeliveryStatus::delivered: return "delivered";
    case DeliveryStatus::failed: return "failed";
  }
  return "failed";
}

std::optional<DeliveryStatus> parse_delivery_status(std::string_view text) {
  for (const DeliveryStatus s : kStatuses) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

core::AuditEntry notify_audit_entry(const OutboxMessage& message, const DeliveryAttempt& attempt) {
  std::string detail;
  core::JsonWriter w(detail);
  w.begin_object().field("receiver", message.receiver).field("kind", message.kind);
  w.field("audience", message.audience).field("template", message.stage);
  w.field("change", message.change).field("attempt", attempt.attempt);
  // What the attempt came to: a pending message is being retried.
  const auto result =
      attempt.status == DeliveryStatus::pending ? "retrying" : to_string(attempt.status);
  w.field("result", result).field("reason", attempt.reason);
  w.field("code", attempt.code).field("message_seq", message.seq).end_object();
  return store_audit_entry(message.incident_id, "notify", attempt.at, std::move(detail));
}

core::Result<NotifyWrite> prepare_notifications(std::span<const OutboxMessage> messages,
                                                std::span<const NotifyTold> told,
                                                std::string_view store_name) {
  NotifyWrite out;
  out.messages.reserve(messages.size());
  for (OutboxMessage m : messages) {
    if (auto st = check_message(m, store_name); !st.ok()) return st.error();
    m.seq = 0;
    m.changed_at = to_stored(m.changed_at);
    m.created_at = to_stored(m.created_at);
    m.next_at = to_stored(m.next_at);
    out.messages.push_back(std::move(m));
  }
  std::map<std::string, NotifyTold, std::less<>> by_incident;
  for (NotifyTold t : told) {
    const std::string what = "told state of incident '" + t.incident_id + "'";
    if (auto st = check_text(store_name, what, {&t.incident_id, &t.assignee}); !st.ok()) {
      return st.error();
    }
    t.last_sent = to_stored(t.last_sent);
    by_incident.insert_or_assign(t.incident_id, std::move(t));
  }
  for (auto& [id, t] : by_incident) out.told.push_back(std::move(t));
  return out;
}

core::Result<DeliveryAttempt> prepare_delivery(const DeliveryAttempt& attempt,
                                               std::string_view store_name) {
  DeliveryAttempt a = attempt;
  const std::string what = "delivery attempt of notification " + std::to_string(a.seq);
  if (auto st = check_text(store_name, what, {&a.reason}); !st.ok()) return st.error();
  a.at = to_stored(a.at);
  a.next_at = to_stored(a.next_at);
  return a;
}

core::Result<std::vector<DeliveryAttempt>> prepare_deliveries(
    std::span<const DeliveryAttempt> attempts, std::string_view store_name) {
  std::vector<DeliveryAttempt> out;
  out.reserve(attempts.size());
  for (const auto& attempt : attempts) {
    auto a = prepare_delivery(attempt, store_name);
    if (!a.ok()) return a.error();
    out.push_back(std::move(*a));
  }
  return out;
}

void apply_delivery(OutboxMessage& message, const DeliveryAttempt& attempt) {
  message.status = attempt.status;
  message.attempts = attempt.attempt;
  message.last_reason = attempt.reason;
  message.next_at = attempt.next_at;
}

size_t outbox_load_limit(size_t limit) {
  return std::clamp<size_t>(limit, 1, kMaxOutboxLoad);
}

}  // namespace alertd::sinks
