// Generic events (`POST /api/v1/events`, TCP NDJSON, replay files): the
// format any script can write. One event object:
//   {"labels":{...}, "annotations":{...}, "status":"firing"|"resolved",
//    "timestamp":"2026-01-01T00:05:12Z" | 1767225912.5, "source":"...",
//    "generator_url":"..."}
// framed as one object, an array of objects, or one object per line.

#include <fmt/format.h>

#include <cstring>

#include "ingest/formats/common.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {

namespace {

using detail::Item;

struct EventFields {
  bool has_labels = false;
  bool has_annotations = false;
  core::AlertStatus status = core::AlertStatus::firing;
  core::TimePoint timestamp = core::kNoTime;
};

bool read_status(od::value& value, const Item& item, core::AlertStatus& status, DecodeError& err) {
  std::string_view text;
  if (!detail::read_string(value, item, "status", text, err)) return false;
  if (text.empty()) return true;  // null: the default, firing
  auto parsed = core::parse_alert_status(text);
  if (!parsed) {
    return detail::fail(
        err, reason::kWrongType, item,
        fmt::format("status {} is neither \"firing\" nor \"resolved\"", detail::quote(text)));
  }
  status = *parsed;
  return true;
}

bool read_source(od::value& value, const Item& item, const Limits& limits, core::Alert& alert,
                 DecodeError& err) {
  std::string_view text;
  if (!detail::read_string(value, item, "source", text, err)) return false;
  if (text.empty()) return true;  // keep the default, "generic"
  if (text.size() > limits.max_source_bytes) {
    return detail::fail(
        err, reason::kInvalidSource, item,
        fmt::format("source is {} bytes, limit {}", text.size(), limits.max_source_bytes));
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return detail::fail(
          err, reason::kInvalidSource, item,
          fmt::format("source {} contains a control character", detail::quote(text)));
    }
  }
  alert.source.assign(text);
  return true;
}

bool read_field(std::string_view key, od::value& value, const Item& item, size_t field_depth,
                Decoder::State& state, const Limits& limits, EventFields& fields,
                core::Alert& alert, DecodeError& err) {
  if (key == "labels") {
    fields.has_labels = true;
    return detail::read_string_map(value, detail::MapKind::labels, limits, item, state.labels, err);
  }
  if (key == "annotations") {
    fields.has_annotations = true;
    return detail::read_string_map(value, detail::MapKind::annotations, limits, item,
                                   state.annotations, err);
  }
  if (key == "status") return read_status(value, item, fields.status, err);
  if (key == "timestamp") return detail::read_time(value, item, key, true, fields.timestamp, err);
  if (key == "source") return read_source(value, item, limits, alert, err);
  if (key == "generator_url" || key == "generatorURL") {
    std::string_view url;
    if (!detail::read_string(value, item, key, url, err)) return false;
    if (url.size() > limits.max_annotation_value_bytes) {
      return detail::fail(err, reason::kAnnotationTooLong, item,
                          fmt::format("{} is {} bytes, limit {}", key, url.size(),
                                      limits.max_annotation_value_bytes));
    }
    alert.generator_url.assign(url);
    return true;
  }
  return detail::skip_unknown(value, field_depth, limits, item, key, err);
}

// `field_depth` is the document depth of the event's fields: 2 for a root
// object or an NDJSON line, 3 inside an array.
bool decode_event(od::object& object, const Item& item, size_t field_depth, Decoder::State& state,
                  const Limits& limits, const DecodeContext& ctx, core::Alert& alert,
                  DecodeError& err) {
  EventFields fields;
  for (auto entry : object) {
    if (auto code = entry.error()) return detail::json_fail(err, code, item, "");
    od::field& field = entry.value_unsafe();
    std::string_view key;
    if (!detail::read_key(field, item, key, err)) return false;
    if (!read_field(key, field.value(), item, field_depth, state, limits, fields, alert, err)) {
      return false;
    }
  }
  if (!fields.has_labels) {
    return detail::fail(err, reason::kMissingLabels, item, "labels are required");
  }
  detail::store_map(state.labels, alert.labels);
  if (fields.has_annotations) detail::store_map(state.annotations, alert.annotations);
  const core::TimePoint when = fields.timestamp != core::kNoTime ? fields.timestamp : ctx.now;
  alert.status = fields.status;
  if (fields.status == core::AlertStatus::firing) {
    alert.starts_at = when;
  } else {
    alert.ends_at = when;
  }
  detail::finish_alert(alert, ctx);
  return true;
}

