#pragma once
// Slack interactivity (issue 15 §7): what a click on a button of an alertd
// message sends to POST /api/v1/integrations/slack/interactions. Slack posts
// `application/x-www-form-urlencoded` with one field, `payload`, holding a
// `block_actions` JSON document; this reads the one action alertd needs from
// it and refuses anything else with a reason.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace alertd::api::slack {

/// Slack's own bound is far lower; a message with many blocks stays below.
inline constexpr size_t kMaxInteractionBytes = 256 << 10;

/// The buttons of alertd's messages (sinks/notify/default_templates.cc).
inline constexpr std::string_view kActions[] = {"acknowledge", "resolve", "silence_1h"};

struct Interaction {
  std::string user_id;    // U…: mapped to a person through people[].slack_user
  std::string user_name;  // for the audit actor, slack:<user_name>
  std::string team_id;
  std::string action_id;     // one of kActions
  std::string incident_id;   // the button's value
  std::string response_url;  // where the message is updated; "" when Slack sent none
};

/// Slack's own default; notify.slack_app.response_url_prefix may name another.
inline constexpr std::string_view kDefaultResponseUrlPrefix = "https://hooks.slack.com/";

/// Reads the form body. Errors (reason "invalid_interaction") say what is
/// missing: no payload, not JSON, not block_actions, no user, no action, an
/// action alertd does not have, a value that is no incident id, or a
/// response_url that does not start with `response_url_prefix` (alertd
/// posts only there, never to a URL a request chose).
core::Result<Interaction> parse_interaction(
    std::string_view form_body, std::string_view response_url_prefix = kDefaultResponseUrlPrefix);

/// How far a request's timestamp may be from alertd's clock, either way:
/// a captured request replayed later is refused.
inline constexpr auto kMaxRequestAge = std::chrono::minutes(5);

enum class SignatureCheck : uint8_t {
  valid,
  invalid_signature,  // a header missing or malformed, or the HMAC does not match
  stale_request,      // signed right, but its timestamp is over kMaxRequestAge from now
};
std::string_view to_string(SignatureCheck c);

/// Slack's request signing: `signature` (X-Slack-Signature) must be "v0="
/// plus the hex HMAC-SHA256, keyed with the signing secret, of
/// "v0:<timestamp>:<raw body>" (`timestamp`: X-Slack-Request-Timestamp,
/// Unix seconds). The signature is checked first (in constant time), so a
/// forgery is invalid_signature whatever its timestamp and only a genuine
/// but old request is stale_request.
SignatureCheck verify_request(std::string_view signing_secret, std::string_view timestamp,
                              std::string_view signature, std::string_view body,
                              core::TimePoint now);

}  // namespace alertd::api::slack
