// open() after a crash or damage: torn tails are cut, damage before the tail
// fails open() with the file and offset, repair skips and counts it.

#include <gtest/gtest.h>

#include "ingest/journal/journal.h"
#include "tests/unit/ingest/journal_test_util.h"

namespace alertd::ingest::journal {
namespace {

using namespace test_util;  // NOLINT: test helpers
using namespace std::chrono_literals;

const uint64_t kRecord = record_size(kPayload);

// Offset of record `lsn` in a segment starting at `first` (fixed-size records).
uint64_t offset_of(uint64_t lsn, uint64_t first = 1) {
  return kSegmentHeaderBytes + (lsn - first) * kRecord;
}

class RecoveryTest : public ::testing::Test {
 protected:
  RecoveryTest() {
    options_.dir = tmp_.path() / "journal";
    options_.fsync_interval = 1ms;
    options_.max_record_bytes = 1024;
  }

  // Writes records 1..n with payload(i), four to a segment when `rotate`.
  void write_records(uint64_t n, bool rotate = false) {
    if (rotate) options_.segment_bytes = kSegmentHeaderBytes + 4 * kRecord;
    if (rotate) options_.max_record_bytes = kPayload;
    auto j = open_ok(options_);
    ASSERT_TRUE(j);
    j->start();
    for (uint64_t i = 1; i <= n; ++i) ASSERT_EQ(append_wait(*j, payload(i)).lsn, i);
  }

  void flip_byte(const fs::path& path, uint64_t offset) {
    auto bytes = read_bytes(path);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] ^= 0x5A;
    write_bytes(path, bytes);
  }

  // Opens, checks the journal goes on at `next` and replay is consistent.
  void expect_continues(Journal& j, const std::vector<uint64_t>& lsns, uint64_t next) {
    auto all = replay_all(j);
    ASSERT_EQ(all.size(), lsns.size());
    for (size_t k = 0; k < lsns.size(); ++k) {
      EXPECT_EQ(all[k].first, lsns[k]);
      EXPECT_EQ(all[k].second, payload(lsns[k]));
    }
    j.start();
    EXPECT_EQ(append_wait(j, payload(next)).lsn, next);
    j.stop();
    auto again = open_ok(options_);
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->report().tail_cut);
    auto after = replay_all(*again);
    ASSERT_EQ(after.size(), lsns.size() + 1);
    EXPECT_EQ(after.back(), (std::pair<uint64_t, std::string>{next, payload(next)}));
  }

  fs::path first_segment() const { return segment_path(options_, 1); }

  TempDir tmp_;
  JournalOptions options_;
};

TEST_F(RecoveryTest, TornPayloadAtTheTailIsCut) {
  write_records(5);
  fs::resize_file(first_segment(), offset_of(6) - 10);
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  const auto& r = j->report();
  EXPECT_TRUE(r.tail_cut);
  EXPECT_NE(r.tail_reason.find("past the end"), std::string::npos) << r.tail_reason;
  EXPECT_EQ(r.tail_bytes_cut, kRecord - 10);
  EXPECT_EQ(r.records, 4u);
  EXPECT_EQ(r.last_lsn, 4u);
  EXPECT_EQ(fs::file_size(first_segment()), offset_of(5));
  expect_continues(*j, {1, 2, 3, 4}, 5);
}

TEST_F(RecoveryTest, TornRecordHeaderAtTheTailIsCut) {
  write_records(5);
  fs::resize_file(first_segment(), offset_of(5) + 7);
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  EXPECT_TRUE(j->report().tail_cut);
  EXPECT_NE(j->report().tail_reason.find("torn record header"), std::string::npos);
  EXPECT_EQ(j->report().tail_bytes_cut, 7u);
  expect_continues(*j, {1, 2, 3, 4}, 5);
}

TEST_F(RecoveryTest, BadCrcInTheLastRecordIsCut) {
  write_records(5);
  flip_byte(first_segment(), offset_of(5) + kRecordHeaderBytes + 3);
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  EXPECT_TRUE(j->report().tail_cut);
  EXPECT_EQ(j->report().tail_reason, "crc mismatch");
  EXPECT_EQ(j->report().tail_bytes_cut, kRecord);
  expect_continues(*j, {1, 2, 3, 4}, 5);
}

TEST_F(RecoveryTest, ZeroFilledTailIsCut) {
  write_records(3);
  auto bytes = read_bytes(first_segment());
  write_bytes(first_segment(), bytes + std::string(4096, '\0'));  // what ext4 may leave
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  EXPECT_TRUE(j->report().tail_cut);
  EXPECT_EQ(j->report().tail_bytes_cut, 4096u);
  expect_continues(*j, {1, 2, 3}, 4);
}

TEST_F(RecoveryTest, TornSegmentHeaderOfTheLastSegmentIsRecreated) {
  write_records(4, true);  // exactly one full segment
  // A crash while creating the next segment leaves part of its header.
  char header[kSegmentHeaderBytes];
  encode_segment_header(5, header);
  write_bytes(segment_path(options_, 5), std::string(header, 9));
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->report().notes.size(), 1u);
  EXPECT_EQ(fs::file_size(segment_path(options_, 5)), kSegmentHeaderBytes);
  EXPECT_EQ(j->segments(), 2u);
  expect_continues(*j, {1, 2, 3, 4}, 5);
}

