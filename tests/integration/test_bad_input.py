"""Bad input: every rejection reason gets its status code, a JSON error, a
counter increment, and the daemon stays up without losing what it accepted."""

import http.client
import json
import threading
import time
import unittest

from harness import DaemonTestCase, am_alert, metric_sum

REJECTED = "alertd_alerts_rejected_total"
# Reasons about one item of a batch carry its index and the accepted count.
ITEM_REASONS = {"wrong_type", "missing_labels", "empty_labels", "empty_label_name",
                "duplicate_label", "too_many_labels", "label_name_too_long",
                "label_value_too_long", "too_many_annotations", "annotation_too_long",
                "invalid_timestamp"}


def labels_json(n):
    return json.dumps({f"l{i:03d}": "v" for i in range(n)})


# (reason, raw body for POST /api/v2/alerts). Each body is one JSON array.
AM_CASES = [
    ("invalid_json", b'[{"labels": {"alertname": "A"}'),
    ("invalid_json", b'[{"labels": {"alertname": "A"}}] trailing'),
    ("invalid_utf8", b'[{"labels": {"alertname": "\xff\xfe"}}]'),
    ("wrong_type", b'{"labels": {"alertname": "A"}}'),
    ("wrong_type", b'[{"labels": {"alertname": 5}}]'),
    ("wrong_type", b'[{"labels": ["alertname", "A"]}]'),
    ("wrong_type", b'[{"labels": {"alertname": "A"}, "annotations": {"summary": true}}]'),
    ("missing_labels", b'[{"annotations": {"summary": "no labels"}}]'),
    ("empty_labels", b'[{"labels": {}}]'),
    ("empty_label_name", b'[{"labels": {"": "x"}}]'),
    ("duplicate_label", b'[{"labels": {"alertname": "A", "alertname": "B"}}]'),
    ("too_many_labels", ('[{"labels": %s}]' % labels_json(65)).encode()),
    ("label_name_too_long", ('[{"labels": {"%s": "x"}}]' % ("n" * 257)).encode()),
    ("label_value_too_long", ('[{"labels": {"alertname": "%s"}}]' % ("v" * 4097)).encode()),
    ("too_many_annotations", ('[{"labels": {"alertname": "A"}, "annotations": %s}]'
                              % json.dumps({f"a{i}": "x" for i in range(1000)})).encode()),
    ("annotation_too_long", ('[{"labels": {"alertname": "A"}, "annotations": {"d": "%s"}}]'
                             % ("x" * (1 << 20))).encode()),
    ("invalid_timestamp", b'[{"labels": {"alertname": "A"}, "startsAt": "yesterday"}]'),
    ("invalid_timestamp", b'[{"labels": {"alertname": "A"}, "endsAt": "2026-13-45T99:00:00Z"}]'),
]


