"""Silences API on the real daemon: create, list, get, expire (DELETE), the
audit timeline, every refusal with its status, reason and counter, and
silences kept across a restart. (Whether a silenced alert is marked on its incident is tested where
the correlator applies silences.)"""

import json
import time
import unittest

from harness import DaemonTestCase, metric_sum, parse_time, rfc3339

API_ERRORS = "alertd_api_errors_total"
FIELDS = {"id", "tenant", "matchers", "starts_at", "ends_at", "created_by", "comment",
          "created_at", "updated_at", "state", "status"}


def silence(**fields):
    body = {"matchers": ['service="db"'], "duration": "2h", "created_by": "alice",
            "comment": "DB maintenance CHG-1"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


class SilencesTestCase(DaemonTestCase):
    def create(self, d, body, expect=201):
        r = d.post("/api/v1/silences", body)
        self.assertEqual(r.status, expect, r)
        return r

    def create_ok(self, d, **fields):
        r = self.create(d, silence(**fields))
        s = r.json()
        self.assertEqual(r.headers.get("location"), f"/api/v1/silences/{s['id']}")
        self.assertEqual(set(s), FIELDS, s)
        self.assertEqual(s["status"], {"state": s["state"]})
        return s

    def delete(self, d, sid, expect=200):
        r = d.request("DELETE", f"/api/v1/silences/{sid}")
        self.assertEqual(r.status, expect, r)
        return r.json()

    def ids(self, d, query=""):
        return [s["id"] for s in d.get_json("/api/v1/silences" + query)["silences"]]


class Silences(SilencesTestCase):
    def test_create_list_get_expire(self):
        d = self.start_daemon()
        before = time.time()
        active = self.create_ok(d, matchers=['service="db"', "instance =~ db-0[1-3].*"],
                                duration="2h")
        self.assertRegex(active["id"], r"^SIL-\d+$")
        self.assertEqual(active["state"], "active")
        # Canonical matcher text: quoted values, no spaces.
        self.assertEqual(active["matchers"], ['service="db"', 'instance=~"db-0[1-3].*"'])
        starts, ends = parse_time(active["starts_at"]), parse_time(active["ends_at"])
        self.assertGreaterEqual(starts, before - 1)
        self.assertLessEqual(starts, time.time() + 1)
        self.assertAlmostEqual(ends - starts, 7200, delta=0.01)
        self.assertEqual(active["created_at"], active["updated_at"])
        self.assertEqual((active["tenant"], active["created_by"], active["comment"]),
                         ("default", "alice", "DB maintenance CHG-1"))

        now = time.time()
        pending = self.create_ok(d, matchers='{alertname="Backup", env!="dev"}',
                                 starts_at=rfc3339(now + 3600), ends_at=rfc3339(now + 7200),
                                 duration=None, comment="nightly backup ünïcödé")
        self.assertEqual(pending["state"], "pending")
        self.assertEqual(pending["matchers"], ['alertname="Backup"', 'env!="dev"'])
        self.assertAlmostEqual(parse_time(pending["starts_at"]), now + 3600, delta=0.01)
        self.assertEqual(pending["comment"], "nightly backup ünïcödé")
        other = self.create_ok(d, tenant="team-a")

        self.assertEqual(self.ids(d), [pending["id"], active["id"]])  # newest first
        self.assertEqual(self.ids(d, "?state=active"), [active["id"]])
        self.assertEqual(self.ids(d, "?state=pending"), [pending["id"]])
        self.assertEqual(self.ids(d, "?state=expired"), [])
        self.assertEqual(self.ids(d, "?tenant=team-a"), [other["id"]])
        self.assertEqual(self.ids(d, "?tenant=nobody"), [])
        self.assertEqual(d.get_json(f"/api/v1/silences/{active['id']}"), active)

        expired = self.delete(d, active["id"])
        self.assertEqual(expired["state"], "expired")
        self.assertLessEqual(parse_time(expired["ends_at"]), time.time())
        self.assertEqual(expired["updated_at"], expired["ends_at"])
        self.assertEqual({k: v for k, v in expired.items()
                          if k not in ("ends_at", "updated_at", "state", "status")},
                         {k: v for k, v in active.items()
                          if k not in ("ends_at", "updated_at", "state", "status")})
        self.assertEqual(d.get_json(f"/api/v1/silences/{active['id']}"), expired)
        self.assertEqual(self.ids(d, "?state=expired"), [active["id"]])
        self.assertEqual(self.ids(d, "?state=active"), [])
        # Expiring it again is fine and changes nothing.
        self.assertEqual(self.delete(d, active["id"]), expired)

        # A pending silence expired before it began reads as expired, not pending.
        gone = self.delete(d, pending["id"])
        self.assertEqual(gone["state"], "expired")
        self.assertEqual(gone["starts_at"], gone["ends_at"])
        # Recorded, never deleted.
        self.assertEqual(self.ids(d), [pending["id"], active["id"]])

    def test_pending_silence_becomes_active(self):
        d = self.start_daemon()
        s = self.create_ok(d, starts_at=rfc3339(time.time() + 1.5), duration="1h")
        self.assertEqual(s["state"], "pending")
        d.wait_for(lambda: d.get_json(f"/api/v1/silences/{s['id']}")["state"] == "active",
                   timeout=6, what="pending silence turns active")
        self.assertEqual(self.ids(d, "?state=active"), [s["id"]])

    def test_start_in_the_past_means_now(self):
        d = self.start_daemon()
        before = time.time()
        s = self.create_ok(d, starts_at=rfc3339(before - 3600), ends_at=rfc3339(before + 600),
                           duration=None)
        self.assertEqual(s["state"], "active")
        self.assertGreaterEqual(parse_time(s["starts_at"]), before - 0.01)
        self.assertAlmostEqual(parse_time(s["ends_at"]), before + 600, delta=0.01)

    def test_null_is_absent(self):
        d = self.start_daemon()
        body = dict(silence(), tenant=None, starts_at=None)  # sent as JSON null
        s = self.create(d, json.dumps(body)).json()
        self.assertEqual((s["tenant"], s["state"]), ("default", "active"))

    def test_unknown_ids(self):
        d = self.start_daemon()
        for sid in ("SIL-1", "SIL-0", "INC-1", "nope", "SIL-%FF"):
            r = d.get(f"/api/v1/silences/{sid}")
            self.assertEqual(r.status, 404, (sid, r))
            self.assertEqual(r.json()["error"], "not_found")
            r = d.request("DELETE", f"/api/v1/silences/{sid}")
            self.assertEqual(r.status, 404, (sid, r))
        r = d.request("PUT", "/api/v1/silences")
        self.assertEqual(r.status, 405, r)


class Timeline(SilencesTestCase):
    def test_create_and_expire_are_audit_entries(self):
        d = self.start_daemon()
        s = self.create_ok(d, created_by="alice", tenant="team-a")
        sid = s["id"]
        expired = self.delete(d, sid)
        self.delete(d, sid)  # already ended: changes nothing, so no entry
        t = d.get_json(f"/api/v1/silences/{sid}/timeline")
        self.assertEqual(t["silence_id"], sid)
        # Without auth the caller of DELETE is "anonymous".
        self.assertEqual([(e["action"], e["actor"]) for e in t["entries"]],
                         [("silence", "alice"), ("silence_expire", "anonymous")])
        created, ended = t["entries"]
        self.assertEqual(created["at"], s["created_at"])
        self.assertEqual(created["detail"], {
            "tenant": "team-a", "matchers": s["matchers"], "starts_at": s["starts_at"],
            "ends_at": s["ends_at"], "comment": s["comment"]})
        self.assertEqual(ended["at"], expired["updated_at"])
        self.assertEqual(ended["detail"],
                         {"changes": {"ends_at": {"from": s["ends_at"], "to": expired["ends_at"]}}})
        # Chained like every other entry, and the chain verifies.
        self.assertEqual(ended["prev_hash"], created["hash"])
        v = d.get_json("/api/v1/audit/verify")
        self.assertEqual((v["ok"], v["entries"], v["head_hash"]), (True, 2, ended["hash"]))

        for bad in ("SIL-99", "SIL-0", "INC-1", "nope"):
            r = d.get(f"/api/v1/silences/{bad}/timeline")
            self.assertEqual(r.status, 404, (bad, r))
            self.assertEqual(r.json()["error"], "not_found")


def refusal_cases():
    """(name, raw body, status, reason, text the detail must contain)."""
    now = time.time()
    cases = [
        ("truncated", b'{"matchers": ["a=\\"b\\""', 400, "invalid_json", ""),
        ("trailing", json.dumps(silence()).encode() + b" x", 400, "invalid_json", ""),
        ("not utf-8", b'{"comment": "\xff\xfe"}', 400, "invalid_utf8", ""),
        ("array body", b"[]", 400, "wrong_type", "object"),
        ("matchers number", silence(matchers=5), 400, "wrong_type", "matchers"),
        ("matcher number", silence(matchers=['a="1"', 7]), 400, "wrong_type", "matcher 1"),
        ("comment number", silence(comment=5), 400, "wrong_type", "comment"),
        ("too large", silence(comment="x" * (70 << 10)), 413, "body_too_large", ""),
        ("camelCase", dict(silence(), endsAt="2030-01-01T00:00:00Z"), 400, "unknown_field",
         "endsAt"),
        ("edit by id", dict(silence(), id="SIL-1"), 400, "unknown_field", "id"),
        ("duplicate", b'{"matchers": ["a=\\"1\\""], "duration": "1h", "created_by": "x", '
                      b'"comment": "a", "comment": "b"}', 400, "duplicate_field", "comment"),
        ("no created_by", silence(created_by=None), 400, "missing_field", "created_by"),
        ("empty created_by", silence(created_by=""), 400, "missing_field", "created_by"),
        ("no comment", silence(comment=None), 400, "missing_field", "comment"),
        ("no end", silence(duration=None), 400, "missing_field", "ends_at"),
        ("no matchers field", silence(matchers=None), 400, "missing_field", "matchers"),
        ("comment too long", silence(comment="c" * 4097), 400, "field_too_long", "comment"),
        ("created_by too long", silence(created_by="u" * 257), 400, "field_too_long",
         "created_by"),
        ("tenant too long", silence(tenant="t" * 129), 400, "field_too_long", "tenant"),
        ("matcher too long", silence(matchers=['a="%s"' % ("v" * 4100)]), 400, "field_too_long",
         "matcher 0"),
        ("empty tenant", silence(tenant=""), 400, "invalid_tenant", "tenant"),
        ("bad operator", silence(matchers=['ok="1"', "bad~~x"]), 400, "invalid_matcher",
         "matcher 1"),
        ("bad regex", silence(matchers=['a=~"("']), 400, "invalid_matcher", "regex"),
        ("bad list", silence(matchers='{a="1"'), 400, "invalid_matcher", "}"),
        ("empty matchers", silence(matchers=[]), 400, "no_matchers", ""),
        ("empty list", silence(matchers="{}"), 400, "no_matchers", ""),
        ("65 matchers", silence(matchers=[f'l{i}="v"' for i in range(65)]), 400,
         "too_many_matchers", "64"),
        ("dot-star", silence(matchers=['alertname=~".*"']), 400, "matches_everything", ""),
        ("not-equal only", silence(matchers=['team!="x"']), 400, "matches_everything", ""),
        ("empty value", silence(matchers=['a=""', 'b=~"x|"']), 400, "matches_everything", ""),
        ("bad ends_at", silence(duration=None, ends_at="tomorrow"), 400, "invalid_time",
         "ends_at"),
        ("bad starts_at", silence(starts_at="2026-13-01T00:00:00Z"), 400, "invalid_time",
         "starts_at"),
        ("words", silence(duration="2 hours"), 400, "invalid_duration", "2 hours"),
        ("zero", silence(duration="0s"), 400, "invalid_duration", ""),
        ("negative", silence(duration="-1h"), 400, "invalid_duration", ""),
        ("both ends", silence(ends_at=rfc3339(now + 3600)), 400, "conflicting_fields", ""),
        ("ends before start", silence(duration=None, starts_at=rfc3339(now + 7200),
                                      ends_at=rfc3339(now + 3600)), 400, "ends_before_start", ""),
        ("ends in the past", silence(duration=None, ends_at=rfc3339(now - 60)), 400,
         "ends_in_past", ""),
        ("366 days", silence(duration="366d"), 400, "duration_too_long", "365d"),
        ("400 days by time", silence(duration=None, ends_at=rfc3339(now + 400 * 86400)), 400,
         "duration_too_long", ""),
        ("starts next year", silence(starts_at=rfc3339(now + 400 * 86400)), 400,
         "starts_too_late", ""),
    ]
    return [(name, body if isinstance(body, bytes) else json.dumps(body).encode(), status,
             reason, text) for name, body, status, reason, text in cases]


class Refusals(SilencesTestCase):
    def test_every_refusal_is_named_counted_and_harmless(self):
        d = self.start_daemon()
        kept = self.create_ok(d)
        errors_before = d.metrics()
        expected = {}
        for name, body, status, reason, text in refusal_cases():
            with self.subTest(name):
                r = d.post("/api/v1/silences", body)
                self.assertEqual(r.status, status, f"{name}: {r}")
                err = r.json()
                self.assertEqual(err.get("error"), reason, f"{name}: {err}")
                self.assertIsInstance(err.get("detail"), str)
                self.assertIn(text, err["detail"], name)
                expected[reason] = expected.get(reason, 0) + 1
        for query, reason in (("?state=bogus", "invalid_state"), ("?tenant=", "invalid_tenant")):
            r = d.get("/api/v1/silences" + query)
            self.assertEqual(r.status, 400, r)
            self.assertEqual(r.json()["error"], reason)
            expected[reason] = expected.get(reason, 0) + 1

        after = d.metrics()
        for reason, n in expected.items():
            delta = (metric_sum(after, API_ERRORS, reason=reason)
                     - metric_sum(errors_before, API_ERRORS, reason=reason))
            self.assertEqual(delta, n, reason)
        # Refusals are not alerts: the ingest refusal counter did not move.
        self.assertEqual(metric_sum(after, "alertd_alerts_rejected_total"),
                         metric_sum(errors_before, "alertd_alerts_rejected_total"))
        # Nothing was created by any of them, and the daemon is fine.
        self.assertEqual(self.ids(d), [kept["id"]])
        self.assertEqual(d.get("/-/ready").status, 200)
        self.assertEqual(self.create_ok(d)["id"], "SIL-2")


class Restart(SilencesTestCase):
    def test_silences_survive_a_restart(self):
        workdir = self.make_workdir()
        d = self.start_daemon(workdir=workdir)
        one = self.create_ok(d, matchers=['service="db"'])
        two = self.create_ok(d, matchers=['alertname=~"Disk.*"', 'team!="infra"'])
        three = self.create_ok(d, starts_at=rfc3339(time.time() + 3600), duration="1h")
        expired = self.delete(d, two["id"])
        before = d.get_json("/api/v1/silences")
        d.stop()

        d = self.start_daemon(workdir=workdir)
        self.assertEqual(d.get_json("/api/v1/silences"), before)
        self.assertEqual(d.get_json(f"/api/v1/silences/{two['id']}"), expired)
        self.assertEqual(self.ids(d, "?state=active"), [one["id"]])
        self.assertEqual(self.ids(d, "?state=pending"), [three["id"]])
        # Ids are never reused.
        self.assertEqual(self.create_ok(d)["id"], "SIL-4")
        d.stop()


if __name__ == "__main__":
    unittest.main()
