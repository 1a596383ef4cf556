"""The web console in a real browser: Debian's headless Chromium, driven by
playwright-core (js/console_drive.js), against the real daemon. The list
shows the incidents of posted alerts, acknowledging and silencing from the
page change the incident and the silences in the API, a viewer's token sees
no action, and without an auth section the page records the name typed in
and expires a silence from the silences page.
A screenshot of each page goes to $ALERTD_CONSOLE_SHOTS (default
build-test/console-screenshots beside the binary) for review."""

import json
import os
import shutil
import subprocess
import textwrap
import unittest

from harness import DaemonTestCase, alertd_bin, am_alert

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

TOKENS = {
    "T_RESPONDER": "rsp-4c1f9e2a7b3d5c6e8f0a1b2c3d4e5f6a",
    "T_VIEWER": "vwr-8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
    "T_PROM": "prm-1a2b3c4d5e6f708192a3b4c5d6e7f8a9",
}
CONFIG = textwrap.dedent("""\
    correlation:
      group_window: 10m
    auth:
      tokens:
        - {token: "${T_RESPONDER}", role: responder, tenant: team-a, name: oncall-a}
        - {token: "${T_VIEWER}", role: viewer, tenant: team-a, name: dash-a}
      ingest:
        - {token: "${T_PROM}", source: alertmanager, tenant: team-a, name: prom-a}
    """)