// Decodes one root object (a whole body or one NDJSON line) into `out`.
bool decode_root_object(od::document& doc, const Item& item, Decoder::State& state,
                        const Limits& limits, const DecodeContext& ctx,
                        std::vector<core::Alert>& out, DecodeError& err) {
  od::object object;
  if (auto code = doc.get_object().get(object)) return detail::json_fail(err, code, item, "");
  core::Alert& alert = out.emplace_back();
  if (!decode_event(object, item, 2, state, limits, ctx, alert, err) ||
      !detail::check_trailing(doc, item, err)) {
    out.pop_back();
    return false;
  }
  return true;
}

bool is_blank(const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    const char c = data[i];
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

DecodeResult Decoder::generic_json(std::string& body, const DecodeContext& ctx,
                                   std::vector<core::Alert>& out) {
  DecodeResult result;
  DecodeError err;
  auto failed = [&]() {
    result.error = std::move(err);
    return result;
  };
  const Item body_item{"body", 0};
  od::document doc;
  od::json_type type = od::json_type::null;
  if (!detail::open_body(state_->parser, body, limits_, body_item, doc, type, err)) {
    return failed();
  }
  if (type == od::json_type::object) {
    if (!decode_root_object(doc, Item{"event", 0}, *state_, limits_, ctx, out, err)) {
      return failed();
    }
    result.accepted = 1;
    return result;
  }
  if (type != od::json_type::array) {
    detail::fail(err, reason::kWrongType, body_item,
                 fmt::format("must be an event object or an array of them, got {}",
                             detail::type_name(type)));
    return failed();
  }
  od::array array;
  if (auto code = doc.get_array().get(array)) {
    detail::json_fail(err, code, body_item, "");
    return failed();
  }
  auto decode_one = [&](od::object& object, const Item& item, core::Alert& alert,
                        DecodeError& error) {
    return decode_event(object, item, 3, *state_, limits_, ctx, alert, error);
  };
  if (!detail::decode_items(array, "event", limits_, out, result, err, decode_one) ||
      !detail::check_trailing(doc, Item{"body", result.accepted}, err)) {
    return failed();
  }
  return result;
}

// Lines are split with memchr and each is parsed as its own document: that
// gives exact first-bad-line indexes (iterate_many cannot tell where a broken
// document ends) and keeps the prefix before a bad line.
DecodeResult Decoder::generic_ndjson(std::string& body, const DecodeContext& ctx,
                                     std::vector<core::Alert>& out) {
  DecodeResult result;
  if (!detail::prepare_body(body, limits_, result.error.emplace())) return result;
  result.error.reset();
  DecodeError err;
  const char* data = body.data();
  const size_t size = body.size();
  const size_t capacity = body.capacity();
  size_t pos = detail::bom_length(body);
  while (pos < size) {
    const size_t start = pos;
    const void* newline = std::memchr(data + start, '\n', size - start);
    const size_t end =
        newline != nullptr ? static_cast<size_t>(static_cast<const char*>(newline) - data) : size;
    pos = end + 1;
    if (is_blank(data + start, end - start)) continue;
    const Item item{"event", result.accepted};
    od::document doc;
    od::json_type type = od::json_type::null;
    // Each line is padded by the rest of the body and the body's own padding.
    const simdjson::padded_string_view line(data + start, end - start, capacity - start);
    bool ok = result.accepted < limits_.max_alerts_per_request
                  ? detail::open_document(state_->parser, line, item, doc, type, err)
                  : detail::too_many_alerts(limits_, item, err);
    if (ok && type != od::json_type::object) {
      ok = detail::fail(err, reason::kWrongType, item,
                        fmt::format("must be an event object, got {}", detail::type_name(type)));
    }
    if (!ok || !decode_root_object(doc, item, *state_, limits_, ctx, out, err)) {
      result.error = std::move(err);
      return result;
    }
    ++result.accepted;
  }
  return result;
}

}  // namespace alertd::ingest
