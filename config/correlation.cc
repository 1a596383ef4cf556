// The correlator's sections: `correlation:` (grouping, topology file, flap
// damping, settle), `inhibit:`, `priority:` and `maintenance:`. Every entry
// is read under its own guard, so one bad entry does not hide the next.

#include <set>
#include <string>

#include "config/sections.h"
#include "correlator/suppression/schedule.h"

namespace alertd::config {

namespace {

namespace fs = std::filesystem;
using correlator::CorrelatorConfig;

constexpr size_t kMaxTopologyServices = 2000;  // the index is O(services^2) at worst
constexpr size_t kMaxFlapTransitions = 1000;
constexpr size_t kMaxImpactCount = 1'000'000;
constexpr auto kMaxWindowDuration = std::chrono::hours(24 * 31);

void read_flap(const YAML::Node& n, correlator::FlapConfig& f) {
  check_keys(n, {"transitions", "within", "hold"}, "correlation.flap");
  if (n["transitions"]) {
    f.transitions = static_cast<uint32_t>(
        get_size(n["transitions"], "correlation.flap.transitions", 0, kMaxFlapTransitions));
  }
  if (n["within"]) f.within = get_duration(n["within"], "correlation.flap.within", false);
  if (n["hold"]) f.hold = get_duration(n["hold"], "correlation.flap.hold");
}

// services.yaml: `services: {name: [dependency, ...]}`; errors name that file.
void read_topology_file(const fs::path& path, const YAML::Node& from, Diagnostics& diag,
                        correlator::Topology& out) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    diag.guard([&] {
      throw ConfigError(from, "correlation.topology: \"" + path.string() + "\" is not a file");
    });
    return;
  }
  YAML::Node root = load_yaml_file(path, diag);
  Diagnostics::FileScope scope(diag, path.string());
  if (root.IsNull()) return;
  if (!diag.guard([&] { check_keys(root, {"services"}, "a topology file"); })) return;
  const YAML::Node& services = root["services"];
  if (!services || !services.IsMap()) {
    diag.guard([&] {
      throw ConfigError(services ? services : root,
                        "a topology file needs `services:` mapping service -> [dependencies]");
    });
    return;
  }
  std::map<std::string, int> lines;
  for (const auto& kv : services) {
    diag.guard([&] {
      auto name = get_string(kv.first, "services");
      if (name.empty()) throw ConfigError(kv.first, "services: empty service name");
      std::vector<std::string> deps;
      if (!kv.second.IsNull()) deps = get_string_list(kv.second, "services." + name);
      for (const auto& d : deps) {
        if (d.empty()) throw ConfigError(kv.second, "services." + name + ": empty dependency");
      }
      if (!lines.emplace(name, kv.first.Mark().line + 1).second) {
        throw ConfigError(kv.first, "services: \"" + name + "\" is listed twice");
      }
      out.services[name] = std::move(deps);
    });
  }
  if (out.services.size() > kMaxTopologyServices) {
    diag.error("more than " + std::to_string(kMaxTopologyServices) + " services");
  }
  if (auto cycle = correlator::find_cycle(out)) {
    auto first = cycle->substr(0, cycle->find(" -> "));
    diag.error(lines.count(first) ? lines[first] : 1, "dependency cycle: " + *cycle);
  }
}

// `own_failures`: a list whose items are one matcher or a list of matchers
// that must all hold.
std::vector<core::Matchers> read_own_failures(const YAML::Node& n) {
  const std::string what = "correlation.own_failures";
  if (!n.IsSequence()) throw ConfigError(n, what + ": expected a list of matcher sets");
  std::vector<core::Matchers> out;
  for (size_t i = 0; i < n.size(); ++i) {
    std::string where = what + "[" + std::to_string(i) + "]";
    if (n[i].IsSequence() && n[i].size() == 0) throw ConfigError(n[i], where + ": is empty");
    out.push_back(get_matchers(n[i], where));
  }
  return out;
}

void read_correlation_section(const YAML::Node& n, const fs::path& base_dir, Diagnostics& diag,
                              CorrelatorConfig& c) {
  if (!diag.guard([&] {
        check_keys(n,
                   {"group_by", "group_by_fallback", "group_window", "topology", "flap", "settle",
                    "own_failures"},
                   "correlation");
      })) {
    return;
  }
  if (n["group_by"]) {
    diag.guard([&] { c.group_by = get_string_list(n["group_by"], "correlation.group_by"); });
  }
  if (n["group_by_fallback"]) {
    diag.guard([&] {
      c.group_by_fallback =
          get_string_list(n["group_by_fallback"], "correlation.group_by_fallback");
    });
  }
  if (n["group_window"]) {
    diag.guard([&] {
      c.group_window = get_duration(n["group_window"], "correlation.group_window", false);
    });
  }
  if (n["settle"]) {
    diag.guard([&] { c.settle = get_duration(n["settle"], "correlation.settle"); });
  }
  if (n["flap"]) diag.guard([&] { read_flap(n["flap"], c.flap); });
  if (n["own_failures"]) diag.guard([&] { c.own_failures = read_own_failures(n["own_failures"]); });
  if (n["topology"]) {
    std::string file;
    if (diag.guard([&] { file = get_string(n["topology"], "correlation.topology"); })) {
      c.topology = {};
      read_topology_file(resolve_path(base_dir, file), n["topology"], diag, c.topology);
    }
  }
}

