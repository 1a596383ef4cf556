"""Pages on the real daemon: GET /api/v1/silences and the incident and
silence timelines take ?limit= and ?cursor= and answer next_cursor, as
GET /api/v1/incidents does; and limits.max_silences refuses a silence beyond
the cap with 429 silence_limit (counted), while ended silences do not count
and a reload changes the cap. The checks are a mixin (PageChecks), run here
on the default SQLite store and in test_postgres.py on PostgreSQL."""

import json
import os
import subprocess
import time
import unittest

from harness import DaemonTestCase, alertd_bin, metric_sum, rfc3339, to_yaml

API_ERRORS = "alertd_api_errors_total"


def silence(n, **fields):
    body = {"matchers": [f'service="svc-{n}"'], "duration": "2h", "created_by": "alice",
            "comment": f"maintenance {n}"}
    body.update(fields)
    return body


class PageChecks:
    """Mixed into a DaemonTestCase; self.config is the store's config (None: the SQLite default)."""

    config = None

    def config_with(self, **sections):
        return {**(self.config or {}), **sections}

    def daemon(self, **sections):
        config = self.config_with(**sections)
        return self.start_daemon(config=config or None)

    def create_silence(self, d, n, expect=201, **fields):
        r = d.post("/api/v1/silences", silence(n, **fields))
        self.assertEqual(r.status, expect, r)
        return r.json()

    def walk(self, d, path, limit=None, key="silences"):
        """Every page of `path`; returns the items and the page sizes."""
        items, sizes, cursor = [], [], None
        for _ in range(100):
            query = []
            if limit is not None:
                query.append(f"limit={limit}")
            if cursor is not None:
                query.append(f"cursor={cursor}")
            sep = "&" if "?" in path else "?"
            page = d.get_json(path + (sep + "&".join(query) if query else ""))
            self.assertIn("next_cursor", page)  # null on the last page, never absent
            items.extend(page[key])
            sizes.append(len(page[key]))
            cursor = page["next_cursor"]
            if cursor is None:
                return items, sizes
            self.assertIsInstance(cursor, str)
        self.fail(f"{path}: pages did not end")

    def refused(self, d, path, reason):
        r = d.get(path)
        self.assertEqual((r.status, r.json()["error"]), (400, reason), r)


    def test_250_silences_page_newest_first(self):
        d = self.daemon()
        made = [self.create_silence(d, n)["id"] for n in range(250)]
        expired = made[::10]  # 25 of them ended, still listed
        for sid in expired:
            self.assertEqual(d.request("DELETE", f"/api/v1/silences/{sid}").status, 200)
        other = [self.create_silence(d, n, tenant="team-b")["id"] for n in range(3)]

        items, sizes = self.walk(d, "/api/v1/silences", limit=100)
        self.assertEqual(sizes, [100, 100, 50])
        self.assertEqual([s["id"] for s in items], list(reversed(made)))  # newest first
        # The default page is 100, and the fields are those of before.
        first = d.get_json("/api/v1/silences")
        self.assertEqual(len(first["silences"]), 100)
        self.assertEqual(first["silences"][0]["id"], made[-1])
        self.assertIn("matchers", first["silences"][0])
        self.assertEqual(first["next_cursor"], made[-100].removeprefix("SIL-"))

        # ?state= is applied before the page is cut: full pages of expired ones.
        items, sizes = self.walk(d, "/api/v1/silences?state=expired", limit=10)
        self.assertEqual(sizes, [10, 10, 5])
        self.assertEqual([s["id"] for s in items], list(reversed(expired)))
        self.assertTrue(all(s["state"] == "expired" for s in items))
        items, _ = self.walk(d, "/api/v1/silences?state=active", limit=1000)
        self.assertEqual(len(items), 225)

        # Tenants stay apart, also with a cursor taken from another tenant's page.
        items, _ = self.walk(d, "/api/v1/silences?tenant=team-b", limit=2)
        self.assertEqual([s["id"] for s in items], list(reversed(other)))
        page = d.get_json(f"/api/v1/silences?cursor={other[-1][4:]}&limit=5")
        self.assertEqual([s["id"] for s in page["silences"]], list(reversed(made))[:5])
        page = d.get_json(f"/api/v1/silences?tenant=team-b&cursor={made[-1][4:]}")
        self.assertEqual(page, {"silences": [], "next_cursor": None})

        # The cursor past the oldest: an empty last page.
        page = d.get_json("/api/v1/silences?cursor=1")
        self.assertEqual(page, {"silences": [], "next_cursor": None})

    def test_bad_page_queries_are_refused_and_counted(self):
        d = self.daemon()
        self.create_silence(d, 1)
        for query, reason in [("limit=0", "invalid_limit"), ("limit=1001", "invalid_limit"),
                              ("limit=ten", "invalid_limit"), ("cursor=0", "invalid_cursor"),
                              ("cursor=SIL-1", "invalid_cursor")]:
            self.refused(d, f"/api/v1/silences?{query}", reason)
        self.refused(d, "/api/v1/silences/SIL-1/timeline?limit=0", "invalid_limit")
        self.refused(d, "/api/v1/silences/SIL-1/timeline?cursor=-3", "invalid_cursor")
        m = d.metrics()
        self.assertEqual(metric_sum(m, API_ERRORS, reason="invalid_limit"), 4)
        self.assertEqual(metric_sum(m, API_ERRORS, reason="invalid_cursor"), 3)
        # Edge values are taken.
        self.assertEqual(len(d.get_json("/api/v1/silences?limit=1000")["silences"]), 1)
        self.assertEqual(len(d.get_json("/api/v1/silences?limit=1")["silences"]), 1)

    def test_silence_timeline_pages(self):
        d = self.daemon()
        sid = self.create_silence(d, 1)["id"]
        self.assertEqual(d.request("DELETE", f"/api/v1/silences/{sid}").status, 200)
        entries, sizes = self.walk(d, f"/api/v1/silences/{sid}/timeline", limit=1, key="entries")
        self.assertEqual(sizes, [1, 1])
        self.assertEqual([e["action"] for e in entries], ["silence", "silence_expire"])
        whole = d.get_json(f"/api/v1/silences/{sid}/timeline")
        self.assertEqual((whole["silence_id"], whole["next_cursor"]), (sid, None))
        self.assertEqual(whole["entries"], entries)


    def test_a_long_incident_timeline_pages_oldest_first(self):
        d = self.daemon()
        headers = {"Content-Type": "application/json"}
        r = d.request("POST", "/api/v1/incidents", headers=headers,
                      body=json.dumps({"actor": "ann", "title": "checkout is down"}))
        self.assertEqual(r.status, 201, r)
        inc = r.json()["id"]
        for i in range(260):
            r = d.request("POST", f"/api/v1/incidents/{inc}/comment", headers=headers,
                          body=json.dumps({"actor": "bob", "text": f"note {i}"}))
            self.assertEqual(r.status, 200, r)
        path = f"/api/v1/incidents/{inc}/timeline"
        entries, sizes = self.walk(d, path, limit=100, key="entries")
        self.assertEqual(len(entries), 261)  # create + 260 comments
        self.assertEqual(sizes, [100, 100, 61])
        seqs = [e["seq"] for e in entries]
        self.assertEqual(seqs, sorted(set(seqs)), "oldest first, no duplicates")
        self.assertEqual(entries[0]["action"], "create")
        self.assertEqual({e["action"] for e in entries[1:]}, {"comment"})
        # The default page is 100 and its cursor is the seq of its last entry.
        first = d.get_json(path)
        self.assertEqual(first["incident_id"], inc)
        self.assertEqual(len(first["entries"]), 100)
        self.assertEqual(first["next_cursor"], str(seqs[99]))
        # After the last entry: an empty page, no cursor.
        self.assertEqual(d.get_json(f"{path}?cursor={seqs[-1]}")["entries"], [])
        self.refused(d, f"{path}?limit=5000", "invalid_limit")
        self.refused(d, f"{path}?cursor=x", "invalid_cursor")
        # The report still holds the whole (short enough) trail, and says it is whole.
        r = d.request("GET", f"/api/v1/incidents/{inc}/report",
                      headers={"Accept": "application/json"})
        self.assertEqual(r.status, 200, r)
        report = r.json()
        self.assertEqual(len(report["timeline"]), 261)
        self.assertIs(report["timeline_truncated"], False)
        # Unknown incidents are 404 with or without a cursor.
        self.assertEqual(d.get("/api/v1/incidents/INC-999/timeline?cursor=5").status, 404)


    def test_max_silences_refuses_beyond_the_cap(self):
        d = self.daemon(limits={"max_silences": 3})
        made = [self.create_silence(d, n)["id"] for n in range(2)]
        # A pending silence counts as much as an active one.
        self.create_silence(d, 2, starts_at=rfc3339(time.time() + 3600), duration="1h")
        refused = self.create_silence(d, 3, expect=429)
        self.assertEqual(refused["error"], "silence_limit")
        self.assertIn("limits.max_silences", refused["detail"])
        self.assertIn("limit 3", refused["detail"])
        # Refused means nothing was written: not listed, not on the audit trail.
        self.assertEqual(len(d.get_json("/api/v1/silences")["silences"]), 3)
        self.assertEqual(metric_sum(d.metrics(), API_ERRORS, reason="silence_limit"), 1)
        # An ended silence does not count: expiring one makes room for one.
        self.assertEqual(d.request("DELETE", f"/api/v1/silences/{made[0]}").status, 200)
        self.create_silence(d, 4)
        self.create_silence(d, 5, expect=429)
        self.assertEqual(metric_sum(d.metrics(), API_ERRORS, reason="silence_limit"), 2)

        # A reload changes the cap in force.
        with open(os.path.join(d.workdir, "alertd.yaml"), "w") as f:
            f.write(to_yaml(self.config_with(limits={"max_silences": 4})) + "\n")
        self.assertEqual(d.request("POST", "/-/reload").status, 200)
        self.create_silence(d, 6)
        self.create_silence(d, 7, expect=429)



class Pages(PageChecks, DaemonTestCase):
    """The checks on the default SQLite store."""


class SilenceLimitConfig(DaemonTestCase):
    def test_bad_max_silences_is_a_config_error(self):
        workdir = self.make_workdir()
        path = os.path.join(workdir, "bad.yaml")
        with open(path, "w") as f:
            f.write("limits:\n  max_silences: 0\n")
        out = subprocess.run([alertd_bin(), "check-config", path], capture_output=True, text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("limits.max_silences", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
