"""Kafka for the integration tests: a librdkafka mock cluster and kcat.

`MockCluster` runs tests/support/kafka_mock_cluster (librdkafka's in-process
mock brokers on 127.0.0.1; Debian's kcat 1.7.1 has no -M mock mode) and
drives it over stdin. `produce`, `consume` and `metadata` shell out to kcat
(/usr/bin/kcat, librdkafka 2.0.2 like alertd), so what alertd reads or writes
is checked by an independent client.

The mock cluster of librdkafka 2.0.2 keeps only the last 5 MiB (or
100,000 message sets) of each partition and deletes what is older, as a
short retention would: a test that produces more than that to one
partition before it is consumed loses the oldest messages.

Python 3 standard library only.
"""

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import unittest

START_TIMEOUT = float(os.environ.get("KAFKA_MOCK_START_TIMEOUT", "30"))

# Separators for kcat -P: ASCII RS ends a message, US ends its key. JSON
# text can hold neither (control characters must be escaped in strings and
# are not whitespace), so JSON values, newlines and tabs pass unchanged.
MESSAGE_DELIM = b"\x1e"
KEY_DELIM = b"\x1f"


class KafkaError(AssertionError):
    """A kcat or mock-cluster command failed; the message carries its stderr."""


def mock_cluster_bin():
    """KAFKA_MOCK_BIN, else the helper in the build tree ALERTD_BIN lives in
    (BUILD/alertd -> BUILD/tests/support/kafka_mock_cluster)."""
    path = os.environ.get("KAFKA_MOCK_BIN")
    if not path:
        alertd = os.environ.get("ALERTD_BIN")
        if not alertd:
            raise unittest.SkipTest("neither KAFKA_MOCK_BIN nor ALERTD_BIN is set "
                                    "(run through ctest, or export one)")
        build = os.path.dirname(os.path.abspath(alertd))
        path = os.path.join(build, "tests", "support", "kafka_mock_cluster")
    if not os.access(path, os.X_OK):
        raise AssertionError(f"kafka_mock_cluster: {path} is not an executable file "
                             "(build the kafka_mock_cluster target)")
    return path


def kcat_bin():
    path = os.environ.get("KCAT") or shutil.which("kcat")
    if not path:
        raise AssertionError("kcat not found (scripts/setup installs it)")
    return path


