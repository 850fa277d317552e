#!/usr/bin/env python3
"""Writes fuzz/dict/{scenario,definitions}.dict: JSON tokens, the names
Warren reads, and every key and short string of the seed files (examples,
conformance scenarios, test definitions). Run from fuzz/: python3 dict/gen.py"""
import glob
import json

COMMON = ['{', '}', '[', ']', ':', ',', '""', 'null', 'true', 'false', '0', '-1', '1e999',
          '0.5', '-0.0', '18446744073709551616', '"\\u0000"', '"\\ud800"', '"$q"', '"$"']
SCENARIO = """name description definitions steps actors layout $schema op connection channel as ms
exchange.declare exchange.delete exchange.bind exchange.unbind queue.declare queue.bind
queue.unbind queue.purge queue.delete basic.qos basic.consume basic.cancel basic.publish
basic.get basic.ack basic.nack basic.reject basic.recover confirm.select channel.open
channel.close connection.close wait exchange exchange_type passive durable auto_delete
internal arguments if_unused destination source routing_key queue exclusive if_empty
prefetch_size prefetch_count global_qos consumer_tag auto_ack body properties mandatory
immediate delivery_tag multiple requeue content_type content_encoding headers delivery_mode
priority correlation_id reply_to expiration message_id timestamp type user_id app_id
cluster_id producers consumers more_routing_keys rate_per_sec count start_ms confirm
prefetch processing_ms jitter_ms policy crash_after fail_every start ack nack-requeue
nack-drop reject-requeue reject-drop crash {n} {name} {time}""".split()
SHARED = """direct fanout topic headers amq.direct amq.fanout amq.topic amq.headers amq.match
amq.rabbitmq.trace amq.gen- $type value bool byte unsignedbyte short unsignedshort signedint
unsignedint long timestamp float double decimal longstr binary bytes table array void scale
x-message-ttl x-expires x-max-length x-max-length-bytes x-overflow x-dead-letter-exchange
x-dead-letter-routing-key x-max-priority x-single-active-consumer x-queue-type x-queue-mode
alternate-exchange x-match x-priority x-death CC BCC drop-head reject-publish
reject-publish-dlx all any all-with-x any-with-x classic quorum stream lazy # * a.# *.b""".split()
DEFINITIONS = """rabbit_version rabbitmq_version product_name product_version users vhosts
permissions topic_permissions parameters global_parameters policies queues exchanges bindings
name vhost type durable auto_delete internal arguments source destination destination_type
routing_key pattern apply-to definition priority queue exchange exchanges queues message-ttl
expires max-length max-length-bytes overflow dead-letter-exchange dead-letter-routing-key
ha-mode queue-mode""".split()


def seeds():
    found = set()

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                found.add(k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and 0 < len(v) <= 24:
            found.add(v)

    for path in sorted(glob.glob('../examples/*.json') + glob.glob('../conformance/scenarios/*.json')
                       + glob.glob('../tests/data/definitions/*.json')):
        try:
            with open(path, encoding='utf-8') as f:
                walk(json.load(f))
        except ValueError:
            pass  # broken-syntax.json
    return found


def entry(token):
    out = []
    for b in token.encode('utf-8'):
        c = chr(b)
        if c in '"\\':
            out.append('\\' + c)
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append('\\x%02X' % b)
    return '"' + ''.join(out) + '"'


def write(path, names):
    tokens = COMMON + [json.dumps(n, ensure_ascii=False) for n in sorted(set(names))]
    with open(path, 'w', encoding='utf-8') as f:
        f.write('# libFuzzer dictionary, written by dict/gen.py (see docs/fuzzing.md).\n')
        for t in dict.fromkeys(tokens):
            f.write(entry(t) + '\n')


found = seeds()
write('dict/scenario.dict', SCENARIO + SHARED + sorted(found))
write('dict/definitions.dict', DEFINITIONS + SHARED + sorted(found))
