// alertd_tcp_loadgen: streams NDJSON lines of the generic format to the TCP
// source (sources.tcp.listen) over N connections, then polls the daemon's
// /metrics until alertd_alerts_received_total has grown by every line sent.
// The rate is lines / (first byte sent .. last line counted as accepted), so
// it measures what the daemon took (journaled when the journal is on), not
// what the kernel buffered. POSIX sockets only; loopback targets only.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int tcp_port = 0;
  int http_port = 9880;
  size_t connections = 2;
  size_t lines = 2000000;  // in total
  size_t fingerprints = 10000;
  size_t services = 500;
  double timeout_s = 120;
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "alertd_tcp_loadgen: %s\n", why.c_str());
  std::fprintf(stderr,
               "usage: alertd_tcp_loadgen --tcp 127.0.0.1:PORT --http 127.0.0.1:PORT\n"
               "         [--connections 2] [--lines 2000000] [--fingerprints 10000]\n"
               "         [--services 500] [--timeout 120]\n");
  std::exit(2);
}

int port_of(std::string_view hp, std::string& host) {
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos) die("want HOST:PORT");
  host = std::string(hp.substr(0, colon));
  if (host.rfind("127.", 0) != 0) die("only IPv4 loopback targets, got " + host);
  return std::atoi(std::string(hp.substr(colon + 1)).c_str());
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view key = argv[i];
    if (i + 1 >= argc) die("missing value for " + std::string(key));
    std::string_view value = argv[++i];
    if (key == "--tcp")
      o.tcp_port = port_of(value, o.host);
    else if (key == "--http")
      o.http_port = port_of(value, o.host);
    else if (key == "--connections")
      o.connections = std::strtoul(value.data(), nullptr, 10);
    else if (key == "--lines")
      o.lines = std::strtoul(value.data(), nullptr, 10);
    else if (key == "--fingerprints")
      o.fingerprints = std::strtoul(value.data(), nullptr, 10);
    else if (key == "--services")
      o.services = std::strtoul(value.data(), nullptr, 10);
    else if (key == "--timeout")
      o.timeout_s = std::strtod(value.data(), nullptr);
    else
      die("unknown option " + std::string(key));
  }
  if (o.tcp_port <= 0) die("--tcp is required");
  if (o.connections == 0 || o.fingerprints == 0 || o.services == 0) die("counts must be > 0");
  return o;
}

int connect_to(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    die("cannot connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno));
  }
  return fd;
}

// One pass over every fingerprint: after it, every line is a re-send.
std::string cycle(const Options& o) {
  std::string out;
  char buf[512];
  for (size_t i = 0; i < o.fingerprints; ++i) {
    int n = std::snprintf(buf, sizeof buf,
                          "{\"labels\":{\"alertname\":\"LoadTest\",\"service\":\"svc-%zu\","
                          "\"instance\":\"host-%zu\",\"severity\":\"warning\"},"
                          "\"annotations\":{\"summary\":\"load test alert %zu\"}}\n",
                          i % o.services, i, i);
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void send_lines(const Options& o, const std::string& pass, size_t lines) {
  int fd = connect_to(o.host, o.tcp_port);
  const size_t per_pass = o.fingerprints;
  size_t sent = 0;
  while (sent < lines) {
    const size_t take = std::min(per_pass, lines - sent);
    size_t bytes = pass.size();
    if (take < per_pass) {  // a part of a pass: cut after `take` lines
      bytes = 0;
      for (size_t k = 0; k < take; ++k) bytes = pass.find('\n', bytes) + 1;
    }
    for (size_t off = 0; off < bytes;) {
      ssize_t w = ::send(fd, pass.data() + off, bytes - off, MSG_NOSIGNAL);
      if (w <= 0) die(std::string("send failed: ") + std::strerror(errno));
      off += static_cast<size_t>(w);
    }
    sent += take;
  }
  ::shutdown(fd, SHUT_WR);
  char sink[4096];
  while (::recv(fd, sink, sizeof sink, 0) > 0) {
  }
  ::close(fd);
}

// The sum of alertd_alerts_received_total over every source, or -1.
double received_total(const Options& o) {
  int fd = connect_to(o.host, o.http_port);
  const std::string req = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string body;
  char buf[65536];
  for (ssize_t r; (r = ::recv(fd, buf, sizeof buf, 0)) > 0;) body.append(buf, r);
  ::close(fd);
  double total = 0;
  const std::string_view name = "\nalertd_alerts_received_total{";
  for (size_t at = body.find(name); at != std::string::npos; at = body.find(name, at + 1)) {
    size_t space = body.find(' ', body.find('}', at));
    total += std::strtod(body.c_str() + space + 1, nullptr);
  }
  return body.empty() ? -1 : total;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const std::string pass = cycle(o);
  const double before = received_total(o);
  if (before < 0) die("cannot read /metrics");
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  std::vector<std::thread> senders;
  for (size_t c = 0; c < o.connections; ++c) {
    const size_t share = o.lines / o.connections + (c < o.lines % o.connections ? 1 : 0);
    senders.emplace_back([&o, &pass, share] { send_lines(o, pass, share); });
  }
  for (auto& t : senders) t.join();
  const auto sent = clock::now();
  double now_total = before;
  while (now_total - before < static_cast<double>(o.lines)) {
    if (std::chrono::duration<double>(clock::now() - start).count() > o.timeout_s) {
      std::fprintf(stderr, "timeout: %.0f of %zu lines counted\n", now_total - before, o.lines);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    now_total = received_total(o);
  }
  const double seconds = std::chrono::duration<double>(clock::now() - start).count();
  const double send_s = std::chrono::duration<double>(sent - start).count();
  const double bytes = static_cast<double>(pass.size()) / o.fingerprints * o.lines;
  std::printf(
      "%zu lines over %zu connections: %.0f alerts/s accepted (%.2f s; sending took %.2f s,"
      " %.1f MB/s)\n",
      o.lines, o.connections, o.lines / seconds, seconds, send_s, bytes / seconds / 1e6);
  std::printf("RESULT lines=%zu connections=%zu seconds=%.3f alerts_per_s=%.0f\n", o.lines,
              o.connections, seconds, o.lines / seconds);
  return 0;
}
