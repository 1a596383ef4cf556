#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

class GenericTest : public ::testing::Test {
 protected:
  DecodeResult json(std::string body) { return decoder_.generic_json(body, ctx_, out_); }
  DecodeResult ndjson(std::string body) { return decoder_.generic_ndjson(body, ctx_, out_); }

  Decoder decoder_;
  DecodeContext ctx_ = context_at("2026-01-01T00:05:00Z");
  std::vector<core::Alert> out_;
};

TEST_F(GenericTest, SingleObjectWithDefaults) {
  auto result = json(R"({"labels":{"service":"checkout","alertname":"ErrorRate"},
                         "annotations":{"summary":"5xx above 2%"}})");
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.accepted, 1u);
  ASSERT_EQ(out_.size(), 1u);
  const auto& a = out_[0];
  EXPECT_EQ(a.labels, (core::LabelSet{{"alertname", "ErrorRate"}, {"service", "checkout"}}));
  EXPECT_EQ(a.annotations.get("summary"), "5xx above 2%");
  EXPECT_EQ(a.status, AlertStatus::firing);
  EXPECT_EQ(a.starts_at, ctx_.now);  // no timestamp: now
  EXPECT_EQ(a.ends_at, core::kNoTime);
  EXPECT_EQ(a.source, "generic");
  EXPECT_EQ(a.tenant, "team-a");
  EXPECT_EQ(a.received_at, ctx_.now);
  EXPECT_EQ(a.received_mono_ns, 123456789);
  EXPECT_EQ(a.fingerprint, core::fingerprint(a.labels));
}

TEST_F(GenericTest, StatusTimestampSourceAndUrl) {
  auto result = json(R"([
    {"labels":{"a":"1"},"status":"firing","timestamp":"2026-01-01T00:01:02.5Z","source":"splunk",
     "generator_url":"https://splunk.example.net/x"},
    {"labels":{"a":"1"},"status":"resolved","timestamp":1767225720.25,"source":"my-script"},
    {"labels":{"a":"2"},"status":"resolved"},
    {"labels":{"a":"3"},"timestamp":1767225600,"status":null,"generatorURL":"http://g"}])");
  ASSERT_TRUE(result.ok()) << result.error->message;
  ASSERT_EQ(out_.size(), 4u);
  EXPECT_EQ(out_[0].status, AlertStatus::firing);
  EXPECT_EQ(out_[0].starts_at, at("2026-01-01T00:01:02.5Z"));
  EXPECT_EQ(out_[0].source, "splunk");
  EXPECT_EQ(out_[0].generator_url, "https://splunk.example.net/x");

  EXPECT_EQ(out_[1].status, AlertStatus::resolved);
  EXPECT_EQ(out_[1].ends_at, at("2026-01-01T00:02:00.25Z"));
  EXPECT_EQ(out_[1].starts_at, core::kNoTime);
  EXPECT_EQ(out_[1].source, "my-script");
  EXPECT_EQ(out_[0].fingerprint, out_[1].fingerprint);  // same labels, same identity

  EXPECT_EQ(out_[2].ends_at, ctx_.now);
  EXPECT_EQ(out_[3].status, AlertStatus::firing);
  EXPECT_EQ(out_[3].starts_at, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(out_[3].generator_url, "http://g");
}

TEST_F(GenericTest, ArrayErrorsCarryTheItemIndex) {
  auto result = json(R"([{"labels":{"a":"1"}},{"labels":{"a":"2"},"status":"open"}])");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "wrong_type");
  EXPECT_EQ(result.error->index, 1u);
  EXPECT_EQ(result.error->message, R"(event 1: status "open" is neither "firing" nor "resolved")");
  EXPECT_EQ(result.accepted, 1u);
}

