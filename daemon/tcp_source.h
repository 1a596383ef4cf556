#pragma once
// Wires the TCP NDJSON source (ingest/tcp/) to the pipeline: its settings
// come from the settings in force, its batches go through Engine::offer, and
// a refused batch becomes a retry delay (the source stops reading meanwhile).

#include <memory>

#include "api/api_context.h"
#include "config/config.h"
#include "core/result.h"
#include "ingest/tcp/listener.h"

namespace alertd::daemon {

/// The listener of `sources.tcp`, bound but not yet accepting (start() it
/// once the pipeline is ready); nullptr when sources.tcp.listen is not set.
/// An error when it cannot bind, or when an auth: section is on and the
/// listener would let anyone in (neither auth.open_ingest: [tcp] nor
/// client certificates).
core::Result<std::unique_ptr<ingest::tcp::Listener>> open_tcp_source(
    const config::DaemonConfig& config, api::ApiContext& api);

/// How the TCP source treats each answer of Engine::offer.
ingest::tcp::Verdict tcp_verdict(api::Engine::Offer offer);

}  // namespace alertd::daemon
