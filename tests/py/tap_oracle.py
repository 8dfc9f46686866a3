"""The JSON mapping of docs/tap.md, computed independently of tap.

Values are Python objects; msgpack types that Python's msgpack decodes to
the same Python type are wrapped (F32, Time, Ext, StrHex, RawF64, Pairs) so
that one object says both what bytes a frame holds and what JSON tap must
print for it.  pack() builds the bytes with python3-msgpack's Packer (its
smallest-form encoding is the canonical form); to_json() writes the line
tap must print with Python's json module and repr(); gen_frame() makes
random frames of every kind of value.

Run under Debian's /usr/bin/python3 (numpy, msgpack).
"""
import json
import math
import random
import struct

import msgpack
import numpy as np


class F32(float):
    """A float32 (packed 0xca)."""


class RawF64:
    """A float64 given by its bits (NaN payloads, signed NaN)."""
    def __init__(self, bits):
        self.bits = bits


class RawF32:
    """A float32 given by its bits."""
    def __init__(self, bits):
        self.bits = bits


class Time:
    """An EventTime (ext 0, 8 bytes)."""
    def __init__(self, sec, nsec):
        self.sec, self.nsec = sec, nsec


class Ext:
    def __init__(self, code, data):
        self.code, self.data = code, data


class StrHex:
    """A msgpack str whose bytes are not UTF-8."""
    def __init__(self, data):
        self.data = data


class Pairs:
    """A map as a list of (key, value): any keys, repeats kept."""
    def __init__(self, pairs):
        self.pairs = pairs


CANON_NAN64 = 0x7ff8000000000000
CANON_NAN32 = 0x7fc00000


def pack(obj):
    """Canonical msgpack bytes of obj."""
    pk = msgpack.Packer(use_bin_type=True, autoreset=True)
    out = bytearray()

    def rec(o):
        if isinstance(o, F32):
            out.extend(msgpack.packb(float(o), use_single_float=True))
        elif isinstance(o, RawF64):
            out.extend(b'\xcb' + struct.pack('>Q', o.bits))
        elif isinstance(o, RawF32):
            out.extend(b'\xca' + struct.pack('>I', o.bits))
        elif isinstance(o, Time):
            out.extend(pk.pack(msgpack.ExtType(0, struct.pack('>II', o.sec, o.nsec))))
        elif isinstance(o, Ext):
            # python3-msgpack takes codes 0..127 only: pack with 0, then
            # put the code where the header keeps it
            b = bytearray(pk.pack(msgpack.ExtType(0, o.data)))
            at = {0xd4: 1, 0xd5: 1, 0xd6: 1, 0xd7: 1, 0xd8: 1, 0xc7: 2,
                  0xc8: 3, 0xc9: 5}[b[0]]
            b[at] = o.code & 0xff
            out.extend(b)
        elif isinstance(o, StrHex):
            n = len(o.data)
            if n < 32:
                out.append(0xa0 | n)
            elif n < 256:
                out.extend(b'\xd9' + bytes([n]))
            elif n < 65536:
                out.extend(b'\xda' + struct.pack('>H', n))
            else:
                out.extend(b'\xdb' + struct.pack('>I', n))
            out.extend(o.data)
        elif isinstance(o, list):
            out.extend(pk.pack_array_header(len(o)))
            for e in o:
                rec(e)
        elif isinstance(o, dict):
            out.extend(pk.pack_map_header(len(o)))
            for k, v in o.items():
                rec(k)
                rec(v)
        elif isinstance(o, Pairs):
            out.extend(pk.pack_map_header(len(o.pairs)))
            for k, v in o.pairs:
                rec(k)
                rec(v)
        else:
            out.extend(pk.pack(o))
    rec(obj)
    return bytes(out)


