#pragma once
// Building blocks of the Prometheus text exposition format 0.0.4
// (reference/wire-formats.md §9): number spelling, escaping, name rules.

#include <cstdint>
#include <string>
#include <string_view>

namespace alertd::telemetry {

/// The Content-Type of Registry::render() output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Appends a sample value as Go's client library writes it
/// (strconv.FormatFloat(v, 'g', -1, 64)): shortest round-trip digits,
/// `1`, `0.25`, `1e+06`, `1.5e-05`; `+Inf`, `-Inf`, `NaN`; -0 as `0`.
void append_double(std::string& out, double v);

/// Appends an exact unsigned integer (counters, bucket counts).
void append_uint(std::string& out, uint64_t v);

/// Appends `s` with `\` -> `\\` and newline -> `\n`; with `quote` also
/// `"` -> `\"`. Label values need `quote`; HELP text does not.
void append_escaped(std::string& out, std::string_view s, bool quote);

/// Returns `s` with every byte that is not part of a well-formed UTF-8
/// sequence replaced by U+FFFD, so the exposition stays valid UTF-8.
std::string sanitize_utf8(std::string_view s);

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
bool is_valid_metric_name(std::string_view name);

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved by Prometheus).
bool is_valid_label_name(std::string_view name);

}  // namespace alertd::telemetry
