"""train on real data, built through ingest and window (testdata slices).

    train_tasks.py BIN DIR TESTDATA cwru|cmapss|ims

cwru: ten classes, one recording per class, band powers in Hz bands of a
fixed-duration window (so the 48 kHz normal recording and the 12 kHz fault
recordings give the same features); split by time within each recording.
cmapss: FD001 RUL from windows (mean, slope and the new `last` feature),
evaluated on the last window of each complete test engine of the slice
against RUL_FD001.txt, read here.  ims: Mahalanobis on the first 300
snapshots of set 2; the first 3 alarms in a row after them, against numpy
and scipy doing the same."""
import datetime
import gzip
import os
import re
import subprocess
import sys

import numpy as np
from scipy import stats

from train_util import read_bundle, read_scores

BIN, DIR, TD, CASE = sys.argv[1:5]
os.environ["OPENBLAS_NUM_THREADS"] = "1"
fails = 0


def check(name, cond, why=""):
    global fails
    if cond:
        print("ok - %s" % name)
    else:
        fails += 1
        print("FAIL - %s: %s" % (name, why))


def sh(cmd):
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True,
                       env=dict(os.environ, B=BIN))
    if p.returncode != 0:
        raise SystemExit("%s: exit %d\n%s" % (cmd, p.returncode, p.stderr))
    return p.stdout


def gunzip(name):
    out = os.path.join(DIR, os.path.basename(name)[:-3])
    with gzip.open(os.path.join(TD, name)) as f, open(out, "wb") as g:
        g.write(f.read())
    return out


def cwru():
    frames = os.path.join(DIR, "cwru.frames")
    lm = os.path.join(DIR, "cwru.labels")
    open(frames, "wb").close()
    with open(lm, "w") as m:
        for f in sorted(os.listdir(os.path.join(TD, "cwru"))):
            cls = re.sub(r"cwru_\d+k_DE_0hp_(.*)_\d+\.csv\.gz", r"\1",
                         f).replace("at6", "")
            rate = 48000 if "_48k_" in f else 12000
            csv = gunzip("cwru/" + f)
            sh("$B/ingest -q -r %d --rename 'X*_DE_time=de' --device %s %s "
               ">> %s" % (rate, cls, csv, frames))
            m.write("%s %s\n" % (cls, cls))
    bands = ",".join("%d-%d" % (f, f + 250) for f in range(0, 6000, 250))
    feat = os.path.join(DIR, "cwru.feat")
    sh("$B/window -q -s 50ms -f bands -b %s < %s > %s" % (bands, frames,
                                                       feat))
    bun, sc = os.path.join(DIR, "cwru.bundle"), os.path.join(DIR, "cwru.csv")
    out = sh("$B/train -q -k softmax -C 10 --label-map %s -o %s --scores %s "
             "< %s" % (lm, bun, sc, feat))
    b = read_bundle(bun)
    check("cwru: one channel name for every recording (--rename)",
          all(f.startswith("de.band_") for f in b["features"]) and
          len(b["features"]) == 24, b["features"][:3])
    check("cwru: ten classes", len(b["outputs"]["labels"]) == 10)
    acc = b["metrics"]["test_accuracy"]
    print("# cwru test accuracy %.4f" % acc)
    print(out)
    check("cwru: test accuracy %.4f >= 0.97 (slices: 3 s a fault, 2 s "
          "normal)" % acc, acc >= 0.97)
    S = read_scores(sc)
    ok = True
    for d in {r["dev"] for r in S}:
        seq = [r["set"] for r in sorted((r for r in S if r["dev"] == d),
                                        key=lambda r: float(r["time"]))]
        ok &= seq.index("validation") > seq.index("purged") and \
            seq[-1] == "test" and "train" not in seq[seq.index("purged"):]
    check("cwru: split by time within each recording, purged at the cuts",
          ok)


SENS = "s2,s3,s4,s7,s8,s9,s11,s12,s13,s14,s15,s17,s20,s21"
COLS = "unit,cycle,set1,set2,set3," + ",".join("s%d" % i
                                               for i in range(1, 22))


