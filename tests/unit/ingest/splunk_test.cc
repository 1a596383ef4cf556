// Splunk HEC events and raw lines, the Splunk alert webhook, and gzip
// bodies: the examples of reference/wire-formats.md §1-2 and what real
// senders vary.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "ingest/formats/decoder.h"
#include "ingest/formats/gzip.h"
#include "tests/unit/ingest/test_util.h"

namespace alertd::ingest {
namespace {

using core::AlertStatus;
using test_util::at;
using test_util::context_at;
using test_util::gzipped;

class HecTest : public ::testing::Test {
 protected:
  DecodeResult events(std::string_view body) {
    std::string copy(body);
    return decoder_.hec_events(copy, ctx_, hec_, out_);
  }
  DecodeResult raw(std::string_view body) {
    std::string copy(body);
    return decoder_.hec_raw(copy, ctx_, hec_, out_);
  }
  Decoder decoder_;
  DecodeContext ctx_ = context_at("2026-01-01T00:05:00Z");
  HecContext hec_;
  std::vector<core::Alert> out_;
};

TEST_F(HecTest, TheReferenceExampleWithNumericAndStringTimes) {
  auto r = events(
      R"({"time":1767225600.125,"host":"edge-gw-03","source":"alertd","sourcetype":"alertd:alert","index":"alerts","event":{"alert":"DiskFull","severity":"critical","fingerprint":"9c2f0e77a1b4d3c8"},"fields":{"env":"prod","team":["storage","oncall"]}}
{"time":"1767225601","host":"edge-gw-03","event":"DiskFull resolved on /var"})");
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(out_.size(), 2u);
  const auto& a = out_[0];
  EXPECT_EQ(a.labels.get("host"), "edge-gw-03");
  EXPECT_EQ(a.labels.get("index"), "alerts");
  EXPECT_EQ(a.labels.get("severity"), "critical");
  EXPECT_EQ(a.labels.get("team"), "storage,oncall");
  EXPECT_EQ(a.labels.get("env"), "prod");
  EXPECT_EQ(a.labels.get("alertname"), "alertd:alert");  // no alertname, no search_name
  EXPECT_EQ(a.starts_at, at("2026-01-01T00:00:00.125Z"));
  EXPECT_EQ(a.source, "splunk");
  const auto& b = out_[1];
  EXPECT_EQ(b.annotations.get("message"), "DiskFull resolved on /var");
  EXPECT_EQ(b.starts_at, at("2026-01-01T00:00:01Z"));  // Splunk's libraries send a string
  EXPECT_EQ(b.labels.get("alertname"), "splunk_event");
}

TEST_F(HecTest, LoggingLibraryStringTimeWithFractionAndMillisecondNumbers) {
  ASSERT_TRUE(
      events(R"({"time":"1767225600.250","event":{"m":"x"}} {"time":1767225600250,"event":"y"})")
          .ok());
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].starts_at, at("2026-01-01T00:00:00.250Z"));
  EXPECT_EQ(out_[1].starts_at, at("2026-01-01T00:00:00.250Z"));
}

TEST_F(HecTest, AlertnameStatusNestingAndLongText) {
  const std::string long_text(300, 'x');
  auto r = events(
      R"({"event":{"search_name":"High Error Rate","status":"resolved","count":5,"ok":true,)"
      R"("http":{"req":{"path":"/a","deep":{"too":"far"}}},"message":"line1\nline2","blob":")" +
      long_text + R"("}})");
  ASSERT_TRUE(r.ok()) << r.error->message;
  const auto& a = out_.at(0);
  EXPECT_EQ(a.labels.get("alertname"), "High Error Rate");
  EXPECT_EQ(a.status, AlertStatus::resolved);
  EXPECT_EQ(a.ends_at, ctx_.now);
  EXPECT_EQ(a.labels.get("count"), "5");
  EXPECT_EQ(a.labels.get("ok"), "true");
  EXPECT_EQ(a.labels.get("http.req.path"), "/a");
  EXPECT_FALSE(a.labels.contains("http.req.deep.too"));  // deeper than three levels
  EXPECT_EQ(a.annotations.get("message"), "line1\nline2");
  EXPECT_EQ(a.annotations.get("blob"), long_text);
  EXPECT_FALSE(a.labels.contains("blob"));
}

TEST_F(HecTest, AnUnknownStatusIsFiringAndAnExplicitAlertnameWins) {
  ASSERT_TRUE(events(R"({"event":{"alertname":"A","search_name":"S","status":"open"}})").ok());
  EXPECT_EQ(out_.at(0).labels.get("alertname"), "A");
  EXPECT_EQ(out_.at(0).status, AlertStatus::firing);
}

