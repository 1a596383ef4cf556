"""Test harness that runs the real alertd binary as a child process.

Every daemon runs with cwd = a fresh temporary directory (so its default
SQLite store ./data/alertd.db lands there), listens on an ephemeral loopback
port (--listen 127.0.0.1:0) and tells us the port through --port-file.
Its stderr goes to a file that DaemonTestCase prints when a test fails.

Python 3 standard library only: the machines have no pip packages.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import datetime, timezone

START_TIMEOUT = float(os.environ.get("ALERTD_START_TIMEOUT", "30"))
STOP_TIMEOUT = float(os.environ.get("ALERTD_STOP_TIMEOUT", "30"))
# Writes are queued and batched: state shows up a little after the 200.
WAIT_TIMEOUT = float(os.environ.get("ALERTD_WAIT_TIMEOUT", "15"))


def alertd_bin():
    path = os.environ.get("ALERTD_BIN")
    if not path:
        raise unittest.SkipTest("ALERTD_BIN is not set (run through ctest, or export it)")
    if not os.access(path, os.X_OK):
        raise AssertionError(f"ALERTD_BIN={path} is not an executable file")
    return path


def to_yaml(value, indent=0):
    """Block-style YAML for nested dicts; scalars and lists as JSON flow
    values, which every YAML 1.2 parser (yaml-cpp included) reads."""
    pad = "  " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{pad}{key}:")
            lines.append(to_yaml(item, indent + 1))
        else:
            lines.append(f"{pad}{key}: {json.dumps(item)}")
    return "\n".join(lines)


def free_port():
    """A loopback port that was free a moment ago (for peers that cannot bind :0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rfc3339(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_TS_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")


def parse_time(value):
    """Epoch seconds (float) from an RFC 3339 string or a number; None for null."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = _TS_RE.match(value)
    if not m:
        raise AssertionError(f"not an RFC 3339 timestamp: {value!r}")
    year, mon, day, hh, mm, ss = (int(g) for g in m.groups()[:6])
    frac = float(m.group(7)) if m.group(7) else 0.0
    tz = m.group(8)
    dt = datetime(year, mon, day, hh, mm, ss, tzinfo=timezone.utc)
    offset = 0
    if tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        offset = sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
    return dt.timestamp() - offset + frac


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise AssertionError(f"body is not JSON ({e}): {self.body[:500]!r}") from e

    def __repr__(self):
        return f"<HTTP {self.status} {self.body[:300]!r}>"


def parse_metrics(text):
    """{(name, frozenset(labels.items())): value} from Prometheus text 0.0.4."""
    samples = {}
    sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$')
    label_re = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = sample_re.match(line)
        if not m:
            raise AssertionError(f"unparsable metrics line: {line!r}")
        labels = {}
        if m.group(3):
            pos = 0
            body = m.group(3)
            while pos < len(body):
                lm = label_re.match(body, pos)
                if not lm:
                    raise AssertionError(f"unparsable labels in: {line!r}")
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        samples[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return samples


def metric_sum(samples, name, **labels):
    """Sum of every sample of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


class Daemon:
    """One alertd process. Use through DaemonTestCase.start_daemon()."""

    def __init__(self, workdir, config=None, extra_args=(), env=None, preexec=None):
        self.workdir = workdir
        self.preexec = preexec  # run in the child before exec (e.g. a resource limit)
        self.config = config
        self.extra_args = list(extra_args)
        self.env = dict(env or {})  # added to this process's environment for the child
        self.proc = None
        self.port = None
        self.tls_context = None  # an ssl.SSLContext: talk HTTPS (http.tls)
        self.log_paths = []  # stderr, stdout of each start
        self._log = None
        self._out = None

    # -- process --------------------------------------------------------------
    def start(self):
        args = [alertd_bin()]
        if self.config is not None:
            cfg_path = os.path.join(self.workdir, "alertd.yaml")
            with open(cfg_path, "w") as f:
                f.write(self.config if isinstance(self.config, str) else to_yaml(self.config))
                f.write("\n")
            args += ["--config", cfg_path]
        port_file = os.path.join(self.workdir, "port")
        args += ["--listen", "127.0.0.1:0", "--port-file", port_file] + self.extra_args
        return self.spawn(args, port_file, {**os.environ, **self.env})

    def spawn(self, args, port_file, env):
        """Runs `args` (alertd, or something that execs it) and waits for the
        port it writes to `port_file` and for /-/ready."""
        if os.path.exists(port_file):
            os.unlink(port_file)
        n = len(self.log_paths) // 2
        out_path = os.path.join(self.workdir, f"stdout.{n}.log")
        log_path = os.path.join(self.workdir, f"stderr.{n}.log")
        self.log_paths += [log_path, out_path]
        self._log = open(log_path, "wb")
        self._out = open(out_path, "wb")
        self.proc = subprocess.Popen(args, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._log, env=env,
                                     preexec_fn=self.preexec)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            self._check_alive("while starting")
            text = ""
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
            m = re.fullmatch(r"127\.0\.0\.1:(\d+)", text)
            if m and int(m.group(1)) > 0:
                self.port = int(m.group(1))
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"no port file after {START_TIMEOUT}s (content {text!r})")
            time.sleep(0.02)
        self.wait_for(lambda: self.get("/-/ready").status == 200, START_TIMEOUT,
                      "/-/ready answers 200")
        return self

    def _check_alive(self, when):
        if self.proc.poll() is not None:
            raise AssertionError(f"alertd exited with {self.proc.returncode} {when}")

    def stop(self, expect_code=0, sig=signal.SIGTERM):
        """SIGTERM (or `sig`), wait, and assert the exit code (a clean drain exits 0)."""
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            self.proc = None
            raise AssertionError(f"alertd was not running at stop (exit code {code})")
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"alertd did not exit within {STOP_TIMEOUT}s of {sig!r}")
        finally:
            self._close_logs()
        self.proc = None
        if expect_code is not None and code != expect_code:
            raise AssertionError(f"alertd exited with {code} after {sig!r}, expected {expect_code}")
        return code

    def kill(self):
        """Cleanup path: never leave a daemon behind."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_logs()
        self.proc = None

    def _close_logs(self):
        for f in (self._log, self._out):
            if f:
                f.close()

    def read_log(self, index=-1, stream="stderr"):
        """Text of one start's stderr or stdout (index -1: the latest start)."""
        paths = self.log_paths[0::2] if stream == "stderr" else self.log_paths[1::2]
        with open(paths[index], "rb") as f:
            return f.read().decode("utf-8", "replace")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self):
        out = []
        for p in self.log_paths:
            try:
                with open(p, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if len(data) > 20000:
                data = b"...(cut)...\n" + data[-20000:]
            out.append(f"--- {p} ---\n" + data.decode("utf-8", "replace"))
        return "\n".join(out)

    # -- HTTP -----------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=30):
        if self.tls_context is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=self.tls_context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            return Response(resp.status, hdrs, data)
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def get_json(self, path, expect=200):
        r = self.get(path)
        if r.status != expect:
            raise AssertionError(f"GET {path}: expected {expect}, got {r}")
        return r.json()

    def post(self, path, payload, content_type="application/json"):
        """payload: bytes/str sent as is, anything else JSON-encoded."""
        if not isinstance(payload, (bytes, str)):
            payload = json.dumps(payload)
        headers = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.request("POST", path, body=payload, headers=headers)

    def post_alerts(self, alerts):
        """POST /api/v2/alerts and assert 200 with an empty body."""
        r = self.post("/api/v2/alerts", alerts)
        if r.status != 200:
            raise AssertionError(f"POST /api/v2/alerts: expected 200, got {r}")
        return r

    def post_events(self, payload, content_type="application/json"):
        r = self.post("/api/v1/events", payload, content_type)
        if r.status != 200:
            raise AssertionError(f"POST /api/v1/events: expected 200, got {r}")
        return r.json()

    def metrics(self):
        r = self.get("/metrics")
        if r.status != 200:
            raise AssertionError(f"GET /metrics: {r}")
        return parse_metrics(r.body.decode("utf-8"))

    # -- incidents ------------------------------------------------------------
    def incidents(self, **query):
        """Every incident (all pages) matching the filters, newest first."""
        out, cursor = [], None
        for _ in range(1000):  # bounded: 1000 pages
            params = dict(query)
            if cursor is not None:
                params["cursor"] = cursor
            qs = "&".join(f"{k}={urlquote(str(v))}" for k, v in params.items())
            page = self.get_json("/api/v1/incidents" + (f"?{qs}" if qs else ""))
            out.extend(page["incidents"])
            cursor = page.get("next_cursor")
            if cursor is None:
                return out
        raise AssertionError("incident pagination did not end after 1000 pages")

    def incident(self, inc_id):
        return self.get_json(f"/api/v1/incidents/{urlquote(inc_id)}")

    def timeline(self, inc_id):
        """The whole timeline (every page), oldest first, as one answer."""
        path = f"/api/v1/incidents/{urlquote(inc_id)}/timeline"
        answer, cursor = None, None
        for _ in range(1000):  # bounded: 1000 pages
            page = self.get_json(path + (f"?cursor={cursor}" if cursor is not None else ""))
            if answer is None:
                answer = page
            else:
                answer["entries"].extend(page["entries"])
            cursor = page.get("next_cursor")
            if cursor is None:
                return answer
        raise AssertionError("timeline pagination did not end after 1000 pages")

    def wait_for(self, predicate, timeout=WAIT_TIMEOUT, what="condition"):
        """Poll predicate() until it returns a truthy value; returns it.
        Assertion errors inside the predicate count as 'not yet'."""
        deadline = time.monotonic() + timeout
        last = None
        delay = 0.02
        while True:
            if self.proc is not None:
                self._check_alive(f"while waiting for {what}")
            try:
                value = predicate()
                if value:
                    return value
                last = f"predicate returned {value!r}"
            except (AssertionError, OSError, KeyError, ValueError) as e:
                last = f"{type(e).__name__}: {e}"
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last}")
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def urlquote(s):
    from urllib.parse import quote
    return quote(s, safe="")


