#include "api/json_body.h"

#include <algorithm>
#include <vector>

#include "ingest/formats/common.h"

namespace alertd::api {

namespace od = simdjson::ondemand;

Refusal json_refusal(simdjson::error_code code, std::string_view where) {
  const std::string what =
      std::string(simdjson::error_message(code)) + " (" + std::string(where) + ")";
  if (code == simdjson::UTF8_ERROR) return {400, "invalid_utf8", "the body is not UTF-8: " + what};
  return {400, "invalid_json", "the body is not valid JSON: " + what};
}

/// Reads a string or null (absent) into `out`; anything else is refused.
std::optional<Refusal> read_string(od::value& v, std::string_view field,
                                   std::optional<std::string>& out) {
  od::json_type type;
  if (auto code = v.type().get(type)) return json_refusal(code, field);
  if (type == od::json_type::null) return std::nullopt;
  if (type != od::json_type::string) {
    return Refusal{400, "wrong_type",
                   std::string(field) + " must be a string, got " +
                       std::string(ingest::detail::type_name(type))};
  }
  std::string_view text;
  if (auto code = v.get_string().get(text)) return json_refusal(code, field);
  // \u0000 decodes to a NUL byte, which PostgreSQL text cannot hold.
  if (text.find('\0') != std::string_view::npos) {
    return Refusal{
        400, "nul_byte",
        std::string(field) + " contains a NUL byte (\\u0000), which the store cannot hold"};
  }
  out.emplace(text);
  return std::nullopt;
}

/// Client text quoted back in an error: at most 64 bytes, and valid UTF-8
/// (an id from the URL may hold any bytes), so the answer stays JSON.
std::string clip(std::string_view text) {
  size_t n = std::min<size_t>(text.size(), 64);
  // Never cut a character in half: back up over continuation bytes.
  while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  std::string out(text.substr(0, n));
  if (!simdjson::validate_utf8(out.data(), out.size())) {
    for (auto& c : out) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  return out;
}

std::optional<Refusal> parse_object(const std::string& body, size_t max_bytes,
                                    std::string_view what, const FieldReader& read) {
  if (body.size() > max_bytes) {
    return Refusal{413, "body_too_large",
                   std::string(what) + " is at most " + std::to_string(max_bytes) + " bytes"};
  }
  const simdjson::padded_string json(body);
  od::parser parser;
  od::document doc;
  if (auto code = parser.iterate(json).get(doc)) return json_refusal(code, "body");
  od::json_type type;
  if (auto code = doc.type().get(type)) return json_refusal(code, "body");
  if (type != od::json_type::object) {
    return Refusal{
        400, "wrong_type",
        "the body must be a JSON object, got " + std::string(ingest::detail::type_name(type))};
  }
  od::object object;
  if (auto code = doc.get_object().get(object)) return json_refusal(code, "body");
  std::vector<std::string> seen;
  for (auto entry : object) {
    if (auto code = entry.error()) return json_refusal(code, "body");
    od::field& field = entry.value_unsafe();
    std::string_view key;
    if (auto code = field.unescaped_key().get(key)) return json_refusal(code, "field name");
    const std::string name(key);  // the key's buffer is reused by the value
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return Refusal{400, "duplicate_field", "field \"" + clip(name) + "\" appears twice"};
    }
    seen.push_back(name);
    if (auto r = read(name, field.value())) return r;
  }
  // Consumed to the end, or there is text after the object.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return Refusal{400, "invalid_json", "the body has text after the object"};
  }
  return std::nullopt;
}

std::variant<Fields, Refusal> read_text_fields(const std::string& body, size_t max_bytes,
                                               std::string_view what, std::string_view action,
                                               std::span<const FieldSpec> specs) {
  std::string names;
  for (const auto& s : specs) names += (names.empty() ? "" : ", ") + std::string(s.name);
  Fields fields;
  auto refusal = parse_object(
      body, max_bytes, what, [&](const std::string& key, od::value& v) -> std::optional<Refusal> {
        auto spec = std::find_if(specs.begin(), specs.end(),
                                 [&](const FieldSpec& s) { return s.name == key; });
        if (spec == specs.end()) {
          return Refusal{
              400, "unknown_field",
              "unknown field \"" + clip(key) + "\"; " + std::string(action) + " takes " + names};
        }
        std::optional<std::string> text;
        if (auto r = read_string(v, key, text)) return r;
        if (text && text->size() > spec->max_bytes) {
          return Refusal{400, "field_too_long",
                         key + " is " + std::to_string(text->size()) + " bytes, limit " +
                             std::to_string(spec->max_bytes)};
        }
        if (text) fields.emplace(key, std::move(*text));
        return std::nullopt;
      });
  if (refusal) return std::move(*refusal);
  std::string missing;
  for (const auto& s : specs) {
    auto it = fields.find(s.name);
    if (s.required && (it == fields.end() || it->second.empty())) {
      missing += " " + std::string(s.name);
    }
  }
  if (!missing.empty()) {
    return Refusal{400, "missing_field", "required and missing or empty:" + missing};
  }
  return fields;
}

std::optional<std::string> take(Fields& f, std::string_view name) {
  auto it = f.find(name);
  if (it == f.end()) return std::nullopt;
  return std::move(it->second);
}

}  // namespace alertd::api
