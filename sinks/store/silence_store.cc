#include "sinks/store/silence_store.h"

#include "core/incident.h"

namespace alertd::sinks {

std::string silence_id(int64_t seq) {
  return "SIL-" + std::to_string(seq);
}

std::optional<int64_t> parse_silence_id(std::string_view id) {
  return core::parse_seq_id(id, "SIL-");
}

}  // namespace alertd::sinks
