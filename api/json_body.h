#pragma once
// Request bodies of the management API (silences, incident lifecycle):
// one JSON object, decoded with simdjson On-Demand, every refusal a
// Refusal with the status and reason token the client gets.

#include <simdjson.h>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace alertd::api {

/// A refusal: status, reason token, message.
struct Refusal {
  unsigned status = 400;
  std::string reason;
  std::string detail;
};

/// invalid_json or invalid_utf8, naming where.
Refusal json_refusal(simdjson::error_code code, std::string_view where);

/// Reads a string or null (absent) into `out`; anything else is refused.
std::optional<Refusal> read_string(simdjson::ondemand::value& v, std::string_view field,
                                   std::optional<std::string>& out);

/// Called once per member of the object; a refusal stops the parse.
using FieldReader =
    std::function<std::optional<Refusal>(const std::string& key, simdjson::ondemand::value& v)>;

/// Parses `body` as one JSON object of at most `max_bytes`, handing each
/// member to `read`. Refuses a body that is too large (413), not JSON, not
/// an object, has a member twice or text after the object.
std::optional<Refusal> parse_object(const std::string& body, size_t max_bytes,
                                    std::string_view what, const FieldReader& read);

/// One text field a management request may carry.
struct FieldSpec {
  std::string_view name;
  bool required;
  size_t max_bytes;
};
using Fields = std::map<std::string, std::string, std::less<>>;

/// A body of text fields only (null reads as absent): each of `specs` at
/// most its max_bytes, the required ones present and not empty, any other
/// field refused (unknown_field, naming what `action` takes). `what` names
/// the body in the 413.
std::variant<Fields, Refusal> read_text_fields(const std::string& body, size_t max_bytes,
                                               std::string_view what, std::string_view action,
                                               std::span<const FieldSpec> specs);

/// The field's text, moved out; nullopt when absent.
std::optional<std::string> take(Fields& fields, std::string_view name);

/// Cuts client text for an error message.
std::string clip(std::string_view s);

}  // namespace alertd::api
