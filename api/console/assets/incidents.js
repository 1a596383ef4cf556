// The incident list: filters in the URL (so a view can be shared), newest
// first, refreshed by the shell's loop.

import { call, session, withQuery } from "./api.js";
import { fill, h, select, when } from "./dom.js";

const STATUSES = ["", "open", "in_progress", "escalated", "pending_vendor", "resolved", "closed"];
const PRIORITIES = ["", "P1", "P2", "P3", "P4"];
const FILTERS = ["status", "priority", "service", "tenant"];

function filterForm(query) {
  const tenantFixed = session.who.authenticated;
  const form = h("form", { class: "filters", id: "filters", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const name of FILTERS) {
      const v = form.elements[name].value.trim();
      if (v) q.set(name, v);
    }
    const s = q.toString();
    location.hash = s ? `#/incidents?${s}` : "#/incidents";
  } },
  select("status", STATUSES, query.get("status") || ""),
  select("priority", PRIORITIES, query.get("priority") || ""),
  h("input", { name: "service", placeholder: "service", value: query.get("service") || "" }),
  h("input", { name: "tenant", placeholder: "tenant",
    value: tenantFixed ? session.who.tenant : (query.get("tenant") || ""),
    disabled: tenantFixed, title: tenantFixed ? "a token sees its own tenant only" : null }),
  h("button", { type: "submit" }, "Filter"));
  return form;
}

function row(incident) {
  const href = `#/incidents/${encodeURIComponent(incident.id)}`;
  return h("tr", { dataset: { id: incident.id }, class: `status-${incident.status}` },
    h("td", {}, h("a", { href }, incident.id)),
    h("td", {}, h("span", { class: `badge ${incident.priority}` }, incident.priority)),
    h("td", {}, h("span", { class: "state" }, incident.status)),
    h("td", {}, incident.title, incident.flapping ? h("span", { class: "tag" }, "flapping") : null,
      incident.suppressed ? h("span", { class: "tag" }, "suppressed") : null),
    h("td", {}, incident.service),
    h("td", {}, incident.root_service || "—"),
    h("td", { class: "num" }, `${incident.firing_count}/${incident.alert_count}`),
    h("td", {}, when(incident.opened_at)));
}

export function incidentList(root, { query }) {
  const body = h("tbody", { id: "incident-rows" });
  const more = h("p", { class: "more" });
  fill(root, h("h1", {}, "Incidents"), filterForm(query),
    h("table", { class: "list", id: "incidents" },
      h("thead", {}, h("tr", {}, ["Id", "Priority", "Status", "Title", "Service",
        "Probable root", "Firing", "Opened"].map((t) => h("th", {}, t)))), body), more);
  const params = {};
  for (const name of FILTERS) params[name] = query.get(name) || "";
  if (session.who.authenticated) delete params.tenant;
  params.limit = "200";
  return {
    async refresh() {
      const page = await call("GET", withQuery("/api/v1/incidents", params));
      fill(body, page.incidents.length ? page.incidents.map(row)
        : h("tr", {}, h("td", { colspan: 8, class: "empty" }, "No incidents match.")));
      fill(more, page.next_cursor ? "Showing the newest 200; narrow the filters to see older ones." : "");
    },
  };
}
