#include "correlator/member_state.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "core/fingerprint.h"

namespace alertd::correlator {
namespace {

TEST(MemberState, PackRoundTripsLabelsAnnotationsAndSource) {
  core::LabelSet labels{{"alertname", "X"}, {"service", "checkout"}, {"empty", ""}};
  std::string long_value(300, 'v');  // length needs a two-byte varint
  core::LabelSet annotations{{"summary", long_value}, {"odd", std::string("a\xff\0b", 4)}};
  PackedData packed = pack_member_data(labels, annotations, "prometheus");
  core::Member m;
  ASSERT_TRUE(unpack_member_data(packed.view(), m));
  EXPECT_EQ(m.labels, labels);
  EXPECT_EQ(m.annotations, annotations);
  EXPECT_EQ(m.source, "prometheus");
  // Exactly what the format needs: 4 label names/values, 2 annotations, source.
  size_t payload = 0;
  for (const auto& l : labels) payload += l.name.size() + l.value.size() + 2;
  for (const auto& l : annotations) payload += l.name.size() + l.value.size() + 2;
  payload += 1 /* long value: 2-byte length */ + 2 /* set counts */ + 1 + 10 /* source */;
  EXPECT_EQ(packed.view().size(), payload);
}

TEST(MemberState, UnpackRejectsTruncatedData) {
  std::string packed(pack_member_data({{"alertname", "X"}}, {}, "generic").view());
  for (size_t n = 0; n < packed.size(); ++n) {
    core::Member m;
    EXPECT_FALSE(unpack_member_data(std::string_view(packed).substr(0, n), m)) << n;
  }
  core::Member m;
  EXPECT_FALSE(unpack_member_data(packed + "x", m));  // trailing bytes
}

TEST(MemberState, SnapshotFromAlertAndBack) {
  core::Alert a;
  a.labels = core::LabelSet{{"alertname", "X"}, {"severity", "critical"}};
  a.annotations = core::LabelSet{{"summary", "s"}};
  a.source = "grafana";
  a.fingerprint = core::fingerprint(a.labels);
  auto at = core::from_unix_millis(1'000);
  MemberState state = member_from_alert(a, at);
  EXPECT_EQ(state.severity, 1);
  core::Member snap = member_snapshot(state);
  EXPECT_EQ(snap.fingerprint, a.fingerprint);
  EXPECT_EQ(snap.labels, a.labels);
  EXPECT_EQ(snap.annotations, a.annotations);
  EXPECT_EQ(snap.source, "grafana");
  EXPECT_EQ(snap.first_seen, at);
  EXPECT_EQ(snap.event_count, 1u);

  snap.event_count = uint64_t{1} << 40;  // restored counts saturate instead of wrapping
  MemberState big = member_from_snapshot(snap);
  EXPECT_EQ(big.event_count, std::numeric_limits<uint32_t>::max());
  count_event(big);
  EXPECT_EQ(big.event_count, std::numeric_limits<uint32_t>::max());

  MemberState again = member_from_snapshot(snap);
  EXPECT_EQ(again.packed.view(), state.packed.view());
  EXPECT_EQ(again.severity, 1);
}

}  // namespace
}  // namespace alertd::correlator
