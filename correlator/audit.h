#pragma once
// Audit entries the correlator writes, and their JSON details. One place,
// so every file of the correlator words its entries the same way.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/incident.h"

namespace alertd::correlator {

core::AuditEntry audit_entry(const core::Incident& inc, core::TimePoint at, std::string_view action,
                             std::string detail);

// {"fingerprint":"<16 hex>"} plus extra string fields in the order given.
std::string fingerprint_detail(
    uint64_t fingerprint,
    std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {});

// {"from":..., "to":...} plus extra string fields in the order given.
std::string from_to_detail(
    std::string_view from, std::string_view to,
    std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {});

}  // namespace alertd::correlator
