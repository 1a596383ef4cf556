#pragma once
// The JSON text columns every store backend keeps: label sets (member labels
// and annotations) as JSON objects, silence matchers as a JSON array of
// strings. Written with core::JsonWriter; read back with simdjson's DOM parser
// (the read path is not hot). Values round-trip exactly: unicode, quotes,
// backslashes and control characters included.

#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/result.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks {

/// Replaces `out` with `{"name":"value",...}`.
void write_labels_json(const core::LabelSet& labels, std::string& out);

/// Parses an object of string values. Any other shape is an error with reason
/// "store_corrupt" (the store only ever writes what write_labels_json makes).
core::Result<core::LabelSet> parse_labels_json(simdjson::dom::parser& parser,
                                               std::string_view json);

/// True when `labels` can be written as JSON that reads back: every name and
/// value is valid UTF-8 (simdjson refuses anything else on the way back).
bool labels_are_utf8(const core::LabelSet& labels);

/// Replaces `out` with the JSON array of the matcher texts.
void write_matchers_json(const std::vector<std::string>& matchers, std::string& out);

/// Parses an array of strings; any other shape is "store_corrupt".
core::Result<std::vector<std::string>> parse_matchers_json(simdjson::dom::parser& parser,
                                                           std::string_view json);

}  // namespace alertd::sinks