def skip(data, pos=0):
    """End of the msgpack value at data[pos:] (python3-msgpack cannot
    split every stream: it refuses ext type -1 that is not a timestamp)."""
    c = data[pos]
    be = lambda at, n: int.from_bytes(data[at:at + n], 'big')
    if c <= 0x7f or c >= 0xe0 or c in (0xc0, 0xc2, 0xc3):
        return pos + 1
    if 0x80 <= c <= 0x8f or 0x90 <= c <= 0x9f or c in (0xdc, 0xdd, 0xde, 0xdf):
        if c <= 0x9f:
            n, p = c & 0x0f, pos + 1
        else:
            w = 2 if c in (0xdc, 0xde) else 4
            n, p = be(pos + 1, w), pos + 1 + w
        if c <= 0x8f or c in (0xde, 0xdf):
            n *= 2
        for _ in range(n):
            p = skip(data, p)
        return p
    if 0xa0 <= c <= 0xbf:
        return pos + 1 + (c & 0x1f)
    fixed = {0xca: 5, 0xcb: 9, 0xcc: 2, 0xcd: 3, 0xce: 5, 0xcf: 9, 0xd0: 2,
             0xd1: 3, 0xd2: 5, 0xd3: 9, 0xd4: 3, 0xd5: 4, 0xd6: 6, 0xd7: 10,
             0xd8: 18}
    if c in fixed:
        return pos + fixed[c]
    w = {0xc4: 1, 0xc5: 2, 0xc6: 4, 0xd9: 1, 0xda: 2, 0xdb: 4,
         0xc7: 1, 0xc8: 2, 0xc9: 4}[c]
    n = be(pos + 1, w)
    return pos + 1 + w + n + (1 if c in (0xc7, 0xc8, 0xc9) else 0)


def split(data):
    """The frames of a byte stream, as bytes."""
    out, pos = [], 0
    while pos < len(data):
        end = skip(data, pos)
        assert end <= len(data), 'truncated frame at byte %d' % pos
        out.append(data[pos:end])
        pos = end
    return out