// splunk-logging (npm) wraps what the application logged:
// {"message": <logged>, "severity": "info"}; the logged object's fields are
// the event's own and win over the wrapper's default severity.
TEST_F(HecTest, ALoggingLibraryWrappedObjectIsTheEventItself) {
  ASSERT_TRUE(
      events(
          R"({"event":{"message":{"alertname":"QueueStuck","severity":"critical","status":"resolved","queue":{"name":"billing"},"summary":"queue stuck for 5m"},"severity":"info","logger":{"name":"app"}}})"
          R"({"event":{"message":{"queue":"q2"},"severity":"warning"}})")
          .ok());
  ASSERT_EQ(out_.size(), 2u);
  const auto& a = out_[0];
  EXPECT_EQ(a.labels.get("alertname"), "QueueStuck");
  EXPECT_EQ(a.labels.get("severity"), "critical");
  EXPECT_EQ(a.labels.get("queue.name"), "billing");
  EXPECT_EQ(a.labels.get("logger.name"), "app");
  EXPECT_FALSE(a.labels.get("message.alertname").has_value());
  EXPECT_EQ(a.annotations.get("summary"), "queue stuck for 5m");
  EXPECT_EQ(a.status, AlertStatus::resolved);
  EXPECT_EQ(out_[1].labels.get("severity"), "warning");  // the wrapper's, when the object has none
  EXPECT_EQ(out_[1].labels.get("queue"), "q2");
}

TEST_F(HecTest, PartialAcceptKeepsTheEventsBeforeTheBadOne) {
  auto r = events(R"({"event":"one"}{"event":"two"}{"time":1,"host":"h"}{"event":"four"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->reason, "event_missing");
  EXPECT_EQ(r.error->index, 2u);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(out_.size(), 2u);
}

TEST_F(HecTest, EveryRefusalHasItsReasonAndIndex) {
  const std::vector<std::string> allowed{"alerts"};
  hec_.indexes = &allowed;
  const std::tuple<std::string_view, std::string_view, size_t> cases[] = {
      {R"({"event":""})", "event_blank", 0},
      {R"({"event":{}})", "event_blank", 0},
      {R"({"event":null})", "event_missing", 0},
      {R"({"event":"a"} {"event":"b","index":"secret"})", "incorrect_index", 1},
      {R"({"event":"a","fields":{"n":{"deep":1}}})", "invalid_indexed_field", 0},
      {R"({"event":"a"} {"event":)", "invalid_json", 1},
      {R"({"event":"a"} [1,2])", "invalid_json", 1},
      {R"({"event":"a","time":"soon"})", "invalid_timestamp", 0},
      {R"({"event":"bad \u0000 byte"})", "nul_byte", 0},
      {"{\"event\":\"\xff\"}", "invalid_utf8", 0},
  };
  for (auto [body, reason, index] : cases) {
    out_.clear();
    auto r = events(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error->reason, reason) << body << ": " << r.error->message;
    EXPECT_EQ(r.error->index, index) << body;
    EXPECT_EQ(out_.size(), index) << body;
  }
}

TEST_F(HecTest, TokenDefaultsAndNarrowedFields) {
  std::vector<std::string> labels{"service"};
  std::vector<std::string> annotations{"detail"};
  hec_.host = "default-host";
  hec_.sourcetype = "app:json";
  hec_.label_fields = &labels;
  hec_.annotation_fields = &annotations;
  ASSERT_TRUE(events(R"({"event":{"service":"pay","detail":"d","noise":"n"}})").ok());
  const auto& a = out_.at(0);
  EXPECT_EQ(a.labels.get("host"), "default-host");
  EXPECT_EQ(a.labels.get("service"), "pay");
  EXPECT_EQ(a.annotations.get("detail"), "d");
  EXPECT_FALSE(a.labels.contains("noise"));
  EXPECT_FALSE(a.annotations.contains("noise"));
}

TEST_F(HecTest, MoreEventsThanTheLimitStopAtTheLimit) {
  hec_.max_events = 2;
  auto r = events(R"({"event":"a"}{"event":"b"}{"event":"c"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->reason, "too_many_alerts");
  EXPECT_EQ(r.accepted, 2u);
}

TEST_F(HecTest, FieldsBeyondTheLabelLimitAreSkippedAndCounted) {
  Decoder small(Limits{.max_labels = 6});
  std::string body = R"({"event":{)";
  for (int i = 0; i < 10; ++i)
    body += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\":\"v\"";
  body += "}}";
  auto r = small.hec_events(body, ctx_, hec_, out_);
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(out_.at(0).labels.size(), 6u);
  EXPECT_EQ(r.skipped_fields, 5u);  // 10 fields + alertname, 6 fit
}

TEST_F(HecTest, RawLinesTakeTheirMetadataAndJsonLinesTheirFields) {
  hec_.sourcetype = "nginx";
  hec_.host = "web-1";
  auto r = raw("GET / 500\r\n\n{\"alertname\":\"Json\",\"code\":502}\nlast line");
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].annotations.get("message"), "GET / 500");
  EXPECT_EQ(out_[0].labels.get("alertname"), "nginx");
  EXPECT_EQ(out_[0].labels.get("host"), "web-1");
  EXPECT_EQ(out_[1].labels.get("alertname"), "Json");
  EXPECT_EQ(out_[1].labels.get("code"), "502");
  EXPECT_EQ(out_[2].annotations.get("message"), "last line");
}

