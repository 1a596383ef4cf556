#include "rules/rule_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "core/fingerprint.h"

namespace alertd::rules {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

core::Matchers matchers(std::initializer_list<std::string> texts) {
  std::vector<std::string> v(texts);
  auto m = core::parse_matchers(v);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return m.ok() ? *m : core::Matchers{};
}

RuleSpec rule(std::string name, std::initializer_list<std::string> match) {
  RuleSpec r;
  r.name = std::move(name);
  r.match = matchers(match);
  r.origin = "rules.yaml:" + std::to_string(r.name.size());
  return r;
}

core::Alert make_alert(core::LabelSet labels, std::string tenant = "default") {
  core::Alert a;
  a.labels = std::move(labels);
  a.tenant = std::move(tenant);
  a.fingerprint = core::fingerprint(a.labels);
  return a;
}

std::shared_ptr<const RuleSet> compile_ok(std::vector<RuleSpec> specs) {
  auto set = RuleSet::compile(std::move(specs));
  EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().message);
  return set.ok() ? *set : nullptr;
}

std::string compile_error(std::vector<RuleSpec> specs) {
  auto set = RuleSet::compile(std::move(specs));
  EXPECT_FALSE(set.ok());
  return set.ok() ? "" : set.error().reason + ": " + set.error().message;
}

TEST(RuleSetCompile, RejectsDuplicateNamesNamingBothOrigins) {
  auto a = rule("dup", {"a=\"1\""});
  a.origin = "one.yaml:3";
  auto b = rule("dup", {"b=\"1\""});
  b.origin = "two.yaml:9";
  auto msg = compile_error({a, b});
  EXPECT_THAT(msg, HasSubstr("invalid_rules"));
  EXPECT_THAT(msg, HasSubstr("two.yaml:9"));
  EXPECT_THAT(msg, HasSubstr("one.yaml:3"));
  EXPECT_THAT(msg, HasSubstr("duplicate"));
}

TEST(RuleSetCompile, RejectsConflictingConditions) {
  auto r = rule("both", {});
  r.threshold = Threshold{3, 5min};
  r.distinct = Distinct{"instance", 3, 5min};
  EXPECT_THAT(compile_error({r}), HasSubstr("mutually exclusive"));
  auto h = rule("heartbeat", {});
  h.threshold = Threshold{3, 5min};
  h.absent_for = 5min;
  EXPECT_THAT(compile_error({h}), HasSubstr("mutually exclusive"));
  auto d = rule("drop-count", {});
  d.drop = true;
  d.absent_for = 5min;
  EXPECT_THAT(compile_error({d}), HasSubstr("drop cannot"));
}

TEST(RuleSetCompile, RejectsBadCountsWindowsAndNames) {
  auto zero = rule("zero", {});
  zero.threshold = Threshold{0, 5min};
  EXPECT_THAT(compile_error({zero}), HasSubstr("rule \"zero\" at rules.yaml:4: threshold.count"));
  auto huge = rule("huge", {});
  huge.distinct = Distinct{"instance", kMaxRuleCount + 1, 5min};
  EXPECT_THAT(compile_error({huge}), HasSubstr("distinct.count"));
  auto window = rule("window", {});
  window.threshold = Threshold{2, 0s};
  EXPECT_THAT(compile_error({window}), HasSubstr("threshold.within"));
  auto label = rule("label", {});
  label.distinct = Distinct{"", 2, 1min};
  EXPECT_THAT(compile_error({label}), HasSubstr("distinct.label"));
  auto absent = rule("absent", {});
  absent.absent_for = core::Duration{-1};
  EXPECT_THAT(compile_error({absent}), HasSubstr("absent_for"));
  EXPECT_THAT(compile_error({rule("", {})}), HasSubstr("needs a name"));
}

TEST(RuleSetCompile, FindsRulesByName) {
  auto set = compile_ok({rule("a", {"x=\"1\""}), rule("b", {"y=~\"2|3\""})});
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->size(), 2u);
  ASSERT_NE(set->find("b"), nullptr);
  EXPECT_EQ(set->find("b")->name, "b");
  EXPECT_EQ(set->index_of("b"), 1u);
  EXPECT_EQ(set->find("c"), nullptr);
  EXPECT_EQ(set->index_of("c"), std::nullopt);
  EXPECT_EQ(set->specs()[0].name, "a");
}

