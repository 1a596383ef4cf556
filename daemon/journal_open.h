#pragma once
// Start-up of the write-ahead journal: open it (a torn tail is cut, damage
// before the tail stops start-up unless --journal-repair), and read the
// checkpoint the replay begins after.

#include <memory>
#include <optional>

#include "config/config.h"
#include "core/result.h"
#include "daemon/checkpoint_file.h"
#include "ingest/journal/journal.h"
#include "telemetry/daemon_metrics.h"

namespace alertd::daemon {

struct OpenedJournal {
  std::unique_ptr<ingest::journal::Journal> journal;  // null: durability mode none
  std::optional<Checkpoint> checkpoint;
};

core::Result<OpenedJournal> open_journal(const config::DurabilityConfig& config, bool repair,
                                         telemetry::Metrics& metrics);

}  // namespace alertd::daemon
