#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "config/config.h"
#include "config/restart_keys.h"

namespace alertd::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string parse_error(std::string_view yaml) {
  auto r = parse_config(yaml, "test.yaml");
  return r.ok() ? "<parsed without error>" : r.error().message;
}

TEST(ConfigAudit, AnchorBesideTheStoreByDefaultAndNoKey) {
  auto r = parse_config(embedded_default_config(), "<embedded>");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->audit.key, "");
  EXPECT_EQ(r->audit.anchor_file, "./data/audit.anchor");

  auto beside = parse_config("store: {sqlite: /var/lib/alertd/incidents.db}\n", "t.yaml");
  ASSERT_TRUE(beside.ok()) << beside.error().message;
  EXPECT_EQ(beside->audit.anchor_file, "/var/lib/alertd/audit.anchor");

  auto pg = parse_config("store: {postgres: \"host=db dbname=alertd\"}\n", "t.yaml");
  ASSERT_TRUE(pg.ok()) << pg.error().message;
  EXPECT_EQ(pg->audit.anchor_file, "./data/audit.anchor");
}

TEST(ConfigAudit, KeyComesFromTheEnvironment) {
  ::setenv("ALERTD_TEST_AUDIT_KEY", "0123456789abcdef0123", 1);
  auto r = parse_config("audit: {key: \"${ALERTD_TEST_AUDIT_KEY}\", anchor_file: /srv/anchor}\n",
                        "t.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->audit.key, "0123456789abcdef0123");
  EXPECT_EQ(r->audit.anchor_file, "/srv/anchor");
  ::unsetenv("ALERTD_TEST_AUDIT_KEY");
}

TEST(ConfigAudit, RefusesAMissingVariableAShortKeyAndUnknownKeysWithoutQuotingThem) {
  ::unsetenv("ALERTD_TEST_AUDIT_UNSET");
  EXPECT_THAT(parse_error("audit: {key: \"${ALERTD_TEST_AUDIT_UNSET}\"}\n"),
              HasSubstr("test.yaml:1: audit.key: environment variable ALERTD_TEST_AUDIT_UNSET is "
                        "not set"));
  const std::string short_key = parse_error("audit: {key: short-secret}\n");
  EXPECT_THAT(short_key, HasSubstr("audit.key: expected 16 to 4096 bytes, got 12"));
  EXPECT_THAT(short_key, Not(HasSubstr("short-secret")));
  EXPECT_THAT(parse_error("audit: {anchor_file: \"\"}\n"),
              HasSubstr("audit.anchor_file: must not be empty"));
  EXPECT_THAT(parse_error("audit: {keys: x}\n"), HasSubstr("unknown key \"keys\" in audit"));
}

// The store is opened with the audit settings: a reload names them.
TEST(ConfigAudit, ReloadSaysAChangedKeyOrAnchorNeedsARestart) {
  DaemonConfig running;
  DaemonConfig loaded = running;
  loaded.audit.key = "0123456789abcdef";
  loaded.audit.anchor_file = "/srv/other.anchor";
  EXPECT_THAT(restart_needed(running, loaded),
              ::testing::ElementsAre("audit.key", "audit.anchor_file"));
  EXPECT_TRUE(restart_needed(running, running).empty());
}

}  // namespace
}  // namespace alertd::config
