// Fuzz target: the whole HTTP request path. The input is the bytes a client
// sends on one connection (one request, or several pipelined); they go over
// loopback to a real api::Server (api/server.cc: its Beast parser, limits and
// sessions, unchanged) in this process, routed by the daemon's own route
// table (every add_*_routes of api/) over a FakeStore and a fake pipeline
// that accepts every batch. The client then half-closes and reads until the
// server closes. Found: a crash (ASan/UBSan, an escaped exception), a leak,
// a connection the server never closes (a hang, after kHangSeconds), or an
// answer that is not HTTP.
//
// Two daemons: an input with an "authorization" header (any case) goes to
// one with an auth section (tokens: see kAdminToken below), every other to
// one with the open API, so that routes run past the token check.
//
// Every JSON body must be valid UTF-8 JSON (issue 13, item 7;
// ALERTD_FUZZ_LENIENT_JSON=1 turns that off); ALERTD_FUZZ_TRACE=1 prints
// every answer.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "api/api_context.h"
#include "api/engine.h"
#include "api/responses.h"
#include "api/router.h"
#include "api/server.h"
#include "config/config.h"
#include "config/settings.h"
#include "core/lifecycle.h"
#include "ingest/formats/decoder.h"
#include "telemetry/daemon_metrics.h"
#include "telemetry/registry.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/fake_store.h"

using namespace alertd;
namespace bhttp = boost::beast::http;

namespace {

constexpr int kHangSeconds = 20;  // far above any answer; the read timeout is 30 s
constexpr const char* kAdminToken = "fuzz-admin-token-0123456789";
constexpr const char* kViewerToken = "fuzz-viewer-token-0123456789";
constexpr const char* kIngestToken = "fuzz-ingest-token-0123456789";

// The pipeline, as the routes see it: takes every batch at once, refuses
// every lifecycle command (no incident exists), runs writer jobs inline,
// knows no notify receiver.
class AcceptingEngine final : public api::Engine {
 public:
  explicit AcceptingEngine(const config::DaemonConfig& config) {
    auto built = config::make_settings(config, 1);
    fuzz::check(built.ok(), "the fuzz daemon's settings compile");
    settings_ = built.value();
  }
  void offer(std::vector<core::Alert>& alerts, OfferDone done) override {
    alerts.clear();
    done(Offer::accepted);
  }
  bool submit_command(core::LifecycleCommand cmd) override {
    cmd.reply->deliver(core::lifecycle_refusal(core::Verdict::not_found, "not_found",
                                               "no incident " + cmd.incident_id));
    return true;
  }
  bool submit_to_writer(std::function<void()> job) override {
    job();
    return true;
  }
  std::optional<std::string> store_trouble() const override { return std::nullopt; }
  std::optional<std::string> journal_trouble() const override { return std::nullopt; }
  std::shared_ptr<const config::Settings> settings() const override { return settings_; }
  // The fuzz daemon has no receivers: every test message names an unknown one.
  sinks::notify::AttemptOutcome notify_test(const std::string& receiver) override {
    sinks::notify::AttemptOutcome out;
    out.receiver = receiver;
    out.reason = "unknown_receiver";
    return out;
  }

 private:
  std::shared_ptr<const config::Settings> settings_;
};

config::DaemonConfig daemon_config(bool with_auth) {
  config::DaemonConfig cfg;
  cfg.pipeline.shards = 1;
  cfg.http.threads = 1;
  if (with_auth) {
    cfg.auth.enabled = true;
    cfg.auth.tokens = {{kAdminToken, core::Role::admin, "default", "fuzz-admin"},
                       {kViewerToken, core::Role::viewer, "other", "fuzz-viewer"}};
    cfg.auth.ingest = {{kIngestToken, "alertmanager", "default", "fuzz-prometheus"}};
  }
  return cfg;
}

// Runs a job at once, as if a store reader or the writer had taken it.
bool run_inline(std::function<void()> job) {
  job();
  return true;
}

// One daemon's API: everything api/ needs, as daemon/app.cc wires it.
struct Daemon {
  explicit Daemon(bool with_auth)
      : config(daemon_config(with_auth)),
        metrics(registry, ingest::reason::kAll, {"fuzz", "fuzz"}),
        engine(config),
        ctx{config, metrics, clock} {
    fresh_store();
    spdlog::set_level(spdlog::level::warn);  // routes log each silence and reload at info
    ctx.pipeline.store(&engine);
    ctx.reload = [] { return core::Result<api::ReloadOutcome>(api::ReloadOutcome{"0 rules", {}}); };
    api::add_all_routes(router, ctx);
    router.set_places({run_inline, run_inline, api::kStoreWait});

    const auto options = api::server_options(config, metrics);
    server = std::make_unique<api::Server>(options, [this](api::Request&& r, api::Responder a) {
      router.dispatch(std::move(r), std::move(a));
    });
    auto bound = server->listen("127.0.0.1:0");
    fuzz::check(bound.ok(), "the fuzz server listens");
    port = api::split_host_port(bound.value())->second;
    server->start();
  }

