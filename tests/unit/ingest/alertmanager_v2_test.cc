#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/fingerprint.h"
#include "ingest/formats/decoder.h"
#include "tests/unit/ingest/test_util.h"

namespace alertd::ingest {
namespace {

using core::AlertStatus;
using test_util::at;
using test_util::context_at;
using test_util::minimal_array;

class AlertmanagerV2Test : public ::testing::Test {
 protected:
  DecodeResult decode(std::string body) { return decoder_.alertmanager_v2(body, ctx_, out_); }

  // Decodes `body`, expects failure, and returns the error.
  DecodeError decode_error(std::string body) {
    auto result = decode(std::move(body));
    EXPECT_FALSE(result.ok());
    return result.error.value_or(DecodeError{});
  }

  Decoder decoder_;
  DecodeContext ctx_ = context_at("2026-01-01T00:05:00Z");
  std::vector<core::Alert> out_;
};

// The postableAlert example of reference/wire-formats.md §4, plus two more
// items shaped like Prometheus' notifier output (nanoseconds, re-sent lease).
constexpr std::string_view kPrometheusBatch = R"([
{"labels":{"alertname":"DiskFull","severity":"critical","instance":"db-07:9100"},
  "annotations":{"summary":"Disk almost full"},"startsAt":"2026-01-01T00:03:00Z",
  "endsAt":"2026-01-01T00:09:00Z","generatorURL":"http://prom.example.net:9090/graph?g0.expr=..."},
{"labels":{"alertname":"HighLatency","job":"api","severity":"warning"},
  "annotations":{"summary":"p99 above 1s","runbook_url":"https://runbooks.example.net/latency"},
  "startsAt":"2026-01-01T00:01:00.123456789Z","endsAt":"2026-01-01T00:04:30Z",
  "generatorURL":"http://prom.example.net:9090/graph?g0.expr=latency"},
{"labels":{"alertname":"Watchdog"},"startsAt":"2026-01-01T00:00:00Z"}
])";

TEST_F(AlertmanagerV2Test, DecodesPrometheusBatch) {
  auto result = decode(std::string(kPrometheusBatch));
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.accepted, 3u);
  ASSERT_EQ(out_.size(), 3u);

  const auto& disk = out_[0];
  EXPECT_EQ(disk.labels,
            (core::LabelSet{
                {"alertname", "DiskFull"}, {"instance", "db-07:9100"}, {"severity", "critical"}}));
  EXPECT_EQ(disk.annotations.get("summary"), "Disk almost full");
  EXPECT_EQ(disk.status, AlertStatus::firing);  // endsAt 00:09 is after now 00:05
  EXPECT_EQ(disk.starts_at, at("2026-01-01T00:03:00Z"));
  EXPECT_EQ(disk.ends_at, at("2026-01-01T00:09:00Z"));
  EXPECT_EQ(disk.generator_url, "http://prom.example.net:9090/graph?g0.expr=...");
  EXPECT_EQ(disk.source, "prometheus");
  EXPECT_EQ(disk.tenant, "team-a");
  EXPECT_EQ(disk.received_at, ctx_.now);
  EXPECT_EQ(disk.received_mono_ns, 123456789);
  EXPECT_EQ(disk.fingerprint, core::fingerprint(disk.labels));

  const auto& latency = out_[1];
  EXPECT_EQ(latency.status, AlertStatus::resolved);  // endsAt 00:04:30 is before now
  EXPECT_EQ(latency.starts_at, at("2026-01-01T00:01:00.123456789Z"));
  EXPECT_EQ(latency.ends_at, at("2026-01-01T00:04:30Z"));
  EXPECT_EQ(latency.annotations.size(), 2u);

  const auto& watchdog = out_[2];
  EXPECT_EQ(watchdog.status, AlertStatus::firing);
  EXPECT_EQ(watchdog.ends_at, ctx_.now + std::chrono::minutes(5));
  EXPECT_TRUE(watchdog.annotations.empty());
  EXPECT_TRUE(watchdog.generator_url.empty());
}

