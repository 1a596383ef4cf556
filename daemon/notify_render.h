#pragma once
// A notification's words: an intent of the notify policy, rendered with its
// receiver's templates from the incident as committed, into the outbox row
// the store keeps until it is delivered; and that row as the dispatcher's
// message. Used by the store writer's notifier and by POST /api/v1/notify/test.

#include <string_view>

#include "config/config.h"
#include "config/settings.h"
#include "core/incident.h"
#include "correlator/notify/policy.h"
#include "correlator/oncall/schedule.h"
#include "sinks/notify/message.h"
#include "sinks/store/notify_store.h"

namespace alertd::daemon {

/// The person `schedule` has on call at `now`, or null (no such schedule,
/// nobody on call, or the route names none).
const correlator::Person* on_call_person(const config::OncallConfig& oncall,
                                         std::string_view schedule, core::TimePoint now);

/// The outbox row for `intent` to `receiver` about `incident` at `now`.
sinks::OutboxMessage render_message(const config::NotifyReceiverConfig& receiver,
                                    const core::Incident& incident,
                                    const correlator::NotifyIntent& intent,
                                    const correlator::Person* on_call,
                                    std::string_view external_url, core::TimePoint now);

/// POST /api/v1/notify/test's message: a made-up P4 incident ("TEST-…",
/// title "alertd test message") rendered as an initial notification.
sinks::OutboxMessage test_message(const config::NotifyReceiverConfig& receiver,
                                  const config::Settings& settings, core::TimePoint now);

/// The dispatcher's message for a stored row (its seq the message id).
sinks::notify::Message to_delivery(const sinks::OutboxMessage& row);

/// The told state kept for `incident` once a message about it is enqueued at `now`.
sinks::NotifyTold told_record(const core::Incident& incident, core::TimePoint now);
/// The policy's view of a kept told state.
correlator::NotifyPolicy::Told policy_told(const sinks::NotifyTold& told);

}  // namespace alertd::daemon
