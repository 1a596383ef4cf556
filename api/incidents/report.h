#pragma once
// The post-incident report (GET /api/v1/incidents/{id}/report): timeline,
// duration, time to acknowledge and resolve against the SLA targets, member
// alerts, escalations, actions and actors, as Markdown for people or JSON
// for tools. Built from what the store keeps; pure, for unit tests.

#include <string>
#include <vector>

#include "core/incident.h"
#include "correlator/lifecycle/lifecycle.h"

namespace alertd::api {

struct ReportInput {
  const core::Incident& incident;
  const std::vector<core::Member>& members;
  const std::vector<core::AuditEntry>& timeline;  // oldest first
  const correlator::LifecyclePolicy& policy;      // the SLA targets
  core::TimePoint now;                            // the end of the duration while still unresolved
  // The timeline holds only the first entries of a longer trail (the
  // caller reads at most sinks::kMaxTimelineRead): the report says so.
  bool timeline_truncated = false;
};

std::string report_markdown(const ReportInput& in);
std::string report_json(const ReportInput& in);

}  // namespace alertd::api