correlator::InhibitRule read_inhibit_rule(const YAML::Node& n, size_t index) {
  std::string where = "inhibit[" + std::to_string(index) + "]";
  check_keys(n, {"name", "source", "target", "equal"}, where);
  correlator::InhibitRule r;
  r.name = n["name"] ? get_string(n["name"], where + ".name") : "inhibit-" + std::to_string(index);
  if (r.name.empty()) throw ConfigError(n["name"], where + ".name: must not be empty");
  for (const char* side : {"source", "target"}) {
    if (!n[side] || (n[side].IsSequence() && n[side].size() == 0)) {
      throw ConfigError(n, where + ": needs " + side + " matchers");
    }
  }
  r.source = get_matchers(n["source"], where + ".source");
  r.target = get_matchers(n["target"], where + ".target");
  if (n["equal"]) r.equal = get_string_list(n["equal"], where + ".equal");
  return r;
}

void read_inhibit(const YAML::Node& list, Diagnostics& diag, CorrelatorConfig& c) {
  if (list.IsNull()) return;
  if (!list.IsSequence()) {
    diag.guard([&] { throw ConfigError(list, "inhibit: expected a list of rules"); });
    return;
  }
  std::set<std::string> names;
  size_t i = 0;
  for (const auto& item : list) {
    size_t index = i++;
    diag.guard([&] {
      auto rule = read_inhibit_rule(item, index);
      if (!names.insert(rule.name).second) {
        throw ConfigError(
            item, "inhibit[" + std::to_string(index) + "]: duplicate name \"" + rule.name + "\"");
      }
      c.inhibit.push_back(std::move(rule));
    });
  }
}

void read_threshold(const YAML::Node& n, const std::string& what, correlator::ImpactThreshold& t) {
  check_keys(n, {"services", "hosts"}, what);
  if (n["services"]) {
    t.services =
        static_cast<uint32_t>(get_size(n["services"], what + ".services", 0, kMaxImpactCount));
  }
  if (n["hosts"]) {
    t.hosts = static_cast<uint32_t>(get_size(n["hosts"], what + ".hosts", 0, kMaxImpactCount));
  }
}

void read_matrix_row(const YAML::Node& n, const std::string& what,
                     std::array<core::Priority, 3>& row) {
  if (!n.IsSequence() || n.size() != 3) {
    throw ConfigError(n, what + ": expected 3 priorities for impact [high, medium, low]");
  }
  for (size_t i = 0; i < 3; ++i) {
    auto text = get_string(n[i], what);
    auto p = core::parse_priority(text);
    if (!p) throw ConfigError(n[i], what + ": \"" + text + "\" is not one of P1, P2, P3, P4");
    row[i] = *p;
  }
}

void read_priority(const YAML::Node& n, Diagnostics& diag, CorrelatorConfig& c) {
  if (!diag.guard([&] { check_keys(n, {"impact", "matrix"}, "priority"); })) return;
  correlator::PriorityMatrix& m = c.priority;
  if (const auto& impact = n["impact"]) {
    diag.guard([&] {
      check_keys(impact, {"high", "medium"}, "priority.impact");
      if (impact["high"]) read_threshold(impact["high"], "priority.impact.high", m.high);
      if (impact["medium"]) read_threshold(impact["medium"], "priority.impact.medium", m.medium);
    });
  }
  if (const auto& matrix = n["matrix"]) {
    // An unknown row is reported; the known rows are still read and checked.
    bool known = diag.guard([&] {
      check_keys(matrix, {"sev1", "sev2", "sev3", "sev4"}, "priority.matrix");
    });
    if (!known && !matrix.IsMap()) return;
    for (size_t row = 0; row < 4; ++row) {
      std::string key = "sev" + std::to_string(row + 1);
      if (!matrix[key]) continue;
      diag.guard([&] { read_matrix_row(matrix[key], "priority.matrix." + key, m.matrix[row]); });
    }
  }
}

