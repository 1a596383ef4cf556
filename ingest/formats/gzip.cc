#include "ingest/formats/gzip.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>

namespace alertd::ingest {

bool looks_gzipped(std::string_view body) {
  return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
         static_cast<unsigned char>(body[1]) == 0x8b;
}

namespace {

bool gzip_error(DecodeError& err, std::string_view what) {
  err.reason = reason::kInvalidGzip;
  err.index = 0;
  err.message = fmt::format("body: not a valid gzip stream ({})", what);
  return false;
}

}  // namespace

bool gunzip(std::string_view in, size_t max_bytes, std::string& out, DecodeError& err) {
  z_stream zs{};
  // 16 + MAX_WBITS: a gzip header and trailer, not raw deflate or zlib.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return gzip_error(err, "zlib init failed");
  out.clear();
  out.resize(std::min<size_t>(std::max<size_t>(in.size() * 4, 4096), max_bytes + 1));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  int rc = Z_OK;
  while (true) {
    if (produced == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another member follows
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated
  }
  inflateEnd(&zs);
  if (produced > max_bytes) {
    err.reason = reason::kBodyTooLarge;
    err.index = 0;
    err.message = fmt::format("body: over {} bytes once inflated", max_bytes);
    return false;
  }
  if (rc != Z_STREAM_END) return gzip_error(err, rc == Z_DATA_ERROR ? "corrupt data" : "truncated");
  out.resize(produced);
  return true;
}

}  // namespace alertd::ingest
