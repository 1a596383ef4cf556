#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "config/sections.h"
#include "config/yaml.h"
#include "sinks/store/postgres/postgres_store.h"

namespace alertd::config {

namespace {

constexpr std::string_view kEmbeddedDefaults = R"(# alertd embedded defaults
listen: 127.0.0.1:9880
store:
  sqlite: ./data/alertd.db
http:
  threads: 2
  max_body_bytes: 10485760
  read_timeout: 30s
pipeline:
  shards: 0            # one per core
  queue_capacity: 65536
  queue_bytes: 256MiB
durability:
  mode: journal        # every accepted alert is journaled before its 2xx
  # dir: ./data/journal  (default: journal/ beside the SQLite file)
  fsync_interval: 2ms
  max_bytes: 1GiB
ingest:
  resolve_timeout: 5m  # Alertmanager semantics for alerts without endsAt
dedup:
  touch_interval: 1m
  resolved_retention: 20m
correlation:
  group_by: [service]
  group_by_fallback: [alertname]
  group_window: 10m
  flap: {transitions: 4, within: 15m, hold: 10m}
  settle: 30s          # inhibition targets wait this long after start-up and reload
)";

void parse_http(const YAML::Node& n, HttpConfig& http) {
  check_keys(n,
             {"threads", "max_body_bytes", "read_timeout", "max_connections", "listen",
              "header_limit", "max_connections_per_ip", "tls"},
             "http");
  if (n["tls"]) read_tls(n["tls"], "http.tls", http.tls);
  if (n["listen"]) http.listen = get_string(n["listen"], "http.listen");
  if (n["threads"]) http.threads = get_size(n["threads"], "http.threads", 1, 256);
  if (n["max_body_bytes"]) {
    http.max_body_bytes = get_size(n["max_body_bytes"], "http.max_body_bytes", 1024, 1ull << 30);
  }
  if (n["read_timeout"]) http.read_timeout = get_duration(n["read_timeout"], "http.read_timeout");
  if (n["max_connections"]) {
    http.max_connections = get_size(n["max_connections"], "http.max_connections", 1, 1000000);
  }
  if (n["header_limit"]) {
    http.header_limit = get_bytes(n["header_limit"], "http.header_limit", 1 << 10, 1 << 20);
  }
  if (n["max_connections_per_ip"]) {
    http.max_connections_per_ip =
        get_size(n["max_connections_per_ip"], "http.max_connections_per_ip", 1, 1000000);
  }
}

// The limits the shards enforce: how many alerts may be active, and how long
// one is held without a re-send.
void parse_state_limits(const YAML::Node& n, DaemonConfig& cfg) {
  if (n["max_active_alerts"]) {
    cfg.pipeline.max_active_alerts =
        get_size(n["max_active_alerts"], "limits.max_active_alerts", 1, 1ull << 32);
  }
  if (n["max_lease"]) {
    cfg.dedup.max_lease = get_duration(n["max_lease"], "limits.max_lease");
    if (cfg.dedup.max_lease < std::chrono::minutes(1)) {
      throw ConfigError(n["max_lease"], "limits.max_lease: at least 1m");
    }
  }
}

void parse_limits(const YAML::Node& n, ingest::Limits& l) {
  check_keys(n,
             {"max_alerts_per_request", "max_labels", "max_annotations", "max_label_name_bytes",
              "max_label_value_bytes", "max_annotation_value_bytes", "max_active_alerts",
              "max_lease", "max_silences"},
             "limits");
  constexpr size_t kMax = 1 << 24;
  if (n["max_alerts_per_request"]) {
    l.max_alerts_per_request =
        get_size(n["max_alerts_per_request"], "limits.max_alerts_per_request", 1, kMax);
  }
  if (n["max_labels"]) l.max_labels = get_size(n["max_labels"], "limits.max_labels", 1, 4096);
  if (n["max_annotations"]) {
    l.max_annotations = get_size(n["max_annotations"], "limits.max_annotations", 0, 4096);
  }
  if (n["max_label_name_bytes"]) {
    l.max_label_name_bytes =
        get_size(n["max_label_name_bytes"], "limits.max_label_name_bytes", 1, kMax);
  }
  if (n["max_label_value_bytes"]) {
    l.max_label_value_bytes =
        get_size(n["max_label_value_bytes"], "limits.max_label_value_bytes", 1, kMax);
  }
  if (n["max_annotation_value_bytes"]) {
    l.max_annotation_value_bytes =
        get_size(n["max_annotation_value_bytes"], "limits.max_annotation_value_bytes", 1, kMax);
  }
  if (n["max_silences"]) {
    l.max_silences = get_size(n["max_silences"], "limits.max_silences", 1, 1'000'000);
  }
}

void parse_store(const YAML::Node& s, StoreConfig& store) {
  check_keys(s, {"sqlite", "postgres", "connect_timeout", "batch_max"}, "store");
  if (s["sqlite"] && s["postgres"]) {
    throw ConfigError(s["postgres"], "store: set either sqlite or postgres, not both");
  }
  if (s["sqlite"]) store.sqlite_path = get_string(s["sqlite"], "store.sqlite");
  if (s["postgres"]) {
    // ${VAR} from the environment, as the conninfo may hold a password.
    store.postgres = expand_env(s["postgres"], "store.postgres");
    // Caught here so check-config reports it; the message never repeats
    // the text, which may hold a password.
    if (auto named = sinks::describe_postgres_target(store.postgres); !named.ok()) {
      throw ConfigError(s["postgres"], "store.postgres: " + named.error().message);
    }
  }
  if (s["connect_timeout"]) {
    store.connect_timeout =
        get_duration(s["connect_timeout"], "store.connect_timeout", /*allow_zero=*/true);
  }
  if (s["batch_max"]) store.batch_max = get_size(s["batch_max"], "store.batch_max", 1, 1000000);
}

void parse_runtime(const YAML::Node& root, DaemonConfig& cfg) {
  if (const auto& p = root["pipeline"]) {
    check_keys(p, {"shards", "queue_capacity", "queue_bytes"}, "pipeline");
    if (p["queue_bytes"]) {
      cfg.pipeline.queue_bytes =
          get_bytes(p["queue_bytes"], "pipeline.queue_bytes", 1 << 20, 1ull << 40);
    }
    if (p["shards"]) cfg.pipeline.shards = get_size(p["shards"], "pipeline.shards", 0, 256);
    if (p["queue_capacity"]) {
      cfg.pipeline.queue_capacity =
          get_size(p["queue_capacity"], "pipeline.queue_capacity", 1, 1 << 26);
    }
  }
  if (const auto& i = root["ingest"]) {
    check_keys(i, {"resolve_timeout"}, "ingest");
    if (i["resolve_timeout"])
      cfg.resolve_timeout = get_duration(i["resolve_timeout"], "ingest.resolve_timeout");
  }
  if (const auto& d = root["dedup"]) {
    check_keys(d, {"touch_interval", "resolved_retention"}, "dedup");
    if (d["touch_interval"])
      cfg.dedup.touch_interval = get_duration(d["touch_interval"], "dedup.touch_interval");
    if (d["resolved_retention"]) {
      cfg.dedup.resolved_retention =
          get_duration(d["resolved_retention"], "dedup.resolved_retention");
    }
  }
}

// Each section is read under its own guard: one bad section does not hide
// the errors of the next.
void parse_root(const YAML::Node& root, const std::filesystem::path& base_dir, Diagnostics& diag,
                DaemonConfig& cfg) {
  if (root.IsNull()) return;  // an empty file means all defaults
  if (!diag.guard([&] {
        check_keys(root, {"listen",  "store",       "http",
                          "limits",  "pipeline",    "ingest",
                          "dedup",   "correlation", "rules",
                          "inhibit", "priority",    "maintenance",
                          "auth",    "incidents",   "durability",
                          "audit",   "sources",     "people",
                          "oncall",  "notify",      "escalation_policies",
                          "kafka"},
                   "the top level");
      })) {
    return;
  }
  if (root["http"]) diag.guard([&] { parse_http(root["http"], cfg.http); });
  if (root["listen"]) diag.guard([&] { cfg.http.listen = get_string(root["listen"], "listen"); });
  if (root["store"]) diag.guard([&] { parse_store(root["store"], cfg.store); });
  if (root["limits"]) {
    diag.guard([&] { parse_limits(root["limits"], cfg.limits); });
    diag.guard([&] { parse_state_limits(root["limits"], cfg); });
  }
  diag.guard([&] { parse_runtime(root, cfg); });
  if (root["rules"]) read_rules(root["rules"], base_dir, diag, cfg.rules);
  read_correlation(root, base_dir, diag, cfg.correlation);
  if (root["incidents"]) {
    read_incidents(root["incidents"], diag, cfg.correlation.lifecycle, cfg.problems, cfg.retention);
  }
  if (root["auth"]) read_auth(root["auth"], diag, cfg.auth);
  if (root["durability"]) read_durability(root["durability"], diag, cfg.durability);
  if (root["audit"]) read_audit(root["audit"], diag, cfg.audit);
  if (root["sources"]) read_sources(root["sources"], diag, cfg.sources);
  if (root["people"]) read_people(root["people"], diag, cfg.oncall);
  if (root["oncall"]) read_oncall(root["oncall"], diag, cfg.oncall);
  read_notify(root, diag, cfg.oncall, cfg.notify);
  if (root["kafka"]) read_kafka(root["kafka"], diag, cfg.kafka);
}
}  // namespace

