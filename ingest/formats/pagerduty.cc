// PagerDuty Events API v2 in (reference/wire-formats.md §6): senders that
// page PagerDuty can page alertd instead. One event per request; the
// integration key is in the body (`routing_key`).

#include <fmt/format.h>

#include <random>

#include "ingest/formats/builder.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {

namespace {

using detail::AlertBuilder;
using detail::Item;
namespace dom = simdjson::dom;

constexpr size_t kMaxDedupKeyBytes = 255;  // PagerDuty's own limit
constexpr size_t kMaxSummaryBytes = 1024;

std::string generated_dedup_key() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", random(), random());
}

// PagerDuty answers a refusal with every problem found, not just the first.
void problem(PagerDutyEvent& event, std::string text) {
  event.errors.push_back(std::move(text));
}

std::string_view string_at(dom::element parent, std::string_view key) {
  std::string_view text;
  if (parent[key].get_string().get(text)) return {};
  return text;
}

bool read_action(dom::element root, PagerDutyEvent& event) {
  const auto action = string_at(root, "event_action");
  if (action == "trigger") {
    event.action = PagerDutyEvent::Action::trigger;
  } else if (action == "acknowledge") {
    event.action = PagerDutyEvent::Action::acknowledge;
  } else if (action == "resolve") {
    event.action = PagerDutyEvent::Action::resolve;
  } else {
    problem(event, action.empty() ? "'event_action' is missing or blank"
                                  : "'event_action' must be one of trigger, acknowledge, resolve");
    return false;
  }
  return true;
}

// The labels and annotations of a trigger's payload.
bool trigger_payload(dom::element payload, AlertBuilder& builder, PagerDutyEvent& event,
                     DecodeError& err) {
  const size_t problems_before = event.errors.size();
  const auto summary = string_at(payload, "summary");
  const auto source = string_at(payload, "source");
  const auto severity = string_at(payload, "severity");
  if (summary.empty()) problem(event, "'payload.summary' is missing or blank");
  if (summary.size() > kMaxSummaryBytes)
    problem(event, "'payload.summary' is over 1024 characters");
  if (source.empty()) problem(event, "'payload.source' is missing or blank");
  if (severity != "critical" && severity != "error" && severity != "warning" &&
      severity != "info") {
    problem(event, "'payload.severity' must be one of critical, error, warning, info");
  }
  if (event.errors.size() > problems_before) return false;
  if (!builder.annotation("summary", summary, err) || !builder.label("severity", severity, err) ||
      !builder.label("source", source, err)) {
    return false;
  }
  for (std::string_view key : {"component", "group", "class"}) {
    if (!builder.label(key, string_at(payload, key), err)) return false;
  }
  // PagerDuty has no alert name; the kind of problem is what groups alerts
  // when they name no service.
  std::string_view name = string_at(payload, "class");
  if (name.empty()) name = string_at(payload, "component");
  if (!builder.label("alertname", name.empty() ? "pagerduty" : name, err)) return false;
  dom::object details;
  if (!payload["custom_details"].get_object().get(details)) builder.object_fields(details, "", 1);
  return true;
}

bool decode_event(dom::element root, const Item& item, const Limits& limits,
                  const DecodeContext& ctx, PagerDutyEvent& event, core::Alert& out,
                  DecodeError& err) {
  event.routing_key = std::string(string_at(root, "routing_key"));
  if (event.routing_key.empty()) problem(event, "'routing_key' is missing or blank");
  const bool known_action = read_action(root, event);
  event.dedup_key = std::string(string_at(root, "dedup_key"));
  if (event.dedup_key.size() > kMaxDedupKeyBytes)
    problem(event, "'dedup_key' is over 255 characters");
  if (event.dedup_key.empty() && known_action && event.action != PagerDutyEvent::Action::trigger) {
    problem(event, "'dedup_key' is required to acknowledge or resolve");
  }
  AlertBuilder builder(limits, item);
  dom::element payload;
  const bool trigger = known_action && event.action == PagerDutyEvent::Action::trigger;
  if (trigger && (root["payload"].get(payload) || !payload.is_object())) {
    problem(event, "'payload' is missing or not an object");
  } else if (trigger && !trigger_payload(payload, builder, event, err) && !err.message.empty()) {
    problem(event, err.message);  // a label or annotation broke a limit
  }
  if (!event.errors.empty()) {
    std::string joined;
    for (const auto& e : event.errors) joined += (joined.empty() ? "" : "; ") + e;
    return detail::fail(err, reason::kInvalidValue, item, joined);
  }
  if (event.dedup_key.empty()) event.dedup_key = generated_dedup_key();
  if (!builder.label("dedup_key", event.dedup_key, err)) return false;
  std::string_view client = string_at(root, "client"), client_url = string_at(root, "client_url");
  if (!builder.annotation("client", client, err) ||
      !builder.annotation("client_url", client_url, err)) {
    return false;
  }
  core::TimePoint when = ctx.now;
  if (trigger) {
    auto stamp = core::parse_rfc3339(string_at(payload, "timestamp"));
    if (stamp) when = *stamp;
  }
  if (!builder.finish(out, ctx, err)) return false;
  out.status = event.action == PagerDutyEvent::Action::resolve ? core::AlertStatus::resolved
                                                               : core::AlertStatus::firing;
  (out.status == core::AlertStatus::firing ? out.starts_at : out.ends_at) = when;
  out.source = "pagerduty";
  return true;
}

}  // namespace

DecodeResult Decoder::pagerduty(std::string& body, const DecodeContext& ctx, PagerDutyEvent& event,
                                std::vector<core::Alert>& out) {
  DecodeResult result;
  DecodeError err;
  const Item item{"event", 0};
  dom::element root;
  if (!detail::prepare_body(body, limits_, err) ||
      !detail::parse_dom(state_->dom, detail::padded_body(body), limits_, item, root, err)) {
    event.errors.push_back(err.message);
    result.error = std::move(err);
    return result;
  }
  if (!root.is_object()) {
    detail::fail(err, reason::kWrongType, item, "must be an event object");
    event.errors.push_back(err.message);
    result.error = std::move(err);
    return result;
  }
  if (!decode_event(root, item, limits_, ctx, event, out.emplace_back(), err)) {
    out.pop_back();
    if (event.errors.empty()) event.errors.push_back(err.message);
    result.error = std::move(err);
    return result;
  }
  result.accepted = 1;
  return result;
}

}  // namespace alertd::ingest
