"""Webhooks over HTTP. A real Alertmanager (Debian's prometheus-alertmanager)
with a webhook receiver pointed at alertd's /api/v1/ingest/alertmanager:
what it sends, firing then resolved, and its re-sends, become one incident
and one member. Grafana's webhook contact point (POST and PUT) and Splunk's
stock alert webhook action, with the payloads their documentation shows
(neither is in Debian), and the 'High Error Rate' rule of docs/rules.md."""

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


def grafana_alert(name, zone, status="firing"):
    """One alert of Grafana's webhook payload (version "1"), as its docs show it."""
    return {"status": status,
            "labels": {"alertname": name, "team": "blue", "zone": zone},
            "annotations": {"description": "The system has high memory usage",
                            "runbook_url": "https://myrunbook.com/runbook/1234",
                            "summary": f"This alert was triggered for zone {zone}"},
            "startsAt": rfc3339(-120),
            "endsAt": rfc3339(-1) if status == "resolved" else "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana"
                          f"&matchers=alertname%3D{name}%2Cteam%3Dblue%2Czone%3D{zone}",
            "dashboardURL": "", "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
            "valueString": "[ var='B' labels={__name__=go_memstats_heap_inuse_bytes} "
                           "value=44.23943737541908 ], [ var='C' labels={} value=1 ]"}


def grafana_payload(alerts):
    firing = sum(1 for a in alerts if a["status"] == "firing")
    return {"receiver": "alertd", "status": "firing" if firing else "resolved", "orgId": 1,
            "alerts": alerts, "groupLabels": {}, "commonLabels": {"team": "blue"},
            "commonAnnotations": {}, "externalURL": "https://play.grafana.org/",
            "version": "1", "groupKey": "{}:{}", "truncatedAlerts": 0,
            "title": f"[FIRING:{firing}]  (blue)", "state": "alerting",
            "message": "**Firing**\n\nLabels:\n - alertname = High memory usage\n"}


class GrafanaWebhook(DaemonTestCase):
    def send(self, d, method, alerts):
        r = d.request(method, "/api/v1/ingest/grafana", json.dumps(grafana_payload(alerts)),
                      {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        return r.json()

    def members(self, d):
        return [m for inc in d.incidents() for m in d.incident(inc["id"])["members"]]

    def test_post_then_put_resolve_with_extras_as_annotations(self):
        d = self.start_daemon()
        both = [grafana_alert("High memory usage", "us-1"),
                grafana_alert("High memory usage", "eu-1")]
        self.assertEqual(self.send(d, "POST", both), {"accepted": 2})
        self.assertEqual(self.send(d, "POST", both), {"accepted": 2})  # Grafana re-sends
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_alerts_received_total",
                                      source="grafana") == 4, what="both sends")
        members = d.wait_for(lambda: len(self.members(d)) == 2 and self.members(d),
                             what="two members")
        self.assertEqual(len(self.members(d)), 2, "re-sends are the same alerts")
        us = next(m for m in members if m["labels"]["zone"] == "us-1")
        self.assertEqual(us["source"], "grafana")
        self.assertEqual(us["status"], "firing")
        notes = us["annotations"]
        self.assertEqual(notes["summary"], "This alert was triggered for zone us-1")
        self.assertEqual(notes["values"], "B=44.23943737541908, C=1")
        self.assertIn("go_memstats_heap_inuse_bytes", notes["valueString"])
        self.assertIn("alertname%3DHigh memory usage", notes["silenceURL"])
        self.assertNotIn("dashboardURL", notes)  # empty extras are not kept
        # A contact point set to PUT resolves one of them.
        self.assertEqual(self.send(d, "PUT", [grafana_alert("High memory usage", "us-1",
                                                             "resolved")]), {"accepted": 1})
        d.wait_for(lambda: [m["status"] for m in self.members(d)
                            if m["labels"]["zone"] == "us-1"] == ["resolved"],
                   what="us-1 resolved")
        self.assertEqual([m["status"] for m in self.members(d) if m["labels"]["zone"] == "eu-1"],
                         ["firing"])

    def test_a_templated_payload_is_refused_and_changes_nothing(self):
        d = self.start_daemon()
        r = d.request("POST", "/api/v1/ingest/grafana", '{"text": "custom template"}',
                      {"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(metric_sum(d.metrics(), "alertd_alerts_received_total",
                                    source="grafana"), 0)
        self.assertEqual(d.incidents(), [])


HIGH_ERROR_RATE = """\
correlation:
  settle: 0s
rules:
  - name: splunk-high-error-rate
    match: ['source="splunk"', 'alertname="High Error Rate"']
    threshold: {count: 5, within: 5m}
    group_by: [host]
    set: {severity: high, category: software}
"""


def splunk_webhook(search_name, host, sid):
    """Splunk's stock webhook alert action body, as its documentation shows it."""
    return {"result": {"host": host, "sourcetype": "access_combined", "status": "503",
                       "count": "8"},
            "sid": sid,
            "results_link": f"http://web.example.local:8000/app/search/@go?sid={sid}",
            "search_name": search_name, "owner": "admin", "app": "search"}


class SplunkAlertWebhook(DaemonTestCase):
    def fire(self, d, body):
        r = d.request("POST", "/api/v1/ingest/splunk", json.dumps(body),
                      {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"accepted": 1})

    def test_high_error_rate_opens_at_the_fifth_result_per_host(self):
        d = self.start_daemon(config=HIGH_ERROR_RATE)
        for i in range(4):
            self.fire(d, splunk_webhook("High Error Rate", "web-1", f"scheduler_admin_{i}"))
        self.fire(d, splunk_webhook("High Error Rate", "web-2", "scheduler_admin_other"))
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_rule_held_alerts_total") == 5,
                   what="five results held below the threshold")
        self.assertEqual(d.incidents(), [], "four on web-1 and one on web-2 open nothing")
        self.fire(d, splunk_webhook("High Error Rate", "web-1", "scheduler_admin_4"))
        incs = d.wait_for(lambda: d.incidents(), what="the incident at the fifth")
        self.assertEqual(len(incs), 1, incs)
        detail = d.incident(incs[0]["id"])
        self.assertEqual(detail["rule"], "splunk-high-error-rate")
        self.assertEqual(detail["group_key"], 'splunk-high-error-rate{host="web-1"}')
        self.assertEqual(detail["category"], "software")
        self.assertEqual(detail["severity"], "sev2")
        member = detail["members"][0]
        self.assertEqual(member["labels"]["alertname"], "High Error Rate")
        self.assertEqual(member["labels"]["severity"], "high")
        self.assertEqual(member["source"], "splunk")
        self.assertEqual(member["annotations"]["app"], "search")
        self.assertTrue(member["annotations"]["sid"].startswith("scheduler_admin_"))

    def test_a_null_search_name_is_splunk_alert(self):
        d = self.start_daemon()
        self.fire(d, splunk_webhook(None, "db-1", "scheduler_admin_search_W2_at_14232356_132"))
        inc = d.wait_for(lambda: d.incidents(), what="the incident")[0]
        member = d.incident(inc["id"])["members"][0]
        self.assertEqual(member["labels"]["alertname"], "splunk_alert")
        self.assertEqual(member["labels"]["host"], "db-1")
        self.assertEqual(member["annotations"]["results_link"],
                         "http://web.example.local:8000/app/search/@go?"
                         "sid=scheduler_admin_search_W2_at_14232356_132")
        r = d.request("POST", "/api/v1/ingest/splunk", '["not", "a", "webhook"]',
                      {"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)


if __name__ == "__main__":
    unittest.main()
