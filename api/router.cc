#include "api/router.h"

#include <charconv>

#include "api/responses.h"

namespace alertd::api {

namespace bhttp = boost::beast::http;

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

bool is_capture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool parse_query(std::string_view query, std::vector<std::pair<std::string, std::string>>& out) {
  size_t pos = 0;
  while (pos < query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    auto pair = query.substr(pos, end - pos);
    auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq));
    auto value = url_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) return false;
    if (!key->empty()) out.emplace_back(std::move(*key), std::move(*value));
    pos = end + 1;
  }
  return true;
}

std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::string_view> RouteContext::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> RouteContext::query_value(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

void Router::add(bhttp::verb method, std::string pattern, RouteHandler handler, Runs runs) {
  Route route{method, {}, std::move(handler), {}, runs};
  for (auto seg : split_path(pattern)) route.segments.emplace_back(seg);
  routes_.push_back(std::move(route));
}

void Router::add_async(bhttp::verb method, std::string pattern, AsyncRouteHandler handler) {
  Route route{method, {}, {}, std::move(handler), Runs::io};
  for (auto seg : split_path(pattern)) route.segments.emplace_back(seg);
  routes_.push_back(std::move(route));
}

std::variant<std::pair<const Router::Route*, RouteContext>, Response> Router::match(
    Request& request) const {
  std::string_view target = request.target();
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : "";
  auto segments = split_path(path);

  std::string allowed;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const auto& want = route.segments[i];
      match = is_capture(want) || want == segments[i];
    }
    if (!match) continue;
    if (route.method != request.method()) {
      auto name = std::string(bhttp::to_string(route.method));
      if (allowed.find(name) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + name;
      continue;
    }
    RouteContext ctx{request, path, {}, {}};
    for (size_t i = 0; i < segments.size(); ++i) {
      const auto& want = route.segments[i];
      if (!is_capture(want)) continue;
      auto value = url_decode(segments[i]);
      if (!value) return error_response(400, "invalid_path", "bad percent-encoding in the path");
      ctx.params.emplace_back(want.substr(1, want.size() - 2), std::move(*value));
    }
    if (!parse_query(query, ctx.query)) {
      return error_response(400, "invalid_query", "bad percent-encoding in the query");
    }
    return std::make_pair(&route, std::move(ctx));
  }
  if (!allowed.empty()) {
    auto r = error_response(405, "method_not_allowed",
                            std::string(request.method_string()) + " is not allowed on " +
                                std::string(path) + "; allowed: " + allowed);
    r.set(bhttp::field::allow, allowed);
    return r;
  }
  return error_response(404, "not_found", "no such endpoint: " + std::string(path));
}

Response Router::dispatch(Request& request) const {
  auto matched = match(request);
  if (auto* answer = std::get_if<Response>(&matched)) return std::move(*answer);
  auto& [route, ctx] = std::get<std::pair<const Route*, RouteContext>>(matched);
  return route->handler(ctx);
}

void Router::dispatch(Request&& request, Responder responder) const {
  // The request moves once, so that the context's views into it stay valid
  // wherever the route runs.
  auto held = std::make_shared<Request>(std::move(request));
  auto matched = match(*held);
  if (auto* answer = std::get_if<Response>(&matched)) return responder.send(std::move(*answer));
  auto& [route, ctx] = std::get<std::pair<const Route*, RouteContext>>(matched);
  if (route->async_handler) return route->async_handler(ctx, responder);
  if (route->runs == Runs::io) return responder.send(route->handler(ctx));
  run_elsewhere(*route, std::move(held), std::move(ctx), std::move(responder));
}

void Router::run_elsewhere(const Route& route, std::shared_ptr<Request> request, RouteContext&& ctx,
                           Responder responder) const {
  const Submit& submit =
      route.runs == Runs::store_writer ? places_.store_writer : places_.store_reader;
  // Off the io thread the server's catch does not reach: a handler that
  // throws must still answer (500 internal) and leave the thread running.
  auto job = [&route, request = std::move(request), ctx = std::move(ctx), responder]() mutable {
    try {
      responder.send(route.handler(ctx));
    } catch (const std::exception& e) {
      responder.fail_internal(e.what());
    } catch (...) {
      responder.fail_internal("an exception that is not a std::exception");
    }
  };
  responder.answer_by(places_.store_wait, store_wait_expired);
  if (!submit || !submit(std::move(job))) {
    responder.send(store_unavailable_response("too many requests are waiting for the store"));
  }
}

Response store_wait_expired() {
  return store_unavailable_response(
      "the incident store did not answer in time; a change may still be applied");
}

namespace {
constexpr int64_t kMaxPageSize = 1000;

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace

std::optional<Response> read_page_query(const RouteContext& rc, size_t& limit,
                                        std::optional<int64_t>& before) {
  if (auto s = rc.query_value("limit")) {
    auto v = parse_int(*s);
    if (!v || *v < 1 || *v > kMaxPageSize) {
      return error_response(400, "invalid_limit", "limit must be a whole number from 1 to 1000");
    }
    limit = static_cast<size_t>(*v);
  }
  if (auto s = rc.query_value("cursor")) {
    auto v = parse_int(*s);
    if (!v || *v < 1) {
      return error_response(400, "invalid_cursor",
                            "cursor must be the next_cursor value of a previous page");
    }
    before = *v;
  }
  return std::nullopt;
}

}  // namespace alertd::api
