#include "core/matcher.h"

#include <gtest/gtest.h>

namespace alertd::core {
namespace {

LabelSet labels(std::initializer_list<Label> l) {
  return LabelSet(l);
}

TEST(Matcher, ParsesEveryOperator) {
  auto eq = Matcher::parse(R"(service="checkout")");
  ASSERT_TRUE(eq) << eq.error().message;
  EXPECT_EQ(eq->name(), "service");
  EXPECT_EQ(eq->op(), MatchOp::equal);
  EXPECT_EQ(eq->value(), "checkout");
  EXPECT_TRUE(eq->is_exact());
  EXPECT_EQ(Matcher::parse(R"(a!="b")")->op(), MatchOp::not_equal);
  EXPECT_EQ(Matcher::parse(R"(a=~"b.*")")->op(), MatchOp::regex);
  EXPECT_EQ(Matcher::parse(R"(a!~"b.*")")->op(), MatchOp::not_regex);
  EXPECT_FALSE(Matcher::parse(R"(a=~"b")")->is_exact());
  EXPECT_FALSE(Matcher::parse(R"(a="")")->is_exact());
}

TEST(Matcher, AcceptsSpacesUnquotedValuesAndEscapes) {
  auto m = Matcher::parse(R"(  search_name = "High \"Error\" Rate" )");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->value(), "High \"Error\" Rate");
  auto bare = Matcher::parse("severity=critical");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->value(), "critical");
  auto dotted = Matcher::parse(R"(userIdentity.type="Root")");
  ASSERT_TRUE(dotted);
  EXPECT_EQ(dotted->name(), "userIdentity.type");
}

TEST(Matcher, RefusesMalformedText) {
  for (const char* bad : {"", "=\"x\"", "1abc=\"x\"", "a", "a~\"x\"", "a=\"x", "a=\"x\" y",
                          "a=\"x\\q\"", "a=~\"(\"", "a=x\"y"}) {
    auto m = Matcher::parse(bad);
    ASSERT_FALSE(m) << bad;
    EXPECT_EQ(m.error().reason, "invalid_matcher");
  }
}

TEST(Matcher, RegexesAreFullyAnchored) {
  auto m = *Matcher::parse(R"(severity=~"warning|info")");
  EXPECT_TRUE(m.matches(labels({{"severity", "warning"}})));
  EXPECT_TRUE(m.matches(labels({{"severity", "info"}})));
  EXPECT_FALSE(m.matches(labels({{"severity", "warnings"}})));
  EXPECT_FALSE(m.matches(labels({{"severity", "xinfo"}})));
  auto any = *Matcher::parse(R"(errorCode=~".+")");
  EXPECT_TRUE(any.matches(labels({{"errorCode", "AccessDenied"}})));
  EXPECT_FALSE(any.matches(labels({{"errorCode", ""}})));
  EXPECT_FALSE(any.matches(labels({})));
}

TEST(Matcher, MissingLabelsCountAsEmpty) {
  EXPECT_TRUE(Matcher::parse(R"(team="")")->matches(labels({})));
  EXPECT_TRUE(Matcher::parse(R"(team!="x")")->matches(labels({})));
  EXPECT_FALSE(Matcher::parse(R"(team="x")")->matches(labels({})));
  EXPECT_TRUE(Matcher::parse(R"(team!~"x.*")")->matches(labels({})));
  EXPECT_FALSE(Matcher::parse(R"(team!="x")")->matches(labels({{"team", "x"}})));
}

TEST(Matcher, ToStringRoundTrips) {
  for (const char* text : {R"(a="b")", R"(a!="q\"x")", R"(a=~"x|y")", R"(a!~"\\d+")"}) {
    auto m = *Matcher::parse(text);
    auto again = Matcher::parse(m.to_string());
    ASSERT_TRUE(again) << m.to_string();
    EXPECT_EQ(*again, m);
  }
  EXPECT_EQ(Matcher::parse("a = b")->to_string(), R"(a="b")");
}

TEST(MatcherList, ParsesWithAndWithoutBraces) {
  auto list = parse_matcher_list(R"({alertname="Disk", severity=~"warning|info"})");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_TRUE(matches_all(*list, labels({{"alertname", "Disk"}, {"severity", "info"}})));
  EXPECT_FALSE(matches_all(*list, labels({{"alertname", "Disk"}, {"severity", "critical"}})));
  auto bare = parse_matcher_list("a=1,b!=2");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->size(), 2u);
  EXPECT_TRUE(parse_matcher_list("{}")->empty());
  EXPECT_FALSE(parse_matcher_list("{a=\"1\""));
  EXPECT_FALSE(parse_matcher_list("{a=\"1\"} x"));
}

TEST(MatcherList, EmptyListMatchesEverything) {
  EXPECT_TRUE(matches_all({}, labels({{"a", "b"}})));
}

TEST(MatcherList, ParseMatchersNamesTheBadEntry) {
  std::vector<std::string> texts{R"(a="1")", R"(b=~"(")"};
  auto r = parse_matchers(texts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("matcher 1"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace alertd::core
