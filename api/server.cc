#include "api/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>

#include "api/responses.h"

namespace alertd::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// A failed accept (EMFILE, ENFILE, ENOBUFS) fails again at once while its
// cause lasts: the next attempt waits, 10 ms doubling up to 1 s.
constexpr auto kFirstAcceptDelay = std::chrono::milliseconds(10);
constexpr auto kLastAcceptDelay = std::chrono::seconds(1);
// The most the read buffer holds (or the header limit, if larger). The parser
// consumes the buffer as it goes, so the buffer holds the element in hand: the
// headers, a chunk line, the trailer, or one read of body bytes (Beast reads
// at most 64 KiB at a time anyway). Without a bound, Beast 1.81 buffers a
// chunk line or a trailer for as long as its end does not come.
constexpr size_t kReadBufferBytes = 64 << 10;
constexpr size_t kDiscardChunk = 16 << 10;

// Open connections per client address. Taken by the accept handler (context
// 0), released by sessions ending on any io thread: a mutex, held for a map
// lookup, once per connection (never per request).
class AddressCounts {
 public:
  explicit AddressCounts(size_t limit) : limit_(limit) {}
  bool try_add(const asio::ip::address& address) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = counts_.try_emplace(address, 0);
    if (it->second >= limit_) return false;
    ++it->second;
    return true;
  }
  void remove(const asio::ip::address& address) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(address);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }

 private:
  const size_t limit_;
  std::mutex mutex_;
  std::map<asio::ip::address, size_t> counts_;
};

ServerOptions with_defaults(ServerOptions o) {
  auto plain = [](unsigned status, std::string_view reason, std::string_view detail) {
    return error_response(status, reason, detail);
  };
  if (!o.refuse) o.refuse = plain;
  if (!o.fail) o.fail = plain;
  if (!o.dropped) o.dropped = [](std::string_view) {};
  return o;
}

// What every session shares with the server; lives as long as the server.
// A connection's byte stream: plain TCP, or TLS over it (http.tls). The
// timeouts stay on the TCP layer either way.
class Stream {
 public:
  using executor_type = beast::tcp_stream::executor_type;
  Stream(tcp::socket&& socket, std::shared_ptr<asio::ssl::context> tls)
      : tcp_(std::move(socket)), tls_context_(std::move(tls)) {
    if (tls_context_) tls_.emplace(tcp_, *tls_context_);
  }
  executor_type get_executor() { return tcp_.get_executor(); }
  tcp::socket& socket() { return tcp_.socket(); }
  void expires_after(core::Duration d) { tcp_.expires_after(d); }
  bool is_tls() const { return tls_.has_value(); }

  template <typename Handler>
  void async_handshake(Handler&& handler) {
    tls_->async_handshake(asio::ssl::stream_base::server, std::forward<Handler>(handler));
  }
  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Handler>(handler));
    tcp_.async_read_some(buffers, std::forward<Handler>(handler));
  }
  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<Handler>(handler));
    tcp_.async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  beast::tcp_stream tcp_;
  std::shared_ptr<asio::ssl::context> tls_context_;  // kept for the handshake's lifetime
  std::optional<asio::ssl::stream<beast::tcp_stream&>> tls_;
};

struct Shared {
  Shared(ServerOptions o, Handler h)
      : options(with_defaults(std::move(o))),
        handler(std::move(h)),
        per_address(options.max_connections_per_ip) {}
  const ServerOptions options;
  const Handler handler;
  std::atomic<size_t> open{0};
  AddressCounts per_address;
};

