"""bench/train.sh's work: train on the full datasets, beside scikit-learn.

    train_bench.py BIN OUT DATASETS

Prints figure lines: per task the quality (CWRU accuracy, C-MAPSS FD001
RMSE and score on the official test set, median of 5 seeds, IMS first
sustained alarm), and per model kind train's fit time (as train reports
it: the fit alone, frames already read) beside scikit-learn's fit time on
the same matrix in the same run (StandardScaler applied first, as train
does; each the median of 3 runs)."""
import datetime
import os
import re
import subprocess
import sys
import time
import warnings

import msgpack
import numpy as np
from sklearn import linear_model, neural_network, decomposition
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
BIN, OUT, DS = sys.argv[1:4]
os.environ["OPENBLAS_NUM_THREADS"] = "1"


def fig(s):
    print(s, flush=True)


def sh(cmd):
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True,
                       env=dict(os.environ, B=BIN))
    if p.returncode != 0:
        raise SystemExit("%s: exit %d\n%s" % (cmd, p.returncode, p.stderr))
    return p.stdout


def fit_time(out):
    return float(re.search(r"fit ([0-9.]+) s", out).group(1))


def read_feats(path, skip=()):
    """The features frames as (names, X, devs)."""
    X, devs, names = [], [], None
    with open(path, "rb") as f:
        for (_, meta), body in msgpack.Unpacker(f, raw=False):
            if meta.get("kind") not in ("features", "sample", None):
                continue
            if names is None:
                names = [k for k, v in body.items()
                         if isinstance(v, (int, float)) and k not in skip]
            X.append([body[k] for k in names])
            devs.append(meta["dev"])
    return names, np.array(X, float), devs


def med(f, n=3):
    t = []
    for _ in range(n):
        t0 = time.process_time()
        f()
        t.append(time.process_time() - t0)
    return float(np.median(t))


# ---- C-MAPSS FD001 -----------------------------------------------------------
SENS = "s2,s3,s4,s7,s8,s9,s11,s12,s13,s14,s15,s17,s20,s21"
COLS = "unit,cycle,set1,set2,set3," + ",".join("s%d" % i
                                               for i in range(1, 22))
ING = ("$B/ingest -q -n -d space -c %s --device-column unit -t cycle "
       "--time-format epoch" % COLS)
WIN = "$B/window -q -s 30 -H 1 -c %s -f mean,slope,last" % SENS
cm = os.path.join(DS, "cmapss")
tr, te = os.path.join(OUT, "cm_tr.feat"), os.path.join(OUT, "cm_te.feat")
sh("%s %s/train_FD001.txt | %s > %s" % (ING, cm, WIN, tr))
sh("%s %s/test_FD001.txt | %s > %s" % (ING, cm, WIN, te))
rul = np.loadtxt(os.path.join(cm, "RUL_FD001.txt"))
lm = os.path.join(OUT, "rul.map")
with open(lm, "w") as f:
    for i, r in enumerate(rul):
        f.write("%d %d\n" % (i + 1, r))
bun = os.path.join(OUT, "rul.bundle")
res, fits = [], []
for seed in range(1, 6):
    o = sh("$B/train -k mlp_regressor --rul windows --rul-cap 125 --split "
           "group --val 0.2 --test 0 --hidden 64 --epochs 200 --seed %d "
           "-o %s < %s" % (seed, bun, tr))
    fits.append(fit_time(o))
    e = sh("$B/train -q --eval %s --rul windows --label-map %s --last < %s"
           % (bun, lm, te))
    m = re.search(r"^eval\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)", e,
                  re.M)
    res.append((float(m.group(2)), float(m.group(4))))
    fig("train cmapss FD001 seed %d: test RMSE %.2f, score %.1f (%s "
        "engines)" % (seed, res[-1][0], res[-1][1], m.group(1)))
r = np.array(res)
fig("train cmapss FD001 mlp_regressor 64, window 30 (mean, slope, last of "
    "14 sensors), RUL cap 125: median of 5 seeds RMSE %.2f, score %.1f "
    "(published: MLP 37.56, CNN 18.45, LSTM 16.14, best 10.97-12.42)"
    % (np.median(r[:, 0]), np.median(r[:, 1])))

# sklearn on the same training matrix (labels as train derives them)
names, X, devs = read_feats(tr)
y = np.zeros(len(X))
devs = np.array(devs)
for d in np.unique(devs):
    idx = np.where(devs == d)[0]
    y[idx] = np.minimum(125, np.arange(len(idx))[::-1])
Z = StandardScaler().fit_transform(X)
fig("fit time mlp_regressor (17,731 x 42, 64 hidden, 200 epochs, early "
    "stopping): train %.2f s (median of 5 seeds), sklearn %.2f s"
    % (np.median(fits), med(lambda: neural_network.MLPRegressor(
        (64,), max_iter=200, early_stopping=True, validation_fraction=0.2,
        random_state=1).fit(Z, y), 1)))
o = sh("$B/train -k ridge --rul windows --rul-cap 125 --val 0 --test 0 "
       "-o %s < %s" % (bun, tr))
fig("fit time ridge (17,731 x 42): train %.4f s, sklearn %.4f s"
    % (fit_time(o), med(lambda: linear_model.Ridge(1.0).fit(Z, y))))
