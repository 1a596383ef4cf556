#include "daemon/notify_render.h"

#include "correlator/notify/message_fields.h"

namespace alertd::daemon {

namespace {

namespace notify = sinks::notify;

// The most bytes one rendered part keeps (the template cuts on a whole
// character and marks the cut): well under every receiver's own limit
// except Slack's 40,000 characters of text, which the shipped template
// does not approach.
constexpr size_t kMaxPartBytes = 256 << 10;

std::string render_part(const std::optional<notify::Template>& t,
                        const correlator::MessageFields& fields, bool slack) {
  std::string out;
  if (!t) return out;
  t->render(
      [&](std::string_view name) {
        auto value = fields.get(name);
        // alertd's own mention is Slack markup; every other value is escaped.
        return notify::FieldValue{value.value_or(""), slack && name == "on_call_mention",
                                  value.has_value()};
      },
      out, kMaxPartBytes);
  return out;
}

std::string change_list(const std::vector<correlator::NotifyChange>& changes) {
  std::string out;
  for (auto c : changes) {
    if (!out.empty()) out += ',';
    out += correlator::to_string(c);
  }
  return out;
}

}  // namespace

const correlator::Person* on_call_person(const config::OncallConfig& oncall,
                                         std::string_view schedule, core::TimePoint now) {
  if (schedule.empty()) return nullptr;
  const auto* s = oncall.schedule(schedule);
  if (s == nullptr) return nullptr;
  auto turn = correlator::on_call_at(*s, now);
  return turn ? oncall.person(turn->member) : nullptr;
}

sinks::OutboxMessage render_message(const config::NotifyReceiverConfig& receiver,
                                    const core::Incident& incident,
                                    const correlator::NotifyIntent& intent,
                                    const correlator::Person* on_call,
                                    std::string_view external_url, core::TimePoint now) {
  const auto kind = notify::kind_name(receiver.receiver);
  const auto* pagerduty = std::get_if<notify::PagerDutyReceiver>(&receiver.receiver.kind);
  const correlator::MessageFields fields(incident, intent, external_url, on_call,
                                         pagerduty != nullptr ? pagerduty->routing_key : "");
  sinks::OutboxMessage m;
  m.incident_id = incident.id;
  m.tenant = incident.tenant;
  m.receiver = receiver.receiver.name;
  m.kind = std::string(kind);
  m.audience = std::string(correlator::to_string(intent.audience));
  m.stage = std::string(correlator::to_string(intent.stage));
  m.change = change_list(intent.changes);
  const auto& t = receiver.templates;
  m.body = render_part(t.body, fields, kind == "slack");
  m.subject = render_part(t.subject, fields, false);
  m.text = render_part(t.text, fields, false);
  m.html = render_part(t.html, fields, false);
  if (kind == "email" && on_call != nullptr) m.extra_to = on_call->email;
  m.changed_at = intent.changed_at == core::kNoTime ? now : intent.changed_at;
  m.created_at = now;
  m.next_at = now;
  return m;
}

sinks::OutboxMessage test_message(const config::NotifyReceiverConfig& receiver,
                                  const config::Settings& settings, core::TimePoint now) {
  core::Incident incident;
  incident.id = "TEST-" + std::to_string(core::to_unix_millis(now));
  incident.title = "alertd test message";
  incident.priority = core::Priority::P4;
  incident.severity = "sev4";
  incident.service = "alertd";
  incident.opened_at = now;
  incident.updated_at = now;
  correlator::NotifyIntent intent;
  intent.incident_id = incident.id;
  intent.changes = {correlator::NotifyChange::opened};
  intent.receiver = receiver.receiver.name;
  intent.changed_at = now;
  auto m = render_message(receiver, incident, intent, nullptr, settings.notify.external_url, now);
  m.change = "test";
  return m;
}

notify::Message to_delivery(const sinks::OutboxMessage& row) {
  notify::Message m;
  m.id = static_cast<uint64_t>(row.seq);
  m.receiver = row.receiver;
  m.incident_id = row.incident_id;
  m.body = row.body;
  m.subject = row.subject;
  m.text = row.text;
  m.html = row.html;
  if (!row.extra_to.empty()) m.extra_to.push_back(row.extra_to);
  m.changed_at = row.changed_at;
  m.created_at = row.created_at;
  m.attempts = row.attempts;
  return m;
}

sinks::NotifyTold told_record(const core::Incident& incident, core::TimePoint now) {
  const auto told = correlator::NotifyPolicy::told_of(incident);
  return {incident.id,       told.status,           told.priority, told.assignee,
          told.acknowledged, told.escalation_level, true,          now};
}

correlator::NotifyPolicy::Told policy_told(const sinks::NotifyTold& t) {
  return {t.status, t.priority, t.assignee, t.acknowledged, t.escalation_level};
}

}  // namespace alertd::daemon