// One connection: read a request, answer it, repeat while keep-alive. The
// object lives as long as an async operation holds shared_from_this().
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `counted`: the client address this connection holds a place of.
  Session(tcp::socket&& socket, asio::io_context& context, Shared& shared,
          std::optional<asio::ip::address> counted)
      : stream_(std::move(socket), shared.options.tls ? shared.options.tls() : nullptr),
        context_(context),
        shared_(shared),
        options_(shared.options),
        counted_(std::move(counted)) {
    ++shared_.open;
  }
  ~Session() {
    if (counted_) shared_.per_address.remove(*counted_);
    --shared_.open;
  }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::start, shared_from_this()));
  }

  // Its address is at max_connections_per_ip: answer 503 without reading.
  void refuse_connection() {
    refused_ = true;
    run();
  }

 private:
  enum class After { read_next, close, linger };

  // TLS first (within the read timeout); a failed handshake just closes.
  void start() {
    if (!stream_.is_tls()) return refused_ ? answer_refused() : do_read();
    stream_.expires_after(options_.read_timeout);
    stream_.async_handshake([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->do_close();
      self->refused_ ? self->answer_refused() : self->do_read();
    });
  }

  void answer_refused() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.expires_after(self->options_.linger_timeout);
      auto limit = std::to_string(self->options_.max_connections_per_ip);
      auto answer = self->options_.fail(
          503, "too_many_connections",
          "this client address already has " + limit + " open connections, the limit");
      answer.set(bhttp::field::retry_after, "1");
      self->send(std::move(answer), After::linger);
    });
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser_->on_chunk_header(on_chunk_header_);
    chunk_line_too_long_ = false;
    // Over it, the read fails with buffer_overflow (refusal() says what for).
    buffer_.max_size(std::max({kReadBufferBytes, options_.max_header_bytes, buffer_.size()}));
    stream_.expires_after(options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted)
      return do_close();
    if (ec) {
      // Refused before the request was read whole: the client may still be
      // sending, so the connection lingers to let it read the answer.
      if (auto answer = refusal(ec)) return send(std::move(*answer), After::linger);
      return do_close();  // timeout, reset, malformed HTTP: nothing to answer
    }
    Request request = parser_->release();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    call_handler(std::move(request));
  }

  std::optional<Response> refusal(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      auto limit = std::to_string(options_.max_body_bytes);
      return options_.refuse(413, "body_too_large",
                             "request body exceeds the limit of " + limit + " bytes");
    }
    bool overflow = ec == bhttp::error::buffer_overflow;
    if (ec == bhttp::error::header_limit || (overflow && !parser_->is_header_done())) {
      auto limit = std::to_string(options_.max_header_bytes);
      return options_.refuse(431, "headers_too_large",
                             "request headers exceed the limit of " + limit + " bytes");
    }
    if (chunk_line_too_long_ || overflow) {
      auto limit = std::to_string(options_.max_chunk_line_bytes);
      return options_.refuse(400, "chunk_line_too_long",
                             "a chunk-size line with its extensions exceeds " + limit +
                                 " bytes, or the trailer is too large");
    }
    return std::nullopt;
  }

  void call_handler(Request&& request) {
    Responder responder(std::make_shared<Responder::State>(shared_from_this()));
    try {
      shared_.handler(std::move(request), responder);
    } catch (const std::exception& e) {
      responder.fail_internal(e.what());
    } catch (...) {
      responder.fail_internal("an exception that is not a std::exception");
    }
  }

 public:
  // The answer to the request in hand; on this connection's thread.
  void reply(Response&& response) {
    response.version(version_);
    send(std::move(response), keep_alive_ ? After::read_next : After::close);
  }
  // No answer will come (the Responder was dropped): the client must not wait.
  void abandon() { do_close(); }
  // 500 internal: the handler failed. Any thread.
  Response internal_error() {
    return options_.fail(500, "internal",
                         "the server failed while handling the request; the error is logged");
  }
  asio::any_io_executor executor() { return stream_.get_executor(); }
  // Stopped once the server stops: nothing may be posted to it any more.
  bool stopped() const { return context_.stopped(); }

 private:
  void send(Response&& response, After after) {
    response.keep_alive(after == After::read_next);
    response.prepare_payload();
    response_ = std::make_shared<Response>(std::move(response));
    bhttp::async_write(stream_, *response_,
                       beast::bind_front_handler(&Session::on_write, shared_from_this(), after));
  }

  void on_write(After after, beast::error_code ec, size_t) {
    response_.reset();
    if (ec) return do_close();
    switch (after) {
      case After::read_next: return do_read();
      case After::close: return do_close();
      case After::linger: return linger();
    }
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // A close with unread input makes the kernel reset the connection, and the
  // client may lose the answer it has not read yet. So: end our side, then
  // read and drop what still comes, up to linger_bytes or linger_timeout.
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    linger_left_ = options_.linger_bytes;
    discard_ = std::make_unique<char[]>(kDiscardChunk);
    stream_.expires_after(options_.linger_timeout);
    discard();
  }
  void discard() {
    stream_.async_read_some(asio::buffer(discard_.get(), kDiscardChunk),
                            beast::bind_front_handler(&Session::on_discarded, shared_from_this()));
  }
  void on_discarded(beast::error_code ec, size_t n) {
    // The end of input, the timeout, or enough: the socket closes with us.
    if (ec || n >= linger_left_) return;
    linger_left_ -= n;
    discard();
  }

  // Beast calls this once a chunk line is read whole, with the extensions
  // (from the first ';'); the buffer bound keeps an endless line from being
  // read at all. The line's length counts the chunk-size digits before the
  // extensions too, found in the buffer the parser reads from.
  void check_chunk_header(std::uint64_t, beast::string_view extensions, beast::error_code& ec) {
    size_t line = extensions.size();
    auto in = buffer_.data();
    const char* begin = static_cast<const char*>(in.data());
    const char* at = extensions.data();
    if (at >= begin && at <= begin + in.size()) {
      while (at > begin && std::isxdigit(static_cast<unsigned char>(at[-1]))) --at, ++line;
    }
    if (line <= options_.max_chunk_line_bytes) return;
    chunk_line_too_long_ = true;
    ec = bhttp::error::bad_chunk_extension;
  }

  Stream stream_;
  bool refused_ = false;  // over max_connections_per_ip: answer 503 at once
  asio::io_context& context_;
  Shared& shared_;
  const ServerOptions& options_;
  const std::optional<asio::ip::address> counted_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  // The parser keeps a reference to it: it lives as long as the session.
  std::function<void(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk_header_ =
      [this](std::uint64_t size, beast::string_view extensions, beast::error_code& ec) {
        check_chunk_header(size, extensions, ec);
      };
  bool chunk_line_too_long_ = false;
  std::shared_ptr<Response> response_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  size_t linger_left_ = 0;
  std::unique_ptr<char[]> discard_;
};

}  // namespace

