#pragma once
// librdkafka's statistics (statistics.interval.ms, its STATISTICS.md): the
// few fields alertd exports as metrics, read from the JSON it emits.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace alertd::ingest::kafka {

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t lag = -1;  // consumer_lag: -1 until librdkafka knows it
};

struct ClientStats {
  int brokers_up = 0;              // brokers in state UP (bootstrap entries are not brokers)
  std::vector<PartitionLag> lags;  // partitions this client fetches (not the -1 UA one)
};

/// False when `json` is not librdkafka's statistics object.
bool parse_client_stats(std::string_view json, ClientStats& out);

}  // namespace alertd::ingest::kafka
