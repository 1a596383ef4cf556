"""GET /metrics: valid Prometheus text (promtool), the documented families,
and counters that move with the traffic."""

import os
import re
import subprocess
import unittest

from harness import DaemonTestCase, am_alert, metric_sum

PROMTOOL = "/usr/bin/promtool"
FAMILIES = {
    "alertd_audit_head_seq": "gauge",
    "alertd_alerts_received_total": "counter",
    "alertd_alerts_rejected_total": "counter",
    "alertd_alerts_deduplicated_total": "counter",
    "alertd_queue_depth": "gauge",
    "alertd_queue_capacity": "gauge",
    "alertd_ready": "gauge",
    "alertd_incidents_created_total": "counter",
    "alertd_incidents_open": "gauge",
    "alertd_processing_latency_seconds": "histogram",
    "alertd_build_info": "gauge",
}


class Metrics(DaemonTestCase):
    def scrape_text(self, d):
        r = d.get("/metrics")
        self.assertEqual(r.status, 200, r)
        ctype = r.headers.get("content-type", "")
        self.assertTrue(ctype.startswith("text/plain"), ctype)
        self.assertIn("version=0.0.4", ctype)
        text = r.body.decode("utf-8")
        self.assertTrue(text.endswith("\n"), "last line must end with a newline")
        return text

    def promtool_check(self, text):
        if not os.access(PROMTOOL, os.X_OK):
            self.skipTest(f"{PROMTOOL} missing (Debian package prometheus)")
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0,
                         f"promtool check metrics failed:\n{p.stdout.decode()}{p.stderr.decode()}"
                         f"\n--- body ---\n{text[:5000]}")

    def types(self, text):
        return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))

    def test_exposition_and_counters(self):
        d = self.start_daemon()
        text = self.scrape_text(d)
        self.promtool_check(text)
        types = self.types(text)
        for name, kind in FAMILIES.items():
            with self.subTest(family=name):  # present from the start, before any traffic
                self.assertEqual(types.get(name), kind, f"# TYPE {name} {kind} missing")
                self.assertRegex(text, re.compile(rf"^# HELP {name} \S", re.M))
        m = d.metrics()
        build = [v for (n, _), v in m.items() if n == "alertd_build_info"]
        self.assertEqual(build, [1.0])
        self.assertEqual(metric_sum(m, "alertd_ready"), 1)
        for queue in ("shard", "correlator", "store"):
            with self.subTest(queue_capacity=queue):
                self.assertGreater(metric_sum(m, "alertd_queue_capacity", queue=queue), 0)
        self.assertEqual(metric_sum(m, "alertd_incidents_open"), 0)
        base_recv = metric_sum(m, "alertd_alerts_received_total")
        base_dedup = metric_sum(m, "alertd_alerts_deduplicated_total")
        base_created = metric_sum(m, "alertd_incidents_created_total")
        base_lat = metric_sum(m, "alertd_processing_latency_seconds_count")

        batch = [am_alert({"alertname": "M", "service": f"m-{s}", "instance": f"i{i}"})
                 for s in range(10) for i in range(3)]
        d.post_alerts(batch)
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_incidents_open") == 10,
                   what="alertd_incidents_open == 10")
        # The gauge moves when the correlator decides; latency is observed at
        # the store commit, a batch later.
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_processing_latency_seconds_count")
                   > base_lat, what="the first commit observed")
        m = d.metrics()
        with self.subTest(counter="received"):
            self.assertEqual(metric_sum(m, "alertd_alerts_received_total") - base_recv, 30)
            self.assertEqual(metric_sum(m, "alertd_alerts_received_total", source="prometheus")
                             - base_recv, 30, "Alertmanager v2 posts count as source=prometheus")
        self.assertEqual(metric_sum(m, "alertd_incidents_created_total") - base_created, 10)
        self.assertEqual(metric_sum(m, "alertd_alerts_deduplicated_total") - base_dedup, 0)
        self.assertGreater(metric_sum(m, "alertd_processing_latency_seconds_count"), base_lat)

        # The same batch again: all 30 are re-sends.
        d.post_alerts(batch)
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_alerts_deduplicated_total")
                   - base_dedup == 30, what="30 deduplicated")
        m = d.metrics()
        with self.subTest(counter="received"):
            self.assertEqual(metric_sum(m, "alertd_alerts_received_total") - base_recv, 60)
        self.assertEqual(metric_sum(m, "alertd_incidents_created_total") - base_created, 10)

        # Generic events count as received too.
        d.post_events([{"labels": {"alertname": "G", "service": "m-0", "instance": "g"},
                        "status": "firing"}] * 2)
        with self.subTest(counter="received"):
            d.wait_for(lambda: metric_sum(d.metrics(), "alertd_alerts_received_total")
                       - base_recv == 62, what="62 received")

        # Resolving every alert of 4 services closes 4 incidents.
        now_resolved = [am_alert(a["labels"], resolved=True) for a in batch
                        if a["labels"]["service"] in ("m-6", "m-7", "m-8", "m-9")]
        d.post_alerts(now_resolved)
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_incidents_open") == 6,
                   what="alertd_incidents_open == 6")
        # The gauge moves when the correlator decides; the store a batch later.
        d.wait_for(lambda: len(d.incidents(status="open")) == 6, what="6 open in the store")

        # A rejection shows up by reason.
        before = metric_sum(d.metrics(), "alertd_alerts_rejected_total", reason="empty_labels")
        self.assertEqual(d.post("/api/v2/alerts", b'[{"labels": {}}]').status, 400)
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_alerts_rejected_total",
                                      reason="empty_labels") == before + 1,
                   what="rejected{reason=empty_labels} + 1")

        # Histogram invariants and idle queues.
        m = d.metrics()
        inf = metric_sum(m, "alertd_processing_latency_seconds_bucket", le="+Inf")
        self.assertEqual(inf, metric_sum(m, "alertd_processing_latency_seconds_count"))
        self.assertGreaterEqual(metric_sum(m, "alertd_processing_latency_seconds_sum"), 0)
        depths = [(dict(ls), v) for (n, ls), v in m.items() if n == "alertd_queue_depth"]
        self.assertTrue(depths, "alertd_queue_depth has no samples")
        for labels, _ in depths:
            self.assertIn("queue", labels)
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_queue_depth") == 0,
                   what="queues drain to 0 when idle")

        # With traffic every labelled family has samples; still valid.
        self.promtool_check(self.scrape_text(d))


if __name__ == "__main__":
    unittest.main()
