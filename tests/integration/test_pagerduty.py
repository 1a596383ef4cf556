"""PagerDuty Events API v2 in, against the real daemon: a trigger opens an
incident titled by its summary, resolve resolves the alert it triggered,
refusals are PagerDuty's 400 with every problem, and under auth the
routing_key is the sender's token."""

import json
import unittest

from harness import DaemonTestCase, metric_sum

ROUTING_KEY = "pd-routing-key-0123456789abcdef"


def trigger(dedup_key=None, summary="DiskFull on db-07:/var (97%)"):
    event = {"routing_key": ROUTING_KEY, "event_action": "trigger",
             "payload": {"summary": summary, "source": "db-07", "severity": "critical",
                         "class": "disk", "custom_details": {"service": "pd-e2e"}}}
    if dedup_key:
        event["dedup_key"] = dedup_key
    return event


class PagerDutyIn(DaemonTestCase):
    def test_trigger_then_resolve_and_refusals(self):
        d = self.start_daemon()
        r = d.post("/v2/enqueue", trigger("disk-db-07"))
        self.assertEqual(r.status, 202)
        self.assertEqual(r.json(), {"status": "success", "message": "Event processed",
                                    "dedup_key": "disk-db-07"})
        inc = d.wait_for(lambda: d.incidents(service="pd-e2e"), what="the incident")[0]
        self.assertEqual(inc["title"], "DiskFull on db-07:/var (97%) (pd-e2e)")
        r = d.post("/api/v1/ingest/pagerduty",
                   {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": "disk-db-07"})
        self.assertEqual(r.status, 202)
        d.wait_for(lambda: d.incident(inc["id"])["members"][0]["status"] == "resolved",
                   what="the resolution")
        # A trigger without dedup_key gets one, returned.
        r = d.post("/v2/enqueue", trigger(summary="other"))
        self.assertEqual(r.status, 202)
        self.assertEqual(len(r.json()["dedup_key"]), 32)
        # Refused as PagerDuty refuses, with every problem, and counted.
        r = d.post("/v2/enqueue", {"event_action": "trigger", "payload": {"severity": "fatal"}})
        self.assertEqual(r.status, 400)
        body = r.json()
        self.assertEqual(body["status"], "invalid event")
        self.assertEqual(len(body["errors"]), 4, body)
        self.assertEqual(metric_sum(d.metrics(), "alertd_alerts_rejected_total",
                                    reason="invalid_value", source="pagerduty"), 1)

    def test_the_routing_key_is_the_token_under_auth(self):
        d = self.start_daemon({"auth": {"tokens": [
            {"token": "admin-token-0123456789abcdef", "role": "admin", "name": "admin"}], "ingest": [
            {"token": ROUTING_KEY, "source": "pagerduty", "name": "pd-sender", "tenant": "ops"}]}})
        r = d.post("/v2/enqueue", dict(trigger("k1"), routing_key="not-a-known-key-0000"))
        self.assertEqual(r.status, 401)
        r = d.post("/v2/enqueue", trigger("k1"))
        self.assertEqual(r.status, 202, r.body)


if __name__ == "__main__":
    unittest.main()
