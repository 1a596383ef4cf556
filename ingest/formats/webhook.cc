// Alertmanager's webhook receiver payload (version "4") and Grafana's
// contact-point webhook (version "1", the same shape with extras), see
// reference/wire-formats.md §4-5: `{"status", "alerts": [...], ...}` where
// every alert carries its own status, labels, annotations and times.
// Firing alerts come with the zero endsAt (Alertmanager hides the lease), so
// a firing alert gets the resolve_timeout lease as on /api/v2/alerts.
// Re-sends (every repeat_interval) give the same fingerprints: idempotent.

#include <fmt/format.h>

#include "ingest/formats/builder.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {

namespace {

using detail::AlertBuilder;
using detail::Item;
namespace dom = simdjson::dom;

bool string_map(dom::element value, std::string_view field, AlertBuilder& builder, bool labels,
                const Item& item, DecodeError& err) {
  if (value.is_null()) return true;
  dom::object object;
  if (value.get_object().get(object)) {
    return detail::fail(err, reason::kWrongType, item, fmt::format("{} must be an object", field));
  }
  for (auto [key, entry] : object) {
    std::string_view text;
    if (entry.get_string().get(text)) {
      return detail::fail(err, reason::kWrongType, item,
                          fmt::format("{} {}: value must be a string", field, detail::quote(key)));
    }
    if (labels ? !builder.label(key, text, err) : !builder.annotation(key, text, err)) return false;
  }
  return true;
}

bool time_of(dom::element alert, std::string_view field, const Item& item, core::TimePoint& out,
             DecodeError& err) {
  out = core::kNoTime;
  std::string_view text;
  if (alert[field].get_string().get(text)) return true;  // absent or not a string: unset
  auto parsed = core::parse_rfc3339(text);
  if (!parsed && !text.starts_with("0001-01-01")) {
    return detail::fail(err, reason::kInvalidTimestamp, item,
                        fmt::format("{} {} is not an RFC 3339 time", field, detail::quote(text)));
  }
  out = parsed.value_or(core::kNoTime);
  return true;
}

// Grafana's per-alert extras, kept for people as annotations.
bool grafana_extras(dom::element alert, AlertBuilder& builder, DecodeError& err) {
  for (std::string_view key :
       {"valueString", "silenceURL", "dashboardURL", "panelURL", "imageURL"}) {
    std::string_view text;
    if (!alert[key].get_string().get(text) && !builder.annotation(key, text, err)) return false;
  }
  dom::object values;
  if (alert["values"].get_object().get(values)) return true;
  std::string joined;
  std::string number;
  for (auto [ref, value] : values) {
    if (!detail::scalar_text(value, number)) continue;
    joined += fmt::format("{}{}={}", joined.empty() ? "" : ", ", ref, number);
  }
  return builder.annotation("values", joined, err);
}

bool decode_webhook_alert(dom::element alert, WebhookFlavor flavor, const Item& item,
                          const Limits& limits, const DecodeContext& ctx, core::Alert& out,
                          DecodeError& err) {
  if (!alert.is_object()) {
    return detail::fail(err, reason::kWrongType, item, "must be an object");
  }
  AlertBuilder builder(limits, item);
  dom::element labels;
  if (alert["labels"].get(labels) || labels.is_null()) {
    return detail::fail(err, reason::kMissingLabels, item, "labels are required");
  }
  if (!string_map(labels, "labels", builder, true, item, err)) return false;
  dom::element annotations;
  if (!alert["annotations"].get(annotations) &&
      !string_map(annotations, "annotations", builder, false, item, err)) {
    return false;
  }
  if (flavor == WebhookFlavor::grafana && !grafana_extras(alert, builder, err)) return false;
  std::string_view status = "firing";
  if (auto sent = alert["status"].get_string(); !sent.error()) status = sent.value_unsafe();
  auto parsed = core::parse_alert_status(status);
  if (!parsed) {
    return detail::fail(
        err, reason::kWrongType, item,
        fmt::format("status {} is neither firing nor resolved", detail::quote(status)));
  }
  core::TimePoint starts, ends;
  if (!time_of(alert, "startsAt", item, starts, err) ||
      !time_of(alert, "endsAt", item, ends, err)) {
    return false;
  }
  if (!builder.finish(out, ctx, err)) return false;
  out.status = *parsed;
  out.starts_at = starts != core::kNoTime ? starts : ctx.now;
  if (out.status == core::AlertStatus::firing) {
    out.ends_at = ctx.now + ctx.resolve_timeout;  // the zero endsAt hides the real lease
  } else {
    out.ends_at = ends != core::kNoTime ? ends : ctx.now;
    if (out.ends_at < out.starts_at) out.starts_at = out.ends_at;
  }
  std::string_view url;
  if (!alert["generatorURL"].get_string().get(url)) {
    if (url.size() > limits.max_annotation_value_bytes) {
      return detail::fail(err, reason::kAnnotationTooLong, item, "generatorURL is too long");
    }
    out.generator_url.assign(url);
  }
  out.source = flavor == WebhookFlavor::grafana ? "grafana" : "alertmanager";
  return true;
}

}  // namespace

DecodeResult Decoder::webhook(std::string& body, const DecodeContext& ctx, WebhookFlavor flavor,
                              std::vector<core::Alert>& out) {
  DecodeResult result;
  DecodeError err;
  const Item body_item{"body", 0};
  dom::element root;
  dom::array alerts;
  if (!detail::prepare_body(body, limits_, err) ||
      !detail::parse_dom(state_->dom, detail::padded_body(body), limits_, body_item, root, err)) {
    result.error = std::move(err);
    return result;
  }
  if (!root.is_object() || root["alerts"].get_array().get(alerts)) {
    detail::fail(err, reason::kWrongType, body_item,
                 "must be a webhook object with an \"alerts\" array");
    result.error = std::move(err);
    return result;
  }
  size_t index = 0;
  for (dom::element alert : alerts) {
    const Item item{"alert", index++};
    if (result.accepted == limits_.max_alerts_per_request) {
      detail::too_many_alerts(limits_, item, err);
      result.error = std::move(err);
      return result;
    }
    core::Alert& a = out.emplace_back();
    if (!decode_webhook_alert(alert, flavor, item, limits_, ctx, a, err)) {
      out.pop_back();
      result.error = std::move(err);
      return result;
    }
    ++result.accepted;
  }
  return result;
}

}  // namespace alertd::ingest
