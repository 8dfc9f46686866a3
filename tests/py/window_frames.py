"""Small hand-made streams for window's scheduler tests, and a one-line
text form of frames to compare with expected output.

    window_frames.py gen ITEM...   frames to stdout; an ITEM is
        DEV:T:X           a sample of device DEV at T seconds, channel x = X
        DEV:T:a=1,b=2     a sample with the channels given (nan, inf, and
                          'text' as a string are allowed)
        event:T           an event frame (kind event), passed through
    window_frames.py dump FILE     one line a frame:
        F dev seq [start end) n=N [short] name=value ...
        R dev rule field (reject)     P kind (anything else)
      times in seconds, values with %.10g
"""
import math
import sys

import msgpack

from window_oracle import NS, event_time, ns_of, read_frames


def secs(ns):
    s, f = divmod(ns, NS)
    if f == 0:
        return "%d" % s
    return ("%d.%09d" % (s, f)).rstrip("0")


def value(v):
    if v == "nan":
        return math.nan
    if v == "inf":
        return math.inf
    if v.startswith("'"):
        return v.strip("'")
    return float(v)


def gen(items):
    out = sys.stdout.buffer
    seq = {}
    for it in items:
        parts = it.split(":")
        if parts[0] == "event":
            t = round(float(parts[1]) * NS)
            out.write(msgpack.packb([[event_time(t), {"kind": "event"}],
                                     {"type": "test"}]))
            continue
        dev, t, rest = parts[0], round(float(parts[1]) * NS), parts[2]
        if "=" in rest:
            body = {k: value(v) for k, v in
                    (kv.split("=") for kv in rest.split(","))}
        else:
            body = {"x": value(rest)}
        n = seq.get(dev, 0)
        seq[dev] = n + 1
        out.write(msgpack.packb([[event_time(t), {"kind": "sample",
                                  "dev": dev, "seq": n}], body]))


def dump(path):
    for t, meta, body in read_frames(path):
        kind = meta.get("kind", "sample")
        if kind == "features":
            line = "F %s %d [%s %s) n=%d" % (
                meta["dev"], meta["seq"], secs(ns_of(meta["start"])),
                secs(ns_of(meta["end"])), meta["n"])
            if meta.get("short"):
                line += " short"
            for k, v in body.items():
                line += " %s=%.10g" % (k, v)
            print(line)
        elif kind == "reject":
            print("R %s %s %s" % (meta.get("dev", "-"), body["rule"],
                                  body.get("field", "-")))
        else:
            print("P " + kind)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2:])
    elif sys.argv[1] == "dump":
        dump(sys.argv[2])
    else:
        raise SystemExit(__doc__)
