#!/usr/bin/python3
"""infer against scikit-learn on real rows (tests/e2e/infer_sklearn.sh).

usage: infer_sklearn.py BIN TESTDATA TMPDIR

Fits every model kind the exporter takes on C-MAPSS FD001 rows (RUL
targets) and on CWRU window features (made by BIN/window from the drive-end
slices; fault classes), exports each as a bundle with
pipelines/python/pdm_bundle.py, and checks:
  - the reader gives back sklearn's arrays exactly, and `bundle show --json`
    (the C loader) the same numbers;
  - infer's prediction for every frame (a few thousand) equals sklearn's
    predict_proba / predict / decision values within 1e-5 relative: score,
    label, p.CLASS, q, anomaly; once through the BLAS batch path
    (--blas-min 1), once row by row (--blas-min 0 --batch 1), with every
    frame accounted for in order.
Prints "ok - ..." or "FAIL - ..." per check; exits 1 if any failed.
"""
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import warnings

import msgpack
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "pipelines", "python"))
from pdm_bundle import export, read, scores, _split  # noqa: E402

from sklearn.covariance import EmpiricalCovariance  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

warnings.simplefilter("ignore")
BIN, TD, T = sys.argv[1], sys.argv[2], sys.argv[3]
RTOL = 1e-5
fails = 0


def ok(name):
    print("ok - " + name)


def fail(name, why):
    global fails
    fails += 1
    print("FAIL - %s: %s" % (name, why))


def ext_time(sec, nsec=0):
    return msgpack.ExtType(0, struct.pack(">II", sec, nsec))


def feature_frames(X, names, devs):
    out = io.BytesIO()
    seq = {}
    for i, row in enumerate(X):
        d = devs[i]
        s = seq.get(d, 0)
        seq[d] = s + 1
        meta = {"kind": "features", "dev": d, "seq": s,
                "start": ext_time(1700000000 + i), "end":
                ext_time(1700000001 + i), "n": 1}
        out.write(msgpack.packb([[ext_time(1700000000 + i), meta],
                                 {k: float(v) for k, v in zip(names, row)}]))
    return out.getvalue()


def frames_of(data):
    return list(msgpack.Unpacker(io.BytesIO(data), raw=False,
                                 strict_map_key=False))


# ---- the data --------------------------------------------------------------

CMAPSS_SENSORS = [2, 3, 4, 7, 8, 9, 11, 12, 13, 15, 17, 20]   # 12 features


def cmapss():
    with gzip.open(os.path.join(TD, "cmapss", "train_FD001.txt.gz")) as f:
        rows = np.loadtxt(f)
    unit, cyc = rows[:, 0], rows[:, 1]
    last = {u: cyc[unit == u].max() for u in np.unique(unit)}
    rul = np.array([last[u] - c for u, c in zip(unit, cyc)])
    X = rows[:, [4 + s for s in CMAPSS_SENSORS]]
    names = ["s%d" % s for s in CMAPSS_SENSORS]
    rng = np.random.default_rng(11)
    tr = np.flatnonzero(unit <= 60)
    te = np.flatnonzero(unit > 60)
    tr = np.sort(rng.choice(tr, 3000, replace=False))
    te = np.sort(rng.choice(te, 3000, replace=False))
    devs = ["unit%d" % u for u in unit[te].astype(int)]
    return names, X[tr], rul[tr], X[te], rul[te], devs


CWRU = [("cwru_12k_DE_0hp_B007_118", "B", 12000),
        ("cwru_12k_DE_0hp_B021_222", "B", 12000),
        ("cwru_12k_DE_0hp_IR007_105", "IR", 12000),
        ("cwru_12k_DE_0hp_IR021_209", "IR", 12000),
        ("cwru_12k_DE_0hp_OR007at6_130", "OR", 12000),
        ("cwru_12k_DE_0hp_OR021at6_234", "OR", 12000),
        ("cwru_48k_DE_0hp_normal_097", "normal", 48000)]


