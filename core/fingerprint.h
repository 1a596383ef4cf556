#pragma once
// Alert identity: XXH3-64 of the sorted label set, shown as 16 hex digits.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/labels.h"

namespace alertd::core {

/// Hashes `name 0xff value 0xff` for each label in sorted order. 0xff never
/// occurs in valid UTF-8, so no two different label sets share an input.
uint64_t fingerprint(const LabelSet& labels);

/// 16 lower-case hex digits, zero-padded.
std::string fingerprint_hex(uint64_t fp);
std::optional<uint64_t> parse_fingerprint_hex(std::string_view hex);

}  // namespace alertd::core
