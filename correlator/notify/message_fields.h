#pragma once
// The values a message template renders (sinks/notify/default_templates.h
// names the fields and documents them), made from the incident as it is when
// the message is sent and the intent that asked for it.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/incident.h"
#include "correlator/notify/policy.h"
#include "correlator/oncall/schedule.h"

namespace alertd::correlator {

class MessageFields {
 public:
  /// `base_url`: where alertd's API is reached from the people told
  /// (notify.external_url); `on_call`: who the route's schedule has on call
  /// now, if it has one; `routing_key`: the PagerDuty receiver's.
  MessageFields(const core::Incident& incident, const NotifyIntent& intent,
                std::string_view base_url, const Person* on_call, std::string_view routing_key);

  /// The value of a field; nullopt for a name no message has.
  std::optional<std::string_view> get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return values_; }

 private:
  void set(std::string name, std::string value) {
    values_.emplace_back(std::move(name), std::move(value));
  }
  std::vector<std::pair<std::string, std::string>> values_;
};

/// PagerDuty's event_action for an intent: resolve for a resolution or a
/// close, acknowledge for an acknowledgement, else trigger.
std::string_view pagerduty_action(const NotifyIntent& intent);
/// PagerDuty's severity for sev1..sev4: critical, error, warning, info.
std::string_view pagerduty_severity(std::string_view sev);

}  // namespace alertd::correlator
