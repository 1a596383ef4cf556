"""The HTTP server under hostile or careless clients (issue 13, item 7): chunk
lines bounded, a configurable header limit, connections per client address,
accept errors that back off, error bodies that are valid UTF-8 JSON, and a
413 the client can read. Raw sockets, so the tests send what http.client
would not."""

import json
import os
import resource
import socket
import subprocess
import time
import unittest

from harness import DaemonTestCase, alertd_bin, metric_sum

REJECTED = "alertd_alerts_rejected_total"
API_ERRORS = "alertd_api_errors_total"
SOCKET_TIMEOUT = 10


def read_answer(sock):
    """(status, headers, body bytes) of one HTTP/1.1 answer with a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before an answer: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body[:length]


def connect(d):
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=SOCKET_TIMEOUT)
    return sock


def chunked_head(path="/api/v1/events"):
    return (f"POST {path} HTTP/1.1\r\nHost: alertd\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()


def chunk(data, extension=b""):
    return b"%x" % len(data) + extension + b"\r\n" + data + b"\r\n"


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class HttpHardening(DaemonTestCase):
    def assert_json_error(self, status, body, want_status, reason):
        self.assertEqual(status, want_status, body)
        doc = json.loads(body.decode("utf-8"))  # strict: invalid UTF-8 raises
        self.assertEqual(doc.get("error"), reason, doc)
        self.assertTrue(doc.get("detail"), doc)
        return doc

    def send_and_answer(self, d, payload):
        with connect(d) as sock:
            try:
                sock.sendall(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the answer came before all was sent; it is still to be read
            return read_answer(sock)

    # -- chunk lines -----------------------------------------------------------
    def test_endless_chunk_extension_is_refused_and_bounded(self):
        """`1;` and then 32 MiB of extension without a line end: Beast 1.81
        buffers it all (73 MiB for 64 MiB) and answers nothing until the read
        timeout. Now: 400 chunk_line_too_long after a few KiB, memory flat."""
        d = self.start_daemon({"durability": {"mode": "none"}})
        before = metric_sum(d.metrics(), REJECTED, reason="chunk_line_too_long")
        rss_before = rss_bytes(d.proc.pid)
        with connect(d) as sock:
            sock.sendall(chunked_head() + b"1;")
            block = b"a" * (1 << 20)
            try:
                for _ in range(32):
                    sock.sendall(block)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused and lingered: expected once the server stops reading
            status, headers, body = read_answer(sock)
        self.assert_json_error(status, body, 400, "chunk_line_too_long")
        self.assertEqual(headers.get("connection"), "close")
        self.assertLess(rss_bytes(d.proc.pid) - rss_before, 16 << 20,
                        "the daemon's memory grew with the chunk extension")
        self.assertEqual(metric_sum(d.metrics(), REJECTED, reason="chunk_line_too_long"),
                         before + 1)
        self.assertEqual(d.get("/-/healthy").status, 200)

    def test_chunk_extension_over_4kib_is_refused(self):
        """A whole, well-formed line whose extension is 5000 bytes: refused
        (before: accepted, since only the line end was awaited)."""
        d = self.start_daemon({"durability": {"mode": "none"}})
        event = json.dumps({"labels": {"alertname": "Ext", "service": "long-ext"}}).encode()
        body = chunk(event, b";x=" + b"e" * 5000) + b"0\r\n\r\n"
        status, _, answer = self.send_and_answer(d, chunked_head() + body)
        self.assert_json_error(status, answer, 400, "chunk_line_too_long")
        self.assertEqual(d.incidents(service="long-ext"), [])

    def test_chunk_size_digits_count_in_the_line(self):
        """5000 leading zeros and no extension: the line is over 4 KiB too."""
        d = self.start_daemon({"durability": {"mode": "none"}})
        event = json.dumps({"labels": {"alertname": "Zeros", "service": "zeros"}}).encode()
        body = b"0" * 5000 + chunk(event) + b"0\r\n\r\n"
        status, _, answer = self.send_and_answer(d, chunked_head() + body)
        self.assert_json_error(status, answer, 400, "chunk_line_too_long")

    def test_chunk_extension_within_the_limit_is_accepted(self):
        d = self.start_daemon({"durability": {"mode": "none"}})
        event = json.dumps({"labels": {"alertname": "Ext", "service": "short-ext"}}).encode()
        body = chunk(event, b";x=" + b"e" * 3000) + b"0\r\n\r\n"
        status, _, answer = self.send_and_answer(d, chunked_head() + body)
        self.assertEqual(status, 200, answer)
        d.wait_for(lambda: d.incidents(service="short-ext"), what="the chunked event's incident")

    def test_endless_trailer_is_refused(self):
        """The trailer after the last chunk is read under the buffer's bound."""
        d = self.start_daemon({"durability": {"mode": "none"}})
        event = json.dumps({"labels": {"alertname": "Trailer"}}).encode()
        payload = chunked_head() + chunk(event) + b"0\r\nX-Trailer: " + b"t" * (256 << 10)
        status, _, answer = self.send_and_answer(d, payload)
        self.assert_json_error(status, answer, 400, "chunk_line_too_long")

    # -- header limit ----------------------------------------------------------
    def test_header_limit_is_configurable(self):
        header = "X-Big: " + "h" * 3000 + "\r\n"
        request = ("GET /-/healthy HTTP/1.1\r\nHost: alertd\r\n" + header + "\r\n").encode()
        d = self.start_daemon({"http": {"header_limit": "2KiB"}})
        status, _, body = self.send_and_answer(d, request)
        self.assert_json_error(status, body, 431, "headers_too_large")
        default = self.start_daemon()  # 16 KiB
        status, _, body = self.send_and_answer(default, request)
        self.assertEqual(status, 200, body)

    def test_header_limit_out_of_range_is_a_config_error(self):
        cfg = os.path.join(self.make_workdir(), "alertd.yaml")
        for value in ("100", "2MiB"):
            with open(cfg, "w") as f:
                f.write(f"http:\n  header_limit: {value}\n")
            run = subprocess.run([alertd_bin(), "check-config", cfg], capture_output=True,
                                 timeout=30)
            self.assertNotEqual(run.returncode, 0, run)
            self.assertIn(b"http.header_limit", run.stderr + run.stdout)

    # -- connections per client address ---------------------------------------
    def test_connections_per_ip_are_limited_with_a_503(self):
        d = self.start_daemon({"http": {"max_connections_per_ip": 2}})
        held, refusals = [], []

        def hold_a_place():
            # A connection closed a moment ago (the last scrape) may still
            # hold its place until the server reads its end: retry until not.
            sock = connect(d)
            sock.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: alertd\r\n\r\n")
            status = read_answer(sock)[0]
            if status != 200:
                refusals.append(status)
                sock.close()
                return False
            held.append(sock)  # answered 200: accepted, and keeps its place open
            return True

        before = metric_sum(d.metrics(), API_ERRORS, reason="too_many_connections")
        try:
            d.wait_for(hold_a_place, what="a first connection")
            d.wait_for(hold_a_place, what="a second connection")
            status, headers, body = self.send_and_answer(
                d, b"GET /-/healthy HTTP/1.1\r\nHost: alertd\r\n\r\n")
            self.assert_json_error(status, body, 503, "too_many_connections")
            self.assertEqual(headers.get("retry-after"), "1")
        finally:
            for sock in held:
                sock.close()
        self.assertEqual(set(refusals) - {503}, set())
        # The places are given back when those connections end.
        def served():
            status = d.get("/-/healthy").status
            if status != 200:
                refusals.append(status)
            return status == 200

        d.wait_for(served, what="a connection after the close")
        self.assertEqual(metric_sum(d.metrics(), API_ERRORS, reason="too_many_connections"),
                         before + len(refusals) + 1)

    def test_connections_over_max_connections_are_closed_and_counted(self):
        d = self.start_daemon({"http": {"max_connections": 2}})
        before = metric_sum(d.metrics(), API_ERRORS, reason="connection_limit")
        held = []

        def hold_a_place():
            sock = connect(d)
            sock.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: alertd\r\n\r\n")
            try:
                if read_answer(sock)[0] == 200:
                    held.append(sock)
                    return True
            except (AssertionError, ConnectionResetError):
                pass  # closed unanswered: a connection closed a moment ago still counts
            sock.close()
            return False

        try:
            d.wait_for(hold_a_place, what="a first connection")
            d.wait_for(hold_a_place, what="a second connection")
            with connect(d) as sock:
                sock.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: alertd\r\n\r\n")
                try:
                    data = sock.recv(100)
                except ConnectionResetError:
                    data = b""
                self.assertEqual(data, b"", "over max_connections: closed with no answer")
        finally:
            for sock in held:
                sock.close()
        d.wait_for(lambda: d.get("/-/healthy").status == 200, what="a connection after the close")
        self.assertGreaterEqual(
            d.wait_for(lambda: metric_sum(d.metrics(), API_ERRORS, reason="connection_limit")
                       - before, what="the refusal counted"), 1)

    # -- accept errors ---------------------------------------------------------
    def test_accept_errors_back_off(self):
        """With its descriptors used up, accept fails with EMFILE at once and
        for as long as the connections wait; the accept loop used to retry at
        once, for ever, at 100% CPU. Now it waits 10 ms doubling up to 1 s, so
        a few seconds of EMFILE are a handful of counted attempts."""
        limit = 64

        def few_descriptors():
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        d = self.start_daemon({"durability": {"mode": "none"}}, preexec=few_descriptors)
        # Out of descriptors, UBSan's vptr check cannot read memory (it does so
        # through a pipe: sanitizer_common's IsAccessibleMemoryRange), so the
        # first check of a type reports a false "invalid vptr" and ends the
        # process. Start-up's own first checks (the writer's and the store's
        # first turns) must be behind us before the descriptors run out.
        time.sleep(1)
        d.metrics()
        before = metric_sum(d.metrics(), API_ERRORS, reason="accept_failed")
        held, starved = [], None
        try:
            for _ in range(limit + 8):
                sock = connect(d)
                held.append(sock)
                sock.settimeout(2)
                sock.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: alertd\r\n\r\n")
                try:
                    read_answer(sock)
                except (socket.timeout, AssertionError, ConnectionResetError):
                    starved = sock  # connected by the kernel, never accepted
                    break
            self.assertIsNotNone(starved, "every connection was accepted: no EMFILE")
            time.sleep(3)  # let the accept loop run into EMFILE for a while
        finally:
            for sock in held:
                sock.close()
        d.wait_for(lambda: d.get("/-/healthy").status == 200, what="accepting again")
        failed = metric_sum(d.metrics(), API_ERRORS, reason="accept_failed") - before
        self.assertGreaterEqual(failed, 1)
        # 3 s of EMFILE with the back-off: about 8 attempts; a spinning loop
        # makes hundreds of thousands.
        self.assertLess(failed, 100)
        self.assertTrue(d.running())

    # -- error bodies ----------------------------------------------------------
    def test_error_bodies_are_valid_utf8_json(self):
        d = self.start_daemon()
        for path in ("/api/v1/incidents/%FF%FE", "/api/v1/incidents/%ED%A0%80",
                     "/api/v1/incidents/%C3%28/timeline"):
            r = d.get(path)
            doc = self.assert_json_error(r.status, r.body, 404, "not_found")
            self.assertIn("\ufffd", doc["detail"], path)
        # A raw byte in the request target itself, in the 404 of an unknown path.
        status, _, body = self.send_and_answer(
            d, b"GET /api/v1/\xff\xfe HTTP/1.1\r\nHost: alertd\r\n\r\n")
        doc = self.assert_json_error(status, body, 404, "not_found")
        self.assertIn("\ufffd", doc["detail"])

    # -- 413 -------------------------------------------------------------------
    def test_413_is_read_by_a_client_still_sending(self):
        """A client streams 1 MiB against a 64 KiB limit, then reads: the 413
        is sent at the headers and the connection used to close at once, so
        the client got EPIPE or ECONNRESET instead. Now it lingers, reading and
        dropping the rest, and the client reads the 413."""
        d = self.start_daemon({"http": {"max_body_bytes": 65536}})
        size = 1 << 20
        for _ in range(3):
            with connect(d) as sock:
                sock.sendall(b"POST /api/v2/alerts HTTP/1.1\r\nHost: alertd\r\n"
                             b"Content-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % size)
                sock.sendall(b"[" + b" " * (size - 2) + b"]")  # EPIPE here before
                status, headers, body = read_answer(sock)
            self.assert_json_error(status, body, 413, "body_too_large")
            self.assertEqual(headers.get("connection"), "close")

    # -- metrics ---------------------------------------------------------------
    def test_server_error_reasons_are_exported_at_zero(self):
        d = self.start_daemon()
        samples = d.metrics()
        for reason in ("internal", "too_many_connections", "connection_limit", "accept_failed"):
            self.assertTrue((API_ERRORS, frozenset({("reason", reason)})) in samples, reason)
        self.assertTrue((REJECTED, frozenset({("reason", "chunk_line_too_long"), ("source", "http")}))
                        in samples)


if __name__ == "__main__":
    unittest.main()
