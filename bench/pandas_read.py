"""pandas_read -- the baseline: time pandas.read_csv on a file.

Usage: /usr/bin/python3 bench/pandas_read.py FILE [ROWS]

Reads FILE with pandas.read_csv and its default options and prints
"seconds=S cpu=C rows=N": S is the wall time of the read_csv call alone,
without the interpreter's start and the pandas import, which a long-running
reader pays once; C is the CPU time of this process during the call.  With
ROWS, exits 65 if the frame does not have that many rows, so a baseline that
read less is never compared with one that read it all.
"""
import sys
import time

import pandas


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write("usage: pandas_read.py FILE [ROWS]\n")
        return 64
    path = sys.argv[1]
    t0, c0 = time.perf_counter(), time.process_time()
    df = pandas.read_csv(path)
    t1, c1 = time.perf_counter(), time.process_time()
    rows = len(df)
    if len(sys.argv) == 3 and rows != int(sys.argv[2]):
        sys.stderr.write("pandas_read: %s: %d rows, expected %s\n"
                         % (path, rows, sys.argv[2]))
        return 65
    print("seconds=%.6f cpu=%.6f rows=%d" % (t1 - t0, c1 - c0, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
