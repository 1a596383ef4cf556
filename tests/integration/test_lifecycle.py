"""The incident lifecycle on the real daemon: every action and its refusals,
segregation of duties and tenants with real tokens, SLA breach and
escalation on the live clock (also across a restart), stats, the
post-incident report and the MTTA/MTTR metrics."""

import json
import textwrap
import time
import unittest

from harness import DaemonTestCase, am_alert, metric_sum

TOKENS = {
    "T_VIEWER": "vw-1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e",
    "T_RESPONDER": "rs-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
    "T_MANAGER": "im-0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "T_OTHER_TENANT": "ot-5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a",
    "T_MANAGER_2": "im2-7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2",
}

AUTH_CONFIG = textwrap.dedent("""\
    auth:
      tokens:
        - {token: "${T_VIEWER}", role: viewer, name: dash}
        - {token: "${T_RESPONDER}", role: responder, name: oncall}
        - {token: "${T_MANAGER}", role: incident_manager, name: im}
        - {token: "${T_MANAGER_2}", role: incident_manager, name: im2}
        - {token: "${T_OTHER_TENANT}", role: admin, tenant: other, name: other-admin}
    """)


class LifecycleCase(DaemonTestCase):
    def act(self, d, inc, action, body, token=None, expect=200):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {TOKENS[token]}"
        path = f"/api/v1/incidents/{inc}" + (f"/{action}" if action else "")
        method = "PATCH" if action is None else "POST"
        r = d.request(method, path, body=json.dumps(body), headers=headers)
        self.assertEqual(r.status, expect, f"{method} {path} {body}: {r}")
        return r.json()

    def create(self, d, token=None, **fields):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {TOKENS[token]}"
        body = {"actor": "ann", "title": "checkout is down"}
        body.update(fields)
        r = d.request("POST", "/api/v1/incidents", body=json.dumps(body), headers=headers)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def actions(self, d, inc):
        return [(e["actor"], e["action"]) for e in d.timeline(inc)["entries"]]


