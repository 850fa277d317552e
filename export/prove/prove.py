#!/usr/bin/env python3
"""Proves `warren export --format pika` on a real RabbitMQ (docs/export.md).

For each scene (files given, plus --generated N scenes with hostile names):
export the pika code, run topology.py, the consumers and the publishers on a
fresh vhost of a running broker, record what each consumer received and what
is left in the queues, and compare with what `warren run` predicts for the
same clients. Exits 1 naming the scene, the script and the first diverging
delivery; prints one line per scene otherwise.

    prove.py --warren target/debug/warren --port 5674 --mgmt-port 15674 \\
        [--generated 6] [--keep DIR] SCENE.json...
"""

import argparse
import base64
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pika

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "client.py")

COUNT = 3            # publishes per producer (each sends one message per routing key)
SCALE = 0.1          # sleeps in the scripts last this fraction of the scene's times
QUIET_S = 1.0        # no delivery for this long (and nothing in hand) = settled
LIMIT_S = 6.0        # a scene still busy after this long is a loop (DLX cycle, requeue forever)
SETTLE_MS = 30000    # virtual ms the prediction runs after the publishes ...
TAIL_MS = 10000      # ... then this much more: a delivery in the tail means a loop
REQUEUES = {"nack-requeue", "reject-requeue", "crash"}


class Divergence(Exception):
    """The broker did not do what Warren predicted (or a script failed)."""


# ------------------------------------------------------------------ the broker

class Broker:
    def __init__(self, host, port, mgmt_port):
        self.host, self.port = host, port
        self.base = "http://%s:%d/api" % (host, mgmt_port)
        self.auth = "Basic " + base64.b64encode(b"guest:guest").decode()

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": self.auth, "content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def fresh_vhost(self, vhost):
        q = urllib.parse.quote(vhost, safe="")
        try:
            self.call("DELETE", "/vhosts/" + q)
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise
        self.call("PUT", "/vhosts/" + q, {})
        self.call("PUT", "/permissions/%s/guest" % q, {"configure": ".*", "write": ".*", "read": ".*"})
        return "amqp://guest:guest@%s:%d/%s" % (self.host, self.port, q)

    def definitions(self, vhost):
        return self.call("GET", "/definitions/" + urllib.parse.quote(vhost, safe=""))


# ------------------------------------------------------------------ scenes

def clean(scene):
    """Only what the export and the prediction read: other fields (layout,
    ...) are not ours to judge. A lesson builds its topology as the learner
    walks through it: its exchange and queue operations are appended to the
    steps, so that the scene is exported as the lesson leaves it."""
    out = {k: scene[k] for k in ("name", "description", "definitions", "steps", "actors") if k in scene}
    lesson = scene.get("lesson") or {}
    extra = [dict(op) for step in lesson.get("steps", []) for op in step.get("do", [])
             if op.get("op", "").startswith(("exchange.", "queue."))]
    if extra:
        out["steps"] = list(out.get("steps", [])) + extra
    return out


def render(template, n, name):
    """The core's body template with {time} pinned to 0 (client.py does the same)."""
    values = {"n": str(n), "name": name, "time": "0"}
    return re.sub(r"\{(n|name|time)\}", lambda m: values[m.group(1)], template)


def consumer_tag(c):
    tag = c.get("consumer_tag")
    return c.get("name", "") if tag is None else tag


def prediction_scenario(scene, definitions, producers, consumers):
    """What the exported clients do, as a scenario: the topology they
    declare, the consumers started at once, then every publisher in turn."""
    steps = []
    for i, p in enumerate(producers):
        props = json.loads(json.dumps(p.get("properties", {})))
        if p.get("headers"):
            props.setdefault("headers", {}).update(p["headers"])
        keys = [p.get("routing_key", "")] + list(p.get("more_routing_keys", []))
        for n in range(1, publishes(p) + 1):
            body = render(p.get("body", ""), n, p.get("name", ""))
            for k in keys:
                step = {"op": "basic.publish", "connection": 1000 + i, "exchange": p.get("exchange", ""),
                        "routing_key": k, "body": body, "mandatory": bool(p.get("mandatory"))}
                if props:
                    step["properties"] = props
                steps.append(step)
    steps.append({"op": "wait", "ms": SETTLE_MS})
    steps.append({"op": "wait", "ms": TAIL_MS})
    return {"name": scene.get("name", ""), "definitions": definitions, "steps": steps,
            "actors": {"consumers": [dict(c, start=True) for c in consumers]}}


