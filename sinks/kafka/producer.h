#pragma once
// One idempotent Kafka producer (enable.idempotence, acks=all) for one
// topic, with its own poll thread for delivery reports. Deliveries are
// retried by librdkafka for as long as the brokers are away
// (message.timeout.ms 0): a broker outage delays messages, it does not
// lose them, and the idempotent producer keeps their order per partition.
// Used for the incidents topic and for relayed alerts (sinks/kafka/).

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "core/result.h"
#include "core/time.h"
#include "telemetry/kafka_metrics.h"

namespace alertd::sinks::kafka {

struct ProducerOptions {
  std::string brokers;
  std::string topic;
  std::map<std::string, std::string> properties;  // kafka.properties, already expanded
  size_t queue_messages = 1'000'000;              // waiting for the brokers, at most
};

/// Called once per message on the poll thread: true when the brokers have
/// it, false when it failed for good (a permanent error, or purged at stop).
using Delivered = std::function<void(bool)>;

class Producer {
 public:
  static core::Result<std::unique_ptr<Producer>> create(ProducerOptions options,
                                                        telemetry::KafkaMetrics& metrics);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  /// Queues one message (copied). False when the local queue is full: the
  /// caller decides (the relay refuses the batch; the publisher counts it).
  bool produce(std::string_view key, std::string_view value, Delivered done = {});
  /// Messages not yet acknowledged.
  size_t queued() const;
  /// Waits up to `wait` for the queue to drain, then stops; what is left is
  /// reported as failed.
  void stop(core::Duration wait);

  const std::string& topic() const { return options_.topic; }

 private:
  Producer(ProducerOptions options, telemetry::KafkaMetrics& metrics);
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque);
  void poll_loop();

  ProducerOptions options_;
  telemetry::KafkaMetrics& metrics_;
  telemetry::Counter& produced_;
  telemetry::Gauge& queue_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

}  // namespace alertd::sinks::kafka
