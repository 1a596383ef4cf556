#include "core/matcher.h"

#include <re2/re2.h>

namespace alertd::core {

namespace {

Error invalid(std::string message) {
  return Error{"invalid_matcher", std::move(message)};
}

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
// Beyond Prometheus' [a-zA-Z0-9_]: generic JSON senders use dots, dashes and colons.
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == ':' || c == '-';
}

void skip_spaces(std::string_view text, size_t& pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
}

// Reads a double-quoted value with Go escapes (\" \\ \n \t); pos is on the opening quote.
Result<std::string> read_quoted(std::string_view text, size_t& pos) {
  std::string out;
  for (++pos; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '"') {
      ++pos;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++pos == text.size()) break;
    switch (text[pos]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '"':
      case '\\': out += text[pos]; break;
      default: return invalid("unknown escape \\" + std::string(1, text[pos]) + " in value");
    }
  }
  return invalid("value has no closing quote");
}

// One matcher from text[pos..]; in a list an unquoted value ends at ',' or '}'.
Result<Matcher> parse_one(std::string_view text, size_t& pos, bool in_list) {
  skip_spaces(text, pos);
  size_t name_begin = pos;
  if (pos == text.size() || !is_name_start(text[pos])) {
    return invalid("expected a label name at \"" + std::string(text.substr(pos)) + "\"");
  }
  while (pos < text.size() && is_name_char(text[pos])) ++pos;
  std::string name(text.substr(name_begin, pos - name_begin));
  skip_spaces(text, pos);

  MatchOp op;
  std::string_view rest = text.substr(pos);
  if (rest.starts_with("=~")) {
    op = MatchOp::regex;
  } else if (rest.starts_with("!~")) {
    op = MatchOp::not_regex;
  } else if (rest.starts_with("!=")) {
    op = MatchOp::not_equal;
  } else if (rest.starts_with("=")) {
    op = MatchOp::equal;
  } else {
    return invalid("expected =, !=, =~ or !~ after \"" + name + "\"");
  }
  pos += op == MatchOp::equal ? 1 : 2;
  skip_spaces(text, pos);

  std::string value;
  if (pos < text.size() && text[pos] == '"') {
    auto quoted = read_quoted(text, pos);
    if (!quoted) return quoted.error();
    value = std::move(*quoted);
  } else {
    size_t begin = pos;
    while (pos < text.size() && !(in_list && (text[pos] == ',' || text[pos] == '}'))) ++pos;
    value = std::string(text.substr(begin, pos - begin));
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    if (value.find('"') != std::string::npos) return invalid("stray quote in value: " + value);
  }
  return Matcher::make(std::move(name), op, std::move(value));
}

}  // namespace

std::string_view to_string(MatchOp op) {
  switch (op) {
    case MatchOp::equal: return "=";
    case MatchOp::not_equal: return "!=";
    case MatchOp::regex: return "=~";
    case MatchOp::not_regex: return "!~";
  }
  return "?";
}

Result<Matcher> Matcher::make(std::string name, MatchOp op, std::string value) {
  Matcher m;
  m.name_ = std::move(name);
  m.op_ = op;
  m.value_ = std::move(value);
  if (op == MatchOp::regex || op == MatchOp::not_regex) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const RE2>(m.value_, options);
    if (!re->ok()) return invalid("bad regex \"" + m.value_ + "\": " + re->error());
    m.regex_ = std::move(re);
  }
  return m;
}

Result<Matcher> Matcher::parse(std::string_view text) {
  size_t pos = 0;
  auto m = parse_one(text, pos, false);
  if (!m) return invalid(std::string(text) + ": " + m.error().message);
  skip_spaces(text, pos);
  if (pos != text.size()) {
    return invalid(std::string(text) + ": unexpected \"" + std::string(text.substr(pos)) + "\"");
  }
  return m;
}

bool Matcher::matches_value(std::optional<std::string_view> value) const {
  std::string_view v = value.value_or("");
  switch (op_) {
    case MatchOp::equal: return v == value_;
    case MatchOp::not_equal: return v != value_;
    case MatchOp::regex: return RE2::FullMatch(v, *regex_);
    case MatchOp::not_regex: return !RE2::FullMatch(v, *regex_);
  }
  return false;
}

std::string Matcher::to_string() const {
  std::string out = name_;
  out += core::to_string(op_);
  out += '"';
  for (char c : value_) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '"';
  return out;
}

Result<Matchers> parse_matchers(std::span<const std::string> texts) {
  Matchers out;
  out.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto m = Matcher::parse(texts[i]);
    if (!m) return invalid("matcher " + std::to_string(i) + ": " + m.error().message);
    out.push_back(std::move(*m));
  }
  return out;
}

Result<Matchers> parse_matcher_list(std::string_view text) {
  size_t pos = 0;
  skip_spaces(text, pos);
  bool braces = pos < text.size() && text[pos] == '{';
  if (braces) ++pos;
  Matchers out;
  while (true) {
    skip_spaces(text, pos);
    if (pos == text.size() || text[pos] == '}') break;
    auto m = parse_one(text, pos, true);
    if (!m) return m.error();
    out.push_back(std::move(*m));
    skip_spaces(text, pos);
    if (pos < text.size() && text[pos] == ',')
      ++pos;
    else
      break;
  }
  skip_spaces(text, pos);
  if (braces) {
    if (pos == text.size() || text[pos] != '}') return invalid("expected } at the end");
    ++pos;
  }
  skip_spaces(text, pos);
  if (pos != text.size()) {
    return invalid("unexpected \"" + std::string(text.substr(pos)) + "\"");
  }
  return out;
}

bool matches_all(const Matchers& matchers, const LabelSet& labels) {
  for (const auto& m : matchers) {
    if (!m.matches(labels)) return false;
  }
  return true;
}

}  // namespace alertd::core
