#pragma once
// What a source with its own transport (tcp/, kafka/) gets from the daemon:
// the settings in force, and one way to offer a batch and learn how it was
// decided. Sources know nothing of the API or the pipeline; the daemon
// builds these from Engine::offer (daemon/tcp_source.cc, kafka_source.cc).

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/time.h"
#include "ingest/formats/decoder.h"
#include "ingest/formats/storable.h"

namespace alertd::ingest {

/// What the settings in force say, for one batch; `owner` keeps them alive.
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
  core::Duration retry_after{0};  // offer the same batch again after it; 0: never
};

/// Takes all of `alerts` or none (moved out either way) and calls `done`
/// once, from any thread.
using OfferHook =
    std::function<void(std::vector<core::Alert>& alerts, std::function<void(Verdict)> done)>;

}  // namespace alertd::ingest
