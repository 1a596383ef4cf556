"""Alerts in through the HTTP API, incidents out through the HTTP API."""

import json
import re
import time
import unittest

from harness import DaemonTestCase, am_alert, metric_sum, parse_time, rfc3339

INC_ID = re.compile(r"^INC-[1-9][0-9]*$")
INCIDENT_FIELDS = {"id", "tenant", "title", "service", "status", "priority", "severity",
                   "group_key", "rule", "opened_at", "updated_at", "acknowledged_at",
                   "resolved_at", "closed_at", "alert_count", "firing_count"}
MEMBER_FIELDS = {"fingerprint", "labels", "annotations", "status", "source", "first_seen",
                 "last_seen", "resolved_at", "event_count"}


def by_service(incidents):
    out = {}
    for inc in incidents:
        out.setdefault(inc["service"], []).append(inc)
    return out


def member_by_instance(detail):
    return {m["labels"].get("instance"): m for m in detail["members"]}


class IncidentShape(DaemonTestCase):
    def assert_incident_shape(self, inc):
        missing = INCIDENT_FIELDS - inc.keys()
        self.assertFalse(missing, f"incident lacks {missing}: {inc}")
        self.assertRegex(inc["id"], INC_ID)
        self.assertIn(inc["priority"], {"P1", "P2", "P3", "P4"})
        self.assertIn(inc["severity"], {"sev1", "sev2", "sev3", "sev4"})
        self.assertIsInstance(inc["title"], str)
        self.assertTrue(inc["title"], "empty title")
        self.assertTrue(inc["group_key"], "empty group_key")
        self.assertIsNotNone(parse_time(inc["opened_at"]))
        self.assertGreaterEqual(parse_time(inc["updated_at"]), parse_time(inc["opened_at"]))
        self.assertIsNone(inc["acknowledged_at"])
        self.assertIsNone(inc["closed_at"])
        self.assertLessEqual(inc["firing_count"], inc["alert_count"])


