"""Telling people, end to end on the real daemon: local servers play Slack,
Teams, PagerDuty and a signed webhook, answering 200, 202, 429 with
Retry-After, 500 and 400; the tests check what each received, how often
and in which order, the `notify` entries on the incident's record, the
metrics, and that pending deliveries survive a restart."""

import json
import os
import subprocess
import textwrap
import time
import unittest

from harness import DaemonTestCase, alertd_bin, am_alert, metric_sum
from receivers import Receivers, verify_signature

SECRET = "whsec-0123456789abcdef0123"


def config(rx, group_wait="1s", route="slack, teams, pd, hook, broken"):
    return textwrap.dedent(f"""\
        people:
          - {{name: alice, slack_user: U01ALICE, email: alice@example.com}}
        oncall:
          schedules:
            - {{name: primary, members: [alice]}}
        notify:
          external_url: https://alertd.example.com
          group_wait: {group_wait}
          receivers:
            - {{name: slack, slack: {{webhook_url: "{rx.url('/slack')}"}}}}
            - {{name: teams, teams: {{webhook_url: "{rx.url('/teams')}"}}}}
            - {{name: pd, pagerduty: {{routing_key: R0UT1NGKEY, url: "{rx.url('/pd')}"}}}}
            - name: hook
              webhook: {{url: "{rx.url('/hook')}", secret: "{SECRET}", headers: {{X-Team: sre}}}}
            - {{name: broken, webhook: {{url: "{rx.url('/broken')}"}}}}
          routes:
            - {{receivers: [{route}], schedule: primary}}
        """)


def alert(instance):
    return am_alert({"alertname": "CheckoutDown", "service": "checkout", "severity": "critical",
                     "instance": instance}, {"summary": "checkout is down"})


