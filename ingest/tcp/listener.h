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
#include "ingest/tcp/tls_context.h"
#include "telemetry/daemon_metrics.h"

namespace alertd::ingest::tcp {

/// What the settings in force say, for one chunk; `owner` keeps them alive.
struct SourceSettings {
  uint64_t version = 0;
  const Limits* limits = nullptr;
  const IndexedLabels* indexed = nullptr;
  core::Duration resolve_timeout{0};
  std::shared_ptr<const void> owner;
};

/// How the daemon decided one batch.
struct Verdict {
  bool accepted = false;
  std::string_view reason;        // why not (a static token)
  core::Duration retry_after{0};  // offer the same lines again after it; 0: never
};

struct Hooks {
  std::function<SourceSettings()> settings;
  /// Takes all of `alerts` or none (moved out either way) and calls `done`
  /// once, from any thread.
  std::function<void(std::vector<core::Alert>& alerts, std::function<void(Verdict)> done)> offer;
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
