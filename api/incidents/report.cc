#include "api/incidents/report.h"

#include <fmt/format.h>

#include <map>

#include "core/fingerprint.h"
#include "core/json_writer.h"
#include "core/lifecycle.h"

namespace alertd::api {

namespace {

// One SLA clock: how long it took (or has run so far) against its target.
struct Clock {
  std::string_view name;
  core::Duration target;
  std::optional<core::Duration> took;  // nullopt: not stopped yet
  bool breached = false;
};

std::vector<Clock> clocks(const ReportInput& in) {
  const auto& i = in.incident;
  const auto& t = in.policy.targets(i.priority);
  auto since_open = [&](core::TimePoint at) -> std::optional<core::Duration> {
    if (at == core::kNoTime || i.opened_at == core::kNoTime) return std::nullopt;
    return at - i.opened_at;
  };
  return {{"acknowledge", t.acknowledge, since_open(i.acknowledged_at), i.ack_breached},
          {"resolve", t.resolve, since_open(i.resolved_at), i.resolve_breached}};
}

std::string human(core::Duration d) {
  auto s = std::max<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count(), 0);
  // The two largest units, the smaller one left out when it is zero: 1h, 1h 5m, 3d 2h.
  auto two = [](int64_t big, std::string_view bu, int64_t small, std::string_view su) {
    return small == 0 ? fmt::format("{}{}", big, bu) : fmt::format("{}{} {}{}", big, bu, small, su);
  };
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return two(s / 60, "m", s % 60, "s");
  if (s < 86400) return two(s / 3600, "h", (s % 3600) / 60, "m");
  return two(s / 86400, "d", (s % 86400) / 3600, "h");
}

std::string when(core::TimePoint t) {
  return t == core::kNoTime ? "—" : core::format_rfc3339(t);
}

core::Duration duration(const ReportInput& in) {
  const auto& i = in.incident;
  auto end = i.resolved_at != core::kNoTime ? i.resolved_at : in.now;
  return end - i.opened_at;
}

// Markdown table cells: no pipes or line breaks from client text.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out.empty() ? "—" : out;
}

std::map<std::string, size_t> actors(const std::vector<core::AuditEntry>& timeline) {
  std::map<std::string, size_t> out;
  for (const auto& e : timeline) ++out[e.actor];
  return out;
}

// The messages sent about the incident (the IMS policy: every message on
// the record), one line per attempt from its `notify` audit entry.
std::string communications_markdown(const ReportInput& in) {
  std::string md = "\n## Communications\n\n";
  bool any = false;
  for (const auto& e : in.timeline) {
    if (e.action != "notify") continue;
    md += fmt::format("- {}: `{}`\n", when(e.at), e.detail);
    any = true;
  }
  if (!any) md += "None.\n";
  return md;
}

// The timeline entries of one action, as {at, actor, detail} objects.
void write_entries(core::JsonWriter& w, std::string_view key, const ReportInput& in,
                   std::string_view action) {
  w.key(key).begin_array();
  for (const auto& e : in.timeline) {
    if (e.action != action) continue;
    w.begin_object().key("at").time(e.at).field("actor", e.actor);
    w.key("detail").raw(e.detail.empty() ? std::string_view("{}") : e.detail).end_object();
  }
  w.end_array();
}

// The timeline table, after a note when it holds only the first entries.
std::string timeline_markdown(const ReportInput& in) {
  std::string md = "\n## Timeline\n\n";
  if (in.timeline_truncated) {
    md += fmt::format(
        "Only the first {} entries are shown here (and counted under Escalations and Actors); "
        "the whole trail is at `GET /api/v1/incidents/{}/timeline`.\n\n",
        in.timeline.size(), in.incident.id);
  }
  md += "| time | actor | action | detail |\n|---|---|---|---|\n";
  for (const auto& e : in.timeline) {
    md += fmt::format("| {} | {} | {} | `{}` |\n", when(e.at), cell(e.actor), cell(e.action),
                      cell(e.detail));
  }
  return md;
}

}  // namespace

