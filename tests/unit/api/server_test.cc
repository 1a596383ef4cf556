// The real Server on a loopback port 0, driven over a real socket: what the
// integration tests cannot provoke in the daemon, a handler that throws.

#include "api/server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/responses.h"
#include "api/router.h"

namespace alertd::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Records every answer the server gives on its own account.
struct Failures {
  std::mutex mutex;
  std::vector<std::string> reasons;

  ServerOptions options() {
    ServerOptions o;
    o.threads = 1;
    o.fail = [this](unsigned status, std::string_view reason, std::string_view detail) {
      std::lock_guard lock(mutex);
      reasons.emplace_back(reason);
      return error_response(status, reason, detail);
    };
    return o;
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex);
    return reasons;
  }
};

// One keep-alive client connection.
class Client {
 public:
  explicit Client(const std::string& bound) : socket_(context_) {
    auto hp = split_host_port(bound);
    socket_.connect(tcp::endpoint(asio::ip::make_address(hp->first), hp->second));
  }
  bhttp::response<bhttp::string_body> get(const std::string& target) {
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, "test");
    bhttp::write(socket_, request);
    bhttp::response<bhttp::string_body> response;
    bhttp::read(socket_, buffer_, response);
    return response;
  }

 private:
  asio::io_context context_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

Handler throwing_handler() {
  return [](Request&& request, Responder responder) {
    if (request.target() == "/std") throw std::runtime_error("boom");
    if (request.target() == "/other") throw 42;
    responder.send(json_response(200, R"({"ok":true})"));
  };
}

TEST(Server, HandlerThatThrowsAnswers500AndTheServerGoesOn) {
  Failures failures;
  Server server(failures.options(), throwing_handler());
  auto bound = server.listen("127.0.0.1:0");
  ASSERT_TRUE(bound) << bound.error().message;
  server.start();

  Client client(*bound);
  auto first = client.get("/std");
  EXPECT_EQ(first.result_int(), 500);
  EXPECT_NE(first.body().find(R"("error":"internal")"), std::string::npos) << first.body();
  EXPECT_EQ(first.body().find("boom"), std::string::npos) << "the exception text is only logged";
  // The same connection keeps serving: keep-alive survives the failure.
  EXPECT_EQ(client.get("/fine").result_int(), 200);
  EXPECT_EQ(client.get("/other").result_int(), 500);
  // And so do new connections.
  EXPECT_EQ(Client(*bound).get("/fine").result_int(), 200);
  EXPECT_EQ(failures.seen(), (std::vector<std::string>{"internal", "internal"}));
  server.stop();
}

TEST(Server, RouteThatThrowsOffTheIoThreadAnswers500) {
  Router router;
  router.add(
      bhttp::verb::get, "/read",
      [](RouteContext&) -> Response { throw std::length_error("too long"); }, Runs::store_reader);
  router.add(
      bhttp::verb::get, "/fine", [](RouteContext&) { return json_response(200, "{}"); },
      Runs::store_reader);
  std::vector<std::thread> workers;
  std::mutex workers_mutex;
  RoutePlaces places;
  places.store_reader = [&](std::function<void()> job) {
    std::lock_guard lock(workers_mutex);
    workers.emplace_back(std::move(job));  // another thread, as the store readers are
    return true;
  };
  router.set_places(places);
  Failures failures;
  Server server(failures.options(), [&router](Request&& request, Responder responder) {
    router.dispatch(std::move(request), std::move(responder));
  });
  auto bound = server.listen("127.0.0.1:0");
  ASSERT_TRUE(bound) << bound.error().message;
  server.start();

  Client client(*bound);
  auto answer = client.get("/read");
  EXPECT_EQ(answer.result_int(), 500);
  EXPECT_NE(answer.body().find(R"("error":"internal")"), std::string::npos) << answer.body();
  EXPECT_EQ(client.get("/fine").result_int(), 200);
  EXPECT_EQ(failures.seen(), std::vector<std::string>{"internal"});
  server.stop();
  for (auto& t : workers) t.join();
}

TEST(Server, SecondConnectionOfAnAddressAtItsLimitGets503) {
  Failures failures;
  auto options = failures.options();
  options.max_connections_per_ip = 1;
  Server server(std::move(options), throwing_handler());
  auto bound = server.listen("127.0.0.1:0");
  ASSERT_TRUE(bound) << bound.error().message;
  server.start();

  {
    Client first(*bound);
    EXPECT_EQ(first.get("/fine").result_int(), 200);  // accepted: it holds the one place
    auto refused = Client(*bound).get("/fine");
    EXPECT_EQ(refused.result_int(), 503);
    EXPECT_NE(refused.body().find(R"("error":"too_many_connections")"), std::string::npos);
    EXPECT_EQ(refused[bhttp::field::retry_after], "1");
  }
  // The place is given back when the first connection ends (on the server's
  // thread, a moment after the client's close).
  int status = 0;
  for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
    status = Client(*bound).get("/fine").result_int();
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(failures.seen().front(), "too_many_connections");
  server.stop();
}

}  // namespace
}  // namespace alertd::api
