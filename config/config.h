#pragma once
// The daemon's configuration: plain data, parsed and validated once from
// YAML, then used to build the runtime objects (DESIGN.md §10). Every module
// keeps its own config struct; this file only assembles them.

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.h"
#include "core/problem.h"
#include "core/result.h"
#include "core/time.h"
#include "correlator/correlator.h"
#include "correlator/notify/policy.h"
#include "correlator/oncall/schedule.h"
#include "ingest/formats/decoder.h"
#include "ingest/formats/message_format.h"
#include "rules/dedup_stage.h"
#include "rules/rule.h"
#include "sinks/notify/receiver.h"
#include "sinks/notify/template.h"

namespace YAML {
class Node;
}

namespace alertd::config {

/// TLS on a listener (`http.tls`, `sources.tcp.tls`). The files are read at
/// start-up and again on every reload (SIGHUP), so a renewed certificate
/// needs no restart.
struct TlsConfig {
  std::string cert_file;  // PEM, the chain after the leaf; "" = plain TCP
  std::string key_file;   // PEM private key
  // PEM bundle: when set, clients must present a certificate it signed
  // (how a TCP forwarder authenticates when auth is on).
  std::string client_ca_file;
  bool enabled() const { return !cert_file.empty(); }
};

struct HttpConfig {
  std::string listen = "127.0.0.1:9880";
  size_t threads = 2;
  size_t max_body_bytes = 10 << 20;
  core::Duration read_timeout = std::chrono::seconds(30);
  size_t max_connections = 10000;
  size_t header_limit = 16 << 10;        // request line and headers; beyond it 431
  size_t max_connections_per_ip = 1000;  // beyond it a new connection gets 503
  TlsConfig tls;
};

struct StoreConfig {
  std::string sqlite_path = "./data/alertd.db";
  // A libpq conninfo; when set, PostgreSQL is the store instead of SQLite
  // (setting both in a file is an error). May hold a password: never logged.
  std::string postgres;
  // How long start-up waits for an unreachable PostgreSQL server.
  core::Duration connect_timeout = std::chrono::seconds(30);
  size_t batch_max = 5000;  // incident updates per transaction