struct Responder::State {
  explicit State(std::shared_ptr<Session> s)
      : session(std::move(s)), executor(session->executor()) {}
  ~State() {
    // After the server stopped (a command still in the pipeline at shutdown)
    // the connection is gone with its context: nothing to close.
    if (!answered.load(std::memory_order_acquire) && !session->stopped()) {
      asio::post(executor, [s = std::move(session)] { s->abandon(); });
    }
  }
  std::shared_ptr<Session> session;
  asio::any_io_executor executor;
  std::atomic<bool> answered{false};
  std::optional<asio::steady_timer> deadline;  // touched only on the connection's thread
};

void Responder::send(Response&& response) const {
  if (state_->answered.exchange(true, std::memory_order_acq_rel)) return;  // too late
  // Inline when called on the connection's own thread (the ingest path).
  asio::dispatch(state_->executor, [state = state_, r = std::move(response)]() mutable {
    if (state->deadline) state->deadline->cancel();
    state->session->reply(std::move(r));
  });
}

void Responder::fail_internal(std::string_view what) const {
  spdlog::error("a request handler failed: {}", what);
  if (state_->answered.load(std::memory_order_acquire)) return;  // its answer is out already
  send(state_->session->internal_error());
}

void Responder::answer_by(core::Duration wait, std::function<Response()> fallback) const {
  asio::dispatch(
      state_->executor, [state = state_, wait, fallback = std::move(fallback)]() mutable {
        if (state->answered.load(std::memory_order_acquire)) return;
        state->deadline.emplace(state->executor);
        state->deadline->expires_after(wait);
        state->deadline->async_wait([state, fallback = std::move(fallback)](beast::error_code ec) {
          if (!ec) Responder(state).send(fallback());
        });
      });
}

