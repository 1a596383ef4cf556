"""Acknowledge from Slack, end to end on the real daemon: signed block_actions
interactions (form-encoded `payload=`, as Slack posts them) acknowledge,
resolve and silence an incident as the person the Slack user maps to; the
outcome reaches the request's response_url (a local server playing Slack);
tampered, stale and unknown-user requests change nothing."""

import hashlib
import hmac
import json
import textwrap
import time
import unittest
import urllib.parse

from harness import DaemonTestCase, am_alert, metric_sum
from receivers import Receivers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PATH = "/api/v1/integrations/slack/interactions"


def config(rx):
    return textwrap.dedent(f"""\
        correlation:
          settle: 0s
        people:
          - {{name: alice, role: responder, slack_user: U01ALICE}}
          - {{name: vic, role: viewer, slack_user: U02VIC}}
        notify:
          slack_app:
            signing_secret: "${{SLACK_SIGNING_SECRET}}"
            response_url_prefix: "{rx.url('/slack/')}"
        """)


def block_actions(user_id, user_name, action, inc, response_url):
    """The shape of Slack's block_actions payload for a button of alertd's message."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T0CA8"},
        "api_app_id": "A0CA5", "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1548426417.840180"},
        "trigger_id": "12466734323.1395872398", "team": {"id": "T0CA8", "domain": "acme"},
        "channel": {"id": "C0CA8", "name": "oncall"},
        "response_url": response_url,
        "actions": [{"action_id": action, "block_id": "=qXel", "value": inc, "type": "button",
                     "text": {"type": "plain_text", "text": action},
                     "action_ts": "1548426417.840180"}],
    }


def alert(service, instance="a:9100"):
    return am_alert({"alertname": "Down", "service": service, "severity": "critical",
                     "instance": instance}, {"summary": f"{service} is down"})


class SlackCase(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.rx = Receivers()
        self.addCleanup(self.rx.close)
        self.clicks = 0

    def start(self):
        return self.start_daemon(config=config(self.rx), env={"SLACK_SIGNING_SECRET": SECRET})

    def open_incident(self, d, service):
        d.post_alerts([alert(service)])
        found = d.wait_for(lambda: [i for i in d.incidents() if i["service"] == service],
                           what=f"an incident for {service}")
        return found[0]["id"]

    def click(self, d, action, inc, user=("U01ALICE", "alice"), secret=SECRET, ts=None,
              tamper=False):
        """One signed interaction; returns (answer, the response_url path it names)."""
        self.clicks += 1
        url_path = f"/slack/actions/T0CA8/{self.clicks}/abcd"
        payload = block_actions(user[0], user[1], action, inc, self.rx.url(url_path))
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        ts = str(int(time.time()) if ts is None else ts)
        mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
        if tamper:
            body = body.replace(b"acknowledge", b"resolve")
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + mac.hexdigest()}
        return d.request("POST", PATH, body=body, headers=headers), url_path

    def posted(self, d, url_path):
        """The one message alertd posted to a response_url."""
        got = d.wait_for(lambda: self.rx.received(url_path), what=f"a post to {url_path}")
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0].headers["Content-Type"], "application/json")
        return got[0].json()

    def results(self, d, result):
        return metric_sum(d.metrics(), "alertd_slack_interactions_total", result=result)


class TestSlack(SlackCase):
    def test_a_signed_click_acknowledges_and_updates_the_message(self):
        d = self.start()
        inc = self.open_incident(d, "checkout")
        answer, url = self.click(d, "acknowledge", inc)
        self.assertEqual((answer.status, answer.body), (200, b""))
        update = self.posted(d, url)
        self.assertEqual(update["replace_original"], True)
        title = d.incident(inc)["title"]
        self.assertEqual(update["text"], f"{inc} {title}: acknowledged by <@U01ALICE>")
        self.assertEqual(d.incident(inc)["status"], "in_progress")
        acks = [e for e in d.timeline(inc)["entries"] if e["action"] == "acknowledge"]
        self.assertEqual([e["actor"] for e in acks], ["slack:alice"])

        # The state machine's refusal reaches the user, ephemeral, with its reason.
        answer, url = self.click(d, "acknowledge", inc)
        self.assertEqual(answer.status, 200)
        refusal = self.posted(d, url)
        self.assertEqual((refusal["response_type"], refusal["replace_original"]),
                         ("ephemeral", False))
        self.assertIn(f"Could not acknowledge {inc}", refusal["text"])
        self.assertIn("in_progress", refusal["text"])
        d.wait_for(lambda: self.results(d, "refused") == 1, what="the refusal counted")
        self.assertEqual(self.results(d, "accepted"), 1)

    def test_tampered_stale_and_forged_requests_change_nothing(self):
        d = self.start()
        inc = self.open_incident(d, "checkout")
        cases = [({"tamper": True}, "invalid_signature"),
                 ({"secret": "not-the-secret"}, "invalid_signature"),
                 ({"ts": int(time.time()) - 301}, "stale_request"),
                 ({"ts": int(time.time()) + 400}, "stale_request")]
        for kwargs, reason in cases:
            answer, _ = self.click(d, "acknowledge", inc, **kwargs)
            self.assertEqual(answer.status, 401, kwargs)
            self.assertEqual(answer.json()["error"], reason, kwargs)
        unsigned = d.request("POST", PATH, body=b"payload=%7B%7D",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((unsigned.status, unsigned.json()["error"]), (401, "invalid_signature"))
        self.assertEqual(self.results(d, "invalid_signature"), 3)
        self.assertEqual(self.results(d, "stale_request"), 2)
        time.sleep(0.5)  # nothing is in flight: a change would show by now
        self.assertEqual(d.incident(inc)["status"], "open")
        self.assertEqual(self.rx.requests, [])
        self.assertNotIn("acknowledge", [e["action"] for e in d.timeline(inc)["entries"]])

        too_big = d.request("POST", PATH, body=b"payload=" + b"a" * (256 << 10),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(too_big.status, 413)

    def test_an_unknown_user_or_a_viewer_is_refused_never_silently(self):
        d = self.start()
        inc = self.open_incident(d, "checkout")
        answer, url = self.click(d, "acknowledge", inc, user=("U0NOBODY", "mallory"))
        self.assertEqual(answer.status, 200)
        self.assertEqual(answer.json()["response_type"], "ephemeral")
        refusal = self.posted(d, url)
        self.assertEqual(refusal, answer.json())
        self.assertIn("does not know your Slack user U0NOBODY", refusal["text"])

        answer, url = self.click(d, "resolve", inc, user=("U02VIC", "vic"))
        self.assertEqual(answer.status, 200)
        self.assertIn("role viewer may not resolve", self.posted(d, url)["text"])
        self.assertEqual(d.incident(inc)["status"], "open")
        self.assertEqual((self.results(d, "unknown_user"), self.results(d, "forbidden")), (1, 1))

        answer, _ = self.click(d, "acknowledge", "not-an-incident")
        self.assertEqual((answer.status, answer.json()["error"]), (400, "invalid_interaction"))

    def test_resolve_and_silence_for_an_hour(self):
        d = self.start()
        checkout = self.open_incident(d, "checkout")
        payments = self.open_incident(d, "payments")
        answer, url = self.click(d, "resolve", checkout)
        self.assertEqual(answer.status, 200)
        self.assertEqual(self.posted(d, url)["text"],
                         f"{checkout} {d.incident(checkout)['title']}: resolved by <@U01ALICE>")
        got = d.incident(checkout)
        self.assertEqual((got["status"], got["resolved_by"], got["resolution"]),
                         ("resolved", "slack:alice", "resolved from Slack by alice"))

        answer, url = self.click(d, "silence_1h", payments)
        self.assertEqual(answer.status, 200)
        self.assertEqual(self.posted(d, url)["text"],
                         f"{payments} {d.incident(payments)['title']}: silenced for 1h by <@U01ALICE>")
        silences = d.get_json("/api/v1/silences")["silences"]
        self.assertEqual(len(silences), 1)
        s = silences[0]
        self.assertEqual((s["matchers"], s["created_by"], s["state"]),
                         (['service="payments"'], "slack:alice", "active"))
        self.assertIn(payments, s["comment"])
        length = (time.mktime(time.strptime(s["ends_at"][:19], "%Y-%m-%dT%H:%M:%S")) -
                  time.mktime(time.strptime(s["starts_at"][:19], "%Y-%m-%dT%H:%M:%S")))
        self.assertAlmostEqual(length, 3600, delta=1)
        # The silence reaches the correlator: the incident's alerts are muted.
        d.wait_for(lambda: d.incident(payments).get("suppressed") is True,
                   what="the payments incident suppressed")
        self.assertEqual(self.results(d, "accepted"), 2)

    def test_without_a_signing_secret_the_route_is_off(self):
        d = self.start_daemon(config="correlation:\n  settle: 0s\n")
        answer = d.request("POST", PATH, body=b"payload=%7B%7D",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((answer.status, answer.json()["error"]), (404, "slack_app_not_configured"))


if __name__ == "__main__":
    unittest.main()
