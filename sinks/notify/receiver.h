#pragma once
// Where a message goes (issue 15 §1): one entry of `notify.receivers`, as
// plain data. config/ reads and validates it (secrets from ${ENV} already
// substituted); the transport (transport.h) sends to it. No I/O here.

#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace alertd::sinks::notify {

/// A Slack incoming webhook; the body is a Block Kit message.
struct SlackReceiver {
  std::string webhook_url;
};

/// A Microsoft Teams Workflows webhook; the body is an Adaptive Card.
struct TeamsReceiver {
  std::string webhook_url;
};

/// PagerDuty Events API v2; the incident id is the dedup_key.
struct PagerDutyReceiver {
  std::string routing_key;
  std::string url = "https://events.pagerduty.com/v2/enqueue";
};

/// SMTP through libcurl. An smtp:// URL must upgrade with STARTTLS
/// (CURLUSESSL_ALL: the send fails rather than fall back to plain text,
/// since the mail carries incident details and the password); smtps:// is
/// TLS from the first byte.
struct EmailReceiver {
  std::string smtp_url;  // smtp://host:587 or smtps://host:465
  std::string from;      // bare address: alertd@example.com
  std::vector<std::string> to;
  std::string username;  // empty: no AUTH
  std::string password;
  // `starttls: false` exists only for local test servers that speak plain
  // SMTP; the transport refuses it for any host but a loopback address, so a
  // config typo cannot send mail and passwords in clear over a network.
  bool starttls = true;
};

/// Any HTTP endpoint taking the JSON body. With a secret, each request is
/// signed: X-Alertd-Signature (signature.h).
struct WebhookReceiver {
  std::string url;
  std::string secret;  // empty: unsigned
  std::vector<std::pair<std::string, std::string>> headers;
};

using ReceiverKind =
    std::variant<SlackReceiver, TeamsReceiver, PagerDutyReceiver, EmailReceiver, WebhookReceiver>;

struct Receiver {
  std::string name;  // unique within notify.receivers; the metrics' `receiver` label
  ReceiverKind kind;
};

/// "slack", "teams", "pagerduty", "email" or "webhook": the config key of the
/// kind, the `kind` label of the metrics, and default_templates()' argument.
inline std::string_view kind_name(const Receiver& receiver) {
  static constexpr std::string_view kNames[] = {"slack", "teams", "pagerduty", "email", "webhook"};
  static_assert(std::size(kNames) == std::variant_size_v<ReceiverKind>);
  return kNames[receiver.kind.index()];
}

}  // namespace alertd::sinks::notify
