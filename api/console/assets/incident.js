// One incident: its fields, SLA clocks counting down, probable root and
// problem, members with their labels, the timeline (audit entries and the
// messages sent), and the actions the signed-in role may take.

import { call, may } from "./api.js";
import { fill, h, span, when } from "./dom.js";
import { ACTIVE, actionPanel, memberMatchers, silenceForm } from "./actions.js";

function clock(label, dueAt, doneAt, breached) {
  const value = h("span", { class: "due", dataset: { due: dueAt || "" } });
  let state = "";
  if (breached) state = "breached";
  else if (doneAt) state = "met";
  if (state) value.dataset.state = state;
  return h("div", { class: `clock ${state}` }, h("span", { class: "label" }, label), value,
    h("span", { class: "at" }, `due ${when(dueAt)}`));
}

// Rewrites each running clock's remaining time; called every second.
function tick(root) {
  for (const el of root.querySelectorAll(".due")) {
    if (el.dataset.state === "met") { el.textContent = "met"; continue; }
    const due = Date.parse(el.dataset.due);
    if (Number.isNaN(due)) { el.textContent = "—"; continue; }
    const left = (due - Date.now()) / 1000;
    const breached = el.dataset.state === "breached" || left < 0;
    el.textContent = breached ? `breached ${span(-left)} ago` : `${span(left)} left`;
    el.classList.toggle("late", breached);
  }
}

function facts(inc) {
  const rows = [
    ["Service", inc.service], ["Tenant", inc.tenant], ["Status", inc.status],
    ["Severity", inc.severity], ["Impact", inc.impact], ["Category", inc.category],
    ["Probable root", inc.root_service || "—"],
    ["Problem", inc.problem_id
      ? h("a", { href: `#/problems/${encodeURIComponent(inc.problem_id)}`, id: "problem-link" }, inc.problem_id)
      : "—"],
    ["Team", inc.team || "—"], ["Assignee", inc.assignee || "—"],
    ["Escalation", inc.escalation_level || "—"], ["Rule", inc.rule],
    ["Group", inc.group_key], ["Opened", when(inc.opened_at)],
    ["Acknowledged", when(inc.acknowledged_at)], ["Resolved", when(inc.resolved_at)],
    ["Closed", when(inc.closed_at)],
  ];
  if (inc.resolution) rows.push(["Resolution", inc.resolution]);
  if (inc.review_note) rows.push(["Review", inc.review_note]);
  if (inc.close_notes) rows.push(["Close notes", inc.close_notes]);
  return h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
}

function slaCard(inc) {
  const sla = inc.sla || {};
  return h("section", { class: "card sla", id: "sla" }, h("h2", {}, "SLA"),
    clock("Acknowledge", sla.acknowledge_due_at, inc.acknowledged_at, sla.acknowledge_breached),
    clock("Resolve", sla.resolve_due_at, inc.resolved_at, sla.resolve_breached),
    sla.next_escalation_at && ACTIVE.includes(inc.status)
      ? h("p", {}, `Next escalation ${when(sla.next_escalation_at)}`) : null);
}

function labelChips(labels) {
  return h("span", { class: "labels" }, Object.entries(labels || {}).map(([k, v]) =>
    h("span", { class: "chip" }, h("b", {}, k), "=", v)));
}

function memberTable(inc, onSilence) {
  const rows = (inc.members || []).map((m) => h("tr", { dataset: { fingerprint: m.fingerprint } },
    h("td", {}, labelChips(m.labels),
      m.annotations && m.annotations.summary ? h("div", { class: "summary" }, m.annotations.summary) : null),
    h("td", {}, m.status, m.flapping ? h("span", { class: "tag" }, "flapping") : null),
    h("td", {}, m.suppressed_by || "—"),
    h("td", {}, m.source), h("td", { class: "num" }, m.event_count),
    h("td", {}, when(m.first_seen)), h("td", {}, when(m.last_seen)),
    may("responder")
      ? h("td", {}, h("button", { type: "button", class: "silence-member",
        onclick: () => onSilence(m) }, "Silence"))
      : null));
  const heads = ["Labels", "Status", "Suppressed by", "Source", "Events", "First seen", "Last seen"];
  if (may("responder")) heads.push("");
  return h("table", { class: "list", id: "members" },
    h("thead", {}, h("tr", {}, heads.map((t) => h("th", {}, t)))), h("tbody", {}, rows));
}

function detailText(detail) {
  if (!detail || typeof detail !== "object") return "";
  if (detail.changes) {
    return Object.entries(detail.changes).map(([k, c]) => `${k}: ${c.from ?? "—"} → ${c.to ?? "—"}`).join("; ");
  }
  return Object.entries(detail).filter(([k]) => k !== "via" && k !== "authenticated")
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("; ");
}

function timelineList(entries) {
  return h("ol", { class: "timeline", id: "timeline" }, entries.map((e) => {
    const text = (e.action === "comment" && e.detail && e.detail.text) || detailText(e.detail);
    const kind = e.action === "notify" ? "message" : e.action === "comment" ? "comment" : "audit";
    return h("li", { class: kind, dataset: { action: e.action, seq: e.seq } },
      h("span", { class: "at" }, when(e.at)), h("span", { class: "action" }, e.action),
      h("span", { class: "actor" }, e.actor), h("span", { class: "detail" }, text));
  }));
}

export function incidentPage(root, { id, refresh }) {
  const head = h("div");
  const sla = h("div");
  const acts = h("div");
  const members = h("div");
  const timeline = h("div");
  const silence = h("div");
  fill(root, h("p", {}, h("a", { href: "#/incidents" }, "← Incidents")), head,
    h("div", { class: "columns" }, h("div", {}, sla, acts), h("div", {}, silence)),
    h("section", { class: "card" }, h("h2", {}, "Members"), members),
    h("section", { class: "card" }, h("h2", {}, "Timeline"), timeline));
  const ticker = setInterval(() => tick(root), 1000);
  let shown = null;
  const path = `/api/v1/incidents/${encodeURIComponent(id)}`;
  const onSilence = (member) => fill(silence, silenceForm({ id: "silence-form",
    title: "Silence this member", matchers: memberMatchers(member), done: refresh,
    cancel: () => fill(silence) }));
  return {
    async refresh() {
      const [inc, tl] = await Promise.all([call("GET", path), call("GET", `${path}/timeline?limit=1000`)]);
      fill(head, h("h1", {}, h("span", { class: `badge ${inc.priority}` }, inc.priority), " ",
        inc.id, " ", inc.title), facts(inc));
      fill(sla, slaCard(inc));
      // A form being filled in is kept until the incident's status changes.
      if (!shown || shown.status !== inc.status || shown.priority !== inc.priority) {
        fill(acts, actionPanel(inc, refresh));
      }
      shown = inc;
      fill(members, memberTable(inc, onSilence));
      fill(timeline, timelineList(tl.entries),
        tl.next_cursor ? h("p", { class: "more" }, "Only the first 1,000 entries are shown.") : null);
      tick(root);
    },
    stop() { clearInterval(ticker); },
  };
}
