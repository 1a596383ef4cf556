#pragma once
// Label sets as JSON object text, for the labels/annotations columns.
// Written with core::JsonWriter; read back with simdjson's DOM parser (the
// read path is not hot). Values round-trip exactly: unicode, quotes,
// backslashes and control characters included.

#include <string>
#include <string_view>

#include "core/labels.h"
#include "core/result.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::sqlite {

/// Replaces `out` with `{"name":"value",...}`.
void write_labels_json(const core::LabelSet& labels, std::string& out);

/// Parses an object of string values. Any other shape is an error with reason
/// "store_corrupt" (the store only ever writes what write_labels_json makes).
core::Result<core::LabelSet> parse_labels_json(simdjson::dom::parser& parser,
                                               std::string_view json);

/// True when `labels` can be written as JSON that reads back: every name and
/// value is valid UTF-8 (simdjson refuses anything else on the way back).
bool labels_are_utf8(const core::LabelSet& labels);

}  // namespace alertd::sinks::sqlite
