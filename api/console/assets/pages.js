// The console's other pages: silences (list, create, expire), problems (list
// and one problem), and who is on call.

import { silenceForm } from "./actions.js";
import { call, may, withQuery } from "./api.js";
import { fill, h, say, select, when } from "./dom.js";

function table(id, heads, rows, empty) {
  return h("table", { class: "list", id },
    h("thead", {}, h("tr", {}, heads.map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: heads.length, class: "empty" }, empty))));
}

export function silenceList(root, { query, refresh }) {
  const state = query.get("state") || "";
  const rows = h("div");
  const filter = select("state", ["", "active", "pending", "expired"], state, {
    onchange: (e) => { location.hash = e.target.value ? `#/silences?state=${e.target.value}` : "#/silences"; } });
  fill(root, h("h1", {}, "Silences"), h("p", {}, "State ", filter), rows,
    may("responder") ? silenceForm({ id: "new-silence", title: "New silence", done: refresh }) : null);
  const expire = async (s) => {
    try {
      await call("DELETE", `/api/v1/silences/${encodeURIComponent(s.id)}`);
      say(`Silence ${s.id} expired`);
      await refresh();
    } catch (err) { say(`Expire refused: ${err.message}`, "error"); }
  };
  return {
    async refresh() {
      const page = await call("GET", withQuery("/api/v1/silences", { state, limit: "200" }));
      fill(rows, table("silences", ["Id", "State", "Matchers", "Starts", "Ends", "By", "Comment", ""],
        page.silences.map((s) => h("tr", { dataset: { id: s.id } }, h("td", {}, s.id), h("td", {}, s.state),
          h("td", {}, h("code", {}, s.matchers.join(", "))), h("td", {}, when(s.starts_at)),
          h("td", {}, when(s.ends_at)), h("td", {}, s.created_by), h("td", {}, s.comment),
          h("td", {}, may("responder") && s.state !== "expired"
            ? h("button", { type: "button", class: "expire", onclick: () => expire(s) }, "Expire") : null))),
        "No silences."));
    },
  };
}

export function problemList(root, { query }) {
  const status = query.get("status") || "";
  const rows = h("div");
  const filter = select("status", ["", "open", "known_error", "resolved", "closed"], status, {
    onchange: (e) => { location.hash = e.target.value ? `#/problems?status=${e.target.value}` : "#/problems"; } });
  fill(root, h("h1", {}, "Problems"), h("p", {}, "Status ", filter), rows);
  return {
    async refresh() {
      const page = await call("GET", withQuery("/api/v1/problems", { status, limit: "200" }));
      fill(rows, table("problems", ["Id", "Status", "Title", "Incidents", "Workaround", "Last linked"],
        page.problems.map((p) => h("tr", {}, h("td", {}, h("a", { href: `#/problems/${encodeURIComponent(p.id)}` }, p.id)),
          h("td", {}, p.status), h("td", {}, p.title), h("td", { class: "num" }, p.incident_count),
          h("td", {}, p.workaround || "—"), h("td", {}, when(p.last_linked_at)))),
        "No problems: no group key has kept coming back."));
    },
  };
}

export function problemPage(root, { id }) {
  const body = h("div");
  fill(root, h("p", {}, h("a", { href: "#/problems" }, "← Problems")), body);
  return {
    async refresh() {
      const p = await call("GET", `/api/v1/problems/${encodeURIComponent(id)}`);
      fill(body, h("h1", {}, p.id, " ", p.title),
        h("dl", { class: "facts" }, [["Status", p.status], ["Group", p.group_key],
          ["Workaround", p.workaround], ["Root cause", p.root_cause], ["Resolution", p.resolution],
          ["Opened", when(p.created_at)]].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v || "—")])),
        h("section", { class: "card" }, h("h2", {}, "Incidents"),
          table("problem-incidents", ["Id", "Status", "Priority", "Title", "Opened"],
            p.incidents.map((i) => h("tr", {}, h("td", {}, i.purged ? i.id
              : h("a", { href: `#/incidents/${encodeURIComponent(i.id)}` }, i.id)),
            h("td", {}, i.purged ? "purged" : i.status), h("td", {}, i.priority || ""),
            h("td", {}, i.title || ""), h("td", {}, when(i.opened_at)))), "None.")));
    },
  };
}

export function oncallPage(root) {
  const body = h("div");
  fill(root, h("h1", {}, "On call"), body);
  return {
    async refresh() {
      const r = await call("GET", "/api/v1/oncall");
      fill(body, table("oncall", ["Schedule", "On call", "Contact", "Since", "Until", ""],
        r.schedules.map((s) => h("tr", {}, h("td", {}, s.schedule),
          h("td", {}, s.on_call ? s.on_call.name : "nobody"),
          h("td", {}, s.on_call ? [s.on_call.email, s.on_call.slack_user].filter(Boolean).join(" · ") : ""),
          h("td", {}, when(s.since)), h("td", {}, when(s.until)),
          h("td", {}, s.override ? h("span", { class: "tag" }, "override") : null))),
        "No schedules are configured (oncall.schedules)."));
    },
  };
}