  bool uses_postgres() const { return !postgres.empty(); }
};

struct PipelineConfig {
  size_t shards = 0;              // 0: one per core
  size_t queue_capacity = 65536;  // alerts per shard queue; beyond it ingest answers 429
  // Bytes of alerts the shard queues hold, all shards together (besides
  // queue_capacity), and again the journal's feed in front of them: with the
  // journal on, what does not fit waits in the journal and is read back from
  // disk; with it off, ingest answers 429 beyond it.
  size_t queue_bytes = 256ull << 20;
  // limits.max_active_alerts: beyond it a new firing alert is answered 429
  // active_alert_limit; re-sends and resolves of active alerts still pass.
  size_t max_active_alerts = 1000000;
};

/// `durability:` (docs/operations.md): accepted means kept.
struct DurabilityConfig {
  // journal: every accepted alert is in the write-ahead journal before its
  // 2xx. none: a 2xx means queued in memory; a crash loses what the store
  // has not committed yet.
  bool journal = true;
  // "": `journal/` beside the SQLite file, or ./data/journal with PostgreSQL.
  std::string dir;
  core::Duration fsync_interval = std::chrono::milliseconds(2);
  size_t segment_bytes = 64ull << 20;
  size_t max_bytes = 1ull << 30;  // beyond it ingest answers 503 journal_full
  // How often the shard state is checkpointed with the journal position it
  // covers; segments before the checkpoint are then deleted.
  core::Duration checkpoint_interval = std::chrono::seconds(30);
  // SIGTERM: how long the drain may wait for the store before alertd exits
  // anyway (the journal keeps what was not committed).
  core::Duration shutdown_timeout = std::chrono::seconds(30);
};

/// The ingest endpoints by the name `auth.ingest[].source` gives them
/// (docs/sources.md): alertmanager is POST /api/v2/alerts and the
/// Alertmanager webhook, generic is POST /api/v1/events, splunk_hec the HEC
/// paths /services/collector..., splunk the Splunk alert webhook, pagerduty
/// /v2/enqueue, tcp the NDJSON listener.
inline constexpr std::string_view kIngestEndpointSources[] = {
    "alertmanager", "generic", "grafana",   "splunk_hec", "splunk",
    "cloudtrail",   "sns",     "pagerduty", "tcp"};

/// A caller of the API: people and tools that read and work on incidents.
struct ApiToken {
  std::string token;  // the secret, after ${VAR} expansion; never logged
  core::Role role = core::Role::viewer;
  std::string tenant = "default";
  std::string name;  // the principal in logs and the audit trail
};

/// A sender of alerts to one ingest endpoint; its alerts belong to `tenant`.
struct IngestToken {
  std::string token;   // never logged
  std::string source;  // one of kIngestEndpointSources
  std::string tenant = "default";
  std::string name;
};

/// `incidents.retention:`: closed incidents older than `closed_after` leave
/// the store, archived first (NDJSON files) or just deleted.
struct RetentionConfig {
  core::Duration closed_after{0};  // 0: closed incidents are kept for ever
  bool archive = true;             // action: archive, or delete
  std::string archive_dir = "./data/archive";
  size_t batch = 500;                               // incidents per transaction
  core::Duration every = std::chrono::minutes(10);  // between runs once caught up
  bool enabled() const { return closed_after.count() > 0; }
};

/// `auth:`. Without the section (enabled false) the API is open.
/// With `enabled`, every endpoint needs a token: an ingest endpoint takes one
/// of its source's `ingest` tokens or an API token of role sender or above,
/// unless the source is listed in `open_ingest`.
struct AuthConfig {
  bool enabled = false;
  std::vector<ApiToken> tokens;
  std::vector<IngestToken> ingest;
  std::vector<std::string> open_ingest;  // of kIngestEndpointSources
};

/// `audit:` (config/audit.cc): the audit chain's key and its anchor file.
struct AuditConfig {
  std::string key;          // after ${VAR} expansion; "" for the SHA-256 chain; never logged
  std::string anchor_file;  // "": `audit.anchor` beside the SQLite file, or ./data with PostgreSQL
};

/// One HEC token of `sources.splunk_hec.tokens` (docs/sources.md).
struct HecToken {
  std::string token;  // the secret (a GUID in Splunk); never logged
  std::string name;   // the sender in logs and the audit trail; default hec-<n>
  std::string tenant = "default";
  // Defaults for events that carry none.
  std::string host, source, sourcetype, index;
  std::vector<std::string> indexes;  // the indexes it may write; empty = any
  bool ack = false;                  // indexer acknowledgement (useACK)
  bool query_token = false;          // ?token= accepted (Splunk's allowQueryStringAuth)
  // When not empty, only these event fields become labels / annotations
  // (host, source, sourcetype, index and `fields` are always labels).
  std::vector<std::string> label_fields;
  std::vector<std::string> annotation_fields;
};

struct SplunkHecConfig {
  std::vector<HecToken> tokens;  // none: HEC takes the auth: section's tokens, or is open
  size_t max_events_per_request = 10000;
  size_t max_ack_channels = 10000;  // channels with pending acks, all tokens
  size_t max_acks_per_channel = 10000;
  core::Duration ack_ttl = std::chrono::minutes(10);  // an unpolled ack is forgotten after
};

/// `sources.sns` (and the CloudWatch alarms it carries).
struct SnsConfig {
  bool verify = true;         // false: unsigned delivery accepted (the log warns)
  std::string signing_certs;  // local directory of PEM certs, by SigningCertURL's last segment
  // Hosts a certificate may be fetched from (HTTPS) and SubscribeURLs
  // confirmed on; `*` matches one DNS label.
  std::vector<std::string> cert_hosts{"sns.*.amazonaws.com"};
  std::vector<std::string> subscribe_hosts{"sns.*.amazonaws.com"};
  // CA bundle (PEM) that the servers of a certificate fetch and of a
  // SubscribeURL are verified against; "" = the system store.
  std::string ca_file;
  enum class InsufficientData { firing, resolved, ignore };
  InsufficientData insufficient_data = InsufficientData::firing;
};

struct CloudTrailConfig {
  // Records without errorCode are dropped (and counted) unless one of these
  // matches their labels; a kept one becomes alert CloudTrailEvent.
  std::vector<core::Matchers> keep;
};

/// `sources.tcp`: NDJSON of the generic format on its own listener.
struct TcpSourceConfig {
  std::string listen;               // HOST:PORT; "" = off
  size_t max_line_bytes = 1 << 20;  // an over-long line closes the connection
  size_t max_connections = 1000;
  std::string tenant = "default";  // the tenant its alerts belong to
  // A connection that sends nothing for idle_timeout (0: never) is closed,
  // as is one whose TLS handshake takes longer than handshake_timeout: a
  // silent peer must not hold one of max_connections for ever.
  core::Duration idle_timeout = std::chrono::minutes(5);
  core::Duration handshake_timeout = std::chrono::seconds(10);
  TlsConfig tls;
  bool enabled() const { return !listen.empty(); }
};

/// Re-delivered messages (CloudTrail eventID, SNS MessageId) are recognised
/// for this long, up to this many ids.
struct RedeliveryConfig {
  core::Duration window = std::chrono::hours(1);
  size_t max_ids = 1000000;
};

/// `sources:` (config/sources.cc, docs/sources.md).
struct SourcesConfig {
  SplunkHecConfig splunk_hec;
  SnsConfig sns;
  CloudTrailConfig cloudtrail;
  TcpSourceConfig tcp;
  RedeliveryConfig redelivery;
};

/// `kafka.topics[]`: a topic to consume and the format of its messages.
struct KafkaTopicConfig {
  std::string name;
  ingest::MessageFormat format = ingest::MessageFormat::generic;
  std::string tenant = "default";  // the tenant its alerts belong to
};

/// `kafka:` (config/kafka.cc, docs/operations.md): the consumer group, the
/// incidents topic and relay mode. Restart-only.
struct KafkaConfig {
  std::string brokers;  // bootstrap.servers; "" = no Kafka
  std::string group_id = "alertd";
  std::vector<KafkaTopicConfig> topics;
  std::string incidents_topic;    // "": incident changes are not published
  std::string dead_letter_topic;  // "": rejected messages are only counted and logged
  // Any librdkafka property, `${ENV}` expanded (secrets: sasl.password, ...).
  std::map<std::string, std::string> properties;
  // Relay mode: HTTP, TCP and HEC ingest produce accepted alerts to
  // relay_topic (the first topic by default), keyed by correlation key,
  // instead of processing them here.
  bool relay = false;
  std::string relay_topic;
  size_t max_message_bytes = 1 << 20;
  core::Duration commit_interval = std::chrono::seconds(1);
  bool enabled() const { return !brokers.empty(); }
};

/// `people:` and `oncall:` (config/oncall.cc, docs/notifications.md).
struct OncallConfig {
  std::vector<correlator::Person> people;             // in file order, names unique
  std::vector<correlator::OncallSchedule> schedules;  // members are people's names

