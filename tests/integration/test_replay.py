"""`alertd replay`: an offline, deterministic run over an NDJSON file. Time
is the events' own timestamps, so windows behave the same on every run."""

import json
import os
import random
import shutil
import subprocess
import tempfile
import unittest

from harness import alertd_bin, parse_time, rfc3339, to_yaml

T0 = 1767225600  # 2026-01-01T00:00:00Z
REPLAY_TIMEOUT = 120


def ev(offset, labels, status="firing"):
    return {"labels": labels, "annotations": {"summary": "replay"}, "status": status,
            "timestamp": rfc3339(T0 + offset), "source": "replay-test"}


def api(instance, alertname="HighLatency"):
    return {"alertname": alertname, "service": "api", "instance": instance}


STREAM = sorted([
    ev(0, api("a")),
    ev(0, {"alertname": "DiskFull", "service": "db", "instance": "db-1"}),
    ev(30, {"alertname": "Heartbeat", "instance": "i1"}),  # no service: alertname fallback
    ev(40, {"alertname": "Heartbeat", "instance": "i2"}),
    ev(60, api("b")),
    ev(120, api("a")),  # re-send
    ev(180, api("a"), "resolved"),
    ev(180, api("b"), "resolved"),
    ev(1500, {"alertname": "DiskFull", "service": "db", "instance": "db-2"}),  # 25m later
    ev(1800, api("c", "ErrorRate")),  # api's incident is resolved by now
], key=lambda e: parse_time(e["timestamp"]))


class Replay(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="alertd-replay-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write_input(self, events, name="input.ndjson"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            for e in events:
                f.write(json.dumps(e) + "\n")
        return path

    def replay(self, input_path, config=None):
        """Runs in a fresh cwd each time so no state leaks between runs."""
        cwd = tempfile.mkdtemp(dir=self.tmp)
        args = [alertd_bin(), "replay"]
        if config is not None:
            cfg = os.path.join(cwd, "alertd.yaml")
            with open(cfg, "w") as f:
                f.write(to_yaml(config) + "\n")
            args += ["--config", cfg]
        p = subprocess.run(args + [input_path], cwd=cwd, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=REPLAY_TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr.decode("utf-8", "replace")[-4000:])
        return p.stdout

    def parse(self, out):
        lines = out.decode("utf-8").splitlines()
        self.assertTrue(lines, "replay printed nothing")
        incs = [json.loads(line) for line in lines]
        for inc in incs:
            for key in ("id", "status", "priority", "title", "service", "group_key", "opened_at",
                        "resolved_at", "alert_count", "alerts"):
                self.assertIn(key, inc)
            self.assertEqual(inc["alert_count"], len(inc["alerts"]), inc)
            for a in inc["alerts"]:
                self.assertTrue({"fingerprint", "labels", "first_seen", "last_seen"} <= a.keys())
                self.assertRegex(a["fingerprint"], r"^[0-9a-f]{16}$")
                self.assertLessEqual(parse_time(a["first_seen"]), parse_time(a["last_seen"]))
        return sorted(incs, key=lambda i: int(i["id"].split("-")[1]))

    def members(self, inc):
        return {a["labels"].get("instance"): a for a in inc["alerts"]}

    def test_deterministic_and_expected(self):
        path = self.write_input(STREAM)
        first = self.replay(path)
        second = self.replay(path)
        self.assertEqual(first, second, "same input must give the same output")
        incs = self.parse(first)
        self.assertEqual([i["id"] for i in incs], [f"INC-{n}" for n in range(1, 6)],
                         json.dumps(incs, indent=1))
        opened = [parse_time(i["opened_at"]) for i in incs]
        self.assertEqual(opened, sorted(opened), "ids follow opening order")

        api1, db1, hb, db2, api2 = incs
        self.assertEqual((api1["service"], api1["status"], api1["alert_count"]),
                         ("api", "resolved", 2))
        self.assertEqual(parse_time(api1["opened_at"]), T0)
        self.assertEqual(parse_time(api1["resolved_at"]), T0 + 180)
        m = self.members(api1)
        self.assertEqual(parse_time(m["a"]["first_seen"]), T0)
        self.assertGreaterEqual(parse_time(m["a"]["last_seen"]), T0 + 120)
        self.assertEqual(parse_time(m["b"]["first_seen"]), T0 + 60)

        self.assertEqual((db1["service"], db1["status"], db1["alert_count"]), ("db", "open", 1))
        self.assertIsNone(db1["resolved_at"])
        self.assertEqual(set(self.members(db1)), {"db-1"})
        self.assertEqual((hb["status"], hb["alert_count"]), ("open", 2))
        self.assertEqual(parse_time(hb["opened_at"]), T0 + 30)
        self.assertEqual({a["labels"]["alertname"] for a in hb["alerts"]}, {"Heartbeat"})
        # db-2 comes 25 minutes later, outside the default 10m group window.
        self.assertEqual((db2["service"], db2["alert_count"]), ("db", 1))
        self.assertEqual(set(self.members(db2)), {"db-2"})
        self.assertEqual(parse_time(db2["opened_at"]), T0 + 1500)
        # A resolved incident takes no new alerts.
        self.assertEqual((api2["service"], api2["status"]), ("api", "open"))
        self.assertEqual(set(self.members(api2)), {"c"})
        self.assertEqual(len({i["group_key"] for i in (db1, hb, api1)}), 3)
        self.assertEqual(db1["group_key"], db2["group_key"])

    def test_config_group_window(self):
        path = self.write_input(STREAM)
        cfg = {"correlation": {"group_by": ["service"], "group_by_fallback": ["alertname"],
                               "group_window": "1h"}}
        incs = self.parse(self.replay(path, cfg))
        self.assertEqual(len(incs), 4, json.dumps(incs, indent=1))
        db = [i for i in incs if i["service"] == "db"]
        self.assertEqual(len(db), 1)
        self.assertEqual(set(self.members(db[0])), {"db-1", "db-2"})

    def test_large_stream_is_deterministic(self):
        rng = random.Random(42)
        events, firing = [], set()
        for n in range(20000):
            key = (rng.randrange(50), rng.randrange(20))
            status = "resolved" if key in firing and rng.random() < 0.2 else "firing"
            (firing.discard if status == "resolved" else firing.add)(key)
            labels = {"alertname": f"Alert{key[1] % 5}", "service": f"svc-{key[0]}",
                      "instance": f"host-{key[1]}"}
            events.append(ev(n // 10, labels, status))
        path = self.write_input(events, "large.ndjson")
        first = self.replay(path)
        self.assertEqual(first, self.replay(path))
        incs = self.parse(first)
        distinct = {(e["labels"]["service"], e["labels"]["instance"]) for e in events}
        self.assertGreaterEqual(sum(i["alert_count"] for i in incs), len(distinct))
        self.assertEqual(len({i["id"] for i in incs}), len(incs))
        self.assertEqual({i["service"] for i in incs}, {f"svc-{k}" for k in range(50)})


if __name__ == "__main__":
    unittest.main()
