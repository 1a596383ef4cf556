// MTTA, MTTR and SLA compliance over a window, with bar charts drawn as SVG
// from GET /api/v1/incidents/stats (no chart library: the page works offline).

import { call, withQuery } from "./api.js";
import { fill, h, select, span } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** Horizontal bars, one per [label, value], scaled to `scale` or the largest. */
function bars(id, pairs, format = (v) => v, scale = null) {
  const width = 420, row = 26, labelWidth = 110;
  const max = scale ?? Math.max(1, ...pairs.map(([, v]) => v || 0));
  const chart = svg("svg", { id, class: "chart", viewBox: `0 0 ${width} ${pairs.length * row}`,
    width, height: pairs.length * row, role: "img" });
  pairs.forEach(([label, value], i) => {
    const y = i * row;
    const w = ((value || 0) / max) * (width - labelWidth - 70);
    chart.append(svg("text", { x: 0, y: y + 17, class: "axis" }, label),
      svg("rect", { x: labelWidth, y: y + 4, width: Math.max(w, 1), height: row - 8, class: `bar ${label}` }),
      svg("text", { x: labelWidth + w + 6, y: y + 17, class: "value" }, value === null ? "—" : format(value)));
  });
  return chart;
}

function card(title, ...children) {
  return h("section", { class: "card stat" }, h("h2", {}, title), children);
}

function durations(name, d) {
  if (!d || !d.count) return card(name, h("p", {}, "Nothing to count yet."));
  return card(name, h("p", { class: "big" }, span(d.mean)), h("p", {}, `mean of ${d.count}`),
    bars(`${name.toLowerCase()}-chart`, [["p50", d.p50], ["p90", d.p90], ["mean", d.mean]], span));
}

export function statsPage(root, { query }) {
  const window = query.get("window") || "7d";
  const body = h("div", { class: "grid" });
  const pick = select("window", ["1d", "7d", "30d", "90d"], window, {
    onchange: (e) => { location.hash = `#/stats?window=${e.target.value}`; } });
  fill(root, h("h1", {}, "Stats"), h("p", {}, "Incidents opened in the last ", pick), body);
  return {
    async refresh() {
      const s = await call("GET", withQuery("/api/v1/incidents/stats", { window }));
      const sla = s.sla || {};
      const pct = (v) => (v === null || v === undefined ? "—" : `${v.toFixed(1)}%`);
      fill(body,
        card("Incidents", h("p", { class: "big", id: "stat-incidents" }, s.incidents),
          s.truncated ? h("p", {}, "Counted over the first 200,000 only.") : null),
        durations("MTTA", s.mtta_seconds), durations("MTTR", s.mttr_seconds),
        card("SLA compliance", bars("sla-chart", [["acknowledge", sla.acknowledge_compliance_percent],
          ["resolve", sla.resolve_compliance_percent]], pct, 100),
        h("p", {}, `Escalated to L2 or beyond: ${pct(s.escalation_rate_percent)}`)),
        card("By priority", bars("priority-chart", Object.entries(s.by_priority))),
        card("By status", bars("status-chart", Object.entries(s.by_status))));
    },
  };
}
