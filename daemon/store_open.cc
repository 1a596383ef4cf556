#include "daemon/store_open.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "sinks/store/postgres/postgres_store.h"
#include "sinks/store/sqlite/sqlite_store.h"

namespace alertd::daemon {

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(250);
constexpr auto kMaxBackoff = std::chrono::seconds(5);
constexpr auto kStopCheck = std::chrono::milliseconds(100);

core::Result<std::unique_ptr<sinks::Store>> open_postgres(
    const config::StoreConfig& config, const sinks::AuditSettings& audit,
    const std::function<bool()>& stop_requested) {
  const auto deadline = std::chrono::steady_clock::now() + config.connect_timeout;
  auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstBackoff);
  for (int attempt = 1;; ++attempt) {
    auto store = sinks::open_postgres_store({.conninfo = config.postgres, .audit = audit});
    if (store.ok() || store.error().reason != "store_unavailable") return store;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return core::Error{store.error().reason,
                         store.error().message + " (gave up after " + std::to_string(attempt) +
                             " attempts within store.connect_timeout " +
                             core::format_duration(config.connect_timeout) + ")"};
    }
    const auto wait = std::min<std::chrono::steady_clock::duration>(backoff, deadline - now);
    spdlog::warn("store not reachable (attempt {}), retrying in {} ms: {}", attempt,
                 std::chrono::duration_cast<std::chrono::milliseconds>(wait).count(),
                 store.error().message);
    // Sleep in slices, so a stop signal during the wait is not ignored.
    for (auto until = now + wait; std::chrono::steady_clock::now() < until;) {
      if (stop_requested && stop_requested()) {
        return core::Error{"store_unavailable", "stopped while waiting for the store"};
      }
      std::this_thread::sleep_for(kStopCheck);
    }
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
  }
}

}  // namespace

core::Result<std::unique_ptr<sinks::Store>> open_configured_store(
    const config::StoreConfig& config, const sinks::AuditSettings& audit,
    const std::function<bool()>& stop_requested) {
  if (config.uses_postgres()) return open_postgres(config, audit, stop_requested);
  return sinks::open_sqlite_store({.path = config.sqlite_path, .audit = audit});
}

std::string describe_store(const config::StoreConfig& config) {
  if (!config.uses_postgres()) return "sqlite store '" + config.sqlite_path + "'";
  auto named = sinks::describe_postgres_target(config.postgres);
  return named.ok() ? *named : "postgres store";
}

}  // namespace alertd::daemon
