#pragma once
// A small HTTP/1.1 server on Boost.Beast: N io threads, each with its own
// io_context that owns the connections accepted onto it (so a connection
// needs no strand), keep-alive, a read timeout and a body limit on every
// request.
// Handlers run on the io thread that read the request and never block: what
// needs the store or the pipeline's answer hands the request on and answers
// later through its Responder, from any thread. A handler that throws gets a
// 500 internal; the process stays up.

#include <atomic>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace boost::asio::ssl {
class context;
}

namespace alertd::api {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

/// The one answer to one request. Copyable; send() may be called from any
/// thread, and only the first answer (send or the deadline's) goes out: the
/// connection reads its next request only after it. A Responder that is
/// dropped unanswered closes the connection, so no client waits forever.
class Responder {
 public:
  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}

  void send(Response&& response) const;
  /// Answers `fallback()` unless an answer comes within `wait`; the timer
  /// runs on the connection's io thread and holds no other thread.
  void answer_by(core::Duration wait, std::function<Response()> fallback) const;
  /// The handler failed (threw): answers 500 internal through
  /// ServerOptions::fail, which counts it. For handlers run off the io thread.
  void fail_internal(std::string_view what) const;

 private:
  std::shared_ptr<State> state_;
};

using Handler = std::function<void(Request&& request, Responder responder)>;

/// Builds an answer the server gives on its own, `{"error": reason, "detail": ...}`.
using ErrorAnswer =
    std::function<Response(unsigned status, std::string_view reason, std::string_view detail)>;

struct ServerOptions {
  size_t threads = 2;
  size_t max_body_bytes = 10 << 20;
  size_t max_header_bytes = 16 << 10;
  /// A chunk-size line with its extensions: beyond it 400
  /// chunk_line_too_long. Beast 1.81 bounds neither it nor the trailer; the
  /// read buffer's own bound (64 KiB, or max_header_bytes if larger) caps
  /// both while they are read.
  size_t max_chunk_line_bytes = 4 << 10;
  core::Duration read_timeout = std::chrono::seconds(30);
  size_t max_connections = 10000;
  /// Open connections from one client address; the next one is answered 503
  /// too_many_connections and closed.
  size_t max_connections_per_ip = 1000;
  /// After an answer sent before the request was read whole (413, 431, 400,
  /// 503), the connection reads and discards what the client still sends, up
  /// to these bounds, so the client is not reset before it reads the answer.
  core::Duration linger_timeout = std::chrono::seconds(1);
  size_t linger_bytes = 4 << 20;
  /// A request refused before it reached the handler, for what it sent (413
  /// body_too_large, 431 headers_too_large, 400 chunk_line_too_long): builds
  /// the answer and counts it. Unset: a plain error_response().
  ErrorAnswer refuse;
  /// An answer on the server's own account (503 too_many_connections, 500
  /// internal when a handler throws): builds it and counts it.
  ErrorAnswer fail;
  /// Counts what ends without an answer: "accept_failed" (EMFILE and the
  /// like; accepting backs off), "connection_limit" (over max_connections).
  std::function<void(std::string_view reason)> dropped;
  /// When set, every connection is TLS: a new handshake takes the context
  /// this returns (http.tls; a reload swaps it, see ingest/tcp/tls_context.h).
  std::function<std::shared_ptr<boost::asio::ssl::context>()> tls;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and listens on "host:port" (port 0 picks a free one). Returns the
  /// bound "host:port". A bind failure is an error: start-up must stop.
  core::Result<std::string> listen(std::string_view host_port);
  /// Starts the io threads; returns at once.
  void start();
  /// Stops accepting, closes connections and joins the io threads.
  void stop();

  size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Splits "host:port" ("[::1]:80" too). nullopt when malformed.
std::optional<std::pair<std::string, uint16_t>> split_host_port(std::string_view host_port);

}  // namespace alertd::api
