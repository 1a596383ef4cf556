#include "daemon/config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace alertd::daemon {

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
ingest:
  resolve_timeout: 5m  # Alertmanager semantics for alerts without endsAt
dedup:
  touch_interval: 1m
  resolved_retention: 20m
correlation:
  group_by: [service]
  group_by_fallback: [alertname]
  group_window: 10m
)";

// Config errors carry the position; thrown inside the parser only and turned
// into a core::Error at the boundary (start-up path, not the data path).
struct ConfigError : std::runtime_error {
  ConfigError(const YAML::Node& node, const std::string& what)
      : std::runtime_error(what), line(node.Mark().line + 1) {}
  int line;
};

void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                std::string_view section) {
  if (!map.IsMap()) throw ConfigError(map, std::string(section) + ": expected a mapping");
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>();
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw ConfigError(kv.first, "unknown key \"" + key + "\" in " + std::string(section) +
                                      " (known: " + list + ")");
    }
  }
}

std::string get_string(const YAML::Node& n, std::string_view what) {
  if (!n.IsScalar()) throw ConfigError(n, std::string(what) + ": expected a string");
  return n.as<std::string>();
}

size_t get_size(const YAML::Node& n, std::string_view what, size_t min, size_t max) {
  if (!n.IsScalar()) throw ConfigError(n, std::string(what) + ": expected a number");
  long long v = 0;
  try {
    v = n.as<long long>();
  } catch (const YAML::Exception&) {
    throw ConfigError(
        n, std::string(what) + ": \"" + n.as<std::string>() + "\" is not a whole number");
  }
  if (v < static_cast<long long>(min) || static_cast<unsigned long long>(v) > max) {
    throw ConfigError(n, std::string(what) + ": " + std::to_string(v) + " is out of range [" +
                             std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<size_t>(v);
}

core::Duration get_duration(const YAML::Node& n, std::string_view what) {
  auto text = get_string(n, what);
  auto d = core::parse_duration(text);
  if (!d) {
    throw ConfigError(n, std::string(what) + ": \"" + text +
                             "\" is not a duration (e.g. 30s, 5m, 1h30m; no negatives)");
  }
  return *d;
}

std::vector<std::string> get_string_list(const YAML::Node& n, std::string_view what) {
  if (!n.IsSequence()) throw ConfigError(n, std::string(what) + ": expected a list of strings");
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(get_string(item, what));
  return out;
}

void parse_http(const YAML::Node& n, HttpConfig& http) {
  check_keys(n, {"threads", "max_body_bytes", "read_timeout", "max_connections", "listen"}, "http");
  if (n["listen"]) http.listen = get_string(n["listen"], "http.listen");
  if (n["threads"]) http.threads = get_size(n["threads"], "http.threads", 1, 256);
  if (n["max_body_bytes"]) {
    http.max_body_bytes = get_size(n["max_body_bytes"], "http.max_body_bytes", 1024, 1ull << 30);
  }
  if (n["read_timeout"]) http.read_timeout = get_duration(n["read_timeout"], "http.read_timeout");
  if (n["max_connections"]) {
    http.max_connections = get_size(n["max_connections"], "http.max_connections", 1, 1000000);
  }
}

void parse_limits(const YAML::Node& n, ingest::Limits& l) {
  check_keys(n,
             {"max_alerts_per_request", "max_labels", "max_annotations", "max_label_name_bytes",
              "max_label_value_bytes", "max_annotation_value_bytes"},
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
}

void parse_correlation(const YAML::Node& n, correlator::CorrelatorConfig& c) {
  check_keys(n, {"group_by", "group_by_fallback", "group_window"}, "correlation");
  if (n["group_by"]) c.group_by = get_string_list(n["group_by"], "correlation.group_by");
  if (n["group_by_fallback"]) {
    c.group_by_fallback = get_string_list(n["group_by_fallback"], "correlation.group_by_fallback");
  }
  if (n["group_window"])
    c.group_window = get_duration(n["group_window"], "correlation.group_window");
}

void parse_root(const YAML::Node& root, DaemonConfig& cfg) {
  if (root.IsNull()) return;  // an empty file means all defaults
  check_keys(root,
             {"listen", "store", "http", "limits", "pipeline", "ingest", "dedup", "correlation"},
             "the top level");
  if (root["http"]) parse_http(root["http"], cfg.http);
  if (root["listen"]) cfg.http.listen = get_string(root["listen"], "listen");
  if (const auto& s = root["store"]) {
    check_keys(s, {"sqlite", "batch_max"}, "store");
    if (s["sqlite"]) cfg.store.sqlite_path = get_string(s["sqlite"], "store.sqlite");
    if (s["batch_max"])
      cfg.store.batch_max = get_size(s["batch_max"], "store.batch_max", 1, 1000000);
  }
  if (root["limits"]) parse_limits(root["limits"], cfg.limits);
  if (const auto& p = root["pipeline"]) {
    check_keys(p, {"shards", "queue_capacity"}, "pipeline");
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
  if (root["correlation"]) parse_correlation(root["correlation"], cfg.correlation);
}

}  // namespace

std::string_view embedded_default_config() {
  return kEmbeddedDefaults;
}

core::Result<DaemonConfig> parse_config(std::string_view yaml, std::string_view origin) {
  DaemonConfig cfg;
  cfg.origin = std::string(origin);
  try {
    parse_root(YAML::Load(std::string(yaml)), cfg);
  } catch (const ConfigError& e) {
    return core::Error{"invalid_config",
                       std::string(origin) + ":" + std::to_string(e.line) + ": " + e.what()};
  } catch (const YAML::Exception& e) {
    return core::Error{"invalid_config",
                       std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  // One body limit: the server stops reading at it, the decoders check it too.
  cfg.limits.max_body_bytes = cfg.http.max_body_bytes;
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
  return parse_config(text.str(), path);
}

}  // namespace alertd::daemon
