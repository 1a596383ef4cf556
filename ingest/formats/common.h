#pragma once
// Internal to ingest/formats: what every JSON decoder shares (simdjson
// plumbing, label-map reading with limits, timestamps, error messages).
// Not part of the module's API; include decoder.h from outside.

#include <simdjson.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/labels.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {

namespace od = simdjson::ondemand;

/// A label or annotation as seen in the body. The views point into the
/// parser's string buffer, which lives until the next iterate().
struct KeyValue {
  std::string_view name;
  std::string_view value;
};

struct Decoder::State {
  od::parser parser;
  simdjson::dom::parser dom;     // the DOM formats (builder.h)
  std::vector<KeyValue> labels;  // scratch, reused for every alert
  std::vector<KeyValue> annotations;
};

namespace detail {

/// The item being decoded, for messages: "alert 3", "event 0".
struct Item {
  std::string_view noun;
  size_t index;
};

/// Fills `err` and returns false, so that callers can `return fail(...)`.
bool fail(DecodeError& err, std::string_view reason, const Item& item, std::string_view message);

/// Maps a simdjson error met while reading `what` (e.g. `field "labels"`).
bool json_fail(DecodeError& err, simdjson::error_code code, const Item& item,
               std::string_view what);

std::string_view type_name(od::json_type type);

/// A name or value shortened and escaped for a message: at most 64 bytes,
/// cut on a UTF-8 boundary, control characters as \xNN.
std::string quote(std::string_view text);

/// Checks the body size and grows the capacity for simdjson's padding.
/// Returns false with `err` set (index 0) when the body is over the limit.
bool prepare_body(std::string& body, const Limits& limits, DecodeError& err);

/// The body as simdjson input, past a UTF-8 byte order mark if one leads
/// (some Windows tools write it; it is not JSON). Call after prepare_body().
simdjson::padded_string_view padded_body(const std::string& body);

/// Length of a leading UTF-8 byte order mark: 3 or 0.
size_t bom_length(std::string_view body);

/// Runs stage 1 on `json` and reads the root value's type. Errors are
/// reported at `item` (the body, or one NDJSON line).
bool open_document(od::parser& parser, simdjson::padded_string_view json, const Item& item,
                   od::document& doc, od::json_type& type, DecodeError& err);

/// prepare_body() then open_document() on the whole body: the start of every
/// decoder whose body is one JSON document. Errors are reported at `item`.
bool open_body(od::parser& parser, std::string& body, const Limits& limits, const Item& item,
               od::document& doc, od::json_type& type, DecodeError& err);

bool too_many_alerts(const Limits& limits, const Item& item, DecodeError& err);

/// Opens an array element as an object; anything else is wrong_type.
bool open_object(od::value& v, const Item& item, od::object& object, DecodeError& err);

/// The content of a string token that has no escape sequence, read straight
/// from the input: the common case for label names and values, and it spares
/// simdjson's unescape (an indirect call and a copy) per string. Stage 1 has
/// already checked that the string is closed, valid UTF-8 and free of raw
/// control characters. Returns false for anything else; the value is left
/// unconsumed (On-Demand skips it) and the caller takes the unescaping path.
inline bool plain_string(const char* begin, size_t bound, std::string_view& out) {
  // Short strings (most names and values): eight bytes at a time (SWAR), the
  // first '"' or '\\' decides. Reading up to 7 bytes past the closing quote
  // stays inside the body's padding.
  static_assert(std::endian::native == std::endian::little, "SWAR scan assumes little-endian");
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  constexpr size_t kSwarBytes = 16;
  for (size_t i = 0; i < kSwarBytes && i < bound; i += 8) {
    uint64_t word;
    std::memcpy(&word, begin + i, sizeof word);
    const uint64_t quotes = word ^ (kOnes * '"');
    const uint64_t slashes = word ^ (kOnes * '\\');
    const uint64_t hits =
        ((quotes - kOnes) & ~quotes & kHighs) | ((slashes - kOnes) & ~slashes & kHighs);
    if (hits == 0) continue;
    // The lowest hit is exact (borrows only disturb bytes above a match).
    const size_t at = i + static_cast<size_t>(std::countr_zero(hits)) / 8;
    if (at >= bound || begin[at] != '"') return false;
    out = std::string_view(begin, at);
    return true;
  }
  if (bound <= kSwarBytes) return false;
  // Longer strings (annotations, URLs): libc's vectorized memchr.
  const void* quote = std::memchr(begin + kSwarBytes, '"', bound - kSwarBytes);
  if (quote == nullptr) return false;
  const auto length = static_cast<size_t>(static_cast<const char*>(quote) - begin);
  if (std::memchr(begin + kSwarBytes, '\\', length - kSwarBytes) != nullptr) return false;
  out = std::string_view(begin, length);
  return true;
}

inline bool plain_string(od::value& v, std::string_view& out) {
  const std::string_view token = v.raw_json_token();
  if (token.size() < 2 || token.front() != '"') return false;
  return plain_string(token.data() + 1, token.size() - 1, out);
}

/// Reads a field's key, unescaped only when it has escapes.
inline bool read_key(od::field& f, const Item& item, std::string_view& key, DecodeError& err) {
  const char* begin = f.key().raw();
  const char* value_start = f.value().raw_json_token().data();
  if (value_start > begin && plain_string(begin, static_cast<size_t>(value_start - begin), key)) {
    return true;
  }
  if (auto code = f.unescaped_key().get(key)) return json_fail(err, code, item, "key");
  return true;
}

/// Reads `v` as a string (unescaped) or an object without asking for its
/// type first, so the common case costs nothing extra. INCORRECT_TYPE means
/// `v` is something else: `type` then says what, and `v` is left unconsumed.
/// Any other error is bad JSON.
simdjson::error_code get_or_type(od::value& v, std::string_view& out, od::json_type& type);
simdjson::error_code get_or_type(od::value& v, od::object& out, od::json_type& type);

/// Reads the type of `v`; a failure is a JSON syntax problem.
bool value_type(od::value& v, od::json_type& type, const Item& item, std::string_view field,
                DecodeError& err);

enum class MapKind { labels, annotations };

bool has_control_char(std::string_view s);
/// "label" or "annotation", for messages.
std::string_view entry_noun(MapKind kind);
/// The rules every label or annotation name and value obeys, in every
/// format: non-empty names without control characters, the byte limits of
/// `limits`, no NUL. Each fills `err` and returns false when broken.
bool check_name(std::string_view name, MapKind kind, const Limits& limits, const Item& item,
                DecodeError& err);
bool check_value(std::string_view name, std::string_view value, MapKind kind, const Limits& limits,
                 const Item& item, DecodeError& err);

/// Reads a JSON object of string -> string into `scratch` (cleared first; null
/// is an absent map: missing_labels for labels, empty annotations),
/// enforcing the limits and name rules, then sorts it by name and rejects
/// duplicates. Values must be strings, so the map adds no nesting of its own.
bool read_string_map(od::value& v, MapKind kind, const Limits& limits, const Item& item,
                     std::vector<KeyValue>& scratch, DecodeError& err);

/// Copies a sorted, unique scratch map into a LabelSet (sorted order kept, so
/// the set is already normalized).
void store_map(const std::vector<KeyValue>& scratch, core::LabelSet& out);

/// Reads an optional string field; null counts as absent (empty view).
bool read_string(od::value& v, const Item& item, std::string_view field, std::string_view& out,
                 DecodeError& err);

/// Reads an RFC 3339 timestamp string (or, when `allow_epoch`, epoch seconds).
/// null and Alertmanager's zero time 0001-01-01T00:00:00Z give kNoTime.
bool read_time(od::value& v, const Item& item, std::string_view field, bool allow_epoch,
               core::TimePoint& out, DecodeError& err);

/// Skips a field we do not know. Containers are checked against max_depth;
/// `depth` is the document depth of the value (the root value has depth 1).
bool skip_unknown(od::value& v, size_t depth, const Limits& limits, const Item& item,
                  std::string_view field, DecodeError& err);

/// Sets what every decoder sets the same way: tenant, receipt times, fingerprint.
void finish_alert(core::Alert& alert, const DecodeContext& ctx);

/// After the root value was read: anything but whitespace left is an error,
/// reported at `item`.
bool check_trailing(od::document& doc, const Item& item, DecodeError& err);

/// Decodes every element of a JSON array of alert objects with
/// `decode_one(od::object&, const Item&, core::Alert&, DecodeError&) -> bool`,
/// appending to `out` and counting in `result.accepted`. Stops at the first
/// bad element (it is not left in `out`) or at the per-request limit.
template <typename DecodeOne>
bool decode_items(od::array& array, std::string_view noun, const Limits& limits,
                  std::vector<core::Alert>& out, DecodeResult& result, DecodeError& err,
                  DecodeOne&& decode_one) {
  size_t index = 0;
  for (auto element : array) {
    const Item item{noun, index};
    od::object object;
    if (auto code = element.error()) return json_fail(err, code, item, "");
    od::value& value = element.value_unsafe();
    if (index == limits.max_alerts_per_request) return too_many_alerts(limits, item, err);
    if (!open_object(value, item, object, err)) return false;
    core::Alert& alert = out.emplace_back();
    if (!decode_one(object, item, alert, err)) {
      out.pop_back();
      return false;
    }
    ++index;
    ++result.accepted;
  }
  return true;
}

}  // namespace detail
}  // namespace alertd::ingest
