#include "config/restart_keys.h"

namespace alertd::config {

namespace {

// Adds `key` when the two values differ.
class Changes {
 public:
  template <typename T>
  void check(const char* key, const T& running, const T& loaded) {
    if (!(running == loaded)) keys_.emplace_back(key);
  }
  std::vector<std::string> take() { return std::move(keys_); }

 private:
  std::vector<std::string> keys_;
};

void http_changes(Changes& c, const HttpConfig& a, const HttpConfig& b) {
  c.check("http.listen", a.listen, b.listen);
  c.check("http.threads", a.threads, b.threads);
  c.check("http.max_body_bytes", a.max_body_bytes, b.max_body_bytes);
  c.check("http.read_timeout", a.read_timeout, b.read_timeout);
  c.check("http.max_connections", a.max_connections, b.max_connections);
  c.check("http.header_limit", a.header_limit, b.header_limit);
  c.check("http.max_connections_per_ip", a.max_connections_per_ip, b.max_connections_per_ip);
  // New certificate files are reloaded; turning TLS on or off is not.
  c.check("http.tls", a.tls.enabled(), b.tls.enabled());
}

void store_changes(Changes& c, const StoreConfig& a, const StoreConfig& b) {
  c.check("store.sqlite", a.sqlite_path, b.sqlite_path);
  c.check("store.postgres", a.postgres, b.postgres);
  c.check("store.connect_timeout", a.connect_timeout, b.connect_timeout);
  c.check("store.batch_max", a.batch_max, b.batch_max);
}

// The store is opened with them (sinks::AuditSettings). The key is compared,
// never named with its value.
void audit_changes(Changes& c, const AuditConfig& a, const AuditConfig& b) {
  c.check("audit.key", a.key, b.key);
  c.check("audit.anchor_file", a.anchor_file, b.anchor_file);
}

void pipeline_changes(Changes& c, const DaemonConfig& a, const DaemonConfig& b) {
  c.check("pipeline.shards", a.pipeline.shards, b.pipeline.shards);
  c.check("pipeline.queue_capacity", a.pipeline.queue_capacity, b.pipeline.queue_capacity);
  c.check("pipeline.queue_bytes", a.pipeline.queue_bytes, b.pipeline.queue_bytes);
  const auto& da = a.durability;
  const auto& db = b.durability;
  c.check("durability.mode", da.journal, db.journal);
  c.check("durability.dir", da.dir, db.dir);
  c.check("durability.fsync_interval", da.fsync_interval, db.fsync_interval);
  c.check("durability.segment_bytes", da.segment_bytes, db.segment_bytes);
  c.check("durability.max_bytes", da.max_bytes, db.max_bytes);
  c.check("durability.checkpoint_interval", da.checkpoint_interval, db.checkpoint_interval);
  c.check("durability.shutdown_timeout", da.shutdown_timeout, db.shutdown_timeout);
  c.check("dedup.touch_interval", a.dedup.touch_interval, b.dedup.touch_interval);
  c.check("dedup.resolved_retention", a.dedup.resolved_retention, b.dedup.resolved_retention);
  c.check("limits.max_lease", a.dedup.max_lease, b.dedup.max_lease);
  c.check("limits.max_active_alerts", a.pipeline.max_active_alerts, b.pipeline.max_active_alerts);
}

// The listener is bound and given its options, and the re-delivery set
// sized, once, at start-up (only the TLS files are reloaded).
void source_changes(Changes& c, const SourcesConfig& a, const SourcesConfig& b) {
  c.check("sources.tcp.listen", a.tcp.listen, b.tcp.listen);
  c.check("sources.tcp.max_connections", a.tcp.max_connections, b.tcp.max_connections);
  c.check("sources.tcp.max_line_bytes", a.tcp.max_line_bytes, b.tcp.max_line_bytes);
  c.check("sources.tcp.tenant", a.tcp.tenant, b.tcp.tenant);
  c.check("sources.tcp.idle_timeout", a.tcp.idle_timeout, b.tcp.idle_timeout);
  c.check("sources.tcp.handshake_timeout", a.tcp.handshake_timeout, b.tcp.handshake_timeout);
  c.check("sources.tcp.tls", a.tcp.tls.enabled(), b.tcp.tls.enabled());
  c.check("sources.redelivery.window", a.redelivery.window, b.redelivery.window);
  c.check("sources.redelivery.max_ids", a.redelivery.max_ids, b.redelivery.max_ids);
}

// The dispatcher is built with them; receivers, routes and templates reload.
void notify_changes(Changes& c, const NotifyConfig& a, const NotifyConfig& b) {
  c.check("notify.threads", a.threads, b.threads);
  c.check("notify.queue_capacity", a.queue_capacity, b.queue_capacity);
  c.check("notify.max_attempts", a.max_attempts, b.max_attempts);
  c.check("notify.max_age", a.max_age, b.max_age);
  c.check("notify.slack_app.signing_secret", a.slack_signing_secret, b.slack_signing_secret);
  c.check("notify.slack_app.response_url_prefix", a.slack_response_url_prefix,
          b.slack_response_url_prefix);
}

// The consumer and producers are made once: every kafka: key is restart-only.
void kafka_changes(Changes& c, const KafkaConfig& a, const KafkaConfig& b) {
  c.check("kafka.brokers", a.brokers, b.brokers);
  c.check("kafka.group_id", a.group_id, b.group_id);
  auto topics = [](const KafkaConfig& k) {
    std::vector<std::string> out;
    for (const auto& t : k.topics) {
      out.push_back(t.name + '\0' + std::string(ingest::to_string(t.format)) + '\0' + t.tenant);
    }
    return out;
  };
  c.check("kafka.topics", topics(a), topics(b));
  c.check("kafka.incidents_topic", a.incidents_topic, b.incidents_topic);
  c.check("kafka.dead_letter_topic", a.dead_letter_topic, b.dead_letter_topic);
  c.check("kafka.properties", a.properties, b.properties);
  c.check("kafka.relay", a.relay, b.relay);
  c.check("kafka.relay_topic", a.relay_topic, b.relay_topic);
  c.check("kafka.max_message_bytes", a.max_message_bytes, b.max_message_bytes);
  c.check("kafka.commit_interval", a.commit_interval, b.commit_interval);
}

}  // namespace

std::vector<std::string> restart_needed(const DaemonConfig& running, const DaemonConfig& loaded) {
  Changes c;
  http_changes(c, running.http, loaded.http);
  store_changes(c, running.store, loaded.store);
  pipeline_changes(c, running, loaded);
  audit_changes(c, running.audit, loaded.audit);
  source_changes(c, running.sources, loaded.sources);
  notify_changes(c, running.notify, loaded.notify);
  kafka_changes(c, running.kafka, loaded.kafka);
  return c.take();
}

}  // namespace alertd::config
