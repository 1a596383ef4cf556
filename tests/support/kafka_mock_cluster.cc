// kafka_mock_cluster: librdkafka's in-process mock cluster as a stand-alone
// program, so integration tests can point kcat and alertd at real Kafka
// wire protocol without a broker. Debian bookworm's kcat 1.7.1 has no -M
// (mock mode came in 1.8.0), hence this helper; tests/integration/kafka.py
// drives it.
//
//   kafka_mock_cluster [--brokers N] [--topic NAME:PARTITIONS]...
//
// Prints "BROKERS=127.0.0.1:p1,..." once the cluster and the --topic topics
// exist, then answers one stdin command per line with "ok" or "error: ...":
//   topic NAME PARTITIONS | down ID | up ID | leader TOPIC PARTITION ID
// Exits 0 (cluster destroyed) when stdin closes or on SIGTERM/SIGINT.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

struct Options {
  int brokers = 3;
  std::vector<std::pair<std::string, int>> topics;
};

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool parse_args(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string_view value = argv[++i];
    if (arg == "--brokers") {
      const auto n = parse_int(value);
      if (!n || *n < 1) return false;
      options.brokers = *n;
    } else if (arg == "--topic") {
      const size_t colon = value.rfind(':');
      if (colon == std::string_view::npos || colon == 0) return false;
      const auto partitions = parse_int(value.substr(colon + 1));
      if (!partitions || *partitions < 1) return false;
      options.topics.emplace_back(std::string(value.substr(0, colon)), *partitions);
    } else {
      return false;
    }
  }
  return true;
}

std::string result(rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return "ok";
  return std::string("error: ") + rd_kafka_err2str(err);
}

class Cluster {
 public:
  // The mock cluster needs a client handle to run on; a producer that never
  // produces costs nothing and needs no bootstrap.servers.
  bool start(int brokers, std::string& error) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    // Warnings and errors only: the notice that this idle producer has no
    // bootstrap.servers is noise in every test log.
    rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      error = errstr;
      return false;
    }
    mc_ = rd_kafka_mock_cluster_new(rk_, brokers);
    if (mc_ == nullptr) {
      error = "rd_kafka_mock_cluster_new failed";
      return false;
    }
    brokers_ = brokers;
    return true;
  }

  ~Cluster() {
    if (mc_ != nullptr) rd_kafka_mock_cluster_destroy(mc_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }

  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(mc_); }

  // Replication factor 3 like a real cluster, but never above the broker
  // count (the mock refuses that).
  std::string create_topic(const std::string& name, int partitions) {
    const int rf = brokers_ < 3 ? brokers_ : 3;
    return result(rd_kafka_mock_topic_create(mc_, name.c_str(), partitions, rf));
  }

  std::string command(const std::string& line) {
    std::istringstream in(line);
    std::string verb, topic, extra;
    int id = 0, partition = 0;
    in >> verb;
    if (verb == "topic" && in >> topic >> partition && !(in >> extra)) {
      return create_topic(topic, partition);
    }
    if (verb == "down" && in >> id && !(in >> extra)) {
      return result(rd_kafka_mock_broker_set_down(mc_, id));
    }
    if (verb == "up" && in >> id && !(in >> extra)) {
      return result(rd_kafka_mock_broker_set_up(mc_, id));
    }
    if (verb == "leader" && in >> topic >> partition >> id && !(in >> extra)) {
      return result(rd_kafka_mock_partition_set_leader(mc_, topic.c_str(), partition, id));
    }
    return "error: unknown command (topic NAME PARTITIONS | down ID | up ID | "
           "leader TOPIC PARTITION ID)";
  }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
  int brokers_ = 0;
};

void reply(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// Answers stdin lines until EOF or a signal arrives on signal_fd.
void serve(Cluster& cluster, int signal_fd) {
  std::string buffer;
  char chunk[4096];
  for (;;) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;  // EINTR: poll again
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n <= 0) return;
    buffer.append(chunk, static_cast<size_t>(n));
    for (size_t eol; (eol = buffer.find('\n')) != std::string::npos;) {
      std::string line = buffer.substr(0, eol);
      buffer.erase(0, eol + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      reply(cluster.command(line));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_args(argc, argv, options)) {
    std::fprintf(stderr, "usage: %s [--brokers N] [--topic NAME:PARTITIONS]...\n", argv[0]);
    return 2;
  }
  // Blocked before librdkafka starts its threads, so they inherit the mask
  // and SIGTERM only ever arrives through the signalfd.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  sigdelset(&signals, SIGPIPE);
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::perror("signalfd");
    return 1;
  }
  std::string error;
  Cluster cluster;
  if (!cluster.start(options.brokers, error)) {
    std::fprintf(stderr, "kafka_mock_cluster: %s\n", error.c_str());
    return 1;
  }
  for (const auto& [name, partitions] : options.topics) {
    const std::string outcome = cluster.create_topic(name, partitions);
    if (outcome != "ok") {
      std::fprintf(stderr, "kafka_mock_cluster: topic %s: %s\n", name.c_str(), outcome.c_str());
      return 1;
    }
  }
  reply("BROKERS=" + cluster.bootstraps());
  serve(cluster, signal_fd);
  ::close(signal_fd);
  return 0;
}
