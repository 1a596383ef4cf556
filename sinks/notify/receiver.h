#pragma once
// The receivers of `notify.receivers` (docs/notifications.md): where a
// message goes and how, as plain values. The config reads them; the
// dispatcher sends to them.

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace alertd::sinks::notify {

/// A Slack incoming webhook: a Block Kit message.
struct SlackReceiver {
  std::string webhook_url;
};

/// A Microsoft Teams Workflows webhook: an Adaptive Card.
struct TeamsReceiver {
  std::string webhook_url;
};

/// PagerDuty Events API v2, keyed by the incident id (dedup_key).
struct PagerDutyReceiver {
  std::string routing_key;
  std::string url = "https://events.pagerduty.com/v2/enqueue";
};

/// SMTP through libcurl: STARTTLS is required on smtp:// unless `starttls`
/// is false (local relays and test servers only); smtps:// is TLS from the start.
struct EmailReceiver {
  std::string smtp_url;
  std::string from;
  std::vector<std::string> to;
  std::string username;
  std::string password;
  bool starttls = true;
};

/// A JSON body; signed with X-Alertd-Signature when it has a secret.
struct WebhookReceiver {
  std::string url;
  std::string secret;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Receiver {
  std::string name;
  std::variant<SlackReceiver, TeamsReceiver, PagerDutyReceiver, EmailReceiver, WebhookReceiver>
      kind;
};

/// "slack", "teams", "pagerduty", "email" or "webhook".
inline std::string_view kind_name(const Receiver& r) {
  constexpr std::string_view kNames[] = {"slack", "teams", "pagerduty", "email", "webhook"};
  return kNames[r.kind.index()];
}

}  // namespace alertd::sinks::notify
