// Drives alertd's web console in Debian's headless Chromium (playwright-core,
// no downloaded browser) for tests/integration/test_console.py.
//   node console_drive.js '{"base": "http://127.0.0.1:PORT", "out": DIR,
//                           "token": T?, "scenario": "tour"|"acknowledge"|"viewer",
//                           "incident": "INC-1"?, "actor": "name"?}'
// Prints one JSON object: what the page showed, and every error the page logged.

const { chromium } = require("playwright-core");
const path = require("path");

const spec = JSON.parse(process.argv[2]);
const TIMEOUT = 15000;

async function signIn(page) {
  await page.goto(`${spec.base}/`);
  if (spec.token) {
    await page.waitForSelector("#token", { timeout: TIMEOUT });
    await page.fill("#token", spec.token);
    await page.click("form.signin button[type=submit]");
  }
  await page.waitForSelector("#role", { timeout: TIMEOUT });
  if (spec.actor) await page.fill("#actor", spec.actor);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(spec.out, `${name}.png`), fullPage: true });
}

async function listedIds(page) {
  await page.waitForSelector("#incident-rows tr[data-id]", { timeout: TIMEOUT });
  return page.$$eval("#incident-rows tr[data-id]", (rows) => rows.map((r) => r.dataset.id));
}

async function openIncident(page, id) {
  await page.goto(`${spec.base}/#/incidents/${id}`);
  await page.waitForSelector("#members tr[data-fingerprint]", { timeout: TIMEOUT });
  await page.waitForSelector("#timeline li", { timeout: TIMEOUT });
}

const scenarios = {
  async tour(page, result) {
    await page.goto(`${spec.base}/#/incidents`);
    result.listed = await listedIds(page);
    await shot(page, "incidents");
    await openIncident(page, spec.incident);
    result.members = await page.$$eval("#members tr[data-fingerprint]", (r) => r.length);
    result.timeline_actions = await page.$$eval("#timeline li", (li) => li.map((l) => l.dataset.action));
    result.sla_text = await page.$eval("#sla", (el) => el.innerText);
    result.root = await page.$eval("dl.facts", (el) => el.innerText);
    await shot(page, "incident");
    for (const [name, selector] of [["silences", "#silences"], ["problems", "#problems"],
      ["oncall", "#oncall"], ["stats", "#stat-incidents"]]) {
      await page.goto(`${spec.base}/#/${name}`);
      await page.waitForSelector(selector, { timeout: TIMEOUT });
      await shot(page, name);
    }
    result.stats_incidents = await page.$eval("#stat-incidents", (el) => el.textContent);
    result.charts = await page.$$eval("svg.chart", (c) => c.map((x) => x.id));
  },
  async acknowledge(page, result) {
    await openIncident(page, spec.incident);
    await page.click("#action-acknowledge");
    await page.waitForFunction(() => /in_progress/.test(document.querySelector("dl.facts").innerText),
      null, { timeout: TIMEOUT });
    result.status_line = await page.$eval("#status", (el) => el.textContent);
    // A silence from the first member's labels, through the form the page prefills.
    await page.click("#members button.silence-member");
    await page.fill("#silence-form input[name=comment]", "from the console test");
    result.silence_matchers = await page.$eval("#silence-form textarea", (t) => t.value);
    await page.click("#silence-form button[type=submit]");
    await page.waitForFunction(() => /Silence SIL-\d+ created/.test(document.getElementById("status").textContent),
      null, { timeout: TIMEOUT });
    await shot(page, "acknowledged");
    if (spec.expire) {  // and end it from the silences page
      await page.goto(`${spec.base}/#/silences`);
      await page.waitForSelector("#silences button.expire", { timeout: TIMEOUT });
      await page.click("#silences button.expire");
      await page.waitForFunction(() => /Silence SIL-\d+ expired/.test(document.getElementById("status").textContent),
        null, { timeout: TIMEOUT });
    }
  },
  async resolve_close(page, result) {
    await openIncident(page, spec.incident);
    for (const [action, fields, status] of [["resolve", { summary: "fixed from the console" }, "resolved"],
      ["close", { notes: "closed from the console", review: "reviewed in the console" }, "closed"]]) {
      await page.click(`#action-${action}`);
      for (const [name, value] of Object.entries(fields)) {
        await page.fill(`form[data-action=${action}] [name=${name}]`, value);
      }
      await page.click(`form[data-action=${action}] button[type=submit]`);
      await page.waitForFunction((s) => document.querySelector("dl.facts").innerText.includes(s),
        status, { timeout: TIMEOUT });
    }
    result.buttons_when_closed = await page.$$eval("button.action", (b) => b.map((x) => x.id));
    await shot(page, "closed");
  },
  async viewer(page, result) {
    await openIncident(page, spec.incident);
    result.action_buttons = await page.$$eval("button.action, button.silence-member", (b) => b.length);
    result.readonly = await page.$$eval("#readonly", (p) => p.length);
    await page.goto(`${spec.base}/#/silences`);
    await page.waitForSelector("#silences", { timeout: TIMEOUT });
    result.silence_buttons = await page.$$eval("button.expire, #new-silence", (b) => b.length);
    await shot(page, "viewer");
  },
};

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const result = { errors: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => result.errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") result.errors.push(`console: ${m.text()}`); });
    await signIn(page);
    // With auth, the page's first whoami has no token and answers 401: that
    // is how it learns to ask for one. Errors count from sign-in on.
    result.errors = result.errors.filter((e) => !(spec.token && /status of 401/.test(e)));
    result.role = await page.$eval("#role", (el) => el.textContent);
    await scenarios[spec.scenario](page, result);
  } catch (e) {
    result.failure = String(e && e.stack || e);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
})();
