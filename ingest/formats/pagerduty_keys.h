#pragma once
// PagerDuty acknowledge and resolve events carry only the dedup_key, so the
// labels its trigger gave the key are kept here (bounded, per tenant, oldest
// evicted first) to address the same alert. Shared by every path that takes
// PagerDuty events (the HTTP routes and Kafka topics). Thread-safe.

#include "core/alert.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {

/// The most dedup keys remembered, all tenants together.
inline constexpr size_t kMaxPagerDutyKeys = 100000;

/// A trigger remembers its alert's labels and annotations under
/// (tenant, dedup_key); acknowledge and resolve get them back (resolve
/// forgets the key). False when the key is not known: there is no alert to
/// act on (never triggered, evicted, or triggered before a restart).
bool address_pagerduty_alert(const PagerDutyEvent& event, core::Alert& alert);

}  // namespace alertd::ingest
