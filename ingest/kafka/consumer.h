#pragma once
// The Kafka source (DESIGN.md §1, §8): one consumer in a consumer group with
// cooperative-sticky assignment, on its own thread. It reads messages in
// batches, decodes each with its topic's format (ingest/formats/
// message_format.h) and offers the batch's alerts as one batch. At least
// once: a partition's offset is stored only after the journal holds the
// alerts of every message up to it (the offer's verdict), and stored
// offsets are committed every commit_interval, on revocation and on
// shutdown. A refused batch pauses every assigned partition and is offered
// again after the verdict's delay; then they resume. Nothing is dropped.
//
// A message that does not decode is counted, logged with its topic,
// partition and offset, copied to dead_letter_topic when one is set, and
// its offset moves on with the rest: it never blocks its partition.
//
// It knows nothing of the API or the pipeline: the daemon hands it the
// settings and the offer (daemon/kafka_source.cc).

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "ingest/formats/message_format.h"
#include "ingest/source_hooks.h"
#include "telemetry/kafka_metrics.h"

namespace alertd::ingest::kafka {

struct TopicSource {
  std::string name;
  MessageFormat format = MessageFormat::generic;
  std::string tenant = "default";
};

struct ConsumerOptions {
  std::string brokers;  // bootstrap.servers
  std::string group_id;
  std::vector<TopicSource> topics;
  std::string dead_letter_topic;  // "": bad messages are only counted and logged
  // Any librdkafka property (security.protocol, sasl.*, ssl.*, ...), set
  // after alertd's own; the at-least-once ones cannot be changed.
  std::map<std::string, std::string> properties;
  std::filesystem::path positions_file;  // positions.h; "": no re-delivery skipping
  size_t max_message_bytes = 1 << 20;    // larger messages are rejected (body_too_large)
  size_t batch_messages = 2000;          // messages per offer, at most
  size_t batch_bytes = 4 << 20;          // message bytes per offer, at most
  core::Duration commit_interval = std::chrono::seconds(1);
};

/// The settings for one batch, and what the topic formats need from them.
struct ConsumerSettings {
  SourceSettings source;
  MessageContext message;  // views into source.owner's settings
};

struct ConsumerHooks {
  std::function<ConsumerSettings()> settings;
  OfferHook offer;
  /// A message rejected, by reason token (beside the per-topic counter).
  std::function<void(std::string_view reason)> rejected;
};

class Consumer {
 public:
  /// Creates the librdkafka handles and checks every property; subscribes
  /// nothing yet. An error names the property librdkafka refused.
  static core::Result<std::unique_ptr<Consumer>> create(ConsumerOptions options,
                                                        ConsumerHooks hooks,
                                                        const core::Clock& clock,
                                                        telemetry::KafkaMetrics& metrics);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  /// Subscribes and starts the consumer thread.
  void start();
  /// Stops reading; the batch in flight is decided (up to `wait`), its
  /// offsets stored and committed, and the consumer leaves the group.
  void stop(core::Duration wait);

  struct Impl;

 private:
  explicit Consumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace alertd::ingest::kafka
