#include "sinks/kafka/producer.h"

#include <spdlog/spdlog.h>

namespace alertd::sinks::kafka {

namespace {

// The user's properties may not undo what makes delivery safe.
const std::map<std::string, std::string> kFixed = {
    {"enable.idempotence", "true"},
    {"acks", "all"},
    {"message.timeout.ms", "0"},  // retry for as long as it takes
};

// Consumer-only properties of kafka.properties a producer would warn about.
bool consumer_only(const std::string& key) {
  static const char* const kKeys[] = {"auto.offset.reset",    "auto.commit.interval.ms",
                                      "session.timeout.ms",   "max.poll.interval.ms",
                                      "enable.partition.eof", "fetch.min.bytes",
                                      "fetch.wait.max.ms",    "heartbeat.interval.ms"};
  for (const char* k : kKeys) {
    if (key == k) return true;
  }
  return false;
}

// librdkafka's own log lines (syslog levels) go where alertd's go.
void log_cb(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  const auto lvl = level <= 3   ? spdlog::level::err
                   : level <= 5 ? spdlog::level::warn
                   : level == 6 ? spdlog::level::info
                                : spdlog::level::debug;
  spdlog::log(lvl, "kafka: {} {}: {}", rd_kafka_name(rk), facility, text);
}

core::Status set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    return core::Error{"kafka_config", "kafka producer " + key + ": " + err};
  }
  return core::Status();
}

core::Status configure(rd_kafka_conf_t* conf, const ProducerOptions& o) {
  std::map<std::string, std::string> all = {
      {"bootstrap.servers", o.brokers},
      {"queue.buffering.max.messages", std::to_string(o.queue_messages)},
      {"linger.ms", "5"},
  };
  for (const auto& [k, v] : o.properties) {
    if (!consumer_only(k) && !kFixed.contains(k)) all[k] = v;
  }
  for (const auto& [k, v] : kFixed) all[k] = v;
  for (const auto& [k, v] : all) {
    if (auto s = set(conf, k, v); !s.ok()) return s;
  }
  return core::Status();
}

}  // namespace

Producer::Producer(ProducerOptions options, telemetry::KafkaMetrics& metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      produced_(metrics.produced.with({options_.topic})),
      queue_(metrics.produce_queue.with({options_.topic})) {}

core::Result<std::unique_ptr<Producer>> Producer::create(ProducerOptions options,
                                                         telemetry::KafkaMetrics& metrics) {
  std::unique_ptr<Producer> p(new Producer(std::move(options), metrics));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (auto s = configure(conf, p->options_); !s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s.error();
  }
  rd_kafka_conf_set_opaque(conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  char err[512];
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return core::Error{"kafka_config", std::string("kafka producer: ") + err};
  }
  p->rkt_ = rd_kafka_topic_new(p->rk_, p->options_.topic.c_str(), nullptr);
  p->poller_ = std::thread([raw = p.get()] { raw->poll_loop(); });
  return p;
}

Producer::~Producer() {
  stop(std::chrono::seconds(5));
  if (rkt_ != nullptr) rd_kafka_topic_destroy(rkt_);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

bool Producer::produce(std::string_view key, std::string_view value, Delivered done) {
  auto* opaque = done ? new Delivered(std::move(done)) : nullptr;
  int rc = rd_kafka_produce(rkt_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                            const_cast<char*>(value.data()), value.size(), key.data(), key.size(),
                            opaque);
  if (rc != 0) {
    delete opaque;
    auto err = rd_kafka_last_error();
    metrics_.produce_errors.with({options_.topic, rd_kafka_err2name(err)}).inc();
    return false;
  }
  return true;
}

size_t Producer::queued() const {
  return static_cast<size_t>(rd_kafka_outq_len(rk_));
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  const bool ok = msg->err == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (ok) {
    self->produced_.inc();
  } else {
    self->metrics_.produce_errors.with({self->options_.topic, rd_kafka_err2name(msg->err)}).inc();
    spdlog::error("kafka: a message to {} failed for good: {}", self->options_.topic,
                  rd_kafka_err2str(msg->err));
  }
  if (auto* done = static_cast<Delivered*>(msg->_private)) {
    (*done)(ok);
    delete done;
  }
}

void Producer::poll_loop() {
  while (!stopping_.load(std::memory_order_acquire)) {
    rd_kafka_poll(rk_, 100);
    queue_.set(static_cast<double>(rd_kafka_outq_len(rk_)));
  }
}

void Producer::stop(core::Duration wait) {
  if (stopping_.exchange(true)) return;
  if (poller_.joinable()) poller_.join();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
  if (rd_kafka_flush(rk_, static_cast<int>(ms)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("kafka: {} messages to {} not delivered at shutdown", rd_kafka_outq_len(rk_),
                 options_.topic);
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 0);  // reports the purged ones
  }
  queue_.set(static_cast<double>(rd_kafka_outq_len(rk_)));
}

}  // namespace alertd::sinks::kafka
