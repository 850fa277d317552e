#!/usr/bin/env python3
"""Record scenarios (docs/scenario.md) on a real RabbitMQ broker.

    record.py [--out DIR] [--runs N] SCENARIO.json...   record fixtures
    record.py --stdin                                   one scenario on stdin -> trace on stdout

The broker must be running (scripts/broker.sh start); conformance/record.sh
starts and stops it around a recording. See conformance/README.md.

The client is deliberately thin: pika (pinned in requirements.txt) provides
the AMQP 0-9-1 frame codec and method classes, but not its Channel or
Connection objects, which check and do things on their own (refuse a reused
consumer tag, reject deliveries for a cancelled consumer, hide
channel.close's class/method ids). This client sends exactly the frames the
steps say and records every frame the broker sends as it arrives.
"""

import argparse
import base64
import copy
import json
import os
import select
import socket
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import pika  # noqa: E402
from pika import frame as pframe  # noqa: E402
from pika import spec  # noqa: E402

import amqp_values as av  # noqa: E402
import normalize as norm  # noqa: E402

av.install()

HOST = "127.0.0.1"
AMQP_PORT = int(os.environ.get("WARREN_AMQP_PORT", "5673"))
MGMT_PORT = int(os.environ.get("WARREN_MGMT_PORT", "15673"))
USER = "guest"
PASSWORD = "guest"
# A step is over when no frame has arrived for QUIET seconds after its reply.
QUIET = float(os.environ.get("WARREN_QUIET_MS", "40")) / 1000.0
SETTLE_MAX = 3.0
RPC_TIMEOUT = 10.0
RABBITMQ_VERSION = None  # filled from connection.start server properties

PROPERTY_NAMES = ["content_type", "content_encoding", "headers", "delivery_mode",
                  "priority", "correlation_id", "reply_to", "expiration",
                  "message_id", "timestamp", "type", "user_id", "app_id", "cluster_id"]


class RecorderError(Exception):
    """The recorder could not run a step (bad scenario, broker not answering)."""


# ------------------------------------------------------------------ management API

class Mgmt:
    def __init__(self, port=MGMT_PORT):
        self.base = "http://%s:%d/api" % (HOST, port)
        self.auth = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()

    def call(self, method, path, body=None, ok=(200, 201, 204)):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": self.auth,
                                              "content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            if e.code in ok:
                return None
            raise RecorderError("HTTP %s %s -> %s %s" % (method, path, e.code, e.read()[:500]))

    @staticmethod
    def q(name):
        return urllib.parse.quote(name, safe="")

    def create_vhost(self, vhost):
        self.call("PUT", "/vhosts/" + self.q(vhost), {})
        self.call("PUT", "/permissions/%s/%s" % (self.q(vhost), USER),
                  {"configure": ".*", "write": ".*", "read": ".*"})

    def delete_vhost(self, vhost):
        self.call("DELETE", "/vhosts/" + self.q(vhost), ok=(200, 204, 404))

    def import_definitions(self, vhost, defs):
        self.call("POST", "/definitions/" + self.q(vhost), defs)

    def queues(self, vhost):
        cols = "name,exclusive,owner_pid_details,type"
        return self.call("GET", "/queues/%s?columns=%s" % (self.q(vhost), cols)) or []


# ------------------------------------------------------------------ connections

class Channel:
    def __init__(self, number):
        self.number = number
        self.state = "opening"     # opening | open | closing | closed
        self.pending = []          # sync RPCs awaiting a reply: [(reply classes, handler)]
        self.content = None        # (method, header props or None, size, [chunks], handler)


