#include "correlator/notify/message_fields.h"

#include <algorithm>

namespace alertd::correlator {

namespace {

std::string time_text(core::TimePoint t) {
  return t == core::kNoTime ? std::string() : core::format_rfc3339(t);
}

std::string change_text(const std::vector<NotifyChange>& changes) {
  std::string out;
  for (auto c : changes) {
    if (!out.empty()) out += ", ";
    std::string name(to_string(c));
    std::replace(name.begin(), name.end(), '_', ' ');
    out += name;
  }
  return out;
}

std::string flag(bool on) {
  return on ? "yes" : "";
}

}  // namespace

std::string_view pagerduty_action(const NotifyIntent& intent) {
  const auto first = intent.changes.empty() ? NotifyChange::opened : intent.changes.front();
  if (intent.stage == MessageStage::resolution || first == NotifyChange::closed) return "resolve";
  if (first == NotifyChange::acknowledged) return "acknowledge";
  return "trigger";
}

std::string_view pagerduty_severity(std::string_view sev) {
  if (sev == "sev1") return "critical";
  if (sev == "sev2") return "error";
  if (sev == "sev4") return "info";
  return "warning";
}

MessageFields::MessageFields(const core::Incident& i, const NotifyIntent& intent,
                             std::string_view base_url, const Person* on_call,
                             std::string_view routing_key) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/api/v1/incidents/" + i.id;
  set("incident_id", i.id);
  set("title", i.title);
  set("priority", std::string(core::to_string(i.priority)));
  set("severity", i.severity);
  set("status", std::string(core::to_string(i.status)));
  set("service", i.service);
  set("root_service", i.root_service);
  set("members", std::to_string(i.alert_count));
  set("firing", std::to_string(i.firing_count));
  set("owner", i.assignee.empty() ? i.team : i.assignee);
  set("team", i.team);
  set("assignee", i.assignee);
  set("tenant", i.tenant);
  set("opened_at", time_text(i.opened_at));
  set("ack_due", i.acknowledged_at == core::kNoTime ? time_text(i.ack_due_at) : "");
  set("resolve_due", core::is_active(i.status) ? time_text(i.resolve_due_at) : "");
  set("escalation_level", std::to_string(i.escalation_level));
  set("resolution", i.resolution);
  set("incident_url", url);
  set("report_url", url + "/report");
  set("stage", std::string(to_string(intent.stage)));
  set("change", change_text(intent.changes));
  set("audience", std::string(to_string(intent.audience)));
  set("on_call", on_call != nullptr ? on_call->name : "");
  set("on_call_mention",
      on_call != nullptr && !on_call->slack_user.empty() ? "<@" + on_call->slack_user + ">" : "");
  set("is_initial", flag(intent.stage == MessageStage::initial));
  set("is_update", flag(intent.stage == MessageStage::update));
  set("is_resolution", flag(intent.stage == MessageStage::resolution));
  set("pagerduty_action", std::string(pagerduty_action(intent)));
  set("pagerduty_severity", std::string(pagerduty_severity(i.severity)));
  set("routing_key", std::string(routing_key));
}

std::optional<std::string_view> MessageFields::get(std::string_view name) const {
  for (const auto& [n, v] : values_) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace alertd::correlator
