#include "ingest/formats/storable.h"

#include <fmt/format.h>

#include <algorithm>

#include "ingest/formats/common.h"

namespace alertd::ingest {

namespace {

// The group key renders each label as `name="value"` joined by ", ", with
// '"', '\' and newlines escaped (core::LabelSet::to_string), so a value takes
// at most twice its bytes. This bound is exact enough to refuse nothing a
// store could keep in practice and costs no allocation.
size_t rendered_bound(std::string_view name, std::string_view value) {
  return name.size() + 2 * value.size() + 5;
}

}  // namespace

IndexedLabels indexed_labels(const std::vector<std::string>& group_by,
                             const std::vector<std::string>& fallback,
                             const std::vector<std::vector<std::string>>& rule_group_by,
                             size_t longest_rule_name) {
  IndexedLabels out;
  out.names = group_by;
  out.names.insert(out.names.end(), fallback.begin(), fallback.end());
  for (const auto& list : rule_group_by)
    out.names.insert(out.names.end(), list.begin(), list.end());
  out.names.emplace_back("service");
  std::sort(out.names.begin(), out.names.end());
  out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
  out.longest_rule_prefix = longest_rule_name;
  return out;
}

size_t check_storable(std::span<const core::Alert> alerts, const IndexedLabels& indexed,
                      std::string_view noun, DecodeError& err) {
  for (size_t i = 0; i < alerts.size(); ++i) {
    size_t key_bound = indexed.longest_rule_prefix + 2;
    std::string widest;
    size_t widest_bytes = 0;
    for (const auto& name : indexed.names) {
      auto value = alerts[i].labels.get(name);
      if (!value) continue;
      const size_t bytes = rendered_bound(name, *value);
      key_bound += bytes;
      if (bytes > widest_bytes) {
        widest_bytes = bytes;
        widest = name;
      }
    }
    if (key_bound <= kMaxIndexedBytes) continue;
    const detail::Item item{noun, i};
    detail::fail(err, reason::kLabelValueTooLong, item,
                 fmt::format("the labels this alert is grouped and indexed by (the longest is "
                             "label {}) take up to {} bytes in the group key, over the store's "
                             "index limit of {}; shorten them",
                             detail::quote(widest), key_bound, kMaxIndexedBytes));
    return i;
  }
  return alerts.size();
}

}  // namespace alertd::ingest
