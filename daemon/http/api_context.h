#pragma once
// What the route handlers share. Owned by the App; handlers run on io threads.

#include <atomic>

#include "core/time.h"
#include "daemon/config.h"
#include "daemon/http/server.h"
#include "daemon/metrics.h"

namespace alertd::sinks {
class IncidentStore;
}
namespace alertd::daemon {
class Pipeline;
}

namespace alertd::daemon::http {

struct ApiContext {
  const DaemonConfig& config;
  Metrics& metrics;
  core::Clock& clock;
  /// Set once the store is open and the pipeline runs; until then the API
  /// answers 503 (and /-/ready says so).
  std::atomic<sinks::IncidentStore*> store{nullptr};
  std::atomic<Pipeline*> pipeline{nullptr};

  bool ready() const { return pipeline.load(std::memory_order_acquire) != nullptr; }
};

class Router;
void add_ingest_routes(Router& router, ApiContext& ctx);
void add_incident_routes(Router& router, ApiContext& ctx);
void add_ops_routes(Router& router, ApiContext& ctx);

/// 503 for requests that arrive before start-up finished.
Response not_ready_response();

}  // namespace alertd::daemon::http
