#pragma once
// How a person's request ended, in domain terms. core/ knows no transport:
// api/ maps each verdict to an HTTP status (api/responses.h).

#include <cstdint>
#include <string_view>

namespace alertd::core {

enum class Verdict : uint8_t {
  done,         // applied
  created,      // applied, and a new record exists
  forbidden,    // the caller's role or duties do not allow it
  not_found,    // no such record (or another tenant's)
  conflict,     // the record's state does not allow it now
  invalid,      // a value the action cannot take
  unavailable,  // the store did not answer; it may still be applied
  failed,       // the store refused the write for good
};

inline bool refused(Verdict v) {
  return v != Verdict::done && v != Verdict::created;
}

}  // namespace alertd::core