class TestLifecycle(LifecycleCase):
    def test_every_action_and_its_refusals(self):
        d = self.start_daemon()
        d.post_alerts([am_alert({"alertname": "Disk", "service": "db", "severity": "warning"})])
        d.wait_for(lambda: d.incidents(), what="an incident")
        inc = "INC-1"
        got = self.act(d, inc, "acknowledge", {"actor": "ann"})
        self.assertEqual(got["status"], "in_progress")
        self.assertEqual(got["assignee"], "ann")
        acknowledged_at = got["acknowledged_at"]
        self.assertIsNotNone(acknowledged_at)
        refused = self.act(d, inc, "acknowledge", {"actor": "ann"}, expect=409)
        self.assertEqual(refused["error"], "illegal_transition")
        self.assertEqual(refused["allowed"],
                         ["assign", "escalate", "vendor", "resolve", "comment", "update"])
        self.assertEqual(self.act(d, inc, "assign", {"actor": "ann", "team": "L5"},
                                  expect=422)["error"], "invalid_value")
        got = self.act(d, inc, "assign", {"actor": "ann", "team": "L2", "assignee": "bob"})
        self.assertEqual((got["team"], got["assignee"], got["escalation_level"]),
                         ("L2", "bob", "L2"))
        self.assertEqual(got["acknowledged_at"], acknowledged_at)  # the first one stays
        self.act(d, inc, "vendor", {"actor": "bob", "vendor": "acme", "contact_method": "fax"},
                 expect=422)
        got = self.act(d, inc, "vendor",
                       {"actor": "bob", "vendor": "acme", "contact_method": "vendor_portal"})
        self.assertEqual((got["status"], got["vendor"]), ("pending_vendor", "acme"))
        got = self.act(d, inc, "escalate", {"actor": "bob", "to": "L3", "reason": "stuck"})
        self.assertEqual((got["status"], got["team"]), ("escalated", "L3"))
        self.act(d, inc, "comment", {"actor": "carol", "text": "looking"})
        got = self.act(d, inc, "resolve", {"actor": "carol", "summary": "disk replaced"})
        self.assertEqual((got["status"], got["resolved_by"], got["resolution"]),
                         ("resolved", "carol", "disk replaced"))
        got = self.act(d, inc, "reopen", {"actor": "carol", "reason": "back again"})
        self.assertEqual(got["status"], "in_progress")
        self.assertIsNone(got["resolved_at"])
        self.act(d, inc, "resolve", {"actor": "carol", "summary": "really fixed"})
        got = self.act(d, inc, "close", {"actor": "dave", "notes": "ok"})
        self.assertEqual((got["status"], got["closed_by"]), ("closed", "dave"))
        refused = self.act(d, inc, "reopen", {"actor": "dave", "reason": "x"}, expect=409)
        self.assertEqual(refused["allowed"], ["comment"])
        self.act(d, inc, "comment", {"actor": "dave", "text": "post-mortem on Friday"})
        self.assertEqual(self.actions(d, inc)[2:], [
            ("ann", "acknowledge"), ("ann", "assign"), ("bob", "vendor"), ("bob", "escalate"),
            ("carol", "comment"), ("carol", "resolve"), ("carol", "reopen"),
            ("carol", "resolve"), ("dave", "close"), ("dave", "comment")])
        detail = d.timeline(inc)["entries"][2]["detail"]
        self.assertEqual(detail["changes"]["status"], {"from": "open", "to": "in_progress"})

    def test_bad_requests_change_nothing(self):
        d = self.start_daemon()
        inc = self.create(d, priority="P3")["id"]
        cases = [
            ("acknowledge", {}, 400, "missing_field"),
            ("acknowledge", {"actor": "ann", "extra": 1}, 400, "unknown_field"),
            ("acknowledge", {"actor": 5}, 400, "wrong_type"),
            ("comment", {"actor": "ann", "text": "x" * (17 << 10)}, 400, "field_too_long"),
            ("resolve", {"actor": "ann"}, 400, "missing_field"),
            (None, {"actor": "ann", "priority": "P1"}, 400, "missing_field"),
            (None, {"actor": "ann", "justification": "why"}, 400, "missing_field"),
            (None, {"actor": "ann", "justification": "x", "category": "food"}, 422,
             "invalid_value"),
            (None, {"actor": "ann", "justification": "x", "priority": "P9"}, 422,
             "invalid_value"),
        ]
        for action, body, status, reason in cases:
            with self.subTest(action=action, body=str(body)[:60]):
                self.assertEqual(self.act(d, inc, action, body, expect=status)["error"], reason)
        r = d.request("POST", f"/api/v1/incidents/{inc}/acknowledge", body="{not json",
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        self.act(d, "INC-999", "acknowledge", {"actor": "ann"}, expect=404)
        self.assertEqual(d.incident(inc)["status"], "open")
        self.assertEqual(self.actions(d, inc), [("ann", "create")])

    def test_patch_priority_recomputes_sla_and_is_kept(self):
        d = self.start_daemon()
        inc = self.create(d, priority="P4")
        self.assertEqual(inc["detection_source"], "user_report")
        got = self.act(d, inc["id"], None,
                       {"actor": "ann", "justification": "customers hit", "priority": "P1",
                        "category": "software"})
        self.assertEqual((got["priority"], got["category"], got["priority_manual"]),
                         ("P1", "software", True))
        opened = time.mktime(time.strptime(got["opened_at"][:19], "%Y-%m-%dT%H:%M:%S"))
        due = time.mktime(time.strptime(got["sla"]["acknowledge_due_at"][:19],
                                        "%Y-%m-%dT%H:%M:%S"))
        self.assertAlmostEqual(due - opened, 15 * 60, delta=1)
        entry = d.timeline(inc["id"])["entries"][-1]
        self.assertEqual(entry["action"], "update")
        self.assertEqual(entry["detail"]["justification"], "customers hit")
        self.assertEqual(entry["detail"]["changes"]["priority"], {"from": "P4", "to": "P1"})

    def test_resolved_by_alerts_then_closed_keeps_both_times(self):
        d = self.start_daemon()
        alert = {"alertname": "Cpu", "service": "web", "severity": "info"}
        d.post_alerts([am_alert(alert)])
        d.wait_for(lambda: d.incidents(), what="an incident")
        d.post_alerts([am_alert(alert, resolved=True)])
        d.wait_for(lambda: d.incident("INC-1")["status"] == "resolved", what="resolved")
        got = self.act(d, "INC-1", "close", {"actor": "ann", "notes": "flap"})
        self.assertEqual(got["resolved_by"], "alertd")
        self.assertIsNotNone(got["resolved_at"])
        self.assertIsNotNone(got["closed_at"])
        self.assertEqual(d.incident("INC-1")["resolved_at"], got["resolved_at"])

    def test_stats_report_and_metrics(self):
        d = self.start_daemon()
        a = self.create(d, priority="P2")["id"]
        self.create(d, priority="P3")
        self.act(d, a, "acknowledge", {"actor": "ann"})
        self.act(d, a, "resolve", {"actor": "ann", "summary": "restarted"})
        stats = d.get_json("/api/v1/incidents/stats?window=1h")
        self.assertEqual(stats["incidents"], 2)
        self.assertEqual(stats["by_status"]["resolved"], 1)
        self.assertEqual(stats["by_status"]["open"], 1)
        self.assertEqual(stats["by_priority"], {"P1": 0, "P2": 1, "P3": 1, "P4": 0})
        self.assertEqual(stats["mtta_seconds"]["count"], 1)
        self.assertEqual(stats["mttr_seconds"]["count"], 1)
        self.assertEqual(stats["sla"]["acknowledge_compliance_percent"], 100.0)
        self.assertEqual(stats["escalation_rate_percent"], 0.0)
        self.assertEqual(d.get("/api/v1/incidents/stats?window=soon").status, 400)
        md = d.get(f"/api/v1/incidents/{a}/report")
        self.assertEqual(md.status, 200)
        self.assertTrue(md.headers["content-type"].startswith("text/markdown"))
        text = md.body.decode()
        self.assertIn(f"# Post-incident report: {a}", text)
        self.assertIn("| acknowledge | 1h |", text)
        self.assertIn("restarted", text)
        js = d.request("GET", f"/api/v1/incidents/{a}/report",
                       headers={"Accept": "application/json"}).json()
        self.assertEqual(js["sla"]["resolve"]["target_seconds"], 8 * 3600)
        self.assertFalse(js["sla"]["acknowledge"]["breached"])
        self.assertEqual([e["action"] for e in js["timeline"]], ["create", "acknowledge",
                                                                  "resolve"])
        self.assertEqual(js["actors"], {"ann": 3})
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_incident_time_to_acknowledge_seconds_count",
                                    priority="P2"), 1)
        self.assertEqual(metric_sum(m, "alertd_incident_time_to_resolve_seconds_count",
                                    priority="P2"), 1)
        self.assertEqual(metric_sum(m, "alertd_incidents_open", priority="P3", status="open"), 1)


