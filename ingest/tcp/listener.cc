#include "ingest/tcp/listener.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <charconv>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "ingest/tcp/framing.h"

namespace alertd::ingest::tcp {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Bad lines logged per connection; the rest are counted and summed up at close.
constexpr uint64_t kLoggedErrorsPerConnection = 10;

std::optional<std::pair<std::string, uint16_t>> split_host_port(std::string_view hp) {
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = hp.substr(0, colon);
  std::string_view port = hp.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value > 65535) {
    return std::nullopt;
  }
  return std::make_pair(std::string(host), static_cast<uint16_t>(value));
}

std::string endpoint_text(const tcp::endpoint& e) {
  std::string host = e.address().to_string();
  if (e.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(e.port());
}

// The decoder of this io thread, made again when a reload brings new limits.
// A chunk is bounded by the read size, not by the HTTP body limits.
Decoder& thread_decoder(const SourceSettings& settings) {
  thread_local std::unique_ptr<Decoder> decoder;
  thread_local uint64_t version = 0;
  if (!decoder || version != settings.version) {
    Limits limits = *settings.limits;
    limits.max_body_bytes = std::numeric_limits<size_t>::max();
    limits.max_alerts_per_request = std::numeric_limits<size_t>::max();
    decoder = std::make_unique<Decoder>(limits);
    version = settings.version;
  }
  return *decoder;
}

class Connection;

}  // namespace

struct Listener::Impl {
  Impl(Options o, Hooks h, const core::Clock& c, telemetry::Metrics& m);

  void accept();
  void on_accept(tcp::socket socket, size_t context);
  void closed(Connection* connection, size_t context);

  Options options;
  Hooks hooks;
  const core::Clock& clock;
  telemetry::Metrics& metrics;
  telemetry::Gauge& open_gauge;
  telemetry::Counter& accepted_total;
  telemetry::Counter& refused_total;
  telemetry::Counter& lines_total;
  telemetry::Counter& bytes_total;
  telemetry::CounterFamily& backpressure;
  telemetry::Counter& line_too_long;
  telemetry::Counter& tls_failures;
  telemetry::CounterFamily& timed_out;

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::unordered_set<Connection*>> live;  // per context, touched on its thread
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_timer;
  std::vector<std::thread> threads;
  size_t next_context = 0;

  std::atomic<bool> stopping{false};
  std::mutex mutex;  // guards open and in_flight for stop()'s wait
  std::condition_variable changed;
  size_t open = 0;
  size_t in_flight = 0;
  bool stopped = false;
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Listener::Impl& impl, tcp::socket socket, size_t context)
      : impl_(impl),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        deadline_(socket_.get_executor()),
        context_(context),
        framer_(impl.options.max_line_bytes) {
    if (impl.options.tls != nullptr) {
      tls_context_ = impl.options.tls->current();  // a reload changes only later handshakes
      tls_.emplace(socket_, *tls_context_);
    }
    boost::system::error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    peer_ = ec ? std::string("unknown peer") : endpoint_text(remote);
  }

  void start();
  // On stop: a connection waiting on a read or a retry ends now; one whose
  // batch is being decided ends once it is.
  void shut() {
    if (offered_) return;
    boost::system::error_code ec;
    timer_.cancel();
    deadline_.cancel();
    socket_.close(ec);
  }

 private:
  void arm_deadline(core::Duration after, std::string_view phase);
  std::string timed_out_text() const;
  void read();
  void on_read(const boost::system::error_code& ec, size_t n);
  void decode_and_offer(bool first_time);
  void count_errors(const ChunkResult& decoded);
  void on_verdict(Verdict verdict);
  void retry_later(Verdict verdict);
  void after_batch();
  void close(std::string_view why);

  Listener::Impl& impl_;
  tcp::socket socket_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  std::optional<asio::ssl::stream<tcp::socket&>> tls_;
  asio::steady_timer timer_;     // backpressure retries
  asio::steady_timer deadline_;  // the pending handshake or read
  std::string_view timed_out_;   // "idle" or "handshake" once its deadline passed
  size_t context_;
  std::string peer_;
  LineFramer framer_;
  std::string chunk_;
  std::vector<core::Alert> batch_;
  std::vector<std::pair<std::string_view, size_t>> runs_;  // alerts per metric source
  size_t batch_size_ = 0;
  uint64_t chunk_first_line_ = 1;
  uint64_t next_line_ = 1;
  bool end_after_batch_ = false;
  std::string end_reason_;
  bool offered_ = false;
  bool closed_ = false;
  bool refused_before_ = false;  // the last offer was refused: log a retry once
  uint64_t lines_ = 0, alerts_ = 0, bytes_ = 0, errors_ = 0, retries_ = 0;
};