class AlertmanagerIngest(IncidentShape):
    """Prometheus-shaped batches: several services, re-sends, resolves."""

    def batch(self, now):
        return [
            am_alert({"alertname": "HighLatency", "service": "checkout", "instance": "web-1",
                      "severity": "critical"}, now=now),
            am_alert({"alertname": "HighLatency", "service": "checkout", "instance": "web-2",
                      "severity": "critical"}, now=now),
            am_alert({"alertname": "ErrorRate", "service": "checkout", "instance": "web-1",
                      "severity": "warning"}, now=now),
            am_alert({"alertname": "DiskFull", "service": "payments", "instance": "db-1",
                      "severity": "warning"}, {"summary": "disk /var 97%"}, now=now),
            # No service label: grouped by the alertname fallback.
            am_alert({"alertname": "NodeDown", "instance": "node-7"}, now=now),
            am_alert({"alertname": "NodeDown", "instance": "node-8"}, now=now),
        ]

    def test_batches_resends_and_resolves(self):
        d = self.start_daemon()
        t0 = time.time()
        first = d.post_alerts(self.batch(t0))
        self.assertEqual(first.body, b"", "AM v2 answers 200 with an empty body")

        def three_groups():
            incs = d.incidents()
            svc = by_service(incs)
            return len(incs) == 3 and svc.get("checkout", [{}])[0].get("alert_count") == 3 \
                and svc.get("payments", [{}])[0].get("alert_count") == 1 and incs
        incs = d.wait_for(three_groups, what="3 incidents with all members")
        for inc in incs:
            self.assert_incident_shape(inc)
            self.assertEqual(inc["status"], "open")
            self.assertEqual(inc["alert_count"], inc["firing_count"])
            self.assertIsNone(inc["resolved_at"])
        self.assertEqual(len({i["id"] for i in incs}), 3)
        self.assertEqual(len({i["group_key"] for i in incs}), 3)
        svc = by_service(incs)
        nodedown = [i for i in incs if i["service"] not in ("checkout", "payments")]
        self.assertEqual(len(nodedown), 1, f"NodeDown alerts grouped by alertname: {incs}")
        self.assertEqual(nodedown[0]["alert_count"], 2)
        checkout_id = svc["checkout"][0]["id"]
        payments_id = svc["payments"][0]["id"]

        # Detail: members carry the posted labels and annotations.
        detail = d.incident(checkout_id)
        self.assertFalse((INCIDENT_FIELDS | {"members"}) - detail.keys())
        self.assertEqual(len(detail["members"]), 3)
        for m in detail["members"]:
            self.assertFalse(MEMBER_FIELDS - m.keys(), f"member lacks fields: {m}")
            self.assertRegex(m["fingerprint"], r"^[0-9a-f]{16}$")
            self.assertEqual(m["status"], "firing")
            self.assertEqual(m["labels"]["service"], "checkout")
            self.assertEqual(m["event_count"], 1)
            self.assertIsNone(m["resolved_at"])
        self.assertEqual(len({m["fingerprint"] for m in detail["members"]}), 3)
        self.assertIn({"alertname": "HighLatency", "service": "checkout", "instance": "web-2",
                       "severity": "critical"}, [m["labels"] for m in detail["members"]])
        pay = d.incident(payments_id)
        self.assertEqual(pay["members"][0]["annotations"], {"summary": "disk /var 97%"})

        # Re-send the same batch (Prometheus re-sends every minute): still one
        # member per label set, no new incident. Within dedup.touch_interval
        # (1m) re-sends stop at the shard and are only counted.
        dedup0 = metric_sum(d.metrics(), "alertd_alerts_deduplicated_total")
        d.post_alerts(self.batch(time.time()))
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_alerts_deduplicated_total")
                   == dedup0 + 6, what="6 re-sends deduplicated")
        incs2 = d.incidents()
        self.assertEqual(sorted(i["id"] for i in incs2), sorted(i["id"] for i in incs))
        self.assertEqual(by_service(incs2)["checkout"][0]["alert_count"], 3)

        # Resolve payments' only alert and one of checkout's three.
        now = time.time()
        d.post_alerts([
            am_alert({"alertname": "DiskFull", "service": "payments", "instance": "db-1",
                      "severity": "warning"}, resolved=True, now=now),
            am_alert({"alertname": "ErrorRate", "service": "checkout", "instance": "web-1",
                      "severity": "warning"}, resolved=True, now=now),
        ])
        pay = d.wait_for(lambda: (lambda i: i["status"] == "resolved" and i)(
            d.incident(payments_id)), what="payments incident resolved")
        self.assertEqual(pay["firing_count"], 0)
        self.assertEqual(pay["alert_count"], 1)
        self.assertIsNotNone(pay["resolved_at"])
        self.assertGreaterEqual(parse_time(pay["resolved_at"]), parse_time(pay["opened_at"]))
        self.assertEqual(pay["members"][0]["status"], "resolved")
        self.assertIsNotNone(pay["members"][0]["resolved_at"])

        chk = d.wait_for(lambda: (lambda i: i["firing_count"] == 2 and i)(
            d.incident(checkout_id)), what="checkout firing_count 2")
        self.assertEqual(chk["status"], "open")
        self.assertEqual(chk["alert_count"], 3)
        self.assertIsNone(chk["resolved_at"])
        members = {m["labels"]["alertname"] + "/" + m["labels"]["instance"]: m
                   for m in chk["members"]}
        self.assertEqual(members["ErrorRate/web-1"]["status"], "resolved")
        self.assertEqual(members["HighLatency/web-1"]["status"], "firing")

        # Filters.
        open_ids = {i["id"] for i in d.incidents(status="open")}
        self.assertIn(checkout_id, open_ids)
        self.assertNotIn(payments_id, open_ids)
        self.assertEqual([i["id"] for i in d.incidents(status="resolved")], [payments_id])
        self.assertEqual([i["id"] for i in d.incidents(service="checkout")], [checkout_id])
        self.assertEqual(d.incidents(service="no-such-service"), [])
        prio = chk["priority"]
        self.assertIn(checkout_id, {i["id"] for i in d.incidents(priority=prio)})

        # Timelines.
        tl = d.timeline(payments_id)
        self.assertEqual(tl["incident_id"], payments_id)
        actions = [e["action"] for e in tl["entries"]]
        self.assertEqual(actions[0], "create", actions)
        self.assertIn("member_resolved", actions)
        self.assertIn("status_change", actions)
        seqs = [e["seq"] for e in tl["entries"]]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), len(seqs))
        for e in tl["entries"]:
            self.assertTrue({"seq", "at", "actor", "action", "detail"} <= e.keys(), e)
            self.assertIsNotNone(parse_time(e["at"]))
        tl = d.timeline(checkout_id)
        actions = [e["action"] for e in tl["entries"]]
        self.assertEqual(actions[0], "create", actions)
        self.assertIn("member_resolved", actions)
        self.assertNotIn("status_change", actions, "checkout is still open")
        # create + added members account for all three distinct alerts.
        self.assertGreaterEqual(actions.count("member_added") + 1, 3, actions)

        # Unknown ids.
        r = d.get("/api/v1/incidents/INC-999999")
        self.assertEqual(r.status, 404, r)
        self.assertIn("error", r.json())
        self.assertEqual(d.get("/api/v1/incidents/INC-999999/timeline").status, 404)

    def test_resends_touch_members(self):
        """With touch_interval 0 every re-send reaches the incident: event_count
        grows and last_seen moves, while first_seen stays."""
        d = self.start_daemon({"dedup": {"touch_interval": "0s"}})
        labels = {"alertname": "Touchy", "service": "touch", "instance": "t-1"}
        d.post_alerts([am_alert(labels)])
        inc = d.wait_for(lambda: d.incidents(service="touch"), what="touch incident")[0]
        first = d.incident(inc["id"])["members"][0]
        self.assertEqual(first["event_count"], 1)
        for _ in range(2):
            d.post_alerts([am_alert(labels)])
        m = d.wait_for(lambda: (lambda m: m["event_count"] == 3 and m)(
            d.incident(inc["id"])["members"][0]), what="event_count 3")
        self.assertEqual(m["first_seen"], first["first_seen"])
        self.assertGreater(parse_time(m["last_seen"]), parse_time(first["last_seen"]))
        self.assertEqual(d.incident(inc["id"])["alert_count"], 1)

    def test_refire_after_resolve(self):
        d = self.start_daemon()
        labels = {"alertname": "Flappy", "service": "search", "instance": "s-1"}
        d.post_alerts([am_alert(labels)])
        inc = d.wait_for(lambda: d.incidents(service="search"), what="search incident")[0]
        d.post_alerts([am_alert(labels, resolved=True)])
        d.wait_for(lambda: d.incident(inc["id"])["status"] == "resolved", what="resolved")
        d.post_alerts([am_alert(labels)])

        def refired():
            incs = d.incidents(service="search")
            return any(i["status"] == "open" and i["firing_count"] == 1 for i in incs) and incs
        incs = d.wait_for(refired, what="search alert firing again")
        # Either the incident reopened (member_refired) or a new one opened:
        # both keep one member per label set and never lose the history.
        if len(incs) == 1:
            actions = [e["action"] for e in d.timeline(inc["id"])["entries"]]
            self.assertIn("member_refired", actions)
        else:
            self.assertEqual(d.incident(inc["id"])["status"], "resolved")

    def test_pagination_newest_first(self):
        d = self.start_daemon()
        services = [f"pg-{i}" for i in range(7)]
        for s in services:  # one request each so creation order is defined
            d.post_alerts([am_alert({"alertname": "A", "service": s})])
            d.wait_for(lambda s=s: d.incidents(service=s), what=f"incident for {s}")
        everything = d.incidents()
        self.assertEqual(len(everything), 7)
        # Newest first: the last service posted comes first.
        self.assertEqual([i["service"] for i in everything], list(reversed(services)))
        opened = [parse_time(i["opened_at"]) for i in everything]
        self.assertEqual(opened, sorted(opened, reverse=True))

        pages, cursor = [], None
        for _ in range(10):
            q = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = d.get_json("/api/v1/incidents" + q)
            self.assertLessEqual(len(page["incidents"]), 3)
            pages.append([i["id"] for i in page["incidents"]])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual([len(p) for p in pages], [3, 3, 1])
        self.assertEqual(sum(pages, []), [i["id"] for i in everything])

        for bad in ("?limit=abc", "?status=bogus", "?cursor=%00%01garbage"):
            r = d.get("/api/v1/incidents" + bad)
            self.assertEqual(r.status, 400, f"{bad}: {r}")
            self.assertIn("error", r.json())