o = sh("$B/train -k pca --val 0 --test 0 -o %s < %s" % (bun, tr))
fig("fit time pca (17,731 x 42, 0.95 of the variance, T^2/Q limits): train "
    "%.4f s, sklearn PCA %.4f s" % (fit_time(o), med(
        lambda: decomposition.PCA(0.95, svd_solver="full").fit(Z))))
o = sh("$B/train -k mahalanobis --val 0 --test 0 -o %s < %s" % (bun, tr))
fig("fit time mahalanobis (17,731 x 42): train %.4f s, numpy inv(cov) "
    "%.4f s" % (fit_time(o), med(lambda: np.linalg.inv(np.cov(Z.T)))))

# ---- CWRU: ten classes, full recordings -----------------------------------
cw = os.path.join(DS, "cwru")
frames, lmc = os.path.join(OUT, "cwru.frames"), os.path.join(OUT, "cwru.lab")
open(frames, "wb").close()
with open(lmc, "w") as m:
    for f in sorted(os.listdir(cw)):
        if not f.endswith(".csv"):
            continue
        cls = re.sub(r"cwru_\d+k_DE_0hp_(.*)_\d+\.csv", r"\1", f) \
            .replace("at6", "")
        rate = 48000 if "_48k_" in f else 12000
        sh("$B/ingest -q -r %d --rename 'X*_DE_time=de' --device %s %s/%s "
           ">> %s" % (rate, cls, cw, f, frames))
        m.write("%s %s\n" % (cls, cls))
bands = ",".join("%d-%d" % (f, f + 125) for f in range(0, 6000, 125))
feat = os.path.join(OUT, "cwru.feat")
sh("$B/window -q -s 100ms -f bands -b %s < %s > %s" % (bands, frames, feat))
cb = os.path.join(OUT, "cwru.bundle")
o = sh("$B/train -k softmax -C 10 --label-map %s -o %s < %s" % (lmc, cb,
                                                                  feat))
acc = re.search(r"^test\s+(\d+)\s+([0-9.]+)", o, re.M)
fig("train cwru ten classes softmax on 48 band powers (0-6 kHz, 125 Hz, "
    "100 ms windows): test accuracy %s on %s windows (split by time within "
    "each recording: telling recordings apart, not new bearings)"
    % (acc.group(2), acc.group(1)))
for line in o.splitlines():
    if re.match(r"^(confusion|\s{12}|[A-Za-z]+\d*\s+\d)", line):
        fig("  " + line)
names, X, devs = read_feats(feat)
Zc = StandardScaler().fit_transform(X)
yc = np.array(devs)
o = sh("$B/train -k softmax -C 10 --label-map %s --val 0 --test 0 -o %s "
       "< %s" % (lmc, cb, feat))
fig("fit time softmax (%d x 48, 10 classes, C 10): train %.4f s, sklearn "
    "LogisticRegression %.4f s" % (len(X), fit_time(o), med(
        lambda: linear_model.LogisticRegression(C=10, max_iter=1000)
        .fit(Zc, yc))))
yb = np.where(yc == "normal", "normal", "fault")
with open(os.path.join(OUT, "bin.lab"), "w") as f:
    for c in np.unique(yc):
        f.write("%s %s\n" % (c, "normal" if c == "normal" else "fault"))
o = sh("$B/train -k logistic --label-map %s/bin.lab --val 0 --test 0 -o %s "
       "< %s" % (OUT, cb, feat))
fig("fit time logistic (%d x 48, normal vs fault): train %.4f s, sklearn "
    "%.4f s" % (len(X), fit_time(o), med(
        lambda: linear_model.LogisticRegression(max_iter=1000)
        .fit(Zc, yb))))
o = sh("$B/train -k mlp_classifier --label-map %s --hidden 64 --epochs 200 "
       "--patience 0 --val 0 --test 0 -o %s < %s" % (lmc, cb, feat))
fig("fit time mlp_classifier (%d x 48, 64 hidden, 200 epochs): train %.2f "
    "s, sklearn %.2f s" % (len(X), fit_time(o), med(
        lambda: neural_network.MLPClassifier(
            (64,), max_iter=200, n_iter_no_change=10 ** 6).fit(Zc, yc), 1)))

# ---- IMS set 2, bearing 1 ---------------------------------------------------
src = os.path.join(DS, "ims_bearing", "ims2_snapshot_features_derived.csv")
lines = open(src).read().splitlines(True)
h, rest = os.path.join(OUT, "ims_h.csv"), os.path.join(OUT, "ims_r.csv")
open(h, "w").writelines(lines[:301])
open(rest, "w").writelines(lines[:1] + lines[301:])
ing = "$B/ingest -q -t timestamp --skip snapshot,n_rows --device ims2"
for k in ("mahalanobis --far 0.001", "pca --far 0.001"):
    ib = os.path.join(OUT, "ims.bundle")
    sh("%s %s | $B/train -q -k %s --frames sample -x '*_mean' --val 0 "
       "--test 0 -o %s" % (ing, h, k, ib))
    o = sh("%s %s | $B/train -q --eval %s --frames sample" % (ing, rest,
                                                            ib))
    m = re.search(r"ims2: (.*)", o)
    fig("train ims set 2 %s, trained on the first 300 snapshots "
        "(2004-02-12 10:32 to 02-14 12:22): %s (autoencoder: 2004-02-16 "
        "03:12)" % (k, m.group(1) if m else o))