TEST_F(GenericTest, JsonBodyMustBeObjectOrArray) {
  auto result = json("42");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "wrong_type");
  EXPECT_THAT(result.error->message, ::testing::HasSubstr("got a number"));
  result = json(R"({"labels":{"a":"1"}} {"labels":{"a":"2"}})");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "invalid_json");
  EXPECT_TRUE(out_.empty());  // the single object is not kept when the body is bad
  result = json("[]");
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.accepted, 0u);
}

TEST_F(GenericTest, FieldErrors) {
  struct Case {
    std::string body;
    std::string reason;
    std::string message;
  };
  const Case cases[] = {
      {R"({"labels":{"a":"1"},"timestamp":true})", "wrong_type",
       "event 0: timestamp must be an RFC 3339 string or epoch seconds, got a boolean"},
      {R"({"labels":{"a":"1"},"timestamp":-5})", "invalid_timestamp",
       "event 0: timestamp: -5 is not a valid epoch time in seconds"},
      {R"({"labels":{"a":"1"},"timestamp":"2026-13-01T00:00:00Z"})", "invalid_timestamp",
       "event 0: timestamp: \"2026-13-01T00:00:00Z\" is not an RFC 3339 time"},
      {R"({"labels":{"a":"1"},"source":")" + std::string(65, 's') + "\"}", "invalid_source",
       "event 0: source is 65 bytes, limit 64"},
      {R"({"labels":{"a":"1"},"source":"a\tb"})", "invalid_source",
       R"(event 0: source "a\x09b" contains a control character)"},
      {R"({"labels":{"a":"1"},"source":7})", "wrong_type",
       "event 0: source must be a string, got a number"},
      {R"({"annotations":{"a":"1"}})", "missing_labels", "event 0: labels are required"},
      {R"({"labels":{}})", "empty_labels", "event 0: labels must not be empty"},
  };
  for (const auto& c : cases) {
    auto result = json(c.body);
    ASSERT_FALSE(result.ok()) << c.body;
    EXPECT_EQ(result.error->reason, c.reason) << c.body;
    EXPECT_EQ(result.error->message, c.message) << c.body;
    EXPECT_TRUE(out_.empty()) << c.body;
  }
}

// --- NDJSON ---

TEST_F(GenericTest, NdjsonWithCrlfBlankLinesAndBothTimestampKinds) {
  std::string body =
      "{\"labels\":{\"a\":\"1\"},\"timestamp\":1767225600}\r\n"
      "\r\n"
      "   \t \n"
      "{\"labels\":{\"a\":\"2\"},\"timestamp\":\"2026-01-01T00:01:00Z\",\"status\":\"resolved\"}"
      "\r\n"
      "\n"
      "  {\"labels\":{\"a\":\"3\"}}  ";  // no final newline, surrounding spaces
  auto result = ndjson(body);
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.accepted, 3u);
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].starts_at, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(out_[1].status, AlertStatus::resolved);
  EXPECT_EQ(out_[1].ends_at, at("2026-01-01T00:01:00Z"));
  EXPECT_EQ(out_[2].labels.get("a"), "3");
  EXPECT_EQ(out_[2].starts_at, ctx_.now);
}

TEST_F(GenericTest, NdjsonSkipsLeadingByteOrderMark) {
  auto result = ndjson("\xEF\xBB\xBF{\"labels\":{\"a\":\"1\"}}\n{\"labels\":{\"a\":\"2\"}}\n");
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.accepted, 2u);
}

TEST_F(GenericTest, NdjsonEmptyOrBlankBodyAcceptsNothing) {
  for (const char* body : {"", "\n", "\r\n\r\n", "  \n\t\n"}) {
    auto result = ndjson(body);
    EXPECT_TRUE(result.ok()) << body;
    EXPECT_EQ(result.accepted, 0u);
  }
  EXPECT_TRUE(out_.empty());
}

// The error index counts events (non-blank lines); lines before the bad one
// stay decoded in `out`, like Splunk HEC's invalid-event-number.
struct NdjsonCase {
  std::string name;
  std::string bad_line;
  std::string reason;
  std::string message_part;
};

