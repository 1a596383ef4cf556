"""Restart on the same working directory: incidents, ids and grouping survive."""

import os
import signal
import subprocess
import unittest

from harness import STOP_TIMEOUT, DaemonTestCase, alertd_bin, am_alert


def inc_num(inc_id):
    return int(inc_id.split("-", 1)[1])


def state(d):
    """Comparable view of every incident: ids, counts, statuses, members."""
    out = {}
    for inc in d.incidents():
        detail = d.incident(inc["id"])
        out[inc["id"]] = (detail["service"], detail["status"], detail["alert_count"],
                          detail["firing_count"], detail["opened_at"], detail["resolved_at"],
                          sorted((m["fingerprint"], m["status"]) for m in detail["members"]))
    return out


class Restart(DaemonTestCase):
    def test_incidents_survive_restart(self):
        workdir = self.make_workdir()
        d = self.start_daemon(workdir=workdir)
        d.post_alerts([am_alert({"alertname": "A", "service": "svc-a", "instance": "1"}),
                       am_alert({"alertname": "A", "service": "svc-a", "instance": "2"}),
                       am_alert({"alertname": "B", "service": "svc-b", "instance": "1"})])

        def both():
            incs = {i["service"]: i for i in d.incidents()}
            return (incs.get("svc-a", {}).get("alert_count") == 2 and "svc-b" in incs and incs)
        incs = d.wait_for(both, what="svc-a (2 members) and svc-b")
        d.post_alerts([am_alert({"alertname": "B", "service": "svc-b", "instance": "1"},
                                resolved=True)])
        d.wait_for(lambda: d.incident(incs["svc-b"]["id"])["status"] == "resolved",
                   what="svc-b resolved")
        before = state(d)
        timeline_a = d.timeline(incs["svc-a"]["id"])["entries"]
        d.stop()  # asserts exit code 0
        self.assertTrue(os.path.exists(os.path.join(workdir, "data", "alertd.db")),
                        "default store ./data/alertd.db relative to cwd")

        d = self.start_daemon(workdir=workdir)
        self.assertEqual(state(d), before)
        self.assertEqual(d.timeline(incs["svc-a"]["id"])["entries"], timeline_a)
        a_id = incs["svc-a"]["id"]

        # A re-sent firing alert joins the same open incident (no new member),
        # a new label set of the same service joins it as a new member.
        d.post_alerts([am_alert({"alertname": "A", "service": "svc-a", "instance": "1"}),
                       am_alert({"alertname": "A", "service": "svc-a", "instance": "3"})])
        a = d.wait_for(lambda: (lambda i: i["alert_count"] == 3 and i)(d.incident(a_id)),
                       what="svc-a gets instance 3 after restart")
        members = {m["labels"]["instance"]: m for m in a["members"]}
        # The shards' dedup state survives the restart (the shutdown
        # checkpoint): the re-send is collapsed as it would be without one.
        self.assertEqual(members["1"]["event_count"], 1, "re-send after restart is deduplicated")
        self.assertEqual(a["status"], "open")

        # A new group gets the next id: ids are never reused.
        d.post_alerts([am_alert({"alertname": "C", "service": "svc-c"})])
        c = d.wait_for(lambda: d.incidents(service="svc-c"), what="svc-c incident")[0]
        self.assertEqual(inc_num(c["id"]), max(inc_num(i) for i in before) + 1)
        self.assertEqual(sorted(i["id"] for i in d.incidents()),
                         sorted(list(before) + [c["id"]]))
        d.stop()

    def test_sigterm_drains_accepted_alerts(self):
        """200 means accepted: a SIGTERM right after the answer still commits it."""
        workdir = self.make_workdir()
        d = self.start_daemon(workdir=workdir)
        d.post_alerts([am_alert({"alertname": "Drain", "service": f"drain-{i}", "n": str(j)})
                       for i in range(20) for j in range(5)])
        r = d.post_events("\n".join('{"labels": {"alertname": "Ev", "service": "drain-ev", '
                                    f'"n": "{j}"}}, "status": "firing"}}' for j in range(7)),
                          "application/x-ndjson")
        self.assertEqual(r, {"accepted": 7})
        d.stop(sig=signal.SIGINT)  # Ctrl-C drains like SIGTERM
        d = self.start_daemon(workdir=workdir)
        incs = {i["service"]: i for i in d.incidents()}
        self.assertEqual(len(incs), 21, sorted(incs))
        self.assertTrue(all(i["alert_count"] == 5 for s, i in incs.items() if s != "drain-ev"))
        self.assertEqual(incs["drain-ev"]["alert_count"], 7)
        nums = sorted(inc_num(i["id"]) for i in incs.values())
        self.assertEqual(nums, list(range(1, 22)), "ids are INC-1..INC-21 with no gap")
        d.stop()

    def test_logs_go_to_stderr(self):
        """Logs go to stderr, stdout stays empty; the bound address is logged."""
        d = self.start_daemon()
        port = d.port
        d.stop()
        self.assertIn(f"127.0.0.1:{port}", d.read_log(stream="stderr"))
        self.assertEqual(d.read_log(stream="stdout"), "", "the daemon wrote to stdout")

    def test_second_instance_on_same_port_fails(self):
        """A bind failure stops start-up with a non-zero exit (DESIGN.md §7)."""
        d = self.start_daemon()
        other = self.make_workdir()
        p = subprocess.run([alertd_bin(), "--listen", f"127.0.0.1:{d.port}"], cwd=other,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=STOP_TIMEOUT)
        self.assertNotEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(d.get("/-/healthy").status, 200)
        d.stop()


if __name__ == "__main__":
    unittest.main()