def publishes(p):
    return min(p["count"], COUNT) if p.get("count") else COUNT


def delivery(routing_key, body, redelivered, dead_lettered):
    return {"routing_key": routing_key, "body": body, "redelivered": redelivered,
            "dead_lettered": dead_lettered}


def predict(warren, workdir, scene, definitions, producers, consumers):
    pred = prediction_scenario(scene, definitions, producers, consumers)
    path = os.path.join(workdir, "prediction.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(pred, f, ensure_ascii=False)
    out = subprocess.run([warren, "run", path], capture_output=True, timeout=120)
    if out.returncode != 0:
        raise Divergence("warren run of the prediction failed: %s" % out.stderr.decode(errors="replace"))
    trace = json.loads(out.stdout)
    tags = {consumer_tag(c): i for i, c in enumerate(consumers)}
    got = [[] for _ in consumers]
    tail = len(pred["steps"]) - 1
    quiet = True
    for e in trace["events"]:
        if e["event"] != "deliver" or e.get("connection") != 0:
            continue
        if e["consumer_tag"] not in tags:
            raise Divergence("prediction: a delivery to unknown consumer tag %r" % e["consumer_tag"])
        headers = (e.get("properties") or {}).get("headers") or {}
        got[tags[e["consumer_tag"]]].append(
            delivery(e["routing_key"], e["body"], e["redelivered"], "x-death" in headers))
        quiet = quiet and e["step"] != tail
    queues = {q: [delivery(m["routing_key"], m["body"], m["redelivered"],
                           "x-death" in ((m.get("properties") or {}).get("headers") or {}))
                  for m in msgs] for q, msgs in trace["queues"].items()}
    return got, queues, quiet


# ------------------------------------------------------------------ the real run

def read_records(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def run_script(args, env, what, timeout=60):
    try:
        out = subprocess.run(args, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Divergence("%s did not finish within %d s" % (what, timeout))
    if out.returncode != 0:
        raise Divergence("%s failed (exit %d):\n%s" % (what, out.returncode,
                                                     out.stderr.decode(errors="replace")[-2000:]))


def ready_counts(url, names):
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        counts = {}
        for q in names:
            ch = conn.channel()
            counts[q] = ch.queue_declare(queue=q, passive=True).method.message_count
            ch.close()
        return counts
    finally:
        conn.close()


def run_real(workdir, files, model, url):
    """Runs the scripts; returns deliveries per consumer, queue contents, settled?"""
    env = dict(os.environ, AMQP_URL=url, PYTHONDONTWRITEBYTECODE="1")
    py = sys.executable
    code = os.path.join(workdir, "code")
    run_script([py, os.path.join(code, "topology.py")], env, "topology.py")
    consumers, producers = files["consumers"], files["producers"]
    procs, recs = [], []
    try:
        for i, (name, _) in enumerate(consumers):
            rec = os.path.join(workdir, "consumer-%d.jsonl" % i)
            log = open(os.path.join(workdir, "consumer-%d.log" % i), "w")
            procs.append(subprocess.Popen([py, CLIENT, "consumer", os.path.join(code, name), rec, str(SCALE)],
                                          env=env, stdout=log, stderr=subprocess.STDOUT))
            recs.append(rec)
            deadline = time.monotonic() + 20
            while not any(r["event"] == "ready" for r in read_records(rec)):
                if procs[-1].poll() is not None or time.monotonic() > deadline:
                    raise Divergence("%s did not start consuming (see %s)" % (name, log.name))
                time.sleep(0.05)
        for name, spec in producers:
            run_script([py, CLIENT, "publisher", os.path.join(code, name), os.path.join(workdir, "publisher.jsonl"),
                        str(SCALE), "--count", str(publishes(spec))], env, name)
        queues = [spec.get("queue", "") for _, spec in consumers]
        quiet = settle(url, model, procs, recs, queues)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    got = [[delivery(r["routing_key"], r["body"], r["redelivered"], r["dead_lettered"])
            for r in read_records(rec) if r["event"] == "deliver"] for rec in recs]
    return got, drain(url, model["queues"]), quiet


def settle(url, model, procs, recs, consumed):
    """Waits until nothing moves: no delivery for QUIET_S, nothing in hand,
    the queues of running consumers empty (a crashed one's queue keeps what
    it left; a stream keeps everything) and no TTL queue holding messages. False if that does not
    happen within LIMIT_S (the scene loops)."""
    ttl = [q["name"] for q in model["queues"] if "x-message-ttl" in q.get("arguments", {})]
    # A stream keeps what is read (and its message count is the log's,
    # once its statistics catch up): nothing to wait for there.
    known = {q["name"] for q in model["queues"] if not is_stream(q)}
    # A message TTL is the broker's real time (the scripts' sleeps are
    # scaled, its timers are not): give each such wait a few rounds.
    ttl_s = max([q["arguments"]["x-message-ttl"] / 1000 for q in model["queues"]
                 if isinstance(q.get("arguments", {}).get("x-message-ttl"), int)] or [0])
    limit = min(LIMIT_S + 4 * ttl_s, 30)
    start = last_change = time.monotonic()
    seen = -1
    while time.monotonic() - start < limit:
        time.sleep(0.1)
        records = [read_records(r) for r in recs]
        total = sum(len(r) for r in records)
        if total != seen:
            seen, last_change = total, time.monotonic()
            continue
        if time.monotonic() - last_change < QUIET_S:
            continue
        in_hand = any(p.poll() is None and
                      sum(r["event"] == "deliver" for r in rs) > sum(r["event"] == "settled" for r in rs)
                      for p, rs in zip(procs, records))
        live = {q for p, q in zip(procs, consumed) if p.poll() is None and q in known}
        watched = sorted(live | set(ttl))
        if not in_hand and not any(ready_counts(url, watched).values()):
            # Once more after a moment: a message moving between queues (a
            # TTL expiring into its dead-letter exchange) is in neither.
            time.sleep(0.5)
            if sum(len(read_records(r)) for r in recs) == seen and not any(ready_counts(url, watched).values()):
                return True
    return False


def is_stream(q):
    return (q.get("arguments") or {}).get("x-queue-type") == "stream" or q.get("type") == "stream"


def drain(url, queues):
    """What every queue holds after the run, in order: taken with basic.get,
    or, from a stream (which refuses basic.get and keeps what is read), its
    whole log read by a consumer from `first`, as `warren run` reports it."""
    conn = pika.BlockingConnection(pika.URLParameters(url))
    out = {}
    try:
        ch = conn.channel()
        for q in sorted(queues, key=lambda q: q["name"]):
            if is_stream(q):
                out[q["name"]] = read_log(conn, q["name"])
                continue
            msgs = []
            while True:
                method, props, body = ch.basic_get(queue=q["name"], auto_ack=True)
                if method is None:
                    break
                msgs.append(delivery(method.routing_key, body.decode("utf-8", "backslashreplace"),
                                     bool(method.redelivered), "x-death" in (props.headers or {})))
            out[q["name"]] = msgs
    finally:
        conn.close()
    return out


def read_log(conn, name):
    """A stream's log: consumed from `first` until nothing more comes for
    QUIET_S (a stream's message count says nothing: it reports 0)."""
    ch = conn.channel()
    ch.basic_qos(prefetch_count=100)
    msgs = []

    def on_message(channel, method, props, body):
        msgs.append(delivery(method.routing_key, body.decode("utf-8", "backslashreplace"),
                             bool(method.redelivered), "x-death" in (props.headers or {})))
        channel.basic_ack(delivery_tag=method.delivery_tag)

    ch.basic_consume(queue=name, on_message_callback=on_message, arguments={"x-stream-offset": "first"})
    seen = -1
    while len(msgs) != seen:
        seen = len(msgs)
        conn.process_data_events(time_limit=QUIET_S)
    ch.close()
    return msgs


# ------------------------------------------------------------------ comparing

def topology_of(defs):
    def args(x):
        return json.dumps(x.get("arguments") or {}, sort_keys=True)
    return {
        "exchanges": sorted((x["name"], x["type"], x["durable"], x["auto_delete"], x["internal"], args(x))
                            for x in defs.get("exchanges", []) if x["name"] and not x["name"].startswith("amq.")),
        "queues": sorted((q["name"], q["durable"], q["auto_delete"], args(q)) for q in defs.get("queues", [])),
        "bindings": sorted((b["source"], b["destination"], b["destination_type"], b["routing_key"], args(b))
                           for b in defs.get("bindings", []) if b["source"]),
    }


def first_difference(expected, got):
    for i, (e, g) in enumerate(zip(expected, got)):
        if e != g:
            return "delivery %d: expected %s, got %s" % (i + 1, show(e), show(g))
    if len(expected) > len(got):
        return "delivery %d: expected %s, got nothing more" % (len(got) + 1, show(expected[len(got)]))
    return "delivery %d: expected nothing more, got %s" % (len(expected) + 1, show(got[len(expected)]))


def multiset_difference(expected, got):
    key = lambda d: json.dumps(d, sort_keys=True)  # noqa: E731
    e, g = collections.Counter(map(key, expected)), collections.Counter(map(key, got))
    missing, extra = e - g, g - e
    if missing:
        return "expected %s, not received" % show(json.loads(next(iter(missing))))
    return "received %s, not expected" % show(json.loads(next(iter(extra))))


def show(d):
    flags = [f for f in ("redelivered", "dead_lettered") if d.get(f)]
    return "%r via %r%s" % (d["body"], d["routing_key"], " (%s)" % ", ".join(flags) if flags else "")


def strict(c, consumers, priority_queues, streams=frozenset()):
    """A consumer whose deliveries come in one order whatever the timing:
    alone on a queue without priorities (where what is queued at each moment
    decides the order), or reading a stream (each consumer reads the whole
    log in its order, others or not), and never sending a message back."""
    alone = sum(1 for o in consumers if o.get("queue", "") == c.get("queue", "")) == 1 \
        or c.get("queue", "") in streams
    return alone and c.get("policy", "ack") not in REQUEUES and not c.get("fail_every") \
        and not c.get("crash_after") and c.get("queue", "") not in priority_queues


def first_pass(ds):
    return [d for d in ds if not d["redelivered"] and not d["dead_lettered"]]


def compare(files, consumers, pred, real, priority_queues, streams=frozenset()):
    """Raises Divergence at the first difference (docs/export.md says what is compared and why)."""
    (p_got, p_queues, p_quiet), (r_got, r_queues, r_quiet) = pred, real
    if p_quiet != r_quiet:
        raise Divergence("Warren predicts the scene %s, the broker %s after %.0f s" % (
            "settles" if p_quiet else "keeps delivering (a loop)",
            "was still delivering" if p_quiet else "settled", LIMIT_S))
    names = [n for n, _ in files["consumers"]]
    for i, c in enumerate(consumers):
        if strict(c, consumers, priority_queues, streams):
            e, g = (p_got[i], r_got[i]) if p_quiet else (first_pass(p_got[i]), first_pass(r_got[i]))
            if e != g:
                raise Divergence("%s: %s" % (names[i], first_difference(e, g)))
    by_queue = collections.defaultdict(list)
    for i, c in enumerate(consumers):
        by_queue[c.get("queue", "")].append(i)
    for q, idx in sorted(by_queue.items()):
        e = [d for i in idx for d in first_pass(p_got[i])]
        g = [d for i in idx for d in first_pass(r_got[i])]
        if collections.Counter(json.dumps(d, sort_keys=True) for d in e) != \
                collections.Counter(json.dumps(d, sort_keys=True) for d in g):
            raise Divergence("%s (queue %r): %s" % (" + ".join(names[i] for i in idx), q, multiset_difference(e, g)))
    if p_quiet:
        for q in sorted(set(p_queues) | set(r_queues)):
            if q not in r_queues:
                continue  # exclusive to a consumer: gone with it on the broker
            e, g = p_queues.get(q, []), r_queues[q]
            if any(d["dead_lettered"] for d in e + g):
                # Dead letters from several queues interleave as their
                # consumers' timing has it: their order is not comparable.
                e, g = sorted(e, key=json.dumps), sorted(g, key=json.dumps)
            if e != g:
                raise Divergence("queue %r after the run: %s" % (q, first_difference(e, g).replace("delivery", "message")))
    return "full" if p_quiet else "first pass (loops)"


# ------------------------------------------------------------------ one scene

def prove(warren, broker, scene, vhost, workdir):
    scene = clean(scene)
    path = os.path.join(workdir, "scene.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(scene, f, ensure_ascii=False)
    code = os.path.join(workdir, "code")
    for args in (["export", path, "-o", os.path.join(workdir, "definitions.json")],
                 ["export", "--format", "pika", path, "-o", code]):
        out = subprocess.run([warren] + args, capture_output=True)
        if out.returncode != 0:
            raise Divergence("warren %s failed: %s" % (" ".join(args[:3]), out.stderr.decode(errors="replace")))
    with open(os.path.join(workdir, "definitions.json"), encoding="utf-8") as f:
        definitions = json.load(f)
    actors = scene.get("actors") or {}
    producers, consumers = actors.get("producers", []), actors.get("consumers", [])
    files = exported_files(code, producers, consumers)
    url = broker.fresh_vhost(vhost)
    model = {"queues": definitions.get("queues", [])}
    real = run_real(workdir, files, model, url)
    have, want = topology_of(broker.definitions(vhost)), topology_of(definitions)
    for kind in ("exchanges", "queues", "bindings"):
        if have[kind] != want[kind]:
            missing = [x for x in want[kind] if x not in have[kind]]
            extra = [x for x in have[kind] if x not in want[kind]]
            raise Divergence("topology.py: %s differ: missing %s, unexpected %s" % (kind, missing[:1], extra[:1]))
    pred = predict(warren, workdir, scene, definitions, producers, consumers)
    priority = {q["name"] for q in definitions.get("queues", []) if "x-max-priority" in q.get("arguments", {})}
    streams = {q["name"] for q in definitions.get("queues", []) if is_stream(q)}
    how = compare(files, consumers, pred, real, priority, streams)
    delivered = sum(len(x) for x in real[0])
    return "%d consumer(s), %d deliveries, %s" % (len(consumers), delivered, how)


def exported_files(code, producers, consumers):
    """The export's scripts, in the order of the scene's actors."""
    names = sorted(os.listdir(code))
    pubs = [n for n in names if n.startswith("publish_")]
    cons = [n for n in names if n.startswith("consume_")]
    if len(pubs) != len(producers) or len(cons) != len(consumers):
        raise Divergence("export wrote %d publisher(s) and %d consumer(s) for %d and %d actors" % (
            len(pubs), len(cons), len(producers), len(consumers)))
    # The export numbers nothing: map files to actors by their NAME constant, in scene order.
    def by_name(files, actors):
        out, pool = [], list(files)
        for a in actors:
            want = "NAME = " + python_str(a.get("name", ""))
            for n in pool:
                with open(os.path.join(code, n), encoding="utf-8") as f:
                    if want + "\n" in f.read():
                        out.append((n, a))
                        pool.remove(n)
                        break
            else:
                raise Divergence("no exported script for actor %r" % a.get("name", ""))
        return out
    return {"producers": by_name(pubs, producers), "consumers": by_name(cons, consumers)}


def python_str(s):
    """The literal the exporter writes for s (checked: Python reads it back as s)."""
    out = ['"']
    for c in s:
        n = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif n < 0x20 or 0x7f <= n <= 0x9f:
            out.append("\\x%02x" % n)
        elif c in "\u2028\u2029\ufeff" or 0x200b <= n <= 0x200f or 0x202a <= n <= 0x202e or 0x2066 <= n <= 0x2069:
            out.append("\\u%04x" % n)
        else:
            out.append(c)
    out.append('"')
    lit = "".join(out)
    assert eval(lit) == s  # noqa: S307 - our own literal
    return lit


# ------------------------------------------------------------------ generated scenes

# Broker object names: quotes, backslashes, non-ASCII, invisible characters.
# (Control characters stay out of object names: RabbitMQ 3.10 accepts an
# exchange named "a\nb" but then refuses to route through it, a broker quirk
# the export cannot paper over; they are in bodies, keys, headers and actor
# names instead.)
HOSTILE = ['quote"d', "back\\slash", "café ☕", "'''triple'''", '"""doc"""',
           "{n} brace", "#hash", "%2F slash/", "rabbit 🐇", "ünïcödé", "rtl\u202emark", "dollar $x",
           "semi;colon", "x\\\"y", "end\\"]
# Text that is not a broker object name may hold anything.
HOSTILE_TEXT = HOSTILE + ["new\nline", "tab\there", "cr\rlf", "nul\x00byte", "\u2028sep", "bell\x07"]


def generated(seed):
    """A scene with hostile names, arguments of every kind the export writes,
    and only clients whose outcome does not depend on timing races."""
    rnd = random.Random(seed)
    names = rnd.sample(HOSTILE, len(HOSTILE))
    pick = iter(names * 3)
    tag = "g%d " % seed
    kinds = ["direct", "fanout", "topic", "headers"]
    exchanges = [{"name": tag + next(pick), "type": rnd.choice(kinds), "durable": rnd.random() < 0.5,
                  "auto_delete": False, "internal": False, "arguments": {}} for _ in range(rnd.randint(1, 3))]
    queues, bindings, consumers = [], [], []
    for i in range(rnd.randint(1, 3)):
        q = {"name": tag + next(pick), "durable": rnd.random() < 0.5, "auto_delete": False, "arguments": {}}
        queues.append(q)
    dlx = {"name": tag + "dlx " + next(pick), "type": "fanout", "durable": False, "auto_delete": False,
           "internal": False, "arguments": {}}
    dead = {"name": tag + "dead " + next(pick), "durable": False, "auto_delete": False, "arguments": {}}
    exchanges.append(dlx)
    queues.append(dead)
    bindings.append({"source": dlx["name"], "destination": dead["name"], "destination_type": "queue",
                     "routing_key": "", "arguments": {}})
    keys = ["k." + next(pick), "k." + next(pick)]
    for i, q in enumerate(queues[:-1]):
        x = exchanges[i % (len(exchanges) - 1)]
        key = keys[i % 2] if x["type"] != "topic" else "k.#"
        args = {"x-match": "any", "h": "v"} if x["type"] == "headers" else {}
        bindings.append({"source": x["name"], "destination": q["name"], "destination_type": "queue",
                         "routing_key": key, "arguments": args})
        role = rnd.choice(["strict", "drop", "pair", "none", "fail", "limit", "crash"])
        if role == "none" or role == "limit":
            if role == "limit":
                q["arguments"] = {"x-max-length": 2, "x-overflow": rnd.choice(["drop-head", "reject-publish"])}
            continue
        q["arguments"] = rnd.choice([{}, {"x-max-priority": 5}, {"x-queue-type": "classic"},
                                     {"x-single-active-consumer": True}])
        c = {"name": "c%d %s" % (i, rnd.choice(HOSTILE_TEXT)), "queue": q["name"], "prefetch": rnd.choice([0, 1, 3]),
             "processing_ms": rnd.choice([0, 50, 200])}
        if role == "drop":
            q["arguments"]["x-dead-letter-exchange"] = dlx["name"]
            c["policy"] = rnd.choice(["nack-drop", "reject-drop"])
        elif role == "fail":
            c["fail_every"] = 2
        elif role == "crash":
            # Alone on its queue, one message at a time: what it held when it
            # died goes back, redelivered, and stays (nobody else reads it).
            c["prefetch"] = 1
            if rnd.random() < 0.5:
                c["crash_after"] = 2
            else:
                c["policy"] = "crash"
        elif role == "pair" and not q["arguments"].get("x-single-active-consumer"):
            c2 = dict(c, name=c["name"] + " bis", priority=rnd.choice([None, 3]))
            if c2["priority"] is None:
                del c2["priority"]
            consumers.append(c2)
        else:
            c["auto_ack"] = rnd.random() < 0.3
        consumers.append(c)
    if len(exchanges) > 2:
        bindings.append({"source": exchanges[0]["name"], "destination": exchanges[1]["name"],
                         "destination_type": "exchange", "routing_key": "#" if exchanges[0]["type"] == "topic"
                         else keys[0], "arguments": {}})
    producers = []
    for i in range(rnd.randint(1, 2)):
        x = exchanges[i % (len(exchanges) - 1)]
        producers.append({
            "name": "p%d %s" % (i, rnd.choice(HOSTILE_TEXT)), "exchange": x["name"], "routing_key": keys[i % 2],
            "more_routing_keys": [keys[(i + 1) % 2]] if rnd.random() < 0.5 else [],
            "headers": {"h": "v", "quote\"key": rnd.choice(HOSTILE_TEXT), "n": 7, "ok": True},
            "properties": {"content_type": "text/plain; charset=\"utf-8\"", "delivery_mode": 2,
                           "priority": rnd.randint(0, 5), "correlation_id": "id " + rnd.choice(HOSTILE_TEXT)},
            "body": "body %s {n} of {name} é\n\"\"\" \\ '''" % rnd.choice(HOSTILE_TEXT),
            "confirm": rnd.random() < 0.5, "mandatory": rnd.random() < 0.3,
        })
    for c in consumers:
        c.setdefault("policy", "ack")
    definitions = {"vhosts": [{"name": "/"}], "exchanges": [dict(x, vhost="/") for x in exchanges],
                   "queues": [dict(q, vhost="/") for q in queues], "bindings": [dict(b, vhost="/") for b in bindings]}
    return {"name": "generated-%d" % seed, "definitions": definitions, "steps": [],
            "actors": {"producers": producers, "consumers": consumers}}


def stream_scene():
    """A stream read by a consumer for every kind of x-stream-offset the
    export writes (str, int, a long, a timestamp as a datetime, an
    interval; none), each started before the writes: what each reads is
    fixed, and RabbitMQ must take every argument as pika sends it."""
    def reader(name, offset, prefetch=2):
        c = {"name": name, "queue": "log", "prefetch": prefetch, "policy": "ack"}
        if offset is not None:
            c["stream_offset"] = offset
        return c
    consumers = [reader("first", "first"), reader("number", 0, 1), reader("long", {"$type": "long", "value": 1}, 3),
                 reader("since", {"$type": "timestamp", "value": 1}), reader("hour", "1h"), reader("last", "last"),
                 reader("next", None)]
    queue = {"name": "log", "vhost": "/", "durable": True, "auto_delete": False,
             "arguments": {"x-queue-type": "stream", "x-max-age": "7D", "x-max-length-bytes": 20000000000}}
    return {"name": "stream-offsets", "definitions": {"vhosts": [{"name": "/"}], "queues": [queue]}, "steps": [],
            "actors": {"producers": [{"name": "writer", "exchange": "", "routing_key": "log", "body": "m{n}"}],
                       "consumers": consumers}}


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenes", nargs="*")
    ap.add_argument("--warren", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5674)
    ap.add_argument("--mgmt-port", type=int, default=15674)
    ap.add_argument("--generated", type=int, default=0, help="generated scenes (seeds 1..N)")
    ap.add_argument("--keep", help="keep each scene's exported code and records under this directory")
    args = ap.parse_args()
    broker = Broker(args.host, args.port, args.mgmt_port)
    scenes = []
    for path in args.scenes:
        with open(path, encoding="utf-8") as f:
            scenes.append((path, json.load(f)))
    scenes += [("generated scene %d" % s, generated(s)) for s in range(1, args.generated + 1)]
    if args.generated:
        scenes.append(("stream offsets", stream_scene()))
    root = args.keep or tempfile.mkdtemp(prefix="warren-pika-")
    failed = 0
    for i, (label, scene) in enumerate(scenes):
        workdir = os.path.join(root, "%02d" % i)
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        t = time.monotonic()
        try:
            what = prove(args.warren, broker, scene, "pika-%d" % i, workdir)
            print("ok      %-32s %5.1f s  %s" % (label, time.monotonic() - t, what), flush=True)
        except Divergence as e:
            failed += 1
            print("FAILED  %s: %s\n        (exported code and records: %s)" % (label, e, workdir), flush=True)
        except Exception as e:  # a broker or script error is a failure of this scene, not of the run
            failed += 1
            print("FAILED  %s: %s: %s\n        (exported code and records: %s)" % (
                label, type(e).__name__, e, workdir), flush=True)
    if not args.keep and not failed:
        shutil.rmtree(root, ignore_errors=True)
    print("%d scene(s), %d failed" % (len(scenes), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
