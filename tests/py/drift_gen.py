"""Seeded synthetic streams for the drift tests and bench/drift.sh: i.i.d.
N(0, 1) features (and a "score" column) per device, frames interleaved
across devices, with a change at a known frame:

  mean S     abrupt mean shift of S std on every feature
  var        std doubled
  gradual S  mean moving linearly from 0 to S std over --ramp frames
  none       no change

usage: drift_gen.py --frames N [--devices D] [--features K] [--change KIND]
       [--shift S] [--at FRAME] [--ramp R] [--seed N] [--label] [--rate HZ]
Frames go to stdout as msgpack; per device frame i has time i / rate.
"""
import argparse
import struct
import sys

import msgpack
import numpy as np

NS = 1_000_000_000


def event_time(ns):
    sec, nsec = divmod(int(ns), NS)
    return msgpack.ExtType(0, struct.pack(">II", sec, nsec))


def values(rng, n, k, change, shift, at, ramp):
    """n x k values of one device, the change applied from frame at."""
    x = rng.standard_normal((n, k))
    if change == "mean" and at < n:
        x[at:] += shift
    elif change == "var" and at < n:
        x[at:] *= 2.0
    elif change == "gradual" and at < n:
        i = np.arange(n - at)
        x[at:] += (shift * np.minimum(i / ramp, 1.0))[:, None]
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, required=True)
    ap.add_argument("--devices", type=int, default=1)
    ap.add_argument("--features", type=int, default=3)
    ap.add_argument("--change", default="none")
    ap.add_argument("--shift", type=float, default=1.0)
    ap.add_argument("--at", type=int, default=0)
    ap.add_argument("--ramp", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=1.0)
    ap.add_argument("--label", action="store_true")
    ap.add_argument("--t0", type=int, default=1_700_000_000)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    names = ["x%d" % i for i in range(a.features)]
    dev = [values(rng, a.frames, a.features + 1, a.change, a.shift, a.at,
                  a.ramp) for _ in range(a.devices)]
    out = sys.stdout.buffer
    pk = msgpack.Packer()
    buf = []
    for i in range(a.frames):
        t = event_time(a.t0 * NS + int(i * NS / a.rate))
        for d in range(a.devices):
            row = dev[d][i]
            body = {n: float(v) for n, v in zip(names, row)}
            body["score"] = float(row[-1])
            if a.label:
                body["label"] = "fault" if row[-1] > 1.0 else "ok"
            buf.append(pk.pack([[t, {"kind": "sample", "dev": "d%d" % d,
                                     "seq": i}], body]))
        if len(buf) > 4096:
            out.write(b"".join(buf))
            buf = []
    out.write(b"".join(buf))


if __name__ == "__main__":
    main()