TEST_F(AlertmanagerV2Test, EndsAtDecidesStatusAgainstNow) {
  auto result = decode(R"([
    {"labels":{"a":"before"},"endsAt":"2026-01-01T00:04:59.999999999Z"},
    {"labels":{"a":"equal"},"endsAt":"2026-01-01T00:05:00Z"},
    {"labels":{"a":"after"},"endsAt":"2026-01-01T00:05:00.000000001Z"},
    {"labels":{"a":"offset"},"endsAt":"2026-01-01T01:05:00+01:00"}])");
  ASSERT_TRUE(result.ok()) << result.error->message;
  ASSERT_EQ(out_.size(), 4u);
  EXPECT_EQ(out_[0].status, AlertStatus::resolved);
  EXPECT_EQ(out_[1].status, AlertStatus::resolved);  // equal counts as resolved
  EXPECT_EQ(out_[2].status, AlertStatus::firing);
  EXPECT_EQ(out_[3].status, AlertStatus::resolved);  // same instant as now
  for (const auto& alert : out_) EXPECT_LE(alert.starts_at, alert.ends_at);
}

TEST_F(AlertmanagerV2Test, MissingEndsAtIsALeaseOfResolveTimeout) {
  ctx_.resolve_timeout = std::chrono::minutes(2);
  auto result = decode(R"([{"labels":{"a":"1"},"startsAt":"2026-01-01T00:01:00Z"}])");
  ASSERT_TRUE(result.ok()) << result.error->message;
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].status, AlertStatus::firing);
  EXPECT_EQ(out_[0].starts_at, at("2026-01-01T00:01:00Z"));
  EXPECT_EQ(out_[0].ends_at, at("2026-01-01T00:07:00Z"));
}

TEST_F(AlertmanagerV2Test, ZeroTimeAndNullCountAsAbsent) {
  auto result = decode(R"([
    {"labels":{"a":"1"},"startsAt":"0001-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z"},
    {"labels":{"a":"2"},"startsAt":null,"endsAt":null,"annotations":null,"generatorURL":null}])");
  ASSERT_TRUE(result.ok()) << result.error->message;
  ASSERT_EQ(out_.size(), 2u);
  for (const auto& alert : out_) {
    EXPECT_EQ(alert.status, AlertStatus::firing);
    EXPECT_EQ(alert.starts_at, ctx_.now);
    EXPECT_EQ(alert.ends_at, ctx_.now + std::chrono::minutes(5));
  }
}

TEST_F(AlertmanagerV2Test, MissingStartsAtIsNowOrEarlierEndsAt) {
  auto result = decode(R"([
    {"labels":{"a":"resolved"},"endsAt":"2026-01-01T00:02:00Z"},
    {"labels":{"a":"firing"},"endsAt":"2026-01-01T00:09:00Z"}])");
  ASSERT_TRUE(result.ok()) << result.error->message;
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].starts_at, at("2026-01-01T00:02:00Z"));
  EXPECT_EQ(out_[1].starts_at, ctx_.now);
}

TEST_F(AlertmanagerV2Test, EmptyArrayIsValid) {
  auto result = decode(" [ ] \n");
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.accepted, 0u);
  EXPECT_TRUE(out_.empty());
}

TEST_F(AlertmanagerV2Test, IgnoresUnknownKeysOfAnyShape) {
  auto result = decode(R"([{"status":"firing","fingerprint":"9c2f0e77a1b4d3c8",
    "values":{"B":93.1,"C":[1,{"x":[true,null]}]},"labels":{"a":"1"},"receiver":null,"n":-1.5e3}])");
  ASSERT_TRUE(result.ok()) << result.error->message;
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].labels, (core::LabelSet{{"a", "1"}}));
}

TEST_F(AlertmanagerV2Test, NormalizesLabelsAndFingerprintIgnoresOrderAndAnnotations) {
  auto result = decode(R"([
    {"labels":{"zone":"eu","alertname":"X","instance":"h1","job":"node","env":"prod","severity":"page"}},
    {"labels":{"severity":"page","env":"prod","job":"node","instance":"h1","alertname":"X","zone":"eu"},
     "annotations":{"summary":"other text"}}])");
  ASSERT_TRUE(result.ok()) << result.error->message;
  ASSERT_EQ(out_.size(), 2u);
  std::vector<std::string> names;
  for (const auto& label : out_[0].labels) names.push_back(label.name);
  EXPECT_THAT(names,
              ::testing::ElementsAre("alertname", "env", "instance", "job", "severity", "zone"));
  EXPECT_EQ(out_[0].labels, out_[1].labels);
  EXPECT_EQ(out_[0].fingerprint, out_[1].fingerprint);
  EXPECT_EQ(out_[0].fingerprint, core::fingerprint(out_[0].labels));
  EXPECT_NE(out_[0].fingerprint, 0u);
}

