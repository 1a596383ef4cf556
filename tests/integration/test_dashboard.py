"""deploy/grafana/alertd.json against real data: a real Prometheus scrapes a
real alertd that takes alerts over HTTP (Prometheus' own among them) and
Kafka (the mock cluster), notifies a webhook, and has incidents
acknowledged and resolved. Every panel query of the dashboard, with
Grafana's variables filled in, must parse and return at least one finite
value. The dashboard's structure is checked too: unique panel ids, every
panel on the dashboard's data source variable."""

import json
import math
import os
import threading
import unittest
import urllib.parse

from harness import DaemonTestCase, am_alert
from kafka import MockCluster, produce
from receivers import Receivers
from test_kafka import event, kafka_config
from test_prometheus import PROMETHEUS, Prometheus

DASHBOARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy",
                         "grafana", "alertd.json")
# What Grafana puts in place of its variables; the test scrapes every second.
VARIABLES = {"$__rate_interval": "15s", "$__range": "10m", "$instance": ".*"}
DATA_TIMEOUT = 90


def panels(dashboard):
    for p in dashboard["panels"]:
        yield p
        yield from p.get("panels", [])


def queries(dashboard):
    for p in panels(dashboard):
        for t in p.get("targets", []):
            yield p["title"], t["refId"], t["expr"]


def filled(expr):
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    return expr


class Dashboard(DaemonTestCase):
    def setUp(self):
        super().setUp()
        with open(DASHBOARD) as f:
            self.dashboard = json.load(f)

    def test_structure(self):
        ids = [p["id"] for p in panels(self.dashboard)]
        self.assertEqual(len(ids), len(set(ids)), "panel ids are unique")
        names = [v["name"] for v in self.dashboard["templating"]["list"]]
        self.assertEqual(names, ["datasource", "instance"])
        for p in panels(self.dashboard):
            if p["type"] == "row":
                continue
            with self.subTest(panel=p["title"]):
                self.assertEqual(p["datasource"]["uid"], "${datasource}")
                self.assertTrue(p["targets"], "a panel without a query")
                for t in p["targets"]:
                    self.assertIn('instance=~"$instance"', t["expr"])
        titles = " | ".join(p["title"] for p in panels(self.dashboard))
        for topic in ("received by source", "Rejections by reason", "Queue", "latency",
                      "Open incidents by priority and status", "MTTA", "MTTR", "SLA breaches",
                      "Notifications", "Store", "Journal", "Kafka", "lag"):
            self.assertIn(topic.lower(), titles.lower())

    def test_every_query_returns_data_from_a_real_prometheus(self):
        self.assertTrue(os.access(PROMETHEUS, os.X_OK), f"{PROMETHEUS} missing: run scripts/setup")
        cluster = MockCluster(brokers=1)
        self.addCleanup(cluster.stop)
        rx = Receivers()
        self.addCleanup(rx.close)
        config = kafka_config(cluster.bootstrap, extra=f"""\
            notify:
              group_wait: 0s
              receivers:
                - {{name: hook, webhook: {{url: "{rx.url('/hook')}"}}}}
              routes:
                - {{receivers: [hook]}}
            """)
        d = self.start_daemon(config)
        prom = Prometheus(self.make_workdir(), d.port)
        self.addCleanup(prom.stop)

        # Counters must be scraped before they move, or increase() sees no change.
        d.wait_for(lambda: '"value"' in prom.get("/api/v1/query?query=alertd_ready"),
                   timeout=DATA_TIMEOUT, what="Prometheus' first scrape of alertd")
        d.post_alerts([am_alert({"alertname": "Dash", "service": f"svc-{i}", "instance": "a",
                                 "severity": "critical"}) for i in range(4)])
        produce(cluster.bootstrap, "alerts", [event(f"kafka-{i}", "k") for i in range(4)])
        incidents = d.wait_for(lambda: (lambda i: len(i) >= 8 and i)(d.incidents()),
                               what="incidents from HTTP and Kafka")
        by_service = {i["service"]: i["id"] for i in incidents}
        acting = {"actor": "dash-test"}
        for service in ("svc-0", "svc-1"):
            r = d.request("POST", f"/api/v1/incidents/{by_service[service]}/acknowledge",
                          body=json.dumps(acting), headers={"Content-Type": "application/json"})
            self.assertEqual(r.status, 200, r)
        r = d.request("POST", f"/api/v1/incidents/{by_service['svc-1']}/resolve",
                      body=json.dumps({**acting, "summary": "fixed"}),
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)

        # Latency panels show rates over the last 15 s: keep alerts coming.
        stop = threading.Event()
        self.addCleanup(stop.set)

        def traffic():
            n = 0
            while not stop.wait(0.5):
                n += 1
                d.post_alerts([am_alert({"alertname": "Dash", "service": "svc-2",
                                         "instance": f"t{n}"})])

        threading.Thread(target=traffic, daemon=True).start()
        answers = {}

        def run_all():
            answers.clear()
            for title, ref, expr in queries(self.dashboard):
                q = urllib.parse.quote(filled(expr))
                answers[(title, ref)] = (expr, json.loads(prom.get(f"/api/v1/query?query={q}")))
            return all(self.finite(a) for _, a in answers.values())

        try:
            d.wait_for(run_all, timeout=DATA_TIMEOUT, what="every dashboard query to have data")
        except AssertionError:
            pass  # the subtests below name each query without data
        for (title, ref), (expr, answer) in answers.items():
            with self.subTest(panel=title, ref=ref):
                self.assertEqual(answer["status"], "success", expr)
                self.assertTrue(self.finite(answer), f"no data: {expr}\n{answer}")
        stop.set()
        self.assertGreater(len(answers), 25)

    @staticmethod
    def finite(answer):
        if answer.get("status") != "success":
            return False
        return any(math.isfinite(float(s["value"][1])) for s in answer["data"]["result"])


if __name__ == "__main__":
    unittest.main()