TEST_F(HecTest, ARawLineOfBadUtf8StopsThereKeepingTheLinesBefore) {
  auto r = raw("ok\n\xc3(\nnever");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->reason, "invalid_utf8");
  EXPECT_EQ(r.accepted, 1u);
}

TEST(Gzip, InflatesOneOrSeveralMembersWithinTheLimit) {
  std::string out;
  DecodeError err;
  const std::string body = gzipped(R"({"event":"a"})") + gzipped(R"({"event":"b"})");
  ASSERT_TRUE(looks_gzipped(body));
  ASSERT_TRUE(gunzip(body, 1 << 20, out, err)) << err.message;
  EXPECT_EQ(out, R"({"event":"a"}{"event":"b"})");
}

TEST(Gzip, ABombIsRefusedAtTheLimitAndGarbageIsInvalid) {
  std::string out;
  DecodeError err;
  const std::string bomb = gzipped(std::string(64 << 20, ' '));
  EXPECT_LT(bomb.size(), 100u << 10);
  EXPECT_FALSE(gunzip(bomb, 1 << 20, out, err));
  EXPECT_EQ(err.reason, "body_too_large");
  std::string truncated = gzipped(std::string(1000, 'x'));
  truncated.resize(truncated.size() / 2);
  EXPECT_FALSE(gunzip(truncated, 1 << 20, out, err));
  EXPECT_EQ(err.reason, "invalid_gzip");
  EXPECT_FALSE(gunzip("\x1f\x8bnot gzip at all", 1 << 20, out, err));
  EXPECT_EQ(err.reason, "invalid_gzip");
}

TEST(SplunkAlert, TheStockWebhookWithANullSearchName) {
  Decoder decoder;
  auto ctx = context_at("2026-01-01T00:05:00Z");
  std::vector<core::Alert> out;
  std::string body = R"({"sid":"scheduler__admin__search__RMD5a1b2c3d4_at_1767225600_812",
 "search_name":null,"app":"search","owner":"admin",
 "results_link":"https://splunk.example.net:8000/app/search/@go?sid=x",
 "result":{"host":"db-07","mount":"/var","pct_used":"97.4","count":"3","nested":{"x":"y"}}})";
  auto r = decoder.splunk_alert(body, ctx, out);
  ASSERT_TRUE(r.ok()) << r.error->message;
  const auto& a = out.at(0);
  EXPECT_EQ(a.labels.get("alertname"), "splunk_alert");
  EXPECT_EQ(a.labels.get("host"), "db-07");
  EXPECT_EQ(a.labels.get("pct_used"), "97.4");
  EXPECT_FALSE(a.labels.contains("nested"));  // scalars of the row only
  EXPECT_EQ(a.annotations.get("app"), "search");
  EXPECT_EQ(a.annotations.get("owner"), "admin");
  EXPECT_TRUE(a.annotations.contains("sid"));
  EXPECT_TRUE(a.annotations.contains("results_link"));
  EXPECT_EQ(a.source, "splunk");
  std::string named = R"({"search_name":"High Error Rate","result":{"host":"h"}})";
  out.clear();
  ASSERT_TRUE(decoder.splunk_alert(named, ctx, out).ok());
  EXPECT_EQ(out.at(0).labels.get("alertname"), "High Error Rate");
  std::string array = "[]";
  EXPECT_EQ(decoder.splunk_alert(array, ctx, out).error->reason, "wrong_type");
}

}  // namespace
}  // namespace alertd::ingest
