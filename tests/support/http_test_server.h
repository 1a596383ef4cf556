#pragma once
// A small real HTTP/1.1 server for tests of alertd's outbound HTTP (the
// notifiers): 127.0.0.1 on a free port, one thread, one request per
// connection. It answers each request with the next scripted response (or
// the default one) and records every request in arrival order, so tests
// check what a receiver really got: method, path, headers, body.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace alertd::testing {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpTestResponse {
  int status = 200;
  HttpHeaders headers;  // e.g. {"Retry-After", "30"}
  std::string body;
};

struct HttpTestRequest {
  std::string method;
  std::string path;
  HttpHeaders headers;  // as sent, in order
  std::string body;
  /// The first header of that name (case-insensitive), "" when absent.
  std::string header(std::string_view name) const;
};

class HttpTestServer {
 public:
  HttpTestServer();  // listening once constructed; throws std::runtime_error when it cannot
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  uint16_t port() const { return port_; }
  /// "http://127.0.0.1:<port><path>".
  std::string url(std::string_view path = "/") const;

  /// Appends a response to the script: request n gets the n-th not yet used.
  void respond(HttpTestResponse response);
  /// What requests get once the script is used up (at first: 200, no body).
  void set_default(HttpTestResponse response);

  /// While held, a request is read (and counted by wait_for_received) but
  /// not answered until release(): the client's attempt stays in flight.
  void hold();
  void release();
  /// Waits until `n` requests have been read, answered or not.
  bool wait_for_received(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20));

  std::vector<HttpTestRequest> requests() const;
  size_t request_count() const;
  /// Waits until `n` requests have been recorded (about to be answered); false on timeout.
  bool wait_for_requests(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  void serve();
  void handle(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable answered_;  // requests_ or received_ grew, or held_ changed
  bool held_ = false;
  size_t received_ = 0;
  std::deque<HttpTestResponse> script_;
  HttpTestResponse default_;
  std::vector<HttpTestRequest> requests_;
  std::thread thread_;
};

/// A loopback port nothing listens on (bound and closed again): connecting
/// to it is refused.
uint16_t unused_port();

}  // namespace alertd::testing
