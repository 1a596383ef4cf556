#pragma once
// Severity, impact and priority: the ITIL impact x urgency matrix. Urgency is
// the worst firing severity (sev1..sev4); impact comes from how many distinct
// services and hosts the incident's members span.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/incident.h"

namespace alertd::correlator {

// Severity rank 1 (sev1, worst) .. 4 (sev4) from an alert's `severity` label,
// case-insensitive: critical, sev1 -> 1; high, error, page, sev2 -> 2;
// warning, medium, warn, sev3 -> 3; low, info, none, sev4 -> 4; missing or
// anything else -> 3.
uint8_t severity_rank(std::optional<std::string_view> severity_label);

// "sev1" .. "sev4"; ranks out of range clamp to 1..4.
std::string_view severity_name(uint8_t rank);

// The matrix's columns, in its order.
enum class Impact : uint8_t { high = 0, medium = 1, low = 2 };
std::string_view to_string(Impact impact);

struct ImpactThreshold {
  uint32_t services = 0;  // at least this many distinct `service` values ...
  uint32_t hosts = 0;     // ... or at least this many distinct hosts (`host`, else `instance`)
};

struct PriorityMatrix {
  ImpactThreshold high{3, 10};
  ImpactThreshold medium{2, 3};
  // Rows: urgency sev1..sev4; columns: impact high, medium, low.
  std::array<std::array<core::Priority, 3>, 4> matrix{{
      {core::Priority::P1, core::Priority::P1, core::Priority::P2},
      {core::Priority::P1, core::Priority::P2, core::Priority::P3},
      {core::Priority::P2, core::Priority::P3, core::Priority::P4},
      {core::Priority::P3, core::Priority::P4, core::Priority::P4},
  }};
  // Distinct hosts worth remembering per incident: beyond this the impact cannot rise.
  uint32_t host_cap() const { return high.hosts > medium.hosts ? high.hosts : medium.hosts; }
};

Impact derive_impact(const PriorityMatrix& matrix, size_t services, size_t hosts);

struct PriorityInputs {
  uint8_t worst_severity = 3;  // lowest severity rank among firing members (the urgency)
  size_t services = 0;         // distinct services the incident's members span
  size_t hosts = 0;            // distinct hosts the incident's members span
};

core::Priority derive_priority(const PriorityInputs& in, const PriorityMatrix& matrix = {});

}  // namespace alertd::correlator
