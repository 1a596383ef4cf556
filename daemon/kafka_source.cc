#include "daemon/kafka_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/engine.h"
#include "api/ingest/submit.h"
#include "config/settings.h"
#include "daemon/tcp_source.h"

namespace alertd::daemon {

namespace {

ingest::AwsContext aws_context(const config::Settings& settings) {
  ingest::AwsContext aws;
  aws.cloudtrail_keep = &settings.sources.cloudtrail.keep;
  using Mode = config::SnsConfig::InsufficientData;
  using Aws = ingest::AwsContext::InsufficientData;
  switch (settings.sources.sns.insufficient_data) {
    case Mode::firing: aws.insufficient_data = Aws::firing; break;
    case Mode::resolved: aws.insufficient_data = Aws::resolved; break;
    case Mode::ignore: aws.insufficient_data = Aws::ignore; break;
  }
  return aws;
}

ingest::kafka::ConsumerSettings consumer_settings(
    std::shared_ptr<const config::Settings> settings) {
  ingest::kafka::ConsumerSettings s;
  s.source.version = settings->version;
  s.source.limits = &settings->limits;
  s.source.indexed = &settings->indexed;
  s.source.resolve_timeout = settings->resolve_timeout;
  s.message.aws = aws_context(*settings);
  s.message.hec.max_events = settings->sources.splunk_hec.max_events_per_request;
  s.source.owner = std::move(settings);
  return s;
}

ingest::kafka::ConsumerHooks consumer_hooks(api::ApiContext& api, KafkaParts::EngineSlot local,
                                            std::shared_ptr<const config::Settings> initial) {
  ingest::kafka::ConsumerHooks h;
  h.settings = [local, initial] {
    auto* engine = local->load(std::memory_order_acquire);
    return consumer_settings(engine != nullptr ? engine->settings() : initial);
  };
  // The consumer's alerts go to the pipeline itself, never back to Kafka
  // (in relay mode api.pipeline is the relay, `local` the pipeline).
  h.offer = [&api, local](std::vector<core::Alert>& alerts,
                          std::function<void(ingest::Verdict)> done) {
    auto* engine = local->load(std::memory_order_acquire);
    if (engine == nullptr) {
      alerts.clear();
      return done({false, "not_ready", std::chrono::milliseconds(100)});
    }
    auto runs = std::make_shared<api::SourceRuns>(api::source_runs(alerts));
    engine->offer(alerts, [&api, runs, done = std::move(done)](api::Engine::Offer offer) {
      if (offer == api::Engine::Offer::accepted) {
        for (const auto& [source, count] : *runs) api.metrics.received(source).inc(count);
      }
      done(tcp_verdict(offer));
    });
  };
  h.rejected = [&api](std::string_view reason) { api.metrics.rejected(reason, "kafka").inc(); };
  return h;
}

ingest::kafka::ConsumerOptions consumer_options(const config::DaemonConfig& config) {
  const auto& k = config.kafka;
  ingest::kafka::ConsumerOptions o;
  o.brokers = k.brokers;
  o.group_id = k.group_id;
  for (const auto& t : k.topics) o.topics.push_back({t.name, t.format, t.tenant});
  o.dead_letter_topic = k.dead_letter_topic;
  o.properties = k.properties;
  if (config.durability.journal) {
    o.positions_file = std::filesystem::path(config.durability.dir) / "kafka-positions";
  }
  o.max_message_bytes = k.max_message_bytes;
  // A batch is one journal record: far smaller than the journal, so that a
  // full journal frees room for it at its next checkpoint.
  o.batch_bytes = std::clamp<size_t>(config.durability.max_bytes / 8, 64 << 10, 4 << 20);
  o.commit_interval = k.commit_interval;
  return o;
}

core::Result<std::unique_ptr<sinks::kafka::Producer>> producer_for(
    const config::KafkaConfig& k, const std::string& topic, telemetry::KafkaMetrics& metrics) {
  sinks::kafka::ProducerOptions o;
  o.brokers = k.brokers;
  o.topic = topic;
  o.properties = k.properties;
  return sinks::kafka::Producer::create(std::move(o), metrics);
}

}  // namespace

core::Result<KafkaParts> open_kafka(const config::DaemonConfig& config, api::ApiContext& api) {
  KafkaParts parts;
  const auto& k = config.kafka;
  if (!k.enabled()) return parts;
  parts.metrics = std::make_unique<telemetry::KafkaMetrics>(api.metrics.registry);
  if (!k.topics.empty()) {
    auto initial = config::make_settings(config, 0);
    if (!initial) return initial.error();
    auto consumer = ingest::kafka::Consumer::create(
        consumer_options(config), consumer_hooks(api, parts.local, std::move(*initial)), api.clock,
        *parts.metrics);
    if (!consumer) return consumer.error();
    parts.consumer = std::move(*consumer);
  }
  if (!k.incidents_topic.empty()) {
    auto producer = producer_for(k, k.incidents_topic, *parts.metrics);
    if (!producer) return producer.error();
    parts.publisher = std::make_unique<sinks::kafka::IncidentPublisher>(std::move(*producer));
  }
  if (k.relay) {
    auto producer = producer_for(k, k.relay_topic, *parts.metrics);
    if (!producer) return producer.error();
    parts.relay = std::move(*producer);
  }
  spdlog::info("kafka: brokers {}, group {}, {} topics{}{}{}", k.brokers, k.group_id,
               k.topics.size(),
               k.incidents_topic.empty() ? "" : ", incidents to " + k.incidents_topic,
               k.dead_letter_topic.empty() ? "" : ", dead letters to " + k.dead_letter_topic,
               k.relay ? ", relaying ingest to " + k.relay_topic : "");
  return parts;
}

}  // namespace alertd::daemon