class DaemonTestCase(unittest.TestCase):
    """Starts daemons on demand, always stops them, prints their stderr when a test fails."""

    def setUp(self):
        self._daemons = []
        self._tmpdirs = []

    def make_workdir(self):
        d = tempfile.mkdtemp(prefix="alertd-it-")
        self._tmpdirs.append(d)
        return d

    def start_daemon(self, config=None, workdir=None, extra_args=(), env=None, preexec=None):
        """env: variables set for the daemon only (e.g. the tokens of an auth section)."""
        d = Daemon(workdir or self.make_workdir(), config, extra_args, env, preexec)
        self._daemons.append(d)
        self.addCleanup(d.kill)
        d.start()
        return d

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        super().run(result)
        failed = len(result.failures) + len(result.errors) > before
        for d in getattr(self, "_daemons", []):
            if failed:
                sys.stderr.write(f"\n===== alertd stderr for {self.id()} =====\n")
                sys.stderr.write(d.stderr_text() + "\n")
        for t in getattr(self, "_tmpdirs", []):
            if failed and os.environ.get("ALERTD_KEEP_TMP"):
                sys.stderr.write(f"kept {t}\n")
            else:
                shutil.rmtree(t, ignore_errors=True)
        return result


def am_alert(labels, annotations=None, starts_at=None, ends_at=None, resolved=False, now=None):
    """A postableAlert as Prometheus sends it: a firing alert carries a lease
    (endsAt = now + 4m), a resolved one endsAt <= now."""
    now = time.time() if now is None else now
    a = {"labels": labels, "annotations": annotations or {"summary": "test"},
         "startsAt": rfc3339(starts_at if starts_at is not None else now - 60),
         "generatorURL": "http://prometheus.test:9090/graph?g0.expr=up"}
    if resolved:
        a["endsAt"] = rfc3339(now - 1 if ends_at is None else ends_at)
    elif ends_at is not None:
        a["endsAt"] = rfc3339(ends_at)
    else:
        a["endsAt"] = rfc3339(now + 240)
    return a