TEST(RuleSetApply, NoMatchLeavesAlertAsItWas) {
  auto set = compile_ok({rule("a", {"alertname=\"Other\""})});
  auto alert = make_alert({{"alertname", "Mine"}});
  alert.rule = "stale";
  alert.route_key = 7;
  auto before = alert.labels;
  EXPECT_TRUE(set->apply(alert));
  EXPECT_EQ(alert.rule, "");
  EXPECT_EQ(alert.route_key, 0u);
  EXPECT_EQ(alert.labels, before);
}

TEST(RuleSetApply, SourceMatchesTheSenderUnlessTheAlertHasASourceLabel) {
  auto splunk = rule("splunk-errors", {"source=\"splunk\"", "search_name=\"Errors\""});
  splunk.set = {{"category", "software"}};
  auto set = compile_ok({splunk});
  auto from_splunk = make_alert({{"search_name", "Errors"}});
  from_splunk.source = "splunk";
  auto before = from_splunk.labels;
  EXPECT_TRUE(set->apply(from_splunk));
  EXPECT_EQ(from_splunk.rule, "splunk-errors");
  EXPECT_FALSE(from_splunk.labels.contains("source")) << "lent for matching only";
  EXPECT_EQ(from_splunk.labels.get("category"), "software");

  auto from_elsewhere = make_alert({{"search_name", "Errors"}});
  from_elsewhere.source = "grafana";
  EXPECT_TRUE(set->apply(from_elsewhere));
  EXPECT_EQ(from_elsewhere.rule, "");
  EXPECT_EQ(from_elsewhere.labels, before);

  // A label of that name wins over the sender.
  auto labelled = make_alert({{"search_name", "Errors"}, {"source", "splunk"}});
  labelled.source = "generic";
  EXPECT_TRUE(set->apply(labelled));
  EXPECT_EQ(labelled.rule, "splunk-errors");
  EXPECT_EQ(labelled.labels.get("source"), "splunk");
}

TEST(RuleSetApply, SetsApplyInRuleOrderAndMatchOnReceivedLabels) {
  auto first = rule("first", {"severity=\"info\""});
  first.set = {{"severity", "high"}, {"team", "a"}};
  auto second = rule("second", {"severity=\"info\""});  // still sees "info"
  second.set = {{"team", "b"}};
  auto third = rule("third", {"severity=\"high\""});  // never sees what first set
  third.set = {{"never", "x"}};
  auto set = compile_ok({first, second, third});
  auto alert = make_alert({{"alertname", "A"}, {"severity", "info"}});
  uint64_t fp = alert.fingerprint;
  EXPECT_TRUE(set->apply(alert));
  EXPECT_EQ(alert.labels.get("severity"), "high");
  EXPECT_EQ(alert.labels.get("team"), "b");
  EXPECT_FALSE(alert.labels.contains("never"));
  EXPECT_EQ(alert.rule, "first");
  EXPECT_EQ(alert.route_key, 0u);
  EXPECT_EQ(alert.fingerprint, fp) << "identity is the labels as sent";
}

TEST(RuleSetApply, AnyMatchingDropDropsAndNamesTheRule) {
  auto enrich = rule("enrich", {"alertname=\"A\""});
  enrich.set = {{"team", "x"}};
  auto drop1 = rule("drop-info", {"severity=\"info\""});
  drop1.drop = true;
  auto drop2 = rule("drop-all-a", {"alertname=\"A\""});
  drop2.drop = true;
  auto set = compile_ok({enrich, drop1, drop2});
  auto info = make_alert({{"alertname", "A"}, {"severity", "info"}});
  EXPECT_FALSE(set->apply(info));
  EXPECT_EQ(info.rule, "drop-info");
  auto b = make_alert({{"alertname", "B"}, {"severity", "info"}});
  EXPECT_FALSE(set->apply(b));
  EXPECT_EQ(b.rule, "drop-info");
  auto c = make_alert({{"alertname", "C"}, {"severity", "warning"}});
  EXPECT_TRUE(set->apply(c));
  EXPECT_EQ(c.rule, "");
}