def shots_dir(name):
    base = os.environ.get("ALERTD_CONSOLE_SHOTS") or os.path.join(
        os.path.dirname(os.path.abspath(alertd_bin())), "console-screenshots")
    out = os.path.join(base, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    return out


class ConsoleTestCase(DaemonTestCase):
    def setUp(self):
        super().setUp()
        # scripts/setup installs both; a console test that skips proves nothing.
        self.assertTrue(os.path.exists(CHROMIUM), f"{CHROMIUM} missing: run scripts/setup")
        self.assertTrue(os.path.isdir(os.path.join(JS_DIR, "node_modules", "playwright-core")),
                        "playwright-core missing: run scripts/setup")

    def drive(self, d, scenario, out, **spec):
        spec.update(base=f"http://127.0.0.1:{d.port}", scenario=scenario, out=out)
        p = subprocess.run(["node", "console_drive.js", json.dumps(spec)], cwd=JS_DIR,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        result = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertNotIn("failure", result, result.get("failure"))
        self.assertEqual(result["errors"], [], "the page logged errors")
        return result

    def post(self, d, alerts, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        r = d.request("POST", "/api/v2/alerts", body=json.dumps(alerts), headers=headers)
        self.assertEqual(r.status, 200, r)

    def api(self, d, path, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = d.request("GET", path, headers=headers)
        self.assertEqual(r.status, 200, r)
        return r.json()


class WithAuth(ConsoleTestCase):
    def test_list_acknowledge_silence_and_a_viewer_without_buttons(self):
        d = self.start_daemon(CONFIG, env=TOKENS)
        responder, viewer = TOKENS["T_RESPONDER"], TOKENS["T_VIEWER"]
        self.post(d, [am_alert({"alertname": "DiskFull", "service": f"db-{i}", "instance": f"h{j}",
                                "severity": "critical"}, annotations={"summary": f"disk {i}"})
                      for i in range(3) for j in range(2)], TOKENS["T_PROM"])
        listed = d.wait_for(lambda: (lambda b: len(b["incidents"]) == 3 and b)(
            self.api(d, "/api/v1/incidents", responder)), what="3 incidents")
        ids = sorted(i["id"] for i in listed["incidents"])
        target = ids[0]
        out = shots_dir("auth")

        tour = self.drive(d, "tour", out, token=responder, incident=target)
        self.assertEqual(tour["role"], "responder")
        self.assertEqual(sorted(tour["listed"]), ids, "the page lists what the API lists")
        self.assertEqual(tour["members"], 2)
        self.assertIn("create", tour["timeline_actions"])
        self.assertIn("left", tour["sla_text"], "the acknowledge clock counts down")
        self.assertEqual(tour["stats_incidents"], "3")
        self.assertIn("priority-chart", tour["charts"])
        for page in ("incidents", "incident", "silences", "problems", "oncall", "stats"):
            self.assertGreater(os.path.getsize(os.path.join(out, f"{page}.png")), 1000, page)

        acked = self.drive(d, "acknowledge", out, token=responder, incident=target)
        inc = self.api(d, f"/api/v1/incidents/{target}", responder)
        self.assertEqual(inc["status"], "in_progress")
        self.assertIsNotNone(inc["acknowledged_at"])
        entries = self.api(d, f"/api/v1/incidents/{target}/timeline", responder)["entries"]
        ack = [e for e in entries if e["action"] == "acknowledge"]
        self.assertEqual([e["actor"] for e in ack], ["oncall-a"], "the token's name acted")
        member_labels = inc["members"][0]["labels"]
        silences = self.api(d, "/api/v1/silences?state=active", responder)["silences"]
        self.assertEqual(len(silences), 1)
        self.assertEqual(sorted(silences[0]["matchers"]),
                         sorted(f'{k}="{v}"' for k, v in member_labels.items()), acked)
        self.assertEqual(silences[0]["created_by"], "oncall-a")
        self.assertEqual(silences[0]["comment"], "from the console test")

        seen = self.drive(d, "viewer", out, token=viewer, incident=target)
        self.assertEqual(seen["role"], "viewer")
        self.assertEqual(seen["action_buttons"], 0)
        self.assertEqual(seen["readonly"], 1)
        self.assertEqual(seen["silence_buttons"], 0)
        # And the API refuses what the page does not offer.
        r = d.request("POST", f"/api/v1/incidents/{target}/resolve",
                      body=json.dumps({"summary": "x"}),
                      headers={"Authorization": f"Bearer {viewer}",
                               "Content-Type": "application/json"})
        self.assertEqual(r.status, 403, r)

    def test_assets_whoami_and_unknown_files(self):
        d = self.start_daemon(CONFIG, env=TOKENS)
        page = d.get("/")
        self.assertEqual(page.status, 200)
        self.assertTrue(page.headers["content-type"].startswith("text/html"))
        self.assertIn("script-src 'self'", page.headers["content-security-policy"])
        self.assertIn(b'src="/console/app.js"', page.body)
        script = d.get("/console/app.js")
        self.assertTrue(script.headers["content-type"].startswith("text/javascript"))
        self.assertEqual(d.get("/console/missing.js").status, 404)
        self.assertEqual(d.get("/console/..%2Fapi.js").status, 404)
        self.assertEqual(d.get("/api/v1/whoami").status, 401, "the API behind it is not open")
        self.assertEqual(self.api(d, "/api/v1/whoami", TOKENS["T_VIEWER"]),
                         {"name": "dash-a", "role": "viewer", "tenant": "team-a",
                          "authenticated": True})


class WithoutAuth(ConsoleTestCase):
    def test_the_name_typed_in_is_the_actor(self):
        d = self.start_daemon({"correlation": {"group_window": "10m"}})
        self.post(d, [am_alert({"alertname": "Latency", "service": "web", "instance": "w1"})])
        target = d.wait_for(lambda: (lambda i: i and i[0]["id"])(d.incidents()),
                            what="an incident")
        self.drive(d, "acknowledge", shots_dir("open"), incident=target, actor="alice",
                   expire=True)
        inc = d.incident(target)
        self.assertEqual(inc["status"], "in_progress")
        ack = [e for e in d.timeline(target)["entries"] if e["action"] == "acknowledge"]
        self.assertEqual([(e["actor"], e["detail"].get("authenticated")) for e in ack],
                         [("alice", False)])
        (silence,) = d.get_json("/api/v1/silences")["silences"]
        self.assertEqual(silence["created_by"], "alice")
        self.assertEqual(silence["state"], "expired", "expired from the silences page")

        closed = self.drive(d, "resolve_close", shots_dir("open-close"), incident=target,
                            actor="alice")
        self.assertEqual(closed["buttons_when_closed"], ["action-comment"],
                         "a closed incident offers only a comment")
        inc = d.incident(target)
        self.assertEqual(inc["status"], "closed")
        self.assertEqual(inc["resolution"], "fixed from the console")
        self.assertEqual(inc["closed_by"], "alice")
        self.assertEqual(inc["close_notes"], "closed from the console")


if __name__ == "__main__":
    unittest.main()