// Closes the socket when the pending handshake or read has not ended within
// `after` (0: no deadline); that operation then fails and ends the connection.
void Connection::arm_deadline(core::Duration after, std::string_view phase) {
  if (after.count() <= 0) return;
  deadline_.expires_after(after);
  deadline_.async_wait([self = shared_from_this(), phase](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;  // cancelled: the bytes came first
    self->timed_out_ = phase;
    self->impl_.timed_out.with({phase}).inc();
    boost::system::error_code ignored;
    self->socket_.close(ignored);
  });
}

std::string Connection::timed_out_text() const {
  return timed_out_ == "handshake" ? "TLS handshake not done within sources.tcp.handshake_timeout"
                                   : "nothing sent for sources.tcp.idle_timeout";
}

void Connection::start() {
  if (!tls_) return read();
  arm_deadline(impl_.options.handshake_timeout, "handshake");
  tls_->async_handshake(asio::ssl::stream_base::server,
                        [self = shared_from_this()](const boost::system::error_code& ec) {
                          self->deadline_.cancel();
                          if (!ec) return self->read();
                          if (!self->timed_out_.empty()) return self->close(self->timed_out_text());
                          self->impl_.tls_failures.inc();
                          self->close("TLS handshake failed: " + ec.message());
                        });
}

void Connection::read() {
  if (impl_.stopping.load(std::memory_order_acquire)) return close("shutting down");
  arm_deadline(impl_.options.idle_timeout, "idle");
  const size_t n = impl_.options.read_bytes;
  auto buffer = asio::buffer(framer_.prepare(n), n);
  auto done = [self = shared_from_this()](const boost::system::error_code& ec, size_t read) {
    self->on_read(ec, read);
  };
  if (tls_) {
    tls_->async_read_some(buffer, std::move(done));
  } else {
    socket_.async_read_some(buffer, std::move(done));
  }
}

void Connection::on_read(const boost::system::error_code& ec, size_t n) {
  deadline_.cancel();
  framer_.commit(n);
  bytes_ += n;
  impl_.bytes_total.inc(n);
  if (ec) {
    end_after_batch_ = true;
    // A TLS peer that closes without close_notify has still sent whole lines.
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      framer_.finish();  // a last line without '\n' counts too
      end_reason_ = "closed by the peer";
    } else if (!timed_out_.empty()) {
      end_reason_ = timed_out_text();
    } else {
      end_reason_ = ec == asio::error::operation_aborted ? "shutting down" : ec.message();
    }
  }
  if (framer_.take(chunk_) == LineFramer::Cut::too_long) {
    ++errors_;
    impl_.line_too_long.inc();
    spdlog::warn(
        "tcp {}: line {}: longer than sources.tcp.max_line_bytes ({}); closing the "
        "connection (the lines before it are kept)",
        peer_, next_line_ + static_cast<uint64_t>(std::count(chunk_.begin(), chunk_.end(), '\n')),
        impl_.options.max_line_bytes);
    end_after_batch_ = true;
    end_reason_ = "line too long";
  }
  chunk_first_line_ = next_line_;
  decode_and_offer(true);
}

void Connection::decode_and_offer(bool first_time) {
  const SourceSettings settings = impl_.hooks.settings();
  DecodeContext ctx;
  ctx.now = impl_.clock.now();
  ctx.received_mono_ns = core::monotonic_nanos();
  ctx.resolve_timeout = settings.resolve_timeout;
  ctx.tenant = impl_.options.tenant;
  batch_.clear();
  auto decoded = decode_chunk(thread_decoder(settings), chunk_, ctx, *settings.indexed,
                              chunk_first_line_, batch_);
  if (first_time) {
    lines_ += decoded.lines;
    next_line_ += decoded.lines;
    impl_.lines_total.inc(decoded.lines);
    count_errors(decoded);
  }
  if (batch_.empty()) return after_batch();
  runs_.clear();
  for (const auto& a : batch_) {
    auto name = core::metric_source(a.source);
    if (runs_.empty() || runs_.back().first != name) runs_.emplace_back(name, 0);
    ++runs_.back().second;
  }
  batch_size_ = batch_.size();
  offered_ = true;
  {
    std::lock_guard lock(impl_.mutex);
    ++impl_.in_flight;
  }
  auto executor = socket_.get_executor();
  impl_.hooks.offer(batch_, [self = shared_from_this(), executor](Verdict verdict) {
    asio::post(executor, [self, verdict] { self->on_verdict(verdict); });
  });
}

