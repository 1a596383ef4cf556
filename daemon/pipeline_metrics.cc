// The pipeline's gauges, read from its queues, stages and journal each time
// /metrics is scraped (telemetry::Registry::on_collect).

#include <iterator>

#include "daemon/pipeline_shared.h"

namespace alertd::daemon {

void Pipeline::collect_queue_metrics(Shared& s) {
  size_t shard_depth = 0, shard_capacity = 0, active = 0, groups = 0;
  for (size_t i = 0; i < s.shards.size(); ++i) {
    shard_depth += s.shards[i]->depth();
    shard_capacity += s.shards[i]->capacity();
    active += s.shard_active[i].load(std::memory_order_relaxed);
    groups += s.shard_groups[i].load(std::memory_order_relaxed);
  }
  auto& m = s.metrics;
  m.rule_groups.set(static_cast<double>(groups));
  m.rules_loaded.set(static_cast<double>(s.settings.load()->rules->size()));
  m.active_alerts.set(static_cast<double>(active));
  auto publish = [&m](const char* queue, size_t depth, size_t capacity) {
    m.queue_depth.with({queue}).set(static_cast<double>(depth));
    m.queue_capacity.with({queue}).set(static_cast<double>(capacity));
  };
  publish("shard", shard_depth, shard_capacity);
  publish("correlator", s.events.depth(), s.events.capacity());
  publish("store", s.writes.depth(), s.writes.capacity());
}

void Pipeline::collect_journal_metrics(Shared& s) {
  auto& j = s.metrics.journal;
  static_assert(std::size(ingest::journal::kErrorReasons) <= kJournalReasonSlots);
  for (size_t i = 0; i < std::size(ingest::journal::kErrorReasons); ++i) {
    auto reason = ingest::journal::kErrorReasons[i];
    uint64_t total = s.journal->errors(reason);
    if (total > s.journal_errors_seen[i]) {
      j.errors.with({std::string(reason)}).inc(total - s.journal_errors_seen[i]);
      s.journal_errors_seen[i] = total;
    }
  }
  j.bytes.set(static_cast<double>(s.journal->bytes()));
  j.max_bytes.set(static_cast<double>(s.config.durability.max_bytes));
  j.segments.set(static_cast<double>(s.journal->segments()));
  if (s.feed) j.feed_bytes.set(static_cast<double>(s.feed->memory_bytes()));
  if (int64_t at = s.last_checkpoint_ns.load(std::memory_order_relaxed); at != 0) {
    auto now = s.clock.now().time_since_epoch().count();
    j.checkpoint_age_seconds.set(static_cast<double>(now - at) / 1e9);
  }
}

}  // namespace alertd::daemon
