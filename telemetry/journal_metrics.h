#pragma once
// The write-ahead journal's metrics (docs/metrics.md): its size on disk,
// fsync latency, errors by reason, records replayed at start-up, and the
// age of the checkpoint that bounds the replay.

#include <string_view>

#include "telemetry/registry.h"

namespace alertd::telemetry {

/// Why the journal failed, as `alertd_journal_errors_total{reason}` names it.
inline constexpr std::string_view kJournalErrorReasons[] = {"enospc",
                                                            "eio",
                                                            "efbig",
                                                            "fsync",
                                                            "open",
                                                            "other",
                                                            "read",
                                                            "full",
                                                            "torn_tail",
                                                            "repaired",
                                                            "checkpoint_invalid"};

/// Why a checkpoint was not taken, as `alertd_checkpoints_total{outcome}` names it.
inline constexpr std::string_view kCheckpointOutcomes[] = {"written", "store_behind", "settling",
                                                           "shards_busy", "write_failed"};

struct JournalMetrics {
  explicit JournalMetrics(Registry& r);

  Gauge& bytes;
  Gauge& max_bytes;  // durability.max_bytes: near it, ingest answers 503 journal_full
  Gauge& segments;
  Histogram& fsync_seconds;
  CounterFamily& errors;  // {reason}
  Gauge& replay_records;  // progress of the start-up replay
  Gauge& checkpoint_age_seconds;
  CounterFamily& checkpoints;  // {outcome}
  Gauge& feed_bytes;           // batches held in memory between the journal and the shards
};

}  // namespace alertd::telemetry