  // Each input meets an empty store, so that an input replays alike alone
  // and what earlier inputs created (silences) does not pile up.
  void fresh_store() {
    auto empty = std::make_unique<testing::FakeStore>();
    ctx.store.store(empty.get());
    store = std::move(empty);
  }

  config::DaemonConfig config;
  telemetry::Registry registry;
  telemetry::Metrics metrics;
  core::SystemClock clock;
  std::unique_ptr<testing::FakeStore> store;
  AcceptingEngine engine;
  api::ApiContext ctx;
  api::Router router;
  std::unique_ptr<api::Server> server;
  uint16_t port = 0;
};

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  fuzz::check(fd >= 0, "socket()");
  // The client half-closes first, so each connection leaves its port in
  // TIME_WAIT for a minute: at 1,700 execs/s one source address runs out of
  // ports (connect: EADDRNOTAVAIL after ~400 s). Each connection takes the
  // next source address of 127.0.0.2-127.0.0.254 instead.
  static uint32_t next_source = 0;
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + next_source++ % 253);
  fuzz::check(::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) == 0, "bind()");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "connect(): %s\n", std::strerror(errno));
    fuzz::check(false, "connect()");
  }
  return fd;
}

// Sends `request` and reads until the server closes, both at once (so that
// neither side's buffers can fill and wedge the other). Returns what came
// back; `reset` when the connection ended with a reset, not a close.
std::string exchange(uint16_t port, std::string_view request, bool& reset) {
  const int fd = connect_to(port);
  std::string answer;
  size_t sent = 0;
  bool write_open = true;
  if (request.empty()) {
    ::shutdown(fd, SHUT_WR);
    write_open = false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kHangSeconds);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    fuzz::check(left.count() > 0, "the server closes the connection (no hang)");
    pollfd p{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    if (write_open && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n =
          ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += static_cast<size_t>(n);
      // The server may close before taking it all (413, 431, bad HTTP): fine.
      if (n < 0 && errno != EAGAIN && errno != EINTR) write_open = false;
      if (sent == request.size()) {
        ::shutdown(fd, SHUT_WR);
        write_open = false;
      }
    }
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      char buf[16384];
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        answer.append(buf, static_cast<size_t>(n));
      } else if (n == 0) {
        break;
      } else if (errno != EAGAIN && errno != EINTR) {
        // The server closed with bytes of ours unread: the kernel resets,
        // and may drop the end of its answer (issue 13: lingering close).
        reset = true;
        break;
      }
    }
  }
  ::close(fd);
  return answer;
}

bool strict_json() {
  static const bool on = std::getenv("ALERTD_FUZZ_LENIENT_JSON") == nullptr;
  return on;
}

// ALERTD_FUZZ_TRACE=1 prints each answer's status and body (to see what a seed reaches).
bool trace() {
  static const bool on = std::getenv("ALERTD_FUZZ_TRACE") != nullptr;
  return on;
}

// Every answer on the connection is a whole HTTP/1.1 response (the last may
// be cut short by a reset).
void check_answers(std::string_view bytes, bool reset) {
  if (bytes.empty()) return;  // closed without an answer: malformed HTTP
  boost::beast::flat_buffer buffer;
  auto space = buffer.prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
  while (buffer.size() > 0) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64u << 20);
    parser.eager(true);
    boost::beast::error_code ec;
    const size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (!ec && !parser.is_done()) parser.put_eof(ec);
    if (reset && (ec || !parser.is_done())) return;
    fuzz::check(!ec && parser.is_done(), "the server answers whole HTTP responses");
    const auto& response = parser.get();
    if (trace()) {
      std::fprintf(stderr, "  -> %u %.200s\n", response.result_int(), response.body().c_str());
    }
    fuzz::check(response.result_int() >= 200 && response.result_int() < 600, "a status");
    // Handlers never fail: a 500 means one threw (the server answers 500
    // internal and stays up) or a call of the fake store failed.
    fuzz::check(response.result_int() != 500, "no 500 from the fake store");
    if (strict_json() && response[bhttp::field::content_type].starts_with("application/json") &&
        !response.body().empty()) {
      static simdjson::dom::parser json;
      fuzz::check(!json.parse(response.body()).error(), "a JSON body is valid UTF-8 JSON");
    }
  }
}

bool has_authorization(std::string_view bytes) {
  constexpr std::string_view kName = "authorization:";
  auto it = std::search(bytes.begin(), bytes.end(), kName.begin(), kName.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return it != bytes.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Built once and never destroyed: the io thread runs for the whole process.
  static Daemon* open_api = new Daemon(false);
  static Daemon* with_auth = new Daemon(true);
  const std::string_view request(reinterpret_cast<const char*>(data), size);
  Daemon* daemon = has_authorization(request) ? with_auth : open_api;
  daemon->fresh_store();  // no request is in flight between inputs
  if (trace()) std::fprintf(stderr, "  input of %zu bytes\n", size);
  bool reset = false;
  const std::string answer = exchange(daemon->port, request, reset);
  check_answers(answer, reset);
  return 0;
}
