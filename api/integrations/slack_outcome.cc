#include "api/integrations/slack_outcome.h"

#include <algorithm>
#include <vector>

#include "core/matcher.h"
#include "sinks/notify/template.h"

namespace alertd::api::slack {

namespace {

using sinks::notify::Escape;

// Inside a JSON string, with Slack's & < > escaped: a title or a refusal's
// detail cannot ping <!channel>. `markup`: alertd's own (a <@U…> mention).
void append_text(std::string& out, std::string_view text, bool markup = false) {
  sinks::notify::append_escaped(out, text, Escape::slack_json, markup);
}

// The labels of `a` that `b` has with the same value.
core::LabelSet common(const core::LabelSet& a, const core::LabelSet& b) {
  core::LabelSet out;
  for (const auto& label : a) {
    if (b.get(label.name) == std::optional<std::string_view>(label.value)) {
      out.set(label.name, label.value);
    }
  }
  return out;
}

// The labels every member has alike, of the label sets `of` picks.
template <typename Pick>
core::LabelSet shared_by_all(const std::vector<core::Member>& members, Pick of) {
  core::LabelSet shared = of(members.front());
  for (size_t i = 1; i < members.size() && !shared.empty(); ++i) {
    shared = common(shared, of(members[i]));
  }
  return shared;
}

// Slack's username, or the user id when Slack sent none.
std::string_view display_name(const Interaction& in) {
  return in.user_name.empty() ? in.user_id : in.user_name;
}

std::string_view done_text(std::string_view action_id) {
  if (action_id == "acknowledge") return "acknowledged";
  if (action_id == "resolve") return "resolved";
  return "silenced for 1h";
}

}  // namespace

const correlator::Person* person_of(const config::OncallConfig& oncall, std::string_view user_id) {
  auto it = std::find_if(oncall.people.begin(), oncall.people.end(), [&](const auto& p) {
    return !p.slack_user.empty() && p.slack_user == user_id;
  });
  return it == oncall.people.end() ? nullptr : &*it;
}

std::string actor_of(const Interaction& in) {
  return "slack:" + std::string(display_name(in));
}

core::LifecycleCommand command_for(const Interaction& in, const correlator::Person& person,
                                   std::string tenant) {
  core::LifecycleCommand cmd;
  cmd.action = in.action_id == "resolve" ? core::LifecycleAction::resolve
                                         : core::LifecycleAction::acknowledge;
  cmd.incident_id = in.incident_id;
  cmd.actor = actor_of(in);
  cmd.authenticated = true;  // Slack's signature vouches for the user
  cmd.role = person.role;
  cmd.tenant = std::move(tenant);
  if (cmd.action == core::LifecycleAction::resolve) {
    cmd.text = "resolved from Slack by " + std::string(display_name(in));
  }
  return cmd;
}

core::Result<core::Silence> silence_for(const Interaction& in, const sinks::IncidentDetail& detail,
                                        const correlator::CorrelatorConfig& correlation,
                                        core::TimePoint now) {
  const auto& inc = detail.incident;
  core::LabelSet labels;
  if (!detail.members.empty()) {
    const correlator::GroupingPolicy grouping(correlation.group_by, correlation.group_by_fallback,
                                              correlation.rule_group_by);
    labels = shared_by_all(detail.members, [&](const core::Member& m) {
      return grouping.group_labels(m.labels, inc.rule);
    });
    if (labels.empty()) {
      labels = shared_by_all(detail.members, [](const core::Member& m) { return m.labels; });
    }
  }
  if (labels.empty()) {
    return core::Error{"no_common_labels",
                       inc.id + " has no label common to all its alerts to silence them by"};
  }
  core::Silence s;
  for (const auto& label : labels) {
    auto m = core::Matcher::make(label.name, core::MatchOp::equal, label.value);
    if (!m) return m.error();
    s.matchers.push_back(m->to_string());
  }
  s.tenant = inc.tenant;
  s.starts_at = now;
  s.ends_at = now + kSilenceLength;
  s.created_by = actor_of(in);
  s.comment = "silenced for 1h from Slack: " + inc.id + " " + inc.title;
  s.created_at = now;
  s.updated_at = now;
  return s;
}

std::string ephemeral_message(std::string_view text) {
  std::string out = R"({"response_type":"ephemeral","replace_original":false,"text":")";
  append_text(out, text);
  return out + "\"}";
}

std::string outcome_message(const core::Incident& inc, std::string_view action_id,
                            std::string_view user_id) {
  std::string out = R"({"replace_original":true,"text":")";
  append_text(out, inc.id + " " + inc.title + ": ");
  append_text(out, done_text(action_id));
  append_text(out, " by ");
  // user_id equals a configured people[].slack_user: alertd's own markup.
  append_text(out, "<@" + std::string(user_id) + ">", true);
  return out + "\"}";
}

}  // namespace alertd::api::slack
