// What a person does to an incident from the console: the lifecycle commands
// its status allows, and a silence made from a member's labels. Shown only to
// roles that may act; the API checks the role again whatever the page shows.

import { acting, call, may, session } from "./api.js";
import { field, fill, formValues, h, say, select } from "./dom.js";

const TEAMS = ["service_desk", "L1", "L2", "L3", "incident_manager", "change_mgmt", "facilities", "devops"];
/** The statuses of an incident still being worked. */
export const ACTIVE = ["open", "in_progress", "escalated", "pending_vendor"];

// Each action: the statuses it is offered in, and the fields of its body.
const ACTIONS = [
  { name: "acknowledge", label: "Acknowledge", from: ["open", "escalated", "pending_vendor"], fields: () => [] },
  { name: "assign", label: "Assign", from: ACTIVE,
    fields: () => [field("Team", select("team", TEAMS, "L1")), field("Assignee", h("input", { name: "assignee" }))] },
  { name: "escalate", label: "Escalate", from: ACTIVE,
    fields: () => [field("To", select("to", TEAMS, "L2")), field("Reason", h("input", { name: "reason", required: true }))] },
  { name: "resolve", label: "Resolve", from: ACTIVE,
    fields: () => [field("Summary", h("textarea", { name: "summary", required: true }))] },
  { name: "close", label: "Close", from: ["resolved"], fields: (inc) => [
    field("Notes", h("textarea", { name: "notes" })),
    field(inc.priority === "P1" || inc.priority === "P2" ? "Review (required for P1/P2)" : "Review",
      h("textarea", { name: "review", required: inc.priority === "P1" || inc.priority === "P2" }))] },
  { name: "reopen", label: "Reopen", from: ["resolved"],
    fields: () => [field("Reason", h("input", { name: "reason", required: true }))] },
  { name: "comment", label: "Comment", from: [...ACTIVE, "resolved", "closed"],
    fields: () => [field("Comment", h("textarea", { name: "text", required: true }))] },
];

function needsActor() {
  const input = document.getElementById("actor");
  if (input && !input.value.trim()) {
    say("Enter your name (acting as) first: the open API records who acted.", "error");
    input.focus();
    return true;
  }
  return false;
}

async function run(inc, action, values, done) {
  if (needsActor()) return;
  try {
    await call("POST", `/api/v1/incidents/${encodeURIComponent(inc.id)}/${action}`, acting(values));
    say(`${inc.id}: ${action} done`);
    await done();
  } catch (e) {
    const allowed = e.allowed ? ` (allowed: ${e.allowed.join(", ")})` : "";
    say(`${action} refused: ${e.message}${allowed}`, "error");
  }
}

function actionForm(inc, action, slot, done) {
  const form = h("form", { class: "action-form", dataset: { action: action.name },
    onsubmit: (e) => { e.preventDefault(); run(inc, action.name, formValues(form), done); } },
  action.fields(inc), h("button", { type: "submit", class: "primary" }, action.label),
  h("button", { type: "button", onclick: () => fill(slot) }, "Cancel"));
  return form;
}

/** The buttons of the actions `inc`'s status allows; none for a viewer. */
export function actionPanel(inc, done) {
  if (!may("responder")) return h("p", { class: "readonly", id: "readonly" }, "Read-only: your role may not act on incidents.");
  const slot = h("div", { class: "action-slot" });
  const offered = ACTIONS.filter((a) => a.from.includes(inc.status));
  const buttons = offered.map((a) => h("button", { type: "button", class: "action", id: `action-${a.name}`,
    onclick: () => (a.fields(inc).length === 0 ? run(inc, a.name, {}, done)
      : fill(slot, actionForm(inc, a, slot, done))) }, a.label));
  return h("section", { class: "card actions", id: "actions" }, h("h2", {}, "Actions"),
    h("div", { class: "buttons" }, buttons), slot);
}

// A label value as a quoted matcher value (Go escapes, as alertd parses them).
function quote(value) {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`;
}

/** A member's labels as matchers: one exact matcher per label. */
export function memberMatchers(member) {
  return Object.entries(member.labels || {}).map(([k, v]) => `${k}=${quote(v)}`);
}

/**
 * The form that creates a silence, on the silences page (empty) and for a
 * member (prefilled with its matchers, editable). `done` runs after the
 * silence was created; with `cancel` the form has a Cancel button and closes.
 */
export function silenceForm({ id, title, matchers = [], done, cancel }) {
  const form = h("form", { class: "card", id, onsubmit: async (e) => {
    e.preventDefault();
    if (needsActor()) return;
    const v = formValues(form);
    const lines = (v.matchers || "").split("\n").map((l) => l.trim()).filter(Boolean);
    const body = { matchers: lines, duration: v.duration, comment: v.comment };
    if (!session.who.authenticated) body.created_by = session.actor;  // with auth: the token's name
    try {
      const s = await call("POST", "/api/v1/silences", body);
      say(`Silence ${s.id} created, until ${new Date(s.ends_at).toLocaleString()}`);
      form.reset();
      if (cancel) cancel();
      await done();
    } catch (err) {
      say(`Silence refused: ${err.message}`, "error");
    }
  } }, h("h2", {}, title),
  field("Matchers, one per line", h("textarea", { name: "matchers", rows: Math.max(3, matchers.length + 1),
    required: true, placeholder: 'service="db"\ninstance=~"db-0[1-3]:.*"' }, matchers.join("\n"))),
  field("Duration", h("input", { name: "duration", value: "2h", required: true })),
  field("Comment", h("input", { name: "comment", required: true })),
  h("button", { type: "submit", class: "primary" }, "Create silence"),
  cancel ? h("button", { type: "button", onclick: cancel }, "Cancel") : null);
  return form;
}