TEST_F(RecoveryTest, EmptyLastSegmentKeepsTheLsns) {
  write_records(4, true);
  char header[kSegmentHeaderBytes];
  encode_segment_header(5, header);
  write_bytes(segment_path(options_, 5), std::string(header, sizeof header));
  fs::remove(first_segment());  // checkpointed and removed: only the empty one says "5"
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->report().records, 0u);
  EXPECT_EQ(j->next_lsn(), 5u);
  expect_continues(*j, {}, 5);
}

TEST_F(RecoveryTest, BadRecordFollowedByValidOnesFailsOpenWithFileAndOffset) {
  write_records(5);
  flip_byte(first_segment(), offset_of(2) + kRecordHeaderBytes + 1);
  auto j = Journal::open(options_);
  ASSERT_FALSE(j.ok());
  const auto& m = j.error().message;
  EXPECT_NE(m.find("00000000000000000001.wal"), std::string::npos) << m;
  EXPECT_NE(m.find("offset " + std::to_string(offset_of(2))), std::string::npos) << m;
  EXPECT_NE(m.find("crc mismatch"), std::string::npos) << m;
  EXPECT_EQ(fs::file_size(first_segment()), offset_of(6)) << "a failed open changed the file";
}

TEST_F(RecoveryTest, RepairSkipsACorruptRecordAndCountsIt) {
  write_records(5);
  flip_byte(first_segment(), offset_of(2) + 2);  // its length field
  options_.repair = true;
  auto j = open_ok(options_);
  ASSERT_TRUE(j);
  const auto& r = j->report();
  EXPECT_EQ(r.records, 4u);
  EXPECT_EQ(r.repaired_records, 1u);
  EXPECT_EQ(r.repaired_bytes, kRecord);
  EXPECT_FALSE(r.tail_cut);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("offset " + std::to_string(offset_of(2))), std::string::npos);
  expect_continues(*j, {1, 3, 4, 5}, 6);
}

TEST_F(RecoveryTest, DamageAtTheEndOfAnEarlierSegmentIsNotATornTail) {
  write_records(10, true);  // 1..4, 5..8, 9..10
  flip_byte(first_segment(), offset_of(4) + kRecordHeaderBytes);
  auto j = Journal::open(options_);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message.find("00000000000000000001.wal"), std::string::npos);
  EXPECT_NE(j.error().message.find("offset " + std::to_string(offset_of(4))), std::string::npos)
      << j.error().message;

  options_.repair = true;
  auto repaired = open_ok(options_);
  ASSERT_TRUE(repaired);
  EXPECT_EQ(repaired->report().records, 9u);
  EXPECT_EQ(repaired->report().repaired_bytes, kRecord);
  EXPECT_EQ(repaired->report().repaired_records, 1u);  // the LSN gap 3 -> 5
  expect_continues(*repaired, {1, 2, 3, 5, 6, 7, 8, 9, 10}, 11);
}

TEST_F(RecoveryTest, BadHeaderOfAnEarlierSegmentFailsOpenAndRepairSkipsTheSegment) {
  write_records(10, true);
  const auto middle = segment_path(options_, 5);
  flip_byte(middle, 2);  // the magic
  auto j = Journal::open(options_);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message.find("00000000000000000005.wal: offset 0"), std::string::npos)
      << j.error().message;

  options_.repair = true;
  auto repaired = open_ok(options_);
  ASSERT_TRUE(repaired);
  EXPECT_EQ(repaired->report().records, 6u);
  EXPECT_EQ(repaired->report().repaired_bytes, fs::file_size(middle));
  EXPECT_EQ(repaired->report().repaired_records, 4u);
  expect_continues(*repaired, {1, 2, 3, 4, 9, 10}, 11);
  // Still counted on disk, and removed once a checkpoint passes it.
  auto again = open_ok(options_);
  ASSERT_TRUE(again);
  again->remove_through(8);
  EXPECT_FALSE(fs::exists(middle));
}

TEST_F(RecoveryTest, MissingSegmentIsAnLsnGap) {
  write_records(10, true);
  fs::remove(segment_path(options_, 5));
  auto j = Journal::open(options_);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message.find("lsn gap"), std::string::npos) << j.error().message;
  EXPECT_NE(j.error().message.find("00000000000000000009.wal"), std::string::npos);

  options_.repair = true;
  auto repaired = open_ok(options_);
  ASSERT_TRUE(repaired);
  EXPECT_EQ(repaired->report().repaired_records, 4u);
  expect_continues(*repaired, {1, 2, 3, 4, 9, 10}, 11);
}

// Whole records with a wrong LSN are damage, never a torn tail: in the
// middle and at the end alike.
TEST_F(RecoveryTest, RecordWithAValidCrcButTheWrongLsnIsDamage) {
  write_records(3);
  const auto original = read_bytes(first_segment());
  for (uint64_t lsn : {2, 3}) {
    auto bytes = original;
    char header[kRecordHeaderBytes];
    encode_record_header(7, payload(lsn), header);
    bytes.replace(offset_of(lsn), kRecordHeaderBytes, header, kRecordHeaderBytes);
    write_bytes(first_segment(), bytes);
    options_.repair = false;
    auto j = Journal::open(options_);
    ASSERT_FALSE(j.ok()) << lsn;
    EXPECT_NE(j.error().message.find("lsn 7 where " + std::to_string(lsn) + " was expected"),
              std::string::npos)
        << j.error().message;
    options_.repair = true;
    auto repaired = open_ok(options_);
    ASSERT_TRUE(repaired);
    EXPECT_FALSE(repaired->report().tail_cut);
    EXPECT_EQ(repaired->report().repaired_bytes, kRecord);
    EXPECT_EQ(repaired->report().records, 2u);
  }
}

}  // namespace
}  // namespace alertd::ingest::journal
