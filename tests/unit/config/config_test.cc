#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace alertd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

size_t expected_default_shards() {
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

// Every field of the config, so that a default that drifts between the YAML
// and the structs is caught wherever it is.
void expect_same_config(const config::DaemonConfig& a, const config::DaemonConfig& b) {
  EXPECT_EQ(a.http.listen, b.http.listen);
  EXPECT_EQ(a.http.threads, b.http.threads);
  EXPECT_EQ(a.http.max_body_bytes, b.http.max_body_bytes);
  EXPECT_EQ(a.http.read_timeout, b.http.read_timeout);
  EXPECT_EQ(a.http.max_connections, b.http.max_connections);
  EXPECT_EQ(a.http.header_limit, b.http.header_limit);
  EXPECT_EQ(a.http.max_connections_per_ip, b.http.max_connections_per_ip);
  EXPECT_EQ(a.store.sqlite_path, b.store.sqlite_path);
  EXPECT_EQ(a.store.batch_max, b.store.batch_max);
  EXPECT_EQ(a.pipeline.shards, b.pipeline.shards);
  EXPECT_EQ(a.pipeline.queue_capacity, b.pipeline.queue_capacity);
  EXPECT_EQ(a.pipeline.queue_bytes, b.pipeline.queue_bytes);
  EXPECT_EQ(a.durability.journal, b.durability.journal);
  EXPECT_EQ(a.durability.dir, b.durability.dir);
  EXPECT_EQ(a.durability.fsync_interval, b.durability.fsync_interval);
  EXPECT_EQ(a.durability.segment_bytes, b.durability.segment_bytes);
  EXPECT_EQ(a.durability.max_bytes, b.durability.max_bytes);
  EXPECT_EQ(a.durability.checkpoint_interval, b.durability.checkpoint_interval);
  EXPECT_EQ(a.durability.shutdown_timeout, b.durability.shutdown_timeout);
  EXPECT_EQ(a.limits.max_body_bytes, b.limits.max_body_bytes);
  EXPECT_EQ(a.limits.max_alerts_per_request, b.limits.max_alerts_per_request);
  EXPECT_EQ(a.limits.max_labels, b.limits.max_labels);
  EXPECT_EQ(a.limits.max_annotations, b.limits.max_annotations);
  EXPECT_EQ(a.limits.max_label_name_bytes, b.limits.max_label_name_bytes);
  EXPECT_EQ(a.limits.max_label_value_bytes, b.limits.max_label_value_bytes);
  EXPECT_EQ(a.limits.max_annotation_value_bytes, b.limits.max_annotation_value_bytes);
  EXPECT_EQ(a.limits.max_source_bytes, b.limits.max_source_bytes);
  EXPECT_EQ(a.limits.max_depth, b.limits.max_depth);
  EXPECT_EQ(a.limits.max_silences, b.limits.max_silences);
  EXPECT_EQ(a.resolve_timeout, b.resolve_timeout);
  EXPECT_EQ(a.dedup.touch_interval, b.dedup.touch_interval);
  EXPECT_EQ(a.dedup.resolved_retention, b.dedup.resolved_retention);
  EXPECT_EQ(a.correlation.group_by, b.correlation.group_by);
  EXPECT_EQ(a.correlation.group_by_fallback, b.correlation.group_by_fallback);
  EXPECT_EQ(a.correlation.group_window, b.correlation.group_window);
  EXPECT_EQ(a.correlation.rule_name, b.correlation.rule_name);
}

// The struct defaults as parse_config() leaves them: shards resolved to cores.
config::DaemonConfig resolved_struct_defaults() {
  config::DaemonConfig d;
  d.pipeline.shards = expected_default_shards();
  d.durability.dir = "./data/journal";  // beside the default SQLite file
  return d;
}

std::string parse_error(std::string_view yaml) {
  auto r = config::parse_config(yaml, "test.yaml");
  if (r.ok()) return "<parsed without error>";
  EXPECT_EQ(r.error().reason, "invalid_config");
  return r.error().message;
}

TEST(ConfigTest, EmbeddedDefaultsEqualStructDefaults) {
  auto r = config::parse_config(config::embedded_default_config(), "<embedded>");
  ASSERT_TRUE(r.ok()) << r.error().message;
  expect_same_config(*r, resolved_struct_defaults());
  EXPECT_EQ(r->origin, "<embedded>");
}

TEST(ConfigTest, EmbeddedDefaultsHaveTheDocumentedValues) {
  auto r = config::parse_config(config::embedded_default_config(), "<embedded>");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const config::DaemonConfig& c = *r;
  EXPECT_EQ(c.http.listen, "127.0.0.1:9880");
  EXPECT_EQ(c.http.threads, 2u);
  EXPECT_EQ(c.http.max_body_bytes, 10u * 1024 * 1024);
  EXPECT_EQ(c.http.read_timeout, 30s);
  EXPECT_EQ(c.store.sqlite_path, "./data/alertd.db");
  EXPECT_EQ(c.pipeline.queue_capacity, 65536u);
  EXPECT_EQ(c.pipeline.shards, expected_default_shards());
  EXPECT_EQ(c.resolve_timeout, 5min);
  EXPECT_EQ(c.dedup.touch_interval, 1min);
  EXPECT_EQ(c.dedup.resolved_retention, 20min);
  EXPECT_EQ(c.correlation.group_by, std::vector<std::string>{"service"});
  EXPECT_EQ(c.correlation.group_by_fallback, std::vector<std::string>{"alertname"});
  EXPECT_EQ(c.correlation.group_window, 10min);
}

TEST(ConfigTest, EmptyDocumentMeansDefaults) {
  for (std::string_view text : {"", "\n", "# only a comment\n", "---\n"}) {
    SCOPED_TRACE(std::string(text));
    auto r = config::parse_config(text, "empty.yaml");
    ASSERT_TRUE(r.ok()) << r.error().message;
    expect_same_config(*r, resolved_struct_defaults());
    EXPECT_EQ(r->origin, "empty.yaml");
  }
}

TEST(ConfigTest, OverridesEverySection) {
  auto r = config::parse_config(R"(listen: 0.0.0.0:19880
store:
  sqlite: /var/lib/alertd/x.db
  batch_max: 17
http:
  threads: 8
  max_body_bytes: 2048
  read_timeout: 1m30s
  max_connections: 12
  header_limit: 32KiB
  max_connections_per_ip: 5
limits:
  max_alerts_per_request: 5
  max_labels: 6
  max_annotations: 0
  max_label_name_bytes: 7
  max_label_value_bytes: 8
  max_annotation_value_bytes: 9
pipeline:
  shards: 3
  queue_capacity: 100
ingest:
  resolve_timeout: 2h
dedup:
  touch_interval: 0
  resolved_retention: 1h
correlation:
  group_by: [service, env]
  group_by_fallback: []
  group_window: 250ms
)",
                                "full.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const config::DaemonConfig& c = *r;
  EXPECT_EQ(c.http.listen, "0.0.0.0:19880");
  EXPECT_EQ(c.store.sqlite_path, "/var/lib/alertd/x.db");
  EXPECT_EQ(c.store.batch_max, 17u);
  EXPECT_EQ(c.http.threads, 8u);
  EXPECT_EQ(c.http.max_body_bytes, 2048u);
  EXPECT_EQ(c.http.read_timeout, 90s);
  EXPECT_EQ(c.http.max_connections, 12u);
  EXPECT_EQ(c.http.header_limit, 32u << 10);
  EXPECT_EQ(c.http.max_connections_per_ip, 5u);
  EXPECT_EQ(c.limits.max_alerts_per_request, 5u);
  EXPECT_EQ(c.limits.max_labels, 6u);
  EXPECT_EQ(c.limits.max_annotations, 0u);
  EXPECT_EQ(c.limits.max_label_name_bytes, 7u);
  EXPECT_EQ(c.limits.max_label_value_bytes, 8u);
  EXPECT_EQ(c.limits.max_annotation_value_bytes, 9u);
  EXPECT_EQ(c.pipeline.shards, 3u);
  EXPECT_EQ(c.pipeline.queue_capacity, 100u);
  EXPECT_EQ(c.resolve_timeout, 2h);
  EXPECT_EQ(c.dedup.touch_interval, 0s);
  EXPECT_EQ(c.dedup.resolved_retention, 1h);
  EXPECT_EQ(c.correlation.group_by, (std::vector<std::string>{"service", "env"}));
  EXPECT_TRUE(c.correlation.group_by_fallback.empty());
  EXPECT_EQ(c.correlation.group_window, 250ms);
}

TEST(ConfigTest, TopLevelListenOverridesHttpListen) {
  // Whichever comes first in the file, the top-level key wins.
  auto after = config::parse_config("http:\n  listen: 10.0.0.1:1\nlisten: 10.0.0.2:2\n", "a.yaml");
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->http.listen, "10.0.0.2:2");
  auto before = config::parse_config("listen: 10.0.0.2:2\nhttp:\n  listen: 10.0.0.1:1\n", "b.yaml");
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_EQ(before->http.listen, "10.0.0.2:2");
  auto only_http = config::parse_config("http:\n  listen: '[::1]:7'\n", "c.yaml");
  ASSERT_TRUE(only_http.ok()) << only_http.error().message;
  EXPECT_EQ(only_http->http.listen, "[::1]:7");
}

