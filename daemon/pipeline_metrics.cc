// The pipeline's gauges: its bounds, published once, and what its queues,
// stages and journal hold, read each time /metrics is scraped
// (telemetry::Registry::on_collect).

#include <iterator>

#include "daemon/pipeline_shared.h"

namespace alertd::daemon {

void Pipeline::publish_bounds(Shared& s) {
  size_t shard_capacity = 0;
  for (const auto& shard : s.shards) shard_capacity += shard->capacity();
  auto& capacity = s.metrics.queue_capacity;
  capacity.with({"shard"}).set(static_cast<double>(shard_capacity));
  capacity.with({"correlator"}).set(static_cast<double>(s.events.capacity()));
  capacity.with({"store"}).set(static_cast<double>(s.writes.capacity()));
  if (s.journal != nullptr) {
    s.metrics.journal.max_bytes.set(static_cast<double>(s.config.durability.max_bytes));
  }
}

void Pipeline::collect_queue_metrics(Shared& s) {
  size_t shard_depth = 0, active = 0, groups = 0;
  for (size_t i = 0; i < s.shards.size(); ++i) {
    shard_depth += s.shards[i]->depth();
    active += s.shard_active[i].load(std::memory_order_relaxed);
    groups += s.shard_groups[i].load(std::memory_order_relaxed);
  }
  auto& m = s.metrics;
  m.rule_groups.set(static_cast<double>(groups));
  m.rules_loaded.set(static_cast<double>(s.settings.load()->rules->size()));
  m.active_alerts.set(static_cast<double>(active));
  m.queue_depth.with({"shard"}).set(static_cast<double>(shard_depth));
  m.queue_depth.with({"correlator"}).set(static_cast<double>(s.events.depth()));
  m.queue_depth.with({"store"}).set(static_cast<double>(s.writes.depth()));
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
  j.segments.set(static_cast<double>(s.journal->segments()));
  if (s.feed) j.feed_bytes.set(static_cast<double>(s.feed->memory_bytes()));
  if (int64_t at = s.last_checkpoint_ns.load(std::memory_order_relaxed); at != 0) {
    auto now = s.clock.now().time_since_epoch().count();
    j.checkpoint_age_seconds.set(static_cast<double>(now - at) / 1e9);
  }
}

}  // namespace alertd::daemon
