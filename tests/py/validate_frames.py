"""Frames for validate's tests, made and read with msgpack alone.

Independent of libstream: frames are packed here as docs/protocol.md says,
[[time, meta], body] with time an EventTime (ext 0: uint32 BE seconds,
uint32 BE nanoseconds), and validate's output is read back the same way.
CSV files are turned into sample frames with meta src/line as ingest does,
so tests do not depend on bin/ingest.

Run as a script to write frames:
  validate_frames.py nab CSV DEV > frames      (timestamp,value rows)
  validate_frames.py ims DEV FILE... > frames  (tab separated, 20480 Hz)
  validate_frames.py jsonl FILE > frames       (one object a line: "dev",
                                               "t" seconds, the rest body)
"""
import calendar
import csv
import gzip
import json
import math
import os
import struct
import sys
import time

import msgpack

NS = 10**9


def event_time(ns):
    sec, nsec = divmod(ns, NS)
    return msgpack.ExtType(0, struct.pack('>II', sec, nsec))


def pack(ns, meta, body):
    return msgpack.packb([[event_time(ns), meta], body], use_bin_type=True)


def parse_when(s):
    """'2013-07-04 00:00:00' (UTC, as NAB's files mean it) -> ns."""
    return calendar.timegm(time.strptime(s, '%Y-%m-%d %H:%M:%S')) * NS


def nab_rows(path):
    """(line, ns, value) for each data row; line 1 is the header."""
    with open(path, newline='') as f:
        rd = csv.reader(f)
        next(rd)
        for i, row in enumerate(rd):
            yield i + 2, parse_when(row[0]), float(row[1])


def nab_frames(path, dev, src=None):
    src = src or os.path.basename(path)
    out = []
    for seq, (line, ns, v) in enumerate(nab_rows(path)):
        out.append(pack(ns, {'dev': dev, 'seq': seq, 'src': src,
                             'line': line}, {'value': v}))
    return b''.join(out)


IMS_HZ = 20480


def ims_start(name):
    """2004.02.19.06.12.39 -> ns."""
    base = os.path.basename(name).replace('.gz', '')
    return calendar.timegm(time.strptime(base, '%Y.%m.%d.%H.%M.%S')) * NS


def ims_rows(path):
    op = gzip.open if path.endswith('.gz') else open
    with op(path, 'rt', newline='') as f:
        for line in f:
            yield [float(x) for x in line.rstrip('\r\n').split('\t')]


def ims_frames(paths, dev):
    out = []
    seq = 0
    for p in paths:
        t0 = ims_start(p)
        src = os.path.basename(p).replace('.gz', '')
        for i, row in enumerate(ims_rows(p)):
            ns = t0 + i * NS // IMS_HZ
            body = {'b%d' % (k + 1): row[k] for k in range(4)}
            out.append(pack(ns, {'dev': dev, 'seq': seq, 'src': src,
                                 'line': i + 1}, body))
            seq += 1
    return b''.join(out)


def jsonl_rows(path):
    """(line, dev, ns, body) for each line of a JSON-lines file; NaN and
    Infinity are allowed, as Python's json reads them."""
    with open(path) as f:
        for i, text in enumerate(f):
            obj = json.loads(text)
            dev = obj.pop('dev')
            t = obj.pop('t')
            ns = t * NS if isinstance(t, int) else int(round(t * NS))
            yield i + 1, dev, ns, obj


def jsonl_frames(path, src=None):
    src = src or os.path.basename(path)
    return b''.join(pack(ns, {'dev': dev, 'src': src, 'line': line}, body)
                    for line, dev, ns, body in jsonl_rows(path))


def _ext(code, data):
    if code == 0 and len(data) == 8:
        sec, nsec = struct.unpack('>II', data)
        return sec * NS + nsec
    return msgpack.ExtType(code, data)


class Frame:
    """One frame read back: t (ns), meta, body, kind."""

    def __init__(self, obj):
        head, self.body = obj
        t, self.meta = head
        self.t = t if isinstance(t, int) else int(round(t * NS))
        self.kind = self.meta.get('kind', 'sample')

    def __repr__(self):
        return 'Frame(%d, %r, %r)' % (self.t, self.meta, self.body)


def read_frames(path):
    with open(path, 'rb') as f:
        up = msgpack.Unpacker(f, raw=False, ext_hook=_ext,
                              strict_map_key=False)
        return [Frame(o) for o in up]


def unpack_nested(b):
    """The original frame inside a reject frame (already decoded by
    msgpack as a nested list, or bytes)."""
    if isinstance(b, (bytes, bytearray)):
        return Frame(msgpack.unpackb(b, raw=False, ext_hook=_ext))
    return Frame(b)


def same(a, b, rel=1e-12):
    """Doubles equal to rel (NaN equals NaN)."""
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= rel * max(abs(a), abs(b))


def main(argv):
    out = sys.stdout.buffer
    if len(argv) == 4 and argv[1] == 'nab':
        out.write(nab_frames(argv[2], argv[3]))
    elif len(argv) == 3 and argv[1] == 'jsonl':
        out.write(jsonl_frames(argv[2]))
    elif len(argv) >= 4 and argv[1] == 'ims':
        out.write(ims_frames(argv[3:], argv[2]))
    else:
        sys.stderr.write(__doc__)
        return 64
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
