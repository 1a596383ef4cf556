// alertd_loadgen: HTTP load generator that posts Alertmanager API v2 batches
// (what Prometheus sends) over keep-alive connections and measures accepted
// alerts/s, requests/s and latency. Plain POSIX sockets and poll(): no
// dependency on the code under test, so it can drive alertd and Alertmanager
// alike. Only loopback targets are allowed, and every run is bounded by a
// duration or a request count.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace alertd::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 9880;
  std::string path = "/api/v2/alerts";
  int connections = 8;
  int threads = 2;
  double duration_s = 10;
  uint64_t requests = 0;  // > 0: stop after this many requests instead of the duration
  double rate = 0;        // > 0: at most this many requests per second in total (open pacing)
  int batch = 100;
  int fingerprints = 10000;
  int services = 500;
  double timeout_s = 10;
  std::string format = "am";  // am: Alertmanager v2 arrays; hec: Splunk HEC event objects
  std::string header;         // one extra request header, e.g. "Authorization: Splunk <token>"
};

constexpr std::string_view kUsage =
    "usage: alertd_loadgen [--target HOST:PORT] [--path /api/v2/alerts]\n"
    "         [--connections 8] [--threads 2] [--duration 10 | --requests N] [--rate REQ_PER_S]\n"
    "         [--batch 100] [--fingerprints 10000] [--services 500] [--timeout 10]\n"
    "         [--format am|hec] [--header 'Name: value']\n"
    "Posts Alertmanager v2 batches; the stream cycles through the fingerprints in\n"
    "order, so after the first pass every alert is a re-send. Loopback targets only.\n";

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "alertd_loadgen: %s\n", msg.c_str());
  std::exit(2);
}

double parse_number(std::string_view name, std::string_view text, double lo, double hi) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    die("bad value for " + std::string(name) + ": '" + std::string(text) + "' (allowed " +
        std::to_string(lo) + " .. " + std::to_string(hi) + ")");
  }
  return v;
}

void parse_target(Options& o, std::string_view t) {
  const auto colon = t.rfind(':');
  if (colon == std::string_view::npos) die("--target wants HOST:PORT");
  o.host = std::string(t.substr(0, colon));
  if (o.host == "localhost") o.host = "127.0.0.1";
  o.port = static_cast<uint16_t>(parse_number("port", t.substr(colon + 1), 1, 65535));
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view key = argv[i];
    if (key == "-h" || key == "--help") {
      std::fputs(kUsage.data(), stdout);
      std::exit(0);
    }
    std::string_view value;
    if (const auto eq = key.find('='); eq != std::string_view::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      die("missing value for " + std::string(key));
    }
    if (key == "--target")
      parse_target(o, value);
    else if (key == "--path")
      o.path = std::string(value);
    else if (key == "--format")
      o.format = std::string(value);
    else if (key == "--header")
      o.header = std::string(value);
    else if (key == "--connections")
      o.connections = int(parse_number(key, value, 1, 1024));
    else if (key == "--threads")
      o.threads = int(parse_number(key, value, 1, 64));
    else if (key == "--rate")
      o.rate = parse_number(key, value, 1, 1e7);
    else if (key == "--duration")
      o.duration_s = parse_number(key, value, 0.1, 3600);
    else if (key == "--requests")
      o.requests = uint64_t(parse_number(key, value, 1, 1e9));
    else if (key == "--batch")
      o.batch = int(parse_number(key, value, 1, 10000));
    else if (key == "--fingerprints")
      o.fingerprints = int(parse_number(key, value, 1, 1e7));
    else if (key == "--services")
      o.services = int(parse_number(key, value, 1, 1e6));
    else if (key == "--timeout")
      o.timeout_s = parse_number(key, value, 0.1, 300);
    else
      die("unknown option " + std::string(key) + "\n" + std::string(kUsage));
  }
  if (o.path.empty() || o.path[0] != '/') die("--path must start with '/'");
  if (o.format != "am" && o.format != "hec") die("--format must be am or hec");
  o.threads = std::min(o.threads, o.connections);
  return o;
}

// Load tests stay on this machine: refuse anything outside 127.0.0.0/8.
sockaddr_in loopback_address(const Options& o) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) {
    die("--target host must be an IPv4 loopback address, got '" + o.host + "'");
  }
  if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127) die("refusing non-loopback target " + o.host);
  return addr;
}

