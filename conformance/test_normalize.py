"""Tests of the trace normalisations and of the recorded fixtures' shape.

    python3 -m unittest discover -s conformance -p 'test_*.py'

Needs no broker (and no pika, except for the codec test, skipped without it).
"""

import copy
import glob
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import normalize as norm  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "tests", "fixtures", "conformance")


def ev(step, event, channel=1, connection=1, **fields):
    e = {"step": step}
    if connection != 1:
        e["connection"] = connection
    e.update(channel=channel, event=event, **fields)
    return e


class NormalizeTest(unittest.TestCase):
    def test_generated_names_numbered_by_first_appearance(self):
        t = {"events": [
            ev(0, "declare-ok", queue="amq.gen-AAA", message_count=0, consumer_count=0),
            ev(1, "consume-ok", consumer_tag="amq.ctag-BBB"),
            ev(2, "channel-closed", reply_code=405, reply_text="RESOURCE_LOCKED - queue 'amq.gen-AAA' in vhost 'w'",
               class_id=50, method_id=10)],
            "queues": {"amq.gen-AAA": [], "amq.gen-CCC": []}}
        n = norm.normalize(t)
        evs = n["groups"]["1/1"]
        self.assertEqual(evs[0]["queue"], "$gen1")
        self.assertEqual(evs[1]["consumer_tag"], "$gen2")
        self.assertEqual(evs[2]["reply_text"], "RESOURCE_LOCKED - queue '$gen1' in vhost '/'")
        self.assertEqual(sorted(n["queues"]), ["$gen1", "$gen3"])

    def test_renaming_follows_steps_not_arrival(self):
        a = {"events": [ev(1, "consume-ok", consumer_tag="amq.ctag-X", channel=2),
                        ev(0, "declare-ok", queue="amq.gen-Y", message_count=0, consumer_count=0)], "queues": {}}
        b = {"events": [ev(0, "declare-ok", queue="amq.gen-Q", message_count=0, consumer_count=0),
                        ev(1, "consume-ok", consumer_tag="amq.ctag-Z", channel=2)], "queues": {}}
        self.assertTrue(norm.traces_equal(a, b))

    def test_x_death_time_zeroed(self):
        props = {"headers": {"x-death": [{"count": {"$type": "long", "value": 1}, "time": {"$type": "timestamp", "value": 17}}]},
                 "timestamp": 5}
        t = {"events": [ev(0, "deliver", consumer_tag="c", delivery_tag=1, redelivered=False, exchange="",
                           routing_key="q", body="b", properties=copy.deepcopy(props))],
             "queues": {"q": [{"body": "b", "redelivered": False, "exchange": "", "routing_key": "q",
                               "properties": copy.deepcopy(props)}]}}
        n = norm.normalize(t)
        d = n["groups"]["1/1/deliver/c"][0]["properties"]
        self.assertEqual(d["headers"]["x-death"][0]["time"], {"$type": "timestamp", "value": 0})
        self.assertEqual(d["timestamp"], 5)
        self.assertEqual(n["queues"]["q"][0]["properties"]["headers"]["x-death"][0]["time"]["value"], 0)

    def test_confirms_expanded(self):
        coalesced = {"events": [ev(1, "confirm", delivery_tag=1, multiple=False, ack=True),
                                ev(3, "confirm", delivery_tag=3, multiple=True, ack=True)], "queues": {}}
        single = {"events": [ev(1, "confirm", delivery_tag=1, multiple=False, ack=True),
                             ev(3, "confirm", delivery_tag=2, multiple=False, ack=True),
                             ev(3, "confirm", delivery_tag=3, multiple=False, ack=True)], "queues": {}}
        self.assertTrue(norm.traces_equal(coalesced, single))

    def test_confirm_expansion_restarts_after_channel_close(self):
        t = {"events": [ev(1, "confirm", delivery_tag=2, multiple=True, ack=True),
                        ev(2, "channel-closed", reply_code=404, reply_text="x", class_id=60, method_id=40),
                        ev(4, "confirm", delivery_tag=2, multiple=True, ack=False)], "queues": {}}
        tags = [(e["delivery_tag"], e["ack"]) for e in norm.normalize(t)["groups"]["1/1"] if e["event"] == "confirm"]
        self.assertEqual(tags, [(1, True), (2, True), (1, False), (2, False)])

    def test_grouping_ignores_interleaving_between_channels_and_consumers(self):
        d = lambda tag, ch, n: ev(3, "deliver", channel=ch, consumer_tag=tag, delivery_tag=n, redelivered=False,  # noqa: E731
                                  exchange="", routing_key="q", body=str(n), properties={})
        a = {"events": [d("c1", 1, 1), d("c2", 1, 2), d("c3", 2, 1)], "queues": {}}
        b = {"events": [d("c3", 2, 1), d("c2", 1, 2), d("c1", 1, 1)], "queues": {}}
        self.assertTrue(norm.traces_equal(a, b))
        c = {"events": [d("c1", 1, 2), d("c2", 1, 1), d("c3", 2, 1)], "queues": {}}
        self.assertFalse(norm.traces_equal(a, c))

    def test_order_within_a_channel_matters(self):
        a = {"events": [ev(1, "get-empty"), ev(1, "purge-ok", message_count=0)], "queues": {}}
        b = {"events": [ev(1, "purge-ok", message_count=0), ev(1, "get-empty")], "queues": {}}
        self.assertFalse(norm.traces_equal(a, b))
        self.assertIn("get-empty", norm.diff(a, b))


class FixturesTest(unittest.TestCase):
    def test_fixtures_are_self_contained_and_deterministic(self):
        paths = sorted(glob.glob(os.path.join(FIXTURES, "*.json")))
        self.assertGreaterEqual(len(paths), 60)
        for p in paths:
            with open(p, encoding="utf-8") as f:
                fx = json.load(f)
            name = os.path.basename(p)[:-5]
            self.assertEqual(fx["scenario"]["name"], name)
            self.assertEqual(fx["trace"]["scenario"], name)
            self.assertTrue(fx["recorded_with"]["rabbitmq"].startswith("3.10."), p)
            self.assertIn("description", fx["scenario"])
            self.assertFalse(fx.get("nondeterministic"), "%s: %s" % (name, fx.get("diff")))
            for e in fx["trace"]["events"]:
                self.assertLess(e["step"], len(fx["scenario"]["steps"]), name)
            norm.normalize(fx["trace"])


class CodecTest(unittest.TestCase):
    def test_json_wire_round_trip(self):
        try:
            import amqp_values as av
        except ImportError:
            self.skipTest("pika not installed")
        j = {"s": "x", "i": 1, "big": 2 ** 40, "d": 1.5, "b": True, "v": None, "a": [1, "two"],
             "t": {"n": {"$type": "long", "value": 1}}, "ts": {"$type": "timestamp", "value": 5},
             "f": {"$type": "float", "value": 0.5}, "by": {"$type": "byte", "value": -1},
             "ub": {"$type": "unsignedbyte", "value": 255}, "bin": {"$type": "binary", "value": "ab"},
             "dec": {"$type": "decimal", "value": {"scale": 2, "value": 314}}}
        pieces = []
        av.encode_table(pieces, av.table_from_json(j))
        table, end = av.decode_table(b"".join(pieces), 0)
        self.assertEqual(av.table_to_json(table), j)


if __name__ == "__main__":
    unittest.main()
