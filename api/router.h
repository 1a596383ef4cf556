#pragma once
// Maps method + path to a handler. Patterns are literal segments and `{name}`
// captures: "/api/v1/incidents/{id}/timeline". A known path with another
// method answers 405 with Allow; anything else 404. Query strings are split
// into decoded parameters.
//
// Where a route runs (DESIGN.md §1): on the io thread that read it (ingest,
// health, metrics: nothing that waits), on the store readers (every read of
// the store), or on the store's writer thread (silence and problem writes,
// in line with every other write). Off the io thread a request gets a
// deadline: 503 store_unavailable when the store does not answer in time.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/server.h"

namespace alertd::api {

struct RouteContext {
  Request& request;
  std::string_view path;
  std::vector<std::pair<std::string, std::string>> params;  // {name} captures
  std::vector<std::pair<std::string, std::string>> query;   // decoded ?a=b&c=d

  std::optional<std::string_view> param(std::string_view name) const;
  /// The first value of a query parameter.
  std::optional<std::string_view> query_value(std::string_view name) const;
};

using RouteHandler = std::function<Response(RouteContext&)>;
/// A route that answers later (a lifecycle command waits for its commit). It
/// copies what it needs from the context before it returns.
using AsyncRouteHandler = std::function<void(RouteContext&, Responder)>;

enum class Runs { io, store_reader, store_writer };

/// Runs a job on another thread; false when that thread's queue is full.
using Submit = std::function<bool(std::function<void()>)>;

/// How long a request off the io thread (a store call, a lifecycle command
/// waiting for its commit) may wait before it answers 503 store_unavailable.
inline constexpr core::Duration kStoreWait = std::chrono::seconds(10);

struct RoutePlaces {
  Submit store_reader;
  Submit store_writer;
  core::Duration store_wait = kStoreWait;
};

class Router {
 public:
  void add(boost::beast::http::verb method, std::string pattern, RouteHandler handler,
           Runs runs = Runs::io);
  void add_async(boost::beast::http::verb method, std::string pattern, AsyncRouteHandler handler);
  /// Set before the server starts; until then off-io routes answer 503.
  void set_places(RoutePlaces places) { places_ = std::move(places); }
  void dispatch(Request&& request, Responder responder) const;
  /// For tests: the answer of a route that runs on the io thread.
  Response dispatch(Request& request) const;

 private:
  struct Route {
    boost::beast::http::verb method;
    std::vector<std::string> segments;
    RouteHandler handler;
    AsyncRouteHandler async_handler;
    Runs runs = Runs::io;
  };
  /// The matching route and its context, or the 400/404/405 to answer.
  std::variant<std::pair<const Route*, RouteContext>, Response> match(Request& request) const;
  void run_elsewhere(const Route& route, std::shared_ptr<Request> request, RouteContext&& ctx,
                     Responder responder) const;

  std::vector<Route> routes_;
  RoutePlaces places_;
};

/// 503 store_unavailable: the store did not answer within the wait.
Response store_wait_expired();

/// The page of a list endpoint: `?limit=` (1..1000, else `limit` is kept)
/// and `?cursor=` (a previous page's next_cursor, into `cursor`: a seq the
/// next page starts below, or for a timeline above). The 400 to answer when
/// either is malformed.
std::optional<Response> read_page_query(const RouteContext& rc, size_t& limit,
                                        std::optional<int64_t>& cursor);
/// The same check, for a caller that counts its refusals by reason.
struct PageQueryRefusal {
  std::string_view reason;  // invalid_limit, invalid_cursor
  std::string_view detail;
};
std::optional<PageQueryRefusal> check_page_query(const RouteContext& rc, size_t& limit,
                                                 std::optional<int64_t>& cursor);

/// Percent-decodes a URL component ('+' as space); nullopt on bad escapes.
std::optional<std::string> url_decode(std::string_view s);
/// Splits `a=b&c=d` into decoded pairs; false on a bad percent-escape.
bool parse_query(std::string_view query, std::vector<std::pair<std::string, std::string>>& out);

}  // namespace alertd::api
