"""Splunk HTTP Event Collector on the real daemon: events sent by Splunk's own
HEC client library (npm splunk-logging, tests/integration/js), and raw HTTP
for Splunk's answers and codes, partial accept, gzip, /raw, health, indexer
acknowledgement and the two ways a sender authenticates."""

import gzip
import json
import os
import shutil
import subprocess
import unittest

from harness import DaemonTestCase, metric_sum

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
EDGE = "11111111-2222-3333-4444-555555555555"
ACKER = "aaaaaaaa-2222-3333-4444-555555555555"
QUERY = "qqqqqqqq-2222-3333-4444-555555555555"
CHANNEL = "0aecb6a4-5d07-4d4c-8c5b-bd1ea2a1a5a1"
OTHER_CHANNEL = "1bfdc7b5-6e18-4e5d-9d6c-ce2fb3b2b6b2"

CONFIG = f"""
sources:
  splunk_hec:
    tokens:
      - {{token: "{EDGE}", name: edge, indexes: [alerts, main]}}
      - {{token: "{ACKER}", name: acker, ack: true}}
      - {{token: "{QUERY}", name: query, query_token: true}}
"""


def hec_headers(token=EDGE, **extra):
    h = {"Authorization": f"Splunk {token}", "Content-Type": "application/json"}
    h.update(extra)
    return h


def events_body(*events):
    """HEC's batch format: JSON objects one after another, no array."""
    return "".join(json.dumps(e) for e in events)


def splunk_logging():
    """The node binary and the installed library, or skip (scripts/setup installs both)."""
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(JS_DIR, "node_modules", "splunk-logging")):
        raise unittest.SkipTest("node or splunk-logging missing: run scripts/setup")
    return node


