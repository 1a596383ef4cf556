#pragma once
// Shared helpers for the ingest decoder tests.

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <string_view>

#include "core/time.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest::test_util {

inline core::TimePoint at(std::string_view rfc3339) {
  auto t = core::parse_rfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(core::kNoTime);
}

/// `text` as one gzip member, as senders compress bodies.
inline std::string gzipped(std::string_view text) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, text.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline DecodeContext context_at(std::string_view now) {
  DecodeContext ctx;
  ctx.now = at(now);
  ctx.tenant = "team-a";
  ctx.received_mono_ns = 123456789;
  return ctx;
}

/// `{"labels":{"alertname":"A<i>","instance":"host-<i>"}}`: a minimal valid item.
inline std::string minimal_item(size_t i) {
  return R"({"labels":{"alertname":"A)" + std::to_string(i) + R"(","instance":"host-)" +
         std::to_string(i) + R"("}})";
}

/// A JSON array of n minimal items.
inline std::string minimal_array(size_t n) {
  std::string body = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) body += ',';
    body += minimal_item(i);
  }
  body += ']';
  return body;
}

}  // namespace alertd::ingest::test_util
