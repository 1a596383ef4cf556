// Hostile input: truncations, mutations and deep nesting must give an error
// value (never a crash, an exception or a half-decoded alert). Run under
// -DALERTD_SANITIZE=ON this also checks for out-of-bounds reads.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/fingerprint.h"
#include "ingest/formats/decoder.h"
#include "ingest/formats/storable.h"
#include "tests/unit/ingest/test_util.h"

namespace alertd::ingest {
namespace {

using test_util::context_at;

const std::string kAmBody = R"([
{"labels":{"alertname":"DiskFull","severity":"critical","instance":"db-07:9100"},
  "annotations":{"summary":"Disk \"almost\" full\n\u00e9"},"startsAt":"2026-01-01T00:03:00Z",
  "endsAt":"2026-01-01T00:09:00Z","generatorURL":"http://prom.example.net:9090/graph?g0.expr=..."},
{"labels":{"alertname":"Watchdog","x":""},"extra":[1,2.5e3,{"k":[null,true,false]}]}])";

const std::string kNdjsonBody =
    "{\"labels\":{\"a\":\"1\"},\"timestamp\":1767225600.5,\"status\":\"resolved\"}\r\n"
    "\n"
    "{\"labels\":{\"a\":\"2\",\"b\":\"\\u0041\"},\"source\":\"splunk\",\"x\":{\"y\":[]}}\n";

enum class Format { am, json, ndjson };

// Decodes and checks the invariants every result must keep.
void decode_and_check(Decoder& decoder, Format format, std::string body) {
  const auto ctx = context_at("2026-01-01T00:05:00Z");
  std::vector<core::Alert> out;
  DecodeResult result;
  switch (format) {
    case Format::am: result = decoder.alertmanager_v2(body, ctx, out); break;
    case Format::json: result = decoder.generic_json(body, ctx, out); break;
    case Format::ndjson: result = decoder.generic_ndjson(body, ctx, out); break;
  }
  ASSERT_EQ(out.size(), result.accepted);
  if (result.error) {
    EXPECT_THAT(reason::kAll, ::testing::Contains(std::string_view(result.error->reason)));
    EXPECT_FALSE(result.error->message.empty());
    EXPECT_GE(result.error->index, result.accepted);
    if (format == Format::ndjson) {
      EXPECT_EQ(result.error->index, result.accepted);
    }
  }
  for (const auto& alert : out) {
    ASSERT_FALSE(alert.labels.empty());
    ASSERT_TRUE(std::is_sorted(alert.labels.begin(), alert.labels.end(),
                               [](const auto& a, const auto& b) { return a.name < b.name; }));
    ASSERT_EQ(alert.fingerprint, core::fingerprint(alert.labels));
  }
}

TEST(DecoderRobustness, EveryStrictPrefixOfAnArrayIsRejected) {
  Decoder decoder;
  const size_t end = kAmBody.find_last_of(']');
  for (size_t n = 0; n < end; ++n) {
    std::string body = kAmBody.substr(0, n);
    std::vector<core::Alert> out;
    auto result = decoder.alertmanager_v2(body, context_at("2026-01-01T00:05:00Z"), out);
    EXPECT_FALSE(result.ok()) << "prefix of " << n << " bytes accepted";
    decode_and_check(decoder, Format::json, kAmBody.substr(0, n));
  }
}

TEST(DecoderRobustness, TruncatedNdjsonKeepsOnlyCompleteLines) {
  Decoder decoder;
  const auto ctx = context_at("2026-01-01T00:05:00Z");
  for (size_t n = 0; n <= kNdjsonBody.size(); ++n) {
    std::string body = kNdjsonBody.substr(0, n);
    std::vector<core::Alert> out;
    auto result = decoder.generic_ndjson(body, ctx, out);
    const size_t first_line_end = kNdjsonBody.find('}', kNdjsonBody.find("resolved")) + 1;
    const size_t expected = n < first_line_end ? 0 : (n < kNdjsonBody.size() - 1 ? 1 : 2);
    EXPECT_EQ(out.size(), expected) << n;
    EXPECT_EQ(result.ok(), n == 0 || n >= kNdjsonBody.size() - 1 ||
                               (n >= first_line_end && n <= first_line_end + 3))
        << n;
  }
}