std::string_view embedded_default_config() {
  return kEmbeddedDefaults;
}

core::Result<DaemonConfig> parse_config(std::string_view yaml, std::string_view origin,
                                        const std::filesystem::path& base_dir) {
  Diagnostics diag{std::string(origin)};
  YAML::Node root;
  if (!diag.guard([&] { root = YAML::Load(std::string(yaml)); })) {
    return core::Error{"invalid_config", diag.joined()};
  }
  return parse_config_node(root, origin, base_dir);
}

core::Result<DaemonConfig> parse_config_node(const YAML::Node& root, std::string_view origin,
                                             const std::filesystem::path& base_dir) {
  DaemonConfig cfg;
  cfg.origin = std::string(origin);
  Diagnostics diag{std::string(origin)};
  parse_root(root, base_dir, diag, cfg);
  if (!diag.ok()) return core::Error{"invalid_config", diag.joined()};
  // One body limit: the server stops reading at it, the decoders check it too.
  cfg.limits.max_body_bytes = cfg.http.max_body_bytes;
  if (cfg.durability.dir.empty()) {
    auto data_dir = cfg.store.uses_postgres()
                        ? std::filesystem::path("./data")
                        : std::filesystem::path(cfg.store.sqlite_path).parent_path();
    cfg.durability.dir = (data_dir.empty() ? std::filesystem::path(".") : data_dir) / "journal";
  }
  if (cfg.audit.anchor_file.empty()) cfg.audit.anchor_file = default_anchor_file(cfg.store);
  if (cfg.pipeline.shards == 0) {
    cfg.pipeline.shards = std::max(1u, std::thread::hardware_concurrency());
  }
  return cfg;
}

core::Result<DaemonConfig> load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::Error{"invalid_config", path + ": cannot open file"};
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, std::filesystem::path(path).parent_path());
}

}  // namespace alertd::config
