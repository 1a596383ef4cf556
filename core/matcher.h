#pragma once
// Label matchers in Alertmanager's syntax: name="value", name!="value",
// name=~"regex", name!~"regex". Regexes are RE2 and fully anchored. As in
// Alertmanager, a missing label has the value "": `team=""` matches alerts
// without `team`, `team!="x"` matches them too.
//
// Used by rules (which alerts a rule takes), inhibition and silences.
// core otherwise has no compiled dependencies; RE2 is the exception, since
// rules/ and correlator/ both need matchers and may share only core.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/result.h"

namespace re2 {
class RE2;
}

namespace alertd::core {

enum class MatchOp : uint8_t { equal, not_equal, regex, not_regex };
std::string_view to_string(MatchOp op);  // "=", "!=", "=~", "!~"

class Matcher {
 public:
  /// Parses `name<op>"value"` (value may also be unquoted, up to the end).
  /// Errors have reason "invalid_matcher" and say what is wrong.
  static Result<Matcher> parse(std::string_view text);
  /// Builds one directly; a bad regex is an "invalid_matcher" error.
  static Result<Matcher> make(std::string name, MatchOp op, std::string value);

  const std::string& name() const { return name_; }
  MatchOp op() const { return op_; }
  const std::string& value() const { return value_; }

  /// Whether a label value satisfies the matcher; nullopt means "absent" (as "").
  bool matches_value(std::optional<std::string_view> value) const;
  bool matches(const LabelSet& labels) const { return matches_value(labels.get(name_)); }
  /// True when the matcher only accepts one exact non-empty value (`name="v"`):
  /// such a matcher can be looked up in an index instead of evaluated.
  bool is_exact() const { return op_ == MatchOp::equal && !value_.empty(); }

  /// The canonical text, `name="value"` with the value escaped; parse(to_string()) round-trips.
  std::string to_string() const;

  friend bool operator==(const Matcher& a, const Matcher& b) {
    return a.name_ == b.name_ && a.op_ == b.op_ && a.value_ == b.value_;
  }

 private:
  std::string name_;
  MatchOp op_ = MatchOp::equal;
  std::string value_;
  std::shared_ptr<const re2::RE2> regex_;  // for =~ and !~; shared so copies are cheap
};

using Matchers = std::vector<Matcher>;

/// Parses each text; the first error names the position in the list (0-based) and the text.
Result<Matchers> parse_matchers(std::span<const std::string> texts);
/// Parses `{a="1", b=~"x|y"}` or the same without braces, comma separated.
Result<Matchers> parse_matcher_list(std::string_view text);

/// All matchers hold (an empty list matches everything).
bool matches_all(const Matchers& matchers, const LabelSet& labels);

}  // namespace alertd::core