correlator::Schedule read_weekly(const YAML::Node& w, const std::string& what,
                                 std::optional<core::Duration>& duration) {
  check_keys(w, {"days", "start", "duration", "timezone"}, what);
  if (!w["days"] || !w["start"]) throw ConfigError(w, what + ": needs days and start");
  auto days = get_string_list(w["days"], what + ".days");
  auto start = get_string(w["start"], what + ".start");
  std::string tz = w["timezone"] ? get_string(w["timezone"], what + ".timezone") : "UTC";
  if (w["duration"]) duration = get_duration(w["duration"], what + ".duration", false);
  auto s = correlator::weekly_schedule(days, start, tz);
  if (!s.ok()) throw ConfigError(w, what + ": " + s.error().message);
  return *s;
}

// `cron:` with the window's optional `timezone:` (UTC by default).
correlator::Schedule read_cron(const YAML::Node& n, const std::string& where) {
  correlator::TimeZone zone;
  if (n["timezone"]) {
    auto parsed = correlator::TimeZone::parse(get_string(n["timezone"], where + ".timezone"));
    if (!parsed.ok()) {
      throw ConfigError(n["timezone"], where + ".timezone: " + parsed.error().message);
    }
    zone = *parsed;
  }
  auto s = correlator::parse_cron(get_string(n["cron"], where + ".cron"), zone);
  if (!s.ok()) throw ConfigError(n["cron"], where + ".cron: " + s.error().message);
  return *s;
}

correlator::MaintenanceWindow read_window(const YAML::Node& n, size_t index) {
  std::string where = "maintenance[" + std::to_string(index) + "]";
  check_keys(n, {"name", "match", "weekly", "cron", "timezone", "duration"}, where);
  correlator::MaintenanceWindow w;
  if (!n["name"]) throw ConfigError(n, where + ": a maintenance window needs a name");
  w.name = get_string(n["name"], where + ".name");
  if (w.name.empty()) throw ConfigError(n["name"], where + ".name: must not be empty");
  where = "maintenance \"" + w.name + "\"";
  // A window without matchers would mute everything: say so explicitly.
  if (!n["match"]) throw ConfigError(n, where + ": needs match: [matchers]");
  w.matchers = get_matchers(n["match"], where + ".match");
  if (w.matchers.empty()) throw ConfigError(n["match"], where + ".match: needs a matcher");
  if (static_cast<bool>(n["weekly"]) == static_cast<bool>(n["cron"])) {
    throw ConfigError(n, where + ": needs exactly one of weekly: or cron:");
  }
  std::optional<core::Duration> duration;
  if (n["weekly"]) {
    if (n["timezone"]) {
      throw ConfigError(n["timezone"],
                        where + ".timezone: goes inside weekly: for a weekly window");
    }
    w.schedule = read_weekly(n["weekly"], where + ".weekly", duration);
  } else {
    w.schedule = read_cron(n, where);
  }
  if (n["duration"]) {
    if (duration) throw ConfigError(n["duration"], where + ": duration is given twice");
    duration = get_duration(n["duration"], where + ".duration", false);
  }
  if (!duration) throw ConfigError(n, where + ": needs a duration (e.g. duration: 2h)");
  if (*duration > kMaxWindowDuration) {
    throw ConfigError(n["duration"] ? n["duration"] : n["weekly"],
                      where + ": duration is over 31d");
  }
  w.duration = *duration;
  return w;
}

void read_maintenance(const YAML::Node& list, Diagnostics& diag, CorrelatorConfig& c) {
  if (list.IsNull()) return;
  if (!list.IsSequence()) {
    diag.guard([&] { throw ConfigError(list, "maintenance: expected a list of windows"); });
    return;
  }
  std::set<std::string> names;
  size_t i = 0;
  for (const auto& item : list) {
    size_t index = i++;
    diag.guard([&] {
      auto window = read_window(item, index);
      if (!names.insert(window.name).second) {
        throw ConfigError(item["name"], "maintenance: duplicate name \"" + window.name + "\"");
      }
      c.maintenance.push_back(std::move(window));
    });
  }
}

}  // namespace

void read_correlation(const YAML::Node& root, const std::filesystem::path& base_dir,
                      Diagnostics& diag, correlator::CorrelatorConfig& c) {
  // rule_group_by is filled from the rules by the caller.
  if (const auto& n = root["correlation"]; n && !n.IsNull()) {
    read_correlation_section(n, base_dir, diag, c);
  }
  if (const auto& n = root["inhibit"]) read_inhibit(n, diag, c);
  if (const auto& n = root["priority"]; n && !n.IsNull()) read_priority(n, diag, c);
  if (const auto& n = root["maintenance"]) read_maintenance(n, diag, c);
}

}  // namespace alertd::config
