#include "telemetry/journal_metrics.h"

#include <string>
#include <vector>

namespace alertd::telemetry {

namespace {
std::vector<double> fsync_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
}
}  // namespace

JournalMetrics::JournalMetrics(Registry& r)
    : bytes(r.gauge("alertd_journal_bytes", "Bytes of write-ahead journal segments on disk.")
                .with({})),
      max_bytes(r.gauge("alertd_journal_max_bytes",
                        "durability.max_bytes: the journal size at which ingest answers 503 "
                        "journal_full.")
                    .with({})),
      segments(r.gauge("alertd_journal_segments", "Write-ahead journal segment files on disk.")
                   .with({})),
      fsync_seconds(r.histogram("alertd_journal_fsync_seconds",
                                "Duration of one journal group commit's fsync.", fsync_buckets())
                        .with({})),
      errors(r.counter("alertd_journal_errors_total",
                       "Journal failures by reason: writes refused (a 503 each), records cut "
                       "from a torn tail or skipped by --journal-repair, unreadable checkpoints.",
                       {"reason"})),
      replay_records(r.gauge("alertd_journal_replay_records",
                             "Journal records replayed through the pipeline at start-up, so "
                             "far: the progress of recovery.")
                         .with({})),
      checkpoint_age_seconds(r.gauge("alertd_checkpoint_age_seconds",
                                     "Seconds since the last checkpoint of the shard state was "
                                     "written (the journal replays from it after a crash).")
                                 .with({})),
      checkpoints(r.counter("alertd_checkpoints_total",
                            "Checkpoint attempts by outcome: written, or why not (the store had "
                            "not committed in time, the settle period held alerts, ...).",
                            {"outcome"})),
      feed_bytes(r.gauge("alertd_journal_feed_bytes",
                         "Bytes of journaled alerts held in memory on their way to the shards; "
                         "beyond pipeline.queue_bytes they are read back from the journal.")
                     .with({})) {
  for (auto reason : kJournalErrorReasons) errors.with({std::string(reason)});
  for (auto outcome : kCheckpointOutcomes) checkpoints.with({std::string(outcome)});
}

}  // namespace alertd::telemetry
