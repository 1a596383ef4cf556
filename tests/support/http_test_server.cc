#include "tests/support/http_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace alertd::testing {

namespace {

constexpr size_t kMaxHeaderBytes = 64 << 10;
constexpr size_t kMaxBodyBytes = 16 << 20;
constexpr int kReadTimeoutMs = 10000;

int bind_loopback(uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind to 127.0.0.1:0 failed");
  }
  port = ntohs(addr.sin_port);
  return fd;
}

// Reads what is there (waiting up to the timeout); false on EOF or error.
bool read_some(int fd, std::string& buffer) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, kReadTimeoutMs) <= 0) return false;
  char chunk[16384];
  const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<size_t>(n));
  return true;
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The request line and headers of `head` (without the blank line).
bool parse_head(std::string_view head, HttpTestRequest& out) {
  size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return false;
  out.method = std::string(line.substr(0, sp1));
  out.path = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  while (eol != std::string_view::npos) {
    const size_t start = eol + 2;
    eol = head.find("\r\n", start);
    const std::string_view h =
        head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    const size_t colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    out.headers.emplace_back(std::string(trim(h.substr(0, colon))),
                             std::string(trim(h.substr(colon + 1))));
  }
  return true;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string render(const HttpTestResponse& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
  for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n";
  return out + r.body;
}

}  // namespace

std::string HttpTestRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && ::strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  }
  return "";
}

HttpTestServer::HttpTestServer() {
  listen_fd_ = bind_loopback(port_);
  if (::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("listen failed");
  }
  thread_ = std::thread([this] { serve(); });
}

HttpTestServer::~HttpTestServer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;  // under the mutex: a held request's wait sees it
    answered_.notify_all();
  }
  thread_.join();
  ::close(listen_fd_);
}

std::string HttpTestServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void HttpTestServer::respond(HttpTestResponse response) {
  std::lock_guard lock(mutex_);
  script_.push_back(std::move(response));
}

void HttpTestServer::set_default(HttpTestResponse response) {
  std::lock_guard lock(mutex_);
  default_ = std::move(response);
}

void HttpTestServer::hold() {
  std::lock_guard lock(mutex_);
  held_ = true;
}

void HttpTestServer::release() {
  std::lock_guard lock(mutex_);
  held_ = false;
  answered_.notify_all();
}

bool HttpTestServer::wait_for_received(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return answered_.wait_for(lock, timeout, [&] { return received_ >= n; });
}

std::vector<HttpTestRequest> HttpTestServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t HttpTestServer::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

bool HttpTestServer::wait_for_requests(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return answered_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

void HttpTestServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;  // short: the destructor waits for this loop
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void HttpTestServer::handle(int fd) {
  std::string buffer;
  size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHeaderBytes || !read_some(fd, buffer)) return;
  }
  HttpTestRequest request;
  if (!parse_head(std::string_view(buffer).substr(0, head_end), request)) return;
  const std::string length = request.header("Content-Length");
  const size_t body_bytes = length.empty() ? 0 : std::stoul(length);
  if (body_bytes > kMaxBodyBytes) return;
  while (buffer.size() - head_end - 4 < body_bytes) {
    if (!read_some(fd, buffer)) return;
  }
  request.body = buffer.substr(head_end + 4, body_bytes);
  HttpTestResponse response;
  {
    std::unique_lock lock(mutex_);
    ++received_;
    answered_.notify_all();
    answered_.wait(lock, [&] { return !held_ || stop_; });
    if (script_.empty()) {
      response = default_;
    } else {
      response = std::move(script_.front());
      script_.pop_front();
    }
    // Recorded before the answer goes out: a client that has its answer
    // finds its request in requests().
    requests_.push_back(std::move(request));
    answered_.notify_all();
  }
  write_all(fd, render(response));
}

uint16_t unused_port() {
  uint16_t port = 0;
  ::close(bind_loopback(port));
  return port;
}

}  // namespace alertd::testing