TEST(RuleSetApply, FirstCountingRuleGatesWithGroupKey) {
  auto enrich = rule("enrich", {"source=\"splunk\""});
  enrich.set = {{"category", "software"}};
  auto count = rule("splunk-errors", {"source=\"splunk\"", "search_name=\"High Error Rate\""});
  count.threshold = Threshold{5, 5min};
  count.group_by = {"host"};
  auto later = rule("later", {"source=\"splunk\""});
  later.distinct = Distinct{"host", 3, 5min};
  auto set = compile_ok({enrich, count, later});

  auto a = make_alert({{"source", "splunk"}, {"search_name", "High Error Rate"}, {"host", "h1"}});
  ASSERT_TRUE(set->apply(a));
  // The gate names the alert, even when a rule without a condition came first:
  // the counting stage and the correlator's per-rule group_by look it up.
  EXPECT_EQ(a.rule, "splunk-errors");
  EXPECT_EQ(a.labels.get("category"), "software");
  EXPECT_NE(a.route_key, 0u);
  EXPECT_EQ(a.route_key, route_key("splunk-errors", "default", {{"host", "h1"}}));

  // Other labels do not matter; group values and tenant do.
  auto same = make_alert(
      {{"source", "splunk"}, {"search_name", "High Error Rate"}, {"host", "h1"}, {"x", "y"}});
  ASSERT_TRUE(set->apply(same));
  EXPECT_EQ(same.route_key, a.route_key);
  auto other_host =
      make_alert({{"source", "splunk"}, {"search_name", "High Error Rate"}, {"host", "h2"}});
  ASSERT_TRUE(set->apply(other_host));
  EXPECT_NE(other_host.route_key, a.route_key);
  auto other_tenant = make_alert(
      {{"source", "splunk"}, {"search_name", "High Error Rate"}, {"host", "h1"}}, "acme");
  ASSERT_TRUE(set->apply(other_tenant));
  EXPECT_NE(other_tenant.route_key, a.route_key);

  auto only_later = make_alert({{"source", "splunk"}, {"host", "h1"}});
  ASSERT_TRUE(set->apply(only_later));
  EXPECT_EQ(only_later.rule, "later");
  EXPECT_EQ(only_later.route_key, route_key("later", "default", {}));
}

TEST(RuleSetApply, GroupKeyUsesLabelsAfterSetAndTreatsEmptyAsAbsent) {
  auto r = rule("g", {"alertname=\"A\""});
  r.set = {{"zone", "eu"}};
  r.group_by = {"zone", "host", "zone"};  // repeats are harmless
  r.absent_for = 1min;
  auto set = compile_ok({r});
  auto a = make_alert({{"alertname", "A"}, {"host", ""}});
  ASSERT_TRUE(set->apply(a));
  EXPECT_EQ(a.route_key, route_key("g", "default", {{"zone", "eu"}}));
  EXPECT_EQ(a.route_key, route_key("g", "default", {{"host", ""}, {"zone", "eu"}}));
  EXPECT_EQ(group_of(r, a.labels), (core::LabelSet{{"zone", "eu"}}));
  EXPECT_EQ(set->group_key(0, a), route_key("g", "default", group_of(r, a.labels)));
}

TEST(RuleSetIndex, LooksAtFewRulesPerAlert) {
  std::vector<RuleSpec> specs;
  for (int i = 0; i < 1000; ++i) {
    specs.push_back(rule("r" + std::to_string(i),
                         {"alertname=\"A" + std::to_string(i) + "\"", "severity=~\"crit.*\""}));
  }
  specs.push_back(rule("regex-only", {"service=~\"pay.*\""}));
  specs.push_back(rule("negative-only", {"team!=\"x\""}));
  auto set = compile_ok(specs);
  core::LabelSet labels{{"alertname", "A500"}, {"severity", "critical"}, {"service", "pay"}};
  EXPECT_EQ(set->candidates(labels), 3u);  // r500, the regex rule and the negative one
  // The regex rule is a candidate only when its regex accepts the value.
  EXPECT_EQ(set->candidates({{"alertname", "A500"}, {"service", "shop"}}), 2u);
  EXPECT_EQ(set->candidates({{"alertname", "A500"}}), 2u);
  auto alert = make_alert(labels);
  ASSERT_TRUE(set->apply(alert));
  EXPECT_EQ(alert.rule, "r500");
  auto unmatched = make_alert({{"alertname", "A500"}, {"severity", "warning"}});
  ASSERT_TRUE(set->apply(unmatched));
  EXPECT_EQ(unmatched.rule, "negative-only");
}

