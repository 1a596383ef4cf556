#pragma once
// The incident-management metrics (docs/metrics.md): MTTA and MTTR
// histograms, SLA breaches, escalations, and open incidents by priority and
// status. Fed by the store's writer thread with each committed update, so
// they count what is durable, once.

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/incident.h"
#include "telemetry/registry.h"

namespace alertd::telemetry {

class LifecycleMetrics {
 public:
  explicit LifecycleMetrics(telemetry::Registry& registry);

  /// The active incidents the store held at start-up.
  void restore(const std::vector<core::Incident>& active);
  /// One committed update. Called by the writer thread only.
  void committed(const core::IncidentUpdate& update);

 private:
  static constexpr size_t kStatuses = 4;  // open, in_progress, escalated, pending_vendor
  void move_open(int64_t seq, const core::Incident* now);

  telemetry::HistogramFamily& time_to_acknowledge_;
  telemetry::HistogramFamily& time_to_resolve_;
  telemetry::CounterFamily& sla_breaches_;
  telemetry::CounterFamily& escalations_;
  std::array<std::array<telemetry::Gauge*, kStatuses>, 4> open_{};  // [priority][status]
  absl::flat_hash_map<int64_t, std::pair<core::Priority, core::IncidentStatus>> open_by_seq_;
};

}  // namespace alertd::telemetry
