#pragma once
// Maps method + path to a handler. Patterns are literal segments and `{name}`
// captures: "/api/v1/incidents/{id}/timeline". A known path with another
// method answers 405 with Allow; anything else 404. Query strings are split
// into decoded parameters.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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

class Router {
 public:
  void add(boost::beast::http::verb method, std::string pattern, RouteHandler handler);
  Response dispatch(Request& request) const;

 private:
  struct Route {
    boost::beast::http::verb method;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

/// The page of a list endpoint: `?limit=` (1..1000, else `limit` is kept)
/// and `?cursor=` (a previous page's next_cursor, into `before`). The 400
/// to answer when either is malformed.
std::optional<Response> read_page_query(const RouteContext& rc, size_t& limit,
                                        std::optional<int64_t>& before);

/// Percent-decodes a URL component ('+' as space); nullopt on bad escapes.
std::optional<std::string> url_decode(std::string_view s);
/// Splits `a=b&c=d` into decoded pairs; false on a bad percent-escape.
bool parse_query(std::string_view query, std::vector<std::pair<std::string, std::string>>& out);

}  // namespace alertd::api
