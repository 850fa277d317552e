#!/usr/bin/env python3
"""Differential testing: random scenarios on RabbitMQ and on Warren's core.

    differential.py [--seed S] [--count N] [--steps K] [--warren PATH] [--vhost V]
                    [--quorum] [--streams] [--extras]

For i in 0..N-1, generates a scenario from seed S+i, runs it on the running
broker (scripts/broker.sh start) with the recorder and on the core with
`warren run`, and compares the traces after the normalisations of
docs/scenario.md. At the first divergence it re-runs the broker to rule out
broker nondeterminism, shrinks the scenario (drops steps, then simplifies
fields, as long as the traces still differ), prints the shrunk scenario and
the diff, writes it to out/differential/seed-S.json and exits 1.

The generator avoids timing (no TTL, waits or x-expires: the broker runs in
real time, the core in virtual time) and global prefetch (RabbitMQ leaves the
order in which queues fill freed slots unspecified).
"""

import argparse
import copy
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import normalize as norm  # noqa: E402

EXCHANGES = [("ed", "direct"), ("et", "topic"), ("ef", "fanout"), ("eh", "headers")]
QUEUES = ["q1", "q2", "q3"]
KEYS = ["a", "b", "a.b", "a.b.c", "", "#", "*", "a.*", "*.b", "#.c", "q1", "q2"]
QUEUE_ARGS = [
    {}, {}, {},
    {"x-max-length": 1}, {"x-max-length": 2, "x-overflow": "reject-publish"},
    {"x-max-length-bytes": 4},
    {"x-dead-letter-exchange": "ef"}, {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "q3"},
    {"x-max-priority": 3}, {"x-single-active-consumer": True},
    {"x-max-length": 1, "x-overflow": "reject-publish-dlx", "x-dead-letter-exchange": "ed"},
]
HEADER_BINDINGS = [{"a": 1}, {"x-match": "any", "a": 1, "b": "x"}, {"x-match": "all", "b": "x"}, {}]
HEADERS = [None, {"a": 1}, {"b": "x"}, {"a": 1.0, "b": "x"}, {"CC": ["b"]}, {"BCC": ["a.b"]}]


SHORTCUT_OPS = {"queue.bind", "queue.unbind", "queue.purge", "queue.delete", "basic.consume", "basic.get"}


def extras(st, r):
    """With --extras: sometimes an empty queue name (the most recently
    declared queue's shortcut) or a tx.* method instead. Drawn from a second
    generator, so that the base scenario of a seed stays the same."""
    k = r.random()
    if k < 0.15 and st["op"] in SHORTCUT_OPS:
        st["queue"] = ""
        if st["op"] in ("queue.bind", "queue.unbind") and r.random() < 0.5:
            st["routing_key"] = ""
    elif k < 0.22:
        common = {key: st[key] for key in ("channel", "connection") if key in st}
        st = {"op": r.choice(["tx.select", "tx.select", "tx.commit", "tx.rollback"]), **common}
    elif k < 0.26:
        common = {key: st[key] for key in ("channel", "connection") if key in st}
        st = {"op": "queue.declare", "queue": r.choice(QUEUES), "passive": True, **common}
    return st


QUORUM_ARGS = [{}, {}, {"x-delivery-limit": 1}, {"x-delivery-limit": 0, "x-dead-letter-exchange": "ef"}]


def as_quorum(st, r):
    """With --quorum: a queue declared as a quorum queue (durable, no
    priorities), sometimes with a delivery limit. Drawn from a generator of
    its own, so that the base scenario of a seed stays the same."""
    # No priorities (refused) and no single active consumer (basic.get,
    # which the recorder drains queues with, is refused on such a queue).
    dropped = ("x-max-priority", "x-single-active-consumer")
    args = {k: v for k, v in st.get("arguments", {}).items() if k not in dropped}
    args.update(copy.deepcopy(r.choice(QUORUM_ARGS)))
    args["x-queue-type"] = "quorum"
    return {**st, "durable": True, "arguments": args}


STREAM_OFFSETS = ["first", "first", "next", "last", 0, 1, 5, {"$type": "timestamp", "value": 0}]


def as_stream(st, r):
    """With --streams: a queue declared as a stream (durable; only the
    arguments a stream takes)."""
    args = {"x-queue-type": "stream"}
    if r.random() < 0.3:
        args["x-max-age"] = r.choice(["1D", "10s", "0D", "5X"])
    return {**st, "durable": True, "arguments": args}


def stream_consume(st, r):
    """With --streams: a consume usually names an offset, and the channel
    usually has the per-consumer prefetch a stream needs."""
    if st["op"] == "basic.consume" and r.random() < 0.7:
        st.setdefault("arguments", {})["x-stream-offset"] = copy.deepcopy(r.choice(STREAM_OFFSETS))
    if st["op"] == "basic.qos" and st["prefetch_count"] == 0 and r.random() < 0.7:
        st["prefetch_count"] = r.choice([1, 2, 5])
    return st


