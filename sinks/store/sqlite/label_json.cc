#include "sinks/store/sqlite/label_json.h"

#include <simdjson.h>

#include "core/json_writer.h"

namespace alertd::sinks::sqlite {

namespace {

core::Error corrupt(std::string_view why) {
  return core::Error{"store_corrupt",
                     "sqlite store: label column is not a JSON object of "
                     "strings: " +
                         std::string(why)};
}

}  // namespace

void write_labels_json(const core::LabelSet& labels, std::string& out) {
  out.clear();
  core::JsonWriter(out).labels(labels);
}

core::Result<core::LabelSet> parse_labels_json(simdjson::dom::parser& parser,
                                               std::string_view json) {
  simdjson::dom::object object;
  // parse() copies into the parser's padded buffer, so column text that
  // SQLite owns can be passed as is.
  if (auto err = parser.parse(json.data(), json.size()).get(object); err) {
    return corrupt(simdjson::error_message(err));
  }
  core::LabelSet labels;
  labels.reserve(object.size());
  for (auto field : object) {
    std::string_view value;
    if (auto err = field.value.get_string().get(value); err) {
      return corrupt("value of '" + std::string(field.key) + "' is not a string");
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

}  // namespace alertd::sinks::sqlite
