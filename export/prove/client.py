"""Runs one exported script as it is, recording what it does (prove.py's helper).

    python client.py consumer SCRIPT RECORD SCALE
    python client.py publisher SCRIPT RECORD SCALE [ARGS...]

The script is imported and its main() called, unchanged but for three
hooks, so the code under test is exactly what a person would run:
- time.sleep inside the script lasts SCALE times as long (processing times
  and rates shrink; the test compares no timing);
- a consumer's on_message is wrapped to append one JSON line per delivery
  (and one when it has settled it) to RECORD, and start_consuming to note
  when the consumer is registered;
- a publisher's {time} placeholder is pinned to 0, as in the prediction,
  and its {n} counts on from PROVE_N_FROM (default 0).
"""

import importlib.util
import json
import os
import sys
import time


def load(path):
    spec = importlib.util.spec_from_file_location("exported", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    kind, script, record, scale = sys.argv[1:5]
    rest = sys.argv[5:]
    scale = float(scale)
    mod = load(script)
    real_sleep = time.sleep

    class ScaledTime:
        monotonic = staticmethod(time.monotonic)
        time = staticmethod(time.time)

        @staticmethod
        def sleep(seconds):
            real_sleep(seconds * scale)

    mod.time = ScaledTime
    out = open(record, "a", buffering=1, encoding="utf-8")

    def rec(**fields):
        out.write(json.dumps(fields) + "\n")
        out.flush()

    if kind == "consumer":
        import pika.adapters.blocking_connection as bc

        inner = mod.on_message

        def on_message(channel, method, properties, body):
            headers = properties.headers or {}
            rec(event="deliver", routing_key=method.routing_key,
                body=body.decode("utf-8", "backslashreplace"),
                redelivered=bool(method.redelivered), dead_lettered="x-death" in headers)
            inner(channel, method, properties, body)
            rec(event="settled")

        mod.on_message = on_message
        start = bc.BlockingChannel.start_consuming

        def start_consuming(self):
            rec(event="ready")
            return start(self)

        bc.BlockingChannel.start_consuming = start_consuming
        sys.argv = [script]
    else:
        render = mod.render
        # PROVE_N_FROM: how many messages this producer sent before (a lesson
        # walked one publish at a time numbers its bodies on, as the scene does).
        before = int(os.environ.get("PROVE_N_FROM", "0"))
        mod.render = lambda template, n, elapsed_ms: render(template, before + n, 0)
        sys.argv = [script] + rest
    mod.main()
    rec(event="exit")


if __name__ == "__main__":
    main()
