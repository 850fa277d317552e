"""AMQP 0-9-1 field values with their wire types kept, in RabbitMQ's encoding.

pika's own table codec loses the type of every value it decodes (and decodes
`b`/`B` and `f`/`d` wrongly), and encodes only what a Python type suggests.
The recorder needs both directions exactly, so this module holds a typed
codec and the JSON form of docs/scenario.md ("Values"):

    string -> longstr, integer -> signedint if it fits in 32 bits else long,
    fraction -> double, bool -> bool, array -> array, object -> table,
    null -> void, {"$type": T, "value": V} -> any other type.

A decoded value is a `Typed(type, value)`; a table is a `Table` (an ordered
list of (key, Typed) pairs, so duplicate keys and key order survive).

`install()` makes pika use this codec for field tables (method arguments and
message headers); plain dicts passed to pika still use pika's encoder.
"""

import struct

import pika.data

# RabbitMQ's type letters (rabbit_common rabbit_binary_parser / _generator).
TYPE_TO_CODE = {
    "longstr": b"S", "signedint": b"I", "decimal": b"D", "timestamp": b"T",
    "table": b"F", "array": b"A", "byte": b"b", "unsignedbyte": b"B",
    "short": b"s", "unsignedshort": b"u", "unsignedint": b"i", "long": b"l",
    "double": b"d", "float": b"f", "bool": b"t", "binary": b"x", "void": b"V",
}
CODE_TO_TYPE = {v: k for k, v in TYPE_TO_CODE.items()}

INT_RANGES = {
    "byte": (-2**7, 2**7 - 1), "unsignedbyte": (0, 2**8 - 1),
    "short": (-2**15, 2**15 - 1), "unsignedshort": (0, 2**16 - 1),
    "signedint": (-2**31, 2**31 - 1), "unsignedint": (0, 2**32 - 1),
    "long": (-2**63, 2**63 - 1), "timestamp": (0, 2**64 - 1),
}
INT_FORMATS = {
    "byte": ">b", "unsignedbyte": ">B", "short": ">h", "unsignedshort": ">H",
    "signedint": ">i", "unsignedint": ">I", "long": ">q", "timestamp": ">Q",
}


class Typed:
    """One field value: its AMQP type name and a Python value.

    value is: bool for bool; int for the integer types and timestamp; float
    for float/double; (scale, value) for decimal; str for longstr (bytes if
    not UTF-8); bytes for binary; Table for table; list of Typed for array;
    None for void.
    """

    __slots__ = ("type", "value")

    def __init__(self, type_, value):
        self.type = type_
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Typed) and (self.type, self.value) == (other.type, other.value)

    def __repr__(self):
        return "Typed(%r, %r)" % (self.type, self.value)


class Table:
    """An AMQP field table: ordered (key, Typed) pairs."""

    __slots__ = ("items",)

    def __init__(self, items=None):
        self.items = list(items or [])

    def get(self, key, default=None):
        for k, v in self.items:
            if k == key:
                return v
        return default

    def __eq__(self, other):
        return isinstance(other, Table) and self.items == other.items

    def __repr__(self):
        return "Table(%r)" % (self.items,)

    def __bool__(self):
        return bool(self.items)


# ---------------------------------------------------------------- JSON <-> typed

def from_json(j, where="value"):
    """The typed value a JSON value stands for (docs/scenario.md "Values")."""
    if j is None:
        return Typed("void", None)
    if isinstance(j, bool):
        return Typed("bool", j)
    if isinstance(j, int):
        if -2**31 <= j < 2**31:
            return Typed("signedint", j)
        if -2**63 <= j < 2**63:
            return Typed("long", j)
        raise ValueError("%s: integer %d does not fit in a signed 64-bit long" % (where, j))
    if isinstance(j, float):
        return Typed("double", j)
    if isinstance(j, str):
        return Typed("longstr", j)
    if isinstance(j, list):
        return Typed("array", [from_json(x, "%s[%d]" % (where, i)) for i, x in enumerate(j)])
    if isinstance(j, dict):
        if "$type" in j:
            return _typed_from_json(j["$type"], j.get("value"), where)
        return Typed("table", table_from_json(j, where))
    raise ValueError("%s: unsupported JSON value %r" % (where, j))


def _typed_from_json(ty, v, where):
    if ty in INT_RANGES:
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError("%s: value of a %s must be an integer" % (where, ty))
        lo, hi = INT_RANGES[ty]
        if not lo <= v <= hi:
            raise ValueError("%s: %d out of range for %s" % (where, v, ty))
        return Typed(ty, v)
    if ty == "bool":
        if not isinstance(v, bool):
            raise ValueError("%s: value of a bool must be true or false" % where)
        return Typed("bool", v)
    if ty in ("float", "double"):
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise ValueError("%s: value of a %s must be a number" % (where, ty))
        return Typed(ty, float(v))
    if ty == "decimal":
        if not isinstance(v, dict):
            raise ValueError('%s: value of a decimal must be {"scale": u8, "value": u32}' % where)
        return Typed("decimal", (int(v.get("scale", 0)), int(v.get("value", 0))))
    if ty == "longstr":
        if not isinstance(v, str):
            raise ValueError("%s: value of a longstr must be a string" % where)
        return Typed("longstr", v)
    if ty in ("binary", "bytes"):
        if not isinstance(v, str):
            raise ValueError("%s: value of a binary must be a string" % where)
        return Typed("binary", v.encode("utf-8"))
    if ty == "table":
        return Typed("table", table_from_json(v if v is not None else {}, where))
    if ty == "array":
        if not isinstance(v, list):
            raise ValueError("%s: value of an array must be an array" % where)
        return from_json(v, where)
    if ty == "void":
        return Typed("void", None)
    raise ValueError("%s: unknown $type %r" % (where, ty))


