"""The Kafka test helpers themselves (kafka.py, tests/support/kafka_mock_cluster):
kcat produces to and consumes from the mock cluster, keyed placement is
librdkafka's CRC32, and a broker taken down and up again (with leadership
moved by hand, as the mock never elects) keeps the topic usable. Needs no
alertd: only KAFKA_MOCK_BIN (or ALERTD_BIN to find it) and kcat."""

import json
import signal
import unittest
import zlib

import kafka

TOPIC = "alerts"
PARTITIONS = 4


def alert(i):
    # Newlines and tabs inside values must survive both kcat directions.
    return json.dumps({"fingerprint": f"fp-{i % 25}", "seq": i,
                       "summary": "disk full\n\ton host-%d" % (i % 7)}, indent=1)


class MockClusterTest(unittest.TestCase):
    def setUp(self):
        self.kafka = kafka.MockCluster(brokers=3, topics={"precreated": 2})
        self.addCleanup(self.kafka.stop)

    def produce_batch(self, first, count):
        seqs = range(first, first + count)
        kafka.produce(self.kafka, TOPIC, [alert(i) for i in seqs],
                      keys=[f"fp-{i % 25}" for i in seqs])

    def check_topic(self, expected):
        records = kafka.consume(self.kafka, TOPIC)
        self.assertEqual(len(records), expected)
        by_partition = {}
        for r in records:
            doc = json.loads(r["value"])
            self.assertEqual(r["key"], doc["fingerprint"])
            self.assertEqual(r["value"], alert(doc["seq"]))
            # consistent_random: CRC32 of the key modulo the partition count.
            self.assertEqual(r["partition"], zlib.crc32(r["key"].encode()) % PARTITIONS)
            by_partition.setdefault(r["partition"], []).append(r)
        self.assertEqual(sorted(doc_seq(r) for r in records), list(range(expected)))
        self.assertEqual(len(by_partition), PARTITIONS, "25 keys spread over every partition")
        for part in by_partition.values():
            self.assertEqual([r["offset"] for r in part], list(range(len(part))))
            # One key's updates stay in order within its partition.
            for key in {r["key"] for r in part}:
                seqs = [doc_seq(r) for r in part if r["key"] == key]
                self.assertEqual(seqs, sorted(seqs))
        return records

    def test_round_trip_and_broker_down_up(self):
        self.kafka.create_topic(TOPIC, PARTITIONS)
        self.assertEqual(sorted(kafka.metadata(self.kafka, TOPIC)), list(range(PARTITIONS)))
        self.produce_batch(0, 100)
        self.check_topic(100)

        self.kafka.broker_down(1)
        # The mock never re-elects: move broker 1's partitions by hand.
        for partition, leader in kafka.metadata(self.kafka, TOPIC).items():
            if leader == 1:
                self.kafka.set_leader(TOPIC, partition, 2)
        self.assertNotIn(1, kafka.metadata(self.kafka, TOPIC).values())
        self.produce_batch(100, 20)
        self.check_topic(120)

        self.kafka.broker_up(1)
        for partition in range(PARTITIONS):
            self.kafka.set_leader(TOPIC, partition, 1)
        self.assertEqual(set(kafka.metadata(self.kafka, TOPIC).values()), {1})
        self.produce_batch(120, 20)
        self.check_topic(140)

    def test_down_leader_stalls_its_partition(self):
        self.kafka.create_topic(TOPIC, 1)
        self.kafka.set_leader(TOPIC, 0, 3)
        self.kafka.broker_down(3)
        with self.assertRaisesRegex(kafka.KafkaError, "timed out"):
            kafka.produce(self.kafka, TOPIC, ["lost"], timeout=3)
        self.kafka.broker_up(3)
        kafka.produce(self.kafka, TOPIC, ["kept"])
        self.assertEqual([r["value"] for r in kafka.consume(self.kafka, TOPIC)], ["kept"])

    def test_unkeyed_fixed_key_and_count(self):
        kafka.produce(self.kafka, "precreated", ["a\tb", "c"], partition=1)
        kafka.produce(self.kafka, "precreated", [b"\xff\xfe"], keys="k", partition=1,
                      headers={"schema": "v1", "source": "test"})
        kafka.produce(self.kafka.bootstrap, "precreated", ["x", "y"], keys=[None, "k2"],
                      partition=1)
        records = kafka.consume(self.kafka, "precreated", count=5, timeout=10)
        self.assertEqual([(r["key"], r["value"], r["offset"]) for r in records],
                         [(None, "a\tb", 0), (None, "c", 1),
                          ("k", b"\xff\xfe".decode("utf-8", "surrogateescape"), 2),
                          (None, "x", 3), ("k2", "y", 4)])
        self.assertEqual(records[2]["headers"], {"schema": "v1", "source": "test"})
        self.assertEqual(records[0]["headers"], {})
        self.assertEqual(kafka.metadata(self.kafka, "precreated").keys(), {0, 1})
        with self.assertRaisesRegex(kafka.KafkaError, "still running"):
            kafka.consume(self.kafka, "precreated", count=6, timeout=3)
        with self.assertRaises(ValueError):
            kafka.produce(self.kafka, "precreated", [""])

    def test_command_errors_and_sigterm(self):
        with self.assertRaisesRegex(kafka.KafkaError, "unknown command"):
            self.kafka.command("bogus")
        with self.assertRaisesRegex(kafka.KafkaError, "error: "):
            self.kafka.set_leader("precreated", 0, 9)
        self.kafka.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.kafka.proc.wait(10), 0)


def doc_seq(record):
    return json.loads(record["value"])["seq"]


if __name__ == "__main__":
    unittest.main()
