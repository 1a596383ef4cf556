// authorize() and authorize_ingest() on real requests against a real
// ApiContext: who the caller is, 401/403 with their headers and counters,
// and the tenant a request acts for.

#include "api/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>

#include "telemetry/daemon_metrics.h"
#include "telemetry/registry.h"

namespace alertd::api {
namespace {

namespace bhttp = boost::beast::http;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kAdmin = "admin-token-0123456789";
constexpr const char* kViewerB = "viewer-b-token-0123456789";
constexpr const char* kResponder = "responder-token-0123456789";
constexpr const char* kIngestAm = "ingest-am-token-0123456789";

config::AuthConfig sample_auth() {
  config::AuthConfig a;
  a.enabled = true;
  a.tokens.push_back({kAdmin, core::Role::admin, "default", "ops-admin"});
  a.tokens.push_back({kViewerB, core::Role::viewer, "team-b", "viewer-b"});
  a.tokens.push_back({kResponder, core::Role::responder, "default", "oncall"});
  a.ingest.push_back({kIngestAm, "alertmanager", "team-b", "prom-b"});
  return a;
}

Request request(std::string target, std::string authorization = "") {
  Request r{bhttp::verb::get, target, 11};
  if (!authorization.empty()) r.set(bhttp::field::authorization, authorization);
  return r;
}

std::string bearer(const char* token) {
  return std::string("Bearer ") + token;
}

class AuthTest : public ::testing::Test {
 protected:
  // The config is complete before ctx_ is built: ctx_ reads config_.auth once.
  explicit AuthTest(bool with_auth = true) : config_(make_config(with_auth)) {}

  static config::DaemonConfig make_config(bool with_auth) {
    config::DaemonConfig c;
    if (with_auth) c.auth = sample_auth();
    return c;
  }

  uint64_t failures(std::string_view reason) { return metrics_.auth_failures(reason).value(); }

  Principal expect_principal(const Request& req, core::Role needed) {
    auto got = authorize(ctx_, req, needed);
    if (auto* r = std::get_if<Response>(&got)) {
      ADD_FAILURE() << "refused " << r->result_int() << ": " << r->body();
      return {};
    }
    return std::get<Principal>(got);
  }

  Response expect_refusal(const Request& req, core::Role needed, unsigned status) {
    auto got = authorize(ctx_, req, needed);
    if (!std::holds_alternative<Response>(got)) {
      ADD_FAILURE() << "accepted as " << std::get<Principal>(got).name;
      return {};
    }
    auto r = std::get<Response>(std::move(got));
    EXPECT_EQ(r.result_int(), status) << r.body();
    EXPECT_THAT(std::string(r.body()), Not(HasSubstr("token-0123456789")));  // never echoed
    return r;
  }

