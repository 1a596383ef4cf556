"""Access control on the real daemon: bearer tokens from the environment,
roles per endpoint, tenant isolation of silences and incidents, per-source
ingest tokens, the open-API warning, tokens kept out of the log, and
check-config naming a missing variable."""

import json
import os
import subprocess
import tempfile
import textwrap
import time
import unittest

from harness import DaemonTestCase, alertd_bin, am_alert, metric_sum, urlquote

FAILURES = "alertd_api_auth_failures_total"

# Long random-looking secrets, so a leak into the log cannot be a coincidence.
TOKENS = {
    "T_ADMIN": "adm-7f3c9a1e5b2d4c6f8a0b1c2d3e4f5a6b",
    "T_VIEWER_A": "vwa-1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e",
    "T_RESPONDER_A": "rsa-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
    "T_RESPONDER_B": "rsb-0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "T_PROM_A": "pra-5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a",
    "T_PROM_B": "prb-a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
}

CONFIG = textwrap.dedent("""\
    correlation:
      group_window: 10m
    auth:
      tokens:
        - {token: "${T_ADMIN}", role: admin, tenant: tenant-a, name: ops-admin}
        - {token: "${T_VIEWER_A}", role: viewer, tenant: tenant-a, name: dash-a}
        - {token: "${T_RESPONDER_A}", role: responder, tenant: tenant-a, name: oncall-a}
        - {token: "${T_RESPONDER_B}", role: responder, tenant: tenant-b, name: oncall-b}
      ingest:
        - {token: "${T_PROM_A}", source: alertmanager, tenant: tenant-a, name: prom-a}
        - {token: "${T_PROM_B}", source: alertmanager, tenant: tenant-b, name: prom-b}
    """)


def silence_body(**fields):
    body = {"matchers": ['service="db"'], "duration": "2h", "created_by": "alice",
            "comment": "maintenance"}
    body.update(fields)
    return body


class AuthTestCase(DaemonTestCase):
    def start(self):
        return self.start_daemon(CONFIG, env=TOKENS)

    def call(self, d, method, path, token=None, body=None):
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {TOKENS[token]}"
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        return d.request(method, path, body=body, headers=headers)

    def expect(self, response, status, error=None):
        self.assertEqual(response.status, status, response)
        if error is not None:
            self.assertEqual(response.json()["error"], error, response)
        return response

    def assert_no_token_in_log(self, d):
        log = d.read_log()
        for name, secret in TOKENS.items():
            self.assertNotIn(secret, log, f"{name} leaked into the log")
            self.assertNotIn(secret[:12], log, f"part of {name} leaked into the log")

    def wait_incidents(self, d, token, count):
        def check():
            r = self.call(d, "GET", "/api/v1/incidents", token)
            incidents = r.json()["incidents"] if r.status == 200 else []
            return incidents if len(incidents) >= count else None
        return d.wait_for(check, what=f"{count} incidents visible to {token}")