// The decoders check limits.max_body_bytes again after the server read the
// body under http.max_body_bytes: a raised HTTP limit must reach the decoders,
// or bodies between the two limits are read and then refused as too large.
TEST(ConfigTest, HttpBodyLimitReachesDecoderLimits) {
  auto r = config::parse_config("http:\n  max_body_bytes: 20971520\n", "body.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->http.max_body_bytes, 20971520u);
  EXPECT_EQ(r->limits.max_body_bytes, r->http.max_body_bytes);
}

TEST(ConfigTest, ZeroShardsMeansOnePerCore) {
  auto zero = config::parse_config("pipeline:\n  shards: 0\n", "s.yaml");
  ASSERT_TRUE(zero.ok()) << zero.error().message;
  EXPECT_EQ(zero->pipeline.shards, expected_default_shards());
  EXPECT_GE(zero->pipeline.shards, 1u);
  auto three = config::parse_config("pipeline:\n  shards: 3\n", "s.yaml");
  ASSERT_TRUE(three.ok()) << three.error().message;
  EXPECT_EQ(three->pipeline.shards, 3u);
}

TEST(ConfigTest, PostgresStoreIsChosenByItsConninfo) {
  auto c = config::parse_config(
      "store:\n  postgres: \"host=db.example port=5432 dbname=alertd user=alertd\"\n"
      "  connect_timeout: 45s\n",
      "pg.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->store.uses_postgres());
  EXPECT_EQ(c->store.postgres, "host=db.example port=5432 dbname=alertd user=alertd");
  EXPECT_EQ(c->store.connect_timeout, std::chrono::seconds(45));
  auto d = config::parse_config("store:\n  sqlite: x.db\n", "s.yaml");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->store.uses_postgres());
  EXPECT_EQ(d->store.connect_timeout, std::chrono::seconds(30));
}

TEST(ConfigTest, PostgresConninfoTakesItsSecretFromTheEnvironment) {
  ::setenv("ALERTD_TEST_PG_CONNINFO", "host=db dbname=alertd password=s3cret", 1);
  auto c = config::parse_config("store:\n  postgres: \"${ALERTD_TEST_PG_CONNINFO}\"\n", "pg.yaml");
  ::unsetenv("ALERTD_TEST_PG_CONNINFO");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->store.postgres, "host=db dbname=alertd password=s3cret");
  auto unset = config::parse_config("store:\n  postgres: \"${ALERTD_TEST_PG_UNSET}\"\n", "pg.yaml");
  ASSERT_FALSE(unset.ok());
  EXPECT_THAT(unset.error().message, HasSubstr("ALERTD_TEST_PG_UNSET"));
}

