#pragma once
// A label set: name -> value pairs kept sorted by name with unique names.
// Identity of an alert is its label set (Alertmanager semantics); annotations
// use the same type but never change identity.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alertd::core {

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};

class LabelSet {
 public:
  LabelSet() = default;
  LabelSet(std::initializer_list<Label> labels);

  /// Appends without keeping order; call normalize() after a run of appends.
  /// This is the fast path for decoders, which append every label once.
  void append(std::string name, std::string value) {
    labels_.push_back(Label{std::move(name), std::move(value)});
  }
  /// Like append(), but copies straight from views into place: decoders read
  /// names and values as views into the parser's buffer, and short (SSO)
  /// strings would otherwise be copied three times.
  void append_copy(std::string_view name, std::string_view value) {
    Label& label = labels_.emplace_back();
    label.name.assign(name);
    label.value.assign(value);
  }
  /// Sorts by name. Returns the first duplicated name, if any (the set then
  /// keeps the last value written for it).
  std::optional<std::string> normalize();

  /// Inserts or replaces, keeping the set sorted.
  void set(std::string_view name, std::string_view value);
  bool erase(std::string_view name);
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  void clear() { labels_.clear(); }
  void reserve(size_t n) { labels_.reserve(n); }
  auto begin() const { return labels_.begin(); }
  auto end() const { return labels_.end(); }
  const std::vector<Label>& items() const { return labels_; }

  /// `{a="1", b="2"}` with Prometheus escaping; for logs, titles and group keys.
  std::string to_string() const;

  friend bool operator==(const LabelSet&, const LabelSet&) = default;

 private:
  std::vector<Label> labels_;
};

}  // namespace alertd::core
