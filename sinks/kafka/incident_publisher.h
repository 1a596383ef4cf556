#pragma once
// The incidents topic (kafka.incidents_topic): every committed incident
// change as one JSON message keyed by incident id, so that one incident's
// changes land on one partition in order. The JSON is the API's incident
// (core/incident_json.h) plus `change`: opened, updated, acknowledged,
// escalated, resolved, closed or reopened.
//
// Called on the store writer thread after each commit; it only queues
// (never waits for the brokers). While the brokers are away the messages
// wait in the producer's queue and go out in order when they are back; a
// full queue (producer.h's queue_messages) is counted, never blocks the
// store.

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/incident.h"
#include "sinks/kafka/producer.h"

namespace alertd::sinks::kafka {

/// What one committed update did to its incident, most telling first.
std::string_view change_of(const core::IncidentUpdate& update);

/// The message value: the incident's fields and `change`.
std::string incident_message(const core::IncidentUpdate& update);

class IncidentPublisher {
 public:
  explicit IncidentPublisher(std::unique_ptr<Producer> producer);

  void committed(std::span<const core::IncidentUpdate> updates);
  void stop(core::Duration wait) { producer_->stop(wait); }

 private:
  std::unique_ptr<Producer> producer_;
};

}  // namespace alertd::sinks::kafka
