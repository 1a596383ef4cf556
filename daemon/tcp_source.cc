#include "daemon/tcp_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "api/engine.h"
#include "config/settings.h"

namespace alertd::daemon {

namespace {

using std::chrono::milliseconds;

// Without an auth: section anyone may send anyway; with one, the listener
// must be opened on purpose or take only client certificates.
std::optional<std::string> auth_problem(const config::DaemonConfig& config) {
  if (!config.auth.enabled) return std::nullopt;
  const auto& open = config.auth.open_ingest;
  if (std::find(open.begin(), open.end(), "tcp") != open.end()) return std::nullopt;
  if (!config.sources.tcp.tls.client_ca_file.empty()) return std::nullopt;
  return "sources.tcp.listen is set and an auth: section is on, but the TCP listener takes no "
         "tokens: list it in auth.open_ingest: [tcp], or require client certificates with "
         "sources.tcp.tls.client_ca_file";
}

ingest::tcp::SourceSettings source_settings(std::shared_ptr<const config::Settings> settings) {
  ingest::tcp::SourceSettings s;
  s.version = settings->version;
  s.limits = &settings->limits;
  s.indexed = &settings->indexed;
  s.resolve_timeout = settings->resolve_timeout;
  s.owner = std::move(settings);
  return s;
}

ingest::tcp::Hooks hooks(api::ApiContext& api, std::shared_ptr<const config::Settings> initial) {
  ingest::tcp::Hooks h;
  h.settings = [&api, initial] {
    auto* engine = api.pipeline.load(std::memory_order_acquire);
    return source_settings(engine != nullptr ? engine->settings() : initial);
  };
  h.offer = [&api](std::vector<core::Alert>& alerts,
                   std::function<void(ingest::tcp::Verdict)> done) {
    auto* engine = api.pipeline.load(std::memory_order_acquire);
    if (engine == nullptr) {
      alerts.clear();
      return done({false, "not_ready", milliseconds(100)});
    }
    engine->offer(alerts,
                  [done = std::move(done)](api::Engine::Offer offer) { done(tcp_verdict(offer)); });
  };
  return h;
}

}  // namespace

ingest::tcp::Verdict tcp_verdict(api::Engine::Offer offer) {
  using O = api::Engine::Offer;
  switch (offer) {
    case O::accepted: return {true, "", {}};
    // Short waits for the queues, longer ones for what takes the store or
    // a person to clear; the sender just sees a slow socket meanwhile.
    case O::queue_full: return {false, "queue_full", milliseconds(10)};
    case O::journal_full: return {false, "journal_full", milliseconds(100)};
    case O::journal_failed: return {false, "journal_failed", milliseconds(1000)};
    case O::active_alert_limit: return {false, "active_alert_limit", milliseconds(5000)};
    case O::too_large: return {false, "body_too_large", {}};
    case O::stopping: break;
  }
  return {false, "shutting_down", {}};
}

ingest::tcp::TlsFiles tls_files(const config::TlsConfig& tls) {
  return {tls.cert_file, tls.key_file, tls.client_ca_file};
}

core::Result<std::unique_ptr<ingest::tcp::TlsContextHolder>> open_listener_tls(
    const config::TlsConfig& tls, std::string_view key) {
  if (!tls.enabled()) return std::unique_ptr<ingest::tcp::TlsContextHolder>();
  auto holder = ingest::tcp::TlsContextHolder::open(tls_files(tls));
  if (!holder) return core::Error{"tls", std::string(key) + ": " + holder.error().message};
  return std::move(*holder);
}

core::Result<TcpSource> open_tcp_source(const config::DaemonConfig& config, api::ApiContext& api) {
  const auto& tcp = config.sources.tcp;
  TcpSource source;
  if (!tcp.enabled()) return source;
  if (auto problem = auth_problem(config)) return core::Error{"tcp_auth", *problem};
  auto tls = open_listener_tls(tcp.tls, "sources.tcp.tls");
  if (!tls) return tls.error();
  source.tls = std::move(*tls);
  auto initial = config::make_settings(config, 0);
  if (!initial) return initial.error();
  ingest::tcp::Options options;
  options.listen = tcp.listen;
  options.max_line_bytes = tcp.max_line_bytes;
  options.max_connections = tcp.max_connections;
  options.tenant = tcp.tenant;
  options.idle_timeout = tcp.idle_timeout;
  options.handshake_timeout = tcp.handshake_timeout;
  options.tls = source.tls.get();
  auto listener = std::make_unique<ingest::tcp::Listener>(
      std::move(options), hooks(api, std::move(*initial)), api.clock, api.metrics);
  auto bound = listener->listen();
  if (!bound) return bound.error();
  const char* transport = !source.tls                      ? "plain TCP"
                          : tcp.tls.client_ca_file.empty() ? "TLS"
                                                           : "TLS, client certificates required";
  spdlog::info(
      "tcp: NDJSON listener bound to {} ({}; tenant {}, max_line_bytes {}, "
      "max_connections {})",
      *bound, transport, tcp.tenant, tcp.max_line_bytes, tcp.max_connections);
  source.listener = std::move(listener);
  return source;
}

}  // namespace alertd::daemon
