#include "sinks/store/label_json.h"

#include <simdjson.h>

#include "core/json_writer.h"

namespace alertd::sinks {

namespace {

core::Error corrupt(std::string_view column, std::string_view why) {
  return core::Error{"store_corrupt",
                     "store: " + std::string(column) + " column is not " + std::string(why)};
}

}  // namespace

void write_labels_json(const core::LabelSet& labels, std::string& out) {
  out.clear();
  core::JsonWriter(out).labels(labels);
}

core::Result<core::LabelSet> parse_labels_json(simdjson::dom::parser& parser,
                                               std::string_view json) {
  simdjson::dom::object object;
  // parse() copies into the parser's padded buffer, so column text that the
  // database client owns can be passed as is.
  if (auto err = parser.parse(json.data(), json.size()).get(object); err) {
    return corrupt("label",
                   std::string("a JSON object of strings: ") + simdjson::error_message(err));
  }
  core::LabelSet labels;
  labels.reserve(object.size());
  for (auto field : object) {
    std::string_view value;
    if (auto err = field.value.get_string().get(value); err) {
      return corrupt("label", "a JSON object of strings: value of '" + std::string(field.key) +
                                  "' is not a string");
    }
    labels.append(std::string(field.key), std::string(value));
  }
  labels.normalize();
  return labels;
}

bool labels_are_utf8(const core::LabelSet& labels) {
  for (const auto& l : labels) {
    if (!simdjson::validate_utf8(l.name.data(), l.name.size()) ||
        !simdjson::validate_utf8(l.value.data(), l.value.size())) {
      return false;
    }
  }
  return true;
}

void write_matchers_json(const std::vector<std::string>& matchers, std::string& out) {
  out.clear();
  core::JsonWriter w(out);
  w.begin_array();
  for (const auto& m : matchers) w.value(m);
  w.end_array();
}

core::Result<std::vector<std::string>> parse_matchers_json(simdjson::dom::parser& parser,
                                                           std::string_view json) {
  auto refuse = [&] {
    return corrupt("silences.matchers", "a JSON array of strings: '" + std::string(json) + "'");
  };
  simdjson::dom::array array;
  if (parser.parse(json.data(), json.size()).get(array) != simdjson::SUCCESS) return refuse();
  std::vector<std::string> out;
  for (auto element : array) {
    std::string_view text;
    if (element.get_string().get(text) != simdjson::SUCCESS) return refuse();
    out.emplace_back(text);
  }
  return out;
}

}  // namespace alertd::sinks
