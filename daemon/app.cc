#include "daemon/app.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "daemon/http/api_context.h"
#include "daemon/http/responses.h"
#include "daemon/http/router.h"
#include "daemon/http/server.h"
#include "daemon/metrics.h"
#include "daemon/pipeline.h"
#include "daemon/version.h"
#include "sinks/store/sqlite/sqlite_store.h"
#include "telemetry/registry.h"

namespace alertd::daemon {

namespace {

bool write_port_file(const std::string& path, const std::string& address) {
  // Write then rename, so a reader never sees a half-written file.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << address << '\n')) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

http::ServerOptions server_options(const DaemonConfig& config, Metrics& metrics) {
  http::ServerOptions o;
  o.threads = config.http.threads;
  o.max_body_bytes = config.http.max_body_bytes;
  o.read_timeout = config.http.read_timeout;
  o.max_connections = config.http.max_connections;
  o.refuse = [&metrics](unsigned status, std::string_view reason, std::string_view detail) {
    metrics.rejected(reason).inc();
    return http::error_response(status, reason, detail);
  };
  return o;
}

// Waits for a stop signal. SIGHUP is taken (so it does not kill the daemon)
// and logged; rule reload arrives with the rule engine.
int wait_for_stop(const sigset_t& signals) {
  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP received: nothing to reload yet");
      continue;
    }
    return sig;
  }
}

}  // namespace

int run_daemon(const DaemonConfig& config, const RunOptions& options) {
  // Every thread started from here on inherits this mask, so the signals
  // reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  spdlog::info("alertd {} ({}) starting with config from {}", kVersion, kRevision, config.origin);
  telemetry::Registry registry;
  Metrics metrics(registry);
  core::SystemClock clock;
  http::ApiContext api{config, metrics, clock};
  http::Router router;
  http::add_ingest_routes(router, api);
  http::add_incident_routes(router, api);
  http::add_ops_routes(router, api);

  http::Server server(server_options(config, metrics),
                      [&router](http::Request& request) { return router.dispatch(request); });
  auto bound = server.listen(config.http.listen);
  if (!bound) {
    spdlog::critical("{}", bound.error().message);
    return 1;
  }
  spdlog::info("listening on http://{}", *bound);
  if (!options.port_file.empty() && !write_port_file(options.port_file, *bound)) {
    spdlog::critical("cannot write the port file {}", options.port_file);
    return 1;
  }
  server.start();  // /-/healthy answers from here on; /-/ready once the store is open

  auto store = sinks::open_sqlite_store({.path = config.store.sqlite_path});
  if (!store) {
    spdlog::critical("cannot open the store: {}", store.error().message);
    server.stop();
    return 1;
  }
  auto active = (*store)->load_active();
  if (!active) {
    spdlog::critical("cannot read active incidents from the store: {}", active.error().message);
    server.stop();
    return 1;
  }
  spdlog::info("store {} open: {} active incidents, next id INC-{}", config.store.sqlite_path,
               active->incidents.size(), active->max_seq + 1);

  Pipeline pipeline(config, metrics, **store, clock);
  pipeline.start(std::move(*active));
  api.store.store(store->get(), std::memory_order_release);
  api.pipeline.store(&pipeline, std::memory_order_release);
  spdlog::info("ready: {} shards, queue capacity {} per shard", config.pipeline.shards,
               config.pipeline.queue_capacity);

  int sig = wait_for_stop(signals);
  spdlog::info("received {}: stopping intake and draining queues", strsignal(sig));
  server.stop();
  pipeline.stop_and_drain();
  spdlog::info("drained and committed; bye");
  return 0;
}

}  // namespace alertd::daemon
