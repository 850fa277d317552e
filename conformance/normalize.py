"""The trace normalisations of docs/scenario.md ("Comparing traces").

`normalize(trace)` returns a canonical form; two traces are equal iff their
canonical forms are equal (`==` on the returned dicts, or `traces_equal`).
The Rust replay test reimplements exactly this; docs/conformance.md spells
out each rule and the order in which they apply:

  a. Server-generated names. Every string that contains `amq.gen-X` or
     `amq.ctag-X` (X = one or more of [A-Za-z0-9_-]) anywhere in the trace,
     including queue names used as keys of `queues` and inside reply texts and
     headers, has each such name replaced by `$gen1`, `$gen2`, ... numbered in
     order of first appearance. The walk visits the events sorted by `step`
     (stable: events of one step keep their recorded order), each event's
     fields in this order: consumer_tag, queue, exchange, routing_key,
     reply_text, properties, body, then remaining fields sorted by name (inside
     a field, object keys in sorted order, each key before its value; arrays in
     order); then the `queues` map in key order (each key, then its messages).
  b. `time` inside each entry of an `x-death` header becomes
     {"$type": "timestamp", "value": 0}.
  c. In reply texts, `vhost '<anything>'` becomes `vhost '/'`.
  d. Confirms: a `confirm` event with `multiple: true` and tag N is replaced
     by events with `multiple: false` and tags L+1 ... N (ascending), where L
     is the delivery tag of the previous `confirm` event of the same
     (connection, channel), or 0 if there is none, if it is >= N, or if a
     `channel-closed` event of that channel or a `connection-closed` event of
     that connection lies in between (a reopened channel restarts at 1).
  e. Grouping: events are split into groups keyed "C/CH" (connection,
     channel; connection defaults to 1) for every event but `deliver`, and
     "C/CH/deliver/TAG" for `deliver` events of consumer tag TAG. Order is
     kept within a group; order between groups is not compared. The
     `connection` and `channel` fields stay in the events.

The canonical form is {"groups": {key: [events]}, "queues": {name: [msgs]}}.
"""

import copy
import difflib
import json
import re

GEN_RE = re.compile(r"amq\.(?:gen|ctag)-[A-Za-z0-9_\-]+")
VHOST_RE = re.compile(r"vhost '[^']*'")

FIELD_ORDER = ["consumer_tag", "queue", "exchange", "routing_key", "reply_text",
               "properties", "body"]


class _Renamer:
    def __init__(self):
        self.names = {}

    def see(self, value):
        """Register names in value (walk only)."""
        if isinstance(value, str):
            for m in GEN_RE.finditer(value):
                if m.group(0) not in self.names:
                    self.names[m.group(0)] = "$gen%d" % (len(self.names) + 1)
        elif isinstance(value, list):
            for x in value:
                self.see(x)
        elif isinstance(value, dict):
            for k in sorted(value):   # byte order, as serde_json's map
                self.see(k)
                self.see(value[k])

    def apply(self, value):
        if isinstance(value, str):
            return GEN_RE.sub(lambda m: self.names.get(m.group(0), m.group(0)), value)
        if isinstance(value, list):
            return [self.apply(x) for x in value]
        if isinstance(value, dict):
            return {self.apply(k): self.apply(v) for k, v in value.items()}
        return value


def _event_fields_in_walk_order(ev):
    keys = [k for k in FIELD_ORDER if k in ev]
    keys += sorted(k for k in ev if k not in FIELD_ORDER)
    return keys


def _zero_xdeath_time(props):
    if not isinstance(props, dict):
        return
    headers = props.get("headers")
    if not isinstance(headers, dict):
        return
    xd = headers.get("x-death")
    if isinstance(xd, list):
        for entry in xd:
            if isinstance(entry, dict) and "time" in entry:
                entry["time"] = {"$type": "timestamp", "value": 0}


def _expand_confirms(events):
    out = []
    last = {}  # (conn, ch) -> last confirm tag since last close
    for ev in events:
        conn = ev.get("connection", 1)
        ch = ev.get("channel")
        kind = ev.get("event")
        if kind == "channel-closed":
            last.pop((conn, ch), None)
        elif kind == "connection-closed":
            for key in [k for k in last if k[0] == conn]:
                del last[key]
        if kind != "confirm":
            out.append(ev)
            continue
        tag = ev["delivery_tag"]
        if ev.get("multiple"):
            prev = last.get((conn, ch), 0)
            if prev >= tag:
                prev = 0
            for t in range(prev + 1, tag + 1):
                e = dict(ev)
                e["delivery_tag"] = t
                e["multiple"] = False
                out.append(e)
        else:
            out.append(ev)
        last[(conn, ch)] = tag
    return out


def normalize(trace):
    """Canonical form of a trace (see the module doc)."""
    events = copy.deepcopy(trace.get("events", []))
    queues = copy.deepcopy(trace.get("queues", {}))

    # a. generated names, in walk order
    ren = _Renamer()
    ordered = sorted(range(len(events)), key=lambda i: (events[i].get("step", 0) or 0, i))
    for i in ordered:
        ev = events[i]
        for k in _event_fields_in_walk_order(ev):
            ren.see(ev[k])
    for name in sorted(queues):
        ren.see(name)
        ren.see(queues[name])
    events = [ren.apply(ev) for ev in events]
    queues = {ren.apply(k): ren.apply(v) for k, v in queues.items()}

    # b. x-death time
    for ev in events:
        _zero_xdeath_time(ev.get("properties"))
    for msgs in queues.values():
        for m in msgs:
            _zero_xdeath_time(m.get("properties"))

    # c. vhost in reply texts
    for ev in events:
        if isinstance(ev.get("reply_text"), str):
            ev["reply_text"] = VHOST_RE.sub("vhost '/'", ev["reply_text"])

    # d. confirms
    events = _expand_confirms(events)

    # e. grouping
    groups = {}
    for ev in events:
        key = "%s/%s" % (ev.get("connection", 1), ev.get("channel"))
        if ev.get("event") == "deliver":
            key += "/deliver/%s" % ev.get("consumer_tag")
        groups.setdefault(key, []).append(ev)
    return {"groups": dict(sorted(groups.items())),
            "queues": dict(sorted(queues.items()))}


def traces_equal(a, b):
    return normalize(a) == normalize(b)


def diff(a, b, name_a="run1", name_b="run2"):
    """A unified diff of the canonical forms ("" when equal)."""
    na = json.dumps(normalize(a), indent=1, sort_keys=True).splitlines()
    nb = json.dumps(normalize(b), indent=1, sort_keys=True).splitlines()
    if na == nb:
        return ""
    return "\n".join(difflib.unified_diff(na, nb, name_a, name_b, lineterm="", n=4))