TEST(ConfigTest, HttpLimitsOutOfRangeAreErrors) {
  EXPECT_THAT(parse_error("http:\n  header_limit: 512\n"), HasSubstr("http.header_limit"));
  EXPECT_THAT(parse_error("http:\n  header_limit: 2MiB\n"), HasSubstr("http.header_limit"));
  EXPECT_THAT(parse_error("http:\n  max_connections_per_ip: 0\n"),
              HasSubstr("http.max_connections_per_ip"));
}

// Found by tests/fuzz/fuzz_config: a 290y resolve_timeout parsed, and the
// decoder's now + resolve_timeout overflowed (UBSan: signed overflow).
TEST(ConfigTest, DurationsOverAHundredYearsAreRefused) {
  auto msg = parse_error("ingest:\n  resolve_timeout: 290y\n");
  EXPECT_THAT(msg, StartsWith("test.yaml:2: "));
  EXPECT_THAT(msg, HasSubstr("ingest.resolve_timeout: \"290y\" is longer than 100y"));
  EXPECT_THAT(parse_error("correlation:\n  group_window: 101y\n"), HasSubstr("longer than 100y"));
  auto longest = parse_config("ingest:\n  resolve_timeout: 100y\n", "test.yaml");
  ASSERT_TRUE(longest) << longest.error().message;
  EXPECT_EQ(longest->resolve_timeout, std::chrono::hours(24 * 365 * 100));
}

