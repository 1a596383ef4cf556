"""Local HTTP servers playing the receivers alertd notifies: Slack, Teams,
PagerDuty and a signed webhook. Each path answers from a script of
responses (status, headers), repeating the last one, and records every
request in order, so a test checks what arrived, how often and in which
order."""

import hashlib
import hmac
import http.server
import json
import threading
import time


class Request:
    def __init__(self, path, headers, body):
        self.path = path
        self.headers = headers
        self.body = body
        self.at = time.monotonic()

    def json(self):
        return json.loads(self.body)


class Receivers:
    """One server on 127.0.0.1, port 0; `script(path, [(status, headers), ...])`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.scripts = {}
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with outer.lock:
                    outer.requests.append(Request(self.path, dict(self.headers), body))
                    script = outer.scripts.get(self.path, [(200, {})])
                    status, headers = script[0]
                    if len(script) > 1:
                        script.pop(0)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                payload = b'{"status":"success"}' if status < 300 else b'{"error":"scripted"}'
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path, responses):
        with self.lock:
            self.scripts[path] = list(responses)

    def received(self, path):
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def verify_signature(secret, header, body, now=None, tolerance=300):
    """How a receiver checks X-Alertd-Signature (docs/notifications.md)."""
    parts = dict(p.split("=", 1) for p in header.split(","))
    t = int(parts["t"])
    if abs((now or time.time()) - t) > tolerance:
        return False
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"])
