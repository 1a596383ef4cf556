// The `auth:` section: tokens with roles and tenants, ingest tokens per
// source, ${VAR} from the environment, and refusals that never quote a token.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "config/config.h"

namespace alertd::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kAdminSecret = "admin-secret-0123456789abcdef";
constexpr const char* kOncallSecret = "oncall-secret-0123456789abcdef";

// Sets environment variables for one test and removes them after.
class EnvTest : public ::testing::Test {
 protected:
  void set(const char* name, const char* value) {
    ASSERT_EQ(setenv(name, value, 1), 0);
    names_.push_back(name);
  }
  void TearDown() override {
    for (const auto& n : names_) unsetenv(n.c_str());
  }

 private:
  std::vector<std::string> names_;
};

using AuthConfigTest = EnvTest;

std::string errors_of(std::string_view yaml) {
  auto cfg = config::parse_config(yaml, "cfg.yaml");
  EXPECT_FALSE(cfg.ok()) << "expected an error for:\n" << yaml;
  return cfg.ok() ? "" : cfg.error().message;
}

TEST_F(AuthConfigTest, NoSectionMeansOpen) {
  auto cfg = config::parse_config("listen: 127.0.0.1:1\n", "cfg.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_FALSE(cfg->auth.enabled);
  EXPECT_TRUE(cfg->auth.tokens.empty());
  auto embedded = config::parse_config(config::embedded_default_config(), "<embedded>");
  ASSERT_TRUE(embedded.ok());
  EXPECT_FALSE(embedded->auth.enabled);
}

TEST_F(AuthConfigTest, ReadsTokensAndExpandsTheEnvironment) {
  set("T_ADMIN", kAdminSecret);
  set("T_ONCALL", kOncallSecret);
  set("T_TENANT", "team-b");
  auto cfg = config::parse_config(R"(
auth:
  tokens:
    - {token: "${T_ADMIN}", role: admin, tenant: default, name: ops-admin}
    - {token: "${T_ONCALL}", role: responder, tenant: "${T_TENANT}"}
    - {token: "literal-viewer-token-1234", role: viewer}
  ingest:
    - {token: "prefix-${T_ADMIN}-suffix", source: alertmanager, tenant: team-b}
)",
                                  "cfg.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& auth = cfg->auth;
  EXPECT_TRUE(auth.enabled);
  ASSERT_EQ(auth.tokens.size(), 3u);
  EXPECT_EQ(auth.tokens[0].token, kAdminSecret);
  EXPECT_EQ(auth.tokens[0].role, core::Role::admin);
  EXPECT_EQ(auth.tokens[0].name, "ops-admin");
  EXPECT_EQ(auth.tokens[1].token, kOncallSecret);
  EXPECT_EQ(auth.tokens[1].role, core::Role::responder);
  EXPECT_EQ(auth.tokens[1].tenant, "team-b");
  EXPECT_EQ(auth.tokens[1].name, "token-1");  // the default name is by index
  EXPECT_EQ(auth.tokens[2].tenant, "default");
  EXPECT_EQ(auth.tokens[2].role, core::Role::viewer);
  ASSERT_EQ(auth.ingest.size(), 1u);
  EXPECT_EQ(auth.ingest[0].token, std::string("prefix-") + kAdminSecret + "-suffix");
  EXPECT_EQ(auth.ingest[0].source, "alertmanager");
  EXPECT_EQ(auth.ingest[0].tenant, "team-b");
  EXPECT_EQ(auth.ingest[0].name, "ingest-0");
}

TEST_F(AuthConfigTest, UnsetOrEmptyVariableIsAnErrorWithFileAndLine) {
  unsetenv("T_MISSING");
  set("T_EMPTY", "");
  auto err = errors_of(R"(auth:
  tokens:
    - {token: "${T_MISSING}", role: admin}
    - {token: "${T_EMPTY}", role: admin}
)");
  EXPECT_THAT(err, HasSubstr("cfg.yaml:3: auth.tokens[0].token: environment variable T_MISSING "
                             "is not set"));
  EXPECT_THAT(err, HasSubstr("cfg.yaml:4: auth.tokens[1].token: environment variable T_EMPTY "
                             "is empty"));
}

TEST_F(AuthConfigTest, BadVariableSyntaxIsRefusedWithoutQuotingTheText) {
  auto err = errors_of(R"(auth:
  tokens:
    - {token: "abcdefgh${not closed-0123456789", role: admin}
    - {token: "abcdefgh${bad-name}0123456789", role: admin}
)");
  EXPECT_THAT(err, HasSubstr("cfg.yaml:3: auth.tokens[0].token: \"${\" without a closing"));
  EXPECT_THAT(err, HasSubstr("cfg.yaml:4: auth.tokens[1].token: \"${...}\" must hold"));
  EXPECT_THAT(err, Not(HasSubstr("abcdefgh")));
}

TEST_F(AuthConfigTest, BadRoleIsRefused) {
  auto err = errors_of(R"(auth:
  tokens:
    - {token: "a-long-enough-token-0001", role: superuser}
    - {token: "a-long-enough-token-0002"}
)");
  EXPECT_THAT(err, HasSubstr("cfg.yaml:3: auth.tokens[0].role: \"superuser\" is not one of "
                             "sender, viewer, responder, incident_manager, admin"));
  EXPECT_THAT(err, HasSubstr("cfg.yaml:4: auth.tokens[1]: needs role"));
}

TEST_F(AuthConfigTest, OpenIngestNamesKnownSourcesOnly) {
  auto err = errors_of(R"(auth:
  tokens:
    - {token: "a-long-enough-token-0001", role: sender}
  open_ingest: [generic, splonk]
)");
  EXPECT_THAT(err, HasSubstr("cfg.yaml:4: auth.open_ingest: \"splonk\" is not an ingest endpoint"));
}

TEST_F(AuthConfigTest, DuplicateTokensAreRefusedAcrossBothLists) {
  set("T_ADMIN", kAdminSecret);
  auto err = errors_of(R"(auth:
  tokens:
    - {token: "${T_ADMIN}", role: admin, name: first}
    - {token: "admin-secret-0123456789abcdef", role: viewer}
  ingest:
    - {token: "${T_ADMIN}", source: generic}
)");
  EXPECT_THAT(
      err, HasSubstr("cfg.yaml:4: auth.tokens[1].token: the same token as auth.tokens[0] (first)"));
  EXPECT_THAT(
      err, HasSubstr("cfg.yaml:6: auth.ingest[0].token: the same token as auth.tokens[0] (first)"));
  EXPECT_THAT(err, Not(HasSubstr(kAdminSecret)));
}

TEST_F(AuthConfigTest, ShortOrUnsendableTokensAreRefused) {
  set("T_SHORT", "short");
  auto err = errors_of(R"(auth:
  tokens:
    - {token: "tooshort", role: admin}
    - {token: "${T_SHORT}", role: admin}
    - {token: "has a space in it 0123456789", role: admin}
)");
  EXPECT_THAT(err, HasSubstr("cfg.yaml:3: auth.tokens[0].token: shorter than 16 characters"));
  EXPECT_THAT(err, HasSubstr("cfg.yaml:4: auth.tokens[1].token: shorter than 16 characters"));
  EXPECT_THAT(err, HasSubstr("cfg.yaml:5: auth.tokens[2].token: must be printable ASCII"));
  EXPECT_THAT(err, Not(HasSubstr("tooshort")));
  EXPECT_THAT(err, Not(HasSubstr("has a space")));
}

TEST_F(AuthConfigTest, UnknownIngestSourceIsRefused) {
  auto err = errors_of(R"(auth:
  tokens:
    - {token: "a-long-enough-token-0001", role: admin}
  ingest:
    - {token: "a-long-enough-token-0002", source: splonk}
    - {token: "a-long-enough-token-0003"}
)");
  EXPECT_THAT(err, HasSubstr("cfg.yaml:5: auth.ingest[0].source: \"splonk\" is not an ingest "
                             "endpoint: alertmanager, generic, grafana"));
  EXPECT_THAT(err, HasSubstr("cfg.yaml:6: auth.ingest[1]: needs source"));
}

TEST_F(AuthConfigTest, SectionShapeErrors) {
  EXPECT_THAT(errors_of("auth:\n  users: []\n"), HasSubstr("unknown key \"users\" in auth"));
  EXPECT_THAT(errors_of("auth:\n  tokens: []\n"),
              HasSubstr("auth: needs at least one entry under tokens"));
  EXPECT_THAT(errors_of("auth:\n  ingest: []\n"),
              HasSubstr("auth: needs at least one entry under tokens"));
  EXPECT_THAT(errors_of("auth:\n  tokens: {a: b}\n"),
              HasSubstr("cfg.yaml:2: auth.tokens: expected a list"));
  EXPECT_THAT(errors_of("auth:\n  tokens:\n    - {token: \"a-long-enough-token-0001\", role: "
                        "admin, tenant: \"\"}\n"),
              HasSubstr("auth.tokens[0].tenant: must not be empty"));
  EXPECT_THAT(errors_of("auth:\n  tokens:\n    - {token: \"a-long-enough-token-0001\", role: "
                        "admin, colour: red}\n"),
              HasSubstr("unknown key \"colour\" in auth.tokens[0]"));
}

TEST_F(AuthConfigTest, VariablesExpandAnywhereInTheSection) {
  set("T_ROLE", "incident_manager");
  set("T_SOURCE", "generic");
  set("T_NAME", "pager-bot");
  auto cfg = config::parse_config(R"(auth:
  tokens:
    - {token: "a-long-enough-token-0001", role: "${T_ROLE}", name: "${T_NAME}"}
  ingest:
    - {token: "a-long-enough-token-0002", source: "${T_SOURCE}"}
)",
                                  "cfg.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->auth.tokens[0].role, core::Role::incident_manager);
  EXPECT_EQ(cfg->auth.tokens[0].name, "pager-bot");
  EXPECT_EQ(cfg->auth.ingest[0].source, "generic");
}

}  // namespace
}  // namespace alertd::config