  config::DaemonConfig config_;
  telemetry::Registry registry_;
  telemetry::Metrics metrics_{registry_, {}, {"test", "test"}};
  core::ManualClock clock_;
  ApiContext ctx_{config_, metrics_, clock_};
};

class OpenAuthTest : public AuthTest {
 protected:
  OpenAuthTest() : AuthTest(false) {}
};

TEST_F(OpenAuthTest, WithoutAuthEveryoneIsAnUnauthenticatedAdmin) {
  auto p = expect_principal(request("/api/v1/silences"), core::Role::admin);
  EXPECT_FALSE(p.authenticated);
  EXPECT_EQ(p.role, core::Role::admin);
  EXPECT_EQ(p.tenant, "default");
  EXPECT_EQ(p.name, "anonymous");
  // A token, even a made-up one, changes nothing.
  auto q = expect_principal(request("/api/v1/silences?state=active&tenant=team%2Da", "Bearer x"),
                            core::Role::viewer);
  EXPECT_EQ(q.tenant, "team-a");
  EXPECT_TRUE(can_see(q, "any-tenant"));
  EXPECT_FALSE(tenant_forbidden(ctx_, q, "other").has_value());
  EXPECT_EQ(failures("unauthenticated") + failures("forbidden"), 0u);
}

TEST_F(OpenAuthTest, IngestIsOpenForTheDefaultTenant) {
  for (auto source : config::kIngestEndpointSources) {
    auto got = authorize_ingest(ctx_, request("/api/v2/alerts"), source);
    ASSERT_TRUE(std::holds_alternative<IngestCaller>(got));
    EXPECT_EQ(std::get<IngestCaller>(got).tenant, "default");
    EXPECT_FALSE(std::get<IngestCaller>(got).authenticated);
  }
}

TEST_F(AuthTest, MissingOrUnknownTokenIs401WithChallenge) {
  for (const auto& header : {std::string(), std::string("Bearer not-a-known-token-0123456789"),
                             std::string("Basic YWRtaW46YWRtaW4="), std::string("Bearer "),
                             std::string("Bearer"), bearer(kIngestAm).substr(0, 20)}) {
    auto r = expect_refusal(request("/api/v1/incidents", header), core::Role::viewer, 401);
    EXPECT_THAT(std::string(r[bhttp::field::www_authenticate]), ::testing::StartsWith("Bearer"));
    EXPECT_THAT(std::string(r.body()), HasSubstr("\"error\":\"unauthenticated\""));
  }
  EXPECT_EQ(failures("unauthenticated"), 6u);
  EXPECT_EQ(failures("forbidden"), 0u);
}

TEST_F(AuthTest, SchemeIsCaseInsensitiveAndSpacesAreTrimmed) {
  auto p =
      expect_principal(request("/x", std::string("bEaReR   ") + kAdmin + " "), core::Role::admin);
  EXPECT_TRUE(p.authenticated);
  EXPECT_EQ(p.name, "ops-admin");
  EXPECT_EQ(p.role, core::Role::admin);
  EXPECT_EQ(p.tenant, "default");
}

TEST_F(AuthTest, RoleTooLowIs403NamingTheRoleNeeded) {
  auto r = expect_refusal(request("/x", bearer(kViewerB)), core::Role::responder, 403);
  EXPECT_THAT(std::string(r.body()), HasSubstr("\"error\":\"forbidden\""));
  EXPECT_THAT(std::string(r.body()), HasSubstr("needs the responder role"));
  EXPECT_THAT(std::string(r.body()), HasSubstr("viewer-b has viewer"));
  expect_refusal(request("/x", bearer(kResponder)), core::Role::incident_manager, 403);
  expect_refusal(request("/x", bearer(kResponder)), core::Role::admin, 403);
  EXPECT_EQ(failures("forbidden"), 3u);
  // Each role may do what the roles below it may.
  EXPECT_EQ(expect_principal(request("/x", bearer(kResponder)), core::Role::viewer).name, "oncall");
  EXPECT_EQ(expect_principal(request("/x", bearer(kAdmin)), core::Role::incident_manager).name,
            "ops-admin");
}

TEST_F(AuthTest, TheTokenDecidesTheTenant) {
  auto p = expect_principal(request("/api/v1/silences", bearer(kViewerB)), core::Role::viewer);
  EXPECT_EQ(p.tenant, "team-b");
  EXPECT_TRUE(can_see(p, "team-b"));
  EXPECT_FALSE(can_see(p, "default"));
  // Naming its own tenant is fine; naming another one is refused.
  EXPECT_EQ(
      expect_principal(request("/x?tenant=team-b", bearer(kViewerB)), core::Role::viewer).tenant,
      "team-b");
  auto r = expect_refusal(request("/x?tenant=team-b&tenant=default", bearer(kViewerB)),
                          core::Role::viewer, 403);
  EXPECT_THAT(std::string(r.body()), HasSubstr("token is for tenant team-b"));
  auto body = tenant_forbidden(ctx_, p, "default");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->result_int(), 403u);
  EXPECT_FALSE(tenant_forbidden(ctx_, p, "team-b").has_value());
  EXPECT_EQ(failures("forbidden"), 2u);
}

TEST_F(AuthTest, IngestTokensAreNotApiTokens) {
  auto r = expect_refusal(request("/x", bearer(kIngestAm)), core::Role::viewer, 403);
  EXPECT_THAT(std::string(r.body()), HasSubstr("prom-b is an ingest token"));
}

TEST_F(AuthTest, EveryIngestSourceNeedsATokenUnderAuth) {
  auto got = authorize_ingest(ctx_, request("/api/v2/alerts", bearer(kIngestAm)), "alertmanager");
  ASSERT_TRUE(std::holds_alternative<IngestCaller>(got));
  EXPECT_EQ(std::get<IngestCaller>(got).tenant, "team-b");
  EXPECT_EQ(std::get<IngestCaller>(got).name, "prom-b");

  auto none = authorize_ingest(ctx_, request("/api/v2/alerts"), "alertmanager");
  ASSERT_TRUE(std::holds_alternative<Response>(none));
  EXPECT_EQ(std::get<Response>(none).result_int(), 401u);
  // Every API role includes sender's right to send alerts, as itself.
  auto admin = authorize_ingest(ctx_, request("/api/v2/alerts", bearer(kAdmin)), "alertmanager");
  ASSERT_TRUE(std::holds_alternative<IngestCaller>(admin));
  EXPECT_TRUE(std::get<IngestCaller>(admin).authenticated);

  // generic has no ingest tokens of its own: still closed without a token.
  auto closed = authorize_ingest(ctx_, request("/api/v1/events"), "generic");
  ASSERT_TRUE(std::holds_alternative<Response>(closed));
  EXPECT_EQ(std::get<Response>(closed).result_int(), 401u);
  // An ingest token of another source is refused.
  auto other = authorize_ingest(ctx_, request("/api/v1/events", bearer(kIngestAm)), "generic");
  ASSERT_TRUE(std::holds_alternative<Response>(other));
  EXPECT_EQ(std::get<Response>(other).result_int(), 403u);
  EXPECT_EQ(failures("unauthenticated"), 2u);
  EXPECT_EQ(failures("forbidden"), 1u);
}

TEST_F(AuthTest, OpenIngestOpensOnlyTheNamedSource) {
  config_.auth.open_ingest = {"generic"};
  ApiContext ctx{config_, metrics_, clock_};
  auto open = authorize_ingest(ctx, request("/api/v1/events"), "generic");
  ASSERT_TRUE(std::holds_alternative<IngestCaller>(open));
  EXPECT_FALSE(std::get<IngestCaller>(open).authenticated);
  EXPECT_EQ(std::get<IngestCaller>(open).tenant, "default");
  // A token sent to an open source still decides the tenant.
  auto with_token = authorize_ingest(ctx, request("/api/v1/events", bearer(kAdmin)), "generic");
  ASSERT_TRUE(std::holds_alternative<IngestCaller>(with_token));
  EXPECT_TRUE(std::get<IngestCaller>(with_token).authenticated);
  auto am = authorize_ingest(ctx, request("/api/v2/alerts"), "alertmanager");
  ASSERT_TRUE(std::holds_alternative<Response>(am));
  EXPECT_EQ(std::get<Response>(am).result_int(), 401u);
}

TEST_F(AuthTest, SenderMaySendAndNothingElse) {
  config_.auth.tokens.push_back({"sender-token-0123456789", core::Role::sender, "default", "prom"});
  ApiContext ctx{config_, metrics_, clock_};
  auto sent = authorize_ingest(ctx, request("/api/v2/alerts", bearer("sender-token-0123456789")),
                               "alertmanager");
  ASSERT_TRUE(std::holds_alternative<IngestCaller>(sent));
  EXPECT_EQ(std::get<IngestCaller>(sent).name, "prom");
  auto read = authorize(ctx, request("/api/v1/incidents", bearer("sender-token-0123456789")),
                        core::Role::viewer);
  ASSERT_TRUE(std::holds_alternative<Response>(read));
  EXPECT_EQ(std::get<Response>(read).result_int(), 403u);
}

TEST_F(AuthTest, IdentityIsTheTokenAndTheBodyActorOnlyOnBehalfOf) {
  auto who = authorize(ctx_, request("/x", bearer(kAdmin)), core::Role::viewer);
  ASSERT_TRUE(std::holds_alternative<Principal>(who));
  const auto& p = std::get<Principal>(who);
  auto acting = acting_as(p, std::string("alice"));
  ASSERT_TRUE(acting.has_value());
  EXPECT_EQ(acting->actor, p.name);
  EXPECT_EQ(acting->on_behalf_of, "alice");
  EXPECT_TRUE(acting->authenticated);
  EXPECT_EQ(acting_as(p, std::nullopt)->actor, p.name);
  EXPECT_EQ(acting_as(p, p.name)->on_behalf_of, "") << "naming oneself is not on behalf of";

  const Principal open{"anonymous", core::Role::admin, "default", false};
  EXPECT_EQ(acting_as(open, std::string("bob"))->actor, "bob");
  EXPECT_FALSE(acting_as(open, std::string("bob"))->authenticated);
  EXPECT_FALSE(acting_as(open, std::nullopt).has_value());
}

TEST_F(AuthTest, IngestTokenOfAnotherSourceIs403) {
  config_.auth.ingest.push_back({"ingest-generic-0123456789", "generic", "default", "hooks"});
  ApiContext ctx{config_, metrics_, clock_};  // credentials are built from the config
  auto got = authorize_ingest(ctx, request("/api/v1/events", bearer(kIngestAm)), "generic");
  ASSERT_TRUE(std::holds_alternative<Response>(got));
  EXPECT_EQ(std::get<Response>(got).result_int(), 403u);
  EXPECT_THAT(std::string(std::get<Response>(got).body()),
              HasSubstr("prom-b is an ingest token for alertmanager, not generic"));
}

TEST(AuthSummary, CountsTokensPerRoleAndNamesOpenSources) {
  auto s = auth_summary(sample_auth());
  EXPECT_EQ(s,
            "3 API tokens (viewer 1, responder 1, admin 1); ingest: alertmanager needs a token "
            "(1 ingest tokens, or any API token), 8 other sources need an API token");
  auto opened = sample_auth();
  opened.open_ingest = {"generic"};
  EXPECT_THAT(auth_summary(opened), HasSubstr("generic OPEN"));
  EXPECT_THAT(s, Not(HasSubstr("0123456789")));
  EXPECT_THAT(auth_summary(config::AuthConfig{}), HasSubstr("open"));
}

}  // namespace
}  // namespace alertd::api
