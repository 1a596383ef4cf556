#pragma once
// The Kafka source's and producers' metrics (docs/metrics.md, "Kafka"):
// registered once by the daemon when a kafka: section is configured, and
// shared by the consumer (ingest/kafka/), the incidents publisher and the
// relay (sinks/kafka/).

#include "telemetry/registry.h"

namespace alertd::telemetry {

struct KafkaMetrics {
  explicit KafkaMetrics(Registry& registry);

  CounterFamily& consumed;            // {topic}: messages read from the topic
  CounterFamily& rejected;            // {topic, reason}: messages that did not decode
  CounterFamily& dead_lettered;       // {topic}: rejected messages copied to dead_letter_topic
  CounterFamily& dead_letter_errors;  // {topic}: copies the dead-letter topic did not take
  CounterFamily& redelivered;         // {topic}: re-delivered messages already journaled, skipped
  CounterFamily& alerts;              // {topic}: alerts the messages carried, accepted
  GaugeFamily& lag;                   // {topic, partition}: from librdkafka's statistics
  Gauge& assigned;                    // partitions assigned to this instance
  Gauge& paused;                      // partitions paused by backpressure
  CounterFamily& rebalances;          // {kind}: assign, revoke, lost
  CounterFamily& pauses;              // {reason}: the refusal that paused the partitions
  CounterFamily& commit_errors;       // {reason}: offset commits that failed
  CounterFamily& produced;            // {topic}: messages the brokers acknowledged
  CounterFamily& produce_errors;      // {topic, reason}: deliveries that failed (and are retried)
  GaugeFamily& produce_queue;         // {topic}: messages waiting for the brokers
  Gauge& brokers_up;                  // brokers this instance is connected to
};

}  // namespace alertd::telemetry
