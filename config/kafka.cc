// `kafka:` — the consumer group alertd joins, the topics it reads and their
// formats, the incidents and dead-letter topics, relay mode, and librdkafka
// properties passed through (docs/operations.md has a real cluster's).

#include <set>

#include "config/sections.h"

namespace alertd::config {

namespace {

// Kafka's own rule for topic names: at most 249 of [a-zA-Z0-9._-].
std::string read_topic_name(const YAML::Node& n, const std::string& what) {
  std::string name = get_string(n, what);
  if (name.empty() || name.size() > 249) throw ConfigError(n, what + ": 1 to 249 characters");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) throw ConfigError(n, what + ": a Kafka topic name holds only a-z A-Z 0-9 . _ -");
  }
  return name;
}

KafkaTopicConfig read_topic(const YAML::Node& n, const std::string& what) {
  KafkaTopicConfig t;
  if (n.IsScalar()) {
    t.name = read_topic_name(n, what);
    return t;
  }
  check_keys(n, {"name", "format", "tenant"}, what);
  if (!n["name"]) throw ConfigError(n, what + ": name is required");
  t.name = read_topic_name(n["name"], what + ".name");
  if (n["format"]) {
    const std::string format = get_string(n["format"], what + ".format");
    auto parsed = ingest::parse_message_format(format);
    if (!parsed) {
      std::string names;
      for (auto name : ingest::kMessageFormatNames)
        names += (names.empty() ? "" : ", ") + std::string(name);
      throw ConfigError(n["format"], what + ".format: \"" + format + "\" is not one of " + names);
    }
    t.format = *parsed;
  }
  if (n["tenant"]) t.tenant = read_short(n["tenant"], what + ".tenant");
  return t;
}

void read_properties(const YAML::Node& n, Diagnostics& diag, KafkaConfig& out) {
  if (!n.IsMap()) {
    diag.guard([&] { throw ConfigError(n, "kafka.properties: expected a mapping"); });
    return;
  }
  for (const auto& item : n) {
    diag.guard([&] {
      const std::string key = get_string(item.first, "kafka.properties key");
      if (key == "bootstrap.servers" || key == "group.id") {
        throw ConfigError(item.first, "kafka.properties." + key + ": set kafka." +
                                          (key == "group.id" ? "group_id" : "brokers") +
                                          " instead");
      }
      out.properties[key] = expand_env(item.second, "kafka.properties." + key);
    });
  }
}

void check_topics(const YAML::Node& n, KafkaConfig& out) {
  std::set<std::string> names;
  for (const auto& t : out.topics) {
    if (!names.insert(t.name).second) {
      throw ConfigError(n, "kafka.topics: " + t.name + " is listed twice");
    }
  }
  if (!out.dead_letter_topic.empty() && names.contains(out.dead_letter_topic)) {
    throw ConfigError(n, "kafka.dead_letter_topic: it is also a topic alertd reads");
  }
  if (!out.incidents_topic.empty() && names.contains(out.incidents_topic)) {
    throw ConfigError(n, "kafka.incidents_topic: it is also a topic alertd reads");
  }
  if (out.relay && out.relay_topic.empty()) {
    if (out.topics.empty()) throw ConfigError(n, "kafka.relay: needs relay_topic or a topic");
    out.relay_topic = out.topics.front().name;
  }
  if (out.brokers.empty() && (!out.topics.empty() || !out.incidents_topic.empty() || out.relay)) {
    throw ConfigError(n, "kafka: brokers is required");
  }
}

}  // namespace

void read_kafka(const YAML::Node& n, Diagnostics& diag, KafkaConfig& out) {
  diag.guard([&] {
    check_keys(n,
               {"brokers", "group_id", "topics", "incidents_topic", "dead_letter_topic",
                "properties", "relay", "relay_topic", "max_message_bytes", "commit_interval"},
               "kafka");
    if (n["brokers"]) {
      out.brokers = n["brokers"].IsSequence()
                        ? [&] {
                            std::string joined;
                            for (const auto& b : get_string_list(n["brokers"], "kafka.brokers")) {
                              joined += (joined.empty() ? "" : ",") + b;
                            }
                            return joined;
                          }()
                        : get_string(n["brokers"], "kafka.brokers");
    }
    if (n["group_id"]) out.group_id = read_short(n["group_id"], "kafka.group_id");
    if (n["incidents_topic"]) {
      out.incidents_topic = read_topic_name(n["incidents_topic"], "kafka.incidents_topic");
    }
    if (n["dead_letter_topic"]) {
      out.dead_letter_topic = read_topic_name(n["dead_letter_topic"], "kafka.dead_letter_topic");
    }
    if (n["relay"]) out.relay = get_bool(n["relay"], "kafka.relay");
    if (n["relay_topic"]) out.relay_topic = read_topic_name(n["relay_topic"], "kafka.relay_topic");
    if (n["max_message_bytes"]) {
      out.max_message_bytes =
          get_bytes(n["max_message_bytes"], "kafka.max_message_bytes", 1 << 10, 64 << 20);
    }
    if (n["commit_interval"]) {
      out.commit_interval = get_duration(n["commit_interval"], "kafka.commit_interval", false);
    }
  });
  read_list(n["topics"], "kafka.topics", 1000, diag,
            [&](const YAML::Node& item, const std::string& what) {
              out.topics.push_back(read_topic(item, what));
            });
  if (n["properties"]) read_properties(n["properties"], diag, out);
  diag.guard([&] { check_topics(n, out); });
}

}  // namespace alertd::config
