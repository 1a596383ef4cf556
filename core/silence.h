#pragma once
// A silence: alerts matching every matcher between starts_at and ends_at are
// kept on their incidents but marked silenced and not notified. Created via
// the API and kept in the store; the correlator applies them.

#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace alertd::core {

struct Silence {
  std::string id;  // "SIL-<n>", assigned by the store
  std::string tenant = "default";
  std::vector<std::string> matchers;  // canonical matcher text (core::Matcher::to_string)
  TimePoint starts_at = kNoTime;
  TimePoint ends_at = kNoTime;
  std::string created_by;  // with auth: the creating token's name (its identity)
  // With auth: the body's created_by when it names someone else. Not a column:
  // it is recorded in the silence's creation audit entry only.
  std::string on_behalf_of;
  std::string comment;
  TimePoint created_at = kNoTime;
  TimePoint updated_at = kNoTime;  // set when it is expired early (DELETE)
};

enum class SilenceState : uint8_t { pending, active, expired };
inline SilenceState silence_state(const Silence& s, TimePoint now) {
  if (now < s.starts_at) return SilenceState::pending;
  if (now >= s.ends_at) return SilenceState::expired;
  return SilenceState::active;
}
inline std::string_view to_string(SilenceState s) {
  switch (s) {
    case SilenceState::pending: return "pending";
    case SilenceState::active: return "active";
    case SilenceState::expired: return "expired";
  }
  return "?";
}

}  // namespace alertd::core