class Authentication(AuthTestCase):
    def test_no_or_unknown_token_is_401_and_probes_stay_open(self):
        d = self.start()
        for path in ("/api/v1/incidents", "/api/v1/silences", "/api/v1/incidents/INC-1/timeline"):
            r = self.expect(self.call(d, "GET", path), 401, "unauthenticated")
            self.assertTrue(r.headers.get("www-authenticate", "").startswith("Bearer"), r.headers)
        bad = d.request("GET", "/api/v1/incidents",
                        headers={"Authorization": "Bearer not-a-real-token-0123456789"})
        self.expect(bad, 401, "unauthenticated")
        basic = d.request("GET", "/api/v1/incidents",
                          headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
        self.expect(basic, 401, "unauthenticated")
        lower = d.request("GET", "/api/v1/incidents",
                          headers={"Authorization": "bearer " + TOKENS["T_VIEWER_A"]})
        self.expect(lower, 200)
        for path in ("/metrics", "/-/healthy", "/-/ready"):
            self.expect(d.get(path), 200)
        m = d.metrics()
        self.assertEqual(metric_sum(m, FAILURES, reason="unauthenticated"), 5)
        self.assertEqual(metric_sum(m, FAILURES, reason="forbidden"), 0)

        log = d.read_log()
        self.assertIn("auth: 4 API tokens (viewer 1, responder 2, admin 1)", log)
        self.assertIn("alertmanager needs a token (2 ingest tokens, or any API token), 8 other "
                      "sources need an API token", log)
        self.assertNotIn("the API is open", log)
        self.assert_no_token_in_log(d)

    def test_open_api_warning_without_auth(self):
        d = self.start_daemon()
        self.assertRegex(d.read_log(), r"auth: no auth section: the API is open to anyone who "
                                       r"can reach 127\.0\.0\.1:\d+")
        self.expect(d.get("/api/v1/incidents"), 200)
        self.expect(d.post("/api/v1/silences", silence_body()), 201)
        self.expect(d.post("/-/reload", ""), 200)


class Roles(AuthTestCase):
    def test_viewer_reads_responder_writes_admin_reloads(self):
        d = self.start()
        self.expect(self.call(d, "GET", "/api/v1/incidents", "T_VIEWER_A"), 200)
        self.expect(self.call(d, "GET", "/api/v1/silences", "T_VIEWER_A"), 200)
        r = self.expect(self.call(d, "POST", "/api/v1/silences", "T_VIEWER_A", silence_body()),
                        403, "forbidden")
        self.assertIn("responder", r.json()["detail"])

        created = self.expect(
            self.call(d, "POST", "/api/v1/silences", "T_RESPONDER_A", silence_body()), 201).json()
        self.assertEqual(created["tenant"], "tenant-a")  # the token's tenant
        sid = created["id"]
        self.expect(self.call(d, "GET", f"/api/v1/silences/{sid}", "T_VIEWER_A"), 200)
        self.expect(self.call(d, "DELETE", f"/api/v1/silences/{sid}", "T_VIEWER_A"), 403,
                    "forbidden")
        self.expect(self.call(d, "DELETE", f"/api/v1/silences/{sid}", "T_RESPONDER_A"), 200)
        # The audit trail names the token that created and expired it; the
        # body's created_by is kept only as on_behalf_of.
        self.assertEqual(created["created_by"], "oncall-a")
        t = self.expect(self.call(d, "GET", f"/api/v1/silences/{sid}/timeline", "T_VIEWER_A"),
                        200).json()
        self.assertEqual([(e["action"], e["actor"]) for e in t["entries"]],
                         [("silence", "oncall-a"), ("silence_expire", "oncall-a")])
        self.assertEqual(t["entries"][0]["detail"]["on_behalf_of"], "alice")

        self.expect(self.call(d, "POST", "/-/reload", "T_RESPONDER_A"), 403, "forbidden")
        self.expect(self.call(d, "POST", "/-/reload"), 401, "unauthenticated")
        self.expect(self.call(d, "POST", "/-/reload", "T_ADMIN"), 200)

        m = d.metrics()
        self.assertEqual(metric_sum(m, FAILURES, reason="forbidden"), 3)
        self.assertEqual(metric_sum(m, FAILURES, reason="unauthenticated"), 1)
        log = d.read_log()
        self.assertIn(f'silence {sid} created by oncall-a for tenant "tenant-a"', log)
        self.assertIn("reload requested over HTTP by ops-admin", log)
        self.assert_no_token_in_log(d)


class TenantIsolation(AuthTestCase):
    def test_silences_of_another_tenant_are_invisible(self):
        d = self.start()
        a = self.expect(self.call(d, "POST", "/api/v1/silences", "T_RESPONDER_A",
                                  silence_body()), 201).json()
        b = self.expect(self.call(d, "POST", "/api/v1/silences", "T_RESPONDER_B",
                                  silence_body()), 201).json()
        self.assertEqual(b["tenant"], "tenant-b")

        def ids(token):
            r = self.expect(self.call(d, "GET", "/api/v1/silences", token), 200)
            return [s["id"] for s in r.json()["silences"]]
        self.assertEqual(ids("T_RESPONDER_B"), [b["id"]])
        self.assertEqual(ids("T_VIEWER_A"), [a["id"]])
        self.expect(self.call(d, "GET", f"/api/v1/silences/{a['id']}", "T_RESPONDER_B"), 404,
                    "not_found")
        self.expect(self.call(d, "DELETE", f"/api/v1/silences/{a['id']}", "T_RESPONDER_B"), 404,
                    "not_found")
        self.expect(self.call(d, "GET", f"/api/v1/silences/{a['id']}/timeline", "T_RESPONDER_B"),
                    404, "not_found")
        self.expect(self.call(d, "GET", f"/api/v1/silences/{a['id']}/timeline", "T_VIEWER_A"), 200)
        still = self.expect(self.call(d, "GET", f"/api/v1/silences/{a['id']}", "T_VIEWER_A"), 200)
        self.assertEqual(still.json()["state"], "active")  # the refused DELETE changed nothing

        r = self.expect(self.call(d, "GET", "/api/v1/silences?tenant=tenant-a", "T_RESPONDER_B"),
                        403, "forbidden")
        self.assertIn("token is for tenant tenant-b", r.json()["detail"])
        self.expect(self.call(d, "GET", "/api/v1/silences?tenant=tenant-b", "T_RESPONDER_B"), 200)
        r = self.expect(self.call(d, "POST", "/api/v1/silences", "T_RESPONDER_B",
                                  silence_body(tenant="tenant-a")), 403, "forbidden")
        self.assertIn("token is for tenant tenant-b", r.json()["detail"])
        self.assertEqual(ids("T_VIEWER_A"), [a["id"]])

    def test_alerts_land_in_the_ingest_tokens_tenant(self):
        d = self.start()
        now = time.time()
        for token, service in (("T_PROM_A", "db"), ("T_PROM_B", "web")):
            alert = am_alert({"alertname": "Down", "service": service, "severity": "critical"},
                             now=now)
            self.expect(self.call(d, "POST", "/api/v2/alerts", token, [alert]), 200)
        [inc_b] = self.wait_incidents(d, "T_RESPONDER_B", 1)
        [inc_a] = self.wait_incidents(d, "T_VIEWER_A", 1)
        self.assertEqual((inc_a["tenant"], inc_a["service"]), ("tenant-a", "db"))
        self.assertEqual((inc_b["tenant"], inc_b["service"]), ("tenant-b", "web"))

        b_id = urlquote(inc_b["id"])
        self.expect(self.call(d, "GET", f"/api/v1/incidents/{b_id}", "T_RESPONDER_B"), 200)
        self.expect(self.call(d, "GET", f"/api/v1/incidents/{b_id}/timeline", "T_RESPONDER_B"),
                    200)
        self.expect(self.call(d, "GET", f"/api/v1/incidents/{b_id}", "T_VIEWER_A"), 404,
                    "not_found")
        self.expect(self.call(d, "GET", f"/api/v1/incidents/{b_id}/timeline", "T_ADMIN"), 404,
                    "not_found")
        self.expect(self.call(d, "GET", "/api/v1/incidents?tenant=tenant-b", "T_ADMIN"), 403,
                    "forbidden")
        listed_a = self.call(d, "GET", "/api/v1/incidents", "T_ADMIN").json()["incidents"]
        self.assertEqual([i["id"] for i in listed_a], [inc_a["id"]])
        self.assert_no_token_in_log(d)


class IngestTokens(AuthTestCase):
    def test_every_ingest_endpoint_needs_a_token_under_auth(self):
        d = self.start()
        alert = [am_alert({"alertname": "Down", "service": "db"})]
        self.expect(self.call(d, "POST", "/api/v2/alerts", None, alert), 401, "unauthenticated")
        bad = d.request("POST", "/api/v2/alerts", body=json.dumps(alert),
                        headers={"Authorization": "Bearer unknown-token-0123456789",
                                 "Content-Type": "application/json"})
        self.expect(bad, 401, "unauthenticated")
        self.expect(self.call(d, "POST", "/api/v2/alerts", "T_PROM_A", alert), 200)
        self.expect(self.call(d, "POST", "/api/v2/alerts", "T_ADMIN", alert), 200)  # any API role

        # generic has no ingest tokens: before issue 13 it was open to anyone.
        event = {"labels": {"alertname": "Disk", "service": "files"}}
        self.expect(self.call(d, "POST", "/api/v1/events", None, event), 401, "unauthenticated")
        r = self.expect(self.call(d, "POST", "/api/v1/events", "T_PROM_A", event), 403,
                        "forbidden")
        self.assertIn("ingest token for alertmanager, not generic", r.json()["detail"])
        self.expect(self.call(d, "POST", "/api/v1/events", "T_RESPONDER_A", event), 200)

        m = d.metrics()
        self.assertEqual(metric_sum(m, FAILURES, reason="unauthenticated"), 3)
        self.assertEqual(metric_sum(m, FAILURES, reason="forbidden"), 1)
        # Refused requests were not ingested: two alerts and one event.
        self.assertEqual(metric_sum(m, "alertd_alerts_received_total"), 3)
        self.assert_no_token_in_log(d)

    def test_open_ingest_opens_a_named_source_with_a_warning(self):
        config = CONFIG + "  open_ingest: [generic]\n"
        d = self.start_daemon(config, env=TOKENS)
        self.assertRegex(d.read_log(), r"warn.*ingest source generic is open \(auth.open_ingest\)")
        event = {"labels": {"alertname": "Disk", "service": "files"}}
        self.assertEqual(d.post_events(event), {"accepted": 1})
        alert = [am_alert({"alertname": "Down", "service": "db"})]
        self.expect(self.call(d, "POST", "/api/v2/alerts", None, alert), 401, "unauthenticated")

    def test_a_sender_token_may_send_and_nothing_else(self):
        config = CONFIG.replace("  ingest:\n", '    - {token: "${T_SENDER}", role: sender, '
                                'tenant: tenant-a, name: prom}\n  ingest:\n')
        d = self.start_daemon(config, env=dict(TOKENS, T_SENDER="snd-" + "7" * 32))
        headers = {"Authorization": "Bearer snd-" + "7" * 32, "Content-Type": "application/json"}
        alert = [am_alert({"alertname": "Down", "service": "db"})]
        r = d.request("POST", "/api/v2/alerts", body=json.dumps(alert), headers=headers)
        self.expect(r, 200)
        r = d.request("GET", "/api/v1/incidents", headers=headers)
        self.expect(r, 403, "forbidden")
        self.assertIn("needs the viewer role", r.json()["detail"])


class Identity(AuthTestCase):
    def test_the_token_is_the_actor_and_the_body_only_on_behalf_of(self):
        d = self.start()
        created = self.expect(self.call(d, "POST", "/api/v1/incidents", "T_RESPONDER_A",
                                        {"actor": "alice", "title": "checkout down",
                                         "priority": "P3"}), 201).json()
        inc = urlquote(created["id"])
        self.expect(self.call(d, "POST", f"/api/v1/incidents/{inc}/resolve", "T_RESPONDER_A",
                              {"actor": "bob", "summary": "rolled back"}), 200)
        got = self.call(d, "GET", f"/api/v1/incidents/{inc}", "T_VIEWER_A").json()
        self.assertEqual(got["resolved_by"], "oncall-a")
        t = self.call(d, "GET", f"/api/v1/incidents/{inc}/timeline", "T_VIEWER_A").json()
        by_action = {e["action"]: e for e in t["entries"]}
        self.assertEqual(by_action["resolve"]["actor"], "oncall-a")
        self.assertEqual(by_action["resolve"]["detail"]["on_behalf_of"], "bob")
        self.assertTrue(by_action["resolve"]["detail"]["authenticated"])
        self.assertEqual(by_action["create"]["detail"]["on_behalf_of"], "alice")

    def test_without_auth_the_body_actor_is_unauthenticated(self):
        d = self.start_daemon()
        created = d.post("/api/v1/incidents", {"actor": "alice", "title": "t", "priority": "P3"})
        self.assertEqual(created.status, 201, created)
        t = d.timeline(created.json()["id"])["entries"]
        self.assertEqual(t[0]["actor"], "alice")
        self.assertFalse(t[0]["detail"]["authenticated"])
        r = d.post(f"/api/v1/incidents/{created.json()['id']}/comment", {"text": "no actor"})
        self.assertEqual(r.status, 400, r)
        self.assertIn("actor", r.json()["detail"])


class Reload(AuthTestCase):
    def test_reload_revokes_a_removed_token_and_names_restart_keys(self):
        d = self.start()
        self.expect(self.call(d, "GET", "/api/v1/incidents", "T_VIEWER_A"), 200)
        config = CONFIG.replace(
            '    - {token: "${T_VIEWER_A}", role: viewer, tenant: tenant-a, name: dash-a}\n', "")
        config = config.replace("  group_window: 10m\n", "  group_window: 10m\nhttp:\n  threads: 3\n")
        with open(os.path.join(d.workdir, "alertd.yaml"), "w") as f:
            f.write(config)
        r = self.expect(self.call(d, "POST", "/-/reload", "T_ADMIN"), 200)
        self.assertEqual(r.json()["restart_needed"], ["http.threads"])
        self.expect(self.call(d, "GET", "/api/v1/incidents", "T_VIEWER_A"), 401,
                    "unauthenticated")
        self.expect(self.call(d, "GET", "/api/v1/incidents", "T_RESPONDER_A"), 200)
        self.assertIn("restart needed for: http.threads", d.read_log())


class CheckConfig(unittest.TestCase):
    def test_missing_variable_is_reported_with_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = os.path.join(tmp, "alertd.yaml")
            with open(cfg, "w") as f:
                f.write(CONFIG)
            env = {k: v for k, v in os.environ.items() if not k.startswith("T_")}
            env.update({k: v for k, v in TOKENS.items() if k != "T_RESPONDER_B"})
            run = subprocess.run([alertd_bin(), "check-config", cfg], capture_output=True,
                                 text=True, timeout=30, env=env)
            self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
            self.assertIn(f"{cfg}:8: auth.tokens[3].token: environment variable T_RESPONDER_B "
                          "is not set", run.stderr)
            for secret in TOKENS.values():
                self.assertNotIn(secret, run.stdout + run.stderr)

            env["T_RESPONDER_B"] = TOKENS["T_RESPONDER_B"]
            run = subprocess.run([alertd_bin(), "check-config", cfg], capture_output=True,
                                 text=True, timeout=30, env=env)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertIn("auth: 4 API tokens", run.stdout)
            for secret in TOKENS.values():
                self.assertNotIn(secret, run.stdout + run.stderr)


if __name__ == "__main__":
    unittest.main()