def iso(sec, nsec):
    days, rem = divmod(sec, 86400)
    # civil_from_days via the proleptic Gregorian calendar of datetime
    import datetime
    d = datetime.date(1970, 1, 1) + datetime.timedelta(days=days)
    return '%04d-%02d-%02dT%02d:%02d:%02d.%09dZ' % (
        d.year, d.month, d.day, rem // 3600, rem // 60 % 60, rem % 60, nsec)


def f32_text(x):
    """Shortest float32 digits (numpy's Dragon4), in Python's repr layout."""
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    if x == 0:
        return '-0.0' if math.copysign(1, x) < 0 else '0.0'
    s = np.format_float_scientific(np.float32(x), unique=True, trim='-')
    sign = ''
    if s[0] == '-':
        sign, s = '-', s[1:]
    mant, exp = s.split('e')
    digits = mant.replace('.', '')
    e10 = int(exp)
    # the same layout as float.__repr__: repr() of a double with these digits
    r = repr(float(digits[0] + '.' + digits[1:] + 'e' + str(e10))
             if len(digits) > 1 else float(digits + 'e' + str(e10)))
    assert np.float32(float(sign + r)) == np.float32(x), (x, r)
    return sign + r


def f64_text(x):
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return repr(x)


def jstr(s):
    return json.dumps(s, ensure_ascii=False)


def plain_object(d):
    """Would tap print this dict as a JSON object?"""
    keys = list(d.keys())
    return not keys or not keys[0].startswith('$')


def to_json(obj, role='top'):
    """The JSON text tap prints for obj.  role: 'top' (a frame), 'first'
    (its first element), 'time' (the time position) or None."""
    def child(r, i):
        if i != 0:
            return None
        return {'top': 'first', 'first': 'time'}.get(r)

    if role == 'first' and not isinstance(obj, list):
        role = 'time'
    o = obj
    if o is None:
        return 'null'
    if o is True:
        return 'true'
    if o is False:
        return 'false'
    if isinstance(o, F32):
        return '{"$f32":%s}' % f32_text(float(o))
    if isinstance(o, RawF32):
        v = struct.unpack('>f', struct.pack('>I', o.bits))[0]
        if math.isnan(v) and o.bits != CANON_NAN32:
            return '{"$f32":"%08x"}' % o.bits
        return '{"$f32":%s}' % f32_text(v)
    if isinstance(o, RawF64):
        v = struct.unpack('>d', struct.pack('>Q', o.bits))[0]
        if math.isnan(v) and o.bits != CANON_NAN64:
            return '{"$f64":"%016x"}' % o.bits
        return f64_text(v)
    if isinstance(o, float):
        return f64_text(o)
    if isinstance(o, int):
        return str(o)
    if isinstance(o, Time):
        if o.nsec >= 10**9:
            return '{"$ext":[0,"%s"]}' % struct.pack('>II', o.sec, o.nsec).hex()
        t = '"%s"' % iso(o.sec, o.nsec)
        return t if role == 'time' else '{"$time":%s}' % t
    if isinstance(o, Ext):
        if o.code == 0 and len(o.data) == 8:
            return to_json(Time(*struct.unpack('>II', o.data)), role)
        return '{"$ext":[%d,"%s"]}' % (o.code, o.data.hex())
    if isinstance(o, StrHex):
        try:
            s = o.data.decode('utf-8')
        except UnicodeDecodeError:
            return '{"$strhex":"%s"}' % o.data.hex()
        return to_json(s, role)
    if isinstance(o, str):
        return '{"$str":%s}' % jstr(o) if role == 'time' else jstr(o)
    if isinstance(o, (bytes, bytearray)):
        return '{"$bin":"%s"}' % bytes(o).hex()
    if isinstance(o, list):
        return '[' + ','.join(to_json(e, child(role, i))
                              for i, e in enumerate(o)) + ']'
    if isinstance(o, dict):
        if plain_object(o):
            return '{' + ','.join(jstr(k) + ':' + to_json(v, None)
                                  for k, v in o.items()) + '}'
        return to_json(Pairs(list(o.items())), role)
    if isinstance(o, Pairs):
        keys = o.pairs
        plain = all(isinstance(k, str) for k, _ in keys) and \
            len(set(k for k, _ in keys)) == len(keys) and \
            (not keys or not keys[0][0].startswith('$'))
        if plain:
            return to_json(dict(keys), role)
        return '{"$map":[' + ','.join(
            '[' + to_json(k, None) + ',' + to_json(v, None) + ']'
            for k, v in keys) + ']}'
    raise TypeError(type(o))


# ---- random values -----------------------------------------------------

INT_EDGES = [0, 1, 127, 128, 255, 256, 65535, 65536, 2**31 - 1, 2**31,
             2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1,
             -1, -31, -32, -33, -127, -128, -129, -32767, -32768, -32769,
             -2**31 + 1, -2**31, -2**31 - 1, -2**63 + 1, -2**63]

FLOAT_EDGES = [0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 100.0,
               1e16, 1e15, 123456789012345678.0, 1234567890123456.0,
               0.0001, 0.00001, 1e-5, 1.5e-7, 1e22, 1e23, 1e308, -1e308,
               1.7976931348623157e308, 2.2250738585072014e-308,
               2.225073858507201e-308, 5e-324, -5e-324, 1e-323,
               math.inf, -math.inf, math.nan, math.pi, math.e,
               9007199254740993.0, 0.1 + 0.2, 5e-5, 123.456, 1e100]


def rand_float(rng):
    r = rng.random()
    if r < 0.25:
        return rng.choice(FLOAT_EDGES)
    if r < 0.35:
        return math.ldexp(1.0, rng.randint(-1074, 1023)) * rng.choice([1, -1])
    if r < 0.55:   # a decimal such as a sensor writes
        return round(rng.uniform(-1000, 1000), rng.randint(0, 6))
    if r < 0.6:    # subnormal
        return struct.unpack('>d', struct.pack('>Q', rng.randint(1, 2**52 - 1)))[0]
    while True:    # any finite bit pattern
        v = struct.unpack('>d', struct.pack('>Q', rng.getrandbits(64)))[0]
        if not math.isnan(v):
            return v


def rand_f32(rng):
    r = rng.random()
    if r < 0.2:
        return F32(rng.choice([0.0, -0.0, 0.1, 1.0, 16777216.0, 3.4028234663852886e38,
                               1.401298464324817e-45, 1.1754943508222875e-38,
                               math.inf, -math.inf, math.nan, 0.5]))
    if r < 0.3:
        return F32(math.ldexp(1.0, rng.randint(-149, 127)))
    if r < 0.5:
        return F32(float(np.float32(round(rng.uniform(-100, 100), rng.randint(0, 4)))))
    while True:
        bits = rng.getrandbits(32)
        v = struct.unpack('>f', struct.pack('>I', bits))[0]
        if not math.isnan(v):
            return RawF32(bits)


UNI = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\x00',
       '\x01', '\x1f', '\x7f', 'é', 'ß', '€', '\u2028', '\u2029', '\ufeff',
       '\uffff', '😀', '\U0010ffff', '中', 'ä', '$', '#']


def rand_str(rng, maxlen=12):
    r = rng.random()
    if r < 0.05:
        n = rng.choice([31, 32, 255, 256, 300])
    else:
        n = rng.randint(0, maxlen)
    return ''.join(rng.choice(UNI) if rng.random() < 0.4
                   else chr(rng.randint(0x20, 0x7e)) for _ in range(n))


