// Fuzz target: the API router (api/router.h): method + request target ->
// route, {id} captures, percent-decoding and the query string, and the
// page query every list endpoint reads. The table has the shapes of the
// daemon's own (literal before capture, one path under several methods,
// two captures), with handlers that only record what they were given.
//
// Input: byte 0 picks the method (Beast's verbs, "unknown" included); the
// rest is the request target as the HTTP parser hands it over.
//
// Every error body must be valid UTF-8 JSON (issue 13, item 7);
// ALERTD_FUZZ_LENIENT_JSON=1 turns that check off.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/responses.h"
#include "api/router.h"
#include "tests/fuzz/fuzz_check.h"

using namespace alertd;
namespace bhttp = boost::beast::http;

namespace {

struct Table {
  api::Router router;
  Table() {
    using bhttp::verb;
    auto record = [](api::RouteContext& rc) {
      size_t limit = 50;
      std::optional<int64_t> before;
      auto refused = api::read_page_query(rc, limit, before);
      fuzz::check(limit >= 1 && limit <= 1000, "page limit in 1..1000");
      fuzz::check(!before || *before >= 1, "cursor >= 1");
      for (const auto& [name, value] : rc.query) fuzz::check(!name.empty(), "query names");
      if (refused) return std::move(*refused);
      return api::json_response(200, "{}");
    };
    for (auto [method, pattern] : std::initializer_list<std::pair<verb, const char*>>{
             {verb::get, "/-/healthy"},
             {verb::get, "/-/ready"},
             {verb::post, "/-/reload"},
             {verb::get, "/metrics"},
             {verb::post, "/api/v2/alerts"},
             {verb::post, "/api/v1/events"},
             {verb::get, "/api/v1/incidents"},
             {verb::post, "/api/v1/incidents"},
             {verb::get, "/api/v1/incidents/stats"},
             {verb::get, "/api/v1/incidents/{id}"},
             {verb::patch, "/api/v1/incidents/{id}"},
             {verb::get, "/api/v1/incidents/{id}/timeline"},
             {verb::post, "/api/v1/incidents/{id}/acknowledge"},
             {verb::post, "/api/v1/incidents/{id}/{action}"},
             {verb::get, "/api/v1/silences"},
             {verb::post, "/api/v1/silences"},
             {verb::get, "/api/v1/silences/{id}"},
             {verb::delete_, "/api/v1/silences/{id}"},
             {verb::get, "/api/v1/audit/verify"},
         }) {
      router.add(method, pattern, record);
    }
  }
};

bool strict_json() {
  static const bool on = std::getenv("ALERTD_FUZZ_LENIENT_JSON") == nullptr;
  return on;
}

void check_json_body(const api::Response& r) {
  static simdjson::dom::parser parser;
  auto doc = parser.parse(r.body());
  fuzz::check(!doc.error(), "an error body is valid UTF-8 JSON");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Table table;
  if (size == 0) return 0;
  const auto method =
      static_cast<bhttp::verb>(data[0] % (static_cast<int>(bhttp::verb::unlink) + 1));
  const std::string target(reinterpret_cast<const char*>(data) + 1, size - 1);

  api::Request request{method, target, 11};
  api::Response response = table.router.dispatch(request);
  const unsigned status = response.result_int();
  fuzz::check(status == 200 || status == 400 || status == 404 || status == 405,
              "the router answers 200, 400, 404 or 405");
  if (status == 405) fuzz::check(!response[bhttp::field::allow].empty(), "405 names Allow");
  if (status != 200 && strict_json()) check_json_body(response);

  // The helpers on their own: decoding never grows a component, and a
  // query that parses has only named parameters.
  if (auto decoded = api::url_decode(target)) {
    fuzz::check(decoded->size() <= target.size(), "url_decode never grows");
  }
  std::vector<std::pair<std::string, std::string>> query;
  if (api::parse_query(target, query)) {
    for (const auto& [name, value] : query) fuzz::check(!name.empty(), "parsed names");
  }
  return 0;
}
