"""pipeline_py -- the Python equivalent of bench/pipeline.sh's device
pipeline, the baseline it is measured against:

  pandas.read_csv -> StandardScaler (fitted on the first SLICE rows, as
  normalize -f) -> per device rolling(W) mean, std (ddof 0), rms, kurtosis
  of the 3 channels (as bench/window_pandas.py) -> LogisticRegression
  (StandardScaler + LogisticRegression fitted on the slice's features, the
  same synthetic label as bench/pipeline_model.py) .predict_proba

Usage: /usr/bin/python3 bench/pipeline_py.py FILE SLICE W

Prints "rows=N windows=W read_s= scale_s= rolling_s= model_s= total_s=
maxrss_kib=": total_s from read_csv to the last probability (the imports
and the interpreter's start apart), maxrss the process's peak.
"""
import resource
import sys
import time

import numpy as np
import pandas
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CHANNELS = ["vibration", "temperature", "pressure"]


def features(df, w):
    g = df.groupby("device", sort=False)
    out = {}
    for c in CHANNELS:
        r = g[c].rolling(w)
        out[c + ".mean"] = r.mean()
        out[c + ".std"] = r.std(ddof=0)
        out[c + ".kurtosis"] = r.kurt()
        sq = (df[c] * df[c]).groupby(df["device"], sort=False).rolling(w)
        out[c + ".rms"] = np.sqrt(sq.mean())
    f = pandas.DataFrame(out).dropna()
    return f[sorted(f.columns)]


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: pipeline_py.py FILE SLICE W\n")
        return 64
    sl, w = int(sys.argv[2]), int(sys.argv[3])
    t0 = time.perf_counter()
    df = pandas.read_csv(sys.argv[1])
    t1 = time.perf_counter()
    sc = StandardScaler().fit(df[CHANNELS].iloc[:sl])
    df[CHANNELS] = sc.transform(df[CHANNELS])
    t2 = time.perf_counter()
    f = features(df, w)
    t3 = time.perf_counter()
    fs = features(df.iloc[:sl], w)
    X = fs.to_numpy()
    j = list(fs.columns).index(CHANNELS[0] + ".std") if False else \
        next(i for i, k in enumerate(fs.columns) if k.endswith(".std"))
    y = (X[:, j] > np.median(X[:, j])).astype(int)
    m = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    p = m.predict_proba(f.to_numpy())[:, 1]
    t4 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("rows=%d windows=%d read_s=%.6f scale_s=%.6f rolling_s=%.6f "
          "model_s=%.6f total_s=%.6f maxrss_kib=%d mean_p=%.6f"
          % (len(df), len(p), t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0,
             rss, p.mean()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
