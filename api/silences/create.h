#pragma once
// Creating a silence, shared by POST /api/v1/silences and Slack's
// silence_1h button, so that both count against limits.max_silences, hand
// the correlator the new set and log the same way.

#include <variant>

#include "api/api_context.h"
#include "api/json_body.h"
#include "core/silence.h"
#include "core/time.h"

namespace alertd::sinks {
class Store;
}

namespace alertd::api {

/// Inserts `silence` (checked already: matchers, times, tenant) and calls
/// ctx.silences_changed. Runs on the store writer thread, which makes every
/// silence of this daemon, so the count cannot move between the limit check
/// and the insert. Refusals: 429 silence_limit when limits.max_silences
/// silences are active or pending (of any tenant: the correlator keeps them
/// all in memory), 400 invalid_silence when the store refuses the input,
/// 503 store_unavailable.
std::variant<core::Silence, Refusal> create_silence(ApiContext& ctx, sinks::Store& store,
                                                    core::Silence silence, core::TimePoint now);

}  // namespace alertd::api
