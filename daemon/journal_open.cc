#include "daemon/journal_open.h"

#include <spdlog/spdlog.h>

namespace alertd::daemon {

namespace {
void report_opening(const ingest::journal::OpenReport& report, telemetry::Metrics& metrics) {
  auto& errors = metrics.journal.errors;
  if (report.tail_cut) {
    spdlog::warn(
        "journal: cut {} bytes of a torn tail ({}): a crash interrupted a write; "
        "those alerts were never answered 2xx",
        report.tail_bytes_cut, report.tail_reason);
    errors.with({"torn_tail"}).inc();
  }
  if (report.repaired_records > 0 || report.repaired_bytes > 0) {
    spdlog::error("journal: --journal-repair skipped {} damaged records ({} bytes)",
                  report.repaired_records, report.repaired_bytes);
    errors.with({"repaired"}).inc(std::max<uint64_t>(report.repaired_records, 1));
  }
  for (const auto& note : report.notes) spdlog::warn("journal: {}", note);
  spdlog::info("journal: {} records on disk (through record {})", report.records, report.last_lsn);
}
}  // namespace

core::Result<OpenedJournal> open_journal(const config::DurabilityConfig& config, bool repair,
                                         telemetry::Metrics& metrics) {
  OpenedJournal opened;
  if (!config.journal) {
    spdlog::warn(
        "durability mode none: a 2xx means queued in memory; a crash loses what the "
        "store has not committed");
    return opened;
  }
  ingest::journal::JournalOptions options;
  options.dir = config.dir;
  options.segment_bytes = config.segment_bytes;
  options.fsync_interval =
      std::chrono::duration_cast<std::chrono::microseconds>(config.fsync_interval);
  options.max_bytes = config.max_bytes;
  // One batch is one record; a record must fit in a segment with room to spare.
  options.max_record_bytes = std::min<uint64_t>(16ull << 20, config.segment_bytes / 2);
  options.repair = repair;
  options.on_fsync = [&histogram = metrics.journal.fsync_seconds](double seconds) {
    histogram.observe(seconds);
  };
  auto journal = ingest::journal::Journal::open(std::move(options));
  if (!journal) {
    if (journal.error().reason != "journal_corrupt") return journal.error();
    return core::Error{journal.error().reason,
                       journal.error().message +
                           " (alertd --journal-repair starts past damaged records, skipping and "
                           "counting them: docs/operations.md)"};
  }
  report_opening((*journal)->report(), metrics);
  auto checkpoint = read_checkpoint(config.dir);
  if (!checkpoint) {
    // The store holds what the checkpoint covered; the shards start empty
    // and the whole journal kept on disk replays against the store's guard.
    spdlog::error("{}; replaying the whole journal kept on disk", checkpoint.error().message);
    metrics.journal.errors.with({"checkpoint_invalid"}).inc();
  } else if (*checkpoint) {
    spdlog::info("checkpoint: journal record {}, written {}", (*checkpoint)->lsn,
                 core::format_rfc3339((*checkpoint)->written_at));
    opened.checkpoint = std::move(**checkpoint);
  }
  opened.journal = std::move(*journal);
  return opened;
}

}  // namespace alertd::daemon
