"""Poison input (issue 13): a value no store can keep is refused at ingest
with a 4xx naming the field, never answered 2xx and then dropped or retried
for ever. What is accepted reaches the store exactly, and the writer keeps
going. PoisonChecks runs here on SQLite and in test_postgres on PostgreSQL,
whose btree refuses an index row over 2704 bytes and whose text cannot hold
NUL."""

import json
import random
import string
import unittest

from harness import DaemonTestCase, am_alert, metric_sum


def random_text(n, seed):
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + string.punctuation
    return "".join(rng.choice(alphabet) for _ in range(n))


class PoisonChecks:
    """Mixed into a DaemonTestCase with self.config set to the store's config."""

    def assert_refused(self, r, reason, field):
        self.assertEqual(r.status, 400, r)
        body = r.json()
        self.assertEqual(body["error"], reason, body)
        self.assertIn(field, body["detail"], body)
        self.assertEqual(body.get("accepted"), 0, body)

    def test_values_no_store_can_keep_are_refused_naming_the_field(self):
        d = self.start_daemon(self.config)
        # ~3,200 random characters of service: over PostgreSQL's index row limit.
        long_service = am_alert({"alertname": "Poison", "service": random_text(3200, 1)})
        self.assert_refused(d.post("/api/v2/alerts", [long_service]), "label_value_too_long",
                            "service")
        # Grouped by a label whose values together are too wide for the group key.
        nul = am_alert({"alertname": "Nul", "service": "nul"},
                       annotations={"summary": "before\u0000after"})
        self.assert_refused(d.post("/api/v2/alerts", [nul]), "nul_byte", "summary")
        r = d.post("/api/v1/events", {"labels": {"alertname": "N", "host": "a\u0000b"}})
        self.assert_refused(r, "nul_byte", "host")
        # All or nothing: a good alert beside a poison one is not taken either.
        good = am_alert({"alertname": "Good", "service": "good"})
        self.assert_refused(d.post("/api/v2/alerts", [good, long_service]),
                            "label_value_too_long", "service")

        # What is accepted is kept exactly, C0 controls and a big annotation included.
        controls = "bell\u0007 esc\u001b[31m tab\t cr\r nl\n unit\u001f"
        big = random_text(60000, 2)
        kept = am_alert({"alertname": "Kept", "service": "kept", "note": controls},
                        annotations={"summary": controls, "description": big})
        d.post_alerts([kept])
        inc = d.wait_for(lambda: d.incidents(service="kept"), what="kept incident")[0]
        member = d.incident(inc["id"])["members"][0]
        self.assertEqual(member["labels"]["note"], controls)
        self.assertEqual(member["annotations"]["summary"], controls)
        self.assertEqual(member["annotations"]["description"], big)

        # Nothing was dropped or quarantined, and the writer is not wedged.
        d.post_alerts([good])
        d.wait_for(lambda: d.incidents(service="good"), what="good incident")
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_store_updates_dropped_total"), 0)
        self.assertEqual(metric_sum(m, "alertd_store_quarantined_total"), 0)
        self.assertGreaterEqual(
            metric_sum(m, "alertd_alerts_rejected_total", reason="label_value_too_long"), 2)
        self.assertGreaterEqual(metric_sum(m, "alertd_alerts_rejected_total", reason="nul_byte"), 2)
        self.assertEqual(d.get_json("/api/v1/store/quarantine"), {"records": [], "next_cursor": None})
        d.stop()  # SIGTERM returns: nothing is retried for ever

    def test_management_api_refuses_nul_naming_the_field(self):
        d = self.start_daemon(self.config)
        d.post_alerts([am_alert({"alertname": "A", "service": "svc"})])
        inc = d.wait_for(lambda: d.incidents(service="svc"), what="incident")[0]
        r = d.post(f"/api/v1/incidents/{inc['id']}/comment",
                   {"actor": "alice", "text": "see\u0000this"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["error"], "nul_byte", r)
        self.assertIn("text", r.json()["detail"])
        d.stop()


class PoisonSqlite(PoisonChecks, DaemonTestCase):
    config = {}


class ActiveAlertLimit(DaemonTestCase):
    """limits.max_active_alerts (issue 13): a new alert beyond it is 429
    active_alert_limit and counted; re-sends and resolves still pass."""

    def test_new_alerts_beyond_the_limit_are_refused_and_active_ones_still_pass(self):
        d = self.start_daemon({"limits": {"max_active_alerts": 3}})
        alerts = [am_alert({"alertname": "A", "service": "svc", "instance": str(i)})
                  for i in range(3)]
        d.post_alerts(alerts)
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_active_alerts") == 3,
                   what="3 active alerts")
        new = am_alert({"alertname": "A", "service": "svc", "instance": "new"})
        r = d.post("/api/v2/alerts", [new])
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.json()["error"], "active_alert_limit")
        self.assertIn("retry-after", r.headers)
        # All or nothing: a re-send beside the new alert is refused with it.
        self.assertEqual(d.post("/api/v2/alerts", [alerts[0], new]).status, 429)
        d.post_alerts(alerts)  # re-sends of active alerts pass
        d.post_alerts([am_alert({"alertname": "A", "service": "svc", "instance": "0"},
                                resolved=True)])
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_active_alerts") == 2,
                   what="2 active alerts after a resolve")
        d.post_alerts([new])  # room again
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_alerts_rejected_total",
                                    reason="active_alert_limit"), 3)
        d.stop()


if __name__ == "__main__":
    unittest.main()