class MockCluster:
    """`MockCluster(brokers=3, topics={"alerts": 4})` starts the helper
    (also usable as `with MockCluster() as kafka:`); `.bootstrap` is the
    bootstrap list "127.0.0.1:p1,...". Broker ids are 1..brokers. Topics get
    replication factor min(3, brokers); unknown topics are auto-created with
    4 partitions on first use (metadata request)."""

    def __init__(self, brokers=3, topics=None):
        self.broker_count = brokers
        self.topics = dict(topics or {})
        self.bootstrap = None
        self.proc = None
        self.lines = queue.Queue()
        self.stderr = None
        self.reader = None
        self._start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _start(self):
        args = [mock_cluster_bin(), "--brokers", str(self.broker_count)]
        for name, partitions in self.topics.items():
            args += ["--topic", f"{name}:{partitions}"]
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr)
        # A reader thread, so every answer can be awaited with a deadline.
        self.reader = threading.Thread(target=self._read_lines, args=(self.proc.stdout,),
                                       daemon=True)
        self.reader.start()
        try:
            line = self._next_line(START_TIMEOUT, "BROKERS=")
            if not line.startswith("BROKERS="):
                raise KafkaError(f"kafka_mock_cluster said {line!r}, not BROKERS=...; "
                                 f"stderr:\n{self.log()}")
        except KafkaError:
            self._abandon()
            raise
        self.bootstrap = line[len("BROKERS="):]

    def _abandon(self):
        proc, self.proc = self.proc, None
        proc.kill()
        proc.wait()
        proc.stdin.close()
        self.reader.join(5)  # it sees EOF now; then stdout may close
        proc.stdout.close()
        self.stderr.close()
        self.stderr = None

    def _read_lines(self, stdout):
        for raw in stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put(None)

    def _next_line(self, timeout, waiting_for):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            line = None
            reason = f"no {waiting_for} within {timeout} s"
        else:
            reason = "it exited"
        if line is None:
            raise KafkaError(f"kafka_mock_cluster: {reason}; stderr:\n{self.log()}")
        return line

    def log(self):
        """What the helper (librdkafka) wrote to stderr so far."""
        if self.stderr is None:
            return ""
        # pread: the child shares the file offset, so it must not move.
        fd = self.stderr.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")

    def command(self, line, timeout=10):
        """Sends one command line; raises KafkaError unless the answer is ok."""
        if self.proc is None or self.proc.poll() is not None:
            raise KafkaError(f"kafka_mock_cluster is not running; stderr:\n{self.log()}")
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        answer = self._next_line(timeout, f"answer to {line!r}")
        if answer != "ok":
            raise KafkaError(f"kafka_mock_cluster {line!r}: {answer}")

    def create_topic(self, name, partitions):
        self.command(f"topic {name} {partitions}")

    def broker_down(self, broker_id):
        """Closes the broker's connections and refuses new ones. Leadership
        does not move: produce/fetch for its partitions stall until
        `set_leader` moves them or `broker_up`."""
        self.command(f"down {broker_id}")

    def broker_up(self, broker_id):
        self.command(f"up {broker_id}")

    def set_leader(self, topic, partition, broker_id):
        self.command(f"leader {topic} {partition} {broker_id}")

    def stop(self, timeout=10):
        """Closes stdin (the helper destroys the cluster and exits 0); returns
        the exit code. Idempotent."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        self.reader.join(5)  # it sees EOF now; then stdout may close
        proc.stdout.close()
        log = self.log()
        self.stderr.close()
        self.stderr = None
        if code != 0:
            raise KafkaError(f"kafka_mock_cluster exited {code}; stderr:\n{log}")
        return code


def _bootstrap(brokers):
    return brokers.bootstrap if isinstance(brokers, MockCluster) else brokers


def _as_bytes(value):
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _kcat(args, stdin, timeout, what):
    """Runs kcat; its stdout, or KafkaError (with its stderr) on failure or
    timeout. No -q: that silences kcat's delivery errors too."""
    cmd = [kcat_bin(), *args]
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        got = (e.stdout or b"").count(b"\n")
        raise KafkaError(f"{what}: kcat still running after {timeout} s ({got} lines so far); "
                         f"stderr:\n{(e.stderr or b'').decode('utf-8', 'replace')}") from None
    if done.returncode != 0:
        raise KafkaError(f"{what}: kcat exited {done.returncode}; "
                         f"stderr:\n{done.stderr.decode('utf-8', 'replace')}")
    return done.stdout


def _producer_input(messages, keys):
    keys = keys if isinstance(keys, (list, tuple)) else None
    if keys is not None and len(keys) != len(messages):
        raise ValueError(f"{len(keys)} keys for {len(messages)} messages")
    out = []
    for i, message in enumerate(messages):
        value = _as_bytes(message)
        if MESSAGE_DELIM in value:
            raise ValueError(f"message {i} contains the message delimiter \\x1e")
        if keys is not None and keys[i] is not None:
            k = _as_bytes(keys[i])
            if KEY_DELIM in k or MESSAGE_DELIM in k:
                raise ValueError(f"key {i} contains \\x1e or \\x1f")
            value = k + KEY_DELIM + value
        elif keys is not None and KEY_DELIM in value:
            # kcat -K would split it; without a delimiter the key is null.
            raise ValueError(f"unkeyed message {i} contains the key delimiter \\x1f")
        elif not value:
            # kcat drops empty input records; a silent gap would skew counts.
            raise ValueError(f"message {i} is empty and unkeyed (kcat would skip it)")
        out.append(value + MESSAGE_DELIM)
    return b"".join(out)


