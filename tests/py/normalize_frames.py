"""Make frames for the normalize tests, independently of bin/ingest.

    normalize_frames.py cmapss FILE   C-MAPSS text (space separated, no header):
                                      unit, cycle, setting1..3, s1..s21; one
                                      sample frame per line, dev "unit-N"
    normalize_frames.py cwru FILE     header + one column per line; one sample
                                      frame per row at 12 kHz, dev "cwru"
    normalize_frames.py jsonl FILE    hand-made frames, one JSON per line:
                                      {"t": [sec, nsec], "meta": {...},
                                       "body": {...}}; the strings "NaN",
                                      "Inf", "-Inf" in body become floats

Frames go to stdout as msgpack [[EventTime, meta], body] (docs/protocol.md);
meta carries "src" and "line" (1-based, as in the file).
"""
import json
import math
import struct
import sys

import msgpack

CMAPSS_COLUMNS = (["unit", "cycle", "setting1", "setting2", "setting3"] +
                  ["s%d" % i for i in range(1, 22)])


def event_time(sec, nsec=0):
    return msgpack.ExtType(0, struct.pack(">II", sec, nsec))


def frame(sec, nsec, meta, body):
    return msgpack.packb([[event_time(sec, nsec), meta], body],
                         use_bin_type=True)


def cmapss(path, out):
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            v = line.split()
            if not v:
                continue
            assert len(v) == 26, "%s:%d: %d fields" % (path, lineno, len(v))
            body = {}
            for name, text in zip(CMAPSS_COLUMNS, v):
                body[name] = int(text) if name in ("unit", "cycle") \
                    else float(text)
            meta = {"dev": "unit-%s" % v[0], "src": path, "line": lineno}
            out.write(frame(1_600_000_000 + lineno, 0, meta, body))


def cwru(path, out):
    with open(path) as f:
        name = f.readline().strip()
        for i, line in enumerate(f):
            lineno = i + 2
            ns = i * 1_000_000_000 // 12000
            meta = {"dev": "cwru", "src": path, "line": lineno}
            out.write(frame(1_600_000_000 + ns // 1_000_000_000,
                            ns % 1_000_000_000, meta,
                            {name: float(line)}))


def special(v):
    if isinstance(v, str) and v in ("NaN", "Inf", "-Inf"):
        return {"NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}[v]
    return v


def jsonl(path, out):
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            j = json.loads(line)
            sec, nsec = j.get("t", [1_600_000_000 + lineno, 0])
            body = {k: special(v) for k, v in j.get("body", {}).items()}
            out.write(frame(sec, nsec, j.get("meta", {}), body))


def main():
    kind, path = sys.argv[1], sys.argv[2]
    {"cmapss": cmapss, "cwru": cwru, "jsonl": jsonl}[kind](
        path, sys.stdout.buffer)


if __name__ == "__main__":
    main()
