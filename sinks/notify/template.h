#pragma once
// The message template language (issue 15 §3): text with fields and
// conditionals, nothing else, so a template from the config can never run
// code or read what it is not given.
//
//   {{title}}                          a field's value, escaped for the output
//   {{#if owner}}…{{else}}…{{/if}}     the first part when the field is not empty
//   {{#unless acknowledged}}…{{/unless}}
//
// A template is compiled once (check-config and reload report its errors
// with the offset and the field) and rendered per message. Values are
// escaped for where the output goes: inside a JSON string (Slack, Teams,
// PagerDuty, webhook bodies), additionally Slack's mrkdwn control characters
// (& < >, so an alert title cannot ping <!channel>), HTML (email), a mail
// header (line breaks and control characters become spaces: no header
// injection through a title), or plain text. A value alertd made in the output's own markup (a
// Slack <@U…> mention) is marked so and skips the markup step, never the JSON one.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace alertd::sinks::notify {

enum class Escape : uint8_t { text, json, slack_json, html, header };

/// One field's value for a render.
struct FieldValue {
  std::string_view text;
  bool markup = false;  // alertd-made markup for this output (mentions): not markup-escaped
  bool present = true;  // false: the field is unknown to this message (renders as "")
};

/// Looks a field up by name for one render.
using Fields = std::function<FieldValue(std::string_view name)>;

inline constexpr size_t kMaxTemplateBytes = 64 << 10;
inline constexpr size_t kMaxTemplateDepth = 8;  // nested {{#if}}

class Template {
 public:
  /// Compiles `text`; every field it names must be in `known` (the fields a
  /// message has), so a typo fails at check-config, not at 3 a.m. Errors:
  /// reason "invalid_template", with the byte offset.
  static core::Result<Template> compile(std::string_view text, Escape escape,
                                        const std::vector<std::string_view>& known);

  /// Renders into `out` (appended), at most `max_bytes`: beyond, the output
  /// is cut (never mid-escape) and "…" appended; returns false then.
  bool render(const Fields& fields, std::string& out, size_t max_bytes = 256 << 10) const;

  Escape escape() const { return escape_; }

  struct Node;

 private:
  Escape escape_ = Escape::text;
  std::shared_ptr<const std::vector<Node>> nodes_;  // shared: copies are cheap
};

/// Appends `value` escaped as `escape` says (markup: skip the markup step).
void append_escaped(std::string& out, std::string_view value, Escape escape, bool markup);

}  // namespace alertd::sinks::notify
