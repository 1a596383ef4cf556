#pragma once
// GET /api/v1/incidents/stats: counts by status and priority, MTTA and MTTR
// (mean, p50, p90), SLA compliance and the escalation rate over the
// incidents opened in a window. Computed from the store's rows, so it is the
// same whichever backend and survives restarts; pure, for unit tests.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/incident.h"
#include "core/json_writer.h"

namespace alertd::api {

struct DurationSummary {
  size_t count = 0;
  double mean = 0, p50 = 0, p90 = 0;  // seconds; nearest-rank percentiles
};

struct IncidentStats {
  size_t incidents = 0;
  std::array<size_t, 6> by_status{};    // in core::IncidentStatus order
  std::array<size_t, 4> by_priority{};  // P1..P4
  DurationSummary time_to_acknowledge;
  DurationSummary time_to_resolve;
  // SLA compliance over the incidents whose clock is decided: acknowledged
  // (or breached) for acknowledge, resolved (or breached) for resolve.
  size_t ack_decided = 0, ack_met = 0;
  size_t resolve_decided = 0, resolve_met = 0;
  size_t escalated = 0;  // reached L2 or beyond
};

IncidentStats compute_stats(const std::vector<core::Incident>& incidents);

/// The JSON body: window as asked, since, and every figure; percentages
/// with one decimal, null when nothing was decided.
void write_stats(core::JsonWriter& w, const IncidentStats& s, std::string_view window,
                 core::TimePoint since, bool truncated);

}  // namespace alertd::api