class TestAccess(LifecycleCase):
    def test_segregation_of_duties_on_a_p1(self):
        d = self.start_daemon(AUTH_CONFIG, env=TOKENS)
        inc = self.create(d, token="T_RESPONDER", priority="P1")["id"]
        self.act(d, inc, "acknowledge", {"actor": "rita"}, expect=401)
        self.act(d, inc, "acknowledge", {"actor": "vic"}, token="T_VIEWER", expect=403)
        self.act(d, inc, "acknowledge", {"actor": "rita"}, token="T_RESPONDER")
        # The manager resolves "as alice", then tries to close "as bob": the
        # identity is the token, so the segregation of duties holds (issue 13).
        self.act(d, inc, "resolve", {"actor": "alice", "summary": "fixed"}, token="T_MANAGER")
        close = {"actor": "bob", "review": "root cause: config push"}
        self.assertEqual(self.act(d, inc, "close", close, token="T_RESPONDER", expect=403)["error"],
                         "forbidden")
        self.assertEqual(self.act(d, inc, "close", close, token="T_MANAGER", expect=403)["error"],
                         "segregation_of_duties")
        self.assertEqual(self.act(d, inc, "close", {"actor": "mike"}, token="T_MANAGER_2",
                                  expect=422)["error"], "review_required")
        got = self.act(d, inc, "close", {"actor": "mike", "review": "config push"},
                       token="T_MANAGER_2")
        self.assertEqual((got["status"], got["resolved_by"], got["closed_by"]),
                         ("closed", "im", "im2"))
        entry = [e for e in d.request("GET", f"/api/v1/incidents/{inc}/timeline", headers={
            "Authorization": f"Bearer {TOKENS['T_VIEWER']}"}).json()["entries"]
                 if e["action"] == "close"][0]
        self.assertEqual((entry["actor"], entry["detail"]["on_behalf_of"]), ("im2", "mike"))
        self.assertTrue(entry["detail"]["authenticated"])
        verify = "/api/v1/audit/verify"
        for token, status in (("T_VIEWER", 403), ("T_RESPONDER", 403), ("T_MANAGER", 200)):
            r = d.request("GET", verify, headers={"Authorization": f"Bearer {TOKENS[token]}"})
            self.assertEqual(r.status, status, token)
        self.assertTrue(r.json()["ok"])

    def test_a_responder_closes_a_p3(self):
        d = self.start_daemon(AUTH_CONFIG, env=TOKENS)
        inc = self.create(d, token="T_RESPONDER", priority="P3")["id"]
        self.act(d, inc, "resolve", {"actor": "rita", "summary": "ok"}, token="T_RESPONDER")
        self.act(d, inc, "close", {"actor": "rita"}, token="T_RESPONDER")

    def test_another_tenant_sees_nothing(self):
        d = self.start_daemon(AUTH_CONFIG, env=TOKENS)
        inc = self.create(d, token="T_RESPONDER", priority="P3")["id"]
        self.act(d, inc, "acknowledge", {"actor": "eve"}, token="T_OTHER_TENANT", expect=404)
        self.act(d, inc, None, {"actor": "eve", "justification": "x", "title": "mine"},
                 token="T_OTHER_TENANT", expect=404)
        r = d.request("GET", f"/api/v1/incidents/{inc}/report",
                      headers={"Authorization": f"Bearer {TOKENS['T_OTHER_TENANT']}"})
        self.assertEqual(r.status, 404)
        other = self.create(d, token="T_OTHER_TENANT")
        self.assertEqual(other["tenant"], "other")
        got = self.act(d, inc, "acknowledge", {"actor": "rita"}, token="T_RESPONDER")
        self.assertEqual(got["tenant"], "default")


