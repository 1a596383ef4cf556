#pragma once
// Internal to ingest/formats: what the AWS decoders share (cloudtrail.cc,
// cloudwatch.cc, sns.cc). Include decoder.h from outside.

#include <string_view>
#include <vector>

#include "ingest/formats/builder.h"

namespace alertd::ingest::detail {

/// The string member `key` of `e`, or empty when absent, null or not a string.
std::string_view member_text(dom::element e, std::string_view key);

/// A CloudWatch alarm state change (the Message of an alarm's SNS
/// notification): appends its alert, or counts it in `dropped`.
bool decode_alarm(dom::element alarm, const DecodeContext& ctx, const AwsContext& aws,
                  const Limits& limits, const Item& item, AwsDropped& dropped,
                  std::vector<core::Alert>& out, DecodeError& err);

/// CloudWatch's StateChangeTime (`2026-01-01T00:05:12.345+0000`, no colon
/// in the offset) or any RFC 3339 time.
std::optional<core::TimePoint> aws_time(std::string_view text);

}  // namespace alertd::ingest::detail
