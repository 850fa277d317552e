#!/usr/bin/env python3
"""Walks a lesson on a real RabbitMQ with its exported pika scripts (docs/export.md).

prove.py runs a scene's clients all at once; a lesson's point is often the
order of things (a consumer that starts after the messages were written).
This walks the lesson step by step instead: the scene is exported with
`warren export --format pika`, topology.py runs once, and each step's `do`
becomes script runs:

- `publish`: the producer's script with `--count 1`, its `{n}` counting on
  across the lesson (client.py's PROVE_N_FROM), as the scene numbers them;
- `start`: the consumer's script, started and waited for until it consumes;
- `stop`, `kill`: Ctrl+C (SIGINT) to the consumer's script, which closes its
  connection (the scene's `stop` cancels instead: the same for a consumer
  that holds nothing; a stream consumer's acks only give credit back);
- `wait`: nothing: after its `do` every step waits until no delivery came
  for QUIET_S (the scripts' sleeps are scaled by SCALE, the waits are not).

Then the step's `expect.delivered` is compared, per consumer and in order
(body, and routing key and redelivered where given; the interleaving of
different consumers is their timing), and `expect.queues` consumer counts
(from the management API). Message counts are not compared: RabbitMQ
reports a stream's log length as its message count once its statistics
catch up, where Warren counts nothing ready in a stream. Other `do`
operations (`add`, `rate`, AMQP methods) are refused: the walk says so.

    walk.py --warren target/debug/warren --port 5673 --mgmt-port 15673 LESSON.json
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

import prove



class Walk:
    def __init__(self, workdir, files, broker, vhost):
        self.workdir, self.broker, self.vhost = workdir, broker, vhost
        url = broker.fresh_vhost(vhost)
        self.code = os.path.join(workdir, "code")
        self.env = dict(os.environ, AMQP_URL=url, PYTHONDONTWRITEBYTECODE="1")
        self.consumers = {spec.get("name", ""): name for name, spec in files["consumers"]}
        self.producers = {spec.get("name", ""): name for name, spec in files["producers"]}
        self.procs = {}
        self.sent = {}

    def record(self, consumer):
        return os.path.join(self.workdir, "consumer-%s.jsonl" % sorted(self.consumers).index(consumer))

    def deliveries(self, consumer):
        return [r for r in prove.read_records(self.record(consumer)) if r["event"] == "deliver"]

    def publish(self, producer):
        n = self.sent.get(producer, 0)
        env = dict(self.env, PROVE_N_FROM=str(n))
        prove.run_script([sys.executable, prove.CLIENT, "publisher", os.path.join(self.code, self.producers[producer]),
                          os.path.join(self.workdir, "publisher.jsonl"), str(prove.SCALE), "--count", "1"],
                         env, producer)
        self.sent[producer] = n + 1

    def start(self, consumer):
        rec = self.record(consumer)
        ready = sum(r["event"] == "ready" for r in prove.read_records(rec))
        log = open(os.path.join(self.workdir, "%s.log" % os.path.basename(rec)), "a")
        p = subprocess.Popen([sys.executable, prove.CLIENT, "consumer", os.path.join(self.code, self.consumers[consumer]),
                              rec, str(prove.SCALE)], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[consumer] = p
        deadline = time.monotonic() + 20
        while sum(r["event"] == "ready" for r in prove.read_records(rec)) == ready:
            if p.poll() is not None or time.monotonic() > deadline:
                raise prove.Divergence("%s did not start consuming (see %s)" % (consumer, log.name))
            time.sleep(0.05)

    def stop(self, consumer):
        p = self.procs.pop(consumer, None)
        if p is None:
            raise prove.Divergence("%s is not running" % consumer)
        p.send_signal(signal.SIGINT)
        p.wait(timeout=15)

    def quiet(self):
        seen, last = -1, time.monotonic()
        while time.monotonic() - last < prove.QUIET_S:
            time.sleep(0.1)
            total = sum(len(prove.read_records(self.record(c))) for c in self.consumers)
            if total != seen:
                seen, last = total, time.monotonic()

    def consumer_count(self, queue, want):
        """From the management API (a stream's declare-ok counts no
        consumers at all, recorded: stream-offsets), whose statistics lag
        by up to their 5 s interval: polled until it says `want` or 8 s
        have passed."""
        path = "/consumers/" + urllib.parse.quote(self.vhost, safe="")
        deadline = time.monotonic() + 8
        while True:
            n = sum(1 for c in self.broker.call("GET", path) if c["queue"]["name"] == queue)
            if n == want or time.monotonic() > deadline:
                return n
            time.sleep(0.25)

    def close(self):
        for c in list(self.procs):
            self.stop(c)


def check(walk, expect, before):
    """The differences between a step's expectations and what the broker did."""
    out = []
    if "delivered" in expect:
        want = expect["delivered"]
        if any("consumer" not in d for d in want):
            raise prove.Divergence("a delivery without its consumer cannot be compared per consumer")
        for c in sorted(walk.consumers):
            got = walk.deliveries(c)[before[c]:]
            mine = [d for d in want if d["consumer"] == c]
            shown = [(g["body"], g["redelivered"]) for g in got]
            if len(got) != len(mine) or any(
                    g["body"] != d.get("body", g["body"]) or g["redelivered"] != d.get("redelivered", g["redelivered"])
                    or g["routing_key"] != d.get("routing_key", g["routing_key"]) for g, d in zip(got, mine)):
                out.append("%s: expected %s, the broker delivered %s" % (
                    c, [(d.get("body"), d.get("redelivered")) for d in mine], shown))
    for q, w in (expect.get("queues") or {}).items():
        if w is not None and "consumers" in w:
            n = walk.consumer_count(q, w["consumers"])
            if n != w["consumers"]:
                out.append("queue %r: expected %d consumer(s), the broker has %d" % (q, w["consumers"], n))
    return out


