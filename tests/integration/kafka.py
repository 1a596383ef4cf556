"""Kafka for the integration tests: librdkafka's mock cluster in its own
process (tests/support/kafka_mock_cluster, env KAFKA_MOCK_BIN or beside
ALERTD_BIN's build), and Debian's kcat as the independent producer and
consumer. Standard library only."""

import json
import os
import subprocess

from harness import alertd_bin

KCAT = os.environ.get("KCAT", "/usr/bin/kcat")
# A message delimiter no JSON document holds unescaped, so values may span lines.
DELIMITER = "\x1e"


def mock_bin():
    explicit = os.environ.get("KAFKA_MOCK_BIN")
    if explicit:
        return explicit
    build = os.path.dirname(os.path.abspath(alertd_bin()))
    return os.path.join(build, "tests", "support", "kafka_mock_cluster")


class MockCluster:
    """A mock cluster of `brokers` brokers on 127.0.0.1; stop() ends it."""

    def __init__(self, brokers=3):
        self.proc = subprocess.Popen([mock_bin(), "--brokers", str(brokers)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("BROKERS="):
            self.stop()
            raise AssertionError(f"kafka_mock_cluster printed {line!r}")
        self.bootstrap = line[len("BROKERS="):]

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise AssertionError(f"kafka_mock_cluster {text!r}: {answer!r}")

    def create_topic(self, name, partitions):
        self.command(f"topic {name} {partitions}")

    def broker_down(self, broker_id):
        self.command(f"down {broker_id}")

    def broker_up(self, broker_id):
        self.command(f"up {broker_id}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


def produce(brokers, topic, values, keys=None, timeout=120):
    """Produces each value (str) with kcat, keyed by keys[i] when given."""
    if keys is not None and len(keys) != len(values):
        raise ValueError("one key per value")
    if keys is None:
        data = "".join(v + DELIMITER for v in values)
        key_args = []
    else:
        data = "".join(f"{k}\t{v}{DELIMITER}" for k, v in zip(keys, values))
        key_args = ["-K", "\t"]
    subprocess.run([KCAT, "-P", "-q", "-b", brokers, "-t", topic, "-D", "\\x1e"] + key_args,
                   input=data.encode(), check=True, timeout=timeout)


def consume(brokers, topic, timeout=60):
    """Every message of the topic so far, as dicts: key, partition, offset,
    value, headers (a dict)."""
    out = subprocess.run([KCAT, "-C", "-q", "-b", brokers, "-t", topic, "-o", "beginning", "-e",
                          "-J"], check=True, timeout=timeout, capture_output=True)
    messages = []
    for line in out.stdout.decode().splitlines():
        if not line.strip():
            continue
        m = json.loads(line)
        headers = m.get("headers") or []
        messages.append({"key": m.get("key"), "partition": m["partition"],
                         "offset": m["offset"], "value": m.get("payload"),
                         "headers": dict(zip(headers[0::2], headers[1::2]))})
    messages.sort(key=lambda m: (m["partition"], m["offset"]))
    return messages
