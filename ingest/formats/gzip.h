#pragma once
// gzip bodies (Splunk HEC and CloudTrail log files send them): inflated with
// zlib before decoding, never past the body limit, so a small bomb cannot
// make us hold more than an uncompressed body could.

#include <string>
#include <string_view>

#include "ingest/formats/decoder.h"

namespace alertd::ingest {

/// Whether `body` starts with gzip's magic bytes (1f 8b).
bool looks_gzipped(std::string_view body);

/// Inflates the gzip stream `in` (several members in a row too, as `cat a.gz
/// b.gz` makes) into `out`. Fails with body_too_large when the result would
/// exceed `max_bytes`, and with invalid_gzip when the stream is corrupt or
/// truncated; `out` is then unspecified.
bool gunzip(std::string_view in, size_t max_bytes, std::string& out, DecodeError& err);

}  // namespace alertd::ingest
