#include "daemon/config_sections.h"

namespace alertd::daemon {

void read_rules(const YAML::Node& node, const std::filesystem::path& /*base_dir*/,
                Diagnostics& diag, std::vector<rules::RuleSpec>& /*out*/) {
  diag.guard([&] { throw ConfigError(node, "rules: not supported yet"); });
}

}  // namespace alertd::daemon
