#pragma once
// Slack interactivity (issue 15 §7): what a click on a button of an alertd
// message sends to POST /api/v1/integrations/slack/interactions. Slack posts
// `application/x-www-form-urlencoded` with one field, `payload`, holding a
// `block_actions` JSON document; this reads the one action alertd needs from
// it and refuses anything else with a reason.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

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

/// Reads the form body. Errors (reason "invalid_interaction") say what is
/// missing: no payload, not JSON, not block_actions, no user, no action, an
/// action alertd does not have, a value that is no incident id, or a
/// response_url that is not https://hooks.slack.com/ (alertd posts only
/// there, never to a URL a request chose).
core::Result<Interaction> parse_interaction(std::string_view form_body);

}  // namespace alertd::api::slack
