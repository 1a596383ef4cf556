"""The Kafka source and the incidents topic (issue 16), against librdkafka's
mock cluster (3 brokers, tests/support/kafka_mock_cluster) with kcat as the
independent producer and consumer: alerts produced by kcat become
incidents; every committed change reaches the incidents topic keyed by
incident id; kill -9 mid-stream loses nothing and opens no group twice;
a broker taken down and brought back is survived; undecodable messages
reach the dead-letter topic without blocking their partition; a full
pipeline pauses the partitions and resumes them with nothing dropped;
relay mode sends HTTP ingest through the topic."""

import json
import os
import signal
import textwrap
import threading
import unittest

from harness import DaemonTestCase, metric_sum
from kafka import MockCluster, consume, produce


def event(service, instance, status="firing", alertname="KafkaAlert"):
    return json.dumps({"labels": {"alertname": alertname, "service": service,
                                  "instance": instance},
                       "annotations": {"summary": f"{service} {instance}"},
                       "status": status})


def kafka_config(brokers, topics=("alerts",), extra="", commit_interval="200ms", **kafka):
    lines = [f"  brokers: {brokers}", f"  group_id: {kafka.pop('group_id', 'alertd-it')}",
             "  topics:"] + [f"    - {t}" for t in topics]
    lines += [f"  {k}: {json.dumps(v)}" for k, v in kafka.items()]
    # Short intervals so that tests see commits and statistics quickly.
    lines += [f"  commit_interval: {commit_interval}",
              "  properties:", "    topic.metadata.refresh.interval.ms: 1000",
              "    session.timeout.ms: 6000", "    heartbeat.interval.ms: 500"]
    if os.environ.get("KAFKA_DEBUG"):  # librdkafka's debug contexts, e.g. consumer,fetch
        lines.append(f"    debug: {os.environ['KAFKA_DEBUG']}")
    return "kafka:\n" + "\n".join(lines) + "\n" + textwrap.dedent(extra)


