// Who is on call (issue 15 §6): GET /api/v1/oncall lists every schedule's
// person on call now (or `?at=RFC3339`), since and until when;
// GET /api/v1/oncall/{schedule} answers one, with the turns that follow.
// Computed from the schedules in force (a reload swaps them), never stored.

#include <boost/beast/http.hpp>
#include <memory>
#include <string>
#include <variant>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/json_body.h"
#include "api/responses.h"
#include "api/router.h"
#include "config/settings.h"
#include "core/json_writer.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

constexpr size_t kUpcomingTurns = 4;  // after the current one, on a schedule's own page

// The schedules in force: the running settings', else the start-up config's.
struct OncallView {
  std::shared_ptr<const config::Settings> settings;  // keeps `oncall` alive
  const config::OncallConfig* oncall;
};

OncallView oncall_in_force(ApiContext& ctx) {
  if (auto* pipeline = ctx.pipeline.load(std::memory_order_acquire)) {
    auto settings = pipeline->settings();
    const auto* oncall = &settings->oncall;
    return {std::move(settings), oncall};
  }
  return {nullptr, &ctx.config.oncall};
}

void write_person(core::JsonWriter& w, const config::OncallConfig& oncall,
                  const std::string& name) {
  w.key("on_call").begin_object().field("name", name);
  if (const auto* p = oncall.person(name)) {
    w.field("role", core::to_string(p->role));
    if (!p->slack_user.empty()) w.field("slack_user", p->slack_user);
    if (!p->email.empty()) w.field("email", p->email);
    if (!p->phone.empty()) w.field("phone", p->phone);
  }
  w.end_object();
}

void write_turn(core::JsonWriter& w, const config::OncallConfig& oncall,
                const correlator::OnCall& turn) {
  write_person(w, oncall, turn.member);
  w.field("since", core::format_rfc3339(turn.since))
      .field("until", core::format_rfc3339(turn.until))
      .field("override", turn.override_active);
}

void write_schedule(core::JsonWriter& w, const config::OncallConfig& oncall,
                    const correlator::OncallSchedule& s, core::TimePoint at, bool upcoming) {
  w.begin_object().field("schedule", s.name).field("timezone", s.zone.name());
  const auto now = correlator::on_call_at(s, at);
  if (now) write_turn(w, oncall, *now);
  if (upcoming && now) {
    w.key("next").begin_array();
    auto t = now->until;
    for (size_t i = 0; i < kUpcomingTurns; ++i) {
      const auto turn = correlator::on_call_at(s, t);
      if (!turn) break;
      w.begin_object();
      write_turn(w, oncall, *turn);
      w.end_object();
      t = turn->until;
    }
    w.end_array();
  }
  w.end_object();
}

// `?at=` or now; a refusal when it is not RFC 3339.
std::variant<core::TimePoint, Response> instant_of(ApiContext& ctx, RouteContext& rc) {
  const auto text = rc.query_value("at");
  if (!text) return ctx.clock.now();
  if (auto t = core::parse_rfc3339(*text)) return *t;
  return error_response(400, "invalid_time", "at \"" + clip(*text) + "\" is not an RFC 3339 time");
}

Response list_oncall(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto at = instant_of(ctx, rc);
  if (auto* refused = std::get_if<Response>(&at)) return std::move(*refused);
  const auto view = oncall_in_force(ctx);
  std::string body;
  core::JsonWriter w(body);
  w.begin_object().field("at", core::format_rfc3339(std::get<core::TimePoint>(at)));
  w.key("schedules").begin_array();
  for (const auto& s : view.oncall->schedules) {
    write_schedule(w, *view.oncall, s, std::get<core::TimePoint>(at), false);
  }
  w.end_array().end_object();
  return json_response(200, std::move(body));
}

Response get_oncall(ApiContext& ctx, RouteContext& rc) {
  auto who = authorize(ctx, rc.request, core::Role::viewer);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto at = instant_of(ctx, rc);
  if (auto* refused = std::get_if<Response>(&at)) return std::move(*refused);
  const auto view = oncall_in_force(ctx);
  const auto name = *rc.param("schedule");
  const auto* s = view.oncall->schedule(name);
  if (s == nullptr) {
    return error_response(404, "not_found", "no on-call schedule \"" + clip(name) + "\"");
  }
  std::string body;
  core::JsonWriter w(body);
  write_schedule(w, *view.oncall, *s, std::get<core::TimePoint>(at), true);
  return json_response(200, std::move(body));
}

}  // namespace

void add_oncall_routes(Router& router, ApiContext& ctx) {
  router.add(bhttp::verb::get, "/api/v1/oncall",
             [&ctx](RouteContext& rc) { return list_oncall(ctx, rc); });
  router.add(bhttp::verb::get, "/api/v1/oncall/{schedule}",
             [&ctx](RouteContext& rc) { return get_oncall(ctx, rc); });
}

}  // namespace alertd::api
