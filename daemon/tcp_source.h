#pragma once
// Wires the TCP NDJSON source (ingest/tcp/) to the pipeline: its settings
// come from the settings in force, its batches go through Engine::offer, and
// a refused batch becomes a retry delay (the source stops reading meanwhile).

#include <memory>

#include "api/api_context.h"
#include "config/config.h"
#include "core/result.h"
#include "ingest/tcp/listener.h"
#include "ingest/tcp/tls_context.h"

namespace alertd::daemon {

/// The listener of `sources.tcp` and its TLS context (when sources.tcp.tls
/// is set; a reload loads its files again).
struct TcpSource {
  std::unique_ptr<ingest::tcp::TlsContextHolder> tls;  // declared first: outlives the listener
  std::unique_ptr<ingest::tcp::Listener> listener;
};

/// The listener bound but not yet accepting (start() it once the pipeline
/// is ready); no listener when sources.tcp.listen is not set.
/// An error when it cannot bind, or when an auth: section is on and the
/// listener would let anyone in (neither auth.open_ingest: [tcp] nor
/// client certificates).
core::Result<TcpSource> open_tcp_source(const config::DaemonConfig& config, api::ApiContext& api);

/// The TLS context of a listener's TlsConfig (`key` names it in errors),
/// or nullptr when TLS is off there.
core::Result<std::unique_ptr<ingest::tcp::TlsContextHolder>> open_listener_tls(
    const config::TlsConfig& tls, std::string_view key);

/// The files of a TlsConfig.
ingest::tcp::TlsFiles tls_files(const config::TlsConfig& tls);

/// How the TCP source treats each answer of Engine::offer.
ingest::tcp::Verdict tcp_verdict(api::Engine::Offer offer);

}  // namespace alertd::daemon