class KafkaTestCase(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.cluster = MockCluster(brokers=3)
        self.addCleanup(self.cluster.stop)
        self.brokers = self.cluster.bootstrap

    def counter(self, d, name, **labels):
        return metric_sum(d.metrics(), name, **labels)

    def wait_alerts(self, d, n, timeout=60, name="alertd_kafka_alerts_total"):
        d.wait_for(lambda: self.counter(d, name) >= n, timeout=timeout, what=f"{n} alerts")

    def by_service(self, d, prefix):
        return {i["service"]: i for i in d.incidents() if i["service"].startswith(prefix)}


class KafkaIngestTest(KafkaTestCase):
    def test_kcat_alerts_become_incidents_and_changes_reach_the_incidents_topic(self):
        self.cluster.create_topic("alerts", 4)
        self.cluster.create_topic("incidents", 3)
        d = self.start_daemon(kafka_config(self.brokers, incidents_topic="incidents"))
        services = [f"kafka-svc-{k}" for k in range(5)]
        values = [event(services[i % 5], f"host-{i}") for i in range(200)]
        produce(self.brokers, "alerts", values, keys=[services[i % 5] for i in range(200)])
        self.wait_alerts(d, 200)
        incs = d.wait_for(lambda: len(self.by_service(d, "kafka-svc-")) == 5 and all(
            i["alert_count"] == 40 for i in self.by_service(d, "kafka-svc-").values())
            and self.by_service(d, "kafka-svc-"), what="5 incidents of 40 alerts")
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_kafka_messages_consumed_total", topic="alerts"), 200)
        self.assertEqual(metric_sum(m, "alertd_kafka_messages_rejected_total"), 0)
        self.assertEqual(metric_sum(m, "alertd_alerts_received_total", source="generic"), 200)
        self.assertEqual(metric_sum(m, "alertd_kafka_partitions_assigned"), 4)

        # A person acknowledges one, and one service resolves.
        target = incs["kafka-svc-0"]["id"]
        r = d.post(f"/api/v1/incidents/{target}/acknowledge", {"actor": "oncall@example.com"})
        self.assertEqual(r.status, 200, r.body)
        produce(self.brokers, "alerts",
                [event("kafka-svc-1", f"host-{i}", status="resolved") for i in range(1, 200, 5)],
                keys=["kafka-svc-1"] * 40)
        d.wait_for(lambda: self.by_service(d, "kafka-svc-")["kafka-svc-1"]["status"] == "resolved",
                   what="kafka-svc-1 resolved")

        def changes():
            msgs = consume(self.brokers, "incidents")
            out = {}
            for msg in msgs:
                body = json.loads(msg["value"])
                self.assertEqual(msg["key"], body["id"])
                out.setdefault(body["id"], []).append(body["change"])
            return out
        ids = {i["service"]: i["id"] for i in incs.values()}
        got = d.wait_for(lambda: (lambda c: "resolved" in c.get(ids["kafka-svc-1"], []) and
                                  "acknowledged" in c.get(target, []) and c)(changes()),
                         what="the changes on the incidents topic")
        self.assertEqual(sorted(got), sorted(ids.values()), "one key per incident")
        for inc_id, seq in got.items():
            self.assertEqual(seq[0], "opened", f"{inc_id}: {seq}")
            self.assertEqual(seq.count("opened"), 1, f"{inc_id}: {seq}")
        self.assertEqual(got[ids["kafka-svc-1"]][-1], "resolved")
        # Every message of one incident is on one partition, in order.
        parts = {}
        for msg in consume(self.brokers, "incidents"):
            parts.setdefault(msg["key"], set()).add(msg["partition"])
        self.assertTrue(all(len(p) == 1 for p in parts.values()), parts)
        self.assertGreaterEqual(self.counter(d, "alertd_kafka_produced_total", topic="incidents"),
                                sum(len(s) for s in got.values()))
        d.stop()

    def test_undecodable_messages_reach_the_dead_letter_topic(self):
        self.cluster.create_topic("alerts", 1)
        self.cluster.create_topic("alerts-dlq", 1)
        d = self.start_daemon(kafka_config(self.brokers, dead_letter_topic="alerts-dlq"))
        bad = ["{not json", json.dumps({"labels": {}}), json.dumps({"annotations": {"a": "b"}})]
        values = [event("dlq-svc", "h-0")] + bad + [event("dlq-svc", "h-1")]
        produce(self.brokers, "alerts", values)
        self.wait_alerts(d, 2)
        d.wait_for(lambda: self.counter(d, "alertd_kafka_dead_lettered_total") == 3,
                   what="3 dead letters")
        m = d.metrics()
        self.assertEqual(metric_sum(m, "alertd_kafka_messages_rejected_total", topic="alerts"), 3)
        self.assertEqual(metric_sum(m, "alertd_alerts_rejected_total", source="kafka"), 3)
        self.assertEqual(metric_sum(m, "alertd_kafka_messages_rejected_total",
                                    reason="invalid_json"), 1)
        self.assertEqual(metric_sum(m, "alertd_kafka_messages_rejected_total",
                                    reason="empty_labels"), 1)
        dead = consume(self.brokers, "alerts-dlq")
        self.assertEqual([msg["value"] for msg in dead], bad)
        log = d.read_log()
        self.assertRegex(log, r"kafka: alerts \[0\] offset 1: message rejected \(invalid_json\)")
        inc = d.wait_for(lambda: self.by_service(d, "dlq-svc").get("dlq-svc"))
        d.wait_for(lambda: d.incident(inc["id"])["alert_count"] == 2, what="both good alerts")
        d.stop()


class KafkaDurabilityTest(KafkaTestCase):
    def test_kill9_mid_stream_then_restart_loses_nothing_and_opens_no_group_twice(self):
        self.cluster.create_topic("alerts", 6)
        services, total = 12, 24_000
        # No periodic commit: after the kill the group re-delivers every
        # message from offset 0, and the journal holds what was consumed.
        d = self.start_daemon(kafka_config(self.brokers, commit_interval="1h"))
        values = [event(f"k9-svc-{i % services}", f"host-{i}") for i in range(total)]
        keys = [f"k9-svc-{i % services}" for i in range(total)]
        producer = threading.Thread(target=produce, args=(self.brokers, "alerts", values, keys))
        producer.start()
        d.wait_for(lambda: self.counter(d, "alertd_kafka_alerts_total") >= total // 6,
                   timeout=60, what="a part of the stream consumed")
        d.kill()  # SIGKILL: no drain, no commit, no checkpoint
        producer.join(120)
        d.start()
        d.wait_for(lambda: sum(i["alert_count"] for i in self.by_service(d, "k9-svc-").values())
                   == total, timeout=120, what=f"all {total} alerts in incidents")
        incs = [i for i in d.incidents() if i["service"].startswith("k9-svc-")]
        self.assertEqual(len(incs), services, "one incident per group, none opened twice")
        self.assertTrue(all(i["alert_count"] == total // services for i in incs))
        m = d.metrics()
        # What the first run journaled came back from its journal, and its
        # re-delivery was skipped by partition and offset; every other
        # message was processed once now.
        redelivered = metric_sum(m, "alertd_kafka_redelivered_total")
        self.assertGreater(redelivered, 0)
        self.assertEqual(redelivered + metric_sum(m, "alertd_kafka_alerts_total"), total)
        d.stop()

    def test_a_broker_taken_down_and_brought_back_is_survived(self):
        self.cluster.create_topic("alerts", 3)
        self.cluster.create_topic("incidents", 3)
        d = self.start_daemon(kafka_config(self.brokers, incidents_topic="incidents"))
        produce(self.brokers, "alerts", [event("bd-svc", f"h-{i}") for i in range(100)])
        self.wait_alerts(d, 100)
        self.cluster.broker_down(1)
        self.cluster.broker_down(2)
        # While they are away, ingest and the store go on (HTTP here).
        self.assertEqual(
            d.post_events({"labels": {"alertname": "DuringOutage", "service": "bd-http"}}),
            {"accepted": 1})
        d.wait_for(lambda: self.by_service(d, "bd-http"), what="the HTTP incident")
        self.cluster.broker_up(1)
        self.cluster.broker_up(2)
        produce(self.brokers, "alerts", [event("bd-svc", f"h-{i}") for i in range(100, 200)])
        self.wait_alerts(d, 200, timeout=90)
        http_id = self.by_service(d, "bd-http")["bd-http"]["id"]
        d.wait_for(lambda: any(msg["key"] == http_id for msg in consume(self.brokers, "incidents")),
                   timeout=90, what="the change made during the outage published")
        inc = self.by_service(d, "bd-svc")["bd-svc"]
        self.assertEqual(inc["alert_count"], 200)
        d.stop()


class KafkaBackpressureTest(KafkaTestCase):
    def test_full_queue_pauses_and_resumes_the_partitions_and_drops_nothing(self):
        # Four partitions: librdkafka 2.0.2's mock cluster keeps only the last
        # 5 MiB of a partition, and the stream is 4.4 MB.
        self.cluster.create_topic("alerts", 4)
        # A journal of two 1 MiB segments: the stream fills it long before a
        # checkpoint (every second) lets the oldest segment go.
        cfg = kafka_config(self.brokers, extra="""\
            durability:
              segment_bytes: 1MiB
              max_bytes: 2MiB
              checkpoint_interval: 1s
            """)
        d = self.start_daemon(cfg)
        total = 40_000
        # One message of 500 NDJSON lines each: every batch is far over the queue.
        msgs = ["\n".join(event("bp-svc", f"h-{i}") for i in range(k, k + 500)) + "\n"
                for k in range(0, total, 500)]
        produce(self.brokers, "alerts", msgs)
        self.wait_alerts(d, total, timeout=120)
        m = d.metrics()
        self.assertGreater(metric_sum(m, "alertd_kafka_pauses_total", reason="journal_full"), 0)
        self.assertEqual(metric_sum(m, "alertd_kafka_partitions_paused"), 0, "resumed")
        self.assertEqual(metric_sum(m, "alertd_kafka_messages_rejected_total"), 0)
        d.wait_for(lambda: self.by_service(d, "bp-svc")["bp-svc"]["alert_count"] == total,
                   timeout=60, what="every alert in the incident")
        d.stop()


class KafkaRelayTest(KafkaTestCase):
    def test_http_ingest_is_relayed_through_the_topic_keyed_by_service(self):
        self.cluster.create_topic("alerts", 4)
        d = self.start_daemon(kafka_config(self.brokers, relay=True))
        r = d.post_alerts([{"labels": {"alertname": "Relayed", "service": f"relay-{k}",
                                       "instance": f"i-{n}"}} for k in range(3) for n in range(4)])
        self.assertEqual(r.status, 200, r.body)
        # Answered once the brokers have them: they are on the topic now.
        msgs = consume(self.brokers, "alerts")
        self.assertEqual(len(msgs), 12)
        self.assertEqual(sorted({msg["key"] for msg in msgs}), ["relay-0", "relay-1", "relay-2"])
        for key in ("relay-0", "relay-1", "relay-2"):
            self.assertEqual(len({msg["partition"] for msg in msgs if msg["key"] == key}), 1)
        d.wait_for(lambda: len(self.by_service(d, "relay-")) == 3 and all(
            i["alert_count"] == 4 for i in self.by_service(d, "relay-").values()),
            what="the relayed alerts consumed back into incidents")
        self.assertEqual(self.counter(d, "alertd_kafka_produced_total", topic="alerts"), 12)
        d.stop()


if __name__ == "__main__":
    unittest.main()