  const correlator::Person* person(std::string_view name) const;
  const correlator::OncallSchedule* schedule(std::string_view name) const;
};

/// A receiver's message templates, compiled: the shipped ones
/// (sinks/notify/default_templates.h) unless `templates:` replaced a part.
/// HTTP kinds use `body`; email `subject`, `text` and `html`.
struct ReceiverTemplates {
  std::optional<sinks::notify::Template> body;
  std::optional<sinks::notify::Template> subject;
  std::optional<sinks::notify::Template> text;
  std::optional<sinks::notify::Template> html;
};

struct NotifyReceiverConfig {
  sinks::notify::Receiver receiver;
  bool send_resolved = true;  // Alertmanager's send_resolved: tell the end of a suppressed incident
  ReceiverTemplates templates;
};

/// `notify:` (config/notify.cc, docs/notifications.md).
struct NotifyConfig {
  std::string external_url;               // how the people told reach alertd: the links in messages
  correlator::NotifyPolicyConfig policy;  // group_wait, repeat_interval, routes
  std::vector<NotifyReceiverConfig> receivers;  // names unique
  // The senders (restart-only): threads, queue, and when a delivery gives up.
  size_t threads = 2;
  size_t queue_capacity = 10'000;
  int max_attempts = 10;
  core::Duration max_age = std::chrono::hours(1);
  std::string slack_signing_secret;  // notify.slack_app.signing_secret; empty: interactions off
  // notify.slack_app.response_url_prefix: where a button's response_url may point.
  std::string slack_response_url_prefix = "https://hooks.slack.com/";

  const NotifyReceiverConfig* receiver(std::string_view name) const;
};

struct DaemonConfig {
  HttpConfig http;
  StoreConfig store;
  PipelineConfig pipeline;
  DurabilityConfig durability;
  ingest::Limits limits;
  core::Duration resolve_timeout = std::chrono::minutes(5);
  rules::ShardConfig dedup;
  correlator::CorrelatorConfig correlation;
  core::ProblemPolicy problems;        // incidents.problems
  RetentionConfig retention;           // incidents.retention
  std::vector<rules::RuleSpec> rules;  // in file order
  AuthConfig auth;
  AuditConfig audit;
  SourcesConfig sources;
  OncallConfig oncall;
  NotifyConfig notify;
  KafkaConfig kafka;
  std::string origin = "<embedded defaults>";  // where it was read from, for logs
};

/// The configuration compiled into the binary: what `alertd` runs with no --config.
std::string_view embedded_default_config();

/// Parses YAML text. `origin` names the source in errors: "FILE:LINE: reason".
/// Unknown keys, wrong types and bad values are errors.
/// Every error found is reported, one per line. Files the config names
/// (rule files, topology) are relative to `base_dir`.
core::Result<DaemonConfig> parse_config(std::string_view yaml, std::string_view origin,
                                        const std::filesystem::path& base_dir = {});

/// The same for a YAML node already loaded (test-rules files embed a config).
core::Result<DaemonConfig> parse_config_node(const YAML::Node& root, std::string_view origin,
                                             const std::filesystem::path& base_dir);

/// Reads and parses a file; errors name the file.
core::Result<DaemonConfig> load_config_file(const std::string& path);

}  // namespace alertd::config
