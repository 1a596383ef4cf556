#pragma once
// Notification routing (issue 15 §4): `notify.routes`, in order, each with
// matchers over an incident's fields and labels, the receivers (or on-call
// schedule) it tells, and the audience its messages are written for. As in
// Alertmanager, the first matching route takes the incident unless it says
// `continue: true`; an incident no route takes is told to no one (and
// counted by the caller).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "core/labels.h"
#include "core/matcher.h"

namespace alertd::correlator {

/// Who a message is written for (the incident workflow guide's groups).
enum class Audience : uint8_t { it_staff, end_users, stakeholders, executives };
std::string_view to_string(Audience a);  // "IT_staff", "end_users", ...
std::optional<Audience> parse_audience(std::string_view text);

struct NotifyRoute {
  core::Matchers match;                // empty: every incident
  std::vector<std::string> receivers;  // names of notify.receivers
  std::string schedule;  // an on-call schedule: its messages name (mention, mail) who is on call
  Audience audience = Audience::it_staff;
  std::string escalation_policy;   // escalation_policies name: runs from the first message
  bool continue_matching = false;  // `continue: true`: later routes are tried too
};

/// The names routes match: the incident's own fields, then the labels of
/// its first member for every other name. Fields: priority (P1..P4),
/// severity (sev1..sev4: every sender's dialect normalised), service,
/// tenant, team, status, category, rule, root_service.
core::LabelSet routing_labels(const core::Incident& incident, const core::LabelSet& labels);

/// The indexes of the routes that take an incident with `routing` labels, in order.
std::vector<size_t> matching_routes(const std::vector<NotifyRoute>& routes,
                                    const core::LabelSet& routing);

}  // namespace alertd::correlator
