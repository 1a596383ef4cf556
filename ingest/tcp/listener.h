#pragma once
// The TCP NDJSON source (DESIGN.md §1): a listener with its own io threads,
// one io_context each (a connection lives on one thread and needs no strand).
// Each connection reads large chunks, cuts them at the last '\n', decodes the
// whole lines in one call and offers them as one batch. It reads on only once
// the batch is accepted: a refused batch (queues or journal full) is decoded
// and offered again after a delay, so a full daemon stops reading and TCP's
// own flow control pushes back on the sender. Nothing is dropped.
//
// It knows nothing of the HTTP API or the pipeline: the daemon hands it
// Hooks (daemon/tcp_source.cc).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/result.h"
#include "core/time.h"
#include "ingest/formats/decoder.h"
#include "ingest/formats/storable.h"
#include "ingest/source_hooks.h"
#include "ingest/tcp/tls_context.h"
#include "telemetry/daemon_metrics.h"

namespace alertd::ingest::tcp {

using SourceSettings = ingest::SourceSettings;
using Verdict = ingest::Verdict;

struct Hooks {
  std::function<SourceSettings()> settings;
  OfferHook offer;
};

struct Options {
  std::string listen;  // HOST:PORT
  size_t max_line_bytes = 1 << 20;
  size_t max_connections = 1000;
  std::string tenant = "default";
  size_t threads = 2;
  size_t read_bytes = 256 << 10;   // one read, and so about one batch
  core::Duration idle_timeout{0};  // no bytes for this long: closed (0: never)
  core::Duration handshake_timeout = std::chrono::seconds(10);  // TLS only
  TlsContextHolder* tls = nullptr;  // owned by the caller; nullptr: plain TCP
};

class Listener {
 public:
  Listener(Options options, Hooks hooks, const core::Clock& clock, telemetry::Metrics& metrics);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  /// Binds; the bound HOST:PORT. Connections wait in the backlog until start().
  core::Result<std::string> listen();
  void start();
  /// Stops accepting and reading; batches already offered are decided and
  /// answered first (up to `wait`), then the threads end.
  void stop(core::Duration wait);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace alertd::ingest::tcp