def gen_scenario(seed, nsteps, with_extras=False, with_quorum=False, with_streams=False):
    r = random.Random(seed)
    rx = random.Random(seed * 7919 + 1)
    rq = random.Random(seed * 104729 + 3)
    rs = random.Random(seed * 1299709 + 5)
    steps = []
    for name, typ in EXCHANGES:
        steps.append({"op": "exchange.declare", "exchange": name, "exchange_type": typ})
    for q in QUEUES:
        st = {"op": "queue.declare", "queue": q}
        args = r.choice(QUEUE_ARGS)
        if args:
            st["arguments"] = copy.deepcopy(args)
        if with_quorum and rq.random() < 0.6:
            st = as_quorum(st, rq)
        if with_streams and rs.random() < 0.5:
            st = as_stream(st, rs)
        steps.append(st)
    # A topology that routes most publishes somewhere.
    steps.append({"op": "queue.bind", "queue": "q1", "exchange": "ed", "routing_key": "a"})
    steps.append({"op": "queue.bind", "queue": "q2", "exchange": "et", "routing_key": r.choice(["a.*", "#", "*.b"])})
    steps.append({"op": "queue.bind", "queue": "q3", "exchange": "ef"})
    body_n = 0
    for _ in range(nsteps):
        ch = r.choice([1, 1, 1, 2])
        conn = r.choice([1, 1, 1, 1, 2])
        common = {}
        if ch != 1:
            common["channel"] = ch
        if conn != 1:
            common["connection"] = conn
        k = r.random()
        if k < 0.14:
            ex, typ = r.choice(EXCHANGES)
            st = {"op": "queue.bind", "queue": r.choice(QUEUES), "exchange": ex, "routing_key": r.choice(KEYS)}
            if typ == "headers":
                st["arguments"] = copy.deepcopy(r.choice(HEADER_BINDINGS))
        elif k < 0.17:
            ex, typ = r.choice(EXCHANGES)
            st = {"op": "queue.unbind", "queue": r.choice(QUEUES), "exchange": ex, "routing_key": r.choice(KEYS)}
        elif k < 0.20:
            st = {"op": "exchange.bind", "destination": r.choice(EXCHANGES)[0], "source": r.choice(EXCHANGES)[0],
                  "routing_key": r.choice(KEYS)}
        elif k < 0.45:
            body_n += 1
            ex = r.choice([e for e, _ in EXCHANGES] + ["", "", "", "nope"])
            key = r.choice(QUEUES) if ex == "" and r.random() < 0.8 else r.choice(KEYS)
            st = {"op": "basic.publish", "exchange": ex, "routing_key": key, "body": "m%d" % body_n}
            props = {}
            h = r.choice(HEADERS)
            if h is not None:
                props["headers"] = copy.deepcopy(h)
            if r.random() < 0.2:
                props["priority"] = r.choice([0, 1, 3, 9])
            if props:
                st["properties"] = props
            if r.random() < 0.25:
                st["mandatory"] = True
        elif k < 0.53:
            st = {"op": "basic.consume", "queue": r.choice(QUEUES), "consumer_tag": r.choice(["c1", "c2", "c3"])}
            if r.random() < 0.3:
                st["auto_ack"] = True
            if r.random() < 0.2:
                st["arguments"] = {"x-priority": r.choice([1, 5])}
        elif k < 0.57:
            st = {"op": "basic.qos", "prefetch_count": r.choice([0, 1, 2])}
        elif k < 0.64:
            st = {"op": "basic.get", "queue": r.choice(QUEUES)}
            if r.random() < 0.3:
                st["auto_ack"] = True
        elif k < 0.72:
            st = {"op": "basic.ack", "delivery_tag": r.choice([0, 1, 1, 2, 3])}
            if r.random() < 0.3:
                st["multiple"] = True
        elif k < 0.78:
            st = {"op": r.choice(["basic.nack", "basic.reject"]), "delivery_tag": r.choice([1, 1, 2, 3]),
                  "requeue": r.random() < 0.5}
            if st["op"] == "basic.nack" and r.random() < 0.3:
                st["multiple"] = True
        elif k < 0.81:
            st = {"op": "basic.cancel", "consumer_tag": r.choice(["c1", "c2", "c3"])}
        elif k < 0.84:
            st = {"op": "queue.purge", "queue": r.choice(QUEUES)}
        elif k < 0.86:
            st = {"op": "queue.delete", "queue": r.choice(QUEUES)}
            if r.random() < 0.5:
                st[r.choice(["if_unused", "if_empty"])] = True
        elif k < 0.89:
            st = {"op": "queue.declare", "queue": r.choice(QUEUES), "passive": True}
        elif k < 0.92:
            st = {"op": "channel.close"}
        elif k < 0.95:
            st = {"op": "confirm.select"}
        elif k < 0.97:
            st = {"op": "basic.recover", "requeue": True}
        else:
            st = {"op": "exchange.delete", "exchange": r.choice(EXCHANGES)[0]}
        st.update(common)
        if with_extras:
            st = extras(st, rx)
        if with_streams:
            st = stream_consume(st, rs)
        steps.append(st)
    return {"name": "diff-%d" % seed,
            "description": "differential scenario from seed %d" % seed,
            "steps": steps}


