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
#include "ingest/tcp/tls_context.h"

namespace alertd::daemon {

/// Reloads are serialised: one at a time, HTTP or SIGHUP.
class Reloader {
 public:
  Reloader(const config::DaemonConfig& running, const RunOptions& options, api::ApiContext& api,
           Pipeline& pipeline)
      : running_(running), options_(options), api_(api), pipeline_(pipeline) {}

  core::Result<api::ReloadOutcome> operator()();

  /// The TCP listener's TLS context, whose files each reload loads again.
  void set_tcp_tls(ingest::tcp::TlsContextHolder* tls) { tcp_tls_ = tls; }
  /// The HTTP server's (http.tls), likewise.
  void set_http_tls(ingest::tcp::TlsContextHolder* tls) { http_tls_ = tls; }

 private:
  core::Error fail(core::Error error);
  std::string reload_tls(const config::DaemonConfig& loaded);

  const config::DaemonConfig& running_;
  const RunOptions& options_;
  api::ApiContext& api_;
  Pipeline& pipeline_;
  ingest::tcp::TlsContextHolder* tcp_tls_ = nullptr;
  ingest::tcp::TlsContextHolder* http_tls_ = nullptr;
  std::mutex mutex_;
};

}  // namespace alertd::daemon