std::string rfc3339(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One alert as Prometheus sends it: a lease endsAt well past the run.
void append_alert(std::string& out, int fp, const Options& o, const std::string& starts,
                  const std::string& ends) {
  static constexpr const char* kSeverity[] = {"critical", "warning", "info"};
  char buf[640];
  const int n = std::snprintf(
      buf, sizeof buf,
      R"({"labels":{"alertname":"LoadAlert%d","service":"svc-%d","instance":"host-%d:9100",)"
      R"("job":"node","severity":"%s"},"annotations":{"summary":"load test alert %d",)"
      R"("description":"synthetic alert from alertd_loadgen"},"startsAt":"%s","endsAt":"%s",)"
      R"("generatorURL":"http://prometheus.load.test:9090/graph?g0.expr=up"})",
      fp % 37, fp % o.services, fp, kSeverity[fp % 3], fp, starts.c_str(), ends.c_str());
  out.append(buf, static_cast<size_t>(std::min<int>(n, sizeof buf - 1)));
}

// The same alert as a Splunk HEC event, as a forwarder sends it.
void append_hec_event(std::string& out, int fp, const Options& o, std::time_t now) {
  static constexpr const char* kSeverity[] = {"critical", "warning", "info"};
  char buf[640];
  const int n = std::snprintf(
      buf, sizeof buf,
      R"({"time":"%lld.250","host":"host-%d","source":"loadgen","sourcetype":"load:alert",)"
      R"("event":{"alertname":"LoadAlert%d","service":"svc-%d","severity":"%s",)"
      R"("message":"synthetic alert %d from alertd_loadgen"}})"
      "\n",
      static_cast<long long>(now), fp, fp % 37, fp % o.services, kSeverity[fp % 3], fp);
  out.append(buf, static_cast<size_t>(std::min<int>(n, sizeof buf - 1)));
}

// Request j carries fingerprints [j*batch, (j+1)*batch) modulo the fingerprint
// count; the bodies are built once so the generator costs little at run time.
std::vector<std::string> build_requests(const Options& o) {
  const std::time_t now = std::time(nullptr);
  const std::string starts = rfc3339(now - 3600);
  const std::string ends = rfc3339(now + 4 * 3600);
  const int count = (o.fingerprints + o.batch - 1) / o.batch;
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(count));
  for (int j = 0; j < count; ++j) {
    const bool hec = o.format == "hec";
    std::string body = hec ? "" : "[";
    for (int k = 0; k < o.batch; ++k) {
      const auto fp = static_cast<int>((int64_t(j) * o.batch + k) % o.fingerprints);
      if (hec) {
        append_hec_event(body, fp, o, now);
        continue;
      }
      if (k) body += ',';
      append_alert(body, fp, o, starts, ends);
    }
    if (!hec) body += ']';
    std::string req = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" +
                      std::to_string(o.port) +
                      "\r\nUser-Agent: alertd_loadgen\r\nContent-Type: application/json\r\n" +
                      (o.header.empty() ? std::string() : o.header + "\r\n") +
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out.push_back(req + body);
  }
  return out;
}

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

struct ParsedResponse {
  int status = 0;
  bool close = false;
  size_t consumed = 0;
  std::string_view body;
};

// Chunked body starting at `pos`; returns the end offset, or npos if incomplete.
size_t chunked_end(std::string_view buf, size_t pos, bool& bad) {
  for (int guard = 0; guard < 100000; ++guard) {
    const size_t eol = buf.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::string_view::npos;
    size_t len = 0;
    auto [p, ec] = std::from_chars(buf.data() + pos, buf.data() + eol, len, 16);
    if (ec != std::errc()) {
      bad = true;
      return std::string_view::npos;
    }
    pos = eol + 2;
    if (len == 0) {  // trailers end with an empty line
      const size_t end = buf.find("\r\n", pos);
      return end == std::string_view::npos ? end : end + 2;
    }
    if (buf.size() < pos + len + 2) return std::string_view::npos;
    pos += len + 2;
  }
  bad = true;
  return std::string_view::npos;
}

// Returns a response once it is complete; sets `bad` on garbage.
std::optional<ParsedResponse> parse_response(std::string_view buf, bool& bad) {
  const size_t head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buf.size() > 65536) bad = true;
    return std::nullopt;
  }
  ParsedResponse r;
  if (!buf.starts_with("HTTP/1.") || buf.size() < 12) {
    bad = true;
    return std::nullopt;
  }
  std::from_chars(buf.data() + 9, buf.data() + 12, r.status);
  r.close = buf.starts_with("HTTP/1.0");
  size_t content_length = 0;
  bool chunked = false;
  for (size_t pos = buf.find("\r\n") + 2; pos < head_end;) {
    const size_t eol = buf.find("\r\n", pos);
    const std::string_view line = buf.substr(pos, eol - pos);
    const size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (iequals_prefix(line, "content-length:")) {
      std::from_chars(value.data(), value.data() + value.size(), content_length);
    } else if (iequals_prefix(line, "transfer-encoding:")) {
      chunked = value.find("chunked") != std::string_view::npos;
    } else if (iequals_prefix(line, "connection:")) {
      r.close = iequals_prefix(value, "close");
    }
    pos = eol + 2;
  }
  const size_t body_start = head_end + 4;
  if (chunked) {
    const size_t end = chunked_end(buf, body_start, bad);
    if (end == std::string_view::npos) return std::nullopt;
    r.consumed = end;
  } else {
    if (buf.size() < body_start + content_length) return std::nullopt;
    r.consumed = body_start + content_length;
  }
  r.body = buf.substr(body_start, r.consumed - body_start);
  return r;
}

