#pragma once
// A small streaming JSON writer that appends to a std::string. Used for API
// responses, replay output and JSON columns in the store; simdjson parses,
// this writes. Commas are inserted automatically.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/time.h"

namespace alertd::core {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// Writes `"name":`; the next value call completes the member.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<uint64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();
  /// RFC 3339, or null for kNoTime.
  JsonWriter& time(TimePoint t);
  /// An object of label name -> value.
  JsonWriter& labels(const LabelSet& labels);
  /// Inserts already-serialized JSON as one value.
  JsonWriter& raw(std::string_view json);

  /// Shorthands for `key(k).value(v)`.
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

 private:
  void separate();

  std::string& out_;
  std::vector<bool> first_;  // per open container: no member written yet
  bool after_key_ = false;
};

/// Appends `s` as a JSON string literal (quoted, escaped).
void append_json_string(std::string& out, std::string_view s);

}  // namespace alertd::core