SLA_CONFIG = textwrap.dedent("""\
    store: {sqlite: ./alertd.db}
    incidents:
      sla:
        P4: {acknowledge: 2s, resolve: 1h}
      repeat_escalation: false
    """)


class TestSla(LifecycleCase):
    def breaches(self, d, inc, kind):
        return [e for e in d.timeline(inc)["entries"]
                if e["action"] == "sla_breach" and e["detail"]["kind"] == kind]

    def test_breach_escalates_once_and_is_counted(self):
        d = self.start_daemon(SLA_CONFIG)
        inc = self.create(d, priority="P4")["id"]
        d.wait_for(lambda: d.incident(inc)["status"] == "escalated", what="escalated")
        got = d.incident(inc)
        self.assertEqual((got["team"], got["escalation_level"]), ("L2", "L2"))
        self.assertTrue(got["sla"]["acknowledge_breached"])
        self.assertEqual(
            [e["action"] for e in d.timeline(inc)["entries"]],
            ["create", "sla_breach", "escalate", "notify"])
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_sla_breaches_total", priority="P4",
                                    kind="acknowledge"), 1)
        self.assertEqual(metric_sum(m, "alertd_escalations_total", level="L2"), 1)
        # Acknowledging after the breach stops the clock; nothing more happens.
        self.act(d, inc, "acknowledge", {"actor": "ann"})
        time.sleep(2.5)
        self.assertEqual(len(self.breaches(d, inc, "acknowledge")), 1)

    def test_breach_due_while_down_runs_after_restart_once(self):
        d = self.start_daemon(SLA_CONFIG)
        inc = self.create(d, priority="P4")["id"]
        d.stop()  # before the 2 s acknowledge target
        time.sleep(3)
        d.start()
        d.wait_for(lambda: self.breaches(d, inc, "acknowledge"), what="the missed breach")
        d.stop()
        d.start()
        time.sleep(2.5)
        self.assertEqual(len(self.breaches(d, inc, "acknowledge")), 1)
        self.assertEqual(d.incident(inc)["escalation_level"], "L2")
        verify = d.get_json("/api/v1/audit/verify")
        self.assertTrue(verify["ok"], verify)


if __name__ == "__main__":
    unittest.main()
