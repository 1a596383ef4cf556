#include "ingest/kafka/stats.h"

#include <simdjson.h>

#include <charconv>

namespace alertd::ingest::kafka {

namespace {

void read_brokers(simdjson::dom::object brokers, ClientStats& out) {
  for (auto [name, broker] : brokers) {
    int64_t nodeid = -1;
    std::string_view state;
    if (broker["nodeid"].get(nodeid) != simdjson::SUCCESS || nodeid < 0) continue;
    if (broker["state"].get(state) == simdjson::SUCCESS && state == "UP") ++out.brokers_up;
  }
}

void read_topic(std::string_view topic, simdjson::dom::object partitions, ClientStats& out) {
  for (auto [key, p] : partitions) {
    int32_t partition = -1;
    auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), partition);
    if (ec != std::errc() || partition < 0) continue;  // "-1": the unassigned pseudo-partition
    // Partitions this client only knows from metadata carry fetch_state "none".
    std::string_view fetch_state;
    if (p["fetch_state"].get(fetch_state) == simdjson::SUCCESS && fetch_state == "none") continue;
    int64_t lag = -1;
    if (p["consumer_lag"].get(lag) != simdjson::SUCCESS) lag = -1;
    out.lags.push_back({std::string(topic), partition, lag});
  }
}

}  // namespace

bool parse_client_stats(std::string_view json, ClientStats& out) {
  out = {};
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::object brokers;
  if (root["brokers"].get(brokers) == simdjson::SUCCESS) read_brokers(brokers, out);
  simdjson::dom::object topics;
  if (root["topics"].get(topics) == simdjson::SUCCESS) {
    for (auto [topic, t] : topics) {
      simdjson::dom::object partitions;
      if (t["partitions"].get(partitions) == simdjson::SUCCESS) read_topic(topic, partitions, out);
    }
  }
  return true;
}

}  // namespace alertd::ingest::kafka
