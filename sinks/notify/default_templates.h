#pragma once
// The fields a message template may use, and the templates each receiver
// kind ships with (docs/notifications.md lists both). A receiver's
// `templates:` in the config replace these, part by part.

#include <string_view>
#include <vector>

#include "sinks/notify/template.h"

namespace alertd::sinks::notify {

/// Every field a message has (template.h's `known`), documented in
/// docs/notifications.md: incident_id, title, priority, severity, status,
/// service, root_service, members, firing, owner, team, assignee, tenant,
/// opened_at, ack_due, resolve_due, escalation_level, resolution,
/// incident_url, report_url, stage, change, audience, on_call,
/// on_call_mention, is_initial, is_update, is_resolution,
/// pagerduty_action, pagerduty_severity, routing_key.
const std::vector<std::string_view>& message_fields();

/// The parts of one kind's message: `body` (HTTP kinds), or `subject`,
/// `text` and `html` (email). Unused parts are empty.
struct TemplateTexts {
  std::string_view body;
  std::string_view subject;
  std::string_view text;
  std::string_view html;
};

/// The shipped templates of a receiver kind: slack, teams, pagerduty,
/// email, webhook. Empty texts for an unknown kind.
TemplateTexts default_templates(std::string_view kind);

/// How a kind's body is escaped: slack_json for slack, json for the other
/// HTTP kinds.
Escape body_escape(std::string_view kind);

}  // namespace alertd::sinks::notify
