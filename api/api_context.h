#pragma once
// What the route handlers share. Owned by the App; handlers run on io threads.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/background.h"
#include "api/engine.h"
#include "api/server.h"
#include "config/config.h"
#include "core/result.h"
#include "core/time.h"
#include "telemetry/daemon_metrics.h"

namespace alertd::sinks {
class Store;
}

namespace alertd::api {

/// The tokens of `auth:`, indexed for lookup (auth.cc).
class Credentials;
std::shared_ptr<const Credentials> make_credentials(const config::AuthConfig& auth);

struct ReloadOutcome {
  std::string summary;                      // rules, correlation, auth in force
  std::vector<std::string> restart_needed;  // changed keys that apply only after a restart
};

struct ApiContext {
  const config::DaemonConfig& config;
  telemetry::Metrics& metrics;
  core::Clock& clock;
  /// Built from config.auth, and again by each reload that changes `auth`
  /// (swapped whole, so a request sees the old tokens or the new, never a
  /// mix). Handlers ask authorize() (auth.h), not this.
  std::atomic<std::shared_ptr<const Credentials>> credentials{make_credentials(config.auth)};
  /// Set once the store is open and the pipeline runs; until then the API
  /// answers 503 (and /-/ready says so).
  std::atomic<sinks::Store*> store{nullptr};
  std::atomic<Engine*> pipeline{nullptr};

  /// Called after a silence was created or expired, with the store already
  /// updated: hands the current silences to the correlator. Set by the app.
  std::function<void()> silences_changed;
  /// POST /-/reload and SIGHUP: re-reads the config file and applies what
  /// can change while running (rules, correlation, limits, auth), each
  /// swapped in atomically. Returns what was applied and which changed keys
  /// need a restart, or the errors (the running settings stay).
  std::function<core::Result<ReloadOutcome>()> reload;
  /// The API's own off-io threads; shutdown stops and waits for them.
  BackgroundJobs background;

  bool ready() const { return pipeline.load(std::memory_order_acquire) != nullptr; }
};

class Router;
void add_ingest_routes(Router& router, ApiContext& ctx);
void add_incident_routes(Router& router, ApiContext& ctx);
void add_lifecycle_routes(Router& router, ApiContext& ctx);
void add_ops_routes(Router& router, ApiContext& ctx);
void add_silence_routes(Router& router, ApiContext& ctx);
void add_audit_routes(Router& router, ApiContext& ctx);
void add_problem_routes(Router& router, ApiContext& ctx);
void add_store_routes(Router& router, ApiContext& ctx);
void add_oncall_routes(Router& router, ApiContext& ctx);
void add_slack_routes(Router& router, ApiContext& ctx);
void add_notify_routes(Router& router, ApiContext& ctx);
void add_console_routes(Router& router, ApiContext& ctx);
/// Every route above (wiring.cc).
void add_all_routes(Router& router, ApiContext& ctx);

/// The server's limits from `config.http`, with refusals counted in `metrics` (wiring.cc).
ServerOptions server_options(const config::DaemonConfig& config, telemetry::Metrics& metrics);

/// 503 for requests that arrive before start-up finished.
Response not_ready_response();

}  // namespace alertd::api
