#include "ingest/formats/builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace alertd::ingest::detail {

namespace {

// Field names that hold text for people wherever they appear.
bool is_text_name(std::string_view name) {
  for (std::string_view text : {"message", "msg", "summary", "description", "text", "_raw",
                                "errorMessage", "details", "stack", "stacktrace"}) {
    if (name == text) return true;
  }
  return false;
}

auto find(auto& entries, std::string_view name) {
  return std::find_if(entries.begin(), entries.end(),
                      [&](const auto& e) { return e.first == name; });
}

}  // namespace

bool AlertBuilder::set(Entries& entries, MapKind kind, std::string_view name,
                       std::string_view value, DecodeError& err) {
  if (value.empty()) return true;
  if (!check_name(name, kind, limits_, item_, err) ||
      !check_value(name, value, kind, limits_, item_, err)) {
    return false;
  }
  if (auto it = find(entries, name); it != entries.end()) {
    it->second.assign(value);
    return true;
  }
  const size_t max = kind == MapKind::labels ? limits_.max_labels : limits_.max_annotations;
  if (entries.size() == max) {
    return fail(err, kind == MapKind::labels ? reason::kTooManyLabels : reason::kTooManyAnnotations,
                item_, fmt::format("more than {} {}s", max, entry_noun(kind)));
  }
  entries.emplace_back(name, value);
  return true;
}

bool AlertBuilder::label(std::string_view name, std::string_view value, DecodeError& err) {
  return set(labels_, MapKind::labels, name, value, err);
}

bool AlertBuilder::annotation(std::string_view name, std::string_view value, DecodeError& err) {
  return set(annotations_, MapKind::annotations, name, value, err);
}

bool AlertBuilder::fits(const Entries& entries, MapKind kind, std::string_view name,
                        std::string_view value) const {
  const size_t max = kind == MapKind::labels ? limits_.max_labels : limits_.max_annotations;
  const size_t max_value =
      kind == MapKind::labels ? limits_.max_label_value_bytes : limits_.max_annotation_value_bytes;
  // One label is kept free of extracted fields for the alertname the
  // format sets last from them.
  const size_t room = kind == MapKind::labels && max > 1 ? max - 1 : max;
  return entries.size() < room && !name.empty() && name.size() <= limits_.max_label_name_bytes &&
         !has_control_char(name) && value.size() <= max_value &&
         value.find('\0') == std::string_view::npos;
}

void AlertBuilder::field(std::string_view name, std::string_view value) {
  if (value.empty()) return;
  if (find(labels_, name) != labels_.end() || find(annotations_, name) != annotations_.end()) {
    return;  // what the format set, or an earlier field, wins
  }
  const bool text = value.size() > kLabelTextBytes ||
                    value.find_first_of("\r\n") != std::string_view::npos || is_text_name(name);
  auto& entries = text ? annotations_ : labels_;
  const auto kind = text ? MapKind::annotations : MapKind::labels;
  if (!fits(entries, kind, name, value)) {
    ++skipped_;
    return;
  }
  entries.emplace_back(name, value);
}

void AlertBuilder::field_as(MapKind kind, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  auto& entries = kind == MapKind::labels ? labels_ : annotations_;
  if (find(entries, name) != entries.end()) return;
  if (!fits(entries, kind, name, value)) {
    ++skipped_;
    return;
  }
  entries.emplace_back(name, value);
}

bool scalar_text(dom::element value, std::string& out) {
  switch (value.type()) {
    case dom::element_type::STRING:
      out.assign(std::string_view(value.get_string().value_unsafe()));
      return true;
    case dom::element_type::INT64:
      out = std::to_string(value.get_int64().value_unsafe());
      return true;
    case dom::element_type::UINT64:
      out = std::to_string(value.get_uint64().value_unsafe());
      return true;
    case dom::element_type::DOUBLE:
      out = fmt::format("{}", value.get_double().value_unsafe());
      return true;
    case dom::element_type::BOOL:
      out = value.get_bool().value_unsafe() ? "true" : "false";
      return true;
    default: return false;
  }
}

void AlertBuilder::scalar_field(std::string_view name, dom::element value) {
  thread_local std::string text;
  if (scalar_text(value, text)) field(name, text);
}

void AlertBuilder::object_fields(dom::object object, std::string_view prefix, size_t depth_left) {
  if (depth_left == 0) return;
  std::string name;
  for (auto [key, value] : object) {
    name.clear();
    if (!prefix.empty()) {
      name.append(prefix);
      name.push_back('.');
    }
    name.append(key);
    if (value.is_object()) {
      object_fields(value.get_object().value_unsafe(), name, depth_left - 1);
    } else {
      scalar_field(name, value);
    }
  }
}

bool AlertBuilder::has_label(std::string_view name) const {
  return find(labels_, name) != labels_.end();
}

std::string_view AlertBuilder::label_value(std::string_view name) const {
  auto it = find(labels_, name);
  return it == labels_.end() ? std::string_view() : std::string_view(it->second);
}

bool AlertBuilder::finish(core::Alert& alert, const DecodeContext& ctx, DecodeError& err) {
  if (labels_.empty()) return fail(err, reason::kEmptyLabels, item_, "no labels to identify it");
  auto by_name = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::sort(labels_.begin(), labels_.end(), by_name);
  std::sort(annotations_.begin(), annotations_.end(), by_name);
  alert.labels.clear();
  alert.labels.reserve(labels_.size());
  for (const auto& [name, value] : labels_) alert.labels.append_copy(name, value);
  alert.annotations.clear();
  alert.annotations.reserve(annotations_.size());
  for (const auto& [name, value] : annotations_) alert.annotations.append_copy(name, value);
  finish_alert(alert, ctx);
  return true;
}

std::optional<core::TimePoint> epoch_time(dom::element value) {
  double seconds = 0;
  if (value.is_number()) {
    seconds = value.get_double().value_unsafe();
  } else if (value.is_string()) {
    std::string_view text = value.get_string().value_unsafe();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(seconds)) return std::nullopt;
  // Seconds until the year 5138; beyond, the sender meant ms, then µs, then ns.
  for (int i = 0; i < 3 && std::fabs(seconds) >= 1e11; ++i) seconds /= 1000;
  return core::from_epoch_seconds(seconds);
}

bool parse_dom(dom::parser& parser, simdjson::padded_string_view json, const Limits& limits,
               const Item& item, dom::element& root, DecodeError& err) {
  if (parser.max_depth() != limits.max_depth) {
    if (auto code = parser.allocate(std::max<size_t>(json.length(), 4096), limits.max_depth)) {
      return json_fail(err, code, item, "");
    }
  }
  if (auto code = parser.parse(json.data(), json.length(), false).get(root)) {
    return json_fail(err, code, item, "");
  }
  return true;
}

}  // namespace alertd::ingest::detail
