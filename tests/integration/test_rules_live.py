"""The rule engine in the running daemon: drop, thresholds, inhibition,
silences, reload (POST /-/reload and SIGHUP) and check-config's errors."""

import json
import os
import signal
import subprocess
import textwrap
import unittest

from harness import DaemonTestCase, alertd_bin, am_alert, metric_sum

RULES = textwrap.dedent("""\
    correlation:
      settle: 0s
    rules:
      - name: drop-info
        match: ['severity="info"']
        drop: true
      - name: error-burst
        match: ['alertname="ErrorBurst"']
        threshold: {count: 3, within: 5m}
        group_by: [host]
        set: {category: software}
    """)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class RulesLive(DaemonTestCase):
    def metric(self, d, name, **labels):
        return metric_sum(d.metrics(), name, **labels)

    def test_drop_threshold_and_reload(self):
        d = self.start_daemon(config=RULES)
        cfg_path = os.path.join(d.workdir, "alertd.yaml")

        d.post_alerts([am_alert({"alertname": "Chatty", "service": "web", "severity": "info"})])
        d.wait_for(lambda: self.metric(d, "alertd_alerts_dropped_by_rules_total") == 1,
                   what="the info alert dropped")

        burst = [am_alert({"alertname": "ErrorBurst", "host": "a", "n": str(i)}) for i in range(3)]
        d.post_alerts(burst[:2])
        d.wait_for(lambda: self.metric(d, "alertd_rule_held_alerts_total") == 2,
                   what="two alerts held below the threshold")
        self.assertEqual(d.incidents(), [], "below the threshold nothing opens")
        d.post_alerts(burst[2:])
        incs = d.wait_for(lambda: d.incidents(), what="an incident at the threshold")
        self.assertEqual(len(incs), 1)
        detail = d.incident(incs[0]["id"])
        self.assertEqual(detail["rule"], "error-burst")
        self.assertEqual(detail["group_key"], 'error-burst{host="a"}')
        self.assertEqual(detail["category"], "software")
        d.wait_for(lambda: d.incident(incs[0]["id"])["alert_count"] == 3,
                   what="the held alerts released into the incident")
        # The evidence is kept: the trip is on the timeline with how many
        # events it took, and the held alerts keep the time they arrived.
        entries = d.timeline(incs[0]["id"])["entries"]
        met = [e for e in entries if e["action"] == "threshold_met"]
        self.assertEqual(len(met), 1, entries)
        self.assertEqual(met[0]["detail"]["rule"], "error-burst")
        self.assertEqual(met[0]["detail"]["events"], 3)
        detail = d.incident(incs[0]["id"])
        first_seen = sorted(m["first_seen"] for m in detail["members"])
        self.assertLess(first_seen[0], detail["opened_at"], "held before the trip")
        self.assertEqual(first_seen[-1], detail["opened_at"], "the alert that tripped it")

        # A bad file: refused with every error named, old rules keep running.
        write(cfg_path, RULES.replace('severity="info"', 'severity=~"("') +
              "  - name: x\n    threshold: {count: 0, within: -5m}\n")
        r = d.request("POST", "/-/reload")
        self.assertEqual(r.status, 400, r.body)
        detail = r.json()["detail"]
        self.assertIn("alertd.yaml:5:", detail)   # the bad matcher's line
        self.assertIn("bad regex", detail)
        self.assertIn("alertd.yaml:13:", detail)  # the bad threshold's line
        self.assertEqual(self.metric(d, "alertd_config_reloads_total", result="failure"), 1)
        self.assertEqual(self.metric(d, "alertd_config_last_reload_successful"), 0)
        d.post_alerts([am_alert({"alertname": "Chatty2", "service": "web", "severity": "info"})])
        d.wait_for(lambda: self.metric(d, "alertd_alerts_dropped_by_rules_total") == 2,
                   what="the old drop rule still in force")

        # A good file by SIGHUP: the drop rule is gone, info alerts now open incidents.
        write(cfg_path, RULES.replace("drop: true", "set: {kept: 'yes'}"))
        d.proc.send_signal(signal.SIGHUP)
        d.wait_for(lambda: self.metric(d, "alertd_config_reloads_total", result="success") == 1,
                   what="the SIGHUP reload")
        self.assertEqual(self.metric(d, "alertd_config_last_reload_successful"), 1)
        d.post_alerts([am_alert({"alertname": "Chatty3", "service": "api", "severity": "info"})])
        inc = d.wait_for(lambda: [i for i in d.incidents() if i["service"] == "api"],
                         what="an incident for the info alert after reload")
        members = d.incident(inc[0]["id"])["members"]
        self.assertEqual(members[0]["labels"]["kept"], "yes")

        r = d.request("POST", "/-/reload")
        self.assertEqual(r.status, 200, r.body)
        self.assertIn("2 rules", r.json()["detail"])

    def test_inhibition_marks_the_target_suppressed(self):
        config = textwrap.dedent("""\
            correlation:
              settle: 0s
            inhibit:
              - name: critical-mutes-warning
                source: ['severity="critical"']
                target: ['severity=~"warning|info"']
                equal: [service]
            """)
        d = self.start_daemon(config=config)
        d.post_alerts([am_alert({"alertname": "Down", "service": "pay", "severity": "critical"})])
        inc = d.wait_for(lambda: d.incidents(), what="the source's incident")[0]
        d.post_alerts([am_alert({"alertname": "Slow", "service": "pay", "severity": "warning"}),
                       am_alert({"alertname": "Slow", "service": "ship", "severity": "warning"})])

        def members():
            m = {x["labels"]["alertname"] + "/" + x["labels"]["service"]: x
                 for x in d.incident(inc["id"])["members"]}
            return m if len(m) == 2 else None
        m = d.wait_for(members, what="the target on the source's incident")
        self.assertEqual(m["Slow/pay"]["suppressed_by"], "inhibit:critical-mutes-warning")
        self.assertIsNone(m["Down/pay"]["suppressed_by"])
        other = d.wait_for(lambda: [i for i in d.incidents() if i["service"] == "ship"],
                           what="the unrelated service's own incident")
        self.assertIsNone(d.incident(other[0]["id"])["members"][0]["suppressed_by"],
                          "equal: [service] differs, so no inhibition")

        # The source resolves: the target goes on as usual.
        d.post_alerts([am_alert({"alertname": "Down", "service": "pay", "severity": "critical"},
                                resolved=True)])
        d.wait_for(lambda: members() and members()["Slow/pay"]["suppressed_by"] is None,
                   what="the target un-suppressed")

    def test_silence_marks_members_and_ends(self):
        d = self.start_daemon()
        r = d.post("/api/v1/silences", {"matchers": ['alertname="Noisy"'], "duration": "1h",
                                        "created_by": "it", "comment": "maintenance"})
        self.assertEqual(r.status, 201, r.body)
        sid = r.json()["id"]
        d.post_alerts([am_alert({"alertname": "Noisy", "service": "batch"})])
        inc = d.wait_for(lambda: d.incidents(), what="the silenced alert's incident")[0]
        detail = d.wait_for(lambda: d.incident(inc["id"]) if d.incident(inc["id"])["members"]
                            else None, what="members")
        self.assertEqual(detail["members"][0]["suppressed_by"], "silence:" + sid)
        self.assertTrue(detail["suppressed"])

        self.assertEqual(d.request("DELETE", "/api/v1/silences/" + sid).status, 200)
        d.wait_for(lambda: d.incident(inc["id"])["members"][0]["suppressed_by"] is None,
                   what="the member un-silenced when the silence ends")
        self.assertFalse(d.incident(inc["id"])["suppressed"])


