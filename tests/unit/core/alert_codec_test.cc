#include "core/alert_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "core/byte_codec.h"

namespace alertd::core {
namespace {

Alert sample() {
  Alert a;
  a.labels = LabelSet{{"alertname", "DiskFull"}, {"service", "db"}};
  a.annotations = LabelSet{{"summary", std::string("bytes \0 and ünïcode", 19)}};
  a.status = AlertStatus::resolved;
  a.starts_at = from_unix_millis(1'767'225'600'250);
  a.ends_at = from_unix_millis(1'767'225'660'000);
  a.source = "alertmanager";
  a.tenant = "team-a";
  a.generator_url = "http://prom/graph";
  a.received_at = TimePoint{Duration{1'767'225'661'123'456'789}};
  a.fingerprint = 0xfeedfacecafebeefULL;
  a.rule = "disk";
  a.route_key = 42;
  a.counted_since = from_unix_millis(1'767'225'600'000);
  a.counted_events = 3;
  a.rule_events = 5;
  a.journal_pos = journal_position(77, 3);
  return a;
}

void expect_same(const Alert& a, const Alert& b) {
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.annotations, b.annotations);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.starts_at, b.starts_at);
  EXPECT_EQ(a.ends_at, b.ends_at);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.tenant, b.tenant);
  EXPECT_EQ(a.generator_url, b.generator_url);
  EXPECT_EQ(a.received_at, b.received_at);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.rule, b.rule);
  EXPECT_EQ(a.route_key, b.route_key);
  EXPECT_EQ(a.counted_since, b.counted_since);
  EXPECT_EQ(a.counted_events, b.counted_events);
  EXPECT_EQ(a.rule_events, b.rule_events);
  EXPECT_EQ(a.journal_pos, b.journal_pos);
}

TEST(AlertCodec, RoundTripsEveryField) {
  std::string bytes;
  ByteWriter out(bytes);
  encode_alert(out, sample());
  encode_alert(out, Alert{});  // defaults, kNoTime included
  ByteReader in(bytes);
  Alert first, second;
  ASSERT_TRUE(decode_alert(in, first));
  ASSERT_TRUE(decode_alert(in, second));
  EXPECT_TRUE(in.at_end());
  expect_same(first, sample());
  expect_same(second, Alert{});
}

TEST(AlertCodec, EveryTruncationFailsCleanly) {
  std::string bytes;
  ByteWriter out(bytes);
  encode_alert(out, sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    ByteReader in(std::string_view(bytes).substr(0, n));
    Alert a;
    EXPECT_FALSE(decode_alert(in, a)) << "prefix of " << n << " bytes";
    EXPECT_FALSE(in.ok());
  }
}

TEST(AlertCodec, RefusesAnUnknownFormatAndAHugeCount) {
  std::string bytes(1, '\x09');
  ByteReader in(bytes);
  Alert a;
  EXPECT_FALSE(decode_alert(in, a));

  std::string huge;
  ByteWriter w(huge);
  w.varint(1ULL << 40);  // a label count no input of this size can hold
  ByteReader labels_in(huge);
  LabelSet labels;
  EXPECT_FALSE(decode_labels(labels_in, labels));
  EXPECT_TRUE(labels.empty());
}

TEST(ByteCodec, VarintsAndSignedValuesRoundTrip) {
  std::string bytes;
  ByteWriter out(bytes);
  const int64_t values[] = {0, 1, -1, 63, -64, INT64_MAX, INT64_MIN};
  for (auto v : values) out.svarint(v);
  out.varint(UINT64_MAX);
  ByteReader in(bytes);
  for (auto v : values) EXPECT_EQ(in.svarint(), v);
  EXPECT_EQ(in.varint(), UINT64_MAX);
  EXPECT_TRUE(in.ok());
  EXPECT_TRUE(in.at_end());
}

TEST(ByteCodec, JournalPositionsOrderLikeTheJournal) {
  EXPECT_LT(journal_position(1, 5), journal_position(2, 0));
  EXPECT_LT(journal_position(2, 0), journal_position(2, 1));
  EXPECT_EQ(journal_lsn(journal_position(123456, 999)), 123456u);
}

}  // namespace
}  // namespace alertd::core