TEST(DecoderRobustness, RandomMutationsNeverCrash) {
  Decoder decoder;
  std::mt19937 rng(20260101);
  const char kTokens[] = "[]{}\",:\\ \n0aeu-.\x00\xff\xc3";
  const std::string tokens(kTokens, sizeof(kTokens) - 1);
  const std::string bodies[] = {kAmBody, kNdjsonBody, test_util::minimal_array(5)};
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string body = bodies[iteration % 3];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const size_t pos = rng() % body.size();
      switch (rng() % 4) {
        case 0: body.resize(pos); break;  // truncate
        case 1: body[pos] = tokens[rng() % tokens.size()]; break;
        case 2: body.insert(pos, 1, tokens[rng() % tokens.size()]); break;
        case 3: body.erase(pos, 1 + rng() % 8); break;
      }
    }
    for (Format format : {Format::am, Format::json, Format::ndjson}) {
      decode_and_check(decoder, format, body);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(DecoderRobustness, DeeplyNestedJunk) {
  Decoder decoder;
  const std::string open(100000, '['), close(100000, ']');
  const std::string objects_open = [] {
    std::string s;
    for (int i = 0; i < 50000; ++i) s += "{\"a\":";
    return s;
  }();
  const std::vector<std::string> bodies = {
      open,
      open + close,
      "[" + objects_open + "1" + std::string(50000, '}') + "]",
      "[{\"labels\":{\"a\":\"1\"},\"x\":" + open + close + "}]",
      "[{\"labels\":{\"a\":" + open + close + "}}]",
      "[{\"labels\":{\"a\":\"1\"},\"x\":" + open + "}]",
  };
  for (const auto& body : bodies) {
    for (Format format : {Format::am, Format::json, Format::ndjson}) {
      std::vector<core::Alert> out;
      std::string copy = body;
      const auto ctx = context_at("2026-01-01T00:05:00Z");
      auto result = format == Format::am     ? decoder.alertmanager_v2(copy, ctx, out)
                    : format == Format::json ? decoder.generic_json(copy, ctx, out)
                                             : decoder.generic_ndjson(copy, ctx, out);
      EXPECT_FALSE(result.ok());
      EXPECT_TRUE(out.empty());
    }
  }
  // The junk in an unknown field is reported as too deep, not as bad JSON.
  std::string body = "[{\"labels\":{\"a\":\"1\"},\"x\":" + open + close + "}]";
  std::vector<core::Alert> out;
  auto result = decoder.alertmanager_v2(body, context_at("2026-01-01T00:05:00Z"), out);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "too_deep");
}

TEST(DecoderRobustness, EmbeddedNulBytes) {
  Decoder decoder;
  const char kRaw[] = "[{\"labels\":{\"a\":\"x\\u0000y\"}}]\0garbage";
  std::string body(kRaw, sizeof(kRaw) - 1);
  std::vector<core::Alert> out;
  auto result = decoder.alertmanager_v2(body, context_at("2026-01-01T00:05:00Z"), out);
  ASSERT_FALSE(result.ok());  // the NUL after the array is trailing content
  EXPECT_EQ(result.error->reason, "invalid_json");
  body.resize(body.find('\0'));
  out.clear();
  result = decoder.alertmanager_v2(body, context_at("2026-01-01T00:05:00Z"), out);
  // A NUL decoded from \u0000 is refused, naming the label: PostgreSQL text
  // cannot hold it, and an alert answered 2xx must reach the store.
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "nul_byte");
  EXPECT_NE(result.error->message.find("label \"a\""), std::string::npos) << result.error->message;
  EXPECT_TRUE(out.empty());
}

TEST(DecoderRobustness, NulInAnnotationsAndStringFieldsIsRefused) {
  Decoder decoder;
  for (std::string body : {R"([{"labels":{"alertname":"A"},"annotations":{"summary":"a\u0000b"}}])",
                           R"([{"labels":{"alertname":"A"},"generatorURL":"http://x/\u0000"}])"}) {
    std::vector<core::Alert> out;
    auto result = decoder.alertmanager_v2(body, context_at("2026-01-01T00:05:00Z"), out);
    ASSERT_FALSE(result.ok()) << body;
    EXPECT_EQ(result.error->reason, "nul_byte") << result.error->message;
  }
  std::string events = R"({"labels":{"alertname":"A"},"source":"x\u0000"})";
  std::vector<core::Alert> out;
  auto result = decoder.generic_json(events, context_at("2026-01-01T00:05:00Z"), out);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->reason, "nul_byte") << result.error->message;
}

}  // namespace
}  // namespace alertd::ingest

namespace alertd::ingest {
namespace {

TEST(Storable, GroupKeyOverTheIndexLimitIsRefusedNamingTheWidestLabel) {
  const auto indexed = indexed_labels({"service", "cluster"}, {"alertname"}, {}, 0);
  std::vector<core::Alert> alerts(3);
  alerts[0].labels = core::LabelSet{{"alertname", "A"}, {"service", std::string(900, 's')}};
  alerts[1].labels =
      core::LabelSet{{"cluster", std::string(600, 'c')}, {"service", std::string(900, 's')}};
  alerts[2].labels = core::LabelSet{{"alertname", std::string(4000, 'a')}};
  DecodeError err;
  EXPECT_EQ(check_storable({alerts.data(), 1}, indexed, "alert", err), 1u) << "900 bytes fit";
  EXPECT_EQ(check_storable(alerts, indexed, "alert", err), 1u);
  EXPECT_EQ(err.reason, "label_value_too_long");
  EXPECT_EQ(err.index, 1u);
  EXPECT_NE(err.message.find("label \"service\""), std::string::npos) << err.message;
  // A label no grouping list names never reaches an index.
  const auto by_service = indexed_labels({"service"}, {}, {}, 0);
  EXPECT_EQ(check_storable({alerts.data() + 2, 1}, by_service, "alert", err), 1u);
}

}  // namespace
}  // namespace alertd::ingest
