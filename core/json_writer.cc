#include "core/json_writer.h"

#include <charconv>
#include <cmath>

namespace alertd::core {

namespace {

// Length of the well-formed UTF-8 sequence that starts at s[i] with a byte
// >= 0x80, or 0 (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the range the second byte may take
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return n;
}

// Printable ASCII that JSON takes as it is: written in runs, not per byte.
bool is_plain(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

// Appends the escape of s[i] (a byte that is not plain, or the start of a
// UTF-8 sequence) and returns how many bytes of s it took.
size_t append_special(std::string& out, std::string_view s, size_t i) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto c = static_cast<unsigned char>(s[i]);
  switch (c) {
    case '"': out += "\\\""; return 1;
    case '\\': out += "\\\\"; return 1;
    case '\n': out += "\\n"; return 1;
    case '\r': out += "\\r"; return 1;
    case '\t': out += "\\t"; return 1;
    default: break;
  }
  if (c < 0x20) {
    out += "\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
    return 1;
  }
  if (size_t n = utf8_sequence_length(s, i); n > 0) {
    out.append(s.substr(i, n));
    return n;
  }
  out += "\\ufffd";
  return 1;
}

}  // namespace

// JSON text must be UTF-8 (RFC 8259 §8.1), and what is written here may hold
// bytes from the network (a URL-decoded path, a header): every byte that is
// not part of a well-formed sequence is written as \ufffd.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    size_t run = i;
    while (run < s.size() && is_plain(static_cast<unsigned char>(s[run]))) ++run;
    out.append(s.data() + i, run - i);
    if (run == s.size()) break;
    i = run + append_special(out, s, run);
  }
  out += '"';
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  separate();
  append_json_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t v) {
  separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::value(uint64_t v) {
  separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::value(double v) {
  separate();
  if (!std::isfinite(v)) {
    out_ += "null";  // JSON has no NaN or infinity
    return *this;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::value(bool v) {
  separate();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::time(TimePoint t) {
  if (t == kNoTime) return null();
  return value(format_rfc3339(t));
}

JsonWriter& JsonWriter::labels(const LabelSet& labels) {
  begin_object();
  for (const auto& l : labels) field(l.name, l.value);
  return end_object();
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

}  // namespace alertd::core