TEST(ConfigTest, MaxSilencesDefaultsToTenThousandAndIsChecked) {
  EXPECT_EQ(config::DaemonConfig{}.limits.max_silences, 10000u);
  auto r = config::parse_config("limits:\n  max_silences: 3\n", "t.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->limits.max_silences, 3u);
  EXPECT_THAT(parse_error("limits:\n  max_silences: 0\n"), HasSubstr("limits.max_silences"));
  EXPECT_THAT(parse_error("limits:\n  max_silences: 1000001\n"), HasSubstr("limits.max_silences"));
}

TEST(ConfigTest, PostgresAndSqliteTogetherIsAnErrorAtTheLine) {
  auto msg = parse_error("store:\n  sqlite: x.db\n  postgres: \"dbname=x password=s3cret\"\n");
  EXPECT_THAT(msg, StartsWith("test.yaml:3: "));
  EXPECT_THAT(msg, HasSubstr("either sqlite or postgres"));
  EXPECT_THAT(msg, Not(HasSubstr("s3cret")));
}

TEST(ConfigTest, UnparsablePostgresConninfoIsReportedWithoutItsText) {
  auto msg = parse_error("store:\n  postgres: \"host=x password='s3cret\"\n");
  EXPECT_THAT(msg, StartsWith("test.yaml:2: "));
  EXPECT_THAT(msg, HasSubstr("store.postgres"));
  EXPECT_THAT(msg, Not(HasSubstr("s3cret")));
  EXPECT_THAT(parse_error("store:\n  postgres: \"\"\n"), HasSubstr("store.postgres"));
}

TEST(ConfigTest, UnknownTopLevelKeyNamesOriginAndLine) {
  auto msg = parse_error("listen: 127.0.0.1:1\nstore:\n  sqlite: x.db\nbogus: 1\n");
  EXPECT_THAT(msg, StartsWith("test.yaml:4: "));
  EXPECT_THAT(msg, HasSubstr("\"bogus\""));
  EXPECT_THAT(msg, HasSubstr("top level"));
}

TEST(ConfigTest, UnknownNestedKeyNamesOriginAndLine) {
  auto msg = parse_error("listen: 127.0.0.1:1\nstore:\n  sqlite: x.db\n  sqlit: y.db\n");
  EXPECT_THAT(msg, StartsWith("test.yaml:4: "));
  EXPECT_THAT(msg, HasSubstr("\"sqlit\""));
  EXPECT_THAT(msg, HasSubstr("store"));

  auto deep = parse_error("correlation:\n  group_by: [service]\n\n  window: 5m\n");
  EXPECT_THAT(deep, StartsWith("test.yaml:4: "));
  EXPECT_THAT(deep, HasSubstr("\"window\""));
  EXPECT_THAT(deep, HasSubstr("group_window"));  // the known keys are listed
}

TEST(ConfigTest, BadDurationsNameTheValueAndLine) {
  auto negative = parse_error("ingest:\n  resolve_timeout: -5m\n");
  EXPECT_THAT(negative, StartsWith("test.yaml:2: "));
  EXPECT_THAT(negative, HasSubstr("ingest.resolve_timeout"));
  EXPECT_THAT(negative, HasSubstr("\"-5m\""));

  auto unit = parse_error("# comment\ncorrelation:\n  group_by: [service]\n  group_window: 5x\n");
  EXPECT_THAT(unit, StartsWith("test.yaml:4: "));
  EXPECT_THAT(unit, HasSubstr("correlation.group_window"));
  EXPECT_THAT(unit, HasSubstr("\"5x\""));

  auto list = parse_error("dedup:\n  touch_interval: [1m]\n");
  EXPECT_THAT(list, StartsWith("test.yaml:2: "));
  EXPECT_THAT(list, HasSubstr("dedup.touch_interval"));
}

TEST(ConfigTest, NumbersOutOfRangeOrNotNumbers) {
  auto zero = parse_error("http:\n  threads: 0\n");
  EXPECT_THAT(zero, StartsWith("test.yaml:2: "));
  EXPECT_THAT(zero, HasSubstr("http.threads"));
  EXPECT_THAT(zero, HasSubstr("out of range"));

  auto big = parse_error("pipeline:\n  shards: 2\n  queue_capacity: 1000000000\n");
  EXPECT_THAT(big, StartsWith("test.yaml:3: "));
  EXPECT_THAT(big, HasSubstr("pipeline.queue_capacity"));
  EXPECT_THAT(big, HasSubstr("out of range"));

  auto negative = parse_error("pipeline:\n  shards: -1\n");
  EXPECT_THAT(negative, StartsWith("test.yaml:2: "));
  EXPECT_THAT(negative, HasSubstr("out of range"));

  auto small_body = parse_error("http:\n  max_body_bytes: 1023\n");
  EXPECT_THAT(small_body, StartsWith("test.yaml:2: "));
  EXPECT_THAT(small_body, HasSubstr("http.max_body_bytes"));

  auto text = parse_error("store:\n  batch_max: lots\n");
  EXPECT_THAT(text, StartsWith("test.yaml:2: "));
  EXPECT_THAT(text, HasSubstr("store.batch_max"));
  EXPECT_THAT(text, HasSubstr("\"lots\""));

  auto fraction = parse_error("limits:\n  max_labels: 2.5\n");
  EXPECT_THAT(fraction, StartsWith("test.yaml:2: "));
  EXPECT_THAT(fraction, HasSubstr("limits.max_labels"));

  auto huge = parse_error("limits:\n  max_labels: 99999999999999999999999\n");
  EXPECT_THAT(huge, StartsWith("test.yaml:2: "));
  EXPECT_THAT(huge, HasSubstr("limits.max_labels"));
}

TEST(ConfigTest, WrongTypesNameTheSectionAndLine) {
  auto list_for_map = parse_error("listen: 127.0.0.1:1\nstore: [a, b]\n");
  EXPECT_THAT(list_for_map, StartsWith("test.yaml:2: "));
  EXPECT_THAT(list_for_map, HasSubstr("store"));
  EXPECT_THAT(list_for_map, HasSubstr("mapping"));

  auto block_list = parse_error("listen: 127.0.0.1:1\nhttp:\n  - threads\n");
  EXPECT_THAT(block_list, StartsWith("test.yaml:3: "));
  EXPECT_THAT(block_list, HasSubstr("http"));

  auto map_for_list = parse_error("correlation:\n  group_by: {service: x}\n");
  EXPECT_THAT(map_for_list, StartsWith("test.yaml:2: "));
  EXPECT_THAT(map_for_list, HasSubstr("correlation.group_by"));

  auto map_for_string = parse_error("listen:\n  host: x\n");
  EXPECT_THAT(map_for_string, StartsWith("test.yaml:2: "));
  EXPECT_THAT(map_for_string, HasSubstr("listen"));

  auto scalar_root = parse_error("just a string\n");
  EXPECT_THAT(scalar_root, StartsWith("test.yaml:1: "));
  EXPECT_THAT(scalar_root, HasSubstr("top level"));
}

TEST(ConfigTest, YamlSyntaxErrorNamesOriginAndLine) {
  auto map_value = parse_error("listen: 127.0.0.1:1\nstore:\n  sqlite: a: b\n");
  EXPECT_THAT(map_value, StartsWith("test.yaml:3: "));

  auto anchor = parse_error("listen: 127.0.0.1:1\n\nstore:\n  sqlite: *nowhere\n");
  EXPECT_THAT(anchor, StartsWith("test.yaml:4: "));

  auto indent = parse_error("listen: 127.0.0.1:1\nhttp:\n  threads: 2\n bad: 1\n");
  EXPECT_THAT(indent, StartsWith("test.yaml:4: "));
}

TEST(ConfigTest, LoadConfigFileNamesTheFile) {
  auto dir = std::filesystem::path(::testing::TempDir()) / "alertd_config_test";
  std::filesystem::create_directories(dir);
  auto path = (dir / "bad.yaml").string();
  {
    std::ofstream f(path);
    f << "listen: 127.0.0.1:1\n\nnope: true\n";
  }
  auto bad = config::load_config_file(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, StartsWith(path + ":3: "));

  auto good_path = (dir / "good.yaml").string();
  {
    std::ofstream f(good_path);
    f << "listen: 127.0.0.1:0\n";
  }
  auto good = config::load_config_file(good_path);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->http.listen, "127.0.0.1:0");
  EXPECT_EQ(good->origin, good_path);

  auto missing = config::load_config_file((dir / "missing.yaml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, StartsWith((dir / "missing.yaml").string()));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace alertd::config
