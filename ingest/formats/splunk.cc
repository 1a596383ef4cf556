// Splunk: the alert action's webhook (reference/wire-formats.md §2) and the
// HTTP Event Collector (§1). HEC bodies are JSON objects written one after
// another; each is cut out by a small scanner and parsed on its own, so the
// first bad event has an exact index and the events before it are kept, as
// Splunk does (its partial accept).

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "ingest/formats/builder.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {

namespace {

using detail::AlertBuilder;
using detail::Item;
namespace dom = simdjson::dom;

constexpr std::string_view kAlertnameFields[] = {"alertname", "search_name"};

bool contains(const std::vector<std::string>* list, std::string_view name) {
  return list != nullptr && std::find(list->begin(), list->end(), name) != list->end();
}

// What the application logged, when a Splunk logging library wrapped it:
// splunk-logging (npm) and the Java appenders send
// {"message": {...the logged object...}, "severity": "info", ...}.
std::optional<dom::object> logged_object(dom::object event) {
  dom::object logged;
  if (event["message"].get_object().get(logged) || logged.size() == 0) return std::nullopt;
  return logged;
}

// The status an event names (or the object it wraps), when it is one of
// ours; else firing.
core::AlertStatus status_of(dom::element event) {
  std::string_view text;
  if (event["status"].get_string().get(text) && event["message"]["status"].get_string().get(text)) {
    return core::AlertStatus::firing;
  }
  return core::parse_alert_status(text).value_or(core::AlertStatus::firing);
}

// An event object's own fields, flattened. A wrapped logged object's fields
// count as the event's own and come first, so that they win over the
// wrapper's (whose severity is the library's default, "info").
void own_fields(dom::object event, AlertBuilder& builder) {
  const auto logged = logged_object(event);
  if (!logged) return builder.object_fields(event, "", detail::kFlattenDepth);
  builder.object_fields(*logged, "", detail::kFlattenDepth);
  for (auto [key, value] : event) {
    if (key == "message") continue;
    if (value.is_object()) {
      builder.object_fields(value.get_object().value_unsafe(), key, detail::kFlattenDepth - 1);
    } else {
      builder.scalar_field(key, value);
    }
  }
}

void set_times(core::Alert& alert, core::AlertStatus status, core::TimePoint when) {
  alert.status = status;
  if (status == core::AlertStatus::firing) {
    alert.starts_at = when;
  } else {
    alert.ends_at = when;
  }
}

// An event object's fields, narrowed by the token's label_fields and
// annotation_fields when it has them.
void event_fields(dom::object event, const HecContext& hec, AlertBuilder& builder) {
  const bool narrowed = (hec.label_fields != nullptr && !hec.label_fields->empty()) ||
                        (hec.annotation_fields != nullptr && !hec.annotation_fields->empty());
  if (!narrowed) return own_fields(event, builder);
  AlertBuilder all(builder.limits(), builder.item());
  own_fields(event, all);
  for (const auto& [name, value] : all.labels()) {
    if (contains(hec.label_fields, name)) builder.field_as(detail::MapKind::labels, name, value);
    if (contains(hec.annotation_fields, name)) {
      builder.field_as(detail::MapKind::annotations, name, value);
    }
  }
  for (const auto& [name, value] : all.annotations()) {
    if (contains(hec.annotation_fields, name)) {
      builder.field_as(detail::MapKind::annotations, name, value);
    } else if (contains(hec.label_fields, name)) {
      builder.field_as(detail::MapKind::labels, name, value);
    }
  }
}

// `fields`: Splunk's indexed fields, string -> string or array of strings.
bool indexed_fields(dom::element fields, const Item& item, AlertBuilder& builder,
                    DecodeError& err) {
  dom::object object;
  if (fields.is_null()) return true;
  if (fields.get_object().get(object)) {
    return detail::fail(err, reason::kInvalidIndexedField, item, "fields must be an object");
  }
  std::string text, part;
  for (auto [name, value] : object) {
    text.clear();
    if (value.is_array()) {
      const dom::array values = value.get_array().value_unsafe();
      for (dom::element v : values) {
        if (!detail::scalar_text(v, part)) {
          return detail::fail(
              err, reason::kInvalidIndexedField, item,
              fmt::format("fields {}: arrays hold strings only", detail::quote(name)));
        }
        text += (text.empty() ? "" : ",") + part;
      }
    } else if (!detail::scalar_text(value, text)) {
      return detail::fail(
          err, reason::kInvalidIndexedField, item,
          fmt::format("fields {}: must be a string or an array of strings", detail::quote(name)));
    }
    builder.field_as(detail::MapKind::labels, name, text);
  }
  return true;
}

// host, source, sourcetype and index: the event's own, else the token's.
bool metadata(dom::element event, const HecContext& hec, const Item& item, AlertBuilder& builder,
              DecodeError& err) {
  const std::pair<std::string_view, std::string_view> keys[] = {{"host", hec.host},
                                                                {"source", hec.source},
                                                                {"sourcetype", hec.sourcetype},
                                                                {"index", hec.index}};
  for (auto [key, fallback] : keys) {
    std::string_view value = fallback;
    if (auto sent = event[key].get_string(); !sent.error()) value = sent.value_unsafe();
    if (!builder.label(key, value, err)) return false;
  }
  std::string_view index = builder.label_value("index");
  if (!index.empty() && hec.indexes != nullptr && !hec.indexes->empty() &&
      !contains(hec.indexes, index)) {
    return detail::fail(
        err, reason::kIncorrectIndex, item,
        fmt::format("index {} is not one this token may write", detail::quote(index)));
  }
  return true;
}

bool alertname(AlertBuilder& builder, DecodeError& err) {
  for (auto field : kAlertnameFields) {
    if (auto name = builder.label_value(field); !name.empty()) {
      return builder.label("alertname", std::string(name), err);
    }
  }
  auto sourcetype = builder.label_value("sourcetype");
  return builder.label("alertname", sourcetype.empty() ? "splunk_event" : std::string(sourcetype),
                       err);
}

// The `event` member: an object's fields, or a string (or number) message.
bool event_body(dom::element event, const HecContext& hec, const Item& item, AlertBuilder& builder,
                DecodeError& err) {
  std::string text;
  if (event.is_object()) {
    dom::object object = event.get_object().value_unsafe();
    if (object.size() == 0) {
      return detail::fail(err, reason::kEventBlank, item, "event field cannot be blank");
    }
    event_fields(object, hec, builder);
    return true;
  }
  if (!detail::scalar_text(event, text)) {
    return detail::fail(err, reason::kWrongType, item, "event must be a string or an object");
  }
  if (text.empty())
    return detail::fail(err, reason::kEventBlank, item, "event field cannot be blank");
  return builder.annotation("message", text, err);
}

bool decode_hec_event(dom::element root, const HecContext& hec, const Item& item,
                      const Limits& limits, const DecodeContext& ctx, core::Alert& out,
                      size_t* skipped, DecodeError& err) {
  if (!root.is_object()) return detail::fail(err, reason::kWrongType, item, "must be an object");
  dom::element event;
  if (root["event"].get(event) || event.is_null()) {
    return detail::fail(err, reason::kEventMissing, item, "event field is required");
  }
  AlertBuilder builder(limits, item, skipped);
  if (!metadata(root, hec, item, builder, err)) return false;
  dom::element fields;
  if (!root["fields"].get(fields) && !indexed_fields(fields, item, builder, err)) return false;
  if (!event_body(event, hec, item, builder, err) || !alertname(builder, err)) return false;
  core::TimePoint when = ctx.now;
  dom::element time;
  if (!root["time"].get(time) && !time.is_null()) {
    auto parsed = detail::epoch_time(time);
    if (!parsed) {
      return detail::fail(err, reason::kInvalidTimestamp, item,
                          "time must be epoch seconds, as a number or a numeric string");
    }
    when = *parsed;
  }
  const auto status = event.is_object() ? status_of(event) : core::AlertStatus::firing;
  if (!builder.finish(out, ctx, err)) return false;
  set_times(out, status, when);
  out.source = "splunk";
  return true;
}

// The end of the JSON object starting at `begin` (a '{'), or npos when the
// body ends first. Strings are skipped with their escapes.
size_t object_end(std::string_view body, size_t begin) {
  size_t depth = 0;
  for (size_t i = begin; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '"') {
      for (++i; i < body.size() && body[i] != '"'; ++i) {
        if (body[i] == '\\') ++i;
      }
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && --depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

size_t skip_space(std::string_view body, size_t pos) {
  while (pos < body.size() && std::strchr(" \t\r\n", body[pos]) != nullptr && body[pos] != 0) {
    ++pos;
  }
  return pos;
}

}  // namespace

DecodeResult Decoder::hec_events(std::string& body, const DecodeContext& ctx, const HecContext& hec,
                                 std::vector<core::Alert>& out) {
  DecodeResult result;
  DecodeError err;
  auto failed = [&]() {
    result.error = std::move(err);
    return result;
  };
  if (!detail::prepare_body(body, limits_, err)) return failed();
  const std::string_view text(body);
  size_t pos = skip_space(text, detail::bom_length(text));
  if (pos == text.size()) {
    detail::fail(err, reason::kInvalidJson, Item{"body", 0}, "no data");
    return failed();
  }
  while (pos < text.size()) {
    const Item item{"event", result.accepted};
    if (result.accepted == std::min(hec.max_events, limits_.max_alerts_per_request)) {
      detail::fail(err, reason::kTooManyAlerts, item,
                   fmt::format("more than {} events in one request",
                               std::min(hec.max_events, limits_.max_alerts_per_request)));
      return failed();
    }
    const size_t end = text[pos] == '{' ? object_end(text, pos) : std::string_view::npos;
    if (end == std::string_view::npos) {
      detail::fail(err, reason::kInvalidJson, item, "invalid JSON: not a complete event object");
      return failed();
    }
    // Each event is padded by the rest of the body and the body's own padding.
    const simdjson::padded_string_view json(body.data() + pos, end - pos, body.capacity() - pos);
    dom::element root;
    if (!detail::parse_dom(state_->dom, json, limits_, item, root, err)) return failed();
    core::Alert& alert = out.emplace_back();
    if (!decode_hec_event(root, hec, item, limits_, ctx, alert, &result.skipped_fields, err)) {
      out.pop_back();
      return failed();
    }
    ++result.accepted;
    pos = skip_space(text, end);
  }
  return result;
}

namespace {

// One /raw line: a JSON object is an event's fields, anything else its message.
bool decode_raw_line(std::string_view line, dom::parser& parser, const HecContext& hec,
                     const Item& item, const Limits& limits, const DecodeContext& ctx,
                     core::Alert& out, size_t* skipped, DecodeError& err) {
  AlertBuilder builder(limits, item, skipped);
  const std::pair<std::string_view, std::string_view> meta[] = {{"host", hec.host},
                                                                {"source", hec.source},
                                                                {"sourcetype", hec.sourcetype},
                                                                {"index", hec.index}};
  for (auto [key, value] : meta) {
    if (!builder.label(key, value, err)) return false;
  }
  auto status = core::AlertStatus::firing;
  dom::element root;
  if (line.front() == '{' && !parser.parse(line.data(), line.size()).get(root) &&
      root.is_object()) {
    event_fields(root.get_object().value_unsafe(), hec, builder);
    status = status_of(root);
  } else if (!builder.annotation("message", line, err)) {
    return false;
  }
  if (!alertname(builder, err) || !builder.finish(out, ctx, err)) return false;
  set_times(out, status, ctx.now);
  out.source = "splunk";
  return true;
}

}  // namespace

DecodeResult Decoder::hec_raw(std::string& body, const DecodeContext& ctx, const HecContext& hec,
                              std::vector<core::Alert>& out) {
  DecodeResult result;
  DecodeError err;
  if (!detail::prepare_body(body, limits_, err)) {
    result.error = std::move(err);
    return result;
  }
  std::string_view rest(body);
  rest.remove_prefix(detail::bom_length(rest));
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    const Item item{"event", result.accepted};
    if (result.accepted == std::min(hec.max_events, limits_.max_alerts_per_request)) {
      detail::fail(err, reason::kTooManyAlerts, item,
                   fmt::format("more than {} events in one request",
                               std::min(hec.max_events, limits_.max_alerts_per_request)));
      break;
    }
    if (!simdjson::validate_utf8(line.data(), line.size())) {
      detail::fail(err, reason::kInvalidUtf8, item, "not valid UTF-8");
      break;
    }
    core::Alert& alert = out.emplace_back();
    if (!decode_raw_line(line, state_->dom, hec, item, limits_, ctx, alert, &result.skipped_fields,
                         err)) {
      out.pop_back();
      break;
    }
    ++result.accepted;
  }
  if (!err.reason.empty()) result.error = std::move(err);
  return result;
}

DecodeResult Decoder::splunk_alert(std::string& body, const DecodeContext& ctx,
                                   std::vector<core::Alert>& out) {
  DecodeResult result;
  DecodeError err;
  const Item item{"body", 0};
  dom::element root;
  if (!detail::prepare_body(body, limits_, err) ||
      !detail::parse_dom(state_->dom, detail::padded_body(body), limits_, item, root, err)) {
    result.error = std::move(err);
    return result;
  }
  AlertBuilder builder(limits_, item);
  bool ok = root.is_object() ||
            detail::fail(err, reason::kWrongType, item, "must be a Splunk webhook object");
  dom::object row;
  if (ok && !root["result"].get_object().get(row)) builder.object_fields(row, "", 1);
  std::string_view name;
  if (ok && (root["search_name"].get_string().get(name) || name.empty())) {
    // Splunk's own example sends null: the rule is then unknown.
    name = "splunk_alert";
  }
  ok = ok && builder.label("alertname", name, err);
  for (std::string_view key : {"sid", "app", "owner", "results_link"}) {
    std::string_view text;
    if (ok && !root[key].get_string().get(text)) ok = builder.annotation(key, text, err);
  }
  if (ok && builder.finish(out.emplace_back(), ctx, err)) {
    set_times(out.back(), core::AlertStatus::firing, ctx.now);
    out.back().source = "splunk";
    result.accepted = 1;
    result.skipped_fields = builder.skipped();
    return result;
  }
  if (ok) out.pop_back();
  result.error = std::move(err);
  return result;
}

}  // namespace alertd::ingest