BAD_UTF8 = [b'\xff', b'\xc0\x80', b'\xed\xa0\x80', b'\xf4\x90\x80\x80',
            b'a\x80b', b'\xe2\x82', b'\xf8\x88\x80\x80\x80', b'\xc3']


def rand_scalar(rng):
    r = rng.randrange(16)
    if r == 0:
        return rng.choice([None, True, False])
    if r in (1, 2):
        return rng.choice(INT_EDGES)
    if r == 3:
        return rng.randint(-2**63, 2**64 - 1)
    if r in (4, 5, 6):
        return rand_float(rng)
    if r == 7:
        return rand_f32(rng)
    if r in (8, 9):
        return rand_str(rng)
    if r == 10:
        return StrHex(rng.choice(BAD_UTF8) + rand_str(rng, 3).encode())
    if r == 11:
        return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 5, 300])))
    if r == 12:
        code = rng.randint(-128, 127)
        n = rng.choice([1, 2, 3, 4, 8, 16, 17, 0, 300])
        if code == 0 and n == 8:
            n = 9
        return Ext(code, bytes(rng.getrandbits(8) for _ in range(n)))
    if r == 13:
        return Time(rng.randint(0, 2**32 - 1), rng.randint(0, 10**9 - 1))
    if r == 14:
        if rng.random() < 0.5:
            return Ext(0, struct.pack('>II', rng.randint(0, 2**32 - 1),
                                      rng.randint(10**9, 2**32 - 1)))
        return RawF64(rng.choice([0xfff8000000000000, 0x7ff0000000000001,
                                  0x7ff8000000000001, CANON_NAN64]))
    return rng.choice([RawF32(0xffc00000), RawF32(0x7f800001),
                       RawF32(CANON_NAN32)])


def rand_value(rng, depth=0):
    r = rng.random()
    if depth >= 4 or r < 0.7:
        return rand_scalar(rng)
    n = rng.choice([0, 1, 2, 3, 5, 16, 17]) if rng.random() < 0.2 else rng.randint(0, 4)
    if r < 0.82:
        return [rand_value(rng, depth + 1) for _ in range(n)]
    if r < 0.94:
        return {rand_str(rng): rand_value(rng, depth + 1) for _ in range(n)}
    pairs = [(rng.choice([rand_scalar(rng), rand_str(rng), '$' + rand_str(rng)]),
              rand_value(rng, depth + 1)) for _ in range(n)]
    if pairs and rng.random() < 0.3:
        pairs.append(pairs[0])
    return Pairs(pairs)


KINDS = ['sample', 'features', 'prediction', 'event', 'reject']


def rand_time(rng):
    r = rng.random()
    if r < 0.8:
        return Time(rng.randint(0, 2**32 - 1), rng.randint(0, 10**9 - 1))
    if r < 0.9:
        return rng.randint(0, 2**32)
    return abs(rand_float(rng)) if rng.random() < 0.5 else rng.uniform(0, 2e9)


def top(v):
    """A value for a field of meta or body.  A record keeps such a float32
    as a double, and narrowing a signaling NaN back to float quiets it, so
    those appear only nested, where tap prints the bytes as they came."""
    if isinstance(v, RawF32) and (v.bits & 0x7fc00000) == 0x7f800000 and \
            v.bits & 0x3fffff:
        return RawF32(v.bits | 0x400000)
    return v


def gen_frame(rng):
    """A random frame that libstream accepts: string keys in meta/body."""
    t = rand_time(rng)
    while isinstance(t, float) and not abs(t) <= 9.2e15:   # codec.c's limit
        t = rand_time(rng)
    meta = {}
    if rng.random() < 0.7:
        meta['kind'] = rng.choice(KINDS)
    if rng.random() < 0.8:
        meta['dev'] = rand_str(rng, 6)
    if rng.random() < 0.7:
        meta['seq'] = rng.choice([0, 1, 255, 2**32, 2**64 - 1, rng.randint(0, 10**6)])
    for _ in range(rng.randint(0, 2)):
        meta['m' + rand_str(rng, 4)] = top(rand_value(rng, 1))
    pairs = [(rand_str(rng), top(rand_value(rng, 1)))
             for _ in range(rng.randint(0, 8))]
    r = rng.random()
    if pairs and r < 0.1:
        pairs.insert(0, ('$' + rand_str(rng, 4), top(rand_value(rng, 1))))
    elif pairs and r < 0.2:
        pairs.append(pairs[-1])
    body = Pairs(pairs)
    if rng.random() < 0.05:
        return [t, body]            # legacy [time, body]
    return [[t, meta], body]
