// `people:` and `oncall:` (docs/notifications.md): who can be told, and the
// schedules that say who is on call. Every name a schedule uses must be a
// person; overrides must not overlap.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "config/sections.h"

namespace alertd::config {

namespace {

constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxPeople = 10000;
constexpr size_t kMaxSchedules = 1000;
constexpr size_t kMaxOverrides = 1000;  // per schedule

std::string read_name(const YAML::Node& n, const std::string& what) {
  std::string name = get_string(n, what);
  if (name.empty() || name.size() > kMaxNameBytes) {
    throw ConfigError(n, what + ": 1 to " + std::to_string(kMaxNameBytes) + " characters");
  }
  return name;
}

correlator::Person read_person(const YAML::Node& n, const std::string& where) {
  check_keys(n, {"name", "role", "slack_user", "email", "phone"}, where);
  if (!n["name"]) throw ConfigError(n, where + ": needs name");
  correlator::Person p;
  p.name = read_name(n["name"], where + ".name");
  if (n["role"]) {
    const auto text = get_string(n["role"], where + ".role");
    const auto role = core::parse_role(text);
    if (!role) throw ConfigError(n["role"], where + ".role: \"" + text + "\" is not a role");
    p.role = *role;
  }
  if (n["slack_user"]) p.slack_user = get_string(n["slack_user"], where + ".slack_user");
  if (n["email"]) {
    p.email = expand_env(n["email"], where + ".email");
    if (p.email.find('@') == std::string::npos ||
        p.email.find_first_of(" \r\n<>") != std::string::npos) {
      throw ConfigError(n["email"], where + ".email: \"" + p.email + "\" is not an address");
    }
  }
  if (n["phone"]) p.phone = get_string(n["phone"], where + ".phone");
  return p;
}

core::TimePoint read_instant(const YAML::Node& n, const std::string& what) {
  const auto text = get_string(n, what);
  const auto t = core::parse_rfc3339(text);
  if (!t) throw ConfigError(n, what + ": \"" + text + "\" is not an RFC 3339 time");
  return *t;
}

std::string read_member(const YAML::Node& n, const std::string& what, const OncallConfig& cfg) {
  auto name = read_name(n, what);
  if (cfg.person(name) == nullptr) {
    throw ConfigError(n, what + ": \"" + name + "\" is not one of people:");
  }
  return name;
}

void read_overrides(const YAML::Node& list, const std::string& where, const OncallConfig& cfg,
                    correlator::OncallSchedule& s) {
  if (!list.IsSequence()) throw ConfigError(list, where + ": expected a list");
  if (list.size() > kMaxOverrides) {
    throw ConfigError(list, where + ": more than " + std::to_string(kMaxOverrides));
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& o = list[i];
    const std::string what = where + "[" + std::to_string(i) + "]";
    check_keys(o, {"from", "to", "member"}, what);
    if (!o["from"] || !o["to"] || !o["member"])
      throw ConfigError(o, what + ": needs from, to, member");
    correlator::Override out{read_instant(o["from"], what + ".from"),
                             read_instant(o["to"], what + ".to"),
                             read_member(o["member"], what + ".member", cfg)};
    if (out.to <= out.from) throw ConfigError(o["to"], what + ".to: not after from");
    s.overrides.push_back(std::move(out));
  }
  if (auto overlap = correlator::overlapping_overrides(s.overrides)) {
    throw ConfigError(list, where + ": " + *overlap);
  }
  std::sort(s.overrides.begin(), s.overrides.end(),
            [](const auto& a, const auto& b) { return a.from < b.from; });
}

correlator::Rotation read_rotation(const YAML::Node& n, const std::string& where) {
  check_keys(n, {"every", "handoff", "start"}, where);
  const auto every =
      n["every"] ? get_duration(n["every"], where + ".every", false) : std::chrono::hours(24 * 7);
  const auto handoff = n["handoff"] ? get_string(n["handoff"], where + ".handoff") : "mon 09:00";
  const auto start = n["start"] ? get_string(n["start"], where + ".start") : "";
  auto r = correlator::parse_rotation(every, handoff, start);
  if (!r.ok()) throw ConfigError(n, where + ": " + r.error().message);
  return *r;
}

correlator::OncallSchedule read_schedule(const YAML::Node& n, const std::string& where,
                                         const OncallConfig& cfg) {
  check_keys(n, {"name", "timezone", "rotation", "members", "overrides"}, where);
  if (!n["name"] || !n["members"]) throw ConfigError(n, where + ": needs name and members");
  correlator::OncallSchedule s;
  s.name = read_name(n["name"], where + ".name");
  if (n["timezone"]) {
    auto zone = correlator::TimeZone::parse(get_string(n["timezone"], where + ".timezone"));
    if (!zone.ok()) throw ConfigError(n["timezone"], where + ".timezone: " + zone.error().message);
    s.zone = *zone;
  }
  if (n["rotation"]) s.rotation = read_rotation(n["rotation"], where + ".rotation");
  const auto& members = n["members"];
  if (!members.IsSequence() || members.size() == 0) {
    throw ConfigError(members, where + ".members: a list of at least one person");
  }
  for (size_t i = 0; i < members.size(); ++i) {
    s.members.push_back(
        read_member(members[i], where + ".members[" + std::to_string(i) + "]", cfg));
  }
  if (n["overrides"]) read_overrides(n["overrides"], where + ".overrides", cfg, s);
  return s;
}

}  // namespace

const correlator::Person* OncallConfig::person(std::string_view name) const {
  auto it =
      std::find_if(people.begin(), people.end(), [&](const auto& p) { return p.name == name; });
  return it == people.end() ? nullptr : &*it;
}

const correlator::OncallSchedule* OncallConfig::schedule(std::string_view name) const {
  auto it = std::find_if(schedules.begin(), schedules.end(),
                         [&](const auto& s) { return s.name == name; });
  return it == schedules.end() ? nullptr : &*it;
}

void read_people(const YAML::Node& n, Diagnostics& diag, OncallConfig& out) {
  std::set<std::string> slack_users;
  read_list(n, "people", kMaxPeople, diag, [&](const YAML::Node& item, const std::string& where) {
    auto p = read_person(item, where);
    if (out.person(p.name) != nullptr) {
      throw ConfigError(item["name"], where + ".name: \"" + p.name + "\" is listed twice");
    }
    if (!p.slack_user.empty() && !slack_users.insert(p.slack_user).second) {
      throw ConfigError(item["slack_user"], where + ".slack_user: used by another person");
    }
    out.people.push_back(std::move(p));
  });
}

void read_oncall(const YAML::Node& n, Diagnostics& diag, OncallConfig& out) {
  if (!diag.guard([&] { check_keys(n, {"schedules"}, "oncall"); }) || !n["schedules"]) return;
  read_list(n["schedules"], "oncall.schedules", kMaxSchedules, diag,
            [&](const YAML::Node& item, const std::string& where) {
              auto s = read_schedule(item, where, out);
              if (out.schedule(s.name) != nullptr) {
                throw ConfigError(item["name"],
                                  where + ".name: \"" + s.name + "\" is listed twice");
              }
              out.schedules.push_back(std::move(s));
            });
}

}  // namespace alertd::config