def table_from_json(j, where="table"):
    if j is None:
        return Table()
    if not isinstance(j, dict):
        raise ValueError("%s: a field table must be a JSON object" % where)
    return Table((k, from_json(v, "%s.%s" % (where, k))) for k, v in j.items())


def _typed_json(ty, value):
    return {"$type": ty, "value": value}


def to_json(t):
    """The JSON form of a typed value; the inverse of from_json."""
    ty, v = t.type, t.value
    if ty == "bool":
        return v
    if ty == "signedint":
        return v
    if ty == "long":
        return v if not -2**31 <= v < 2**31 else _typed_json("long", v)
    if ty in ("byte", "unsignedbyte", "short", "unsignedshort", "unsignedint", "timestamp"):
        return _typed_json(ty, v)
    if ty == "double":
        return v
    if ty == "float":
        return _typed_json("float", v)
    if ty == "decimal":
        return _typed_json("decimal", {"scale": v[0], "value": v[1]})
    if ty == "longstr":
        if isinstance(v, bytes):
            return v.decode("utf-8", "replace")
        return v
    if ty == "binary":
        return _typed_json("binary", v.decode("utf-8", "replace"))
    if ty == "table":
        return table_to_json(v)
    if ty == "array":
        return [to_json(x) for x in v]
    if ty == "void":
        return None
    raise ValueError("unknown type %r" % ty)


def table_to_json(table):
    return {k: to_json(v) for k, v in table.items}


# ---------------------------------------------------------------- wire codec

def encode_value(pieces, t):
    ty, v = t.type, t.value
    code = TYPE_TO_CODE[ty]
    if ty in INT_FORMATS:
        pieces.append(code + struct.pack(INT_FORMATS[ty], v))
    elif ty == "bool":
        pieces.append(code + struct.pack(">B", 1 if v else 0))
    elif ty == "double":
        pieces.append(code + struct.pack(">d", v))
    elif ty == "float":
        pieces.append(code + struct.pack(">f", v))
    elif ty == "decimal":
        pieces.append(code + struct.pack(">BI", v[0], v[1]))
    elif ty in ("longstr", "binary"):
        raw = v.encode("utf-8") if isinstance(v, str) else v
        pieces.append(code + struct.pack(">I", len(raw)) + raw)
    elif ty == "table":
        pieces.append(code)
        encode_table(pieces, v)
    elif ty == "array":
        sub = []
        for x in v:
            encode_value(sub, x)
        raw = b"".join(sub)
        pieces.append(code + struct.pack(">I", len(raw)) + raw)
    elif ty == "void":
        pieces.append(code)
    else:
        raise ValueError("unknown type %r" % ty)


def encode_table(pieces, table):
    sub = []
    for k, v in table.items:
        key = k.encode("utf-8")
        sub.append(struct.pack(">B", len(key)) + key)
        encode_value(sub, v)
    raw = b"".join(sub)
    pieces.append(struct.pack(">I", len(raw)) + raw)
    return 4 + len(raw)


def decode_value(buf, off):
    code = buf[off:off + 1]
    off += 1
    ty = CODE_TO_TYPE.get(code)
    if ty is None:
        raise ValueError("unknown field type %r" % code)
    if ty in INT_FORMATS:
        fmt = INT_FORMATS[ty]
        v = struct.unpack_from(fmt, buf, off)[0]
        return Typed(ty, v), off + struct.calcsize(fmt)
    if ty == "bool":
        return Typed(ty, buf[off] != 0), off + 1
    if ty == "double":
        return Typed(ty, struct.unpack_from(">d", buf, off)[0]), off + 8
    if ty == "float":
        return Typed(ty, struct.unpack_from(">f", buf, off)[0]), off + 4
    if ty == "decimal":
        scale, v = struct.unpack_from(">BI", buf, off)
        return Typed(ty, (scale, v)), off + 5
    if ty in ("longstr", "binary"):
        n = struct.unpack_from(">I", buf, off)[0]
        raw = bytes(buf[off + 4:off + 4 + n])
        if ty == "longstr":
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
        return Typed(ty, raw), off + 4 + n
    if ty == "table":
        t, off = decode_table(buf, off)
        return Typed(ty, t), off
    if ty == "array":
        n = struct.unpack_from(">I", buf, off)[0]
        end = off + 4 + n
        off += 4
        items = []
        while off < end:
            x, off = decode_value(buf, off)
            items.append(x)
        return Typed(ty, items), end
    return Typed("void", None), off


def decode_table(buf, off):
    n = struct.unpack_from(">I", buf, off)[0]
    end = off + 4 + n
    off += 4
    items = []
    while off < end:
        klen = buf[off]
        key = bytes(buf[off + 1:off + 1 + klen]).decode("utf-8", "replace")
        off += 1 + klen
        v, off = decode_value(buf, off)
        items.append((key, v))
    return Table(items), end


_pika_encode_table = pika.data.encode_table


def _encode_table_hook(pieces, table):
    if isinstance(table, Table):
        return encode_table(pieces, table)
    return _pika_encode_table(pieces, table)


def install():
    """Make pika encode `Table`s with this codec and decode every table typed."""
    pika.data.encode_table = _encode_table_hook
    pika.data.decode_table = decode_table
