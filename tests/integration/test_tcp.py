"""The TCP NDJSON source (issue 14 item 6): a forwarder's stream of lines of
the generic format over a plain socket becomes alerts and incidents; a bad
line is counted and skipped, an over-long line closes the connection and
keeps the lines before it, and the connection limit refuses the connection
over it. Journal on (the default)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

from harness import DaemonTestCase, alertd_bin, metric_sum

BOUND_RE = re.compile(r"tcp: NDJSON listener bound to 127\.0\.0\.1:(\d+)")


def config(**tcp):
    keys = {"listen": "127.0.0.1:0", **tcp}
    body = "\n".join(f"    {k}: {json.dumps(v)}" for k, v in keys.items())
    return "sources:\n  tcp:\n" + body + "\n"


def line(i, service="tcp-svc", instance=None):
    return json.dumps({"labels": {"alertname": "TcpForwarded", "service": service,
                                  "instance": instance or f"host-{i}"},
                       "annotations": {"summary": f"event {i}"}}) + "\n"


def read_until_closed(sock, timeout=15):
    """True once the daemon closes the connection (bounded wait)."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class TcpTestCase(DaemonTestCase):
    def start_tcp(self, **tcp):
        d = self.start_daemon(config(**tcp))
        m = d.wait_for(lambda: BOUND_RE.search(d.read_log()), what="the TCP listener's address")
        d.tcp_port = int(m.group(1))
        return d

    def connect(self, d):
        return socket.create_connection(("127.0.0.1", d.tcp_port), timeout=15)

    def counter(self, d, name, **labels):
        return metric_sum(d.metrics(), name, **labels)

    def wait_received(self, d, n):
        d.wait_for(lambda: self.counter(d, "alertd_alerts_received_total") >= n,
                   timeout=60, what=f"{n} alerts received")
        self.assertEqual(self.counter(d, "alertd_alerts_received_total"), n)


class TcpStreamTest(TcpTestCase):
    def test_forwarder_stream_of_100k_lines(self):
        d = self.start_tcp()
        total, services = 100_000, 10
        # 1,000 distinct alerts re-sent 100 times, over 10 services; written
        # in pieces that cut lines anywhere, as a forwarder's writes do.
        payload = "".join(line(i, service=f"tcp-svc-{i % services}", instance=f"host-{i % 1000}")
                          for i in range(total)).encode()
        with self.connect(d) as s:
            for at in range(0, len(payload), 100_003):
                s.sendall(payload[at:at + 100_003])
            s.shutdown(socket.SHUT_WR)
            self.assertTrue(read_until_closed(s, timeout=120), "the daemon closes after EOF")
        self.wait_received(d, total)
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_alerts_received_total", source="generic"), total)
        self.assertEqual(metric_sum(m, "alertd_tcp_lines_total"), total)
        self.assertEqual(metric_sum(m, "alertd_tcp_bytes_total"), len(payload))
        self.assertEqual(metric_sum(m, "alertd_alerts_rejected_total", source="tcp"), 0)

        def ten_incidents():
            incs = [i for i in d.incidents() if i["service"].startswith("tcp-svc-")]
            return len(incs) == services and all(i["alert_count"] == 100 for i in incs) and incs
        incs = d.wait_for(ten_incidents, timeout=60, what="10 incidents of 100 alerts each")
        self.assertEqual(sorted(i["service"] for i in incs),
                         sorted(f"tcp-svc-{k}" for k in range(services)))
        log = d.read_log()
        self.assertRegex(log, rf"connection closed \(closed by the peer\): {total} lines, "
                              rf"{total} alerts, {len(payload)} bytes, 0 errors")
        d.stop()

    def test_last_line_without_newline_and_crlf_lines_count(self):
        d = self.start_tcp()
        with self.connect(d) as s:
            s.sendall(line(1).replace("\n", "\r\n").encode() + b"\r\n" + line(2).rstrip().encode())
            s.shutdown(socket.SHUT_WR)
            self.assertTrue(read_until_closed(s))
        self.wait_received(d, 2)


class TcpBackpressureTest(TcpTestCase):
    def test_full_queues_pause_reading_and_nothing_is_dropped(self):
        # One shard holding one batch, no journal: while the shard works on a
        # batch, the next offer is refused queue_full and offered again.
        cfg = config() + textwrap.dedent("""\
            durability:
              mode: none
            pipeline:
              shards: 1
              queue_capacity: 1
            """)
        d = self.start_daemon(cfg)
        d.tcp_port = int(d.wait_for(lambda: BOUND_RE.search(d.read_log())).group(1))
        total = 100_000
        payloads = ["".join(line(i, instance=f"host-{i % 5000}") for i in range(k, total, 2))
                    .encode() for k in (0, 1)]
        socks = [self.connect(d), self.connect(d)]
        for s, p in zip(socks, payloads):
            s.sendall(p)
            s.shutdown(socket.SHUT_WR)
        for s in socks:
            self.assertTrue(read_until_closed(s, timeout=120))
            s.close()
        self.wait_received(d, total)
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_alerts_rejected_total", source="tcp"), 0)
        refused = metric_sum(m, "alertd_tcp_backpressure_total", reason="queue_full")
        sys.stderr.write(f"\nbatches refused queue_full and offered again: {refused:.0f}\n")


