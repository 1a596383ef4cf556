#include "daemon/config_sections.h"

namespace alertd::daemon {

void read_correlation(const YAML::Node& root, const std::filesystem::path& /*base_dir*/,
                      Diagnostics& diag, correlator::CorrelatorConfig& c) {
  const auto& n = root["correlation"];
  if (!n) return;
  diag.guard([&] {
    check_keys(n, {"group_by", "group_by_fallback", "group_window"}, "correlation");
    if (n["group_by"]) c.group_by = get_string_list(n["group_by"], "correlation.group_by");
    if (n["group_by_fallback"]) {
      c.group_by_fallback =
          get_string_list(n["group_by_fallback"], "correlation.group_by_fallback");
    }
    if (n["group_window"]) {
      c.group_window = get_duration(n["group_window"], "correlation.group_window", false);
    }
  });
}

}  // namespace alertd::daemon