def cwru():
    """Window features of the drive-end slices, by bin/window."""
    X, y, frames = [], [], []
    names = None
    for rec, cls, rate in CWRU:
        with gzip.open(os.path.join(TD, "cwru", rec + ".csv.gz"), "rt") as f:
            f.readline()
            x = np.array([float(l.split(",")[0]) for l in f])
        buf = io.BytesIO()
        for i, v in enumerate(x):
            ns = i * 1000000000 // rate
            buf.write(msgpack.packb([[ext_time(ns // 1000000000,
                                               ns % 1000000000),
                                      {"dev": rec, "seq": i}], {"de": v}]))
        p = subprocess.run([BIN + "/window", "-q", "-C",
                            os.path.join(TD, "window", "cwru.conf"),
                            "-r", str(rate), "-s", "1024", "-H", "512",
                            "-f", "time,spectral"],
                           input=buf.getvalue(), capture_output=True)
        if p.returncode != 0:
            raise SystemExit("window: " + p.stderr.decode())
        for fr in frames_of(p.stdout):
            if fr[0][1].get("kind") != "features":
                continue
            if names is None:
                names = [k for k, v in fr[1].items()
                         if isinstance(v, float)]
            X.append([fr[1].get(k, np.nan) for k in names])
            y.append(cls)
            frames.append(fr)
    X = np.array(X)
    keep = np.all(np.isfinite(X), axis=0) & (X.std(axis=0) > 0)
    names = [n for n, k in zip(names, keep) if k]
    X = X[:, keep]
    # re-encode the window frames (all fields; infer ignores the extra ones)
    data = b"".join(msgpack.packb(fr) for fr in frames)
    return names, X, np.array(y), data


# ---- checks -----------------------------------------------------------------