TEST_F(AlertmanagerV2Test, UnescapesNamesAndValues) {
  auto result =
      decode(R"([{"lab\u0065ls":{"a\u0062c":"line1\nline2 \"q\" \u00e9 \ud83d\ude00"}}])");
  ASSERT_TRUE(result.ok()) << result.error->message;
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].labels.get("abc"), "line1\nline2 \"q\" \xc3\xa9 \xf0\x9f\x98\x80");
}

// Strings without escapes are read straight from the body (8-byte steps, then
// memchr past 16 bytes); with escapes simdjson unescapes them. Cover every
// boundary for both, in names and values.
TEST_F(AlertmanagerV2Test, StringsOfEveryLengthWithAndWithoutEscapes) {
  for (size_t n = 0; n < 40; ++n) {
    const std::string plain(n, 'p');
    const std::string name = "k" + plain;
    std::string body = "[{\"labels\":{\"" + name + "\":\"" + plain + "\",\"" + name + "\\\"q\":\"" +
                       plain + "\\\\x\\\"" + plain + "\"}}]";
    out_.clear();
    auto result = decode(body);
    ASSERT_TRUE(result.ok()) << n << ": " << result.error->message;
    ASSERT_EQ(out_.size(), 1u);
    EXPECT_EQ(out_[0].labels.get(name), plain) << n;
    EXPECT_EQ(out_[0].labels.get(name + "\"q"), plain + "\\x\"" + plain) << n;
  }
}

TEST_F(AlertmanagerV2Test, AppendsToExistingOutputAndDecoderIsReusable) {
  ASSERT_TRUE(decode(minimal_array(3)).ok());
  auto result = decode(minimal_array(2));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.accepted, 2u);
  ASSERT_EQ(out_.size(), 5u);
  EXPECT_EQ(out_[3].labels.get("alertname"), "A0");
  EXPECT_EQ(out_[4].labels.get("instance"), "host-1");
}

TEST_F(AlertmanagerV2Test, SkipsLeadingByteOrderMark) {
  auto result = decode("\xEF\xBB\xBF" + minimal_array(2));
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.accepted, 2u);
  EXPECT_EQ(decode_error("\xEF\xBB" + minimal_array(2)).reason, "invalid_utf8");
}

TEST_F(AlertmanagerV2Test, PadsBodyWithoutCapacity) {
  std::string body = minimal_array(1);
  body.shrink_to_fit();
  auto result = decoder_.alertmanager_v2(body, ctx_, out_);
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(body, minimal_array(1));  // contents unchanged
  EXPECT_GE(body.capacity(), body.size() + 64);
}

// --- errors: reason, index of the first bad item, message, and the prefix ---

struct ErrorCase {
  std::string name;
  std::string body;
  std::string reason;
  size_t index;
  std::string message_part;
};

class AlertmanagerV2ErrorTest : public AlertmanagerV2Test,
                                public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(AlertmanagerV2ErrorTest, ReportsReasonIndexAndMessage) {
  const auto& c = GetParam();
  auto error = decode_error(c.body);
  EXPECT_EQ(error.reason, c.reason);
  EXPECT_EQ(error.index, c.index);
  EXPECT_THAT(error.message, ::testing::HasSubstr(c.message_part));
  // Items before the bad one stay in `out` (the caller drops them for arrays).
  EXPECT_EQ(out_.size(), c.index);
}