void Connection::count_errors(const ChunkResult& decoded) {
  for (const auto& e : decoded.errors) {
    impl_.metrics.rejected(e.reason, "tcp").inc();
    if (errors_++ < kLoggedErrorsPerConnection) {
      spdlog::warn("tcp {}: line {} skipped ({}): {}", peer_, e.line, e.reason, e.message);
    }
  }
}

void Connection::on_verdict(Verdict verdict) {
  offered_ = false;
  {
    std::lock_guard lock(impl_.mutex);
    --impl_.in_flight;
  }
  impl_.changed.notify_all();
  if (verdict.accepted) {
    alerts_ += batch_size_;
    for (const auto& [source, count] : runs_) impl_.metrics.received(source).inc(count);
    refused_before_ = false;
    return after_batch();
  }
  const bool stopping = impl_.stopping.load(std::memory_order_acquire);
  if (verdict.retry_after.count() > 0 && !stopping) return retry_later(verdict);
  // Never retried: the lines were not taken; the sender sees the close.
  impl_.metrics.rejected(verdict.reason, "tcp").inc(batch_size_);
  errors_ += batch_size_;
  close(stopping ? std::string_view("shutting down") : verdict.reason);
}

// Backpressure: this connection reads nothing until the same lines are taken.
void Connection::retry_later(Verdict verdict) {
  impl_.backpressure.with({verdict.reason}).inc();
  ++retries_;
  if (!refused_before_) {
    spdlog::info("tcp {}: batch of {} alerts refused ({}); reading paused, retrying", peer_,
                 batch_size_, verdict.reason);
  }
  refused_before_ = true;
  timer_.expires_after(verdict.retry_after);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->impl_.stopping.load(std::memory_order_acquire)) {
      return self->close("shutting down");
    }
    self->decode_and_offer(false);
  });
}

void Connection::after_batch() {
  if (end_after_batch_) return close(end_reason_);
  read();
}

void Connection::close(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  timer_.cancel();
  deadline_.cancel();
  socket_.close(ec);
  spdlog::info(
      "tcp {}: connection closed ({}): {} lines, {} alerts, {} bytes, {} errors, {} "
      "retries",
      peer_, why, lines_, alerts_, bytes_, errors_, retries_);
  impl_.closed(this, context_);
}

}  // namespace

Listener::Impl::Impl(Options o, Hooks h, const core::Clock& c, telemetry::Metrics& m)
    : options(std::move(o)),
      hooks(std::move(h)),
      clock(c),
      metrics(m),
      open_gauge(
          m.registry.gauge("alertd_tcp_connections", "Open TCP NDJSON connections.").with({})),
      accepted_total(
          m.registry.counter("alertd_tcp_connections_total", "TCP NDJSON connections accepted.")
              .with({})),
      refused_total(m.registry
                        .counter("alertd_tcp_connections_refused_total",
                                 "TCP NDJSON connections closed at once: "
                                 "sources.tcp.max_connections were open.")
                        .with({})),
      lines_total(m.registry
                      .counter("alertd_tcp_lines_total",
                               "Lines read by the TCP NDJSON source, blank ones included.")
                      .with({})),
      bytes_total(
          m.registry.counter("alertd_tcp_bytes_total", "Bytes read by the TCP NDJSON source.")
              .with({})),
      backpressure(m.registry.counter("alertd_tcp_backpressure_total",
                                      "Batches the pipeline refused and the TCP source offers "
                                      "again after a delay (reading paused), by reason.",
                                      {"reason"})),
      line_too_long(m.rejected("line_too_long", "tcp")),
      tls_failures(m.registry
                       .counter("alertd_tcp_tls_handshake_failures_total",
                                "TCP NDJSON connections closed because the TLS handshake failed "
                                "(no or an untrusted client certificate, not TLS, ...).")
                       .with({})),
      timed_out(m.registry.counter("alertd_tcp_connections_timed_out_total",
                                   "TCP NDJSON connections closed for silence, by phase: idle "
                                   "(sources.tcp.idle_timeout), handshake (handshake_timeout).",
                                   {"phase"})) {
  for (auto phase : {"idle", "handshake"}) timed_out.with({phase});
  const size_t n = std::max<size_t>(1, options.threads);
  for (size_t i = 0; i < n; ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
    guards.push_back(asio::make_work_guard(*contexts.back()));
  }
  live.resize(n);
  acceptor.emplace(*contexts.front());
  accept_timer.emplace(*contexts.front());
  for (auto reason :
       {"queue_full", "journal_full", "journal_failed", "active_alert_limit", "not_ready"}) {
    backpressure.with({reason});
  }
}