class HecCase(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.d = self.start_daemon(CONFIG)

    def hec(self, path, body, token=EDGE, **headers):
        if isinstance(body, str):
            body = body.encode()
        return self.d.request("POST", path, body, hec_headers(token, **headers))

    def expect(self, r, status, code, **fields):
        self.assertEqual(r.status, status, r)
        answer = r.json()
        self.assertEqual(answer["code"], code, answer)
        self.assertIsInstance(answer["text"], str)
        for k, v in fields.items():
            self.assertEqual(answer.get(k.replace("_", "-")), v, answer)
        return answer

    def members_with(self, **labels):
        out = []
        for inc in self.d.incidents():
            for m in self.d.incident(inc["id"])["members"]:
                if all(m["labels"].get(k) == v for k, v in labels.items()):
                    out.append((inc, m))
        return out

    def wait_member(self, **labels):
        return self.d.wait_for(lambda: self.members_with(**labels),
                               what=f"an incident member with {labels}")[0]

    def rejected(self, reason):
        return metric_sum(self.d.metrics(), "alertd_alerts_rejected_total",
                          reason=reason, source="splunk")

    def received(self):
        return metric_sum(self.d.metrics(), "alertd_alerts_received_total", source="splunk")


class SplunkLoggingLibrary(HecCase):
    """Splunk's own Node.js HEC client, unchanged, pointed at alertd."""

    def send(self, payloads, batch=1, token=EDGE):
        spec = {"url": f"http://127.0.0.1:{self.d.port}", "token": token,
                "maxBatchCount": batch, "payloads": payloads}
        out = subprocess.run([splunk_logging(), "splunk_logging_send.js", json.dumps(spec)],
                             cwd=JS_DIR, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    def test_single_event_becomes_an_incident(self):
        answers = self.send([{"message": "disk /var 97% full", "severity": "critical",
                              "metadata": {"host": "web-1", "sourcetype": "app:disk",
                                           "time": 1767225600.25}}])
        self.assertEqual(answers, [{"error": None, "status": 200,
                                    "body": {"text": "Success", "code": 0}}])
        inc, m = self.wait_member(host="web-1")
        self.assertEqual(m["source"], "splunk")
        self.assertEqual(m["labels"]["alertname"], "app:disk")  # sourcetype: no event.alertname
        self.assertEqual(m["labels"]["sourcetype"], "app:disk")
        self.assertEqual(m["labels"]["severity"], "critical")  # the library's event.severity
        self.assertEqual(m["annotations"]["message"], "disk /var 97% full")
        self.assertEqual(m["status"], "firing")
        self.assertEqual(inc["severity"], "sev1")
        self.assertEqual(self.received(), 1)

    def test_a_logged_object_is_the_event_itself(self):
        # The library wraps what the application logs: {"message": obj, "severity": ...}.
        answers = self.send([{"message": {"alertname": "CheckoutLatency", "service": "checkout",
                                          "severity": "critical", "p99_ms": 2300,
                                          "summary": "p99 above 2s for 5 minutes"},
                              "metadata": {"host": "web-2", "sourcetype": "app:slo"}}])
        self.assertEqual([a["status"] for a in answers], [200])
        inc, m = self.wait_member(host="web-2")
        self.assertEqual(m["labels"]["alertname"], "CheckoutLatency")
        self.assertEqual(m["labels"]["service"], "checkout")
        self.assertEqual(m["labels"]["severity"], "critical")  # the object's, not the wrapper's
        self.assertEqual(m["labels"]["p99_ms"], "2300")
        self.assertNotIn("message.alertname", m["labels"])
        self.assertEqual(m["annotations"]["summary"], "p99 above 2s for 5 minutes")
        self.assertIn("p99 above 2s for 5 minutes", inc["title"])

    def test_batched_events_arrive_in_one_request_each(self):
        payloads = [{"message": f"queue {i} stuck", "severity": "error",
                     "metadata": {"host": f"worker-{i}", "sourcetype": "app:queue"}}
                    for i in range(5)]
        answers = self.send(payloads, batch=5)
        # One request for the five: one answer, Success.
        self.assertEqual([a["body"] for a in answers], [{"text": "Success", "code": 0}])
        self.d.wait_for(lambda: len(self.members_with(sourcetype="app:queue")) == 5,
                        what="five members from one batch")
        incidents = {inc["id"] for inc, _ in self.members_with(sourcetype="app:queue")}
        self.assertEqual(len(incidents), 1, "one alertname, one incident")
        self.assertEqual(self.received(), 5)

    def test_wrong_token_is_the_librarys_error(self):
        answers = self.send([{"message": "x"}], token="ffffffff-2222-3333-4444-555555555555")
        self.assertIn({"library_error": "Invalid token", "code": 4}, answers)
        self.assertEqual(self.received(), 0)
        self.assertEqual(self.d.incidents(), [])


class HecAnswers(HecCase):
    def test_token_required_and_invalid(self):
        r = self.d.request("POST", "/services/collector/event", b'{"event":"x"}')
        self.expect(r, 401, 2)
        self.expect(self.hec("/services/collector/event", '{"event":"x"}',
                             token="nope-nope-nope-nope-nope"), 403, 4)
        # Basic auth with the token as password works as Splunk's does.
        import base64
        basic = base64.b64encode(f"x:{EDGE}".encode()).decode()
        r = self.d.request("POST", "/services/collector", b'{"event":"basic"}',
                           {"Authorization": f"Basic {basic}"})
        self.expect(r, 200, 0)
        self.assertEqual(self.d.wait_for(lambda: self.received() == 1, what="1 received"), True)

    def test_no_data_blank_and_missing_event(self):
        self.expect(self.hec("/services/collector/event", ""), 400, 5)
        self.expect(self.hec("/services/collector/event", "  \n"), 400, 5)
        self.expect(self.hec("/services/collector/event", '{"host":"h"}'), 400, 12,
                    invalid_event_number=0)
        self.expect(self.hec("/services/collector/event", '{"event":""}'), 400, 13,
                    invalid_event_number=0)
        self.assertEqual(self.received(), 0)
        self.assertEqual(self.rejected("no_data"), 2)

    def test_partial_accept_keeps_the_events_before_the_bad_one(self):
        body = (events_body({"event": {"alertname": "Kept", "n": "0"}, "host": "p-0"},
                            {"event": {"alertname": "Kept", "n": "1"}, "host": "p-1"})
                + '{"event": not json}'
                + events_body({"event": {"alertname": "Lost"}, "host": "p-3"}))
        self.expect(self.hec("/services/collector/event", body), 400, 6, invalid_event_number=2)
        self.d.wait_for(lambda: len(self.members_with(alertname="Kept")) == 2,
                        what="the two events before the bad one")
        self.assertEqual(self.members_with(alertname="Lost"), [])
        self.assertEqual(self.received(), 2)
        # The bad one second (index 1) after a missing event field: code 12, N=1.
        body = events_body({"event": "ok", "host": "q-0"}, {"host": "q-1"})
        self.expect(self.hec("/services/collector/event", body), 400, 12, invalid_event_number=1)
        self.d.wait_for(lambda: self.members_with(host="q-0"), what="q-0 kept")

    def test_incorrect_index_and_query_token(self):
        self.expect(self.hec("/services/collector/event", '{"event":"x","index":"secret"}'),
                    400, 7, invalid_event_number=0)
        self.expect(self.hec("/services/collector/event", '{"event":"x","index":"alerts"}'),
                    200, 0)
        r = self.d.request("POST", f"/services/collector/event?token={EDGE}", b'{"event":"x"}')
        self.expect(r, 400, 16)
        r = self.d.request("POST", f"/services/collector/event?token={QUERY}",
                           b'{"event":"via query"}')
        self.expect(r, 200, 0)
        self.d.wait_for(lambda: self.received() == 2, what="two accepted")

    def test_gzip_body(self):
        body = gzip.compress(events_body({"event": {"alertname": "Zipped"}, "host": "z-1"},
                                         {"event": {"alertname": "Zipped"}, "host": "z-2"}).encode())
        self.expect(self.hec("/services/collector/event", body, **{"Content-Encoding": "gzip"}),
                    200, 0)
        self.d.wait_for(lambda: len(self.members_with(alertname="Zipped")) == 2, what="2 zipped")
        # Not gzip although it says so: code 6, nothing kept.
        self.expect(self.hec("/services/collector/event", b"plain", **{"Content-Encoding": "gzip"}),
                    400, 6)
        self.assertEqual(self.received(), 2)

    def test_raw_with_query_metadata(self):
        r = self.d.request("POST", "/services/collector/raw?host=raw-1&sourcetype=syslog:err",
                           b"kernel: oom-killer invoked\nkernel: eth0 link down\n",
                           {"Authorization": f"Splunk {EDGE}"})
        self.expect(r, 200, 0)
        # Both lines are accepted; with the same metadata they are one alert
        # (the message is an annotation, not identity), the later message kept.
        self.d.wait_for(lambda: self.received() == 2, what="two raw lines accepted")
        self.d.wait_for(lambda: len(self.members_with(host="raw-1")) == 1, what="one raw alert")
        _, m = self.members_with(host="raw-1")[0]
        self.assertEqual(m["labels"]["alertname"], "syslog:err")
        self.assertIn(m["annotations"]["message"],
                      {"kernel: oom-killer invoked", "kernel: eth0 link down"})
        r = self.d.request("POST", "/services/collector/raw?index=secret", b"line\n",
                           {"Authorization": f"Splunk {EDGE}"})
        self.expect(r, 400, 7)

    def test_health(self):
        for path in ("/services/collector/health", "/services/collector/health/1.0"):
            r = self.d.get(path)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), {"text": "HEC is healthy", "code": 17})


