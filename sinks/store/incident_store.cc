#include "sinks/store/incident_store.h"

#include <charconv>

namespace alertd::sinks {

std::string silence_id(int64_t seq) {
  return "SIL-" + std::to_string(seq);
}

std::optional<int64_t> parse_silence_id(std::string_view id) {
  if (!id.starts_with("SIL-")) return std::nullopt;
  const auto digits = id.substr(4);
  int64_t seq = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (digits.empty() || ec != std::errc{} || ptr != digits.data() + digits.size() || seq <= 0) {
    return std::nullopt;
  }
  // One spelling per silence: "SIL-007" is not SIL-7.
  if (digits.front() == '0') return std::nullopt;
  return seq;
}

}  // namespace alertd::sinks
