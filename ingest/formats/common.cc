#include "ingest/formats/common.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/fingerprint.h"

namespace alertd::ingest::detail {

namespace {

constexpr size_t kQuoteBytes = 64;

std::string prefix(const Item& item) {
  if (item.noun == "body") return "body";
  return fmt::format("{} {}", item.noun, item.index);
}

// Sorts by name and rejects a name given twice (a JSON object with a repeated
// key: which value was meant is unknowable, so neither is guessed).
bool sort_unique(std::vector<KeyValue>& scratch, MapKind kind, const Item& item, DecodeError& err) {
  // Names are non-empty here; comparing the first byte inline settles most
  // pairs without a memcmp call. Prometheus sends names sorted already, and
  // std::sort's insertion sort then costs n - 1 comparisons.
  std::sort(scratch.begin(), scratch.end(), [](const KeyValue& a, const KeyValue& b) {
    if (a.name[0] != b.name[0]) {
      return static_cast<unsigned char>(a.name[0]) < static_cast<unsigned char>(b.name[0]);
    }
    return a.name < b.name;
  });
  for (size_t i = 1; i < scratch.size(); ++i) {
    if (scratch[i].name == scratch[i - 1].name) {
      return fail(err, reason::kDuplicateLabel, item,
                  fmt::format("{} {} is given twice", entry_noun(kind), quote(scratch[i].name)));
    }
  }
  return true;
}

// Deepest container nesting inside raw JSON text that simdjson already walked.
size_t nesting(std::string_view raw) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{': deepest = std::max(deepest, ++depth); break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return deepest;
}

}  // namespace

bool has_control_char(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// The noun used in messages for one entry of the map.
std::string_view entry_noun(MapKind kind) {
  return kind == MapKind::labels ? "label" : "annotation";
}

bool check_name(std::string_view name, MapKind kind, const Limits& limits, const Item& item,
                DecodeError& err) {
  const auto noun = entry_noun(kind);
  if (name.empty()) {
    return fail(err, reason::kEmptyLabelName, item, fmt::format("{} with an empty name", noun));
  }
  if (name.size() > limits.max_label_name_bytes) {
    return fail(err, reason::kLabelNameTooLong, item,
                fmt::format("{} name {} is {} bytes, limit {}", noun, quote(name), name.size(),
                            limits.max_label_name_bytes));
  }
  // Lenient like Alertmanager's UTF-8 mode: any valid UTF-8 (stage 1 checked
  // the body) except control characters, which break logs and exposition.
  if (has_control_char(name)) {
    return fail(err, reason::kInvalidLabelName, item,
                fmt::format("{} name {} contains a control character", noun, quote(name)));
  }
  return true;
}

bool check_value(std::string_view name, std::string_view value, MapKind kind, const Limits& limits,
                 const Item& item, DecodeError& err) {
  const bool labels = kind == MapKind::labels;
  const size_t limit = labels ? limits.max_label_value_bytes : limits.max_annotation_value_bytes;
  if (value.size() <= limit) {
    if (value.find('\0') == std::string_view::npos) return true;
    return fail(err, reason::kNulByte, item,
                fmt::format("{} {}: value contains a NUL byte (\\u0000), which the store cannot "
                            "hold",
                            entry_noun(kind), quote(name)));
  }
  return fail(err, labels ? reason::kLabelValueTooLong : reason::kAnnotationTooLong, item,
              fmt::format("{} {}: value is {} bytes, limit {}", entry_noun(kind), quote(name),
                          value.size(), limit));
}

bool fail(DecodeError& err, std::string_view reason, const Item& item, std::string_view message) {
  err.reason.assign(reason);
  err.index = item.index;
  err.message = prefix(item);
  err.message += ": ";
  err.message += message;
  return false;
}

bool json_fail(DecodeError& err, simdjson::error_code code, const Item& item,
               std::string_view what) {
  std::string_view reason = reason::kInvalidJson;
  std::string detail;
  switch (code) {
    case simdjson::UTF8_ERROR:
      reason = reason::kInvalidUtf8;
      detail = "not valid UTF-8";
      break;
    case simdjson::INCORRECT_TYPE:
      reason = reason::kWrongType;
      detail = "wrong JSON type";
      break;
    case simdjson::DEPTH_ERROR:
      reason = reason::kTooDeep;
      detail = "nested too deeply";
      break;
    case simdjson::EMPTY: detail = "invalid JSON: empty body"; break;
    case simdjson::STRING_ERROR: detail = "invalid JSON: bad string or escape sequence"; break;
    default: detail = fmt::format("invalid JSON: {}", simdjson::error_message(code)); break;
  }
  if (what.empty()) return fail(err, reason, item, detail);
  return fail(err, reason, item, fmt::format("{}: {}", what, detail));
}

std::string_view type_name(od::json_type type) {
  switch (type) {
    case od::json_type::array: return "an array";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "an unknown type";
}

std::string quote(std::string_view text) {
  size_t cut = text.size();
  if (cut > kQuoteBytes) {
    cut = kQuoteBytes;
    // Back up to the first byte of a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out = "\"";
  for (size_t i = 0; i < cut; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      if (c == '"' || c == '\\') out += '\\';
      out += static_cast<char>(c);
    }
  }
  if (cut < text.size()) out += "...";
  out += '"';
  return out;
}

bool prepare_body(std::string& body, const Limits& limits, DecodeError& err) {
  if (body.size() > limits.max_body_bytes) {
    return fail(err, reason::kBodyTooLarge, Item{"body", 0},
                fmt::format("{} bytes, limit {}", body.size(), limits.max_body_bytes));
  }
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; a caller that
  // reserved ahead (the HTTP layer does) pays no copy here.
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
  return true;
}

size_t bom_length(std::string_view body) {
  return body.starts_with("\xEF\xBB\xBF") ? 3 : 0;
}

simdjson::padded_string_view padded_body(const std::string& body) {
  const size_t skip = bom_length(body);
  return simdjson::padded_string_view(body.data() + skip, body.size() - skip,
                                      body.capacity() - skip);
}

bool open_document(od::parser& parser, simdjson::padded_string_view json, const Item& item,
                   od::document& doc, od::json_type& type, DecodeError& err) {
  if (auto code = parser.iterate(json).get(doc)) return json_fail(err, code, item, "");
  if (auto code = doc.type().get(type)) return json_fail(err, code, item, "");
  return true;
}

bool open_body(od::parser& parser, std::string& body, const Limits& limits, const Item& item,
               od::document& doc, od::json_type& type, DecodeError& err) {
  return prepare_body(body, limits, err) &&
         open_document(parser, padded_body(body), item, doc, type, err);
}

bool too_many_alerts(const Limits& limits, const Item& item, DecodeError& err) {
  return fail(err, reason::kTooManyAlerts, item,
              fmt::format("more than {} alerts in one request", limits.max_alerts_per_request));
}

bool open_object(od::value& v, const Item& item, od::object& object, DecodeError& err) {
  od::json_type type = od::json_type::null;
  auto code = get_or_type(v, object, type);
  if (code == simdjson::SUCCESS) return true;
  if (code != simdjson::INCORRECT_TYPE) return json_fail(err, code, item, "");
  return fail(err, reason::kWrongType, item,
              fmt::format("must be an object, got {}", type_name(type)));
}

namespace {
// After a typed get failed: a type mismatch leaves the value unconsumed, so
// its actual type can be read for the message.
simdjson::error_code type_after(od::value& v, simdjson::error_code code, od::json_type& type) {
  if (code != simdjson::INCORRECT_TYPE) return code;
  if (auto type_code = v.type().get(type)) return type_code;
  return simdjson::INCORRECT_TYPE;
}
}  // namespace

simdjson::error_code get_or_type(od::value& v, std::string_view& out, od::json_type& type) {
  if (plain_string(v, out)) return simdjson::SUCCESS;
  return type_after(v, v.get_string().get(out), type);
}

simdjson::error_code get_or_type(od::value& v, od::object& out, od::json_type& type) {
  return type_after(v, v.get_object().get(out), type);
}

bool value_type(od::value& v, od::json_type& type, const Item& item, std::string_view field,
                DecodeError& err) {
  if (auto code = v.type().get(type)) return json_fail(err, code, item, field);
  return true;
}

bool read_string_map(od::value& v, MapKind kind, const Limits& limits, const Item& item,
                     std::vector<KeyValue>& scratch, DecodeError& err) {
  scratch.clear();
  const std::string_view field = kind == MapKind::labels ? "labels" : "annotations";
  od::object object;
  od::json_type type = od::json_type::null;
  if (auto code = get_or_type(v, object, type)) {
    if (code != simdjson::INCORRECT_TYPE) return json_fail(err, code, item, field);
    if (type != od::json_type::null) {
      return fail(err, reason::kWrongType, item,
                  fmt::format("{} must be an object of strings, got {}", field, type_name(type)));
    }
    // As in Go (Alertmanager): null is an absent map.
    if (kind == MapKind::labels)
      return fail(err, reason::kMissingLabels, item, "labels are required");
    return true;
  }
  const size_t max_count = kind == MapKind::labels ? limits.max_labels : limits.max_annotations;
  for (auto entry : object) {
    // Used in place: copying simdjson's result out costs a store-forwarding stall.
    if (auto code = entry.error()) return json_fail(err, code, item, field);
    od::field& f = entry.value_unsafe();
    std::string_view name;
    if (!read_key(f, item, name, err)) return false;
    if (scratch.size() == max_count) {
      return fail(err,
                  kind == MapKind::labels ? reason::kTooManyLabels : reason::kTooManyAnnotations,
                  item, fmt::format("more than {} {}", max_count, field));
    }
    if (!check_name(name, kind, limits, item, err)) return false;
    std::string_view text;
    if (auto code = get_or_type(f.value(), text, type)) {
      const auto what = fmt::format("{} {}", entry_noun(kind), quote(name));
      if (code != simdjson::INCORRECT_TYPE) return json_fail(err, code, item, what);
      return fail(err, reason::kWrongType, item,
                  fmt::format("{}: value must be a string, got {}", what, type_name(type)));
    }
    if (!check_value(name, text, kind, limits, item, err)) return false;
    scratch.push_back(KeyValue{name, text});
  }
  if (kind == MapKind::labels && scratch.empty()) {
    return fail(err, reason::kEmptyLabels, item, "labels must not be empty");
  }
  return sort_unique(scratch, kind, item, err);
}

void store_map(const std::vector<KeyValue>& scratch, core::LabelSet& out) {
  out.clear();
  out.reserve(scratch.size());
  for (const auto& kv : scratch) out.append_copy(kv.name, kv.value);
}

bool read_string(od::value& v, const Item& item, std::string_view field, std::string_view& out,
                 DecodeError& err) {
  od::json_type type = od::json_type::null;
  auto code = get_or_type(v, out, type);
  if (code == simdjson::SUCCESS) {
    if (out.find('\0') == std::string_view::npos) return true;
    return fail(
        err, reason::kNulByte, item,
        fmt::format("{} contains a NUL byte (\\u0000), which the store cannot hold", field));
  }
  if (code != simdjson::INCORRECT_TYPE) return json_fail(err, code, item, field);
  if (type == od::json_type::null) {
    out = {};
    return true;
  }
  return fail(err, reason::kWrongType, item,
              fmt::format("{} must be a string, got {}", field, type_name(type)));
}

bool read_time(od::value& v, const Item& item, std::string_view field, bool allow_epoch,
               core::TimePoint& out, DecodeError& err) {
  std::string_view text;
  od::json_type type = od::json_type::null;
  auto code = get_or_type(v, text, type);
  if (code == simdjson::SUCCESS) {
    auto parsed = core::parse_rfc3339(text);
    if (!parsed) {
      return fail(err, reason::kInvalidTimestamp, item,
                  fmt::format("{}: {} is not an RFC 3339 time", field, quote(text)));
    }
    out = *parsed;
    return true;
  }
  if (code != simdjson::INCORRECT_TYPE) return json_fail(err, code, item, field);
  if (type == od::json_type::null) {
    out = core::kNoTime;
    return true;
  }
  if (type == od::json_type::number && allow_epoch) {
    double seconds = 0;
    if (auto number_code = v.get_double().get(seconds)) {
      return json_fail(err, number_code, item, field);
    }
    auto parsed = core::from_epoch_seconds(seconds);
    if (!parsed) {
      return fail(err, reason::kInvalidTimestamp, item,
                  fmt::format("{}: {} is not a valid epoch time in seconds", field, seconds));
    }
    out = *parsed;
    return true;
  }
  return fail(
      err, reason::kWrongType, item,
      fmt::format("{} must be {}, got {}", field,
                  allow_epoch ? "an RFC 3339 string or epoch seconds" : "an RFC 3339 string",
                  type_name(type)));
}

bool skip_unknown(od::value& v, size_t depth, const Limits& limits, const Item& item,
                  std::string_view field, DecodeError& err) {
  od::json_type type = od::json_type::null;
  if (!value_type(v, type, item, field, err)) return false;
  std::string_view raw;
  if (type == od::json_type::array) {
    od::array array;
    if (auto code = v.get_array().get(array)) return json_fail(err, code, item, field);
    if (auto code = array.raw_json().get(raw)) return json_fail(err, code, item, field);
  } else if (type == od::json_type::object) {
    od::object object;
    if (auto code = v.get_object().get(object)) return json_fail(err, code, item, field);
    if (auto code = object.raw_json().get(raw)) return json_fail(err, code, item, field);
  } else {
    return true;  // a scalar: the object iterator skips it
  }
  // On-Demand skips containers without recursion, so depth is no risk to us;
  // the limit is policy: such bodies are junk or an attack.
  if (depth + nesting(raw) - 1 > limits.max_depth) {
    return fail(
        err, reason::kTooDeep, item,
        fmt::format("field {}: JSON nesting deeper than {}", quote(field), limits.max_depth));
  }
  return true;
}

void finish_alert(core::Alert& alert, const DecodeContext& ctx) {
  alert.tenant.assign(ctx.tenant);
  alert.received_at = ctx.now;
  alert.received_mono_ns = ctx.received_mono_ns;
  alert.fingerprint = core::fingerprint(alert.labels);
}

bool check_trailing(od::document& doc, const Item& item, DecodeError& err) {
  auto location = doc.current_location();
  if (location.error() == simdjson::OUT_OF_BOUNDS) return true;  // consumed to the end
  return fail(err, reason::kInvalidJson, item, "invalid JSON: unexpected content after the value");
}

}  // namespace alertd::ingest::detail
