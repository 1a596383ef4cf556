#pragma once
// Consumer::Impl, shared by consumer.cc (handles, thread, group) and
// consumer_batch.cc (decode, offer, offsets, dead letters). Everything here
// runs on the consumer thread, except the verdict handed over by `done`.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ingest/formats/decoder.h"
#include "ingest/kafka/consumer.h"
#include "ingest/kafka/positions.h"

namespace alertd::ingest::kafka {

struct TopicCounters {
  telemetry::Counter* consumed;
  telemetry::Counter* alerts;
  telemetry::Counter* redelivered;
  telemetry::Counter* dead_lettered;
  telemetry::Counter* dead_letter_errors;
};

/// A message read and not yet let go; what decoding found stays with it, so
/// that a batch offered again rejects and dead-letters nothing twice.
struct Held {
  rd_kafka_message_t* msg = nullptr;
  int topic = -1;        // index into options.topics
  bool decided = false;  // rejected, or skipped as re-delivered
  size_t alerts = 0;     // what its last decode gave
};

struct Consumer::Impl {
  Impl(ConsumerOptions o, ConsumerHooks h, const core::Clock& c, telemetry::KafkaMetrics& m)
      : options(std::move(o)), hooks(std::move(h)), clock(c), metrics(m) {}
  ~Impl();

  ConsumerOptions options;
  ConsumerHooks hooks;
  const core::Clock& clock;
  telemetry::KafkaMetrics& metrics;
  rd_kafka_t* rk = nullptr;
  rd_kafka_t* dead_letters = nullptr;  // a producer, when dead_letter_topic is set
  Positions positions;
  std::vector<TopicCounters> counters;  // per options.topics entry
  std::thread thread;
  std::atomic<bool> stopping{false};
  core::Duration stop_wait{0};

  // The batch being assembled or offered, in the order read; messages read
  // while a refused batch waits go to `later`.
  std::vector<Held> batch;
  std::vector<Held> later;
  size_t batch_bytes = 0;
  bool paused = false;
  bool ever_assigned = false;  // a rebalance assigned partitions (see ~Impl)
  // The offset after the last message read, per partition: where fetching
  // must go on after a pause (librdkafka 2.0.2 can skip the messages it had
  // prefetched and purged at the pause, so resume seeks here first).
  std::map<std::pair<std::string, int32_t>, int64_t> read_next;

  Decoder decoder;
  uint64_t decoder_version = UINT64_MAX;
  std::vector<core::Alert> alerts;
  std::string body;  // the message being decoded (decoders want padding room)
  int64_t positions_saved_ns = 0;

  // The verdict of the offer in flight, from the journal's thread.
  std::mutex verdict_mutex;
  std::condition_variable verdict_ready;
  std::optional<Verdict> verdict;

  // consumer.cc
  void run();
  void fill_batch();
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void revoke(rd_kafka_topic_partition_list_t* partitions, bool lost);
  void count_assignment();
  void set_paused(bool pause, std::string_view reason);
  void seek_to_read_positions(rd_kafka_topic_partition_list_t* assignment);
  void hold(rd_kafka_message_t* msg, std::vector<Held>& into);
  void commit(bool sync);
  void on_stats(std::string_view json);
  int topic_index(const rd_kafka_message_t* msg) const;
  void release(std::vector<Held>& msgs);

  // consumer_batch.cc
  void process_batch();
  bool offer_until_decided();
  void offer_one_by_one();
  size_t decode(const ConsumerSettings& settings);
  void decode_one(Held& held, const ConsumerSettings& settings);
  Verdict offer_and_wait();
  void reject(Held& held, std::string_view reason, const std::string& message);
  void accepted();
  void wait_while_paused(core::Duration delay);
};

}  // namespace alertd::ingest::kafka
