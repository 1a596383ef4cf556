#include "daemon/reloader.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "config/restart_keys.h"
#include "config/settings.h"
#include "daemon/tcp_source.h"

namespace alertd::daemon {

namespace {

std::string joined(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

// New handshakes take the renewed certificate; a file that does not load
// keeps the running one, and the answer says so.
std::string reload_one(std::string_view key, ingest::tcp::TlsContextHolder* holder,
                       const config::TlsConfig& tls) {
  if (holder == nullptr) {
    return tls.enabled() ? fmt::format("; {}: turning TLS on needs a restart", key) : "";
  }
  if (!tls.enabled()) return fmt::format("; {}: turning TLS off needs a restart", key);
  if (auto error = holder->reload(tls_files(tls))) {
    spdlog::error("reload: {}: {}; the running certificate stays", key, error->message);
    return fmt::format("; {}: {}; the running certificate stays", key, error->message);
  }
  return fmt::format("; {}: certificate reloaded", key);
}

}  // namespace

core::Error Reloader::fail(core::Error error) {
  api_.metrics.reloads(false).inc();
  api_.metrics.last_reload_ok.set(0);
  spdlog::error("reload failed; the running settings stay in place:\n{}", error.message);
  return error;
}

std::string Reloader::reload_tls(const config::DaemonConfig& loaded) {
  return reload_one("http.tls", http_tls_, loaded.http.tls) +
         reload_one("sources.tcp.tls", tcp_tls_, loaded.sources.tcp.tls);
}

core::Result<api::ReloadOutcome> Reloader::operator()() {
  std::lock_guard lock(mutex_);
  auto loaded = options_.config_file.empty()
                    ? config::parse_config(config::embedded_default_config(), "<embedded defaults>")
                    : config::load_config_file(options_.config_file);
  if (!loaded) return fail(loaded.error());
  if (!options_.listen.empty()) loaded->http.listen = options_.listen;
  auto settings = config::make_settings(*loaded, pipeline_.settings()->version + 1);
  if (!settings) return fail(settings.error());

  // Both are built before either is swapped in: nothing below can fail.
  auto credentials = api::make_credentials(loaded->auth);
  pipeline_.reload(*settings);
  api_.credentials.store(std::move(credentials), std::memory_order_release);

  api::ReloadOutcome outcome;
  outcome.summary = config::rules_summary((*settings)->rules->size(), (*settings)->correlation) +
                    "; " + api::auth_summary(loaded->auth) + reload_tls(*loaded);
  outcome.restart_needed = config::restart_needed(running_, *loaded);
  api_.metrics.reloads(true).inc();
  api_.metrics.last_reload_ok.set(1);
  spdlog::info("reloaded {}: {}", running_.origin, outcome.summary);
  if (!outcome.restart_needed.empty()) {
    spdlog::warn("reload: restart needed for: {} (changed in the file; the running values stay)",
                 joined(outcome.restart_needed));
  }
  return outcome;
}

}  // namespace alertd::daemon
