"""A real Alertmanager (Debian's prometheus-alertmanager) with a webhook
receiver pointed at alertd's /api/v1/ingest/alertmanager: what it sends,
firing then resolved, and its re-sends, become one incident and one member."""

import datetime
import json
import os
import subprocess
import unittest
import urllib.request

from harness import DaemonTestCase, free_port, metric_sum

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
TIMEOUT = 30


def rfc3339(delta_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RealAlertmanagerWebhook(DaemonTestCase):
    def start_alertmanager(self, alertd_port):
        work = self.make_workdir()
        port = free_port()
        config = os.path.join(work, "am.yml")
        with open(config, "w") as f:
            f.write(f"""
route:
  receiver: alertd
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: alertd
    webhook_configs:
      - url: http://127.0.0.1:{alertd_port}/api/v1/ingest/alertmanager
        send_resolved: true
""")
        log = open(os.path.join(work, "am.log"), "w")
        proc = subprocess.Popen(
            [ALERTMANAGER, f"--config.file={config}", f"--storage.path={work}/data",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
            stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(log.close)
        self.addCleanup(lambda: (proc.terminate(), proc.wait(10)))
        return port

    def post_to_alertmanager(self, port, alerts):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v2/alerts",
                                     data=json.dumps(alerts).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            self.assertEqual(r.status, 200)

    def test_firing_resends_and_resolution_arrive_as_one_member(self):
        if not os.access(ALERTMANAGER, os.X_OK):
            self.skipTest(f"{ALERTMANAGER} missing: apt-get install prometheus-alertmanager")
        d = self.start_daemon()
        am = self.start_alertmanager(d.port)
        alert = {"labels": {"alertname": "WebhookE2E", "service": "am-e2e", "severity": "critical"},
                 "annotations": {"summary": "sent through Alertmanager's webhook"},
                 "startsAt": rfc3339(-60), "endsAt": rfc3339(3600)}
        d.wait_for(lambda: self._try_post(am, [alert]), TIMEOUT, "Alertmanager up")
        inc = d.wait_for(lambda: d.incidents(service="am-e2e"), TIMEOUT, "the incident")[0]
        # Re-sends every repeat_interval (2s) stay one member.
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_alerts_received_total",
                                      source="alertmanager") >= 2, TIMEOUT, "a re-send")
        detail = d.incident(inc["id"])
        self.assertEqual(len(detail["members"]), 1)
        member = detail["members"][0]
        self.assertEqual(member["labels"]["alertname"], "WebhookE2E")
        self.assertEqual(member["status"], "firing")
        self.assertEqual(member["source"], "alertmanager")
        self.assertEqual(member["annotations"]["summary"], "sent through Alertmanager's webhook")
        # Resolved at Alertmanager: send_resolved brings it to alertd.
        alert["endsAt"] = rfc3339(-1)
        self.post_to_alertmanager(am, [alert])
        d.wait_for(lambda: d.incident(inc["id"])["members"][0]["status"] == "resolved", TIMEOUT,
                   "the resolution")
        self.assertEqual([i["id"] for i in d.incidents(service="am-e2e")], [inc["id"]])

    def _try_post(self, port, alerts):
        try:
            self.post_to_alertmanager(port, alerts)
            return True
        except OSError:
            return False


if __name__ == "__main__":
    unittest.main()
