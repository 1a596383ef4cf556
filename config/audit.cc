// `audit:` — the audit chain's key and where its anchor lives
// (sinks/store/audit_anchor.h). The key is a secret: like the auth tokens it
// comes from the environment (`${VAR}`), and no error quotes it.

#include <filesystem>

#include "config/sections.h"

namespace alertd::config {

namespace {
// HMAC-SHA256 takes any length; below this a key is guessable offline from
// one entry and its hash. `openssl rand -hex 32` gives 64.
constexpr size_t kMinKeyBytes = 16;
constexpr size_t kMaxKeyBytes = 4096;
}  // namespace

void read_audit(const YAML::Node& n, Diagnostics& diag, AuditConfig& out) {
  diag.guard([&] {
    check_keys(n, {"key", "anchor_file"}, "audit");
    if (n["key"]) {
      out.key = expand_env(n["key"], "audit.key");
      if (out.key.size() < kMinKeyBytes || out.key.size() > kMaxKeyBytes) {
        throw ConfigError(n["key"], "audit.key: expected " + std::to_string(kMinKeyBytes) + " to " +
                                        std::to_string(kMaxKeyBytes) + " bytes, got " +
                                        std::to_string(out.key.size()) +
                                        " (try `openssl rand -hex 32`)");
      }
    }
    if (n["anchor_file"]) {
      out.anchor_file = get_string(n["anchor_file"], "audit.anchor_file");
      if (out.anchor_file.empty()) {
        throw ConfigError(n["anchor_file"], "audit.anchor_file: must not be empty");
      }
    }
  });
}

std::string default_anchor_file(const StoreConfig& store) {
  // Beside the SQLite file, as the journal is; a PostgreSQL store's anchor
  // is still a local file, under ./data.
  auto data_dir = store.uses_postgres() ? std::filesystem::path("./data")
                                        : std::filesystem::path(store.sqlite_path).parent_path();
  return ((data_dir.empty() ? std::filesystem::path(".") : data_dir) / "audit.anchor").string();
}

}  // namespace alertd::config
