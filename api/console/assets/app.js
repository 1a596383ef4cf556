// The console's shell: sign-in, navigation by URL hash, and the refresh loop
// that keeps the page current (every few seconds, while the tab is visible).

import { session, signIn } from "./api.js";
import { fill, h, say } from "./dom.js";
import { incidentList } from "./incidents.js";
import { incidentPage } from "./incident.js";
import { oncallPage, problemList, problemPage, silenceList } from "./pages.js";
import { statsPage } from "./stats.js";

const REFRESH_MS = 5000;
const main = document.getElementById("main");
const who = document.getElementById("who");

const routes = [
  [/^#\/incidents\/([^/?]+)$/, incidentPage],
  [/^#\/incidents(?:\?.*)?$/, incidentList],
  [/^#\/silences(?:\?.*)?$/, silenceList],
  [/^#\/problems\/([^/?]+)$/, problemPage],
  [/^#\/problems(?:\?.*)?$/, problemList],
  [/^#\/oncall$/, oncallPage],
  [/^#\/stats(?:\?.*)?$/, statsPage],
];

let current = null;  // {refresh, stop} of the page shown

// Refresh failures are shown until a refresh works again; what an action
// said stays until the next action.
let refreshFailed = false;

async function refresh() {
  if (!current || document.hidden) return;
  try {
    await current.refresh();
    fill(document.getElementById("updated"), `updated ${new Date().toLocaleTimeString()}`);
    if (refreshFailed) say("");
    refreshFailed = false;
  } catch (e) {
    if (e.status === 401) return showSignIn(e.message);
    say(e.message, "error");
    refreshFailed = true;
  }
}

async function show() {
  if (current && current.stop) current.stop();
  current = null;
  const hash = location.hash || "#/incidents";
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("active", hash.startsWith(a.getAttribute("href")));
  }
  for (const [pattern, page] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    const query = new URLSearchParams((hash.split("?")[1]) || "");
    current = page(main, { id: m[1] && decodeURIComponent(m[1]), query, refresh });
    return refresh();
  }
  fill(main, h("p", {}, "No such page. "), h("a", { href: "#/incidents" }, "Incidents"));
}

function showWho() {
  const w = session.who;
  const parts = [h("span", { class: "role", id: "role" }, w.role), " ", w.name];
  if (w.authenticated) {
    parts.push(" · ", w.tenant, " ", h("button", { type: "button", onclick: signOut }, "Sign out"));
  } else {
    // The open API records the body's actor: ask whom to record.
    const input = h("input", { id: "actor", placeholder: "your name", value: session.actor,
      oninput: (e) => { session.actor = e.target.value.trim(); } });
    parts.push(" · acting as ", input);
  }
  fill(who, parts);
}

function signOut() {
  session.token = "";
  session.who = null;
  showSignIn();
}

function showSignIn(message) {
  if (current && current.stop) current.stop();
  current = null;
  fill(who);
  const input = h("input", { type: "password", name: "token", id: "token", autocomplete: "off",
    required: true, placeholder: "API token" });
  const form = h("form", { class: "card signin", onsubmit: async (e) => {
    e.preventDefault();
    session.token = input.value.trim();
    await start();
  } }, h("h2", {}, "Sign in"),
  h("p", {}, "This alertd has access control. Paste an API token (auth.tokens); it is kept in this tab only."),
  input, " ", h("button", { type: "submit" }, "Sign in"));
  fill(main, form);
  if (message) say(message, "error");
  input.focus();
}

async function start() {
  const refused = await signIn().catch((e) => { say(e.message, "error"); return e; });
  if (refused) return showSignIn(session.token ? refused.message : undefined);
  showWho();
  await show();
}

window.addEventListener("hashchange", () => { if (session.who) show(); });
document.addEventListener("visibilitychange", refresh);
setInterval(refresh, REFRESH_MS);
start();
