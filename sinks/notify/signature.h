#pragma once
// HMAC-SHA256 signatures of webhook bodies. alertd signs what it sends
// (X-Alertd-Signature); the API verifies what Slack sends with the same
// primitive (v0=HMAC of "v0:<ts>:<body>"), so nothing here is webhook-only
// but webhook_signature's format.

#include <cstdint>
#include <string>
#include <string_view>

namespace alertd::sinks::notify {

/// HMAC-SHA256 of `data` with `key`, as 64 lowercase hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// The X-Alertd-Signature value: "t=<unix_seconds>,v1=<hmac_sha256_hex(
/// secret, "<unix_seconds>.<body>")>". The timestamp is inside the signed
/// text so a receiver can refuse replays of old requests
/// (docs/notifications.md, "Verifying the webhook signature").
std::string webhook_signature(std::string_view secret, int64_t unix_seconds, std::string_view body);

/// Compares two strings in time that depends only on their lengths, for
/// checking signatures without leaking how much of a guess was right.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace alertd::sinks::notify