// One io_context per thread, each run by exactly one thread: a connection
// lives on one context, so its handlers never run concurrently (no strand
// needed) and the contexts share no scheduler lock. Measured: the shared
// multi-threaded io_context spent a large share of its time in futex waits.
struct Server::Impl {
  Impl(ServerOptions o, Handler h) : shared(std::move(o), std::move(h)) {
    for (size_t i = 0; i < shared.options.threads; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));  // 1: single-threaded hint
      guards.emplace_back(asio::make_work_guard(*contexts.back()));
    }
    acceptor.emplace(*contexts.front());
    accept_timer.emplace(*contexts.front());
  }

  void do_accept() {
    auto& target = *contexts[next_context++ % contexts.size()];
    acceptor->async_accept(target, [this, &target](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (ec) return back_off(ec);
      accept_delay = kFirstAcceptDelay;
      admit(std::move(socket), target);
      do_accept();
    });
  }

  // Out of descriptors (or buffers), accept fails again at once and the loop
  // would spin: wait before the next attempt.
  void back_off(const beast::error_code& ec) {
    shared.options.dropped("accept_failed");
    spdlog::warn("accepting a connection failed ({}); next attempt in {} ms", ec.message(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(accept_delay).count());
    accept_timer->expires_after(accept_delay);
    accept_delay = std::min<core::Duration>(accept_delay * 2, kLastAcceptDelay);
    accept_timer->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor->is_open()) do_accept();
    });
  }

  void admit(tcp::socket socket, asio::io_context& target) {
    beast::error_code ec;
    if (shared.open.load() >= shared.options.max_connections) {
      socket.close(ec);  // over the connection limit: refuse by closing, at no cost
      shared.options.dropped("connection_limit");
      return;
    }
    auto peer = socket.remote_endpoint(ec);
    if (ec) return;  // the client is gone already
    socket.set_option(tcp::no_delay(true), ec);
    if (!shared.per_address.try_add(peer.address())) {
      std::make_shared<Session>(std::move(socket), target, shared, std::nullopt)
          ->refuse_connection();
      return;
    }
    std::make_shared<Session>(std::move(socket), target, shared, peer.address())->run();
  }

  Shared shared;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::optional<tcp::acceptor> acceptor;
  // Touched only by the accept handler, on context 0.
  std::optional<asio::steady_timer> accept_timer;
  core::Duration accept_delay = kFirstAcceptDelay;
  size_t next_context = 0;
  std::vector<std::thread> threads;
  bool stopped = false;
};

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

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  stop();
}

core::Result<std::string> Server::listen(std::string_view host_port) {
  auto hp = split_host_port(host_port);
  if (!hp)
    return core::Error{"invalid_listen",
                       "listen address \"" + std::string(host_port) + "\" is not HOST:PORT"};
  beast::error_code ec;
  auto address = asio::ip::make_address(hp->first, ec);
  if (ec) {
    // A host name: resolve it once at start-up.
    tcp::resolver resolver(*impl_->contexts.front());
    auto results = resolver.resolve(hp->first, std::to_string(hp->second), ec);
    if (ec || results.empty()) {
      return core::Error{"invalid_listen", "cannot resolve \"" + hp->first + "\": " + ec.message()};
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, hp->second);
  auto& acc = *impl_->acceptor;
  auto fail = [&](const char* what) {
    return core::Error{"bind_failed",
                       std::string(what) + " " + std::string(host_port) + ": " + ec.message()};
  };
  if (acc.open(endpoint.protocol(), ec); ec) return fail("cannot open socket for");
  if (acc.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return fail("cannot set options on");
  if (acc.bind(endpoint, ec); ec) return fail("cannot bind");
  if (acc.listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail("cannot listen on");
  auto bound = acc.local_endpoint(ec);
  if (ec) return fail("cannot read the bound address of");
  std::string host = bound.address().to_string();
  if (bound.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(bound.port());
}

void Server::start() {
  impl_->do_accept();
  for (auto& context : impl_->contexts) {
    impl_->threads.emplace_back([ctx = context.get()] { ctx->run(); });
  }
}

void Server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  // A request already handed to a handler finishes before its thread's run()
  // returns; connections idle in a read are abandoned by stop().
  for (auto& guard : impl_->guards) guard.reset();
  for (auto& context : impl_->contexts) context->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  beast::error_code ec;
  impl_->acceptor->close(ec);  // no thread runs handlers any more
}

size_t Server::open_connections() const {
  return impl_->shared.open.load();
}

}  // namespace alertd::api