class GenericEventIngest(IncidentShape):
    def test_object_array_ndjson(self):
        d = self.start_daemon()
        now = int(time.time())
        one = {"labels": {"alertname": "QueueBacklog", "service": "orders", "queue": "q1"},
               "annotations": {"summary": "backlog"}, "status": "firing",
               "timestamp": now, "source": "cron-check"}
        self.assertEqual(d.post_events(one), {"accepted": 1})

        arr = [{"labels": {"alertname": "QueueBacklog", "service": "orders", "queue": f"q{i}"},
                "status": "firing", "timestamp": rfc3339(now)} for i in range(2, 5)]
        self.assertEqual(d.post_events(arr), {"accepted": 3})

        lines = [{"labels": {"alertname": "CertExpiry", "service": "edge", "host": f"e{i}"},
                  "status": "firing", "timestamp": now} for i in range(4)]
        body = "\n".join(json.dumps(x) for x in lines) + "\n"
        self.assertEqual(d.post_events(body, "application/x-ndjson"), {"accepted": 4})

        def ready():
            svc = by_service(d.incidents())
            return (svc.get("orders", [{}])[0].get("alert_count") == 4
                    and svc.get("edge", [{}])[0].get("alert_count") == 4 and svc)
        svc = d.wait_for(ready, what="orders with 4 members and edge with 4 members")
        self.assertEqual(len(svc["orders"]), 1)
        self.assertEqual(len(svc["edge"]), 1)
        for incs in svc.values():
            self.assert_incident_shape(incs[0])
        orders = d.incident(svc["orders"][0]["id"])
        q1 = [m for m in orders["members"] if m["labels"]["queue"] == "q1"][0]
        self.assertEqual(q1["annotations"], {"summary": "backlog"})
        self.assertTrue(q1["source"])
        # The event's own timestamp is its first_seen (within clock precision).
        self.assertAlmostEqual(parse_time(q1["first_seen"]), now, delta=2)

        # A resolved event closes one member; resolving all resolves the incident.
        resolve = [{"labels": {"alertname": "CertExpiry", "service": "edge", "host": f"e{i}"},
                    "status": "resolved", "timestamp": now + 1} for i in range(4)]
        body = "\n".join(json.dumps(x) for x in resolve)  # no trailing newline
        self.assertEqual(d.post_events(body, "application/x-ndjson"), {"accepted": 4})
        edge = d.wait_for(lambda: (lambda i: i["status"] == "resolved" and i)(
            d.incident(svc["edge"][0]["id"])), what="edge resolved")
        self.assertEqual(edge["firing_count"], 0)
        self.assertTrue(all(m["status"] == "resolved" for m in edge["members"]))
        self.assertEqual(d.incident(svc["orders"][0]["id"])["status"], "open")

    def test_content_type_variants(self):
        d = self.start_daemon()
        ev = {"labels": {"alertname": "X", "service": "ct"}, "status": "firing"}
        # JSON is the default: no Content-Type and charset parameters are
        # fine, and a single object is also valid NDJSON.
        self.assertEqual(d.post_events(ev, content_type=None), {"accepted": 1})
        self.assertEqual(d.post_events([ev], "application/json; charset=utf-8"), {"accepted": 1})
        r = d.post("/api/v1/events", json.dumps(ev), "application/x-ndjson")
        self.assertEqual((r.status, r.json()), (200, {"accepted": 1}))
        r = d.post("/api/v2/alerts", [am_alert({"alertname": "X", "service": "ct"})],
                   content_type=None)
        self.assertEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main()
