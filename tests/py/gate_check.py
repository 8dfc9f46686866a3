"""Scores files in the shape of `train --eval --scores`, and the gate's
metrics for them computed with scikit-learn and numpy (the oracle of
tests/e2e/gate.sh).

    gate_check.py make DIR SEED [--expect]
                                  writes DIR/{reg,cls,det}_{cand,serv}.csv
                                  (--expect: then does expect-all DIR)
    gate_check.py expect KIND CAND SERV MARGIN [NORMAL]
                                  prints "verdict metric candidate serving"
    gate_check.py expect-all DIR  the same for the six pairs of DIR, one
                                  line each: "F-ORDER verdict metric c s"
                                  (F reg, cls or det; ORDER cs or sc)
"""
import csv
import math
import sys

import numpy as np
from sklearn.metrics import f1_score, mean_squared_error


def write(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(str(x) for x in r) + "\n")


def make(d, seed):
    rng = np.random.default_rng(seed)
    n = 300
    devs = ["unit-%d" % (i % 7) for i in range(n)]
    # regressor: RUL labels, the candidate closer than the serving model
    y = rng.uniform(0, 125, n).round(0)
    for name, sd, bias in (("cand", 12, 0), ("serv", 18, 15)):
        p = y + bias + rng.normal(0, sd, n)
        write("%s/reg_%s.csv" % (d, name), ["dev", "time", "set", "label", "rul"],
              [(devs[i], "%.9f" % i, "eval", repr(float(y[i])), repr(float(p[i])))
               for i in range(n)])
    # classifier: three classes, p.CLASS columns, some classes never
    # predicted by the worse model
    cls = ["inner", "normal", "outer"]
    lab = rng.integers(0, 3, n)
    for name, acc in (("cand", 0.8), ("serv", 0.6)):
        rows = []
        for i in range(n):
            p = rng.dirichlet([1, 1, 1])
            if rng.uniform() < acc:
                p[lab[i]] += 1
            elif name == "serv":
                p[1] += 1          # the serving model says "normal" too often
            p /= p.sum()
            rows.append((devs[i], "%.9f" % i, "eval", cls[lab[i]])
                        + tuple(repr(float(x)) for x in p))
        write("%s/cls_%s.csv" % (d, name),
              ["dev", "time", "set", "label"] + ["p." + c for c in cls], rows)
    # detector: normal rows and faulty ones, t2,q,alarm at a threshold
    lab = np.where(rng.uniform(0, 1, n) < 0.3, "fault", "normal")
    for name, sep, thr in (("cand", 3.0, 4.0), ("serv", 1.5, 7.0)):
        t2 = rng.chisquare(3, n) + np.where(lab == "fault", sep * 3, 0)
        q = rng.uniform(0, 1, n)
        write("%s/det_%s.csv" % (d, name),
              ["dev", "time", "set", "label", "t2", "q", "alarm"],
              [(devs[i], "%.9f" % i, "eval", lab[i], repr(float(t2[i])),
                repr(float(q[i])), int(t2[i] > thr)) for i in range(n)])


def read(path):
    with open(path) as f:
        r = list(csv.reader(f))
    return r[0], r[1:]


def metric(kind, path, det=None, normal="normal"):
    h, rows = read(path)
    if kind in ("ridge", "mlp_regressor"):
        y = np.array([float(r[3]) for r in rows])
        p = np.array([float(r[4]) for r in rows])
        return math.sqrt(mean_squared_error(y, p))
    if kind in ("logistic", "softmax", "mlp_classifier"):
        cls = [c[2:] for c in h[4:]]
        y = [r[3] for r in rows]
        p = [cls[int(np.argmax([float(x) for x in r[4:]]))] for r in rows]
        return f1_score(y, p, average="macro")
    lab = np.array([r[3] for r in rows])
    s = np.array([float(r[4]) for r in rows])
    an = s[lab != normal]
    k = max(1, math.ceil(det * len(an) - 1e-9))
    thr = np.sort(an)[::-1][k - 1]
    return float(np.mean(s[lab == normal] >= thr))


def detection(path, normal="normal"):
    h, rows = read(path)
    a = [r for r in rows if r[3] != normal]
    return sum(int(r[-1]) for r in a) / len(a)


def main():
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
        if len(sys.argv) > 4 and sys.argv[4] == "--expect":
            sys.argv[1:] = ["expect-all", sys.argv[2]]
        else:
            return 0
    if sys.argv[1] == "expect-all":
        d = sys.argv[2]
        for f, kind in (("reg", "ridge"), ("cls", "softmax"), ("det", "pca")):
            a, b = "%s/%s_cand.csv" % (d, f), "%s/%s_serv.csv" % (d, f)
            print("%s-cs" % f, expect(kind, a, b, 0.0))
            print("%s-sc" % f, expect(kind, b, a, 0.0))
        return 0
    kind, cand, serv, margin = sys.argv[2:6]
    normal = sys.argv[6] if len(sys.argv) > 6 else "normal"
    print(expect(kind, cand, serv, float(margin), normal))
    return 0


def expect(kind, cand, serv, margin, normal="normal"):
    det = detection(serv, normal) if kind in ("pca", "mahalanobis") else None
    c = metric(kind, cand, det, normal)
    s = metric(kind, serv, det, normal)
    if kind in ("logistic", "softmax", "mlp_classifier"):
        v, m = c >= s + margin, "f1_macro"
    else:
        v, m = c <= s - margin, "rmse" if det is None else "false_alarm_rate"
    return "%s %s %.6f %.6f" % ("promote" if v else "refuse", m, c, s)


if __name__ == "__main__":
    sys.exit(main())