class BadInput(DaemonTestCase):
    def assert_error(self, r, status, reason, index=None, accepted=None):
        self.assertEqual(r.status, status, f"expected {status} {reason}, got {r}")
        body = r.json()
        self.assertEqual(body.get("error"), reason, body)
        self.assertIsInstance(body.get("detail"), str, body)
        self.assertTrue(body["detail"], body)
        if index is not None:
            self.assertEqual(body.get("index"), index, body)
        if accepted is not None:
            self.assertEqual(body.get("accepted"), accepted, body)
        return body

    def rejected_delta(self, d, reason, before, expect_exact=None):
        """Waits until the rejected counter for `reason` moved past `before`."""
        def moved():
            now = metric_sum(d.metrics(), REJECTED, reason=reason)
            return now > before and now
        after = d.wait_for(moved, what=f"{REJECTED}{{reason={reason!r}}} > {before}")
        if expect_exact is not None:
            self.assertEqual(after - before, expect_exact, reason)
        return after

    def snapshot(self, d, service):
        inc = d.incidents(service=service)
        self.assertEqual(len(inc), 1)
        detail = d.incident(inc[0]["id"])
        return (detail["id"], detail["alert_count"], detail["status"],
                sorted(m["fingerprint"] for m in detail["members"]))

    def test_every_reason_then_still_healthy(self):
        d = self.start_daemon()
        # Accepted before the bad input: must survive all of it intact.
        d.post_alerts([am_alert({"alertname": "Before", "service": "kept", "instance": f"i{i}"})
                       for i in range(3)])
        d.wait_for(lambda: [i for i in d.incidents(service="kept") if i["alert_count"] == 3],
                   what="incident 'kept' with 3 members")
        kept = self.snapshot(d, "kept")

        for reason, body in AM_CASES:
            with self.subTest(reason=reason, body=body[:80]):
                before = metric_sum(d.metrics(), REJECTED, reason=reason)
                r = d.post("/api/v2/alerts", body)
                idx = 0 if reason in ITEM_REASONS and body.startswith(b"[") else None
                self.assert_error(r, 400, reason, index=idx,
                                  accepted=0 if idx is not None else None)
                self.rejected_delta(d, reason, before, expect_exact=1)

        # JSON arrays are all-or-nothing: item 0 is fine, item 2 is bad.
        before = metric_sum(d.metrics(), REJECTED, reason="empty_labels")
        batch = [am_alert({"alertname": "Good", "service": "all-or-nothing"}),
                 am_alert({"alertname": "Good2", "service": "all-or-nothing"}),
                 {"labels": {}}]
        self.assert_error(d.post("/api/v2/alerts", batch), 400, "empty_labels", 2, 0)
        self.rejected_delta(d, "empty_labels", before)
        before = metric_sum(d.metrics(), REJECTED, reason="wrong_type")
        events = [{"labels": {"alertname": "E", "service": "all-or-nothing"}, "status": "firing"},
                  {"labels": {"alertname": "E2"}, "status": 7}]
        self.assert_error(d.post("/api/v1/events", events), 400, "wrong_type", 1, 0)
        self.rejected_delta(d, "wrong_type", before)

        # Generic events: one object, and timestamps in both accepted forms.
        self.assert_error(d.post("/api/v1/events", {"labels": {"alertname": "T"},
                                                    "timestamp": "noon"}),
                          400, "invalid_timestamp")
        self.assert_error(d.post("/api/v1/events", {"status": "firing"}), 400, "missing_labels")
        self.assert_error(d.post("/api/v1/events", b"\x00\x01"), 400, "invalid_json")

        # NDJSON: lines before the bad one are accepted, the rest is not.
        lines = [json.dumps({"labels": {"alertname": "L1", "service": "ndjson-ok"},
                             "status": "firing"}),
                 json.dumps({"labels": {"alertname": "L2", "service": "ndjson-ok"},
                             "status": "firing"}),
                 '{"labels": {"alertname": "L3", "service": "ndjson-bad"',
                 json.dumps({"labels": {"alertname": "L4", "service": "ndjson-after"},
                             "status": "firing"})]
        before = metric_sum(d.metrics(), REJECTED, reason="invalid_json")
        r = d.post("/api/v1/events", "\n".join(lines) + "\n", "application/x-ndjson")
        self.assert_error(r, 400, "invalid_json", index=2, accepted=2)
        self.rejected_delta(d, "invalid_json", before)
        r = d.post("/api/v1/events",
                   lines[0] + "\n" + json.dumps({"labels": {"alertname": "X"}, "status": "x"}),
                   "application/x-ndjson")
        self.assertEqual(r.status, 400, r)
        self.assertEqual((r.json().get("index"), r.json().get("accepted")), (1, 1), r.json())
        d.wait_for(lambda: [i for i in d.incidents(service="ndjson-ok") if i["alert_count"] == 2],
                   what="the 2 NDJSON lines before the bad one")

        # Media type, unknown path.
        for path in ("/api/v2/alerts", "/api/v1/events"):
            with self.subTest(reason="unsupported_media_type", path=path):
                before = metric_sum(d.metrics(), REJECTED, reason="unsupported_media_type")
                r = d.post(path, b"<alerts/>", "application/xml")
                self.assert_error(r, 415, "unsupported_media_type")
                self.rejected_delta(d, "unsupported_media_type", before, expect_exact=1)
        r = d.get("/api/v1/no-such-route")
        self.assertEqual(r.status, 404, r)

        # too_many_alerts at the default limit of 10000 per request.
        big = [{"labels": {"alertname": "Many", "service": "too-many", "i": str(i)}}
               for i in range(10001)]
        before = metric_sum(d.metrics(), REJECTED, reason="too_many_alerts")
        self.assert_error(d.post("/api/v2/alerts", big), 400, "too_many_alerts")
        self.rejected_delta(d, "too_many_alerts", before)

        # Still healthy, still ingesting, and nothing rejected slipped in.
        self.assertEqual(d.get("/-/healthy").status, 200)
        self.assertEqual(d.get("/-/ready").status, 200)
        d.post_alerts([am_alert({"alertname": "After", "service": "marker"})])
        d.wait_for(lambda: d.incidents(service="marker"), what="marker incident")
        self.assertEqual(self.snapshot(d, "kept"), kept)
        services = sorted(i["service"] for i in d.incidents())
        self.assertEqual(services, ["kept", "marker", "ndjson-ok"])

    def test_body_too_large(self):
        d = self.start_daemon({"http": {"max_body_bytes": 2048}})
        small = [am_alert({"alertname": "Small", "service": "small"})]
        d.post_alerts(small)
        big = [am_alert({"alertname": "Big", "service": "big", "i": str(i)}) for i in range(40)]
        self.assertGreater(len(json.dumps(big)), 4096)
        before = metric_sum(d.metrics(), REJECTED, reason="body_too_large")
        r = d.post("/api/v2/alerts", big)
        self.assert_error(r, 413, "body_too_large")
        self.rejected_delta(d, "body_too_large", before, expect_exact=1)
        r = d.post("/api/v1/events", "\n".join(json.dumps({"labels": {"a": str(i)}})
                                              for i in range(200)), "application/x-ndjson")
        self.assert_error(r, 413, "body_too_large")
        self.assertEqual(d.get("/-/healthy").status, 200)
        d.wait_for(lambda: d.incidents(service="small"), what="the small batch")
        self.assertEqual(d.incidents(service="big"), [])

    def test_queue_full_pushes_back(self):
        """Concurrent 50-alert batches against shard queues of 10: a batch
        larger than a queue is taken only while that queue is empty, so some
        requests must get 429 + Retry-After. Every 200 batch is kept whole,
        no 429 batch leaves a trace."""
        # Durability mode none: with the journal, a full queue waits on disk
        # instead (test_durability.py), and only a full journal refuses.
        d = self.start_daemon({"pipeline": {"shards": 2, "queue_capacity": 10},
                               "durability": {"mode": "none"}})
        before = metric_sum(d.metrics(), REJECTED, reason="queue_full")
        results, lock = {}, threading.Lock()
        stop_at = time.monotonic() + 20

        def flood(worker):
            conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
            try:
                for k in range(150):
                    with lock:
                        if time.monotonic() > stop_at or any(
                                r[0] == 429 for r in results.values()) and k > 20:
                            return
                    svc = f"qf-{worker}-{k}"
                    body = json.dumps([am_alert({"alertname": "Burst", "service": svc,
                                                 "i": str(i)}) for i in range(50)])
                    conn.request("POST", "/api/v2/alerts", body,
                                 {"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    data = resp.read()
                    with lock:
                        results[svc] = (resp.status, resp.getheader("Retry-After"), data)
            finally:
                conn.close()

        threads = [threading.Thread(target=flood, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = {r[0] for r in results.values()}
        self.assertLessEqual(statuses, {200, 429}, statuses)
        throttled = {s: r for s, r in results.items() if r[0] == 429}
        self.assertTrue(throttled, f"no 429 in {len(results)} concurrent 50-alert batches")
        status, retry_after, data = next(iter(throttled.values()))
        body = json.loads(data)
        self.assertEqual((body["error"], body.get("accepted")), ("queue_full", 0), body)
        self.assertTrue(retry_after and retry_after.isdigit() and int(retry_after) >= 1,
                        retry_after)
        self.rejected_delta(d, "queue_full", before)

        accepted = {s for s, r in results.items() if r[0] == 200}
        self.assertTrue(accepted)

        def all_kept():
            incs = {i["service"]: i["alert_count"] for i in d.incidents()}
            return set(incs) == accepted and all(n == 50 for n in incs.values()) and incs
        d.wait_for(all_kept, what=f"exactly the {len(accepted)} accepted batches, 50 alerts each")
        self.assertEqual(d.get("/-/healthy").status, 200)
        self.assertEqual(d.get("/-/ready").status, 200)

if __name__ == "__main__":
    unittest.main()