def run(warren, broker, path, workdir):
    with open(path, encoding="utf-8") as f:
        scene = json.load(f)
    lesson = scene.get("lesson") or {}
    clean = prove.clean(scene)
    with open(os.path.join(workdir, "scene.json"), "w", encoding="utf-8") as f:
        json.dump(clean, f, ensure_ascii=False)
    code = os.path.join(workdir, "code")
    out = subprocess.run([warren, "export", "--format", "pika", os.path.join(workdir, "scene.json"), "-o", code],
                         capture_output=True)
    if out.returncode != 0:
        raise prove.Divergence("warren export failed: %s" % out.stderr.decode(errors="replace"))
    actors = clean.get("actors") or {}
    files = prove.exported_files(code, actors.get("producers", []), actors.get("consumers", []))
    walk = Walk(workdir, files, broker, "walk-" + scene.get("name", "lesson"))
    prove.run_script([sys.executable, os.path.join(code, "topology.py")], walk.env, "topology.py")
    failed = 0
    try:
        for c in [spec.get("name", "") for _, spec in files["consumers"] if spec.get("start", True)]:
            walk.start(c)
        for i, step in enumerate(lesson.get("steps", [])):
            before = {c: len(walk.deliveries(c)) for c in walk.consumers}
            for op in step.get("do", []):
                kind = op.get("op")
                if kind == "publish":
                    walk.publish(op["producer"])
                elif kind == "start":
                    walk.start(op["consumer"])
                elif kind in ("stop", "kill"):
                    walk.stop(op["consumer"])
                elif kind != "wait":
                    raise prove.Divergence("step %d: %r is not walked on a broker" % (i + 1, kind))
            walk.quiet()
            diffs = check(walk, step.get("expect") or {}, before)
            failed += bool(diffs)
            print("%s step %d of %d%s" % ("FAIL" if diffs else "ok  ", i + 1, len(lesson["steps"]),
                                         "".join("\n       - " + d for d in diffs)), flush=True)
    finally:
        walk.close()
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lesson")
    ap.add_argument("--warren", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5674)
    ap.add_argument("--mgmt-port", type=int, default=15674)
    ap.add_argument("--keep", help="keep the exported code and records in this directory")
    args = ap.parse_args()
    broker = prove.Broker(args.host, args.port, args.mgmt_port)
    workdir = args.keep or tempfile.mkdtemp(prefix="warren-walk-")
    os.makedirs(workdir, exist_ok=True)
    try:
        failed = run(args.warren, broker, args.lesson, workdir)
    except prove.Divergence as e:
        print("FAILED  %s: %s\n        (exported code and records: %s)" % (args.lesson, e, workdir))
        return 1
    print("%s: %s" % (args.lesson, "%d step(s) differ (records: %s)" % (failed, workdir) if failed
                      else "every step as Warren says"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
