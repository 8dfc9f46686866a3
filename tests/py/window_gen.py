"""Sample frames for the window tests, written by Python alone (msgpack),
so that the tests of window do not depend on ingest.

    window_gen.py cwru FILE RATE DEV [ROWS]   one column CSV (header line),
        sample i at i * 10^9 // RATE ns, channel named by the header
    window_gen.py ims RATE DEV FILE...        IMS snapshots (tab separated,
        4 columns b1..b4), each starting at the time in its file name
    window_gen.py nab FILE DEV                NAB timestamp,value CSV;
        channel "temp"
    window_gen.py temp N SEED                 70 C + 0.01 C noise, a slow
        drift and a 3 C step, 1 Hz, device "t"; channel "temp"
    window_gen.py concat FILE...              many one-column CSVs into one
        channel "x" at 12 kHz (device "cat")

Frames go to stdout.  .gz files are read through gzip.
"""
import calendar
import gzip
import os
import sys
import time

import numpy as np

from window_oracle import NS, sample_frame


def opener(path):
    return gzip.open(path, "rt") if path.endswith(".gz") else open(path)


def one_column(path, rows=None):
    with opener(path) as f:
        name = f.readline().strip()
        x = np.loadtxt(f, dtype=np.float64, max_rows=rows)
    return name, x


def emit(out, dev, times, chans):
    names = list(chans)
    cols = [chans[k] for k in names]
    for i, t in enumerate(times):
        body = {k: float(c[i]) for k, c in zip(names, cols)}
        out.write(sample_frame(int(t), dev, i, body))


def ims_start(path):
    base = os.path.basename(path)
    if base.endswith(".gz"):
        base = base[:-3]
    tm = time.strptime(base, "%Y.%m.%d.%H.%M.%S")
    return calendar.timegm(tm) * NS


def main(argv):
    out = sys.stdout.buffer
    what = argv[1]
    if what == "cwru":
        rows = int(argv[5]) if len(argv) > 5 else None
        name, x = one_column(argv[2], rows)
        rate = int(argv[3])
        times = [i * NS // rate for i in range(len(x))]
        emit(out, argv[4], times, {name: x})
    elif what == "ims":
        rate, dev = int(argv[2]), argv[3]
        seq = 0
        for path in argv[4:]:
            with opener(path) as f:
                a = np.loadtxt(f, dtype=np.float64)
            t0 = ims_start(path)
            for i in range(a.shape[0]):
                body = {"b%d" % (j + 1): float(a[i, j]) for j in range(4)}
                out.write(sample_frame(t0 + i * NS // rate, dev, seq, body))
                seq += 1
    elif what == "nab":
        with open(argv[2]) as f:
            f.readline()
            seq = 0
            for line in f:
                ts, v = line.strip().split(",")
                tm = time.strptime(ts, "%Y-%m-%d %H:%M:%S")
                out.write(sample_frame(calendar.timegm(tm) * NS, argv[3],
                                       seq, {"temp": float(v)}))
                seq += 1
    elif what == "temp":
        n, seed = int(argv[2]), int(argv[3])
        rng = np.random.default_rng(seed)
        x = 70.0 + 0.01 * rng.standard_normal(n) + 1e-5 * np.arange(n)
        x[n // 2:] += 3.0
        times = [1700000000 * NS + i * NS for i in range(n)]
        emit(out, "t", times, {"temp": x})
    elif what == "concat":
        xs = [one_column(p)[1] for p in argv[2:]]
        x = np.concatenate(xs)
        times = [i * NS // 12000 for i in range(len(x))]
        emit(out, "cat", times, {"x": x})
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