class Connection:
    def __init__(self, rec, key, vhost):
        self.rec = rec
        self.key = key
        self.vhost = vhost
        self.channels = {}
        self.buf = b""
        self.state = "closed"      # opening | open | closing | closed
        self.sock = None
        self.frame_max = 131072
        self.local_port = None

    # -- transport
    def open(self):
        self.sock = socket.create_connection((HOST, AMQP_PORT), timeout=RPC_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.local_port = self.sock.getsockname()[1]
        self.sock.setblocking(False)
        self.buf = b""
        self.channels = {}
        self.state = "opening"
        self.handshake = "start"
        self._send_raw(pframe.ProtocolHeader().marshal())
        self.rec.pump_until(lambda: self.state != "opening", RPC_TIMEOUT, "connection.open")
        if self.state != "open":
            raise RecorderError("connection %s could not be opened" % self.key)

    def _send_raw(self, data):
        self.sock.setblocking(True)
        try:
            self.sock.sendall(data)
        finally:
            self.sock.setblocking(False)

    def send_method(self, ch, method, props=None, body=None):
        data = pframe.Method(ch, method).marshal()
        if props is not None:
            data += pframe.Header(ch, len(body), props).marshal()
            step = self.frame_max - 8
            for i in range(0, len(body), step):
                data += pframe.Body(ch, body[i:i + step]).marshal()
        try:
            self._send_raw(data)
        except OSError:
            # the broker closed the socket (e.g. right after connection.close)
            pass

    def drop(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.state = "closed"
        for ch in self.channels.values():
            ch.state = "closed"
            ch.pending = []
            ch.content = None

    def on_readable(self):
        try:
            data = self.sock.recv(1 << 16)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data:
            self.drop()
            return True
        self.buf += data
        while self.sock is not None:
            used, fr = pframe.decode_frame(self.buf)
            if not used:
                break
            self.buf = self.buf[used:]
            self.on_frame(fr)
        return True

    # -- frames
    def on_frame(self, fr):
        if isinstance(fr, pframe.Heartbeat):
            return
        if fr.channel_number == 0:
            return self.on_connection_frame(fr)
        ch = self.channels.get(fr.channel_number)
        if ch is None or ch.state == "closed":
            raise RecorderError("frame for unknown channel %d: %r" % (fr.channel_number, fr))
        if isinstance(fr, pframe.Method):
            m = fr.method
            if isinstance(m, (spec.Basic.Deliver, spec.Basic.GetOk, spec.Basic.Return)):
                handler = None
                if isinstance(m, spec.Basic.GetOk):
                    handler = self._pop_pending(ch, m)
                ch.content = [m, None, 0, [], handler]
                return
            return self.on_channel_method(ch, m)
        if isinstance(fr, pframe.Header):
            ch.content[1] = fr.properties
            ch.content[2] = fr.body_size
        elif isinstance(fr, pframe.Body):
            ch.content[3].append(fr.fragment)
        if ch.content is not None and ch.content[1] is not None and \
                sum(len(c) for c in ch.content[3]) >= ch.content[2]:
            m, props, _, chunks, handler = ch.content
            ch.content = None
            self.on_content(ch, m, props, b"".join(chunks), handler)

    def on_connection_frame(self, fr):
        m = fr.method
        if isinstance(m, spec.Connection.Start):
            global RABBITMQ_VERSION
            v = m.server_properties.get("version") if isinstance(m.server_properties, av.Table) else None
            if v is not None:
                RABBITMQ_VERSION = v.value.decode() if isinstance(v.value, bytes) else v.value
            caps = av.Table([(k, av.Typed("bool", True)) for k in (
                "authentication_failure_close", "basic.nack", "connection.blocked",
                "consumer_cancel_notify", "exchange_exchange_bindings", "per_consumer_qos",
                "publisher_confirms")])
            props = av.Table([("product", av.Typed("longstr", "warren-conformance-recorder")),
                              ("version", av.Typed("longstr", pika.__version__)),
                              ("capabilities", av.Typed("table", caps))])
            self.send_method(0, spec.Connection.StartOk(
                client_properties=props, mechanism="PLAIN",
                response="\0%s\0%s" % (USER, PASSWORD), locale="en_US"))
        elif isinstance(m, spec.Connection.Tune):
            self.frame_max = min(m.frame_max or 131072, 131072)
            self.channel_max = m.channel_max or 2047
            self.send_method(0, spec.Connection.TuneOk(
                channel_max=self.channel_max, frame_max=self.frame_max, heartbeat=0))
            self.send_method(0, spec.Connection.Open(virtual_host=self.vhost))
        elif isinstance(m, spec.Connection.OpenOk):
            self.state = "open"
        elif isinstance(m, spec.Connection.Close):
            self.rec.emit(self.key, 0, "connection-closed", reply_code=m.reply_code,
                          reply_text=m.reply_text, class_id=m.class_id, method_id=m.method_id)
            self.send_method(0, spec.Connection.CloseOk())
            self.drop()
        elif isinstance(m, spec.Connection.CloseOk):
            self.drop()
        elif isinstance(m, (spec.Connection.Blocked, spec.Connection.Unblocked)):
            self.rec.warn("connection %s: %s" % (self.key, m.NAME))
        else:
            raise RecorderError("unexpected connection frame %r" % m)

    def _pop_pending(self, ch, m):
        if not ch.pending:
            raise RecorderError("unexpected reply %s on channel %d" % (m.NAME, ch.number))
        replies, handler = ch.pending[0]
        if not isinstance(m, replies):
            raise RecorderError("reply %s on channel %d, expected %s" % (
                m.NAME, ch.number, [r.NAME for r in replies]))
        ch.pending.pop(0)
        return handler

    def on_channel_method(self, ch, m):
        emit = self.rec.emit
        if isinstance(m, spec.Channel.Close):
            emit(self.key, ch.number, "channel-closed", reply_code=m.reply_code,
                 reply_text=m.reply_text, class_id=m.class_id, method_id=m.method_id)
            self.send_method(ch.number, spec.Channel.CloseOk())
            ch.state = "closed"
            ch.pending = []
            ch.content = None
        elif isinstance(m, spec.Channel.CloseOk):
            ch.state = "closed"
            ch.pending = []
        elif isinstance(m, spec.Channel.OpenOk):
            self._pop_pending(ch, m)
            ch.state = "open"
        elif isinstance(m, (spec.Basic.Ack, spec.Basic.Nack)):
            emit(self.key, ch.number, "confirm", delivery_tag=m.delivery_tag,
                 multiple=bool(m.multiple), ack=isinstance(m, spec.Basic.Ack))
        elif isinstance(m, spec.Basic.Cancel):
            emit(self.key, ch.number, "cancel", consumer_tag=m.consumer_tag)
        elif isinstance(m, spec.Channel.Flow):
            self.rec.warn("channel.flow from broker")
            self.send_method(ch.number, spec.Channel.FlowOk(active=m.active))
        else:
            handler = self._pop_pending(ch, m)
            if handler is not None:
                handler(m, None, None)

    def on_content(self, ch, m, props, body, handler):
        if isinstance(m, spec.Basic.GetOk):
            if handler is not None:
                handler(m, props, body)
            return
        fields = {}
        if isinstance(m, spec.Basic.Deliver):
            kind = "deliver"
            fields.update(consumer_tag=m.consumer_tag, delivery_tag=m.delivery_tag,
                          redelivered=bool(m.redelivered))
        else:
            kind = "return"
            fields.update(reply_code=m.reply_code, reply_text=m.reply_text)
        fields.update(exchange=m.exchange, routing_key=m.routing_key,
                      body=decode_body(body), properties=props_to_json(props))
        self.rec.emit(self.key, ch.number, kind, **fields)


def decode_body(body):
    return body.decode("utf-8", "replace")


def props_to_json(props):
    out = {}
    for name in PROPERTY_NAMES:
        v = getattr(props, name, None)
        if v is None:
            continue
        if name == "headers":
            v = av.table_to_json(v) if isinstance(v, av.Table) else v
        elif isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        out[name] = v
    return out


def props_from_json(j, subst):
    j = dict(j or {})
    unknown = set(j) - set(PROPERTY_NAMES)
    if unknown:
        raise RecorderError("unknown properties %s" % sorted(unknown))
    if "headers" in j:
        j["headers"] = av.table_from_json(subst(j["headers"]), "headers")
    return spec.BasicProperties(**j)


# ------------------------------------------------------------------ recorder

SYNC_REPLIES = {
    "exchange.declare": (spec.Exchange.DeclareOk,),
    "exchange.delete": (spec.Exchange.DeleteOk,),
    "exchange.bind": (spec.Exchange.BindOk,),
    "exchange.unbind": (spec.Exchange.UnbindOk,),
    "queue.declare": (spec.Queue.DeclareOk,),
    "queue.bind": (spec.Queue.BindOk,),
    "queue.unbind": (spec.Queue.UnbindOk,),
    "queue.purge": (spec.Queue.PurgeOk,),
    "queue.delete": (spec.Queue.DeleteOk,),
    "basic.qos": (spec.Basic.QosOk,),
    "basic.consume": (spec.Basic.ConsumeOk,),
    "basic.cancel": (spec.Basic.CancelOk,),
    "basic.get": (spec.Basic.GetOk, spec.Basic.GetEmpty),
    "basic.recover": (spec.Basic.RecoverOk,),
    "confirm.select": (spec.Confirm.SelectOk,),
    "tx.select": (spec.Tx.SelectOk,),
    "tx.commit": (spec.Tx.CommitOk,),
    "tx.rollback": (spec.Tx.RollbackOk,),
}

STEP_FIELDS = {
    "exchange.declare": {"exchange", "exchange_type", "passive", "durable", "auto_delete", "internal", "arguments"},
    "exchange.delete": {"exchange", "if_unused"},
    "exchange.bind": {"destination", "source", "routing_key", "arguments"},
    "exchange.unbind": {"destination", "source", "routing_key", "arguments"},
    "queue.declare": {"queue", "passive", "durable", "exclusive", "auto_delete", "arguments", "as"},
    "queue.bind": {"queue", "exchange", "routing_key", "arguments"},
    "queue.unbind": {"queue", "exchange", "routing_key", "arguments"},
    "queue.purge": {"queue"},
    "queue.delete": {"queue", "if_unused", "if_empty"},
    "basic.qos": {"prefetch_size", "prefetch_count", "global_qos"},
    "basic.consume": {"queue", "consumer_tag", "auto_ack", "exclusive", "arguments"},
    "basic.cancel": {"consumer_tag"},
    "basic.publish": {"exchange", "routing_key", "body", "properties", "mandatory", "immediate"},
    "basic.get": {"queue", "auto_ack"},
    "basic.ack": {"delivery_tag", "multiple"},
    "basic.nack": {"delivery_tag", "multiple", "requeue"},
    "basic.reject": {"delivery_tag", "requeue"},
    "basic.recover": {"requeue"},
    "confirm.select": set(),
    "tx.select": set(),
    "tx.commit": set(),
    "tx.rollback": set(),
    "channel.open": set(),
    "channel.close": set(),
    "connection.close": set(),
    "wait": {"ms"},
}
COMMON_FIELDS = {"op", "channel", "connection", "comment"}


def validate_scenario(sc):
    if not isinstance(sc.get("steps"), list):
        raise RecorderError("scenario has no steps array")
    for i, st in enumerate(sc["steps"]):
        op = st.get("op")
        if op not in STEP_FIELDS:
            raise RecorderError("step %d: unknown op %r" % (i, op))
        extra = set(st) - STEP_FIELDS[op] - COMMON_FIELDS
        if extra:
            raise RecorderError("step %d (%s): unknown fields %s" % (i, op, sorted(extra)))


class Recorder:
    def __init__(self, mgmt, log=None, vhost=None):
        self.mgmt = mgmt
        self.vhost_name = vhost or os.environ.get("WARREN_VHOST", "w")
        if len(self.vhost_name.encode("utf-8")) != 1:
            raise RecorderError("the recording vhost name must be one byte long (like '/')")
        self.log = log or (lambda msg: print(msg, file=sys.stderr))
        self.seq = 0

    def warn(self, msg):
        self.log("warning: %s" % msg)

    # -- event loop
    def emit(self, conn, ch, event, **fields):
        ev = {"step": self.step}
        if conn != 1:
            ev["connection"] = conn
        ev["channel"] = ch
        ev["event"] = event
        ev.update(fields)
        if self.sink is not None:
            self.sink(ev)
        else:
            self.events.append(ev)
        self.last_frame = time.monotonic()

    def pump(self, timeout):
        """Wait up to timeout for frames and process them. True if any arrived."""
        socks = {c.sock: c for c in self.conns.values() if c.sock is not None}
        if not socks:
            time.sleep(max(0.0, timeout))
            return False
        r, _, _ = select.select(list(socks), [], [], max(0.0, timeout))
        got = False
        for s in r:
            if socks[s].on_readable():
                got = True
        if got:
            self.last_frame = time.monotonic()
        return got

    def pump_until(self, cond, timeout, what):
        deadline = time.monotonic() + timeout
        while not cond():
            left = deadline - time.monotonic()
            if left <= 0:
                raise RecorderError("timed out waiting for %s" % what)
            self.pump(min(left, 0.05))

    def pump_for(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.pump(left)

    def settle(self):
        """Process frames until none has arrived for QUIET seconds."""
        start = time.monotonic()
        self.last_frame = max(self.last_frame, start)
        while True:
            now = time.monotonic()
            idle_left = self.last_frame + QUIET - now
            if idle_left <= 0:
                return
            if now - start > SETTLE_MAX:
                self.warn("step %s: frames kept arriving for %.1fs" % (self.step, SETTLE_MAX))
                return
            self.pump(idle_left)

    # -- connections and channels
    def connection(self, key):
        c = self.conns.get(key)
        if c is None:
            c = self.conns[key] = Connection(self, key, self.vhost)
        if c.state != "open":
            c.open()
        return c

    def channel(self, conn, number):
        ch = conn.channels.get(number)
        if ch is not None and ch.state == "open":
            return ch
        ch = conn.channels[number] = Channel(number)
        ch.pending.append(((spec.Channel.OpenOk,), None))
        conn.send_method(number, spec.Channel.Open())
        self.pump_until(lambda: ch.state != "opening" or conn.state != "open",
                        RPC_TIMEOUT, "channel.open")
        if ch.state != "open":
            raise RecorderError("channel %d could not be opened" % number)
        return ch

    def rpc(self, conn, ch, method, replies, handler, what):
        ch.pending.append((replies, handler))
        entry = ch.pending[-1]
        conn.send_method(ch.number, method)
        self.pump_until(lambda: entry not in ch.pending or ch.state != "open" or conn.state != "open",
                        RPC_TIMEOUT, what)

    def round_trip(self, conn, ch):
        """A reply-bearing method with no effect, to know the channel has processed what came before."""
        if conn.state == "open" and ch.state == "open":
            self.rpc(conn, ch, spec.Exchange.Declare(exchange="amq.direct", type="direct", passive=True),
                     (spec.Exchange.DeclareOk,), None, "round trip")

    # -- scenario
    def subst(self, value):
        """Replace server-named queue aliases ("$name") by the real names."""
        if isinstance(value, str):
            return self.aliases.get(value, value)
        if isinstance(value, list):
            return [self.subst(x) for x in value]
        if isinstance(value, dict):
            return {k: self.subst(v) for k, v in value.items()}
        return value

    def run(self, scenario):
        """Run one scenario in a fresh vhost and return its trace."""
        validate_scenario(scenario)
        self.seq += 1
        # A one-character vhost name: reply texts quote the vhost, and RabbitMQ
        # truncates reply texts to 255 bytes, so only a name as long as "/"
        # yields texts that normalise (vhost 'w' -> '/') to exactly what a
        # broker says in vhost "/". The vhost is deleted and created afresh
        # for every run.
        self.vhost = self.vhost_name
        self.conns = {}
        self.events = []
        self.aliases = {}
        self.exclusive_owner = {}
        self.sink = None
        self.step = None
        self.last_frame = time.monotonic()
        self.mgmt.delete_vhost(self.vhost)   # leftovers of an interrupted run
        self.mgmt.create_vhost(self.vhost)
        try:
            if scenario.get("definitions"):
                self.load_definitions(scenario["definitions"])
            for i, st in enumerate(scenario["steps"]):
                self.step = i
                self.run_step(st)
                self.settle()
            # Draining and closing are not steps: what the broker sends then
            # (e.g. requeued messages redelivered to another connection's
            # consumer when connection 1 closes) is not part of the trace.
            self.step = len(scenario["steps"])
            late = []
            self.sink = late.append
            queues = self.drain()
            if late:
                self.warn("ignored %d event(s) that arrived while draining: %s" % (
                    len(late), json.dumps(late)[:500]))
        finally:
            self.sink = lambda ev: None
            for c in self.conns.values():
                if c.state == "open":
                    try:
                        c.send_method(0, spec.Connection.Close(reply_code=200, reply_text="bye",
                                                               class_id=0, method_id=0))
                        self.pump_until(lambda: c.state != "open", 2.0, "connection.close")
                    except RecorderError:
                        pass
                c.drop()
            self.mgmt.delete_vhost(self.vhost)
        return {"scenario": scenario.get("name"), "events": self.events, "queues": queues}

    def load_definitions(self, defs):
        defs = copy.deepcopy(defs)
        first = None
        if defs.get("vhosts"):
            first = defs["vhosts"][0].get("name")
        out = {}
        for key in ("exchanges", "queues", "bindings", "policies"):
            items = []
            for obj in defs.get(key, []):
                vh = obj.get("vhost")
                if first is not None and vh is not None and vh != first:
                    self.warn("definitions: %s %r in vhost %r ignored" % (key, obj.get("name"), vh))
                    continue
                obj = dict(obj)
                obj["vhost"] = self.vhost
                items.append(obj)
            out[key] = items
        self.mgmt.import_definitions(self.vhost, out)

    def run_step(self, st):
        op = st["op"]
        key = st.get("connection", 1)
        number = st.get("channel", 1)
        if op == "wait":
            self.pump_for(st.get("ms", 0) / 1000.0)
            return
        if op == "connection.close":
            c = self.conns.get(key)
            if c is not None and c.state == "open":
                c.send_method(0, spec.Connection.Close(reply_code=200, reply_text="Goodbye",
                                                       class_id=0, method_id=0))
                c.state = "closing"
                self.pump_until(lambda: c.state == "closed", RPC_TIMEOUT, "connection.close-ok")
            return
        if op == "channel.close":
            c = self.conns.get(key)
            ch = c.channels.get(number) if c is not None and c.state == "open" else None
            if ch is not None and ch.state == "open":
                ch.state = "closing"
                c.send_method(number, spec.Channel.Close(reply_code=200, reply_text="Goodbye",
                                                         class_id=0, method_id=0))
                self.pump_until(lambda: ch.state == "closed" or c.state != "open",
                                RPC_TIMEOUT, "channel.close-ok")
            return
        conn = self.connection(key)
        ch = self.channel(conn, number)
        if op == "channel.open":
            return
        g = lambda name, default=None: self.subst(st.get(name, default))  # noqa: E731
        # Method arguments go out in key order: Warren reads a scenario's
        # tables as JSON objects, whose keys it keeps sorted, and RabbitMQ
        # reports the first refused argument in the order it received them.
        args = lambda: av.table_from_json(dict(sorted((g("arguments", {}) or {}).items())), "arguments")  # noqa: E731
        emit = lambda event, **f: self.emit(key, number, event, **f)  # noqa: E731
        handler = None
        if op == "exchange.declare":
            m = spec.Exchange.Declare(exchange=g("exchange", ""), type=g("exchange_type", "direct"),
                                      passive=g("passive", False), durable=g("durable", False),
                                      auto_delete=g("auto_delete", False), internal=g("internal", False),
                                      arguments=args())
            handler = lambda m, p, b: emit("declare-ok")  # noqa: E731
        elif op == "exchange.delete":
            m = spec.Exchange.Delete(exchange=g("exchange", ""), if_unused=g("if_unused", False))
            handler = lambda m, p, b: emit("delete-ok")  # noqa: E731
        elif op in ("exchange.bind", "exchange.unbind"):
            cls = spec.Exchange.Bind if op == "exchange.bind" else spec.Exchange.Unbind
            m = cls(destination=g("destination", ""), source=g("source", ""),
                    routing_key=g("routing_key", ""), arguments=args())
        elif op == "queue.declare":
            m = spec.Queue.Declare(queue=g("queue", ""), passive=g("passive", False),
                                   durable=g("durable", False), exclusive=g("exclusive", False),
                                   auto_delete=g("auto_delete", False), arguments=args())
            alias = st.get("as")
            exclusive = g("exclusive", False)

            def handler(m, p, b, alias=alias, exclusive=exclusive):
                if alias:
                    self.aliases[alias] = m.queue
                if exclusive:
                    self.exclusive_owner[m.queue] = key
                emit("declare-ok", queue=m.queue, message_count=m.message_count,
                     consumer_count=m.consumer_count)
        elif op in ("queue.bind", "queue.unbind"):
            if op == "queue.bind":
                m = spec.Queue.Bind(queue=g("queue", ""), exchange=g("exchange", ""),
                                    routing_key=g("routing_key", ""), arguments=args())
            else:
                m = spec.Queue.Unbind(queue=g("queue", ""), exchange=g("exchange", ""),
                                      routing_key=g("routing_key", ""), arguments=args())
        elif op == "queue.purge":
            m = spec.Queue.Purge(queue=g("queue", ""))
            handler = lambda m, p, b: emit("purge-ok", message_count=m.message_count)  # noqa: E731
        elif op == "queue.delete":
            m = spec.Queue.Delete(queue=g("queue", ""), if_unused=g("if_unused", False),
                                  if_empty=g("if_empty", False))
            handler = lambda m, p, b: emit("delete-ok", message_count=m.message_count)  # noqa: E731
        elif op == "basic.qos":
            m = spec.Basic.Qos(prefetch_size=g("prefetch_size", 0), prefetch_count=g("prefetch_count", 0),
                               global_qos=g("global_qos", False))
        elif op == "basic.consume":
            m = spec.Basic.Consume(queue=g("queue", ""), consumer_tag=g("consumer_tag", ""),
                                   no_ack=g("auto_ack", False), exclusive=g("exclusive", False),
                                   arguments=args())
            handler = lambda m, p, b: emit("consume-ok", consumer_tag=m.consumer_tag)  # noqa: E731
        elif op == "basic.cancel":
            m = spec.Basic.Cancel(consumer_tag=g("consumer_tag", ""))
        elif op == "basic.get":
            m = spec.Basic.Get(queue=g("queue", ""), no_ack=g("auto_ack", False))

            def handler(m, p, b):
                if isinstance(m, spec.Basic.GetEmpty):
                    emit("get-empty")
                else:
                    emit("get-ok", delivery_tag=m.delivery_tag, redelivered=bool(m.redelivered),
                         exchange=m.exchange, routing_key=m.routing_key,
                         message_count=m.message_count, body=decode_body(b),
                         properties=props_to_json(p))
        elif op == "basic.recover":
            m = spec.Basic.Recover(requeue=g("requeue", True))
        elif op == "confirm.select":
            m = spec.Confirm.Select()
        elif op == "tx.select":
            m = spec.Tx.Select()
        elif op == "tx.commit":
            m = spec.Tx.Commit()
        elif op == "tx.rollback":
            m = spec.Tx.Rollback()
        elif op == "basic.publish":
            body = g("body", "")
            if not isinstance(body, str):
                raise RecorderError("basic.publish body must be a string")
            props = props_from_json(g("properties", {}), self.subst)
            m = spec.Basic.Publish(exchange=g("exchange", ""), routing_key=g("routing_key", ""),
                                   mandatory=g("mandatory", False), immediate=g("immediate", False))
            conn.send_method(number, m, props, body.encode("utf-8"))
            self.round_trip(conn, ch)
            return
        elif op == "basic.ack":
            conn.send_method(number, spec.Basic.Ack(delivery_tag=g("delivery_tag", 0),
                                                    multiple=g("multiple", False)))
            self.round_trip(conn, ch)
            return
        elif op == "basic.nack":
            conn.send_method(number, spec.Basic.Nack(delivery_tag=g("delivery_tag", 0),
                                                     multiple=g("multiple", False),
                                                     requeue=g("requeue", True)))
            self.round_trip(conn, ch)
            return
        elif op == "basic.reject":
            conn.send_method(number, spec.Basic.Reject(delivery_tag=g("delivery_tag", 0),
                                                       requeue=g("requeue", True)))
            self.round_trip(conn, ch)
            return
        else:
            raise RecorderError("op %r not implemented" % op)
        self.rpc(conn, ch, m, SYNC_REPLIES[op], handler, op)

    # -- final state
    def drain(self):
        """Every queue's ready messages, read with basic.get (auto-ack) in name order."""
        queues = {}
        by_port = {c.local_port: c.key for c in self.conns.values() if c.state == "open"}
        listed = sorted(self.mgmt.queues(self.vhost), key=lambda q: q["name"].encode("utf-8"))
        for q in listed:
            name = q["name"]
            key = 1
            if q.get("exclusive"):
                owner = q.get("owner_pid_details") or {}
                key = by_port.get(owner.get("peer_port"), self.exclusive_owner.get(name, 1))
            conn = self.connection(key)
            if q.get("type") == "stream":
                queues[name] = self.read_stream(conn, name)
                continue
            number = max(list(conn.channels) + [0]) + 1
            ch = self.channel(conn, number)
            msgs = []
            while True:
                got = []

                def handler(m, p, b):
                    got.append((m, p, b))

                self.rpc(conn, ch, spec.Basic.Get(queue=name, no_ack=True),
                         SYNC_REPLIES["basic.get"], handler, "drain basic.get")
                if ch.state != "open" or not got:
                    # A quorum queue with a single active consumer refuses
                    # basic.get; such a queue is recorded only when it ends
                    # empty (a passive declare counts its messages).
                    self.expect_empty(conn, name)
                    break
                m, p, b = got[0]
                if isinstance(m, spec.Basic.GetEmpty):
                    break
                msgs.append({"body": decode_body(b), "redelivered": bool(m.redelivered),
                             "exchange": m.exchange, "routing_key": m.routing_key,
                             "properties": props_to_json(p)})
            queues[name] = msgs
        return queues

    def read_stream(self, conn, name):
        """A stream's whole log: consumed from its first offset (a stream
        refuses basic.get and keeps what is consumed), each message with
        the x-stream-offset header it is delivered with."""
        number = max(list(conn.channels) + [0]) + 1
        ch = self.channel(conn, number)
        self.rpc(conn, ch, spec.Basic.Qos(prefetch_count=1000), (spec.Basic.QosOk,), None, "drain qos")
        got = []
        outer, self.sink = self.sink, got.append
        try:
            args = av.table_from_json({"x-stream-offset": "first"})
            self.rpc(conn, ch, spec.Basic.Consume(queue=name, consumer_tag="warren-drain", arguments=args),
                     (spec.Basic.ConsumeOk,), None, "drain consume")
            if ch.state != "open":
                raise RecorderError("reading stream %r failed (channel closed)" % name)
            quiet_since = time.monotonic()
            seen = 0
            while time.monotonic() - quiet_since < 0.5:
                self.pump(0.05)
                if len(got) != seen:
                    seen, quiet_since = len(got), time.monotonic()
        finally:
            self.sink = outer
        msgs = []
        for ev in got:
            if ev.get("event") != "deliver" or ev.get("consumer_tag") != "warren-drain":
                outer(ev)
                continue
            conn.send_method(number, spec.Basic.Ack(delivery_tag=ev["delivery_tag"]))
            msgs.append({k: ev[k] for k in ("body", "redelivered", "exchange", "routing_key", "properties")})
        return msgs

    def expect_empty(self, conn, name):
        """Fails unless the queue `name` holds no message (for queues basic.get cannot drain)."""
        number = max(list(conn.channels) + [0]) + 1
        ch = self.channel(conn, number)
        counts = []

        def handler(m, p, b):
            counts.append(m.message_count)

        self.rpc(conn, ch, spec.Queue.Declare(queue=name, passive=True),
                 (spec.Queue.DeclareOk,), handler, "drain passive declare")
        if ch.state != "open" or counts != [0]:
            raise RecorderError("cannot drain %r with basic.get and it is not empty (%s): end the "
                                "scenario with that queue empty" % (name, counts or "channel closed"))


# ------------------------------------------------------------------ CLI

def load_scenario(path):
    with open(path, encoding="utf-8") as f:
        sc = json.load(f)
    sc.setdefault("name", os.path.splitext(os.path.basename(path))[0])
    return sc


def record_fixture(rec, sc, runs):
    traces = []
    t0 = time.monotonic()
    for _ in range(runs):
        traces.append(rec.run(sc))
    elapsed = time.monotonic() - t0
    fixture = {"scenario": sc, "trace": traces[0],
               "recorded_with": {"rabbitmq": RABBITMQ_VERSION or "unknown", "pika": pika.__version__,
                                 "runs": runs}}
    diffs = [norm.diff(traces[0], t, "run1", "run%d" % (i + 1)) for i, t in enumerate(traces[1:], 1)]
    diffs = [d for d in diffs if d]
    if diffs:
        fixture["nondeterministic"] = True
        fixture["diff"] = "\n".join(diffs)
        fixture["other_traces"] = traces[1:]
    return fixture, elapsed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*", help="scenario files")
    ap.add_argument("--stdin", action="store_true",
                    help="read one scenario from stdin, write its trace (one run) to stdout")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "tests", "fixtures", "conformance"))
    ap.add_argument("--runs", type=int, default=2, help="recordings per scenario (default 2)")
    ap.add_argument("--vhost", help="one-character vhost to record in, deleted and created afresh "
                    "for each run (default: $WARREN_VHOST or 'w'); concurrent recorders need distinct ones")
    opts = ap.parse_args(argv)
    rec = Recorder(Mgmt(), vhost=opts.vhost)

    if opts.stdin:
        sc = json.load(sys.stdin)
        sc.setdefault("name", "stdin")
        try:
            trace = rec.run(sc)
        except RecorderError as e:
            print(json.dumps({"error": str(e)}))
            return 2
        json.dump(trace, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0

    if not opts.scenarios:
        ap.error("no scenario files given")
    os.makedirs(opts.out, exist_ok=True)
    failed, flaky = [], []
    t_all = time.monotonic()
    for path in opts.scenarios:
        sc = load_scenario(path)
        name = sc["name"]
        try:
            fixture, elapsed = record_fixture(rec, sc, opts.runs)
        except RecorderError as e:
            print("FAIL %-45s %s" % (name, e), file=sys.stderr)
            failed.append(name)
            continue
        out = os.path.join(opts.out, name + ".json")
        with open(out, "w", encoding="utf-8") as f:
            json.dump(fixture, f, indent=1, ensure_ascii=False)
            f.write("\n")
        mark = "ok  "
        if fixture.get("nondeterministic"):
            mark = "NONDETERMINISTIC"
            flaky.append(name)
        print("%s %-45s %3d events %5.2fs" % (mark, name, len(fixture["trace"]["events"]), elapsed))
        if fixture.get("nondeterministic"):
            print(fixture["diff"])
    print("%d scenarios, %d failed, %d nondeterministic, %.1fs" % (
        len(opts.scenarios), len(failed), len(flaky), time.monotonic() - t_all))
    for n in failed:
        print("failed: %s" % n)
    for n in flaky:
        print("nondeterministic: %s" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