TEST(RuleSetIndex, RegexRulesFollowAbsentLabelSemantics) {
  auto optional_team = rule("optional-team", {"team=~\"|a\""});  // absent counts as ""
  auto some_team = rule("some-team", {"team=~\"a|b\""});
  auto set = compile_ok({optional_team, some_team});
  auto none = make_alert({{"alertname", "X"}});
  ASSERT_TRUE(set->apply(none));
  EXPECT_EQ(none.rule, "optional-team");
  EXPECT_EQ(set->candidates(none.labels), 1u);
  auto b = make_alert({{"alertname", "X"}, {"team", "b"}});
  ASSERT_TRUE(set->apply(b));
  EXPECT_EQ(b.rule, "some-team");
  EXPECT_EQ(set->candidates(b.labels), 1u);
  auto c = make_alert({{"alertname", "X"}, {"team", "c"}});
  ASSERT_TRUE(set->apply(c));
  EXPECT_EQ(c.rule, "");
  EXPECT_EQ(set->candidates(c.labels), 0u);
}

TEST(RuleSetIndex, IndexesUnderTheRarestExactMatcher) {
  // Every rule shares alertname="Watchdog"; each has its own cluster. Indexed
  // under alertname, every alert would check all rules.
  std::vector<RuleSpec> specs;
  for (int i = 0; i < 50; ++i) {
    specs.push_back(rule("w" + std::to_string(i),
                         {"alertname=\"Watchdog\"", "cluster=\"c" + std::to_string(i) + "\""}));
  }
  auto set = compile_ok(specs);
  EXPECT_EQ(set->candidates({{"alertname", "Watchdog"}, {"cluster", "c7"}}), 1u);
}

// The index must never change the answer: compare with matching every rule.
TEST(RuleSetIndex, AgreesWithLinearMatchingOnRandomRulesAndAlerts) {
  std::mt19937 rng(12345);
  auto pick = [&](int n) {
    return std::to_string(std::uniform_int_distribution<int>(0, n - 1)(rng));
  };
  const std::vector<std::string> names = {"alertname", "service", "severity", "host"};
  std::vector<RuleSpec> specs;
  for (int i = 0; i < 300; ++i) {
    std::vector<std::string> texts;
    int n = std::uniform_int_distribution<int>(0, 3)(rng);
    for (int m = 0; m < n; ++m) {
      const auto& name = names[static_cast<size_t>(m + i) % names.size()];
      switch (std::uniform_int_distribution<int>(0, 6)(rng)) {
        case 0: texts.push_back(name + "!=\"" + pick(4) + "\""); break;
        case 1: texts.push_back(name + "=~\"[0-" + pick(5) + "]\""); break;
        case 5: texts.push_back(name + "=~\"|" + pick(5) + "\""); break;  // accepts absent
        case 6: texts.push_back(name + "!~\"[" + pick(5) + "-4]\""); break;
        case 2: texts.push_back(name + "=\"\""); break;
        default: texts.push_back(name + "=\"" + pick(5) + "\""); break;
      }
    }
    auto r = RuleSpec{};
    r.name = "r" + std::to_string(i);
    auto m = core::parse_matchers(texts);
    ASSERT_TRUE(m.ok());
    r.match = *m;
    r.set = {{"touched" + std::to_string(i % 7), "yes"}};
    if (i % 11 == 0) r.threshold = Threshold{2, 1min};
    if (i % 97 == 5) r.drop = true;
    specs.push_back(r);
  }
  auto set = compile_ok(specs);
  for (int k = 0; k < 2000; ++k) {
    core::LabelSet labels;
    for (const auto& name : names) {
      if (rng() % 4 != 0) labels.set(name, pick(5));
    }
    auto alert = make_alert(labels);
    bool kept = set->apply(alert);

    // Linear reference.
    std::vector<size_t> matched;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (core::matches_all(specs[i].match, labels)) matched.push_back(i);
    }
    bool dropped = false;
    std::string gate, first;
    for (size_t i : matched) dropped = dropped || specs[i].drop;
    for (size_t i : matched) {
      if (gate.empty() && specs[i].threshold) gate = specs[i].name;
    }
    if (!matched.empty()) first = specs[matched.front()].name;
    ASSERT_EQ(kept, !dropped) << labels.to_string();
    if (dropped) continue;
    core::LabelSet expected = labels;
    for (size_t i : matched) {
      for (const auto& [n, v] : specs[i].set) expected.set(n, v);
    }
    EXPECT_EQ(alert.labels, expected) << labels.to_string();
    EXPECT_EQ(alert.rule, gate.empty() ? first : gate) << labels.to_string();
    EXPECT_EQ(alert.route_key != 0, !gate.empty());
  }
}

}  // namespace
}  // namespace alertd::rules
