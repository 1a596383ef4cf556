// POST /api/v1/notify/test {receiver} (admin, issue 15 §8): one test
// message to a configured receiver, answered with what the attempt came
// to, so an operator sees a wrong URL or key before an incident does. The
// attempt blocks up to the senders' timeouts, so it runs on a background
// thread and the io thread moves on.

#include <boost/beast/http.hpp>
#include <string>
#include <variant>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/json_body.h"
#include "api/responses.h"
#include "api/router.h"
#include "core/json_writer.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;
using sinks::notify::AttemptOutcome;

constexpr size_t kMaxBodyBytes = 4 << 10;
constexpr size_t kMaxNameBytes = 128;
// Past the senders' own timeouts (connect 5 s, total 15 s).
constexpr auto kTestWait = std::chrono::seconds(30);

Response answer(const AttemptOutcome& o) {
  if (o.reason == "unknown_receiver") {
    return error_response(404, "not_found",
                          "no receiver named \"" + o.receiver + "\" in notify.receivers");
  }
  std::string body;
  core::JsonWriter w(body);
  const bool delivered = o.result == AttemptOutcome::Result::delivered;
  w.begin_object();
  if (!delivered) {
    w.field("error", "delivery_failed")
        .field("detail", "the receiver did not take the test message: " + o.reason);
  }
  w.field("receiver", o.receiver).field("result", sinks::notify::result_name(o.result));
  w.field("reason", o.reason).field("status", o.status).key("at").time(o.at);
  w.end_object();
  // 502: alertd is fine, the receiver it was asked to reach is not.
  return json_response(delivered ? 200 : 502, std::move(body));
}

void send_test(ApiContext& ctx, RouteContext& rc, Responder responder) {
  auto caller = authorize(ctx, rc.request, core::Role::admin);
  if (auto* refused = std::get_if<Response>(&caller)) return responder.send(std::move(*refused));
  auto* pipeline = ctx.pipeline.load(std::memory_order_acquire);
  if (pipeline == nullptr) return responder.send(not_ready_response());
  const FieldSpec specs[] = {{"receiver", true, kMaxNameBytes}};
  auto fields = read_text_fields(rc.request.body(), kMaxBodyBytes, "a notify test", "test", specs);
  if (auto* r = std::get_if<Refusal>(&fields)) {
    return responder.send(error_response(r->status, r->reason, r->detail));
  }
  auto receiver = *take(std::get<Fields>(fields), "receiver");
  responder.answer_by(kTestWait, [] {
    return error_response(504, "notify_test_timeout", "the test attempt did not end in time");
  });
  const bool started = ctx.background.run(
      [pipeline, responder, receiver] { responder.send(answer(pipeline->notify_test(receiver))); });
  if (!started) {
    responder.send(error_response(503, "shutting_down", "alertd is stopping"));
  }
}

}  // namespace

void add_notify_routes(Router& router, ApiContext& ctx) {
  router.add_async(
      bhttp::verb::post, "/api/v1/notify/test",
      [&ctx](RouteContext& rc, Responder responder) { send_test(ctx, rc, responder); });
}

}  // namespace alertd::api