def cmapss():
    tr = gunzip("cmapss/train_FD001.txt.gz")
    # the complete engines of the test slice (its last one may be cut)
    rows = np.loadtxt(os.path.join(TD, "cmapss/test_FD001_head.txt"))
    units = np.unique(rows[:, 0]).astype(int)[:-1]
    te = os.path.join(DIR, "test.txt")
    np.savetxt(te, rows[np.isin(rows[:, 0], units)], fmt="%.10g")
    rul = np.loadtxt(os.path.join(TD, "cmapss/RUL_FD001.txt"))
    lm = os.path.join(DIR, "rul.map")
    with open(lm, "w") as f:
        for u in units:
            f.write("%d %d\n" % (u, rul[u - 1]))
    ing = ("$B/ingest -q -n -d space -c %s --device-column unit -t cycle "
           "--time-format epoch" % COLS)
    win = "$B/window -q -s 30 -H 1 -c %s -f mean,slope,last" % SENS
    a, b = os.path.join(DIR, "tr.feat"), os.path.join(DIR, "te.feat")
    sh("%s %s | %s > %s" % (ing, tr, win, a))
    sh("%s %s | %s > %s" % (ing, te, win, b))
    bun, sc = os.path.join(DIR, "rul.bundle"), os.path.join(DIR, "rul.csv")
    sh("$B/train -q -k mlp_regressor --rul windows --rul-cap 125 --split "
       "group --val 0.2 --test 0 --hidden 64 --epochs 40 --seed 1 -o %s "
       "< %s" % (bun, a))
    out = sh("$B/train -q --eval %s --rul windows --label-map %s --last "
             "--scores %s < %s" % (bun, lm, sc, b))
    print(out)
    S = read_scores(sc)
    got = {int(r["dev"]): (float(r["label"]), float(r["rul"])) for r in S}
    check("cmapss: one row (the last window) of each of the %d test engines"
          % len(units), sorted(got) == list(units), sorted(got))
    check("cmapss: its label is RUL_FD001.txt's",
          all(got[u][0] == rul[u - 1] for u in units))
    last_t = {u: rows[rows[:, 0] == u][-1, 1] for u in units}
    check("cmapss: the last window ends at the engine's last cycle",
          all(abs(float(r["time"]) + 29 - last_t[int(r["dev"])]) < 1e-6
              for r in S), [(r["dev"], r["time"]) for r in S][:3])
    y = np.array([got[u][0] for u in units])
    p = np.array([got[u][1] for u in units])
    rmse = np.sqrt(np.mean((p - y) ** 2))
    d = p - y
    score = np.sum(np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1))
    m = re.search(r"^eval\s+\d+\s+([0-9.]+)\s+[0-9.]+\s+([0-9.]+)", out,
                  re.M)
    check("cmapss: RMSE %.2f and score %.1f as numpy has them" % (rmse,
          score), m is not None and abs(float(m.group(1)) - rmse) < 1e-3
          and abs(float(m.group(2)) - score) < 0.01 + 1e-6 * score, out)
    print("# cmapss RMSE %.2f score %.1f on %d engines (40 epochs, seed 1)"
          % (rmse, score, len(units)))
    check("cmapss: RMSE %.2f below 20 on the slice's engines" % rmse,
          rmse < 20)
    # the `last` feature: the raw value of the window's last cycle
    fe = sh("$B/tap < %s | head -n 200" % a)
    first = [l for l in fe.splitlines() if '"dev":"1"' in l][0]
    v = float(re.search(r'"s2.last":([-0-9.e]+)', first).group(1))
    trr = np.loadtxt(tr)
    check("window last: s2.last of unit 1's first window is cycle 30's s2",
          v == trr[(trr[:, 0] == 1) & (trr[:, 1] == 30)][0, 6], v)


def ims():
    src = os.path.join(TD, "ims/ims2_snapshot_features_derived.csv")
    lines = open(src).read().splitlines(True)
    h, rest = os.path.join(DIR, "h.csv"), os.path.join(DIR, "rest.csv")
    open(h, "w").writelines(lines[:301])
    open(rest, "w").writelines(lines[:1] + lines[301:])
    ing = "$B/ingest -q -t timestamp --skip snapshot,n_rows --device ims2"
    bun = os.path.join(DIR, "ims.bundle")
    sh("%s %s | $B/train -q -k mahalanobis --far 0.001 --frames sample "
       "-x '*_mean' --val 0 --test 0 -o %s" % (ing, h, bun))
    out = sh("%s %s | $B/train -q --eval %s --frames sample" % (ing, rest,
                                                             bun))
    print(out)
    # numpy: the same detector from the table itself
    import csv
    rows = list(csv.DictReader(open(src)))
    names = [k for k in rows[0] if k not in ("snapshot", "timestamp",
                                             "n_rows")
             and not k.endswith("_mean")]
    X = np.array([[float(r[k]) for k in names] for r in rows])
    mu, sd = X[:300].mean(0), X[:300].std(0)
    Z = (X - mu) / sd
    P = np.linalg.inv(np.cov(Z[:300].T))
    D = Z - Z[:300].mean(0)
    s = np.einsum("ij,jk,ik->i", D, P, D)
    n, p = 300, len(names)
    thr = p * (n - 1) * (n + 1) / (n * (n - p)) * stats.f.ppf(0.999, p,
                                                             n - p)
    a = s > thr
    first = next(i for i in range(300, len(a) - 2) if a[i:i + 3].all())
    when = rows[first]["timestamp"].replace(" ", "T") + "Z"
    before = int(a[300:first].sum())
    m = re.search(r"from (\S+) \(row \d+ of \d+\), (\d+) alarms before",
                  out)
    check("ims: first 3 alarms in a row at %s with %d before, as numpy has "
          "it" % (when, before), m is not None and m.group(1) == when and
          int(m.group(2)) == before, out)
    print("# ims first sustained alarm %s, %d false alarms before "
          "(autoencoder: 2004-02-16 03:12)" % (when, before))


{"cwru": cwru, "cmapss": cmapss, "ims": ims}[CASE]()
sys.exit(1 if fails else 0)
