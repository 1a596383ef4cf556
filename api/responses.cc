#include "api/responses.h"

#include "core/json_writer.h"

namespace alertd::api {

namespace bhttp = boost::beast::http;

Response text_response(unsigned status, std::string body, std::string_view content_type) {
  Response r{static_cast<bhttp::status>(status), 11};
  r.set(bhttp::field::content_type, content_type);
  r.set(bhttp::field::server, "alertd");
  r.body() = std::move(body);
  return r;
}

Response json_response(unsigned status, std::string body) {
  return text_response(status, std::move(body), "application/json");
}

Response error_response(unsigned status, std::string_view reason, std::string_view detail,
                        const ErrorExtras& extras) {
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("error", reason).field("detail", detail);
  if (extras.index) w.field("index", static_cast<uint64_t>(*extras.index));
  if (extras.accepted) w.field("accepted", static_cast<uint64_t>(*extras.accepted));
  w.end_object();
  auto r = json_response(status, std::move(body));
  if (extras.retry_after_seconds) {
    r.set(bhttp::field::retry_after, std::to_string(*extras.retry_after_seconds));
  }
  return r;
}

Response refusal_with_allowed(unsigned status, std::string_view reason, std::string_view detail,
                              std::span<const std::string> allowed) {
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("error", reason).field("detail", detail).key("allowed").begin_array();
  for (const auto& a : allowed) w.value(a);
  w.end_array().end_object();
  return json_response(status, std::move(body));
}

Response store_unavailable_response(std::string_view detail) {
  return error_response(503, "store_unavailable", detail, {.retry_after_seconds = 1});
}

unsigned http_status(core::Verdict verdict) {
  switch (verdict) {
    case core::Verdict::done: return 200;
    case core::Verdict::created: return 201;
    case core::Verdict::forbidden: return 403;
    case core::Verdict::not_found: return 404;
    case core::Verdict::conflict: return 409;
    case core::Verdict::invalid: return 422;
    case core::Verdict::unavailable: return 503;
    case core::Verdict::failed: return 500;
  }
  return 500;
}

}  // namespace alertd::api