struct Shared {
  const Options* options = nullptr;
  const std::vector<std::string>* requests = nullptr;
  sockaddr_in addr{};
  Clock::time_point start;
  Clock::time_point deadline;
  std::atomic<uint64_t> issued{0};
};

struct Stats {
  uint64_t ok = 0, throttled = 0, other = 0, errors = 0, reconnects = 0, alerts_ok = 0;
  std::vector<uint32_t> latency_us;
  std::string first_unexpected;
  Clock::time_point last_done;
};

struct Conn {
  int fd = -1;
  enum class State { idle, writing, reading } state = State::idle;
  const std::string* request = nullptr;
  size_t sent = 0;
  std::string in;
  Clock::time_point started;
};

int connect_to(const sockaddr_in& addr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

class Worker {
 public:
  Worker(Shared& shared, int connections) : shared_(shared), conns_(size_t(connections)) {}

  void run();
  Stats& stats() { return stats_; }

 private:
  bool start_request(Conn& c, Clock::time_point now);
  void on_writable(Conn& c);
  void on_readable(Conn& c, Clock::time_point now);
  void fail(Conn& c);
  void reset(Conn& c);

  Shared& shared_;
  std::vector<Conn> conns_;
  Stats stats_;
  bool pacing_ = false;  // some connection waits for its turn under --rate
};

bool Worker::start_request(Conn& c, Clock::time_point now) {
  const Options& o = *shared_.options;
  if (o.requests == 0 && now >= shared_.deadline) return false;
  if (o.rate > 0) {
    // Pacing: issue request n only once n / rate seconds have passed, so a
    // latency figure can be taken at a chosen fraction of the maximum load.
    const double elapsed = std::chrono::duration<double>(now - shared_.start).count();
    if (double(shared_.issued.load(std::memory_order_relaxed)) >= elapsed * o.rate) {
      pacing_ = true;
      return false;
    }
  }
  const uint64_t n = shared_.issued.fetch_add(1, std::memory_order_relaxed);
  if (o.requests != 0 && n >= o.requests) return false;
  if (c.fd < 0) {
    c.fd = connect_to(shared_.addr);
    if (c.fd < 0) {
      ++stats_.errors;
      return false;
    }
  }
  c.request = &(*shared_.requests)[n % shared_.requests->size()];
  c.sent = 0;
  c.in.clear();
  c.started = now;
  c.state = Conn::State::writing;
  return true;
}

void Worker::reset(Conn& c) {
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
  c.state = Conn::State::idle;
}

void Worker::fail(Conn& c) {
  ++stats_.errors;
  reset(c);
}

void Worker::on_writable(Conn& c) {
  while (c.sent < c.request->size()) {
    const ssize_t n =
        ::send(c.fd, c.request->data() + c.sent, c.request->size() - c.sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += size_t(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      // The server may answer early (413, 429) and close: read what it said.
      c.state = Conn::State::reading;
      return;
    }
  }
  c.state = Conn::State::reading;
}

void Worker::on_readable(Conn& c, Clock::time_point now) {
  char buf[16384];
  bool eof = false;
  for (;;) {
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, size_t(n));
      if (size_t(n) < sizeof buf) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    eof = true;  // closed or reset: what arrived before may still be a full response
    break;
  }
  bool bad = false;
  const auto r = parse_response(c.in, bad);
  if (bad || (!r && eof)) return fail(c);
  if (!r) return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - c.started);
  stats_.latency_us.push_back(uint32_t(std::min<int64_t>(us.count(), UINT32_MAX)));
  stats_.last_done = now;
  if (r->status >= 200 && r->status < 300) {
    ++stats_.ok;
    stats_.alerts_ok += uint64_t(shared_.options->batch);
  } else if (r->status == 429) {
    ++stats_.throttled;
  } else {
    ++stats_.other;
    if (stats_.first_unexpected.empty()) {
      stats_.first_unexpected =
          std::to_string(r->status) + " " + std::string(r->body.substr(0, 300));
    }
  }
  const bool close = r->close || eof || c.sent < c.request->size();
  c.in.erase(0, r->consumed);
  if (close) {
    ++stats_.reconnects;
    reset(c);
  } else {
    c.state = Conn::State::idle;
  }
}

