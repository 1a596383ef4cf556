#pragma once
// POST /-/reload and SIGHUP: re-read the config file and apply what can
// change while running. The rules, correlation, incident policy and ingest
// limits go to the pipeline as one new config::Settings; `auth` goes to the
// API as one new set of credentials, so a removed token stops working with
// the reload's answer. Keys that need a restart (config/restart_keys.h) are
// named in the answer and the log. A file with any error changes nothing.

#include <mutex>

#include "api/api_context.h"
#include "config/config.h"
#include "core/result.h"
#include "daemon/app.h"
#include "daemon/pipeline.h"

namespace alertd::daemon {

/// Reloads are serialised: one at a time, HTTP or SIGHUP.
class Reloader {
 public:
  Reloader(const config::DaemonConfig& running, const RunOptions& options, api::ApiContext& api,
           Pipeline& pipeline)
      : running_(running), options_(options), api_(api), pipeline_(pipeline) {}

  core::Result<api::ReloadOutcome> operator()();

 private:
  core::Error fail(core::Error error);

  const config::DaemonConfig& running_;
  const RunOptions& options_;
  api::ApiContext& api_;
  Pipeline& pipeline_;
  std::mutex mutex_;
};

}  // namespace alertd::daemon