def close(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = np.abs(a - b)
    return np.all(d <= RTOL * np.abs(b)) or np.all(
        d <= RTOL * np.maximum(np.abs(b), 1e-300)), float(
        np.max(d / np.maximum(np.abs(b), 1e-300)) if d.size else 0)


def check_reader(name, path, pipe, features):
    b = read(path)
    sc, m = _split(pipe)
    arr = b["model"]["arrays"]
    want = {}
    if isinstance(m, (LogisticRegression, Ridge)):
        want = {"coef": m.coef_, "intercept": np.atleast_1d(m.intercept_)}
    elif isinstance(m, (MLPClassifier, MLPRegressor)):
        for i, (W, c) in enumerate(zip(m.coefs_, m.intercepts_)):
            want["W%d" % i], want["b%d" % i] = W, c
    elif isinstance(m, PCA):
        want = {"mean": m.mean_, "components": m.components_,
                "explained_variance": m.explained_variance_}
    elif isinstance(m, EmpiricalCovariance):
        want = {"mean": m.location_, "precision": m.precision_}
    bad = [k for k, v in want.items() if k not in arr or arr[k].shape !=
           np.shape(v) or not np.array_equal(arr[k], v)]
    if sc is not None and not (np.array_equal(b["model"]["scaler"]["mean"],
                                              sc.mean_) and
                               np.array_equal(b["model"]["scaler"]["scale"],
                                              sc.scale_)):
        bad.append("scaler")
    if bad or b["features"] != list(features):
        fail(name + ": reader gives sklearn's arrays", bad)
    else:
        ok(name + ": reader gives sklearn's arrays")
    p = subprocess.run([BIN + "/bundle", "show", "--json", path],
                       capture_output=True)
    if p.returncode != 0:
        fail(name + ": bundle show --json", p.stderr.decode())
        return
    j = json.loads(p.stdout)
    bad = [k for k, v in arr.items() if not np.array_equal(
        np.asarray(j["model"]["arrays"][k]["data"]).reshape(
            j["model"]["arrays"][k]["shape"]), v)]
    if bad or j["sha256"] != b["sha256"]:
        fail(name + ": C loader and Python reader agree", bad)
    else:
        ok(name + ": C loader and Python reader agree")


def blas_loaded(path, data, args):
    """Whether infer -m path args opened libopenblas (ld.so's own
    account of what it loaded, LD_DEBUG=files)."""
    env = dict(os.environ, LD_DEBUG="files")
    p = subprocess.run([BIN + "/infer", "-q", "-m", path] + args,
                       input=data, capture_output=True, env=env)
    return p.returncode, b"file=libopenblas" in p.stderr


def check_blas_never(name, path, data):
    """--blas-min 0 never loads OpenBLAS (memory); an MLP measured by
    default does."""
    st0, never = blas_loaded(path, data, ["--blas-min", "0"])
    st1, dflt = blas_loaded(path, data, [])
    if st0 != 0 or st1 != 0:
        fail(name + ": LD_DEBUG runs", "exit %d, %d" % (st0, st1))
    elif never or not dflt:
        fail(name + ": OpenBLAS loaded by default, never with --blas-min 0",
             "default %s, --blas-min 0 %s" % (dflt, never))
    else:
        ok(name + ": OpenBLAS loaded by default, never with --blas-min 0")


def check_infer(name, path, pipe, Xte, data, extra=()):
    sc, m = _split(pipe)
    Xs = sc.transform(Xte) if sc is not None else Xte
    s_want, ex = scores(m, Xs)
    labels = None
    if hasattr(m, "classes_"):
        labels = [str(c) for c in m.classes_]
        lab_want = [str(c) for c in pipe.predict(Xte)]
    b = read(path)
    for args in (["--blas-min", "1"], ["--blas-min", "0", "--batch", "1"]):
        what = "%s %s" % (name, " ".join(args + list(extra)))
        p = subprocess.run([BIN + "/infer", "-m", path] + args + list(extra),
                           input=data, capture_output=True)
        if p.returncode != 0:
            fail(what, "exit %d: %s" % (p.returncode, p.stderr.decode()))
            continue
        pr = [fr for fr in frames_of(p.stdout)]
        if len(pr) != len(Xte) or any(fr[0][1]["kind"] != "prediction"
                                      for fr in pr):
            fail(what + ": one prediction per frame", "%d of %d" %
                 (len(pr), len(Xte)))
            continue
        inp = frames_of(data)
        if any(a[0][1].get("seq") != b_[0][1].get("seq") or
               a[0][1].get("dev") != b_[0][1].get("dev") or
               b_[0][1]["model"] != "%s@%s" % (b["name"], b["version"])
               for a, b_ in zip(inp, pr)):
            fail(what + ": meta copied in order", "")
            continue
        got = np.array([fr[1]["score"] for fr in pr])
        good, worst = close(got, s_want)
        errs = []
        if not good:
            errs.append("score off by %.3g relative" % worst)
        if labels is not None:
            if [fr[1].get("label") for fr in pr] != lab_want:
                errs.append("labels differ from predict")
            P = np.array([[fr[1]["p." + c] for c in labels] for fr in pr])
            good, worst = close(P, ex["p"])
            if not good:
                errs.append("p.CLASS off by %.3g relative" % worst)
        if "q" in ex:
            good, worst = close([fr[1]["q"] for fr in pr], ex["q"])
            if not good:
                errs.append("q off by %.3g" % worst)
            t2t = b["model"]["hyper"]["t2_threshold"]
            qt = b["model"]["hyper"]["q_threshold"]
            an = (s_want > t2t) | (ex["q"] > qt)
            if [fr[1]["anomaly"] for fr in pr] != list(an):
                errs.append("anomaly differs")
        elif b["outputs"]["threshold"] is not None:
            an = s_want > b["outputs"]["threshold"]
            if b["outputs"].get("anomaly_below"):
                an = s_want < b["outputs"]["threshold"]
            if [fr[1]["anomaly"] for fr in pr] != list(an):
                errs.append("anomaly differs")
        if "y" in ex and ex["y"].ndim == 2 and ex["y"].shape[1] > 1:
            good, worst = close([[fr[1]["out.%d" % j] for j in
                                  range(ex["y"].shape[1])] for fr in pr],
                                ex["y"])
            if not good:
                errs.append("out.J off by %.3g" % worst)
        acc = p.stderr.decode()
        if "in=%d out=%d rejected=0" % (len(Xte), len(Xte)) not in acc:
            errs.append("accounting: " + acc.strip())
        if errs:
            fail(what + ": equals sklearn on %d rows" % len(Xte),
                 "; ".join(errs))
        else:
            ok(what + ": equals sklearn on %d rows (worst %.2g)" %
               (len(Xte), close(got, s_want)[1]))


def main():
    names, Xtr, rtr, Xte, rte, devs = cmapss()
    data = feature_frames(Xte, names, devs)
    healthy = rtr > 100
    clip = np.minimum(rtr, 125)
    models = [
        ("cmapss-logistic", make_pipeline(StandardScaler(),
                                          LogisticRegression(max_iter=500)),
         rtr <= 30, {}),
        ("cmapss-softmax", make_pipeline(StandardScaler(),
                                         LogisticRegression(max_iter=500)),
         np.digitize(rtr, [30, 100]), {}),
        ("cmapss-ridge", make_pipeline(StandardScaler(), Ridge(1.0)), clip,
         {"threshold": 30, "anomaly_below": True, "score_name": "rul"}),
        ("cmapss-ridge2", make_pipeline(StandardScaler(), Ridge(1.0)),
         np.column_stack([clip, rtr]), {}),
        ("cmapss-mlpreg", make_pipeline(StandardScaler(), MLPRegressor(
            (16, 8), max_iter=200, random_state=1)), clip,
         {"threshold": 30, "anomaly_below": True, "score_name": "rul"}),
        ("cmapss-mlpclf", make_pipeline(StandardScaler(), MLPClassifier(
            (16,), activation="tanh", max_iter=200, random_state=1)),
         rtr <= 30, {}),
        ("cmapss-pca", make_pipeline(StandardScaler(), PCA(4)), None, {}),
        ("cmapss-maha", make_pipeline(StandardScaler(),
                                      EmpiricalCovariance()), None, {}),
    ]
    for name, pipe, y, kw in models:
        if y is None:
            pipe.fit(Xtr[healthy])
        else:
            pipe.fit(Xtr, y)
        path = os.path.join(T, name + ".bundle")
        export(path, pipe, names, name=name, version="1", X_train=Xtr, **kw)
        check_reader(name, path, pipe, names)
        check_infer(name, path, pipe, Xte, data)
        if name == "cmapss-mlpreg":	# 328 weights: big enough for BLAS
            check_blas_never(name, path, data)

    # CWRU window features: fault classes
    names, X, y, data = cwru()
    tr = np.arange(len(X)) % 2 == 0
    for name, pipe, yy in [
            ("cwru-softmax", make_pipeline(StandardScaler(),
                                           LogisticRegression(max_iter=1000)),
             y),
            ("cwru-mlp", make_pipeline(StandardScaler(), MLPClassifier(
                (32, 16), max_iter=300, random_state=2)), y),
            ("cwru-logistic", make_pipeline(
                StandardScaler(), LogisticRegression(max_iter=1000)),
             np.where(y == "normal", "normal", "fault")),
            ("cwru-pca", make_pipeline(StandardScaler(), PCA(5)), None)]:
        if yy is None:
            pipe.fit(X[tr & (y == "normal")])
        else:
            pipe.fit(X[tr], yy[tr])
        path = os.path.join(T, name + ".bundle")
        export(path, pipe, names, name=name, version="1", X_train=X[tr])
        check_reader(name, path, pipe, names)
        check_infer(name, path, pipe, X, data)
    print("# %d features of %d CWRU windows" % (len(names), len(X)))
    sys.exit(1 if fails else 0)


main()
