// `notify:` (docs/notifications.md): the receivers, the routes that choose
// them, when messages are sent, and the senders' limits. Read after
// `people:` and `oncall:`, so a route's schedule is checked against them.
// Templates are compiled here, so a typo in one fails check-config.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "config/sections.h"
#include "core/lifecycle.h"
#include "sinks/notify/default_templates.h"

namespace alertd::config {

namespace {

namespace notify = sinks::notify;

constexpr size_t kMaxReceivers = 1000;
constexpr size_t kMaxRoutes = 1000;
constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxHeaders = 32;
constexpr size_t kMaxRecipients = 100;
constexpr size_t kMaxPolicies = 1000;
constexpr size_t kMaxSteps = 20;
constexpr int kMaxRepeat = 10;

// A URL from the config (`${ENV}` expanded, as secrets often live in it)
// whose scheme is one of `schemes`.
std::string read_url(const YAML::Node& n, const std::string& what,
                     std::initializer_list<std::string_view> schemes) {
  auto url = expand_env(n, what);
  const auto colon = url.find("://");
  const auto scheme =
      colon == std::string::npos ? std::string_view{} : std::string_view(url).substr(0, colon);
  const bool known = std::find(schemes.begin(), schemes.end(), scheme) != schemes.end();
  if (!known || url.size() == colon + 3 || url.size() > kMaxUrlBytes ||
      url.find_first_of(" \r\n\t") != std::string::npos) {
    std::string names;
    for (auto s : schemes) names += (names.empty() ? "" : " or ") + std::string(s) + "://";
    throw ConfigError(n, what + ": not a URL (" + names + ", at most " +
                             std::to_string(kMaxUrlBytes) + " bytes)");
  }
  return url;
}

std::string required(const YAML::Node& n, const char* key, const std::string& where) {
  if (!n[key]) throw ConfigError(n, where + ": needs " + key);
  return expand_env(n[key], where + "." + key);
}

notify::EmailReceiver read_email(const YAML::Node& n, const std::string& where) {
  check_keys(n, {"smtp_url", "from", "to", "username", "password", "starttls"}, where);
  notify::EmailReceiver e;
  if (!n["smtp_url"] || !n["from"] || !n["to"]) {
    throw ConfigError(n, where + ": needs smtp_url, from and to");
  }
  e.smtp_url = read_url(n["smtp_url"], where + ".smtp_url", {"smtp", "smtps"});
  e.from = expand_env(n["from"], where + ".from");
  const auto& to = n["to"];
  if (to.IsScalar()) {
    e.to.push_back(expand_env(to, where + ".to"));
  } else if (to.IsSequence() && to.size() <= kMaxRecipients) {
    for (size_t i = 0; i < to.size(); ++i) {
      e.to.push_back(expand_env(to[i], where + ".to[" + std::to_string(i) + "]"));
    }
  } else {
    throw ConfigError(
        to, where + ".to: an address or a list of at most " + std::to_string(kMaxRecipients));
  }
  for (const auto& address : e.to) {
    if (address.find('@') == std::string::npos || address.find_first_of(" \r\n<>,") != address.npos)
      throw ConfigError(to, where + ".to: \"" + address + "\" is not an address");
  }
  if (e.from.find('@') == std::string::npos || e.from.find_first_of("\r\n<>") != e.from.npos) {
    throw ConfigError(n["from"], where + ".from: not an address");
  }
  if (n["username"]) e.username = expand_env(n["username"], where + ".username");
  if (n["password"]) e.password = expand_env(n["password"], where + ".password");
  if (n["starttls"]) e.starttls = get_bool(n["starttls"], where + ".starttls");
  return e;
}

notify::WebhookReceiver read_webhook(const YAML::Node& n, const std::string& where) {
  check_keys(n, {"url", "secret", "headers"}, where);
  notify::WebhookReceiver w;
  if (!n["url"]) throw ConfigError(n, where + ": needs url");
  w.url = read_url(n["url"], where + ".url", {"http", "https"});
  if (n["secret"]) w.secret = read_secret(n["secret"], where + ".secret");
  if (const auto& headers = n["headers"]) {
    if (!headers.IsMap() || headers.size() > kMaxHeaders) {
      throw ConfigError(headers, where + ".headers: a mapping of at most " +
                                     std::to_string(kMaxHeaders) + " headers");
    }
    for (const auto& h : headers) {
      const auto name = get_string(h.first, where + ".headers");
      const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
      auto value = expand_env(h.second, where + ".headers." + name);
      if (!token || value.find_first_of("\r\n") != std::string::npos) {
        throw ConfigError(h.first, where + ".headers: \"" + name + "\" is not a header");
      }
      w.headers.emplace_back(name, std::move(value));
    }
  }
  return w;
}

// Slack's and Teams' `{webhook_url}`.
std::string read_webhook_url(const YAML::Node& n, const std::string& where) {
  check_keys(n, {"webhook_url"}, where);
  if (!n["webhook_url"]) throw ConfigError(n, where + ": needs webhook_url");
  return read_url(n["webhook_url"], where + ".webhook_url", {"https", "http"});
}

// The one kind key of a receiver entry, read into `r.kind`.
void read_kind(const YAML::Node& n, const std::string& where, notify::Receiver& r) {
  int kinds = 0;
  if (const auto& k = n["slack"]) {
    r.kind = notify::SlackReceiver{read_webhook_url(k, where + ".slack")};
    ++kinds;
  }
  if (const auto& k = n["teams"]) {
    r.kind = notify::TeamsReceiver{read_webhook_url(k, where + ".teams")};
    ++kinds;
  }
  if (const auto& k = n["pagerduty"]) {
    check_keys(k, {"routing_key", "url"}, where + ".pagerduty");
    notify::PagerDutyReceiver p;
    p.routing_key = required(k, "routing_key", where + ".pagerduty");
    if (k["url"]) p.url = read_url(k["url"], where + ".pagerduty.url", {"https", "http"});
    r.kind = std::move(p);
    ++kinds;
  }
  if (const auto& k = n["email"]) {
    r.kind = read_email(k, where + ".email");
    ++kinds;
  }
  if (const auto& k = n["webhook"]) {
    r.kind = read_webhook(k, where + ".webhook");
    ++kinds;
  }
  if (kinds != 1) {
    throw ConfigError(n, where + ": needs exactly one of slack, teams, pagerduty, email, webhook");
  }
}

notify::Template compile(std::string_view text, notify::Escape escape, const YAML::Node& at,
                         const std::string& what) {
  auto t = notify::Template::compile(text, escape, notify::message_fields());
  if (!t.ok()) throw ConfigError(at, what + ": " + t.error().message);
  return std::move(*t);
}

// The receiver's templates: each part given under `templates:`, else the
// shipped one of its kind.
ReceiverTemplates read_templates(const YAML::Node& n, const std::string& where,
                                 std::string_view kind) {
  const auto defaults = notify::default_templates(kind);
  const auto body_escape = notify::body_escape(kind);
  if (n) check_keys(n, {"body", "subject", "text", "html"}, where);
  auto part = [&](const char* key, std::string_view shipped, notify::Escape escape) {
    std::optional<notify::Template> out;
    if (n && n[key]) {
      out = compile(get_string(n[key], where + "." + key), escape, n[key], where + "." + key);
    } else if (!shipped.empty()) {
      out = compile(shipped, escape, n, where + "." + key + " (shipped)");
    }
    return out;
  };
  ReceiverTemplates t;
  if (kind == "email") {
    t.subject = part("subject", defaults.subject, notify::Escape::header);
    t.text = part("text", defaults.text, notify::Escape::text);
    t.html = part("html", defaults.html, notify::Escape::html);
    if (n && n["body"])
      throw ConfigError(n["body"], where + ".body: email has subject, text, html");
  } else {
    t.body = part("body", defaults.body, body_escape);
    if (n && (n["subject"] || n["text"] || n["html"])) {
      throw ConfigError(n, where + ": only email has subject, text and html; this kind has body");
    }
  }
  return t;
}

NotifyReceiverConfig read_receiver(const YAML::Node& n, const std::string& where) {
  check_keys(
      n, {"name", "send_resolved", "templates", "slack", "teams", "pagerduty", "email", "webhook"},
      where);
  if (!n["name"]) throw ConfigError(n, where + ": needs name");
  NotifyReceiverConfig r;
  r.receiver.name = get_string(n["name"], where + ".name");
  if (r.receiver.name.empty() || r.receiver.name.size() > kMaxNameBytes) {
    throw ConfigError(n["name"],
                      where + ".name: 1 to " + std::to_string(kMaxNameBytes) + " characters");
  }
  read_kind(n, where, r.receiver);
  if (n["send_resolved"]) r.send_resolved = get_bool(n["send_resolved"], where + ".send_resolved");
  r.templates = read_templates(n["templates"], where + ".templates", kind_name(r.receiver));
  return r;
}

correlator::NotifyRoute read_route(const YAML::Node& n, const std::string& where,
                                   const NotifyConfig& cfg, const OncallConfig& oncall) {
  check_keys(n, {"match", "receivers", "schedule", "audience", "escalation_policy", "continue"},
             where);
  correlator::NotifyRoute route;
  if (n["match"]) route.match = get_matchers(n["match"], where + ".match");
  if (n["receivers"]) {
    route.receivers = get_string_list(n["receivers"], where + ".receivers");
    for (const auto& name : route.receivers) {
      if (cfg.receiver(name) == nullptr) {
        throw ConfigError(n["receivers"],
                          where + ".receivers: \"" + name + "\" is not one of notify.receivers");
      }
    }
  }
  if (n["schedule"]) {
    route.schedule = get_string(n["schedule"], where + ".schedule");
    if (oncall.schedule(route.schedule) == nullptr) {
      throw ConfigError(n["schedule"], where + ".schedule: \"" + route.schedule +
                                           "\" is not one of oncall.schedules");
    }
  }
  if (route.receivers.empty()) {
    throw ConfigError(n, where + ": needs receivers (a schedule's person is told through them)");
  }
  if (n["audience"]) {
    const auto text = get_string(n["audience"], where + ".audience");
    const auto audience = correlator::parse_audience(text);
    if (!audience) {
      throw ConfigError(n["audience"],
                        where + ".audience: \"" + text +
                            "\" is not one of IT_staff, end_users, stakeholders, executives");
    }
    route.audience = *audience;
  }
  if (n["escalation_policy"]) {
    route.escalation_policy = get_string(n["escalation_policy"], where + ".escalation_policy");
    const auto& policies = cfg.policy.escalation_policies;
    if (std::none_of(policies.begin(), policies.end(),
                     [&](const auto& p) { return p.name == route.escalation_policy; })) {
      throw ConfigError(n["escalation_policy"], where + ".escalation_policy: \"" +
                                                    route.escalation_policy +
                                                    "\" is not one of escalation_policies");
    }
  }
  if (n["continue"]) route.continue_matching = get_bool(n["continue"], where + ".continue");
  return route;
}

// The one place a Slack response_url may point (alertd never posts to a URL
// a request chose). It must end in '/' after the host, so that a prefix
// "https://hooks.slack.com" cannot also admit "https://hooks.slack.com.evil.example".
std::string read_response_url_prefix(const YAML::Node& n) {
  const std::string where = "notify.slack_app.response_url_prefix";
  auto prefix = get_string(n, where);
  const bool http = prefix.starts_with("https://") || prefix.starts_with("http://");
  const auto host_end = http ? prefix.find('/', prefix.find("//") + 2) : std::string::npos;
  if (!http || host_end == std::string::npos || host_end == prefix.find("//") + 2 ||
      !prefix.ends_with('/')) {
    throw ConfigError(n, where + ": \"" + prefix +
                             "\" is not an http:// or https:// URL ending in '/' (such as "
                             "https://hooks.slack.com/)");
  }
  return prefix;
}

void read_senders(const YAML::Node& n, NotifyConfig& out) {
  if (n["threads"]) out.threads = get_size(n["threads"], "notify.threads", 1, 64);
  if (n["queue_capacity"]) {
    out.queue_capacity = get_size(n["queue_capacity"], "notify.queue_capacity", 16, 1'000'000);
  }
  if (n["max_attempts"]) {
    out.max_attempts = static_cast<int>(get_size(n["max_attempts"], "notify.max_attempts", 1, 100));
  }
  if (n["max_age"]) out.max_age = get_duration(n["max_age"], "notify.max_age", false);
  if (const auto& app = n["slack_app"]) {
    check_keys(app, {"signing_secret", "response_url_prefix"}, "notify.slack_app");
    if (app["signing_secret"]) {
      out.slack_signing_secret =
          read_secret(app["signing_secret"], "notify.slack_app.signing_secret");
    }
    if (app["response_url_prefix"]) {
      out.slack_response_url_prefix = read_response_url_prefix(app["response_url_prefix"]);
    }
  }
}

// A step's `notify:` names one schedule, person or receiver; a name that is
// two of them is refused rather than guessed.
correlator::EscalationStep read_step(const YAML::Node& n, const std::string& where,
                                     const NotifyConfig& cfg, const OncallConfig& oncall) {
  using Target = correlator::EscalationStep::Target;
  check_keys(n, {"notify", "wait"}, where);
  if (!n["notify"] || !n["wait"]) throw ConfigError(n, where + ": needs notify and wait");
  correlator::EscalationStep step;
  step.name = get_string(n["notify"], where + ".notify");
  step.wait = get_duration(n["wait"], where + ".wait");
  int found = 0;
  auto is = [&](bool known, Target target) {
    if (!known) return;
    step.target = target;
    ++found;
  };
  is(oncall.schedule(step.name) != nullptr, Target::schedule);
  is(oncall.person(step.name) != nullptr, Target::person);
  is(cfg.receiver(step.name) != nullptr, Target::receiver);
  if (found == 0) {
    throw ConfigError(n["notify"],
                      where + ".notify: \"" + step.name + "\" is no schedule, person or receiver");
  }
  if (found > 1) {
    throw ConfigError(n["notify"], where + ".notify: \"" + step.name +
                                       "\" names more than one schedule, person or receiver");
  }
  return step;
}

correlator::EscalationPolicy read_policy(const YAML::Node& n, const std::string& where,
                                         const NotifyConfig& cfg, const OncallConfig& oncall) {
  check_keys(n, {"name", "steps", "repeat"}, where);
  if (!n["name"] || !n["steps"]) throw ConfigError(n, where + ": needs name and steps");
  correlator::EscalationPolicy p;
  p.name = get_string(n["name"], where + ".name");
  const auto& steps = n["steps"];
  if (!steps.IsSequence() || steps.size() == 0 || steps.size() > kMaxSteps) {
    throw ConfigError(steps, where + ".steps: a list of 1 to " + std::to_string(kMaxSteps));
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    p.steps.push_back(
        read_step(steps[i], where + ".steps[" + std::to_string(i) + "]", cfg, oncall));
  }
  if (n["repeat"]) {
    p.repeat = static_cast<int>(get_size(n["repeat"], where + ".repeat", 0, kMaxRepeat));
  }
  return p;
}

// `notify.escalation_levels: {L2: secondary, L3: tertiary, incident_manager: im}`.
void read_levels(const YAML::Node& n, const OncallConfig& oncall, NotifyConfig& out) {
  for (const auto& [team, schedule] : get_string_map(n, "notify.escalation_levels")) {
    const int level = core::escalation_level(team);
    if (level < 2) {
      throw ConfigError(
          n, "notify.escalation_levels: \"" + team + "\" is not L2, L3 or incident_manager");
    }
    if (oncall.schedule(schedule) == nullptr) {
      throw ConfigError(n, "notify.escalation_levels." + team + ": \"" + schedule +
                               "\" is not one of oncall.schedules");
    }
    out.policy.level_schedules[level] = schedule;
  }
}

}  // namespace

const NotifyReceiverConfig* NotifyConfig::receiver(std::string_view name) const {
  auto it = std::find_if(receivers.begin(), receivers.end(),
                         [&](const auto& r) { return r.receiver.name == name; });
  return it == receivers.end() ? nullptr : &*it;
}

void read_notify(const YAML::Node& root, Diagnostics& diag, const OncallConfig& oncall,
                 NotifyConfig& out) {
  const auto& n = root["notify"];
  if (!n) {
    // Escalation policies name receivers; without notify: there are none.
    read_list(root["escalation_policies"], "escalation_policies", kMaxPolicies, diag,
              [&](const YAML::Node& item, const std::string& where) {
                out.policy.escalation_policies.push_back(read_policy(item, where, out, oncall));
              });
    return;
  }
  diag.guard([&] {
    check_keys(n,
               {"external_url", "group_wait", "repeat_interval", "receivers", "routes", "threads",
                "queue_capacity", "max_attempts", "max_age", "slack_app", "escalation_levels"},
               "notify");
    if (n["escalation_levels"]) read_levels(n["escalation_levels"], oncall, out);
    if (n["external_url"]) {
      out.external_url = read_url(n["external_url"], "notify.external_url", {"http", "https"});
      while (!out.external_url.empty() && out.external_url.back() == '/') {
        out.external_url.pop_back();
      }
    }
    if (n["group_wait"]) out.policy.group_wait = get_duration(n["group_wait"], "notify.group_wait");
    if (n["repeat_interval"]) {
      out.policy.repeat_interval = get_duration(n["repeat_interval"], "notify.repeat_interval");
    }
    read_senders(n, out);
  });
  read_list(n["receivers"], "notify.receivers", kMaxReceivers, diag,
            [&](const YAML::Node& item, const std::string& where) {
              auto r = read_receiver(item, where);
              if (out.receiver(r.receiver.name) != nullptr) {
                throw ConfigError(item["name"],
                                  where + ".name: \"" + r.receiver.name + "\" is listed twice");
              }
              if (!r.send_resolved) out.policy.no_send_resolved.push_back(r.receiver.name);
              out.receivers.push_back(std::move(r));
            });
  read_list(root["escalation_policies"], "escalation_policies", kMaxPolicies, diag,
            [&](const YAML::Node& item, const std::string& where) {
              auto p = read_policy(item, where, out, oncall);
              const auto& known = out.policy.escalation_policies;
              if (std::any_of(known.begin(), known.end(),
                              [&](const auto& k) { return k.name == p.name; })) {
                throw ConfigError(item["name"],
                                  where + ".name: \"" + p.name + "\" is listed twice");
              }
              out.policy.escalation_policies.push_back(std::move(p));
            });
  read_list(n["routes"], "notify.routes", kMaxRoutes, diag,
            [&](const YAML::Node& item, const std::string& where) {
              out.policy.routes.push_back(read_route(item, where, out, oncall));
            });
}

}  // namespace alertd::config
