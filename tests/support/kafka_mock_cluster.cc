// kafka_mock_cluster: librdkafka's mock cluster (rdkafka_mock.h) in a
// process of its own, for the integration tests (tests/integration/kafka.py):
// Debian bookworm's kcat 1.7.1 has no -M. Prints `BROKERS=host:port,...`
// once the brokers listen, then takes commands on stdin, one per line,
// answering each with `ok` or `error: ...`:
//   topic NAME PARTITIONS      create a topic (replication: every broker)
//   down ID / up ID            take a broker (1..N) down or bring it back
//   leader TOPIC PARTITION ID  move a partition's leader
// It exits when stdin closes (or on SIGTERM, at once).
//
//   kafka_mock_cluster [--brokers N] [--topic NAME:PARTITIONS]...

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Options {
  int brokers = 3;
  std::vector<std::pair<std::string, int>> topics;
};

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--brokers" && i + 1 < argc) {
      o.brokers = std::atoi(argv[++i]);
    } else if (arg == "--topic" && i + 1 < argc) {
      std::string spec = argv[++i];
      auto colon = spec.rfind(':');
      if (colon == std::string::npos) return false;
      o.topics.emplace_back(spec.substr(0, colon), std::atoi(spec.c_str() + colon + 1));
    } else {
      return false;
    }
  }
  return o.brokers >= 1 && o.brokers <= 16;
}

std::string run(rd_kafka_mock_cluster_t* mc, int brokers, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (verb == "topic") {
    std::string name;
    int partitions = 0;
    if (!(in >> name >> partitions) || partitions < 1) return "error: topic NAME PARTITIONS";
    err = rd_kafka_mock_topic_create(mc, name.c_str(), partitions, brokers);
  } else if (verb == "down" || verb == "up") {
    int id = 0;
    if (!(in >> id) || id < 1 || id > brokers)
      return "error: " + verb + " ID (1.." + std::to_string(brokers) + ")";
    err = verb == "down" ? rd_kafka_mock_broker_set_down(mc, id)
                         : rd_kafka_mock_broker_set_up(mc, id);
  } else if (verb == "leader") {
    std::string topic;
    int partition = -1, id = 0;
    if (!(in >> topic >> partition >> id)) return "error: leader TOPIC PARTITION ID";
    err = rd_kafka_mock_partition_set_leader(mc, topic.c_str(), partition, id);
  } else {
    return "error: unknown command \"" + verb + "\"";
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("error: ") + rd_kafka_err2str(err);
  return "ok";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::cerr << "usage: kafka_mock_cluster [--brokers N] [--topic NAME:PARTITIONS]...\n";
    return 2;
  }
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    std::cerr << "kafka_mock_cluster: " << err << "\n";
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, o.brokers);
  if (mc == nullptr) {
    std::cerr << "kafka_mock_cluster: cannot start the mock cluster\n";
    rd_kafka_destroy(rk);
    return 1;
  }
  for (const auto& [name, partitions] : o.topics) {
    if (auto e = rd_kafka_mock_topic_create(mc, name.c_str(), partitions, o.brokers)) {
      std::cerr << "kafka_mock_cluster: topic " << name << ": " << rd_kafka_err2str(e) << "\n";
    }
  }
  std::cout << "BROKERS=" << rd_kafka_mock_cluster_bootstraps(mc) << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::cout << run(mc, o.brokers, line) << std::endl;
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
