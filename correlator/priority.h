#pragma once
// Severity and priority derivation, kept apart from the incident state
// machine: a later impact x urgency matrix replaces derive_priority() and
// feeds it more inputs (services and hosts affected) without other changes.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/incident.h"

namespace alertd::correlator {

// Severity rank 1 (sev1, worst) .. 4 (sev4) from an alert's `severity` label,
// case-insensitive: critical -> 1; high, error, page -> 2; warning, medium,
// warn -> 3; low, info, none -> 4; missing or anything else -> 3.
uint8_t severity_rank(std::optional<std::string_view> severity_label);

// "sev1" .. "sev4"; ranks out of range clamp to 1..4.
std::string_view severity_name(uint8_t rank);

struct PriorityInputs {
  uint8_t worst_severity = 3;  // lowest severity rank among firing members
};

// For now priority follows the worst severity 1:1 (sev1 -> P1 ... sev4 -> P4).
core::Priority derive_priority(const PriorityInputs& in);

}  // namespace alertd::correlator