void Worker::run() {
  const auto timeout = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(shared_.options->timeout_s));
  std::vector<pollfd> fds;
  std::vector<Conn*> owners;
  for (;;) {
    auto now = Clock::now();
    fds.clear();
    owners.clear();
    pacing_ = false;
    for (Conn& c : conns_) {
      if (c.state == Conn::State::idle && !start_request(c, now)) continue;
      if (now - c.started > timeout) {
        fail(c);
        continue;
      }
      const short ev = c.state == Conn::State::writing ? POLLOUT : POLLIN;
      fds.push_back(pollfd{c.fd, ev, 0});
      owners.push_back(&c);
    }
    if (fds.empty() && !pacing_) return;  // nothing in flight and nothing left to start
    if (::poll(fds.data(), fds.size(), pacing_ ? 1 : 100) < 0 && errno != EINTR) {
      die("poll failed");
    }
    now = Clock::now();
    for (size_t i = 0; i < fds.size(); ++i) {
      Conn& c = *owners[i];
      if (fds[i].revents == 0) continue;
      if (c.state == Conn::State::writing) on_writable(c);
      if (c.state == Conn::State::reading && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        on_readable(c, now);
      }
    }
  }
}

double percentile_ms(std::vector<uint32_t>& v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, size_t(q * double(v.size())));
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return v[k] / 1000.0;
}

int report(const Options& o, const Shared& shared, std::vector<Worker>& workers) {
  Stats total;
  total.last_done = shared.start;
  for (Worker& w : workers) {
    Stats& s = w.stats();
    total.ok += s.ok;
    total.throttled += s.throttled;
    total.other += s.other;
    total.errors += s.errors;
    total.reconnects += s.reconnects;
    total.alerts_ok += s.alerts_ok;
    total.latency_us.insert(total.latency_us.end(), s.latency_us.begin(), s.latency_us.end());
    total.last_done = std::max(total.last_done, s.last_done);
    if (total.first_unexpected.empty()) total.first_unexpected = s.first_unexpected;
  }
  const double secs =
      std::max(1e-6, std::chrono::duration<double>(total.last_done - shared.start).count());
  const uint64_t answered = total.ok + total.throttled + total.other;
  const double max_ms =
      total.latency_us.empty()
          ? 0
          : *std::max_element(total.latency_us.begin(), total.latency_us.end()) / 1000.0;
  const double p50 = percentile_ms(total.latency_us, 0.50);
  const double p99 = percentile_ms(total.latency_us, 0.99);
  std::printf("target      %s:%u%s\n", o.host.c_str(), o.port, o.path.c_str());
  std::printf(
      "shape       %d connections, %d threads, %d alerts/request, %d fingerprints "
      "over %d services\n",
      o.connections, o.threads, o.batch, o.fingerprints, o.services);
  std::printf("elapsed     %.2f s, %llu responses\n", secs, (unsigned long long)answered);
  std::printf("status      2xx %llu, 429 %llu, other %llu, errors %llu, reconnects %llu\n",
              (unsigned long long)total.ok, (unsigned long long)total.throttled,
              (unsigned long long)total.other, (unsigned long long)total.errors,
              (unsigned long long)total.reconnects);
  if (!total.first_unexpected.empty()) {
    std::printf("first other %s\n", total.first_unexpected.c_str());
  }
  std::printf("rate        %.0f alerts/s accepted, %.1f requests/s\n", total.alerts_ok / secs,
              answered / secs);
  std::printf("latency     p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", p50, p99, max_ms);
  std::printf(
      "RESULT alerts_per_s=%.0f requests_per_s=%.1f p50_ms=%.3f p99_ms=%.3f ok=%llu "
      "throttled=%llu other=%llu errors=%llu\n",
      total.alerts_ok / secs, answered / secs, p50, p99, (unsigned long long)total.ok,
      (unsigned long long)total.throttled, (unsigned long long)total.other,
      (unsigned long long)total.errors);
  return (total.ok > 0 && total.other == 0 && total.errors == 0) ? 0 : 1;
}

}  // namespace
}  // namespace alertd::bench

int main(int argc, char** argv) {
  using namespace alertd::bench;
  const Options o = parse_options(argc, argv);
  Shared shared;
  shared.options = &o;
  shared.addr = loopback_address(o);
  const std::vector<std::string> requests = build_requests(o);
  shared.requests = &requests;

  std::vector<Worker> workers;
  workers.reserve(size_t(o.threads));
  for (int t = 0; t < o.threads; ++t) {
    workers.emplace_back(shared, o.connections / o.threads + (t < o.connections % o.threads));
  }
  shared.start = Clock::now();
  shared.deadline = shared.start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(o.duration_s));
  std::vector<std::thread> threads;
  for (Worker& w : workers) threads.emplace_back([&w] { w.run(); });
  for (std::thread& t : threads) t.join();
  return report(o, shared, workers);
}