def produce(brokers, topic, messages, keys=None, partition=None, headers=None, timeout=120,
            properties=None):
    """Produces `messages` (str or bytes, one value each) with `kcat -P` and
    returns once kcat exits 0, i.e. every message is acknowledged (acks=all).
    `brokers`: a bootstrap list or a MockCluster. `keys`: None (no key), one
    str/bytes for all, or a list with one key per message (None in it: a
    null key). `partition`: None lets librdkafka's consistent_random
    partitioner place keyed messages by CRC32 of the key. `headers`: a dict
    set on every message. `properties`:
    extra librdkafka settings (-X). A message that cannot be delivered within
    `timeout` (message.timeout.ms) makes kcat exit 1: KafkaError."""
    messages = list(messages)
    args = ["-P", "-b", _bootstrap(brokers), "-t", topic, "-D", "\\x1e",
            "-X", f"message.timeout.ms={max(1, int(timeout * 1000) - 2000)}"]
    if isinstance(keys, (list, tuple)):
        args += ["-K", "\\x1f"]
    elif keys is not None:
        args += ["-k", _as_bytes(keys)]  # POSIX argv takes bytes as they are
    if partition is not None:
        args += ["-p", str(partition)]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}={value}"]
    for name, value in (properties or {}).items():
        args += ["-X", f"{name}={value}"]
    # Slack past message.timeout.ms, so kcat reports the failure itself.
    _kcat(args, _producer_input(messages, keys), timeout + 5, f"produce to {topic}")


def consume(brokers, topic, count=None, timeout=60, offset="beginning",
            partition=None, properties=None):
    """Reads `topic` with `kcat -C -J` (no consumer group, nothing
    committed) from `offset` (beginning | end | N | -N). count=None: every
    message there now (-e, exit at the end of all partitions); count=N: wait
    for N messages (KafkaError after `timeout`). Returns dicts {key,
    partition, offset, value, topic, timestamp, headers (a dict)} sorted by
    partition and offset (kcat interleaves partitions at random). key is
    None for a null key; key and value are str, non-UTF-8 bytes as surrogate
    escapes (`.encode("utf-8", "surrogateescape")` gives the bytes back)."""
    args = ["-C", "-J", "-b", _bootstrap(brokers), "-t", topic, "-o", str(offset)]
    args += ["-e"] if count is None else ["-c", str(count)]
    if partition is not None:
        args += ["-p", str(partition)]
    for name, value in (properties or {}).items():
        args += ["-X", f"{name}={value}"]
    out = _kcat(args, None, timeout, f"consume from {topic}")
    records = []
    # -J escapes newlines and tabs inside values: one envelope per line.
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        if not line.strip():
            continue
        envelope = json.loads(line)
        # kcat 1.7.1 writes headers as a flat [name, value, ...] list, not
        # the object its -h text shows.
        headers = envelope.get("headers") or []
        records.append({"key": envelope.get("key"), "partition": envelope["partition"],
                        "offset": envelope["offset"], "value": envelope.get("payload"),
                        "topic": envelope["topic"], "timestamp": envelope.get("ts"),
                        "headers": dict(zip(headers[0::2], headers[1::2]))})
    records.sort(key=lambda r: (r["partition"], r["offset"]))
    return records


def metadata(brokers, topic, timeout=30):
    """{partition: leader broker id} for `topic` from `kcat -L -J`. Note the
    mock auto-creates an unknown topic (4 partitions) on a metadata request."""
    out = _kcat(["-L", "-J", "-b", _bootstrap(brokers), "-t", topic], None, timeout,
                f"metadata of {topic}")
    doc = json.loads(out)
    for entry in doc.get("topics", []):
        if entry.get("topic") == topic:
            if entry.get("error"):
                raise KafkaError(f"metadata of {topic}: {entry['error']}")
            return {p["partition"]: p["leader"] for p in entry["partitions"]}
    raise KafkaError(f"metadata of {topic}: not in {out!r}")
