#pragma once
// Wires Kafka (kafka: in the config) to the pipeline: the consumer
// (ingest/kafka/) offers through Engine::offer like every source, the
// incidents publisher (sinks/kafka/) hears every store commit, and in relay
// mode the relay producer takes the API's and the TCP source's offers.

#include <atomic>
#include <memory>

#include "api/api_context.h"
#include "config/config.h"
#include "core/result.h"
#include "ingest/kafka/consumer.h"
#include "sinks/kafka/incident_publisher.h"
#include "sinks/kafka/producer.h"
#include "telemetry/kafka_metrics.h"

namespace alertd::daemon {

struct KafkaParts {
  /// The pipeline the consumer offers to: set once it is ready, cleared
  /// before it drains (in relay mode api.pipeline is the relay instead).
  using EngineSlot = std::shared_ptr<std::atomic<api::Engine*>>;
  EngineSlot local = std::make_shared<std::atomic<api::Engine*>>(nullptr);
  std::unique_ptr<telemetry::KafkaMetrics> metrics;
  std::unique_ptr<ingest::kafka::Consumer> consumer;           // when topics are listed
  std::unique_ptr<sinks::kafka::IncidentPublisher> publisher;  // when incidents_topic is set
  std::unique_ptr<sinks::kafka::Producer> relay;               // kafka.relay
  bool enabled() const { return metrics != nullptr; }
};

/// Nothing when kafka.brokers is not set. The consumer is made but not
/// started (start it once the pipeline is ready). An error names the
/// property librdkafka refused.
core::Result<KafkaParts> open_kafka(const config::DaemonConfig& config, api::ApiContext& api);

}  // namespace alertd::daemon
