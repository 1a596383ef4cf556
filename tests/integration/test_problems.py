"""Problem management and retention on the real daemon: recurring incidents
of one group key open a problem and later ones join it; people record a
known error, resolve and close it (with refusals, roles and tenants on real
tokens); retention archives and deletes closed incidents, keeps their audit
trail, and never hands their ids out again after a restart."""

import json
import os
import textwrap
import unittest

from harness import DaemonTestCase, am_alert, metric_sum

TOKENS = {
    "T_VIEWER": "vw-7f6e5d4c3b2a19081726354453627181",
    "T_RESPONDER": "rs-1827364554637281900a1b2c3d4e5f60",
    "T_MANAGER": "im-a0b1c2d3e4f5061728394a5b6c7d8e9f",
    "T_OTHER_TENANT": "ot-f0e1d2c3b4a5968778695a4b3c2d1e0f",
    "T_INGEST": "in-0918273645546372819a0b1c2d3e4f50",
}

AUTH_CONFIG = textwrap.dedent("""\
    auth:
      tokens:
        - {token: "${T_VIEWER}", role: viewer, name: dash}
        - {token: "${T_RESPONDER}", role: responder, name: oncall}
        - {token: "${T_MANAGER}", role: incident_manager, name: pm}
        - {token: "${T_OTHER_TENANT}", role: admin, tenant: other, name: other-admin}
      ingest:
        - {token: "${T_INGEST}", source: alertmanager, name: prom}
    """)


class ProblemCase(DaemonTestCase):
    def call(self, d, method, path, body=None, token=None, expect=200):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {TOKENS[token]}"
        r = d.request(method, path, body=None if body is None else json.dumps(body),
                      headers=headers)
        self.assertEqual(r.status, expect, f"{method} {path} {body}: {r}")
        return r.json() if r.body else None

    def act(self, d, prb, action, body, token=None, expect=200):
        return self.call(d, "POST", f"/api/v1/problems/{prb}/{action}", body, token, expect)

    def recur(self, d, n, service="db", token=None, ingest_token=None):
        """n incidents of one group key (service), one after the other: each
        alert fires and resolves before the next one opens a new incident.
        `token` reads the incidents, `ingest_token` sends the alerts."""
        before = len(self.incidents(d, token))
        headers = {"Content-Type": "application/json"}
        if ingest_token:
            headers["Authorization"] = f"Bearer {TOKENS[ingest_token]}"
        for i in range(n):
            labels = {"alertname": f"Flaky{before + i}", "service": service, "severity": "warning"}
            for resolved in (False, True):
                r = d.request("POST", "/api/v2/alerts",
                              body=json.dumps([am_alert(labels, resolved=resolved)]),
                              headers=headers)
                self.assertEqual(r.status, 200, r)
                d.wait_for(lambda: len(self.incidents(d, token)) == before + i + 1 and all(
                    x["status"] == ("resolved" if resolved else "open")
                    for x in self.incidents(d, token)[:1]), what=f"incident {before + i + 1}")

    def incidents(self, d, token=None):
        return self.call(d, "GET", "/api/v1/incidents", token=token)["incidents"]

    def problems(self, d, token=None, query=""):
        return self.call(d, "GET", "/api/v1/problems" + query, token=token)["problems"]