class Differ:
    def __init__(self, warren, vhost):
        import record  # needs pika; imported here so --help works without it
        self.rec = record.Recorder(record.Mgmt(), vhost=vhost)
        self.record = record
        self.warren = warren

    def broker(self, sc):
        return self.rec.run(copy.deepcopy(sc))

    def core(self, sc):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(sc, f)
            path = f.name
        try:
            r = subprocess.run([self.warren, "run", path], capture_output=True, text=True, timeout=60)
        finally:
            os.unlink(path)
        if r.returncode != 0:
            return {"error": r.stderr.strip() or r.stdout.strip()}
        return json.loads(r.stdout)

    def differs(self, sc):
        """The (broker, core) traces if they differ, else None."""
        b = self.broker(sc)
        c = self.core(sc)
        if "error" not in c and norm.traces_equal(b, c):
            return None
        return b, c


def shrink(differ, sc, log):
    """Greedy: drop steps (then fields) while the traces still differ."""
    best = copy.deepcopy(sc)
    changed = True
    while changed:
        changed = False
        i = len(best["steps"]) - 1
        while i >= 0:
            cand = copy.deepcopy(best)
            del cand["steps"][i]
            if cand["steps"] and differ.differs(cand):
                best = cand
                changed = True
                log("  shrunk to %d steps" % len(best["steps"]))
            i -= 1
        for i, st in enumerate(best["steps"]):
            for field in [f for f in st if f not in ("op", "queue", "exchange", "destination", "source")]:
                cand = copy.deepcopy(best)
                del cand["steps"][i][field]
                if differ.differs(cand):
                    best = cand
                    changed = True
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--steps", type=int, default=14, help="random steps after the fixed declarations")
    ap.add_argument("--warren", default=os.path.join(ROOT, "target", "debug", "warren"),
                    help="the warren binary (cargo build -p warren-cli)")
    ap.add_argument("--vhost", default="d", help="one-character vhost for the broker runs (default d)")
    ap.add_argument("--print", action="store_true", help="only print the generated scenarios")
    ap.add_argument("--quorum", action="store_true",
                    help="declare most queues as quorum queues (durable, some with a delivery limit)")
    ap.add_argument("--streams", action="store_true",
                    help="declare about half the queues as streams; consumes name offsets, qos usually sets a prefetch")
    ap.add_argument("--extras", action="store_true",
                    help="also empty queue names (the most-recently-declared shortcut) and tx.* methods")
    opts = ap.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731

    if opts.print:
        for i in range(opts.count):
            print(json.dumps(gen_scenario(opts.seed + i, opts.steps, opts.extras, opts.quorum, opts.streams)))
        return 0
    if not os.access(opts.warren, os.X_OK):
        ap.error("no warren binary at %s (cargo build -p warren-cli, or --warren PATH)" % opts.warren)
    differ = Differ(opts.warren, opts.vhost)
    for i in range(opts.count):
        seed = opts.seed + i
        sc = gen_scenario(seed, opts.steps, opts.extras, opts.quorum, opts.streams)
        got = differ.differs(sc)
        if got is None:
            log("seed %d: equal" % seed)
            continue
        b2 = differ.broker(sc)
        if not norm.traces_equal(got[0], b2):
            log("seed %d: the broker itself is nondeterministic here; skipped:\n%s" % (seed, norm.diff(got[0], b2)))
            continue
        log("seed %d: DIVERGES; shrinking" % seed)
        small = shrink(differ, sc, log)
        b, c = differ.differs(small) or (None, None)
        report = {"seed": seed, "scenario": small, "broker": b, "warren": c}
        out = os.path.join(ROOT, "out", "differential")
        os.makedirs(out, exist_ok=True)
        path = os.path.join(out, "seed-%d.json" % seed)
        with open(path, "w") as f:
            json.dump(report, f, indent=1)
        print(json.dumps(small, indent=1))
        if c is not None and "error" in c:
            print("warren failed: %s" % c["error"])
        elif b is not None:
            print(norm.diff(b, c, "rabbitmq", "warren"))
        print("seed %d diverges; shrunk scenario and both traces in %s" % (seed, path))
        return 1
    print("%d scenarios from seed %d: no divergence" % (opts.count, opts.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
