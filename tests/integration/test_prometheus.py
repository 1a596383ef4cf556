"""End to end with a real Prometheus server: it evaluates an always-firing
rule and sends the alert to alertd as if alertd were its Alertmanager; it
also scrapes alertd's /metrics."""

import json
import os
import signal
import subprocess
import unittest
import urllib.request

from harness import DaemonTestCase, free_port, metric_sum, parse_metrics

PROMETHEUS = "/usr/bin/prometheus"
E2E_TIMEOUT = 60

RULES = """groups:
  - name: alertd-e2e
    interval: 1s
    rules:
      - alert: AlertdE2EAlwaysFiring
        expr: vector(1)
        labels:
          service: e2e
          severity: critical
        annotations:
          summary: always firing, sent by the alertd integration test
"""


def prometheus_config(alertd_port, rules_path, credentials=None):
    # Prometheus' own way to send a bearer token to its Alertmanagers.
    auth = (f"      authorization:\n        credentials: {json.dumps(credentials)}\n"
            if credentials else "")
    return f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {json.dumps(rules_path)}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{alertd_port}"]
      api_version: v2
{auth}scrape_configs:
  - job_name: alertd
    static_configs:
      - targets: ["127.0.0.1:{alertd_port}"]
"""


class Prometheus:
    def __init__(self, workdir, alertd_port, credentials=None):
        self.workdir = workdir
        self.port = free_port()
        rules = os.path.join(workdir, "rules.yml")
        with open(rules, "w") as f:
            f.write(RULES)
        cfg = os.path.join(workdir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(prometheus_config(alertd_port, rules, credentials))
        self.log_path = os.path.join(workdir, "prometheus.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={workdir}/tsdb",
             f"--web.listen-address=127.0.0.1:{self.port}",
             # The first send can race the notifier's target discovery and be
             # dropped; re-send every second instead of every minute.
             "--rules.alert.resend-delay=1s", "--log.level=info"],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return r.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read()[-10000:].decode("utf-8", "replace")


class RealPrometheus(DaemonTestCase):
    def test_prometheus_alerts_and_scrapes(self):
        if not os.access(PROMETHEUS, os.X_OK):
            self.skipTest(f"{PROMETHEUS} missing: apt-get install prometheus")
        d = self.start_daemon()
        prom = Prometheus(self.make_workdir(), d.port)
        self.addCleanup(prom.stop)
        try:
            inc = d.wait_for(lambda: d.incidents(service="e2e"), E2E_TIMEOUT,
                             "an incident for service e2e sent by Prometheus")[0]
            detail = d.incident(inc["id"])
            self.assertEqual(detail["status"], "open")
            self.assertEqual(len(detail["members"]), 1)
            member = detail["members"][0]
            self.assertEqual(member["labels"]["alertname"], "AlertdE2EAlwaysFiring")
            self.assertEqual(member["labels"]["service"], "e2e")
            self.assertEqual(member["labels"]["severity"], "critical")
            self.assertEqual(member["status"], "firing")
            self.assertIn("summary", member["annotations"])

            # Prometheus saw 2xx answers: sent > 0 and no errors. (A drop can
            # happen before discovery has found alertd, so drops are not checked.)
            def sent():
                m = parse_metrics(prom.get("/metrics"))
                return metric_sum(m, "prometheus_notifications_sent_total") >= 3 and m
            m = d.wait_for(sent, E2E_TIMEOUT, "prometheus_notifications_sent_total >= 3")
            self.assertEqual(metric_sum(m, "prometheus_notifications_errors_total"), 0)
            # Its re-sends (every second here) stay one alert in one incident.
            again = d.incidents(service="e2e")
            self.assertEqual([(i["id"], i["alert_count"]) for i in again], [(inc["id"], 1)])

            # And it scraped alertd's /metrics successfully.
            def scraped():
                q = json.loads(prom.get('/api/v1/query?query=up%7Bjob%3D%22alertd%22%7D'))
                res = q["data"]["result"]
                return res and res[0]["value"][1] == "1" and res
            d.wait_for(scraped, E2E_TIMEOUT, 'up{job="alertd"} == 1 in Prometheus')
            q = json.loads(prom.get("/api/v1/query?query=alertd_build_info"))
            self.assertTrue(q["data"]["result"], "alertd_build_info not ingested by Prometheus")
        except AssertionError:
            print("\n===== prometheus log =====\n" + prom.log_text())
            raise
        prom.stop()
        self.assertEqual(d.get("/-/healthy").status, 200)
        d.stop()


    def test_prometheus_sends_with_a_bearer_token_under_auth(self):
        """With an auth section ingest is closed (issue 13): Prometheus gets
        in with `authorization: {credentials}` and a sender token."""
        if not os.access(PROMETHEUS, os.X_OK):
            self.skipTest(f"{PROMETHEUS} missing: apt-get install prometheus")
        sender = "prom-sender-" + "5f" * 16
        config = ("auth:\n  tokens:\n"
                  '    - {token: "${T_ADMIN}", role: admin, name: ops}\n'
                  '    - {token: "${T_SENDER}", role: sender, name: prometheus}\n')
        d = self.start_daemon(config, env={"T_ADMIN": "adm-" + "9a" * 16, "T_SENDER": sender})
        admin = {"Authorization": "Bearer adm-" + "9a" * 16}
        without = Prometheus(self.make_workdir(), d.port)
        try:
            # A Prometheus without the token is refused, and nothing is ingested.
            def refused():
                m = parse_metrics(without.get("/metrics"))
                return metric_sum(m, "prometheus_notifications_errors_total") >= 1
            d.wait_for(refused, E2E_TIMEOUT, "prometheus_notifications_errors_total >= 1")
        finally:
            without.stop()
        self.assertGreaterEqual(metric_sum(d.metrics(), "alertd_api_auth_failures_total",
                                           reason="unauthenticated"), 1)
        self.assertEqual(metric_sum(d.metrics(), "alertd_alerts_received_total"), 0)

        prom = Prometheus(self.make_workdir(), d.port, credentials=sender)
        self.addCleanup(prom.stop)
        try:
            def incident():
                r = d.request("GET", "/api/v1/incidents?service=e2e", headers=admin)
                return r.status == 200 and r.json()["incidents"]
            inc = d.wait_for(incident, E2E_TIMEOUT, "an incident sent with a bearer token")[0]
            self.assertEqual(inc["tenant"], "default")
            self.assertGreaterEqual(metric_sum(d.metrics(), "alertd_alerts_received_total"), 1)
        except AssertionError:
            print("\n===== prometheus log =====\n" + prom.log_text())
            raise
        prom.stop()
        d.stop()


if __name__ == "__main__":
    unittest.main()