class TestProblems(ProblemCase):
    def test_recurring_incidents_open_a_problem_that_people_work_to_closed(self):
        d = self.start_daemon()
        self.recur(d, 2)
        self.assertEqual(self.problems(d), [])
        self.recur(d, 1)
        problems = d.wait_for(lambda: self.problems(d), what="a problem")
        self.assertEqual(len(problems), 1)
        prb = problems[0]
        self.assertEqual((prb["status"], prb["group_key"], prb["incident_count"]),
                         ("open", '{service="db"}', 3))
        self.assertIsNone(prb["workaround"])
        for inc in ("INC-1", "INC-2", "INC-3"):
            self.assertEqual(d.incident(inc)["problem_id"], prb["id"])
            links = [e["detail"]["problem"] for e in d.timeline(inc)["entries"]
                     if e["action"] == "link"]
            self.assertEqual(links, [prb["id"]])

        # A fourth, later incident of the key joins the problem.
        self.recur(d, 1)
        d.wait_for(lambda: self.call(d, "GET", f"/api/v1/problems/{prb['id']}")[
            "incident_count"] == 4, what="the fourth link")
        detail = self.call(d, "GET", f"/api/v1/problems/{prb['id']}")
        self.assertEqual([i["id"] for i in detail["incidents"]],
                         ["INC-1", "INC-2", "INC-3", "INC-4"])
        self.assertFalse(detail["incidents"][0]["purged"])
        self.assertEqual(detail["incidents"][3]["status"], "resolved")

        refused = self.act(d, prb["id"], "close", {"actor": "pat"}, expect=409)
        self.assertEqual((refused["error"], refused["allowed"]),
                         ("illegal_transition", ["known_error", "resolve"]))
        self.assertEqual(self.act(d, prb["id"], "known_error", {"actor": "pat"},
                                  expect=400)["error"], "missing_field")
        self.assertEqual(self.act(d, prb["id"], "known_error", {"actor": "pat", "fix": "x"},
                                  expect=400)["error"], "unknown_field")
        got = self.act(d, prb["id"], "known_error",
                       {"actor": "pat", "workaround": "restart the pool",
                        "root_cause": "leaking connections"})
        self.assertEqual((got["status"], got["workaround"], got["root_cause"]),
                         ("known_error", "restart the pool", "leaking connections"))
        got = self.act(d, prb["id"], "resolve", {"actor": "pat", "resolution": "pool fixed"})
        self.assertEqual((got["status"], got["resolution"]), ("resolved", "pool fixed"))
        self.assertIsNotNone(got["resolved_at"])
        got = self.act(d, prb["id"], "close", {"actor": "quinn", "notes": "quiet for a week"})
        self.assertEqual((got["status"], got["close_notes"]), ("closed", "quiet for a week"))
        refused = self.act(d, prb["id"], "resolve", {"actor": "pat", "resolution": "x"},
                           expect=409)
        self.assertEqual(refused["allowed"], [])

        detail = self.call(d, "GET", f"/api/v1/problems/{prb['id']}")
        self.assertEqual([(e["actor"], e["action"]) for e in detail["timeline"]], [
            ("alertd", "create"), ("pat", "known_error"), ("pat", "resolve"),
            ("quinn", "close")])
        self.assertEqual(detail["timeline"][1]["detail"]["changes"]["status"],
                         {"from": "open", "to": "known_error"})
        self.assertEqual([p["id"] for p in self.problems(d, query="?status=closed")], [prb["id"]])
        self.assertEqual(self.problems(d, query="?status=open"), [])
        self.call(d, "GET", "/api/v1/problems?status=new", expect=400)
        self.call(d, "GET", "/api/v1/problems?limit=0", expect=400)
        self.call(d, "GET", "/api/v1/problems/PRB-99", expect=404)
        self.act(d, "PRB-99", "resolve", {"actor": "pat", "resolution": "x"}, expect=404)
        self.act(d, "INC-1", "resolve", {"actor": "pat", "resolution": "x"}, expect=404)

        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_problems_opened_total"), 1)
        self.assertEqual(metric_sum(m, "alertd_problem_links_total"), 4)
        self.assertTrue(self.call(d, "GET", "/api/v1/audit/verify")["ok"])

        # The problem is in the store: a restart shows it as it was.
        d.stop()
        d.start()
        self.assertEqual(self.call(d, "GET", f"/api/v1/problems/{prb['id']}")["status"],
                         "closed")

    def test_a_threshold_from_the_config(self):
        d = self.start_daemon("incidents:\n  problems: {threshold: 2, within: 1h}\n")
        self.recur(d, 2, service="api")
        problems = d.wait_for(lambda: self.problems(d), what="a problem")
        self.assertEqual(problems[0]["incident_count"], 2)

    def test_roles_and_tenants(self):
        d = self.start_daemon(AUTH_CONFIG, env=TOKENS)
        self.recur(d, 3, token="T_VIEWER", ingest_token="T_INGEST")
        prb = d.wait_for(lambda: self.problems(d, "T_VIEWER"), what="a problem")[0]["id"]
        self.call(d, "GET", "/api/v1/problems", expect=401)
        self.assertEqual(self.problems(d, "T_OTHER_TENANT"), [])
        self.call(d, "GET", f"/api/v1/problems/{prb}", token="T_OTHER_TENANT", expect=404)
        body = {"actor": "eve", "workaround": "none"}
        self.act(d, prb, "known_error", body, expect=401)
        self.act(d, prb, "known_error", body, token="T_VIEWER", expect=403)
        self.act(d, prb, "known_error", body, token="T_RESPONDER", expect=403)
        self.act(d, prb, "known_error", body, token="T_OTHER_TENANT", expect=404)
        got = self.act(d, prb, "known_error", {"actor": "pat", "workaround": "failover"},
                       token="T_MANAGER")
        self.assertEqual(got["status"], "known_error")
        entry = self.call(d, "GET", f"/api/v1/problems/{prb}", token="T_VIEWER")["timeline"][-1]
        self.assertEqual((entry["actor"], entry["detail"]["on_behalf_of"]), ("pm", "pat"))