class HecAcknowledgement(HecCase):
    def poll(self, channel, ids, token=ACKER):
        return self.d.request("POST", f"/services/collector/ack?channel={channel}",
                              json.dumps({"acks": ids}).encode(), hec_headers(token))

    def test_channel_required_and_ack_ids_per_channel(self):
        self.expect(self.hec("/services/collector/event", '{"event":"x"}', token=ACKER), 400, 10)
        self.expect(self.hec("/services/collector/event", '{"event":"x"}', token=ACKER,
                             **{"X-Splunk-Request-Channel": "not-a-guid"}), 400, 11)
        ids = []
        for channel in (CHANNEL, CHANNEL, OTHER_CHANNEL):
            r = self.hec("/services/collector/event", '{"event":"acked","host":"a-1"}',
                         token=ACKER, **{"X-Splunk-Request-Channel": channel})
            ids.append(self.expect(r, 200, 0)["ackId"])
        self.assertEqual(ids, [0, 1, 0], "ackIds count from 0 per channel")
        r = self.poll(CHANNEL, [0, 1, 7])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"acks": {"0": True, "1": True, "7": False}})
        # True once: polled again, forgotten.
        self.assertEqual(self.poll(CHANNEL, [0, 1]).json(), {"acks": {"0": False, "1": False}})
        self.assertEqual(self.poll(OTHER_CHANNEL, [0]).json(), {"acks": {"0": True}})

    def test_ack_disabled_token(self):
        self.expect(self.poll(CHANNEL, [0], token=EDGE), 400, 14)
        # The token without ack needs no channel.
        self.expect(self.hec("/services/collector/event", '{"event":"x"}'), 200, 0)


class HecWithAuthSection(DaemonTestCase):
    """No HEC tokens: the auth: section's tokens, as Splunk <token>."""

    def test_sender_token_in_splunk_header(self):
        sender = "sender-token-0123456789abcdef"
        config = ('auth:\n  tokens:\n'
                  '    - {token: "${T_ADMIN}", role: admin, name: ops}\n'
                  '    - {token: "${T_SENDER}", role: sender, name: hec-sender}\n')
        d = self.start_daemon(config, env={"T_ADMIN": "admin-token-0123456789abcdef",
                                           "T_SENDER": sender})
        r = d.request("POST", "/services/collector/event", b'{"event":"x","host":"auth-1"}')
        self.assertEqual((r.status, r.json()["code"]), (401, 2), r)
        r = d.request("POST", "/services/collector/event", b'{"event":"x","host":"auth-1"}',
                      {"Authorization": "Splunk wrong-token-0123456789abcdef"})
        self.assertEqual((r.status, r.json()["code"]), (403, 4), r)
        r = d.request("POST", "/services/collector/event", b'{"event":"x","host":"auth-1"}',
                      {"Authorization": f"Splunk {sender}"})
        self.assertEqual((r.status, r.json()), (200, {"text": "Success", "code": 0}), r)
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_alerts_received_total",
                                      source="splunk") == 1, what="one splunk alert")


if __name__ == "__main__":
    unittest.main()
