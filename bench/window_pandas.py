"""window_pandas -- the baseline for bench/window.sh: the pandas equivalent
of `window -s 256 -H 1 -f mean,std,rms,kurtosis` on the bench CSV.

Usage: /usr/bin/python3 bench/window_pandas.py FILE [ROWS]

Per device, rolling windows of 256 rows over vibration, temperature and
pressure: mean, std (ddof 0, as window), rms (sqrt of the rolling mean of
squares) and kurtosis (pandas' rolling kurt: 12 features per row, as window
writes).  Prints "read_s=S rolling_s=S rows=N windows=W": read_s is
pandas.read_csv, rolling_s the groupby-rolling computation alone (neither
includes the interpreter's start or the imports).  With ROWS, exits 65 if
the file has another number of rows.
"""
import sys
import time

import numpy as np
import pandas

CHANNELS = ["vibration", "temperature", "pressure"]
N = 256


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write("usage: window_pandas.py FILE [ROWS]\n")
        return 64
    t0 = time.perf_counter()
    df = pandas.read_csv(sys.argv[1])
    t1 = time.perf_counter()
    if len(sys.argv) == 3 and len(df) != int(sys.argv[2]):
        sys.stderr.write("window_pandas: %d rows, expected %s\n"
                         % (len(df), sys.argv[2]))
        return 65
    g = df.groupby("device", sort=False)
    out = {}
    for c in CHANNELS:
        r = g[c].rolling(N)
        out[c + ".mean"] = r.mean()
        out[c + ".std"] = r.std(ddof=0)
        out[c + ".kurtosis"] = r.kurt()
        sq = (df[c] * df[c]).groupby(df["device"], sort=False).rolling(N)
        out[c + ".rms"] = np.sqrt(sq.mean())
    res = pandas.DataFrame(out).dropna(subset=[CHANNELS[0] + ".mean"])
    t2 = time.perf_counter()
    print("read_s=%.6f rolling_s=%.6f rows=%d windows=%d"
          % (t1 - t0, t2 - t1, len(df), len(res)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
