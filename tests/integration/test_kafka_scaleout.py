"""Scale-out (issue 16): three alertd instances with one Kafka group_id and
one PostgreSQL store split a 12-partition topic (librdkafka's mock cluster,
kcat producing keyed by service as docs/operations.md tells producers to).
One instance is killed mid-stream with SIGKILL; the others take over its
partitions and the group's re-delivery, and it comes back later with its
journal, as a StatefulSet pod would. Every alert ends in exactly one
incident and no group is opened twice: the store's group claims join an
incident a taking-over instance opens into the one the killed instance had
opened for the same group.

Runs under tests/support/with_postgres.sh (ctest does), beside the mock
cluster helper (KAFKA_MOCK_BIN)."""

import itertools
import os
import threading
import unittest

from harness import metric_sum
from kafka import produce
from test_kafka import KafkaTestCase, event, kafka_config
from test_postgres import pg_env, psql

_db_numbers = itertools.count(1)


class KafkaScaleOutTest(KafkaTestCase):
    def setUp(self):
        super().setUp()
        name = f"alertd_so_{os.getpid()}_{next(_db_numbers)}"
        psql(pg_env("ALERTD_TEST_PG"), f"CREATE DATABASE {name}")
        self.conninfo = f"{pg_env('ALERTD_TEST_PG')} dbname={name}"

    def sql(self, query):
        return psql(self.conninfo, query)

    def assigned(self, daemons):
        return [metric_sum(d.metrics(), "alertd_kafka_partitions_assigned") for d in daemons]

    def test_three_instances_one_killed_every_alert_in_exactly_one_incident(self):
        self.cluster.create_topic("alerts", 12)
        config = kafka_config(self.brokers, group_id="alertd-scaleout") + \
            f"store:\n  postgres: \"{self.conninfo}\"\n"
        daemons = [self.start_daemon(config) for _ in range(3)]
        daemons[0].wait_for(lambda: (lambda a: sum(a) == 12 and min(a) > 0)(
            self.assigned(daemons)), timeout=60, what="12 partitions over three instances")

        services, total = 40, 24_000
        keys = [f"so-svc-{i % services}" for i in range(total)]
        values = [event(keys[i], f"host-{i}") for i in range(total)]
        half = total // 2
        producer = threading.Thread(target=produce,
                                    args=(self.brokers, "alerts", values[:half], keys[:half]))
        producer.start()
        victim = daemons[2]
        victim.wait_for(lambda: metric_sum(victim.metrics(), "alertd_kafka_alerts_total")
                        >= total // 12 and metric_sum(victim.metrics(),
                                                      "alertd_incidents_created_total") >= 6,
                        timeout=60, what="the victim's share begun")
        # A store commit after that one: the victim's incidents are stored
        # (the writer commits in queue order), so the takeover meets them.
        batches = metric_sum(victim.metrics(), "alertd_store_batches_total")
        victim.wait_for(lambda: metric_sum(victim.metrics(), "alertd_store_batches_total")
                        > batches, what="a store commit")
        victim.kill()  # SIGKILL: no drain, no commit, no revoke
        survivors = daemons[:2]
        producer.join(180)
        self.assertFalse(producer.is_alive(), "kcat still producing")
        survivors[0].wait_for(lambda: sum(self.assigned(survivors)) == 12, timeout=60,
                              what="the killed instance's partitions taken over")
        # The second half, every group in it: the killed instance's groups
        # now reach instances that do not hold their incidents.
        produce(self.brokers, "alerts", values[half:], keys[half:])
        victim.start()  # back with its volume: its journal replays

        def members():
            return int(self.sql("SELECT COUNT(*) FROM incident_members"))
        survivors[0].wait_for(lambda: members() == total, timeout=180,
                              what=f"all {total} alerts stored as members")
        # Exactly one incident per group and each alert in one of them.
        self.assertEqual(self.sql("SELECT COUNT(*) FROM incidents"), str(services))
        self.assertEqual(self.sql("SELECT COUNT(DISTINCT group_key) FROM incidents"),
                         str(services), "no group opened twice")
        self.assertEqual(self.sql("SELECT COUNT(DISTINCT fingerprint) FROM incident_members"),
                         str(total), "no alert in two incidents")
        self.assertEqual(self.sql(
            "SELECT COUNT(*) FROM incident_members m JOIN incidents i ON i.seq = m.incident_seq "
            "WHERE i.service <> substring(m.labels from '\"service\":\"([^\"]+)\"')"), "0")
        per_group = self.sql("SELECT MIN(n), MAX(n) FROM (SELECT COUNT(*) AS n "
                             "FROM incident_members GROUP BY incident_seq) c")
        self.assertEqual(per_group, f"{total // services}|{total // services}")
        # Whatever the instances numbered, no two used one seq: incidents
        # were joined by their group claims, not collided.
        joined = int(self.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'group_joined'"))
        self.assertGreater(joined, 0, "the takeover joined the killed instance's incidents")
        self.assertEqual(self.sql("SELECT COUNT(*) FROM incident_groups"), str(services))
        # Every instance serves the one store's view.
        for d in daemons:
            self.assertEqual(len([i for i in d.incidents() if i["service"].startswith("so-svc-")]),
                             services)
        for d in daemons:
            d.stop()


if __name__ == "__main__":
    unittest.main()
