#pragma once
// What a Slack button click becomes, as pure functions the route and the
// unit tests share: the person who clicked, the lifecycle command or the
// silence it asks for, and the messages posted back to its response_url
// (Slack ignores the HTTP body of a block_actions answer: the post is what
// the user sees).

#include <string>
#include <string_view>

#include "api/integrations/slack_interaction.h"
#include "config/config.h"
#include "core/incident.h"
#include "core/lifecycle.h"
#include "core/result.h"
#include "core/silence.h"
#include "correlator/correlator.h"
#include "sinks/store/incident_store.h"

namespace alertd::api::slack {

/// How long silence_1h silences.
inline constexpr auto kSilenceLength = std::chrono::hours(1);

/// The person whose people[].slack_user is `user_id`; nullptr for none.
const correlator::Person* person_of(const config::OncallConfig& oncall, std::string_view user_id);

/// The role each button needs (as its API endpoint does: auth.h).
inline constexpr core::Role kNeededRole = core::Role::responder;

/// `slack:<user_name>` (the user id when Slack sent no name): the actor the
/// audit trail records.
std::string actor_of(const Interaction& in);

/// acknowledge or resolve as `person`, authenticated by Slack's signature,
/// for the incident's `tenant` (people have none: the Slack app acts for
/// the whole daemon, and the incident's own tenant is the one it acts in).
core::LifecycleCommand command_for(const Interaction& in, const correlator::Person& person,
                                   std::string tenant);

/// silence_1h: a silence of the incident's tenant from `now` for an hour
/// whose matchers are the incident's group labels (correlation.group_by, or
/// its rule's), those every member shares; when topology merged members with
/// different group labels, the labels every member shares. Error reason
/// "no_common_labels" when no label is common to all members.
core::Result<core::Silence> silence_for(const Interaction& in, const sinks::IncidentDetail& detail,
                                        const correlator::CorrelatorConfig& correlation,
                                        core::TimePoint now);

/// {"response_type":"ephemeral","replace_original":false,"text":...}: seen
/// only by the user who clicked; the original message stays.
std::string ephemeral_message(std::string_view text);

/// {"replace_original":true,"text":"<id> <title>: <done> by <@user>"}, with
/// `done` "acknowledged", "resolved" or "silenced for 1h".
std::string outcome_message(const core::Incident& inc, std::string_view action_id,
                            std::string_view user_id);

}  // namespace alertd::api::slack
