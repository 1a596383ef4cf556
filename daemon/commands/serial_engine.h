#pragma once
// The daemon's stages back to back on one thread, with the clock driven by
// the caller: rule stage -> counting stage -> dedup -> correlator. `alertd
// replay` and `alertd test-rules` run it; the live pipeline runs the same
// stages on their own threads (daemon/pipeline.h). Deterministic: the same
// inputs at the same times give the same incidents.

#include <memory>
#include <vector>

#include "config/config.h"
#include "config/settings.h"
#include "core/incident.h"
#include "core/silence.h"
#include "core/time.h"
#include "correlator/correlator.h"
#include "daemon/update_merger.h"
#include "rules/counting_stage.h"
#include "rules/dedup_stage.h"

namespace alertd::daemon {

struct SerialEngineOptions {
  // Replay reports exact last_seen times: every re-send reaches the
  // correlator, which keeps touches in memory (emit_touches off) and the
  // final state comes from snapshot().
  bool exact_last_seen = true;
};

class SerialEngine {
 public:
  SerialEngine(const config::DaemonConfig& config, std::shared_ptr<const config::Settings> settings,
               SerialEngineOptions options = {});

  /// Starts the clock (settle periods and absence timers count from here).
  void start(core::TimePoint at);
  /// Moves the clock to `at`, running every timer due on the way (1 s steps).
  void advance_to(core::TimePoint at);
  /// One received alert; the clock first moves to its receipt time.
  void process(core::Alert&& alert);
  void set_silences(std::vector<core::Silence> silences);

  /// Every incident so far, in id order, as it is now, with all members.
  const UpdateMerger& incidents();

 private:
  void drain();

  std::shared_ptr<const config::Settings> settings_;
  rules::CountingStage counting_;
  rules::DedupStage shard_;
  correlator::Correlator correlator_;
  UpdateMerger book_{/*keep_audit=*/false};
  std::vector<core::Alert> passed_;
  std::vector<core::AlertEvent> events_;
  std::vector<core::IncidentUpdate> updates_;
  core::TimePoint clock_ = core::kNoTime;
  core::TimePoint next_tick_ = core::kNoTime;
  bool started_ = false;
};

}  // namespace alertd::daemon