class TcpBadInputTest(TcpTestCase):
    def test_malformed_line_is_counted_logged_and_skipped(self):
        d = self.start_tcp()
        with self.connect(d) as s:
            s.sendall((line(1) + '{"labels": {"alertname": "Broken"\n' + "\n" +
                       '{"labels": {}}\n' + line(5)).encode())
            s.shutdown(socket.SHUT_WR)
            self.assertTrue(read_until_closed(s))
        self.wait_received(d, 2)
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_alerts_rejected_total", source="tcp",
                                    reason="invalid_json"), 1)
        self.assertEqual(metric_sum(m, "alertd_alerts_rejected_total", source="tcp",
                                    reason="empty_labels"), 1)
        log = d.read_log()
        self.assertRegex(log, r"tcp 127\.0\.0\.1:\d+: line 2 skipped \(invalid_json\)")
        self.assertRegex(log, r"tcp 127\.0\.0\.1:\d+: line 4 skipped \(empty_labels\)")
        self.assertRegex(log, r"5 lines, 2 alerts, \d+ bytes, 2 errors")

    def test_over_long_line_closes_the_connection_and_keeps_the_lines_before(self):
        d = self.start_tcp(max_line_bytes=1024)
        long_line = json.dumps({"labels": {"alertname": "Long", "x": "y" * 2000}}) + "\n"
        with self.connect(d) as s:
            s.sendall((line(1) + line(2) + line(3)).encode())
            s.sendall(long_line.encode())
            try:
                s.sendall(line(5).encode())
            except OSError:
                pass  # the daemon may have closed already
            self.assertTrue(read_until_closed(s), "an over-long line closes the connection")
        self.wait_received(d, 3)
        self.assertEqual(self.counter(d, "alertd_alerts_rejected_total", source="tcp",
                                      reason="line_too_long"), 1)
        self.assertIn("longer than sources.tcp.max_line_bytes (1024)", d.read_log())
        # The listener goes on taking other connections.
        with self.connect(d) as s:
            s.sendall(line(9).encode())
        self.wait_received(d, 4)

    def test_connection_limit(self):
        d = self.start_tcp(max_connections=2)
        first, second = self.connect(d), self.connect(d)
        try:
            first.sendall(line(1).encode())
            second.sendall(line(2).encode())
            d.wait_for(lambda: self.counter(d, "alertd_tcp_connections") == 2,
                       what="two open connections")
            with self.connect(d) as third:
                self.assertTrue(read_until_closed(third), "the third connection is closed")
            self.assertEqual(self.counter(d, "alertd_tcp_connections_refused_total"), 1)
            self.wait_received(d, 2)
        finally:
            first.close()
            second.close()
        d.wait_for(lambda: self.counter(d, "alertd_tcp_connections") == 0,
                   what="both connections closed")
        # A freed place is taken again.
        with self.connect(d) as s:
            s.sendall(line(3).encode())
        self.wait_received(d, 3)

    def test_a_silent_connection_is_closed_after_idle_timeout_and_its_lines_kept(self):
        d = self.start_tcp(idle_timeout="1s")
        with self.connect(d) as s:
            s.sendall(line(1).encode())
            self.assertTrue(read_until_closed(s), "the idle connection is closed")
        self.wait_received(d, 1)
        self.assertEqual(self.counter(d, "alertd_tcp_connections_timed_out_total", phase="idle"),
                         1)
        d.wait_for(lambda: "nothing sent for sources.tcp.idle_timeout" in d.read_log(),
                   what="the idle close logged")
        # A sender that closes itself is not counted as idle.
        with self.connect(d) as s:
            s.sendall((line(2) + line(3)).encode())
            s.shutdown(socket.SHUT_WR)
            self.assertTrue(read_until_closed(s))
        self.wait_received(d, 3)
        d.wait_for(lambda: "closed by the peer" in d.read_log(), what="the peer's close logged")
        self.assertEqual(self.counter(d, "alertd_tcp_connections_timed_out_total", phase="idle"),
                         1)

    def test_sigterm_with_an_open_connection_drains_and_exits_cleanly(self):
        d = self.start_tcp()
        s = self.connect(d)
        try:
            s.sendall((line(1) + line(2)).encode())
            self.wait_received(d, 2)
            d.stop()  # asserts exit code 0
        finally:
            s.close()


class TcpAuthTest(unittest.TestCase):
    def run_daemon(self, extra):
        cfg = textwrap.dedent("""\
            auth:
              tokens:
                - {token: "admin-0123456789abcdef0123456789abcdef", role: admin, name: ops}
            """) + extra + config()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "alertd.yaml")
        with open(path, "w") as f:
            f.write(cfg)
        proc = subprocess.Popen([alertd_bin(), "--config", path, "--listen", "127.0.0.1:0"],
                                cwd=tmp.name, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        self.addCleanup(proc.kill)
        return proc

    def test_auth_without_open_ingest_or_client_certs_refuses_to_start(self):
        proc = self.run_daemon("")
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 1, err)
        self.assertIn("list it in auth.open_ingest: [tcp]", err)


class TcpOpenIngestTest(TcpTestCase):
    def test_auth_with_open_ingest_tcp_takes_lines(self):
        cfg = textwrap.dedent("""\
            auth:
              tokens:
                - {token: "admin-0123456789abcdef0123456789abcdef", role: admin, name: ops}
              open_ingest: [tcp]
            """) + config(tenant="team-tcp")
        d = self.start_daemon(cfg)
        m = d.wait_for(lambda: BOUND_RE.search(d.read_log()), what="the TCP listener's address")
        d.tcp_port = int(m.group(1))
        with self.connect(d) as s:
            s.sendall(line(1).encode())
        self.wait_received(d, 1)


if __name__ == "__main__":
    unittest.main()
