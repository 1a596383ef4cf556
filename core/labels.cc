#include "core/labels.h"

namespace alertd::core {

namespace {
bool name_less(const Label& a, const Label& b) { return a.name < b.name; }
}  // namespace

LabelSet::LabelSet(std::initializer_list<Label> labels) : labels_(labels) { normalize(); }

std::optional<std::string> LabelSet::normalize() {
  std::stable_sort(labels_.begin(), labels_.end(), name_less);
  std::optional<std::string> duplicate;
  if (labels_.size() < 2) return duplicate;
  // Keep the last value written for a duplicated name, like a JSON object.
  size_t out = 0;
  for (size_t i = 1; i < labels_.size(); ++i) {
    if (labels_[i].name == labels_[out].name) {
      if (!duplicate) duplicate = labels_[i].name;
      labels_[out].value = std::move(labels_[i].value);
    } else if (++out != i) {
      labels_[out] = std::move(labels_[i]);
    }
  }
  labels_.resize(out + 1);
  return duplicate;
}

void LabelSet::set(std::string_view name, std::string_view value) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) {
    it->value.assign(value);
  } else {
    labels_.insert(it, Label{std::string(name), std::string(value)});
  }
}

bool LabelSet::erase(std::string_view name) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it == labels_.end() || it->name != name) return false;
  labels_.erase(it);
  return true;
}

std::optional<std::string_view> LabelSet::get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it == labels_.end() || it->name != name) return std::nullopt;
  return std::string_view(it->value);
}

std::string LabelSet::to_string() const {
  std::string out = "{";
  bool first = true;
  for (const auto& l : labels_) {
    if (!first) out += ", ";
    first = false;
    out += l.name;
    out += "=\"";
    for (char c : l.value) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace alertd::core