std::string item(std::string_view labels, std::string_view extra = "") {
  return "{\"labels\":" + std::string(labels) + std::string(extra) + "}";
}
std::string body_with_bad_third(std::string bad) {
  return "[" + item(R"({"a":"0"})") + "," + item(R"({"a":"1"})") + "," + bad + "]";
}
std::string many_labels(size_t n) {
  std::string labels = "{";
  for (size_t i = 0; i < n; ++i) labels += (i ? ",\"l" : "\"l") + std::to_string(i) + "\":\"v\"";
  return labels + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, AlertmanagerV2ErrorTest,
    ::testing::Values(
        ErrorCase{"Truncated", R"([{"labels":{"a":"1"}},{"labels":{"a":)", "invalid_json", 0,
                  "invalid JSON"},
        ErrorCase{"MissingColon", body_with_bad_third(R"({"labels" {"a":"2"}})"), "invalid_json", 2,
                  "alert 2: invalid JSON"},
        ErrorCase{"MissingComma", "[" + item(R"({"a":"0"})") + item(R"({"a":"1"})") + "]",
                  "invalid_json", 1, "alert 1"},
        ErrorCase{"TrailingContent", minimal_array(2) + " []", "invalid_json", 2,
                  "unexpected content"},
        ErrorCase{"Empty", "  \n", "invalid_json", 0, "empty body"},
        ErrorCase{"BadEscape", body_with_bad_third(item(R"({"a":"\ud800"})")), "invalid_json", 2,
                  "label \"a\""},
        ErrorCase{"Utf8InValue", body_with_bad_third(item("{\"a\":\"\xff\xfe\"}")), "invalid_utf8",
                  0, "UTF-8"},
        ErrorCase{"BodyIsObject", item(R"({"a":"1"})"), "wrong_type", 0,
                  "body: must be a JSON array of alerts, got an object"},
        ErrorCase{"ItemIsString", body_with_bad_third(R"("alert")"), "wrong_type", 2,
                  "alert 2: must be an object, got a string"},
        ErrorCase{"LabelsIsArray", body_with_bad_third(item(R"([["a","1"]])")), "wrong_type", 2,
                  "labels must be an object of strings, got an array"},
        ErrorCase{"LabelValueNumber", body_with_bad_third(item(R"({"a":"1","b":2})")), "wrong_type",
                  2, "label \"b\": value must be a string, got a number"},
        ErrorCase{"AnnotationValueBool",
                  body_with_bad_third(item(R"({"a":"1"})", R"(,"annotations":{"x":true})")),
                  "wrong_type", 2, "annotation \"x\": value must be a string, got a boolean"},
        ErrorCase{"StartsAtNumber",
                  body_with_bad_third(item(R"({"a":"1"})", R"(,"startsAt":1767225600)")),
                  "wrong_type", 2, "startsAt must be an RFC 3339 string, got a number"},
        ErrorCase{"GeneratorUrlObject",
                  body_with_bad_third(item(R"({"a":"1"})", R"(,"generatorURL":{})")), "wrong_type",
                  2, "generatorURL must be a string"},
        ErrorCase{"MissingLabels", body_with_bad_third(R"({"annotations":{"a":"1"}})"),
                  "missing_labels", 2, "alert 2: labels are required"},
        ErrorCase{"NullLabels", body_with_bad_third(R"({"labels":null})"), "missing_labels", 2,
                  "labels are required"},
        ErrorCase{"EmptyLabels", body_with_bad_third(item("{}")), "empty_labels", 2,
                  "labels must not be empty"},
        ErrorCase{"EmptyLabelName", body_with_bad_third(item(R"({"":"x"})")), "empty_label_name", 2,
                  "label with an empty name"},
        ErrorCase{"ControlCharName", body_with_bad_third(item(R"({"a\u0001b":"x"})")),
                  "invalid_label_name", 2, "label name \"a\\x01b\" contains a control character"},
        ErrorCase{"DuplicateLabel", body_with_bad_third(item(R"({"a":"1","b":"2","a":"3"})")),
                  "duplicate_label", 2, "label \"a\" is given twice"},
        ErrorCase{"TooManyLabels", body_with_bad_third(item(many_labels(65))), "too_many_labels", 2,
                  "more than 64 labels"},
        ErrorCase{"LabelNameTooLong",
                  body_with_bad_third(item("{\"" + std::string(257, 'n') + "\":\"x\"}")),
                  "label_name_too_long", 2, "is 257 bytes, limit 256"},
        ErrorCase{"LabelValueTooLong",
                  "[" + item(R"({"a":"0"})") + "," + item(R"({"a":"1"})") + "," +
                      item(R"({"a":"2"})") + "," +
                      item("{\"a\":\"3\",\"instance\":\"" + std::string(5000, 'v') + "\"}") + "]",
                  "label_value_too_long", 3,
                  "alert 3: label \"instance\": value is 5000 bytes, limit 4096"},
        ErrorCase{"TooManyAnnotations",
                  body_with_bad_third(item(R"({"a":"1"})", ",\"annotations\":" + many_labels(65))),
                  "too_many_annotations", 2, "more than 64 annotations"},
        ErrorCase{"AnnotationTooLong",
                  body_with_bad_third(item(R"({"a":"1"})", ",\"annotations\":{\"d\":\"" +
                                                               std::string(65537, 'x') + "\"}")),
                  "annotation_too_long", 2, "annotation \"d\": value is 65537 bytes, limit 65536"},
        ErrorCase{"GeneratorUrlTooLong",
                  body_with_bad_third(item(R"({"a":"1"})", ",\"generatorURL\":\"" +
                                                               std::string(65537, 'u') + "\"")),
                  "annotation_too_long", 2, "generatorURL is 65537 bytes"},
        ErrorCase{"BadTimestamp",
                  body_with_bad_third(item(R"({"a":"1"})", R"(,"endsAt":"yesterday")")),
                  "invalid_timestamp", 2, "endsAt: \"yesterday\" is not an RFC 3339 time"},
        ErrorCase{"EndsBeforeStarts",
                  body_with_bad_third(item(R"({"a":"1"})", R"(,"startsAt":"2026-01-01T00:03:00Z",)"
                                                           R"("endsAt":"2026-01-01T00:02:00Z")")),
                  "invalid_timestamp", 2, "is before startsAt"},
        ErrorCase{"TooDeep",
                  body_with_bad_third(item(R"({"a":"1"})", ",\"junk\":" + std::string(15, '[') +
                                                               std::string(15, ']'))),
                  "too_deep", 2, "field \"junk\": JSON nesting deeper than 16"}),
    [](const ::testing::TestParamInfo<ErrorCase>& param_info) { return param_info.param.name; });

