#!/usr/bin/python3
"""The models, frames and scikit-learn figures of bench/infer.sh.

usage: infer_gen.py TESTDATA OUTDIR NFRAMES

Fits on C-MAPSS FD001 (12 sensors): a logistic regression (RUL <= 30) and an
MLP 12-64-32-1 (RUL), exports OUTDIR/infer-logistic.bundle and
OUTDIR/infer-mlp.bundle, writes NFRAMES features frames
(OUTDIR/infer-features.mp: C-MAPSS rows, cycled, with small noise; kept
while NFRAMES and this script are unchanged), then prints the scikit-learn
figures: predict_proba / predict called once per record (as a device script
would, 20,000 records) and once per matrix (all NFRAMES rows), in records/s.
"""
import gzip
import os
import struct
import sys
import time
import warnings

import msgpack
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pipelines", "python"))
from pdm_bundle import export  # noqa: E402

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

warnings.simplefilter("ignore")
TD, OUT, N = sys.argv[1], sys.argv[2], int(sys.argv[3])
SENS = [2, 3, 4, 7, 8, 9, 11, 12, 13, 15, 17, 20]
names = ["s%d" % s for s in SENS]

with gzip.open(os.path.join(TD, "cmapss", "train_FD001.txt.gz")) as f:
    rows = np.loadtxt(f)
unit, cyc = rows[:, 0], rows[:, 1]
last = {u: cyc[unit == u].max() for u in np.unique(unit)}
rul = np.array([last[u] - c for u, c in zip(unit, cyc)])
X = rows[:, [4 + s for s in SENS]]

log = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
log.fit(X, rul <= 30)
mlp = make_pipeline(StandardScaler(), MLPRegressor((64, 32), max_iter=30,
                                                   random_state=0))
mlp.fit(X, np.minimum(rul, 125))
export(os.path.join(OUT, "infer-logistic.bundle"), log, names,
       name="bench-logistic", version="1", X_train=X)
export(os.path.join(OUT, "infer-mlp.bundle"), mlp, names, name="bench-mlp",
       version="1", X_train=X, threshold=30, anomaly_below=True,
       score_name="rul")

path = os.path.join(OUT, "infer-features.mp")
stamp = "%d %d" % (N, os.path.getmtime(__file__))
rng = np.random.default_rng(3)
idx = np.arange(N) % len(X)
Xn = X[idx] * (1 + 1e-4 * rng.standard_normal((N, len(SENS))))
try:
    fresh = open(path + ".from").read() == stamp
except OSError:
    fresh = False
if not fresh:
    pk = msgpack.Packer()
    with open(path + ".tmp", "wb") as f:
        for i in range(N):
            d = i % 64
            f.write(pk.pack([[msgpack.ExtType(0, struct.pack(
                ">II", 1764687600 + i // 64, 0)),
                {"kind": "features", "dev": "engine-%d" % d,
                 "seq": i // 64, "n": 1}],
                dict(zip(names, Xn[i].tolist()))]))
    os.replace(path + ".tmp", path)
    open(path + ".from", "w").write(stamp)


def per_record(fn, k=20000):
    t0 = time.perf_counter()
    for i in range(k):
        fn(Xn[i:i + 1])
    return k / (time.perf_counter() - t0)


def per_matrix(fn):
    t0 = time.perf_counter()
    fn(Xn)
    return N / (time.perf_counter() - t0)


print("scikit-learn logistic (12 features), predict_proba once per record: "
      "%.0f records/s" % per_record(log.predict_proba))
print("scikit-learn logistic (12 features), predict_proba once per matrix "
      "of %d: %.2f M records/s" % (N, per_matrix(log.predict_proba) / 1e6))
print("scikit-learn MLP 12-64-32-1, predict once per record: %.0f records/s"
      % per_record(mlp.predict))
print("scikit-learn MLP 12-64-32-1, predict once per matrix of %d: "
      "%.2f M records/s" % (N, per_matrix(mlp.predict) / 1e6))
