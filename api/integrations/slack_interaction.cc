#include "api/integrations/slack_interaction.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "api/router.h"
#include "core/incident.h"
#include "sinks/notify/signature.h"

namespace alertd::api::slack {

namespace {

namespace dom = simdjson::dom;

core::Error invalid(std::string message) {
  return core::Error{"invalid_interaction", std::move(message)};
}

// "" when `e` is missing or not an object, or `key` is not a string.
// (`e`: an element or a lookup's result, which may carry an error.)
template <typename Element>
std::string string_at(Element e, std::string_view key) {
  std::string_view s;
  return e[key].get_string().get(s) ? std::string() : std::string(s);
}

core::Result<std::string> payload_field(std::string_view form_body) {
  std::vector<std::pair<std::string, std::string>> fields;
  if (!parse_query(form_body, fields)) return invalid("the form body has a bad percent-escape");
  for (auto& [name, value] : fields) {
    if (name == "payload") return std::move(value);
  }
  return invalid("no payload field: not a Slack interaction");
}

core::Status read_action(dom::element root, Interaction& out) {
  dom::array actions;
  if (root["actions"].get_array().get(actions) || actions.size() == 0) {
    return invalid("no actions");
  }
  const auto action = actions.at(0);
  out.action_id = string_at(action, "action_id");
  out.incident_id = string_at(action, "value");
  if (std::find(std::begin(kActions), std::end(kActions), out.action_id) == std::end(kActions)) {
    return invalid("action_id \"" + out.action_id.substr(0, 64) +
                   "\" is not acknowledge, resolve or silence_1h");
  }
  if (!core::parse_incident_id(out.incident_id)) {
    return invalid("the button's value \"" + out.incident_id.substr(0, 64) +
                   "\" is not an incident id");
  }
  return {};
}

}  // namespace

core::Result<Interaction> parse_interaction(std::string_view form_body,
                                            std::string_view response_url_prefix) {
  if (form_body.size() > kMaxInteractionBytes) return invalid("larger than 256 KiB");
  auto payload = payload_field(form_body);
  if (!payload.ok()) return payload.error();
  dom::parser parser;
  dom::element root;
  if (parser.parse(*payload).get(root) || !root.is_object()) {
    return invalid("payload is not a JSON object");
  }
  if (string_at(root, "type") != "block_actions") {
    return invalid("payload type \"" + string_at(root, "type").substr(0, 64) +
                   "\" is not block_actions");
  }
  Interaction out;
  out.user_id = string_at(root["user"], "id");
  out.user_name = string_at(root["user"], "username");
  if (out.user_name.empty()) out.user_name = string_at(root["user"], "name");
  out.team_id = string_at(root["team"], "id");
  if (out.user_id.empty()) return invalid("no user.id");
  if (auto st = read_action(root, out); !st) return st.error();
  out.response_url = string_at(root, "response_url");
  if (!out.response_url.empty() && !out.response_url.starts_with(response_url_prefix)) {
    return invalid("response_url is not on " + std::string(response_url_prefix));
  }
  return out;
}

std::string_view to_string(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::valid: return "valid";
    case SignatureCheck::invalid_signature: return "invalid_signature";
    case SignatureCheck::stale_request: return "stale_request";
  }
  return "invalid_signature";
}

SignatureCheck verify_request(std::string_view signing_secret, std::string_view timestamp,
                              std::string_view signature, std::string_view body,
                              core::TimePoint now) {
  int64_t seconds = 0;
  const auto* end = timestamp.data() + timestamp.size();
  if (timestamp.empty() || timestamp.size() > 18 ||
      std::from_chars(timestamp.data(), end, seconds).ptr != end || seconds < 0 ||
      signing_secret.empty()) {
    return SignatureCheck::invalid_signature;
  }
  std::string basestring = "v0:";
  basestring.append(timestamp).append(":").append(body);
  const auto expected = "v0=" + sinks::notify::hmac_sha256_hex(signing_secret, basestring);
  if (!sinks::notify::constant_time_equal(expected, signature)) {
    return SignatureCheck::invalid_signature;
  }
  // In seconds: a far-off timestamp would overflow a TimePoint.
  const int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t max_age = std::chrono::seconds(kMaxRequestAge).count();
  if (seconds > now_seconds + max_age || seconds < now_seconds - max_age) {
    return SignatureCheck::stale_request;
  }
  return SignatureCheck::valid;
}

}  // namespace alertd::api::slack
