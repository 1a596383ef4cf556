#pragma once
// The notify policy (issue 15 §2): what to tell whom, and when. A pure state
// machine over incidents as they are written: no clock, no I/O; the daemon
// runs it beside the store writer and hands its intents to the senders.
//
// * One message per incident state change, never one per alert: opened,
//   priority changed, acknowledged, assigned, escalated, resolved, closed,
//   reopened. Member changes are not messages; the next message shows them.
// * A new incident waits group_wait, so its first alerts arrive together in
//   the first message; one resolved within group_wait is never told.
// * repeat_interval (0: off) reminds while an incident stays active and
//   unacknowledged.
// * A route's escalation policy tells further people, step by step, while
//   the incident stays unacknowledged (escalation.h); an SLA escalation to
//   a level with a schedule (level_schedules) names who it has on call.
// * A suppressed incident (silence, maintenance, inhibition) is not told;
//   its resolution is, when its opening was and the receiver sends resolved
//   (Alertmanager's send_resolved, per receiver; default on).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/incident.h"
#include "core/labels.h"
#include "correlator/notify/escalation.h"
#include "correlator/notify/routes.h"

namespace alertd::correlator {

enum class NotifyChange : uint8_t {
  opened,
  priority_changed,
  acknowledged,
  assigned,
  escalated,
  resolved,
  closed,
  reopened,
  reminder,
  escalation_step,  // a step of the route's escalation policy (escalation.h)
};
std::string_view to_string(NotifyChange c);

/// The template a message takes: the workflow guide's initial notification,
/// status update and resolution notice.
enum class MessageStage : uint8_t { initial, update, resolution };
std::string_view to_string(MessageStage s);

struct NotifyPolicyConfig {
  core::Duration group_wait = std::chrono::seconds(10);
  core::Duration repeat_interval{0};
  std::vector<NotifyRoute> routes;
  std::vector<std::string> no_send_resolved;          // receivers with send_resolved: false
  std::vector<EscalationPolicy> escalation_policies;  // routes name them
  // The SLA escalation levels (2 L2, 3 L3, 4 incident_manager) whose
  // `escalated` message names who a schedule has on call.
  std::map<int, std::string> level_schedules;
  size_t max_tracked = 200'000;  // beyond, the oldest resolved are forgotten
};

/// One message to send to a receiver; when its route names a schedule, the
/// message names (mentions, mails) whoever that schedule has on call when it
/// is rendered.
struct NotifyIntent {
  std::string incident_id;
  std::string tenant;
  std::vector<NotifyChange> changes;  // most significant first
  MessageStage stage = MessageStage::initial;
  std::string receiver;
  std::string schedule;     // the message names who it has on call...
  std::string person;       // ...or this person (an escalation step)
  int escalation_step = 0;  // 1-based, on escalation_step messages
  Audience audience = Audience::it_staff;
  core::TimePoint changed_at = core::kNoTime;  // latency is measured from it
};

class NotifyPolicy {
 public:
  // What the last message told (or the first sight saw, before one).
  struct Told {
    core::IncidentStatus status = core::IncidentStatus::open;
    core::Priority priority = core::Priority::P3;
    std::string assignee;
    bool acknowledged = false;
    int escalation_level = 1;
  };

  explicit NotifyPolicy(NotifyPolicyConfig config) : config_(std::move(config)) {}

  /// Reload: new routes and waits apply to the next messages.
  void reconfigure(NotifyPolicyConfig config) { config_ = std::move(config); }

  /// An incident as just written at `now`. `labels`: its first member's, on
  /// the update that opened it (kept for routing); null otherwise.
  void observe(const core::Incident& incident, const core::LabelSet* labels, core::TimePoint now,
               std::vector<NotifyIntent>& out);

  /// After a restart: an incident as the store has it, and what its last
  /// message told (nullopt: none yet, so group_wait runs from its opening).
  /// Observing it again at once sends what changed since that message, so a
  /// change committed just before a crash is still told.
  void restore(const core::Incident& incident, core::LabelSet labels, std::optional<Told> told,
               core::TimePoint last_sent);

  /// Sends what group_wait and repeat_interval make due at `now`.
  void tick(core::TimePoint now, std::vector<NotifyIntent>& out);
  std::optional<core::TimePoint> next_due() const;

  size_t tracked() const { return tracked_.size(); }
  /// What a message sent now about `incident` tells.
  static Told told_of(const core::Incident& incident);
  /// The state changes between what was told and what is, most significant
  /// first (empty: nothing worth a message).
  static std::vector<NotifyChange> changes_between(const Told& told, const core::Incident& now);
  uint64_t forgotten_total() const { return forgotten_total_; }

 private:
  // Kept small: a few hundred bytes per active incident.
  struct Tracked {
    Told told;
    core::LabelSet labels;   // the first member's, for routing
    core::LabelSet routing;  // routing_labels() as last written
    std::string tenant;
    core::IncidentStatus status = core::IncidentStatus::open;
    bool suppressed = false;
    bool acknowledged = false;
    core::TimePoint changed_at = core::kNoTime;
    bool initial_sent = false;
    core::TimePoint last_sent = core::kNoTime;
    core::TimePoint due = core::kNoTime;          // its timer: group_wait or the reminder
    core::TimePoint resolved_at = core::kNoTime;  // its place in resolved_, while resolved
  };

  void track(const std::string& id, Tracked& t, const core::Incident& incident);
  void send(const std::string& id, Tracked& t, std::vector<NotifyChange> changes,
            core::TimePoint now, std::vector<NotifyIntent>& out);
  void after_send(const std::string& id, Tracked& t, core::TimePoint now);
  void schedule(const std::string& id, Tracked& t, core::TimePoint due);
  void forget(const std::string& id);
  void start_escalation(const std::string& id, const Tracked& t, core::TimePoint start,
                        core::TimePoint after);
  void escalate(const Escalations::Fired& fired, core::TimePoint now,
                std::vector<NotifyIntent>& out);
  void bound_tracked();

  NotifyPolicyConfig config_;
  std::map<std::string, Tracked> tracked_;
  std::set<std::pair<core::TimePoint, std::string>> timers_;
  std::set<std::pair<core::TimePoint, std::string>> resolved_;  // oldest first, for the bound
  Escalations escalations_;
  uint64_t forgotten_total_ = 0;
};

}  // namespace alertd::correlator