class NotifyCase(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.rx = Receivers()
        self.addCleanup(self.rx.close)

    def wait_received(self, d, path, n, what=None):
        d.wait_for(lambda: len(self.rx.received(path)) >= n, what=what or f"{n} requests at {path}")
        return self.rx.received(path)

    def notify_entries(self, d, inc):
        return [e for e in d.timeline(inc)["entries"] if e["action"] == "notify"]

    def act(self, d, inc, action, body):
        r = d.request("POST", f"/api/v1/incidents/{inc}/{action}", body=json.dumps(body),
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)


class TestNotify(NotifyCase):
    def test_one_message_per_change_retried_and_recorded(self):
        self.rx.script("/pd", [(202, {})])
        self.rx.script("/teams", [(429, {"Retry-After": "1"}), (200, {})])
        self.rx.script("/hook", [(500, {}), (200, {})])
        self.rx.script("/broken", [(400, {})])
        d = self.start_daemon(config=config(self.rx))
        d.post_alerts([alert("a:9100"), alert("b:9100")])  # one incident, told once
        slack = self.wait_received(d, "/slack", 1)
        inc = d.incidents()[0]["id"]
        first = slack[0].json()
        self.assertIn(inc, json.dumps(first))
        self.assertIn("<@U01ALICE>", json.dumps(first))  # the schedule's person on call
        actions = [e["action_id"] for b in first["blocks"] if b["type"] == "actions"
                   for e in b["elements"]]
        self.assertEqual(actions, ["acknowledge", "resolve", "silence_1h"])
        pd = self.wait_received(d, "/pd", 1)[0].json()
        self.assertEqual((pd["routing_key"], pd["event_action"], pd["dedup_key"]),
                         ("R0UT1NGKEY", "trigger", inc))
        teams = self.wait_received(d, "/teams", 2, "the 429 retried after Retry-After")
        self.assertGreaterEqual(teams[1].at - teams[0].at, 0.9)
        hook = self.wait_received(d, "/hook", 2, "the 500 retried")
        self.assertTrue(verify_signature(SECRET, hook[1].headers["X-Alertd-Signature"],
                                         hook[1].body))
        self.assertEqual(hook[1].headers["X-Team"], "sre")

        self.act(d, inc, "acknowledge", {"actor": "alice"})
        self.wait_received(d, "/slack", 2)
        pd = self.wait_received(d, "/pd", 2)
        self.assertEqual(pd[1].json()["event_action"], "acknowledge")
        self.act(d, inc, "resolve", {"actor": "alice", "summary": "rolled back"})
        pd = self.wait_received(d, "/pd", 3)
        self.assertEqual(pd[2].json()["event_action"], "resolve")
        slack = self.wait_received(d, "/slack", 3)
        self.assertEqual(len(slack), 3)  # opened, acknowledged, resolved: never one per alert
        self.assertEqual(len(self.rx.received("/broken")), 3)  # 400: never retried

        entries = d.wait_for(lambda: (lambda e: e if len(e) >= 17 else None)(
            self.notify_entries(d, inc)), what="every attempt on the record")
        by = {}
        for e in entries:
            detail = e["detail"]
            by.setdefault(detail["receiver"], []).append((detail["result"], detail["reason"]))
        self.assertEqual(by["teams"][:2], [("retrying", "http_429"), ("delivered", "delivered")])
        self.assertEqual(by["hook"][:2], [("retrying", "http_5xx"), ("delivered", "delivered")])
        self.assertEqual(by["broken"][0], ("failed", "http_4xx"))
        self.assertEqual([e["detail"]["template"] for e in entries
                          if e["detail"]["receiver"] == "slack"],
                         ["initial", "update", "resolution"])
        report = d.request("GET", f"/api/v1/incidents/{inc}/report",
                           headers={"Accept": "application/json"}).json()
        self.assertGreaterEqual(len(report["communications"]), len(entries))
        self.assertIn("## Communications", d.get(f"/api/v1/incidents/{inc}/report").body.decode())
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_notifications_sent_total", receiver="slack"), 3)
        self.assertEqual(metric_sum(m, "alertd_notifications_failed_total", receiver="broken"), 3)
        self.assertGreaterEqual(metric_sum(m, "alertd_notification_latency_seconds_count"), 12)

    def test_pending_deliveries_survive_a_restart(self):
        self.rx.script("/slack", [(503, {})])
        # A queue smaller than what is pending: the restart feeds it in turns.
        cfg = config(self.rx, route="slack").replace("notify:\n", "notify:\n  queue_capacity: 16\n")
        d = self.start_daemon(config=cfg)
        n = 40
        d.post_alerts([am_alert({"alertname": "Down", "service": f"svc-{i}", "severity": "critical"})
                       for i in range(n)])
        self.wait_received(d, "/slack", 1)
        d.wait_for(lambda: len(d.incidents(limit=100)) == n, what=f"{n} incidents")
        d.stop()
        before = len(self.rx.received("/slack"))
        self.rx.script("/slack", [(200, {})])
        d.start()
        incidents = [i["id"] for i in d.incidents(limit=100)]
        d.wait_for(lambda: all(self.delivered(d, inc) for inc in incidents),
                   what="every pending message delivered after the restart")
        after = self.rx.received("/slack")[before:]
        # Each incident's message exactly once (its id quoted: INC-1 is not INC-10).
        ids = sorted(inc for inc in incidents for r in after if f'"{inc}"' in r.body.decode())
        self.assertEqual(ids, sorted(incidents), f"{len(after)} delivered after the restart")

    def delivered(self, d, inc):
        return any(e["detail"]["result"] == "delivered" for e in self.notify_entries(d, inc))


class TestEscalation(NotifyCase):
    def test_a_policy_steps_while_unacknowledged_and_stops_on_acknowledge(self):
        cfg = config(self.rx, route="slack").replace(
            "schedule: primary}", "schedule: primary, escalation_policy: page}") + textwrap.dedent("""\
            escalation_policies:
              - name: page
                steps: [{notify: alice, wait: 1s}, {notify: pd, wait: 1s}, {notify: teams, wait: 1h}]
            """)
        d = self.start_daemon(config=cfg)
        d.post_alerts([alert("a:9100")])
        slack = self.wait_received(d, "/slack", 2, "the first message, then step 1 to alice")
        self.assertIn("<@U01ALICE>", slack[1].body.decode())
        pd = self.wait_received(d, "/pd", 1, "step 2 to the PagerDuty receiver")
        inc = d.incidents()[0]["id"]
        self.assertEqual(pd[0].json()["dedup_key"], inc)
        self.act(d, inc, "acknowledge", {"actor": "alice"})
        self.wait_received(d, "/slack", 3, "the acknowledgement")
        entries = d.wait_for(lambda: (lambda e: e if len(e) >= 4 else None)(
            self.notify_entries(d, inc)), what="the steps on the record")
        # Acknowledging assigns the incident to its acknowledger too: one message for both.
        self.assertEqual([e["detail"]["change"] for e in entries],
                         ["opened", "escalation_step", "escalation_step", "acknowledged,assigned"])
        self.assertEqual(self.rx.received("/teams"), [])  # step 3 never came: acknowledged


class TestNotifyOperate(NotifyCase):
    def test_a_test_message_answers_with_the_delivery(self):
        self.rx.script("/broken", [(400, {})])
        d = self.start_daemon(config=config(self.rx))
        r = d.request("POST", "/api/v1/notify/test", body=json.dumps({"receiver": "slack"}),
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["result"], r.json()["status"]), ("delivered", 200))
        self.assertIn("alertd test message", self.rx.received("/slack")[0].body.decode())
        r = d.request("POST", "/api/v1/notify/test", body=json.dumps({"receiver": "broken"}),
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 502, r)
        self.assertEqual((r.json()["error"], r.json()["reason"]), ("delivery_failed", "http_4xx"))
        self.assertEqual(len(self.rx.received("/broken")), 1)  # never retried
        r = d.request("POST", "/api/v1/notify/test", body=json.dumps({"receiver": "nobody"}),
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 404, r)
        r = d.request("POST", "/api/v1/notify/test", body=json.dumps({}),
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)

    def check_config(self, text):
        path = os.path.join(self.make_workdir(), "alertd.yaml")
        with open(path, "w") as f:
            f.write(text)
        return subprocess.run([alertd_bin(), "check-config", path], capture_output=True,
                              text=True, timeout=30)

    def test_check_config_validates_receivers_routes_and_policies(self):
        good = config(self.rx) + textwrap.dedent("""\
            escalation_policies:
              - name: checkout
                steps: [{notify: primary, wait: 5m}, {notify: slack, wait: 10m}]
            """)
        run = self.check_config(good)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("notify: 5 receivers, 1 routes, 1 escalation policies; 1 people, "
                      "1 on-call schedules", run.stdout)
        bad = good.replace("[slack, teams, pd, hook, broken]", "[slack, nobody]").replace(
            "{notify: slack, wait: 10m}", "{notify: bob, wait: 10m}").replace(
            "routing_key: R0UT1NGKEY", 'routing_key: "${ALERTD_TEST_UNSET_ROUTING_KEY}"')
        run = self.check_config(bad)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn('"nobody" is not one of notify.receivers', run.stderr)
        self.assertIn('"bob" is no schedule, person or receiver', run.stderr)
        self.assertIn("ALERTD_TEST_UNSET_ROUTING_KEY", run.stderr)

    def test_email_reaches_a_real_smtp_server_and_the_person_on_call(self):
        mail_dir = os.path.join(self.make_workdir(), "mail")
        os.mkdir(mail_dir)
        sink_path = os.path.join(os.path.dirname(__file__), "..", "support", "smtp_sink.py")
        # Debian's python3, which has python3-aiosmtpd (scripts/setup).
        sink = subprocess.Popen(["/usr/bin/python3", sink_path, mail_dir], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        self.addCleanup(sink.stdout.close)
        self.addCleanup(sink.stdin.close)
        self.addCleanup(sink.wait)
        self.addCleanup(sink.terminate)
        port = int(sink.stdout.readline().split()[1])
        cfg = config(self.rx, route="mail").replace(
            "receivers:\n",
            "receivers:\n"
            f"    - name: mail\n      email: {{smtp_url: \"smtp://127.0.0.1:{port}\", "
            "from: alertd@example.com, to: [oncall@example.com], starttls: false}\n", 1)
        d = self.start_daemon(config=cfg)
        d.post_alerts([alert("a:9100")])
        path = os.path.join(mail_dir, "1.json")
        d.wait_for(lambda: os.path.exists(path), what="the mail at the SMTP server")
        with open(path) as f:
            mail = json.load(f)
        self.assertEqual(mail["mail_from"], "alertd@example.com")
        self.assertEqual(sorted(mail["rcpt_tos"]), ["alice@example.com", "oncall@example.com"])
        self.assertEqual([p["content_type"] for p in mail["parts"]], ["text/plain", "text/html"])
        inc = d.incidents()[0]["id"]
        self.assertIn(inc, mail["headers"]["Subject"])
        self.assertIn("checkout is down", mail["parts"][0]["content"])


if __name__ == "__main__":
    unittest.main()
