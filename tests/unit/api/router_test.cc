#include "api/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <optional>
#include <string>
#include <vector>

#include "api/responses.h"

namespace alertd::api {
namespace {

namespace bhttp = boost::beast::http;
using ::testing::HasSubstr;
using Pairs = std::vector<std::pair<std::string, std::string>>;

// What a handler saw, copied out of the RouteContext.
struct Seen {
  std::string route;
  std::string path;
  Pairs params;
  Pairs query;
  int calls = 0;
};

RouteHandler recorder(Seen& seen, std::string name) {
  return [&seen, name](RouteContext& ctx) {
    seen.route = name;
    seen.path = std::string(ctx.path);
    seen.params = ctx.params;
    seen.query = ctx.query;
    ++seen.calls;
    return json_response(200, R"({"route":")" + name + "\"}");
  };
}

Response send(const Router& router, bhttp::verb method, std::string target) {
  Request req{method, target, 11};
  return router.dispatch(req);
}

std::string json_string(const std::string& body, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  return std::string(std::string_view(doc[key]));
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.add(bhttp::verb::get, "/-/healthy", recorder(seen_, "healthy"));
    router_.add(bhttp::verb::get, "/api/v1/incidents", recorder(seen_, "list"));
    router_.add(bhttp::verb::get, "/api/v1/incidents/stats", recorder(seen_, "stats"));
    router_.add(bhttp::verb::get, "/api/v1/incidents/{id}", recorder(seen_, "get"));
    router_.add(bhttp::verb::get, "/api/v1/incidents/{id}/timeline", recorder(seen_, "timeline"));
    router_.add(bhttp::verb::post, "/api/v1/incidents/{id}/{action}", recorder(seen_, "action"));
    router_.add(bhttp::verb::get, "/api/v1/silences", recorder(seen_, "silences"));
    router_.add(bhttp::verb::post, "/api/v1/silences", recorder(seen_, "silence_add"));
    router_.add(bhttp::verb::delete_, "/api/v1/silences/{id}", recorder(seen_, "silence_del"));
  }
  Router router_;
  Seen seen_;
};

TEST_F(RouterTest, LiteralRoute) {
  auto r = send(router_, bhttp::verb::get, "/-/healthy");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(seen_.route, "healthy");
  EXPECT_EQ(seen_.path, "/-/healthy");
  EXPECT_TRUE(seen_.params.empty());
  EXPECT_TRUE(seen_.query.empty());
  EXPECT_EQ(json_string(r.body(), "route"), "healthy");

  send(router_, bhttp::verb::get, "/api/v1/incidents");
  EXPECT_EQ(seen_.route, "list");
  // A literal registered before a capture of the same shape takes precedence.
  send(router_, bhttp::verb::get, "/api/v1/incidents/stats");
  EXPECT_EQ(seen_.route, "stats");
  EXPECT_TRUE(seen_.params.empty());
}

TEST_F(RouterTest, CaptureRoutes) {
  send(router_, bhttp::verb::get, "/api/v1/incidents/INC-42");
  EXPECT_EQ(seen_.route, "get");
  EXPECT_EQ(seen_.params, (Pairs{{"id", "INC-42"}}));

  send(router_, bhttp::verb::get, "/api/v1/incidents/INC-42/timeline");
  EXPECT_EQ(seen_.route, "timeline");
  EXPECT_EQ(seen_.params, (Pairs{{"id", "INC-42"}}));

  send(router_, bhttp::verb::post, "/api/v1/incidents/INC-7/acknowledge");
  EXPECT_EQ(seen_.route, "action");
  EXPECT_EQ(seen_.params, (Pairs{{"id", "INC-7"}, {"action", "acknowledge"}}));
}

TEST_F(RouterTest, ParamAccessors) {
  Router router;
  std::optional<std::string> id, missing_param, status, missing_query, repeated;
  router.add(bhttp::verb::get, "/x/{id}", [&](RouteContext& ctx) {
    id = ctx.param("id");
    missing_param = ctx.param("nope") ? std::optional<std::string>("present") : std::nullopt;
    status = ctx.query_value("status");
    missing_query = ctx.query_value("team") ? std::optional<std::string>("present") : std::nullopt;
    repeated = ctx.query_value("r");
    return json_response(200, "{}");
  });
  auto r = send(router, bhttp::verb::get, "/x/a%2Fb?status=open&r=1&r=2");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(id, "a/b");  // an encoded slash stays inside the segment
  EXPECT_EQ(missing_param, std::nullopt);
  EXPECT_EQ(status, "open");
  EXPECT_EQ(missing_query, std::nullopt);
  EXPECT_EQ(repeated, "1");  // the first value
}

