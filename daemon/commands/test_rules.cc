#include "daemon/commands/test_rules.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>

#include "config/config.h"
#include "config/yaml.h"
#include "core/fingerprint.h"
#include "daemon/commands/serial_engine.h"

namespace alertd::daemon {

// The YAML readers and diagnostics the config files use, for the test files.
using config::check_keys;
using config::ConfigError;
using config::Diagnostics;
using config::get_bool;
using config::get_duration;
using config::get_matchers;
using config::get_size;
using config::get_string;
using config::get_string_map;
using config::load_yaml_file;
using config::resolve_path;

namespace {

constexpr std::string_view kDefaultStart = "2026-01-01T00:00:00Z";

struct InputAlert {
  core::Alert alert;     // times are set when it is fed
  core::Duration lease;  // a firing alert's ends_at, from receipt
};

struct InputStep {
  core::Duration at{};
  std::vector<InputAlert> alerts;
};

struct MemberExpectation {
  std::map<std::string, std::string> labels;  // a subset of the member's labels
  std::optional<std::string> status, suppressed_by;
  std::optional<bool> flapping;
  std::optional<core::Duration> first_seen;  // offset from the test's start, like `at`
  std::optional<uint64_t> event_count;
};

struct IncidentExpectation {
  std::map<std::string, std::string> fields;  // compared as text: group, status, priority, ...
  std::optional<std::vector<MemberExpectation>> members;
};

struct Check {
  core::Duration at{};
  std::vector<IncidentExpectation> incidents;
  int line = 0;
};

struct RuleTest {
  std::string name;
  core::TimePoint start = core::kNoTime;
  std::vector<InputStep> input;
  std::vector<core::Silence> silences;
  std::vector<Check> checks;
};

// The fields an expected incident may name, and how to read them off an incident.
const std::map<std::string, std::string (*)(const core::Incident&)>& incident_fields() {
  static const std::map<std::string, std::string (*)(const core::Incident&)> fields{
      {"group", [](const core::Incident& i) { return i.group_key; }},
      {"status", [](const core::Incident& i) { return std::string(core::to_string(i.status)); }},
      {"priority",
       [](const core::Incident& i) { return std::string(core::to_string(i.priority)); }},
      {"severity", [](const core::Incident& i) { return i.severity; }},
      {"service", [](const core::Incident& i) { return i.service; }},
      {"rule", [](const core::Incident& i) { return i.rule; }},
      {"title", [](const core::Incident& i) { return i.title; }},
      {"category", [](const core::Incident& i) { return i.category; }},
      {"impact", [](const core::Incident& i) { return i.impact; }},
      {"root_service", [](const core::Incident& i) { return i.root_service; }},
      {"tenant", [](const core::Incident& i) { return i.tenant; }},
      {"flapping",
       [](const core::Incident& i) { return std::string(i.flapping ? "true" : "false"); }},
      {"suppressed",
       [](const core::Incident& i) { return std::string(i.suppressed ? "true" : "false"); }},
      {"alerts", [](const core::Incident& i) { return std::to_string(i.alert_count); }},
      {"firing", [](const core::Incident& i) { return std::to_string(i.firing_count); }},
  };
  return fields;
}

core::TimePoint get_time(const YAML::Node& n, std::string_view what) {
  auto text = get_string(n, what);
  auto t = core::parse_rfc3339(text);
  if (!t) throw ConfigError(n, std::string(what) + ": \"" + text + "\" is not an RFC 3339 time");
  return *t;
}

InputAlert read_alert(const YAML::Node& n, const config::DaemonConfig& config) {
  check_keys(n, {"labels", "annotations", "status", "source", "tenant", "ends_in"}, "alert");
  core::Alert a;
  if (!n["labels"]) throw ConfigError(n, "alert: labels are required");
  for (const auto& [k, v] : get_string_map(n["labels"], "alert.labels")) a.labels.append(k, v);
  a.labels.normalize();
  if (n["annotations"]) {
    for (const auto& [k, v] : get_string_map(n["annotations"], "alert.annotations")) {
      a.annotations.append(k, v);
    }
    a.annotations.normalize();
  }
  if (n["status"]) {
    auto status = core::parse_alert_status(get_string(n["status"], "alert.status"));
    if (!status) throw ConfigError(n["status"], "alert.status: expected firing or resolved");
    a.status = *status;
  }
  if (n["source"]) a.source = get_string(n["source"], "alert.source");
  if (n["tenant"]) a.tenant = get_string(n["tenant"], "alert.tenant");
  a.fingerprint = core::fingerprint(a.labels);
  // ends_in: the lease a firing alert announces; without it, as the HTTP
  // ingest does, resolve_timeout from receipt.
  auto lease = n["ends_in"] ? get_duration(n["ends_in"], "alert.ends_in") : config.resolve_timeout;
  return InputAlert{std::move(a), lease};
}

void read_input(const YAML::Node& n, const config::DaemonConfig& config, RuleTest& test) {
  if (!n.IsSequence()) throw ConfigError(n, "input: expected a list of {at, alerts}");
  for (const auto& step : n) {
    check_keys(step, {"at", "alerts", "repeat", "every"}, "input");
    if (!step["at"] || !step["alerts"]) throw ConfigError(step, "input: needs at and alerts");
    InputStep base;
    base.at = get_duration(step["at"], "input.at");
    if (!step["alerts"].IsSequence()) throw ConfigError(step["alerts"], "alerts: expected a list");
    for (const auto& a : step["alerts"]) base.alerts.push_back(read_alert(a, config));
    size_t repeat = step["repeat"] ? get_size(step["repeat"], "input.repeat", 1, 100000) : 1;
    core::Duration every =
        step["every"] ? get_duration(step["every"], "input.every", false) : core::Duration{};
    if (repeat > 1 && !step["every"]) throw ConfigError(step, "input: repeat needs every");
    for (size_t i = 0; i < repeat; ++i) {
      InputStep s = base;
      s.at = base.at + every * static_cast<int64_t>(i);
      test.input.push_back(std::move(s));
    }
  }
}

MemberExpectation read_member(const YAML::Node& n) {
  check_keys(n, {"labels", "status", "suppressed_by", "flapping", "first_seen", "event_count"},
             "member");
  MemberExpectation m;
  if (n["labels"]) m.labels = get_string_map(n["labels"], "member.labels");
  if (n["status"]) m.status = get_string(n["status"], "member.status");
  if (n["suppressed_by"]) m.suppressed_by = get_string(n["suppressed_by"], "member.suppressed_by");
  if (n["flapping"]) m.flapping = get_bool(n["flapping"], "member.flapping");
  if (n["first_seen"]) m.first_seen = get_duration(n["first_seen"], "member.first_seen");
  if (n["event_count"]) {
    m.event_count = get_size(n["event_count"], "member.event_count", 1, UINT32_MAX);
  }
  return m;
}

IncidentExpectation read_incident(const YAML::Node& n) {
  if (!n.IsMap()) throw ConfigError(n, "incidents: expected a list of mappings");
  IncidentExpectation e;
  for (const auto& kv : n) {
    auto key = kv.first.as<std::string>();
    if (key == "members") {
      if (!kv.second.IsSequence()) throw ConfigError(kv.second, "members: expected a list");
      e.members.emplace();
      for (const auto& m : kv.second) e.members->push_back(read_member(m));
    } else if (incident_fields().contains(key)) {
      e.fields[key] = get_string(kv.second, key);
    } else {
      std::string known = "members";
      for (const auto& [name, _] : incident_fields()) known += ", " + name;
      throw ConfigError(kv.first, "unknown incident field \"" + key + "\" (known: " + known + ")");
    }
  }
  return e;
}

void read_silences(const YAML::Node& n, RuleTest& test) {
  if (!n.IsSequence()) throw ConfigError(n, "silences: expected a list");
  for (const auto& s : n) {
    check_keys(s, {"matchers", "starts", "ends", "created_by", "comment", "tenant"}, "silence");
    core::Silence silence;
    silence.id = "SIL-" + std::to_string(test.silences.size() + 1);
    for (const auto& m : get_matchers(s["matchers"], "silence.matchers")) {
      silence.matchers.push_back(m.to_string());
    }
    silence.starts_at =
        test.start + (s["starts"] ? get_duration(s["starts"], "silence.starts") : core::Duration{});
    if (!s["ends"]) throw ConfigError(s, "silence: ends is required");
    silence.ends_at = test.start + get_duration(s["ends"], "silence.ends");
    silence.created_by = s["created_by"] ? get_string(s["created_by"], "created_by") : "test";
    silence.comment = s["comment"] ? get_string(s["comment"], "comment") : "";
    if (s["tenant"]) silence.tenant = get_string(s["tenant"], "silence.tenant");
    silence.created_at = test.start;
    test.silences.push_back(std::move(silence));
  }
}

RuleTest read_test(const YAML::Node& n, const config::DaemonConfig& config) {
  check_keys(n, {"name", "start", "input", "silences", "expect"}, "test");
  RuleTest t;
  t.name = n["name"] ? get_string(n["name"], "name") : "(unnamed)";
  t.start = n["start"] ? get_time(n["start"], "start") : *core::parse_rfc3339(kDefaultStart);
  if (n["input"]) read_input(n["input"], config, t);
  if (n["silences"]) read_silences(n["silences"], t);
  if (!n["expect"] || !n["expect"].IsSequence()) {
    throw ConfigError(n, "test: expect (a list of {at, incidents}) is required");
  }
  for (const auto& c : n["expect"]) {
    check_keys(c, {"at", "incidents"}, "expect");
    Check check;
    check.line = c.Mark().line + 1;
    if (!c["at"] || !c["incidents"]) throw ConfigError(c, "expect: needs at and incidents");
    check.at = get_duration(c["at"], "expect.at");
    if (!c["incidents"].IsSequence())
      throw ConfigError(c["incidents"], "incidents: expected a list");
    for (const auto& i : c["incidents"]) check.incidents.push_back(read_incident(i));
    t.checks.push_back(std::move(check));
  }
  return t;
}

std::string labels_text(const std::map<std::string, std::string>& labels) {
  core::LabelSet set;
  for (const auto& [k, v] : labels) set.append(k, v);
  return set.to_string();
}

bool member_matches(const MemberExpectation& e, const core::Member& m, core::TimePoint start) {
  for (const auto& [k, v] : e.labels) {
    if (m.labels.get(k) != std::optional<std::string_view>(v)) return false;
  }
  if (e.status && *e.status != core::to_string(m.status)) return false;
  if (e.suppressed_by && *e.suppressed_by != m.suppressed_by) return false;
  if (e.flapping && *e.flapping != m.flapping) return false;
  if (e.first_seen && start + *e.first_seen != m.first_seen) return false;
  if (e.event_count && *e.event_count != m.event_count) return false;
  return true;
}

std::string member_text(const core::Member& m, core::TimePoint start) {
  std::string s = m.labels.to_string() + " " + std::string(core::to_string(m.status));
  if (!m.suppressed_by.empty()) s += " suppressed_by=" + m.suppressed_by;
  if (m.flapping) s += " flapping";
  s += " first_seen=" + core::format_duration(m.first_seen - start);
  return s + " event_count=" + std::to_string(m.event_count);
}

std::string expectation_text(const MemberExpectation& e) {
  std::string want = labels_text(e.labels);
  if (e.status) want += " " + *e.status;
  if (e.suppressed_by) want += " suppressed_by=" + *e.suppressed_by;
  if (e.flapping) want += *e.flapping ? " flapping" : " not flapping";
  if (e.first_seen) want += " first_seen=" + core::format_duration(*e.first_seen);
  if (e.event_count) want += " event_count=" + std::to_string(*e.event_count);
  return want;
}

void compare_members(const std::vector<MemberExpectation>& expected,
                     const std::vector<core::Member>& actual, core::TimePoint start,
                     const std::string& where, std::vector<std::string>& diffs) {
  if (expected.size() != actual.size()) {
    diffs.push_back(where + "members: expected " + std::to_string(expected.size()) + ", got " +
                    std::to_string(actual.size()));
  }
  std::vector<bool> used(actual.size(), false);
  for (const auto& e : expected) {
    bool found = false;
    for (size_t i = 0; i < actual.size() && !found; ++i) {
      if (!used[i] && member_matches(e, actual[i], start)) used[i] = found = true;
    }
    if (found) continue;
    std::string have;
    for (const auto& m : actual) have += "\n        " + member_text(m, start);
    diffs.push_back(where + "no member matches " + expectation_text(e) + "; members are:" + have);
  }
}

std::vector<std::string> compare(const Check& check, const UpdateMerger& book,
                                 core::TimePoint start) {
  std::vector<std::string> diffs;
  std::string at =
      "at " + core::format_duration(check.at) + " (line " + std::to_string(check.line) + "): ";
  if (check.incidents.size() != book.size()) {
    std::string have;
    for (size_t i = 0; i < book.size(); ++i) {
      const auto& inc = book[i].incident;
      have += "\n      " + inc.id + " " + inc.group_key + " " +
              std::string(core::to_string(inc.status)) + " " +
              std::string(core::to_string(inc.priority)) +
              " alerts=" + std::to_string(inc.alert_count);
    }
    diffs.push_back(at + std::to_string(check.incidents.size()) + " incidents expected, " +
                    std::to_string(book.size()) + " found" + (have.empty() ? "" : ":") + have);
  }
  for (size_t i = 0; i < std::min(check.incidents.size(), book.size()); ++i) {
    const auto& expected = check.incidents[i];
    const auto& actual = book[i];
    std::string where =
        at + "incident " + std::to_string(i + 1) + " (" + actual.incident.id + "): ";
    for (const auto& [field, want] : expected.fields) {
      auto got = incident_fields().at(field)(actual.incident);
      if (got != want) {
        diffs.push_back(where + field + ": expected \"" + want + "\", got \"" + got + "\"");
      }
    }
    if (expected.members) {
      compare_members(*expected.members, actual.members, start, where, diffs);
    }
  }
  return diffs;
}

// Feeds the input in time order and checks at each expect time; input at
// the same time as a check is fed first.
std::vector<std::string> run_test(RuleTest& test, const config::DaemonConfig& config,
                                  const std::shared_ptr<const config::Settings>& settings) {
  SerialEngine engine(config, settings, SerialEngineOptions{.exact_last_seen = true});
  engine.start(test.start);
  if (!test.silences.empty()) engine.set_silences(test.silences);
  std::stable_sort(test.input.begin(), test.input.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  std::stable_sort(test.checks.begin(), test.checks.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  std::vector<std::string> diffs;
  size_t next_input = 0;
  for (const auto& check : test.checks) {
    for (; next_input < test.input.size() && test.input[next_input].at <= check.at; ++next_input) {
      auto& step = test.input[next_input];
      core::TimePoint at = test.start + step.at;
      for (const auto& input : step.alerts) {
        core::Alert a = input.alert;
        a.received_at = at;
        a.starts_at = at;
        a.ends_at = a.status == core::AlertStatus::firing ? at + input.lease : at;
        engine.process(std::move(a));
      }
    }
    engine.advance_to(test.start + check.at);
    auto found = compare(check, engine.incidents(), test.start);
    diffs.insert(diffs.end(), found.begin(), found.end());
  }
  return diffs;
}

struct TestFile {
  config::DaemonConfig config;
  std::shared_ptr<const config::Settings> settings;
  std::vector<RuleTest> tests;
};

// Reads one file; every problem goes to `diag`.
std::optional<TestFile> read_test_file(const std::string& path, Diagnostics& diag) {
  YAML::Node root = load_yaml_file(path, diag);
  if (!diag.ok()) return std::nullopt;
  Diagnostics::FileScope scope(diag, path);
  auto dir = std::filesystem::path(path).parent_path();
  TestFile file;
  if (!diag.guard([&] {
        check_keys(root, {"config", "tests"}, "a test file");
        if (!root["config"])
          throw ConfigError(root, "config (a file name or a mapping) is required");
        if (!root["tests"] || !root["tests"].IsSequence())
          throw ConfigError(root, "tests: expected a list");
      })) {
    return std::nullopt;
  }
  const auto& c = root["config"];
  auto config = c.IsScalar()
                    ? config::load_config_file(resolve_path(dir, c.as<std::string>()).string())
                    : config::parse_config_node(c, path, dir);
  if (!config) {
    diag.error(config.error().message);
    return std::nullopt;
  }
  file.config = std::move(*config);
  auto settings = config::make_settings(file.config, 1);
  if (!settings) {
    diag.error(settings.error().message);
    return std::nullopt;
  }
  file.settings = *settings;
  for (const auto& t : root["tests"]) {
    diag.guard([&] { file.tests.push_back(read_test(t, file.config)); });
  }
  if (!diag.ok()) return std::nullopt;
  return file;
}

}  // namespace

int run_rule_tests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  size_t passed = 0, failed = 0;
  bool invalid = false;
  for (const auto& path : files) {
    Diagnostics diag(path);
    auto file = read_test_file(path, diag);
    if (!file) {
      for (const auto& e : diag.errors()) err << e << "\n";
      invalid = true;
      continue;
    }
    for (auto& test : file->tests) {
      auto diffs = run_test(test, file->config, file->settings);
      if (diffs.empty()) {
        ++passed;
        out << "PASS " << path << ": " << test.name << "\n";
        continue;
      }
      ++failed;
      out << "FAIL " << path << ": " << test.name << "\n";
      for (const auto& d : diffs) out << "    " << d << "\n";
    }
  }
  out << passed << " passed, " << failed << " failed\n";
  if (invalid) return 2;
  return failed > 0 ? 1 : 0;
}

}  // namespace alertd::daemon
