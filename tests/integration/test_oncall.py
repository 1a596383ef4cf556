"""Who is on call (GET /api/v1/oncall[/{schedule}]) from the schedules of
the config: a Berlin rotation whose Monday 09:00 handoff follows daylight-
saving time, an override, the turns that follow, a reload that changes the
override, and the refusals (unknown schedule, bad time, bad config)."""

import os
import subprocess
import tempfile
import textwrap
import unittest

from harness import DaemonTestCase, alertd_bin

CONFIG = textwrap.dedent("""\
    people:
      - {name: alice, slack_user: U01ALICE, email: alice@example.com}
      - {name: bob, role: incident_manager, phone: "+49 30 1234567"}
      - {name: carol}
    oncall:
      schedules:
        - name: primary
          timezone: Europe/Berlin
          rotation: {every: 1w, handoff: "mon 09:00", start: "2026-01-05"}
          members: [alice, bob]
          overrides:
            - {from: "2026-01-07T00:00:00Z", to: "2026-01-08T00:00:00Z", member: carol}
        - name: nights
          rotation: {every: 12h, handoff: "21:00", start: "2026-01-01"}
          members: [carol, alice]
    """)


class Oncall(DaemonTestCase):
    def oncall(self, d, path="", at=None, expect=200):
        query = f"?at={at}" if at else ""
        return d.get_json("/api/v1/oncall" + path + query, expect=expect)

    def test_who_is_on_call_across_dst_overrides_and_reload(self):
        d = self.start_daemon(config=CONFIG)
        winter = self.oncall(d, at="2026-01-06T12:00:00.000Z")
        self.assertEqual([s["schedule"] for s in winter["schedules"]], ["primary", "nights"])
        primary = winter["schedules"][0]
        self.assertEqual(primary["timezone"], "Europe/Berlin")
        self.assertEqual(primary["on_call"], {"name": "alice", "role": "responder",
                                              "slack_user": "U01ALICE",
                                              "email": "alice@example.com"})
        self.assertEqual(primary["since"], "2026-01-05T08:00:00.000Z")  # 09:00 CET
        self.assertEqual(primary["until"], "2026-01-07T00:00:00.000Z")  # the override begins
        self.assertFalse(primary["override"])
        self.assertEqual(winter["schedules"][1]["on_call"]["name"], "alice")  # 09:00-21:00 turn

        page = self.oncall(d, "/primary", at="2026-01-07T12:00:00.000Z")
        self.assertEqual(page["on_call"]["name"], "carol")
        self.assertTrue(page["override"])
        self.assertEqual([(t["on_call"]["name"], t["since"], t["until"]) for t in page["next"]], [
            ("alice", "2026-01-08T00:00:00.000Z", "2026-01-12T08:00:00.000Z"),
            ("bob", "2026-01-12T08:00:00.000Z", "2026-01-19T08:00:00.000Z"),
            ("alice", "2026-01-19T08:00:00.000Z", "2026-01-26T08:00:00.000Z"),
            ("bob", "2026-01-26T08:00:00.000Z", "2026-02-02T08:00:00.000Z")])

        summer = self.oncall(d, "/primary", at="2026-07-06T07:00:00.000Z")  # 09:00 CEST
        self.assertEqual(summer["since"], "2026-07-06T07:00:00.000Z")
        self.assertEqual(summer["on_call"]["name"], "alice")  # week 26 from 2026-01-05
        self.assertIn("until", self.oncall(d)["schedules"][0])  # now, without ?at=

        self.assertEqual(self.oncall(d, "/nobody", expect=404)["error"], "not_found")
        self.assertEqual(self.oncall(d, at="yesterday", expect=400)["error"], "invalid_time")

        # A reload moves the override to bob: the answer changes with it.
        with open(os.path.join(d.workdir, "alertd.yaml"), "w") as f:
            f.write(CONFIG.replace("member: carol}", "member: bob}"))
        self.assertEqual(d.request("POST", "/-/reload").status, 200)
        page = self.oncall(d, "/primary", at="2026-01-07T12:00:00.000Z")
        self.assertEqual(page["on_call"]["name"], "bob")
        self.assertEqual(page["on_call"]["phone"], "+49 30 1234567")


class OncallCheckConfig(unittest.TestCase):
    def test_unknown_members_and_overlaps_are_named(self):
        bad = CONFIG.replace("members: [carol, alice]", "members: [carol, zed]") + (
            "    - name: clash\n"
            "      members: [alice]\n"
            "      overrides:\n"
            '        - {from: "2026-01-01T00:00:00Z", to: "2026-01-03T00:00:00Z", member: bob}\n'
            '        - {from: "2026-01-02T00:00:00Z", to: "2026-01-04T00:00:00Z", member: carol}\n')
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "alertd.yaml")
            with open(path, "w") as f:
                f.write(bad)
            run = subprocess.run([alertd_bin(), "check-config", path], capture_output=True,
                                 text=True, timeout=30)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn('oncall.schedules[1].members[1]: "zed" is not one of people:', run.stderr)
        self.assertIn("oncall.schedules[2].overrides: overrides[0] and overrides[1] overlap",
                      run.stderr)


if __name__ == "__main__":
    unittest.main()
