// PagerDuty Events API v2 in: the reference example (wire-formats.md §6)
// and its refusals.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ingest/formats/decoder.h"
#include "tests/unit/ingest/test_util.h"

namespace alertd::ingest {
namespace {

using test_util::at;
using test_util::context_at;
using ::testing::HasSubstr;

class PagerDutyTest : public ::testing::Test {
 protected:
  DecodeResult decode(std::string_view body) {
    std::string copy(body);
    event_ = {};
    out_.clear();
    return decoder_.pagerduty(copy, ctx_, event_, out_);
  }
  Decoder decoder_;
  DecodeContext ctx_ = context_at("2026-01-01T00:05:00Z");
  PagerDutyEvent event_;
  std::vector<core::Alert> out_;
};

TEST_F(PagerDutyTest, TriggerMapsPayloadToLabelsAndSummaryToTheTitle) {
  auto r = decode(R"json({"routing_key":"0123456789abcdef0123456789abcdef",
 "event_action":"trigger","dedup_key":"9c2f0e77a1b4d3c8",
 "payload":{"summary":"DiskFull on db-07:/var (97%)","source":"db-07","severity":"critical",
   "timestamp":"2026-01-01T00:03:00Z","component":"filesystem","group":"storage","class":"disk",
   "custom_details":{"mountpoint":"/var","pct_used":97.4,"nested":{"no":"thanks"}}},
 "client":"alertd","client_url":"https://alertd.example.net/alerts/9c2f0e77a1b4d3c8"})json");
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(event_.action, PagerDutyEvent::Action::trigger);
  EXPECT_EQ(event_.dedup_key, "9c2f0e77a1b4d3c8");
  EXPECT_EQ(event_.routing_key, "0123456789abcdef0123456789abcdef");
  const auto& a = out_.at(0);
  EXPECT_EQ(a.annotations.get("summary"), "DiskFull on db-07:/var (97%)");
  EXPECT_EQ(a.labels.get("severity"), "critical");
  EXPECT_EQ(a.labels.get("source"), "db-07");
  EXPECT_EQ(a.labels.get("component"), "filesystem");
  EXPECT_EQ(a.labels.get("group"), "storage");
  EXPECT_EQ(a.labels.get("class"), "disk");
  EXPECT_EQ(a.labels.get("alertname"), "disk");
  EXPECT_EQ(a.labels.get("mountpoint"), "/var");
  EXPECT_EQ(a.labels.get("pct_used"), "97.4");
  EXPECT_EQ(a.labels.get("dedup_key"), "9c2f0e77a1b4d3c8");
  EXPECT_FALSE(a.labels.contains("nested"));
  EXPECT_FALSE(a.labels.contains("routing_key"));  // a secret, never stored
  EXPECT_EQ(a.starts_at, at("2026-01-01T00:03:00Z"));
  EXPECT_EQ(a.source, "pagerduty");
}

TEST_F(PagerDutyTest, ATriggerWithoutDedupKeyGetsAGeneratedOne) {
  constexpr std::string_view body = R"({"routing_key":"k","event_action":"trigger",
   "payload":{"summary":"s","source":"h","severity":"info"}})";
  ASSERT_TRUE(decode(body).ok());
  const auto first = event_.dedup_key;
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(out_.at(0).labels.get("dedup_key"), first);
  ASSERT_TRUE(decode(body).ok());
  EXPECT_NE(event_.dedup_key, first);
}

TEST_F(PagerDutyTest, ResolveAndAcknowledgeNeedOnlyTheDedupKey) {
  ASSERT_TRUE(decode(R"({"routing_key":"k","event_action":"resolve","dedup_key":"d1"})").ok());
  EXPECT_EQ(event_.action, PagerDutyEvent::Action::resolve);
  EXPECT_EQ(out_.at(0).status, core::AlertStatus::resolved);
  ASSERT_TRUE(decode(R"({"routing_key":"k","event_action":"acknowledge","dedup_key":"d1"})").ok());
  EXPECT_EQ(event_.action, PagerDutyEvent::Action::acknowledge);
  EXPECT_EQ(out_.at(0).status, core::AlertStatus::firing);
}

TEST_F(PagerDutyTest, InvalidEventsListEveryProblem) {
  auto r = decode(R"({"event_action":"trigger","payload":{"severity":"fatal"}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->reason, "invalid_value");
  EXPECT_THAT(event_.errors, ::testing::Contains(HasSubstr("routing_key")));
  EXPECT_THAT(event_.errors, ::testing::Contains(HasSubstr("payload.summary")));
  EXPECT_THAT(event_.errors, ::testing::Contains(HasSubstr("payload.source")));
  EXPECT_THAT(event_.errors, ::testing::Contains(HasSubstr("payload.severity")));
  EXPECT_TRUE(out_.empty());

  const std::pair<std::string_view, std::string_view> cases[] = {
      {R"({"routing_key":"k","event_action":"escalate","dedup_key":"d"})", "event_action"},
      {R"({"routing_key":"k","event_action":"resolve"})", "dedup_key"},
      {R"({"routing_key":"k","event_action":"trigger"})", "payload"},
      {R"([1])", "event object"},
      {R"({"routing_key":)", "invalid JSON"},
  };
  for (auto [body, problem] : cases) {
    ASSERT_FALSE(decode(body).ok()) << body;
    ASSERT_FALSE(event_.errors.empty()) << body;
    EXPECT_THAT(event_.errors.front(), HasSubstr(problem)) << body;
  }
  const std::string long_key(256, 'k');
  ASSERT_FALSE(
      decode(R"({"routing_key":"k","event_action":"resolve","dedup_key":")" + long_key + "\"}")
          .ok());
}

}  // namespace
}  // namespace alertd::ingest
