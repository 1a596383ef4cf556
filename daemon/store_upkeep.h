#pragma once
// What the store's writer thread does besides
// writing incident updates: the recurrence check for the incidents each
// commit opened (Store::link_recurring), and retention of closed
// incidents (purge_closed), one bounded batch at a time between update
// batches, so neither holds incident writes up for long. Both run on the
// store writer thread, which also runs the lifecycle commands on incidents the
// correlator let go: a purge never races a command on the incident it
// deletes.
//
// A failed check keeps its incidents and is retried with backoff; should
// the daemon stop first, the next incident of the same group key catches
// up (the check links every unlinked incident of the window). A failed
// purge is retried at the next run.

#include <span>
#include <vector>

#include "config/config.h"
#include "core/incident.h"
#include "core/problem.h"
#include "core/time.h"
#include "sinks/store/store.h"
#include "telemetry/daemon_metrics.h"

namespace alertd::daemon {

class StoreUpkeep {
 public:
  StoreUpkeep(sinks::Store& store, telemetry::Metrics& metrics)
      : store_(store), metrics_(metrics) {}

  /// After `writes` committed: checks the incidents they opened.
  void committed(std::span<const core::IncidentUpdate> writes, const core::ProblemPolicy& policy,
                 core::TimePoint now);
  /// Between batches (and when idle): retries a failed check when its
  /// backoff ran out, and runs one retention batch when due.
  void tick(const core::ProblemPolicy& policy, const config::RetentionConfig& retention,
            core::TimePoint now);

 private:
  void check(const core::ProblemPolicy& policy, core::TimePoint now);
  void purge(const config::RetentionConfig& retention, core::TimePoint now);

  sinks::Store& store_;
  telemetry::Metrics& metrics_;
  std::vector<core::OpenedIncident> pending_;  // opened, not checked yet (a check failed)
  core::TimePoint retry_check_at_ = core::kNoTime;
  core::Duration check_backoff_{0};
  core::TimePoint next_purge_at_ = core::kNoTime;  // kNoTime: at the first tick
};

}  // namespace alertd::daemon