TEST_F(RouterTest, PercentDecodedParamsAndQuery) {
  send(router_, bhttp::verb::get,
       "/api/v1/incidents/INC%2D9?status=open&team=sre%20core&q=a+b%2Bc&empty=&flag&=ignored"
       "&%C3%A9t%C3%A9=%E2%82%AC");
  EXPECT_EQ(seen_.route, "get");
  EXPECT_EQ(seen_.path, "/api/v1/incidents/INC%2D9");  // the raw path, without the query
  EXPECT_EQ(seen_.params, (Pairs{{"id", "INC-9"}}));
  EXPECT_EQ(seen_.query, (Pairs{{"status", "open"},
                                {"team", "sre core"},
                                {"q", "a b+c"},
                                {"empty", ""},
                                {"flag", ""},
                                {"\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC"}}));

  send(router_, bhttp::verb::get, "/api/v1/incidents?");
  EXPECT_EQ(seen_.route, "list");
  EXPECT_TRUE(seen_.query.empty());
  send(router_, bhttp::verb::get, "/api/v1/incidents?&&limit=5&");
  EXPECT_EQ(seen_.query, (Pairs{{"limit", "5"}}));
}

TEST_F(RouterTest, UnknownPathIs404WithJsonError) {
  auto r = send(router_, bhttp::verb::get, "/api/v1/nothing?x=1");
  EXPECT_EQ(r.result_int(), 404u);
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  EXPECT_EQ(json_string(r.body(), "error"), "not_found");
  EXPECT_THAT(json_string(r.body(), "detail"), HasSubstr("/api/v1/nothing"));
  EXPECT_EQ(seen_.calls, 0);

  // Same prefix, different depth.
  EXPECT_EQ(send(router_, bhttp::verb::get, "/api/v1/incidents/1/2/3").result_int(), 404u);
  EXPECT_EQ(send(router_, bhttp::verb::get, "/api").result_int(), 404u);
  EXPECT_EQ(send(router_, bhttp::verb::get, "/").result_int(), 404u);
  EXPECT_EQ(seen_.calls, 0);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  auto r = send(router_, bhttp::verb::delete_, "/api/v1/silences");
  EXPECT_EQ(r.result_int(), 405u);
  EXPECT_EQ(r[bhttp::field::allow], "GET, POST");
  EXPECT_EQ(json_string(r.body(), "error"), "method_not_allowed");
  auto detail = json_string(r.body(), "detail");
  EXPECT_THAT(detail, HasSubstr("DELETE"));
  EXPECT_THAT(detail, HasSubstr("/api/v1/silences"));
  EXPECT_EQ(seen_.calls, 0);

  auto one = send(router_, bhttp::verb::get, "/api/v1/silences/abc");
  EXPECT_EQ(one.result_int(), 405u);
  EXPECT_EQ(one[bhttp::field::allow], "DELETE");

  // Every pattern of that shape contributes its method.
  auto incident = send(router_, bhttp::verb::put, "/api/v1/incidents/INC-1/timeline");
  EXPECT_EQ(incident.result_int(), 405u);
  EXPECT_EQ(incident[bhttp::field::allow], "GET, POST");

  Router dup;
  dup.add(bhttp::verb::get, "/a", recorder(seen_, "a1"));
  dup.add(bhttp::verb::get, "/a", recorder(seen_, "a2"));
  auto d = send(dup, bhttp::verb::post, "/a");
  EXPECT_EQ(d.result_int(), 405u);
  EXPECT_EQ(d[bhttp::field::allow], "GET");
  send(dup, bhttp::verb::get, "/a");
  EXPECT_EQ(seen_.route, "a1");  // the first registration wins
}

TEST_F(RouterTest, BadPercentEncodingIs400) {
  auto path = send(router_, bhttp::verb::get, "/api/v1/incidents/INC%2");
  EXPECT_EQ(path.result_int(), 400u);
  EXPECT_EQ(json_string(path.body(), "error"), "invalid_path");

  auto query = send(router_, bhttp::verb::get, "/api/v1/incidents?status=%zz");
  EXPECT_EQ(query.result_int(), 400u);
  EXPECT_EQ(json_string(query.body(), "error"), "invalid_query");

  auto key = send(router_, bhttp::verb::get, "/api/v1/incidents?%G1=x");
  EXPECT_EQ(key.result_int(), 400u);
  EXPECT_EQ(json_string(key.body(), "error"), "invalid_query");
  EXPECT_EQ(seen_.calls, 0);
}