class CheckConfig(unittest.TestCase):
    def test_every_error_has_file_line_and_reason(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            write(os.path.join(tmp, "services.yaml"),
                  "services:\n  a: [b]\n  b: [c]\n  c: [a]\n")
            write(os.path.join(tmp, "more.yaml"),
                  "rules:\n  - name: r2\n    match: ['x=~\"[\"']\n")
            cfg = os.path.join(tmp, "alertd.yaml")
            write(cfg, textwrap.dedent("""\
                correlation:
                  group_window: -1m
                  topology: services.yaml
                rules:
                  - more.yaml
                  - name: r1
                    match: ['service="a"']
                    threshold: {count: 5, within: 5x}
                  - name: r3
                    colour: red
                """))
            run = subprocess.run([alertd_bin(), "check-config", cfg], capture_output=True,
                                 text=True, timeout=30)
            self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
            err = run.stderr
            self.assertIn(f"{cfg}:2:", err)                   # negative duration
            self.assertIn("a -> b -> c -> a", err)            # the topology cycle
            self.assertIn(os.path.join(tmp, "more.yaml") + ":3:", err)  # bad matcher in a rule file
            self.assertIn(f"{cfg}:8:", err)                   # malformed duration
            self.assertIn(f"{cfg}:10:", err)                  # unknown key
            self.assertIn("colour", err)

            write(cfg, "rules:\n  - name: ok\n    match: ['a=\"b\"']\n    drop: true\n")
            run = subprocess.run([alertd_bin(), "check-config", cfg], capture_output=True,
                                 text=True, timeout=30)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertIn("1 rules", run.stdout)


class TestRulesCommand(unittest.TestCase):
    TEST = textwrap.dedent("""\
        config:
          rules:
            - name: bursts
              match: ['alertname="Burst"']
              threshold: {count: 2, within: 1m}
        tests:
          - name: two bursts open an incident
            input:
              - at: 0s
                repeat: 2
                every: 10s
                alerts: [{labels: {alertname: Burst, service: x, severity: low}}]
            expect:
              - at: 5s
                incidents: []
              - at: 10s
                incidents: [{rule: bursts, priority: PRIORITY, status: open}]
        """)

    def run_file(self, text):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "t_test.yaml")
            write(path, text)
            run = subprocess.run([alertd_bin(), "test-rules", path], capture_output=True,
                                 text=True, timeout=30)
            return run, path

    def test_pass(self):
        run, path = self.run_file(self.TEST.replace("PRIORITY", "P4"))
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn(f"PASS {path}: two bursts open an incident", run.stdout)
        self.assertIn("1 passed, 0 failed", run.stdout)

    def test_failure_prints_a_readable_diff(self):
        run, _ = self.run_file(self.TEST.replace("PRIORITY", "P1"))
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn("FAIL", run.stdout)
        self.assertIn('priority: expected "P1", got "P4"', run.stdout)
        self.assertIn("0 passed, 1 failed", run.stdout)

    def test_invalid_file_names_the_line(self):
        run, path = self.run_file(self.TEST.replace("PRIORITY", "P4").replace(
            "repeat: 2", "repeat: 2\n        colour: red"))
        self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
        self.assertIn(f"{path}:11:", run.stderr)
        self.assertIn("colour", run.stderr)


if __name__ == "__main__":
    unittest.main()