class NdjsonErrorTest : public GenericTest, public ::testing::WithParamInterface<NdjsonCase> {};

TEST_P(NdjsonErrorTest, KeepsPrefixAndReportsEventIndex) {
  const auto& c = GetParam();
  std::string body = "{\"labels\":{\"n\":\"0\"}}\n\n{\"labels\":{\"n\":\"1\"}}\r\n" + c.bad_line +
                     "\n{\"labels\":{\"n\":\"3\"}}\n";
  auto result = ndjson(body);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, c.reason);
  EXPECT_EQ(result.error->index, 2u);
  EXPECT_THAT(result.error->message, ::testing::StartsWith("event 2: "));
  EXPECT_THAT(result.error->message, ::testing::HasSubstr(c.message_part));
  EXPECT_EQ(result.accepted, 2u);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].labels.get("n"), "0");
  EXPECT_EQ(out_[1].labels.get("n"), "1");
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, NdjsonErrorTest,
    ::testing::Values(
        NdjsonCase{"Truncated", R"({"labels":{"n":"2")", "invalid_json", "invalid JSON"},
        NdjsonCase{"TruncatedInString", R"({"labels":{"n":"2)", "invalid_json", "invalid JSON"},
        NdjsonCase{"TwoObjectsOnOneLine", R"({"labels":{"n":"2"}} {"labels":{"n":"x"}})",
                   "invalid_json", "unexpected content"},
        NdjsonCase{"NotJson", "hello world", "invalid_json", "invalid JSON"},
        NdjsonCase{"InvalidUtf8", "{\"labels\":{\"n\":\"\xc3\x28\"}}", "invalid_utf8", "UTF-8"},
        NdjsonCase{"Array", R"([{"labels":{"n":"2"}}])", "wrong_type",
                   "must be an event object, got an array"},
        NdjsonCase{"LabelValueNotString", R"({"labels":{"n":2}})", "wrong_type",
                   "label \"n\": value must be a string, got a number"},
        NdjsonCase{"DuplicateLabel", R"({"labels":{"n":"2","n":"2"}})", "duplicate_label",
                   "label \"n\" is given twice"},
        NdjsonCase{
            "TooDeep",
            "{\"labels\":{\"n\":\"2\"},\"x\":" + std::string(16, '{') + std::string(16, '}') + "}",
            "too_deep", "nesting deeper than 16"}),
    [](const ::testing::TestParamInfo<NdjsonCase>& param_info) { return param_info.param.name; });

TEST_F(GenericTest, NdjsonTooManyEventsKeepsTheFirstLimit) {
  Limits limits;
  limits.max_alerts_per_request = 3;
  Decoder small(limits);
  std::string body;
  for (int i = 0; i < 5; ++i) body += "{\"labels\":{\"n\":\"" + std::to_string(i) + "\"}}\n\n";
  auto result = small.generic_ndjson(body, ctx_, out_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "too_many_alerts");
  EXPECT_EQ(result.error->index, 3u);
  EXPECT_EQ(result.accepted, 3u);
  EXPECT_EQ(out_.size(), 3u);
}

TEST_F(GenericTest, NdjsonBodyLimit) {
  Limits limits;
  limits.max_body_bytes = 10;
  Decoder small(limits);
  std::string body = "{\"labels\":{\"n\":\"0\"}}\n";
  auto result = small.generic_ndjson(body, ctx_, out_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "body_too_large");
  EXPECT_EQ(result.accepted, 0u);
}

TEST_F(GenericTest, NdjsonLineMissingItsClosingBrace) {
  // The line still ends in a brace (the labels'), and the next line is a lone
  // brace: the bad line must not borrow it.
  auto result = ndjson("{\"labels\":{\"n\":\"0\"}\n}\n{\"labels\":{\"n\":\"1\"}}\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "invalid_json");
  EXPECT_EQ(result.error->index, 0u);
  EXPECT_TRUE(out_.empty());
}

}  // namespace
}  // namespace alertd::ingest