// A bad escape in a capture only matters once the route matches: a path no
// route has is 404 (router.h), whatever its escapes.
TEST_F(RouterTest, BadEscapeOnAnUnknownPathIs404) {
  Router router;
  router.add(bhttp::verb::get, "/api/v1/incidents/{id}/timeline", recorder(seen_, "timeline"));
  auto r = send(router, bhttp::verb::get, "/api/v1/incidents/%zz/nonexistent");
  EXPECT_EQ(r.result_int(), 404u);
  EXPECT_EQ(json_string(r.body(), "error"), "not_found");
  // On the route's own path the bad escape is still a 400.
  EXPECT_EQ(send(router, bhttp::verb::get, "/api/v1/incidents/%zz/timeline").result_int(), 400u);
  EXPECT_EQ(seen_.calls, 0);
}

TEST(UrlDecodeTest, Cases) {
  struct Case {
    std::string_view in;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"", ""},
      {"plain", "plain"},
      {"a%20b", "a b"},
      {"a+b", "a b"},
      {"%2B", "+"},
      {"%41%42c", "ABc"},
      {"%2f%2F", "//"},
      {"100%25", "100%"},
      {"%e2%82%AC", "\xE2\x82\xAC"},
      {"%00", std::string(1, '\0')},
      {"%", std::nullopt},
      {"%4", std::nullopt},
      {"abc%", std::nullopt},
      {"abc%4", std::nullopt},
      {"%zz", std::nullopt},
      {"%g0", std::nullopt},
      {"%0g", std::nullopt},
      {"ok%2", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.in));
    EXPECT_EQ(url_decode(c.in), c.want);
  }
}

TEST(ResponsesTest, ErrorResponseShape) {
  auto r = error_response(400, "invalid_json", "line \"3\"\nis bad");
  EXPECT_EQ(r.result_int(), 400u);
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  EXPECT_EQ(r[bhttp::field::server], "alertd");
  EXPECT_EQ(r.count(bhttp::field::retry_after), 0u);
  simdjson::dom::parser parser;
  simdjson::dom::object obj = parser.parse(r.body()).get_object();
  EXPECT_EQ(obj.size(), 2u);
  EXPECT_EQ(std::string_view(obj["error"]), "invalid_json");
  EXPECT_EQ(std::string_view(obj["detail"]), "line \"3\"\nis bad");
}

TEST(ResponsesTest, ErrorResponseExtras) {
  auto r = error_response(429, "queue_full", "try later",
                          ErrorExtras{.index = 0, .accepted = 7, .retry_after_seconds = 2});
  EXPECT_EQ(r.result_int(), 429u);
  EXPECT_EQ(r[bhttp::field::retry_after], "2");
  simdjson::dom::parser parser;
  simdjson::dom::object obj = parser.parse(r.body()).get_object();
  EXPECT_EQ(obj.size(), 4u);
  EXPECT_EQ(std::string_view(obj["error"]), "queue_full");
  EXPECT_EQ(std::string_view(obj["detail"]), "try later");
  EXPECT_EQ(uint64_t(obj["index"]), 0u);  // present although zero
  EXPECT_EQ(uint64_t(obj["accepted"]), 7u);

  auto only_index = error_response(400, "invalid_json", "x", ErrorExtras{.index = 12});
  simdjson::dom::object o2 = parser.parse(only_index.body()).get_object();
  EXPECT_EQ(o2.size(), 3u);
  EXPECT_EQ(uint64_t(o2["index"]), 12u);
  EXPECT_EQ(o2["accepted"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(only_index.count(bhttp::field::retry_after), 0u);

  auto retry = error_response(503, "overloaded", "x", ErrorExtras{.retry_after_seconds = 30});
  EXPECT_EQ(retry[bhttp::field::retry_after], "30");
  EXPECT_EQ(parser.parse(retry.body()).get_object().size(), 2u);
}

TEST(ResponsesTest, TextAndJsonResponses) {
  auto t = text_response(200, "ok\n", "text/plain; version=0.0.4");
  EXPECT_EQ(t.result_int(), 200u);
  EXPECT_EQ(t[bhttp::field::content_type], "text/plain; version=0.0.4");
  EXPECT_EQ(t.body(), "ok\n");
  auto j = json_response(201, "{\"a\":1}");
  EXPECT_EQ(j.result_int(), 201u);
  EXPECT_EQ(j[bhttp::field::content_type], "application/json");
  EXPECT_EQ(j.body(), "{\"a\":1}");
}

}  // namespace
}  // namespace alertd::api
