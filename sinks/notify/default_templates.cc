#include "sinks/notify/default_templates.h"

namespace alertd::sinks::notify {

namespace {

// Slack incoming webhook, Block Kit: a top-level `text` for notifications,
// the facts, and the buttons POST /api/v1/integrations/slack/interactions
// answers (action_id acknowledge, resolve, silence_1h; value: the incident).
constexpr std::string_view kSlack = R"tpl({"text":"{{change}}: [{{priority}}] {{title}}",
"blocks":[
{"type":"header","text":{"type":"plain_text","text":"{{#if is_resolution}}Resolved{{else}}{{#if is_initial}}New incident{{else}}Update{{/if}}{{/if}}: [{{priority}}] {{title}}"}},
{"type":"section","fields":[
{"type":"mrkdwn","text":"*Incident*\n<{{incident_url}}|{{incident_id}}>"},
{"type":"mrkdwn","text":"*Status*\n{{status}} ({{change}})"
},
{"type":"mrkdwn","text":"*Service*\n{{#if service}}{{service}}{{else}}none{{/if}}{{#if root_service}}, probable root {{root_service}}{{/if}}"},
{"type":"mrkdwn","text":"*Alerts*\n{{firing}} firing of {{members}}"},
{"type":"mrkdwn","text":"*Owner*\n{{#if owner}}{{owner}}{{else}}unassigned{{/if}}"},
{"type":"mrkdwn","text":"*SLA*\n{{#if ack_due}}ack by {{ack_due}}{{/if}}{{#if resolve_due}}, resolve by {{resolve_due}}{{/if}}"}]
}
{{#if on_call_mention}},{"type":"section","text":{"type":"mrkdwn","text":"On call: {{on_call_mention}}"}}{{/if}}
{{#unless is_resolution}},{"type":"actions","elements":[
{"type":"button","action_id":"acknowledge","style":"primary","text":{"type":"plain_text","text":"Acknowledge"},"value":"{{incident_id}}"},
{"type":"button","action_id":"resolve","text":{"type":"plain_text","text":"Resolve"},"value":"{{incident_id}}"},
{"type":"button","action_id":"silence_1h","text":{"type":"plain_text","text":"Silence 1h"},"value":"{{incident_id}}"}]}{{/unless}},
{"type":"context","elements":[{"type":"mrkdwn","text":"{{audience}} · <{{report_url}}|post-incident report>"}]}]
})tpl";

// Microsoft Teams Workflows ("When a Teams webhook request is received"):
// a message with one Adaptive Card attachment.
constexpr std::string_view kTeams = R"tpl({"type":"message","attachments":[{
"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
"content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4",
"body":[
{"type":"TextBlock","size":"Large","weight":"Bolder","wrap":true,"text":"{{#if is_resolution}}Resolved{{else}}{{#if is_initial}}New incident{{else}}Update{{/if}}{{/if}}: [{{priority}}] {{title}}"},
{"type":"FactSet","facts":[
{"title":"Incident","value":"{{incident_id}}"},
{"title":"Status","value":"{{status}} ({{change}})"
},
{"title":"Service","value":"{{service}}{{#if root_service}} (probable root {{root_service}}){{/if}}"},
{"title":"Alerts","value":"{{firing}} firing of {{members}}"},
{"title":"Owner","value":"{{#if owner}}{{owner}}{{else}}unassigned{{/if}}"},
{"title":"On call","value":"{{on_call}}"},
{"title":"Acknowledge by","value":"{{ack_due}}"},
{"title":"Resolve by","value":"{{resolve_due}}"},
{"title":"Audience","value":"{{audience}}"}]
}],
"actions":[{"type":"Action.OpenUrl","title":"Open incident","url":"{{incident_url}}"},
{"type":"Action.OpenUrl","title":"Post-incident report","url":"{{report_url}}"}]
}
}]
})tpl";

// PagerDuty Events API v2: the incident id is the dedup_key, so trigger,
// acknowledge and resolve address one PagerDuty alert.
constexpr std::string_view kPagerDuty =
    R"tpl({"routing_key":"{{routing_key}}","event_action":"{{pagerduty_action}}","dedup_key":"{{incident_id}}",
"payload":{"summary":"[{{priority}}] {{title}}","source":"{{#if service}}{{service}}{{else}}alertd{{/if}}","severity":"{{pagerduty_severity}}",
"component":"{{root_service}}","group":"{{team}}",
"custom_details":{"status":"{{status}}","change":"{{change}}","alerts":"{{firing}} firing of {{members}}","owner":"{{owner}}","ack_due":"{{ack_due}}","resolve_due":"{{resolve_due}}"}},
"client":"alertd","client_url":"{{incident_url}}","links":[{"href":"{{incident_url}}","text":"{{incident_id}} in alertd"}]})tpl";

// A generic signed webhook: the fields as JSON, numbers as numbers.
constexpr std::string_view kWebhook =
    R"tpl({"version":"1","stage":"{{stage}}","change":"{{change}}","audience":"{{audience}}",
