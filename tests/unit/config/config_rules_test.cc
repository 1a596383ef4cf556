// `rules:` through parse_config: inline rules, rule files and globs, and
// every error reported with file, line and reason.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "config/config.h"

namespace alertd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

namespace fs = std::filesystem;

class ConfigRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("alertd_config_rules_" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }
  core::Result<config::DaemonConfig> parse(const std::string& yaml) {
    return config::parse_config(yaml, "cfg.yaml", dir_);
  }
  // The error lines of a config that must fail.
  std::vector<std::string> errors(const std::string& yaml) {
    auto cfg = parse(yaml);
    EXPECT_FALSE(cfg.ok());
    if (cfg.ok()) return {};
    std::vector<std::string> out;
    std::string text = cfg.error().message;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(ConfigRulesTest, ReadsTheIssueExampleInline) {
  auto cfg = parse(R"(rules:
  - name: splunk-high-error-rate
    match: ['source="splunk"', 'search_name="High Error Rate"']
    threshold: {count: 5, within: 5m}
    group_by: [host]
    set: {severity: high, category: software}
    description: the detection rules teams run in Splunk today
  - name: disk-latency-spread
    match: ['alertname="DiskLatencyHigh"']
    distinct: {label: instance, count: 3, within: 5m}
  - name: watchdog
    match: 'alertname="Watchdog"'
    absent_for: 5m
  - name: drop-info
    match: ['severity="info"']
    drop: true
)");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& rules = cfg->rules;
  ASSERT_THAT(rules, SizeIs(4));
  EXPECT_EQ(rules[0].name, "splunk-high-error-rate");
  ASSERT_THAT(rules[0].match, SizeIs(2));
  EXPECT_EQ(rules[0].match[1].to_string(), "search_name=\"High Error Rate\"");
  ASSERT_TRUE(rules[0].threshold);
  EXPECT_EQ(rules[0].threshold->count, 5u);
  EXPECT_EQ(rules[0].threshold->within, 5min);
  EXPECT_THAT(rules[0].group_by, ElementsAre("host"));
  EXPECT_EQ(rules[0].set.at("severity"), "high");
  EXPECT_EQ(rules[0].set.at("category"), "software");
  EXPECT_EQ(rules[0].description, "the detection rules teams run in Splunk today");
  EXPECT_EQ(rules[0].origin, "cfg.yaml:2");
  ASSERT_TRUE(rules[1].distinct);
  EXPECT_EQ(rules[1].distinct->label, "instance");
  EXPECT_EQ(rules[1].distinct->count, 3u);
  EXPECT_EQ(rules[1].origin, "cfg.yaml:8");
  ASSERT_THAT(rules[2].match, SizeIs(1)) << "one matcher may be a plain string";
  EXPECT_EQ(rules[2].absent_for, 5min);
  EXPECT_FALSE(rules[2].threshold);
  EXPECT_TRUE(rules[3].drop);
  EXPECT_FALSE(rules[2].drop);
}

TEST_F(ConfigRulesTest, ReadsRuleFilesAndGlobsRelativeToTheConfig) {
  write("rules/b.yaml", "rules:\n  - name: b1\n    match: ['x=\"1\"']\n");
  write("rules/a.yaml",
        "# team a\nrules:\n  - name: a1\n    drop: true\n    match: ['y=\"2\"']\n"
        "  - name: a2\n    set: {team: a}\n");
  write("other/c.yaml", "rules:\n  - name: c1\n    absent_for: 1m\n");
  write("rules/empty.yaml", "");
  auto cfg = parse("rules:\n  - name: inline\n  - rules/*.yaml\n  - other/c.yaml\n");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  std::vector<std::string> names, origins;
  for (const auto& r : cfg->rules) {
    names.push_back(r.name);
    origins.push_back(r.origin);
  }
  EXPECT_THAT(names, ElementsAre("inline", "a1", "a2", "b1", "c1"));
  EXPECT_THAT(origins,
              ElementsAre("cfg.yaml:2", path("rules/a.yaml") + ":3", path("rules/a.yaml") + ":6",
                          path("rules/b.yaml") + ":2", path("other/c.yaml") + ":2"));
}

TEST_F(ConfigRulesTest, ReportsEveryBadRuleWithItsLine) {
  auto errs = errors(R"(rules:
  - name: unknown-key
    matches: ['a="b"']
  - name: bad-matcher
    match:
      - 'a="b"'
      - 'a=~"("'
  - name: negative
    absent_for: -5m
  - name: malformed
    threshold: {count: 3, within: 5 minutes}
  - name: zero
    distinct: {label: instance, count: 0, within: 5m}
  - name: fine
  - name: fine
  - name: both
    threshold: {count: 3, within: 5m}
    absent_for: 5m
  - name: drop-and-count
    threshold: {count: 3, within: 5m}
    drop: true
  - match: ['a="b"']
  - name: good
)");
  ASSERT_THAT(errs, SizeIs(9));
  EXPECT_THAT(errs[0], HasSubstr("cfg.yaml:3: unknown key \"matches\""));
  EXPECT_THAT(errs[1], HasSubstr("cfg.yaml:7: rule \"bad-matcher\".match"));
  EXPECT_THAT(errs[2], HasSubstr("cfg.yaml:9: rule \"negative\".absent_for: \"-5m\""));
  EXPECT_THAT(errs[3], HasSubstr("cfg.yaml:11: rule \"malformed\".threshold.within"));
  EXPECT_THAT(errs[4], HasSubstr("cfg.yaml:13: rule \"zero\".distinct.count: 0 is out of range"));
  EXPECT_THAT(
      errs[5],
      HasSubstr("cfg.yaml:15: duplicate rule name \"fine\" (first defined at cfg.yaml:14)"));
  EXPECT_THAT(errs[6], HasSubstr("cfg.yaml:18: rule \"both\": threshold and absent_for are"));
  EXPECT_THAT(errs[7], HasSubstr("cfg.yaml:21: rule \"drop-and-count\": drop cannot"));
  EXPECT_THAT(errs[8], HasSubstr("cfg.yaml:22: rules[9]: a rule needs a name"));
}

TEST_F(ConfigRulesTest, ReportsMissingFilesAndEmptyGlobs) {
  write("rules/bad.yaml",
        "rules:\n  - name: ok\n  - name: typo\n    threshold: {count: 2, within: 1m, x: 1}\n"
        "  - other.yaml\n");
  write("rules/notrules.yaml", "alerts: []\n");
  auto errs = errors(R"(rules:
  - missing.yaml
  - nothing/*.yaml
  - rules/bad.yaml
  - rules/notrules.yaml
  - [nested]
)");
  ASSERT_THAT(errs, SizeIs(6));
  EXPECT_THAT(errs[0], HasSubstr("cfg.yaml:2: rules[0]: rule file \"" + path("missing.yaml") +
                                 "\" does not exist"));
  EXPECT_THAT(errs[1], HasSubstr("cfg.yaml:3: rules[1]: no rule file matches"));
  EXPECT_THAT(errs[2], HasSubstr(path("rules/bad.yaml") + ":4: unknown key \"x\""));
  EXPECT_THAT(errs[3], HasSubstr(path("rules/bad.yaml") + ":5: rules[2]: expected a rule (rule "
                                                          "files cannot include other files)"));
  EXPECT_THAT(errs[4], HasSubstr(path("rules/notrules.yaml") + ":1: unknown key \"alerts\""));
  EXPECT_THAT(errs[5], HasSubstr("cfg.yaml:6: rules[4]: expected a rule or a rule file path"));
  // A scalar that is not a file is a missing file, reported as such.
  auto num = errors("rules:\n  - 42\n");
  ASSERT_THAT(num, SizeIs(1));
  EXPECT_THAT(num[0], HasSubstr("cfg.yaml:2: rules[0]: rule file"));
}

TEST_F(ConfigRulesTest, DuplicateAcrossFilesNamesTheFirstFile) {
  write("a.yaml", "rules:\n  - name: same\n");
  write("b.yaml", "rules:\n\n  - name: same\n");
  auto errs = errors("rules: [a.yaml, b.yaml]\n");
  ASSERT_THAT(errs, SizeIs(1));
  EXPECT_EQ(errs[0], path("b.yaml") + ":3: duplicate rule name \"same\" (first defined at " +
                         path("a.yaml") + ":2)");
}

TEST_F(ConfigRulesTest, RulesMustBeAList) {
  auto errs = errors("rules: {name: x}\n");
  ASSERT_THAT(errs, SizeIs(1));
  EXPECT_THAT(errs[0], HasSubstr("cfg.yaml:1: rules: expected a list of rules"));
  auto empty = parse("rules:\n");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->rules.empty());
}

}  // namespace
}  // namespace alertd::config