TEST_F(AlertmanagerV2Test, DepthLimitCountsFromRoot) {
  // Root array (1), alert object (2), field value (3): 14 levels end at depth 16.
  auto body = [](size_t levels) {
    return "[" +
           item(R"({"a":"1"})",
                ",\"junk\":" + std::string(levels, '[') + std::string(levels, ']')) +
           "]";
  };
  auto result = decode(body(14));
  EXPECT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(decode_error(body(15)).reason, "too_deep");
  EXPECT_EQ(decode_error(body(100000)).reason, "too_deep");
}

TEST_F(AlertmanagerV2Test, TooManyAlertsStopsAtTheLimit) {
  auto error = decode_error(minimal_array(100000));
  EXPECT_EQ(error.reason, "too_many_alerts");
  EXPECT_EQ(error.index, 10000u);
  EXPECT_EQ(error.message, "alert 10000: more than 10000 alerts in one request");
  EXPECT_EQ(out_.size(), 10000u);
}

TEST_F(AlertmanagerV2Test, LimitsAreConfigurable) {
  Limits limits;
  limits.max_alerts_per_request = 2;
  limits.max_labels = 1;
  Decoder small(limits);
  std::vector<core::Alert> out;
  std::string body = minimal_array(3);
  auto result = small.alertmanager_v2(body, ctx_, out);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "too_many_labels");  // minimal items have two labels
  EXPECT_EQ(result.error->index, 0u);
  body = R"([{"labels":{"a":"1"}},{"labels":{"a":"2"}},{"labels":{"a":"3"}}])";
  result = small.alertmanager_v2(body, ctx_, out);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "too_many_alerts");
  EXPECT_EQ(result.error->index, 2u);
  EXPECT_EQ(result.accepted, 2u);
}

TEST_F(AlertmanagerV2Test, BodyOverTheLimitIsRejectedBeforeParsing) {
  Limits limits;
  limits.max_body_bytes = 100;
  Decoder small(limits);
  std::string body = minimal_array(10);
  auto result = small.alertmanager_v2(body, ctx_, out_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "body_too_large");
  EXPECT_EQ(result.error->message, "body: " + std::to_string(body.size()) + " bytes, limit 100");
}

TEST_F(AlertmanagerV2Test, LongNamesAreShortenedInMessages) {
  // The two bytes of "é" straddle the 64-byte cut: it is dropped whole.
  std::string name = std::string(63, 'n') + "\xc3\xa9" + std::string(300, 'm');
  auto error = decode_error("[" + item("{\"" + name + "\":\"x\"}") + "]");
  EXPECT_EQ(error.reason, "label_name_too_long");
  EXPECT_EQ(error.message,
            "alert 0: label name \"" + std::string(63, 'n') + "...\" is 365 bytes, limit 256");
}

}  // namespace
}  // namespace alertd::ingest
