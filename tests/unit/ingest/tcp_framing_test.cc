// The TCP NDJSON source's framing and chunk decoding (ingest/tcp/framing.h):
// lines split across reads, CRLF, blank lines, an over-long line, and bad
// lines in the middle of a chunk, which are skipped while the rest go on.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ingest/formats/storable.h"
#include "ingest/tcp/framing.h"
#include "tests/unit/ingest/test_util.h"

namespace alertd::ingest::tcp {
namespace {

using test_util::context_at;
using test_util::minimal_item;

// Feeds `text` to the framer as one read.
void feed(LineFramer& framer, std::string_view text) {
  std::memcpy(framer.prepare(text.size() + 100), text.data(), text.size());
  framer.commit(text.size());
}

std::string alertname(const core::Alert& a) {
  for (const auto& [name, value] : a.labels) {
    if (name == "alertname") return value;
  }
  return "";
}

TEST(LineFramerTest, KeepsThePartialLineForTheNextRead) {
  LineFramer framer(1024);
  std::string chunk;
  feed(framer, "{\"a\":1}\n{\"b\"");
  EXPECT_EQ(framer.take(chunk), LineFramer::Cut::lines);
  EXPECT_EQ(chunk, "{\"a\":1}\n");
  EXPECT_EQ(framer.buffered(), 4u);
  feed(framer, ":2}\n");
  EXPECT_EQ(framer.take(chunk), LineFramer::Cut::lines);
  EXPECT_EQ(chunk, "{\"b\":2}\n");
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(LineFramerTest, NoNewlineYetGivesAnEmptyChunk) {
  LineFramer framer(1024);
  std::string chunk = "stale";
  feed(framer, "{\"a\":");
  EXPECT_EQ(framer.take(chunk), LineFramer::Cut::lines);
  EXPECT_TRUE(chunk.empty());
  framer.finish();  // end of stream: the partial line becomes a line
  EXPECT_EQ(framer.take(chunk), LineFramer::Cut::lines);
  EXPECT_EQ(chunk, "{\"a\":\n");
}

TEST(LineFramerTest, OverLongCompleteLineKeepsTheLinesBefore) {
  LineFramer framer(10);
  std::string chunk;
  feed(framer, "short\n" + std::string(11, 'x') + "\nafter\n");
  EXPECT_EQ(framer.take(chunk), LineFramer::Cut::too_long);
  EXPECT_EQ(chunk, "short\n");
}

TEST(LineFramerTest, OverLongPartialLineIsCaughtBeforeItsNewline) {
  LineFramer framer(10);
  std::string chunk;
  feed(framer, "ok\n" + std::string(6, 'x'));
  EXPECT_EQ(framer.take(chunk), LineFramer::Cut::lines);
  feed(framer, std::string(5, 'x'));  // 11 bytes, no newline yet
  EXPECT_EQ(framer.take(chunk), LineFramer::Cut::too_long);
  EXPECT_TRUE(chunk.empty());
}

TEST(LineFramerTest, LineOfExactlyTheLimitIsKept) {
  LineFramer framer(10);
  std::string chunk;
  feed(framer, std::string(10, 'x') + "\n");
  EXPECT_EQ(framer.take(chunk), LineFramer::Cut::lines);
  EXPECT_EQ(chunk.size(), 11u);
}

class DecodeChunkTest : public ::testing::Test {
 protected:
  ChunkResult decode(std::string chunk, uint64_t first_line = 1) {
    return decode_chunk(decoder_, chunk, ctx_, indexed_, first_line, out_);
  }
  Decoder decoder_;
  DecodeContext ctx_ = context_at("2026-01-01T00:05:00Z");
  IndexedLabels indexed_;
  std::vector<core::Alert> out_;
};

TEST_F(DecodeChunkTest, CrlfAndBlankLines) {
  auto r = decode(minimal_item(0) + "\r\n\r\n   \n" + minimal_item(1) + "\r\n");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.lines, 4u);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(alertname(out_[0]), "A0");
  EXPECT_EQ(alertname(out_[1]), "A1");
}

TEST_F(DecodeChunkTest, BadLinesInTheMiddleAreSkippedAndTheRestGoOn) {
  std::string chunk = minimal_item(0) + "\n" + "{not json\n" + "\n" + minimal_item(2) + "\n" +
                      R"({"labels":{}})" + "\n" + minimal_item(4) + "\n";
  auto r = decode(chunk, 101);
  EXPECT_EQ(r.lines, 6u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 102u);
  EXPECT_EQ(r.errors[0].reason, "invalid_json");
  EXPECT_EQ(r.errors[1].line, 105u);
  EXPECT_EQ(r.errors[1].reason, "empty_labels");
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(alertname(out_[0]), "A0");
  EXPECT_EQ(alertname(out_[1]), "A2");
  EXPECT_EQ(alertname(out_[2]), "A4");
}

TEST_F(DecodeChunkTest, TheChunkIsLeftWholeForARetry) {
  const std::string chunk = minimal_item(0) + "\n{bad\n" + minimal_item(2) + "\n";
  std::string copy = chunk;
  decode_chunk(decoder_, copy, ctx_, indexed_, 1, out_);
  EXPECT_EQ(copy, chunk);
  out_.clear();
  auto again = decode_chunk(decoder_, copy, ctx_, indexed_, 1, out_);
  EXPECT_EQ(out_.size(), 2u);
  EXPECT_EQ(again.errors.size(), 1u);
}

TEST_F(DecodeChunkTest, AnAlertTheStoreCannotIndexIsSkippedAtItsLine) {
  indexed_.names = {"service"};
  std::string huge(3000, 's');
  std::string chunk = minimal_item(0) + "\n" + R"({"labels":{"alertname":"X","service":")" + huge +
                      "\"}}\n" + minimal_item(2) + "\n";
  auto r = decode(chunk);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 2u);
  EXPECT_EQ(r.errors[0].reason, "label_value_too_long");
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(alertname(out_[1]), "A2");
}

TEST_F(DecodeChunkTest, ManyLinesInOneCallAreNotLimitedByThePerRequestCount) {
  Limits limits;
  limits.max_alerts_per_request = 1u << 30;  // as the listener sets it
  decoder_ = Decoder(limits);
  std::string chunk;
  for (size_t i = 0; i < 20000; ++i) chunk += minimal_item(i) + "\n";
  auto r = decode(chunk);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(out_.size(), 20000u);
}

}  // namespace
}  // namespace alertd::ingest::tcp