void Listener::Impl::accept() {
  const size_t target = next_context++ % contexts.size();
  acceptor->async_accept(
      *contexts[target], [this, target](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || stopping.load(std::memory_order_acquire))
          return;
        if (!ec) {
          on_accept(std::move(socket), target);
          return accept();
        }
        // EMFILE and the like fail again at once while their cause lasts.
        spdlog::warn("tcp: accept failed: {}; retrying in 100 ms", ec.message());
        accept_timer->expires_after(std::chrono::milliseconds(100));
        accept_timer->async_wait([this](const boost::system::error_code& wait_ec) {
          if (!wait_ec && !stopping.load(std::memory_order_acquire)) accept();
        });
      });
}

void Listener::Impl::on_accept(tcp::socket socket, size_t context) {
  {
    std::lock_guard lock(mutex);
    if (open >= options.max_connections) {
      refused_total.inc();
      boost::system::error_code ec;
      socket.close(ec);
      spdlog::warn("tcp: connection refused: sources.tcp.max_connections ({}) are open",
                   options.max_connections);
      return;
    }
    ++open;
  }
  accepted_total.inc();
  open_gauge.add(1);
  auto connection = std::make_shared<Connection>(*this, std::move(socket), context);
  asio::post(*contexts[context], [this, connection, context] {
    live[context].insert(connection.get());
    connection->start();
  });
}

void Listener::Impl::closed(Connection* connection, size_t context) {
  live[context].erase(connection);
  open_gauge.add(-1);
  {
    std::lock_guard lock(mutex);
    --open;
  }
  changed.notify_all();
}

Listener::Listener(Options options, Hooks hooks, const core::Clock& clock,
                   telemetry::Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(hooks), clock, metrics)) {}

Listener::~Listener() {
  stop(std::chrono::seconds(0));
}

core::Result<std::string> Listener::listen() {
  const auto& listen = impl_->options.listen;
  auto hp = split_host_port(listen);
  if (!hp) {
    return core::Error{"invalid_listen", "sources.tcp.listen \"" + listen + "\" is not HOST:PORT"};
  }
  boost::system::error_code ec;
  tcp::resolver resolver(*impl_->contexts.front());
  auto results = resolver.resolve(hp->first, std::to_string(hp->second), ec);
  if (ec || results.empty()) {
    return core::Error{"invalid_listen",
                       "sources.tcp.listen: cannot resolve \"" + hp->first + "\": " + ec.message()};
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acc = *impl_->acceptor;
  auto fail = [&](const char* what) {
    return core::Error{"bind_failed", std::string("sources.tcp.listen: ") + what + " " + listen +
                                          ": " + ec.message()};
  };
  if (acc.open(endpoint.protocol(), ec); ec) return fail("cannot open a socket for");
  if (acc.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("cannot set up");
  if (acc.bind(endpoint, ec); ec) return fail("cannot bind");
  if (acc.listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail("cannot listen on");
  auto bound = acc.local_endpoint(ec);
  if (ec) return fail("cannot read the bound address of");
  return endpoint_text(bound);
}

void Listener::start() {
  asio::post(*impl_->contexts.front(), [impl = impl_.get()] { impl->accept(); });
  for (auto& context : impl_->contexts) {
    impl_->threads.emplace_back([ctx = context.get()] { ctx->run(); });
  }
}

void Listener::stop(core::Duration wait) {
  auto& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  impl.stopping.store(true, std::memory_order_release);
  for (size_t i = 0; i < impl.contexts.size(); ++i) {
    asio::post(*impl.contexts[i], [&impl, i] {
      boost::system::error_code ec;
      if (i == 0) {
        impl.acceptor->close(ec);
        impl.accept_timer->cancel();
      }
      // shut() may end a connection, which leaves `live`: iterate a copy.
      auto connections = std::vector<Connection*>(impl.live[i].begin(), impl.live[i].end());
      for (auto* c : connections) c->shut();
    });
  }
  if (!impl.threads.empty()) {
    std::unique_lock lock(impl.mutex);
    impl.changed.wait_for(lock, wait, [&impl] { return impl.in_flight == 0 && impl.open == 0; });
    if (impl.in_flight > 0) {
      spdlog::error("tcp: {} batches still undecided after the drain wait", impl.in_flight);
    }
  }
  for (auto& guard : impl.guards) guard.reset();
  for (auto& context : impl.contexts) context->stop();
  for (auto& t : impl.threads) t.join();
  impl.threads.clear();
}

}  // namespace alertd::ingest::tcp