"incident":{"id":"{{incident_id}}","tenant":"{{tenant}}","title":"{{title}}","priority":"{{priority}}","severity":"{{severity}}",
"status":"{{status}}","service":"{{service}}","root_service":"{{root_service}}","members":{{members}},"firing":{{firing}},
"owner":"{{owner}}","team":"{{team}}","assignee":"{{assignee}}","escalation_level":{{escalation_level}},
"opened_at":"{{opened_at}}","ack_due":"{{ack_due}}","resolve_due":"{{resolve_due}}","resolution":"{{resolution}}",
"url":"{{incident_url}}","report_url":"{{report_url}}"},
"on_call":"{{on_call}}"})tpl";

constexpr std::string_view kEmailSubject =
    "[{{priority}}] {{#if is_resolution}}Resolved{{else}}{{change}}{{/if}}: {{title}} "
    "({{incident_id}})";

constexpr std::string_view kEmailText =
    R"tpl({{#if is_resolution}}Resolution notice{{else}}{{#if is_initial}}Initial notification{{else}}Status update{{/if}}{{/if}} for {{audience}}

{{incident_id}}: {{title}}
Priority:  {{priority}} ({{severity}})
Status:    {{status}} ({{change}})
Service:   {{service}}{{#if root_service}} (probable root: {{root_service}}){{/if}}
Alerts:    {{firing}} firing of {{members}}
Owner:     {{#if owner}}{{owner}}{{else}}unassigned{{/if}}
{{#if on_call}}On call:   {{on_call}}
{{/if}}{{#if ack_due}}Acknowledge by: {{ack_due}}
{{/if}}{{#if resolve_due}}Resolve by:     {{resolve_due}}
{{/if}}{{#if resolution}}Resolution: {{resolution}}
{{/if}}
Incident: {{incident_url}}
Post-incident report: {{report_url}}
)tpl";

constexpr std::string_view kEmailHtml = R"tpl(<html><body>
<h2>{{#if is_resolution}}Resolved{{else}}{{#if is_initial}}New incident{{else}}Update{{/if}}{{/if}}: [{{priority}}] {{title}}</h2>
<p>For {{audience}}.</p>
<table>
<tr><th align="left">Incident</th><td><a href="{{incident_url}}">{{incident_id}}</a></td></tr>
<tr><th align="left">Priority</th><td>{{priority}} ({{severity}})</td></tr>
<tr><th align="left">Status</th><td>{{status}} ({{change}})</td></tr>
<tr><th align="left">Service</th><td>{{service}}{{#if root_service}} (probable root: {{root_service}}){{/if}}</td></tr>
<tr><th align="left">Alerts</th><td>{{firing}} firing of {{members}}</td></tr>
<tr><th align="left">Owner</th><td>{{#if owner}}{{owner}}{{else}}unassigned{{/if}}</td></tr>
{{#if on_call}}<tr><th align="left">On call</th><td>{{on_call}}</td></tr>{{/if}}
{{#if ack_due}}<tr><th align="left">Acknowledge by</th><td>{{ack_due}}</td></tr>{{/if}}
{{#if resolve_due}}<tr><th align="left">Resolve by</th><td>{{resolve_due}}</td></tr>{{/if}}
{{#if resolution}}<tr><th align="left">Resolution</th><td>{{resolution}}</td></tr>{{/if}}
</table>
<p><a href="{{report_url}}">Post-incident report</a></p>
</body></html>
)tpl";

}  // namespace

const std::vector<std::string_view>& message_fields() {
  static const std::vector<std::string_view> fields = {"incident_id",
                                                       "title",
                                                       "priority",
                                                       "severity",
                                                       "status",
                                                       "service",
                                                       "root_service",
                                                       "members",
                                                       "firing",
                                                       "owner",
                                                       "team",
                                                       "assignee",
                                                       "tenant",
                                                       "opened_at",
                                                       "ack_due",
                                                       "resolve_due",
                                                       "escalation_level",
                                                       "resolution",
                                                       "incident_url",
                                                       "report_url",
                                                       "stage",
                                                       "change",
                                                       "audience",
                                                       "on_call",
                                                       "on_call_mention",
                                                       "is_initial",
                                                       "is_update",
                                                       "is_resolution",
                                                       "pagerduty_action",
                                                       "pagerduty_severity",
                                                       "routing_key"};
  return fields;
}

TemplateTexts default_templates(std::string_view kind) {
  if (kind == "slack") return {kSlack, {}, {}, {}};
  if (kind == "teams") return {kTeams, {}, {}, {}};
  if (kind == "pagerduty") return {kPagerDuty, {}, {}, {}};
  if (kind == "webhook") return {kWebhook, {}, {}, {}};
  if (kind == "email") return {{}, kEmailSubject, kEmailText, kEmailHtml};
  return {};
}

Escape body_escape(std::string_view kind) {
  return kind == "slack" ? Escape::slack_json : Escape::json;
}

}  // namespace alertd::sinks::notify
