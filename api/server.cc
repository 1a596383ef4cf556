#include "api/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <charconv>
#include <optional>

namespace alertd::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// One connection: read a request, answer it, repeat while keep-alive. The
// object lives as long as an async operation holds shared_from_this().
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, asio::io_context& context, const ServerOptions& options,
          const Handler& handler, std::atomic<size_t>& open)
      : stream_(std::move(socket)),
        context_(context),
        options_(options),
        handler_(handler),
        open_(open) {
    ++open_;
  }
  ~Session() { --open_; }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    stream_.expires_after(options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted)
      return do_close();
    if (ec == bhttp::error::body_limit) {
      auto limit = std::to_string(options_.max_body_bytes);
      return send(options_.refuse(413, "body_too_large",
                                  "request body exceeds the limit of " + limit + " bytes"),
                  /*close=*/true);
    }
    if (ec == bhttp::error::header_limit) {
      return send(options_.refuse(431, "headers_too_large", "request headers are too large"), true);
    }
    if (ec) return do_close();  // timeout, reset, malformed HTTP: nothing to answer
    Request request = parser_->release();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    handler_(std::move(request), Responder(std::make_shared<Responder::State>(shared_from_this())));
  }

 public:
  // The answer to the request in hand; on this connection's thread.
  void reply(Response&& response) {
    response.version(version_);
    send(std::move(response), !keep_alive_);
  }
  // No answer will come (the Responder was dropped): the client must not wait.
  void abandon() { do_close(); }
  asio::any_io_executor executor() { return stream_.get_executor(); }
  // Stopped once the server stops: nothing may be posted to it any more.
  bool stopped() const { return context_.stopped(); }

 private:
  void send(Response&& response, bool close) {
    response.keep_alive(!close);
    response.prepare_payload();
    response_ = std::make_shared<Response>(std::move(response));
    bhttp::async_write(stream_, *response_,
                       beast::bind_front_handler(&Session::on_write, shared_from_this(), close));
  }

  void on_write(bool close, beast::error_code ec, size_t) {
    response_.reset();
    if (ec || close) return do_close();
    do_read();
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  asio::io_context& context_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Response> response_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  const ServerOptions& options_;
  const Handler& handler_;
  std::atomic<size_t>& open_;
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
  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {
    for (size_t i = 0; i < options.threads; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));  // 1: single-threaded hint
      guards.emplace_back(asio::make_work_guard(*contexts.back()));
    }
    acceptor.emplace(*contexts.front());
  }

  void do_accept() {
    auto& target = *contexts[next_context++ % contexts.size()];
    acceptor->async_accept(target, [this, &target](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) {
        if (open.load() >= options.max_connections) {
          socket.close(ec);  // over the connection limit: refuse by closing
        } else {
          socket.set_option(tcp::no_delay(true), ec);
          std::make_shared<Session>(std::move(socket), target, options, handler, open)->run();
        }
      }
      do_accept();
    });
  }

  ServerOptions options;
  Handler handler;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::optional<tcp::acceptor> acceptor;
  size_t next_context = 0;  // touched only by the accept handler, on context 0
  std::vector<std::thread> threads;
  std::atomic<size_t> open{0};
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
  return impl_->open.load();
}

}  // namespace alertd::api