std::string report_markdown(const ReportInput& in) {
  const auto& i = in.incident;
  std::string md = fmt::format("# Post-incident report: {} — {}\n\n", i.id, cell(i.title));
  md += "| | |\n|---|---|\n";
  auto row = [&](std::string_view k, std::string_view v) {
    md += fmt::format("| {} | {} |\n", k, cell(v));
  };
  row("Status", core::to_string(i.status));
  row("Priority", fmt::format("{} (impact {}, severity {})", core::to_string(i.priority), i.impact,
                              i.severity));
  row("Service", i.service);
  row("Category", i.category);
  row("Detected by", i.detection_source);
  row("Team / assignee",
      fmt::format("{} / {}", i.team.empty() ? "—" : i.team, i.assignee.empty() ? "—" : i.assignee));
  row("Escalation level", core::escalation_team(i.escalation_level));
  row("Opened", when(i.opened_at));
  row("Acknowledged", when(i.acknowledged_at));
  row("Resolved", when(i.resolved_at) + (i.resolved_by.empty() ? "" : " by " + i.resolved_by));
  row("Closed", when(i.closed_at) + (i.closed_by.empty() ? "" : " by " + i.closed_by));
  row(i.resolved_at == core::kNoTime ? "Duration so far" : "Duration", human(duration(in)));
  row("Problem", i.problem_id);
  md += "\n## SLA\n\n| clock | target | took | result |\n|---|---|---|---|\n";
  for (const auto& c : clocks(in)) {
    std::string result = c.breached ? "breached" : c.took ? "met" : "running";
    md += fmt::format("| {} | {} | {} | {} |\n", c.name, human(c.target),
                      c.took ? human(*c.took) : "—", result);
  }
  md += "\n## Resolution\n\n" + (i.resolution.empty() ? "—" : i.resolution) + "\n";
  md += "\n## Review\n\n" + (i.review_note.empty() ? "—" : i.review_note) + "\n";
  md += "\n## Escalations\n\n";
  bool any = false;
  for (const auto& e : in.timeline) {
    if (e.action != "escalate") continue;
    md += fmt::format("- {} by {}: `{}`\n", when(e.at), e.actor, e.detail);
    any = true;
  }
  if (!any) md += "None.\n";
  md += communications_markdown(in);
  md += timeline_markdown(in);
  md += fmt::format("\n## Member alerts ({})\n\n", in.members.size());
  md += "| fingerprint | alertname | status | first seen | last seen |\n|---|---|---|---|---|\n";
  for (const auto& m : in.members) {
    md += fmt::format("| {} | {} | {} | {} | {} |\n", core::fingerprint_hex(m.fingerprint),
                      cell(m.labels.get("alertname").value_or("")), core::to_string(m.status),
                      when(m.first_seen), when(m.last_seen));
  }
  md += "\n## Actors\n\n";
  for (const auto& [actor, n] : actors(in.timeline)) {
    md += fmt::format("- {}: {} action{}\n", cell(actor), n, n == 1 ? "" : "s");
  }
  return md;
}

std::string report_json(const ReportInput& in) {
  const auto& i = in.incident;
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().field("id", i.id).field("title", i.title);
  w.field("status", core::to_string(i.status)).field("priority", core::to_string(i.priority));
  w.key("opened_at").time(i.opened_at);
  w.key("acknowledged_at").time(i.acknowledged_at);
  w.key("resolved_at").time(i.resolved_at);
  w.key("closed_at").time(i.closed_at);
  w.field("duration_seconds", core::to_seconds(duration(in)));
  w.field("resolved", i.resolved_at != core::kNoTime);
  w.key("sla").begin_object();
  for (const auto& c : clocks(in)) {
    w.key(c.name).begin_object();
    w.field("target_seconds", core::to_seconds(c.target));
    w.key("took_seconds");
    if (c.took) {
      w.value(core::to_seconds(*c.took));
    } else {
      w.null();
    }
    w.field("breached", c.breached).end_object();
  }
  w.end_object();
  w.field("resolution", i.resolution).field("review_note", i.review_note);
  write_entries(w, "escalations", in, "escalate");
  write_entries(w, "communications", in, "notify");
  // true: `timeline` (and escalations, actors) holds only the first entries;
  // GET /api/v1/incidents/{id}/timeline pages through all of them.
  w.field("timeline_truncated", in.timeline_truncated);
  w.key("timeline").begin_array();
  for (const auto& e : in.timeline) {
    w.begin_object().key("at").time(e.at).field("actor", e.actor).field("action", e.action);
    w.key("detail").raw(e.detail.empty() ? std::string_view("{}") : e.detail).end_object();
  }
  w.end_array().key("members").begin_array();
  for (const auto& m : in.members) {
    w.begin_object().field("fingerprint", core::fingerprint_hex(m.fingerprint));
    w.key("labels").labels(m.labels).field("status", core::to_string(m.status));
    w.key("first_seen").time(m.first_seen);
    w.key("last_seen").time(m.last_seen).end_object();
  }
  w.end_array().key("actors").begin_object();
  for (const auto& [actor, n] : actors(in.timeline)) w.field(actor, static_cast<uint64_t>(n));
  w.end_object().end_object();
  return out;
}

}  // namespace alertd::api
