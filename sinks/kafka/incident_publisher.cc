#include "sinks/kafka/incident_publisher.h"

#include <spdlog/spdlog.h>

#include "core/incident_json.h"
#include "core/json_writer.h"

namespace alertd::sinks::kafka {

namespace {

bool has_action(const core::IncidentUpdate& u, std::string_view action) {
  for (const auto& e : u.audit) {
    if (e.action == action) return true;
  }
  return false;
}

}  // namespace

std::string_view change_of(const core::IncidentUpdate& u) {
  using S = core::IncidentStatus;
  if (has_action(u, "create")) return "opened";
  if (has_action(u, "reopened")) return "reopened";
  if (has_action(u, "status_change")) {
    if (u.incident.status == S::closed) return "closed";
    if (u.incident.status == S::resolved) return "resolved";
  }
  if (!u.milestones.escalations.empty() || has_action(u, "escalate")) return "escalated";
  if (u.milestones.acknowledged) return "acknowledged";
  return "updated";
}

std::string incident_message(const core::IncidentUpdate& u) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  core::write_incident_fields(w, u.incident);
  w.field("change", change_of(u));
  w.end_object();
  return out;
}

IncidentPublisher::IncidentPublisher(std::unique_ptr<Producer> producer)
    : producer_(std::move(producer)) {}

void IncidentPublisher::committed(std::span<const core::IncidentUpdate> updates) {
  for (const auto& u : updates) {
    if (!producer_->produce(u.incident.id, incident_message(u))) {
      spdlog::error("kafka: the queue to {} is full; the change of {} is not published",
                    producer_->topic(), u.incident.id);
    }
  }
}

}  // namespace alertd::sinks::kafka