RETENTION = textwrap.dedent("""\
    incidents:
      retention: {closed_after: 1s, every: 1s, action: %s, archive_dir: ./archive}
    """)


class TestRetention(ProblemCase):
    def close_by_hand(self, d):
        inc = self.call(d, "POST", "/api/v1/incidents",
                        {"actor": "ann", "title": "printer", "priority": "P3"}, expect=201)["id"]
        self.call(d, "POST", f"/api/v1/incidents/{inc}/resolve", {"actor": "ann",
                                                                  "summary": "toner"})
        self.call(d, "POST", f"/api/v1/incidents/{inc}/close", {"actor": "ann"})
        return inc

    def test_closed_incidents_are_archived_then_deleted_and_ids_stay_unique(self):
        d = self.start_daemon(RETENTION % "archive")
        open_one = self.call(d, "POST", "/api/v1/incidents", {"actor": "ann", "title": "open"},
                             expect=201)["id"]
        inc = self.close_by_hand(d)
        d.wait_for(lambda: d.get(f"/api/v1/incidents/{inc}").status == 404, what="the purge")
        self.assertEqual(d.incident(open_one)["status"], "open")  # not closed: kept
        archive = os.path.join(d.workdir, "archive")
        files = os.listdir(archive)
        self.assertEqual(len(files), 1)
        self.assertRegex(files[0], r"^incidents-\d{4}-\d\d-\d\d\.ndjson$")
        with open(os.path.join(archive, files[0])) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual([(x["id"], x["status"], x["closed_by"]) for x in lines],
                         [(inc, "closed", "ann")])
        self.assertEqual(lines[0]["members"], [])
        self.assertIsNotNone(lines[0]["archived_at"])
        entries = d.timeline(inc)["entries"]  # the trail outlives the incident
        self.assertEqual([e["action"] for e in entries], ["create", "resolve", "close", "purge"])
        self.assertTrue(entries[-1]["detail"]["archived"])
        self.assertEqual(metric_sum(d.metrics(), "alertd_incidents_purged_total",
                                    action="archive"), 1)
        self.assertTrue(self.call(d, "GET", "/api/v1/audit/verify")["ok"])
        d.stop()
        d.start()
        again = self.call(d, "POST", "/api/v1/incidents", {"actor": "ann", "title": "next"},
                          expect=201)["id"]
        self.assertEqual(again, "INC-3")  # INC-2 was purged, its id is not reused

    def test_delete_writes_no_archive(self):
        d = self.start_daemon(RETENTION % "delete")
        inc = self.close_by_hand(d)
        d.wait_for(lambda: d.get(f"/api/v1/incidents/{inc}").status == 404, what="the purge")
        self.assertFalse(os.path.exists(os.path.join(d.workdir, "archive")))
        self.assertEqual(metric_sum(d.metrics(), "alertd_incidents_purged_total",
                                    action="delete"), 1)
        self.assertFalse(d.timeline(inc)["entries"][-1]["detail"]["archived"])


if __name__ == "__main__":
    unittest.main()
