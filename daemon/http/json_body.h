#pragma once
// Request bodies of the management API (silences, incident lifecycle):
// one JSON object, decoded with simdjson On-Demand, every refusal a
// Refusal with the status and reason token the client gets.

#include <simdjson.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace alertd::daemon::http {

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

/// Cuts client text for an error message.
std::string clip(std::string_view s);

}  // namespace alertd::daemon::http
