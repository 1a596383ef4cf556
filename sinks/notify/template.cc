#include "sinks/notify/template.h"

#include <algorithm>
#include <cstdio>

namespace alertd::sinks::notify {

struct Template::Node {
  enum class Kind : uint8_t { literal, field, if_set, unless_set };
  Kind kind = Kind::literal;
  std::string text;  // the literal, or the field's name
  std::vector<Node> then;
  std::vector<Node> otherwise;
};

namespace {

using Node = Template::Node;

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";

core::Error invalid(size_t offset, std::string message) {
  return core::Error{"invalid_template",
                     "template at byte " + std::to_string(offset) + ": " + std::move(message)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The recursive-descent parser: one level of nodes until `{{/<closer>}}`
// (or `{{else}}`), or the end when closer is empty.
class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string_view>& known)
      : text_(text), known_(known) {}

  core::Status parse(std::vector<Node>& out, std::string_view closer, size_t depth,
                     bool* saw_else) {
    while (pos_ < text_.size()) {
      const size_t open = text_.find("{{", pos_);
      if (open != pos_) {
        const size_t end = open == std::string_view::npos ? text_.size() : open;
        out.push_back({Node::Kind::literal, std::string(text_.substr(pos_, end - pos_)), {}, {}});
        pos_ = end;
        continue;
      }
      const size_t close = text_.find("}}", open + 2);
      if (close == std::string_view::npos) return invalid(open, "{{ without }}");
      const auto tag = trim(text_.substr(open + 2, close - open - 2));
      pos_ = close + 2;
      if (tag == "else") {
        if (saw_else == nullptr || *saw_else) return invalid(open, "{{else}} outside {{#if}}");
        *saw_else = true;
        return {};
      }
      if (tag.starts_with("/")) {
        if (tag.substr(1) != closer)
          return invalid(open, "{{" + std::string(tag) + "}} closes nothing open");
        return {};
      }
      if (auto st = tag_node(tag, open, depth, out); !st) return st;
    }
    if (!closer.empty())
      return invalid(text_.size(), "{{#" + std::string(closer) + "}} not closed");
    return {};
  }

 private:
  core::Status field_name(std::string_view name, size_t at) {
    if (!is_name(name)) return invalid(at, "\"" + std::string(name) + "\" is not a field name");
    if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
      return invalid(at, "unknown field \"" + std::string(name) + "\"");
    }
    return {};
  }

  core::Status tag_node(std::string_view tag, size_t at, size_t depth, std::vector<Node>& out) {
    if (!tag.starts_with("#")) {
      if (auto st = field_name(tag, at); !st) return st;
      out.push_back({Node::Kind::field, std::string(tag), {}, {}});
      return {};
    }
    const size_t space = tag.find(' ');
    const auto word = tag.substr(1, space == std::string_view::npos ? tag.npos : space - 1);
    if (word != "if" && word != "unless") {
      return invalid(at, "{{" + std::string(tag) + "}}: only #if and #unless");
    }
    if (depth + 1 > kMaxTemplateDepth) return invalid(at, "nested deeper than 8");
    const auto name = space == std::string_view::npos ? "" : trim(tag.substr(space));
    if (auto st = field_name(name, at); !st) return st;
    Node node{
        word == "if" ? Node::Kind::if_set : Node::Kind::unless_set, std::string(name), {}, {}};
    bool saw_else = false;
    if (auto st = parse(node.then, word, depth + 1, &saw_else); !st) return st;
    if (saw_else) {
      if (auto st = parse(node.otherwise, word, depth + 1, nullptr); !st) return st;
    }
    out.push_back(std::move(node));
    return {};
  }

  std::string_view text_;
  const std::vector<std::string_view>& known_;
  size_t pos_ = 0;
};

void append_json_escaped(std::string& out, char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (static_cast<unsigned char>(c) < 0x20) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
    out += buf;
  } else {
    out.push_back(c);
  }
}

void append_char(std::string& out, char c, Escape escape, bool markup) {
  if (escape == Escape::header) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
    return;
  }
  if (escape == Escape::html || (escape == Escape::slack_json && !markup)) {
    switch (c) {
      case '&': out += "&amp;"; return;
      case '<': out += "&lt;"; return;
      case '>': out += "&gt;"; return;
      default: break;
    }
  }
  if (escape == Escape::html) {
    if (c == '"') return void(out += "&quot;");
    if (c == '\'') return void(out += "&#39;");
  }
  if (escape == Escape::json || escape == Escape::slack_json) return append_json_escaped(out, c);
  out.push_back(c);
}

// Appends what fits of `value` within `max` bytes of `out`, whole UTF-8
// characters and whole escapes only. False when something was left out.
bool append_bounded(std::string& out, std::string_view value, Escape escape, bool markup,
                    size_t max) {
  std::string piece;
  for (size_t i = 0; i < value.size();) {
    size_t len = 1;
    const auto lead = static_cast<unsigned char>(value[i]);
    if (lead >= 0xF0)
      len = 4;
    else if (lead >= 0xE0)
      len = 3;
    else if (lead >= 0xC0)
      len = 2;
    len = std::min(len, value.size() - i);
    piece.clear();
    for (size_t k = 0; k < len; ++k) append_char(piece, value[i + k], escape, markup);
    if (out.size() + piece.size() > max) return false;
    out += piece;
    i += len;
  }
  return true;
}

bool render_nodes(const std::vector<Node>& nodes, const Fields& fields, Escape escape,
                  std::string& out, size_t max) {
  for (const auto& n : nodes) {
    bool fit = true;
    switch (n.kind) {
      case Node::Kind::literal: fit = append_bounded(out, n.text, Escape::text, true, max); break;
      case Node::Kind::field: {
        const auto v = fields(n.text);
        fit = !v.present || append_bounded(out, v.text, escape, v.markup, max);
        break;
      }
      case Node::Kind::if_set:
      case Node::Kind::unless_set: {
        const auto v = fields(n.text);
        const bool set = v.present && !v.text.empty();
        const bool take = (n.kind == Node::Kind::if_set) == set;
        fit = render_nodes(take ? n.then : n.otherwise, fields, escape, out, max);
        break;
      }
    }
    if (!fit) return false;
  }
  return true;
}

}  // namespace

core::Result<Template> Template::compile(std::string_view text, Escape escape,
                                         const std::vector<std::string_view>& known) {
  if (text.size() > kMaxTemplateBytes) return invalid(kMaxTemplateBytes, "longer than 64 KiB");
  auto nodes = std::make_shared<std::vector<Node>>();
  Parser parser(text, known);
  if (auto st = parser.parse(*nodes, "", 0, nullptr); !st) return st.error();
  Template t;
  t.escape_ = escape;
  t.nodes_ = std::move(nodes);
  return t;
}

bool Template::render(const Fields& fields, std::string& out, size_t max_bytes) const {
  const size_t limit = out.size() + max_bytes - std::min(max_bytes, kEllipsis.size());
  if (nodes_ && render_nodes(*nodes_, fields, escape_, out, limit)) return true;
  out += kEllipsis;
  return false;
}

void append_escaped(std::string& out, std::string_view value, Escape escape, bool markup) {
  for (char c : value) append_char(out, c, escape, markup);
}

}  // namespace alertd::sinks::notify
