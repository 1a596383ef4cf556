#include "telemetry/kafka_metrics.h"

namespace alertd::telemetry {

KafkaMetrics::KafkaMetrics(Registry& r)
    : consumed(r.counter("alertd_kafka_messages_consumed_total", "Kafka messages read, by topic.",
                         {"topic"})),
      rejected(r.counter("alertd_kafka_messages_rejected_total",
                         "Kafka messages that did not decode, by topic and reason token.",
                         {"topic", "reason"})),
      dead_lettered(r.counter("alertd_kafka_dead_lettered_total",
                              "Rejected Kafka messages copied to the dead-letter topic, by the "
                              "topic they came from.",
                              {"topic"})),
      dead_letter_errors(r.counter("alertd_kafka_dead_letter_errors_total",
                                   "Rejected Kafka messages the dead-letter topic did not take "
                                   "(logged with topic, partition and offset).",
                                   {"topic"})),
      redelivered(r.counter("alertd_kafka_redelivered_total",
                            "Re-delivered Kafka messages this instance had already journaled, "
                            "skipped by partition and offset.",
                            {"topic"})),
      alerts(r.counter("alertd_kafka_alerts_total",
                       "Alerts taken from Kafka messages (journaled), by topic.", {"topic"})),
      lag(r.gauge("alertd_kafka_consumer_lag",
                  "Messages behind the partition's high watermark, from librdkafka's "
                  "statistics (-1 until known).",
                  {"topic", "partition"})),
      assigned(
          r.gauge("alertd_kafka_partitions_assigned", "Kafka partitions assigned to this instance.")
              .with({})),
      paused(r.gauge("alertd_kafka_partitions_paused",
                     "Assigned Kafka partitions paused because the pipeline refused a batch.")
                 .with({})),
      rebalances(r.counter("alertd_kafka_rebalances_total",
                           "Consumer group rebalances seen, by kind: assign, revoke, lost.",
                           {"kind"})),
      pauses(r.counter("alertd_kafka_pauses_total",
                       "Times the assigned partitions were paused, by the pipeline's refusal.",
                       {"reason"})),
      commit_errors(r.counter("alertd_kafka_commit_errors_total",
                              "Offset commits that failed, by librdkafka error name.", {"reason"})),
      produced(r.counter("alertd_kafka_produced_total",
                         "Messages the brokers acknowledged, by topic (incidents, relay, "
                         "dead letters).",
                         {"topic"})),
      produce_errors(r.counter("alertd_kafka_produce_errors_total",
                               "Deliveries that failed, by topic and librdkafka error name; "
                               "incident changes and relayed alerts are retried.",
                               {"topic", "reason"})),
      produce_queue(r.gauge("alertd_kafka_produce_queue",
                            "Messages waiting for the brokers' acknowledgement, by topic.",
                            {"topic"})),
      brokers_up(r.gauge("alertd_kafka_brokers_up",
                         "Kafka brokers this instance's clients are connected to (librdkafka "
                         "statistics, state UP).")
                     .with({})) {}

}  // namespace alertd::telemetry
