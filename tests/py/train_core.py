"""train's model core against scikit-learn and numpy on the same matrices.

    train_core.py BIN DIR CASE

Each case writes frames from a seeded random matrix, runs BIN/train on them
(every row a training row unless the case says otherwise), reads the bundle
and the --scores CSV, and compares with what scikit-learn fits (or numpy
and scipy compute) on the same rows, scaled by StandardScaler as train
scales them.  Prints one "ok - ..." or "FAIL - ..." line per check."""
import os
import subprocess
import sys

import numpy as np
from scipy import stats
from sklearn import metrics as skm
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from train_util import arr, read_bundle, read_scores, write_frames

BIN, DIR, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
fails = 0


def check(name, cond, why=""):
    global fails
    if cond:
        print("ok - %s" % name)
    else:
        fails += 1
        print("FAIL - %s: %s" % (name, why))


def run(args, frames):
    p = subprocess.run([os.path.join(BIN, "train")] + args + ["-i", frames],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        raise SystemExit("train %s: exit %d" % (" ".join(args), p.returncode))
    return p.stdout


def matrix(n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 20, size=p) + \
        rng.uniform(-50, 50, size=p)
    return X, rng


# scikit-learn's default lbfgs also stops when the objective falls by less
# than 64 eps (relative), long before tol=1e-10: on the softmax case its
# largest gradient component is then 5e-3 (ours 7e-7), and its coefficients
# are 1e-4 away from the minimum.  newton-cg honours tol (gradient 1e-9).
SOLVER = "newton-cg"

NAMES = lambda p: ["ch%d.f%d" % (j // 3, j % 3) for j in range(p)]


def frames_of(X, labels, name, devs=None, times=None):
    n = len(X)
    path = os.path.join(DIR, name + ".msgpack")
    write_frames(path, X, NAMES(X.shape[1]),
                 devs if devs is not None else ["d0"] * n,
                 times if times is not None else 1e9 + np.arange(n),
                 labels)
    return path


def maxdiff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def case_logistic():
    X, rng = matrix(400, 6, 1)
    Z = StandardScaler().fit_transform(X)
    y = (Z @ rng.normal(size=6) + rng.normal(size=400) > 0.3).astype(int)
    lab = np.where(y == 1, "fault", "ok")
    fr = frames_of(X, lab, "logistic")
    bun, sc = os.path.join(DIR, "l.bundle"), os.path.join(DIR, "l.csv")
    run(["-k", "logistic", "-l", "label", "-C", "0.5", "--val", "0",
         "--test", "0", "-o", bun, "--scores", sc, "--tol", "1e-10"], fr)
    b = read_bundle(bun)
    m = LogisticRegression(C=0.5, tol=1e-10, max_iter=1000,
                           solver=SOLVER).fit(Z, lab)
    check("logistic: classes", b["outputs"]["labels"] == list(m.classes_),
          b["outputs"]["labels"])
    check("logistic: scaler mean and scale",
          maxdiff(b["model"]["scaler"]["mean"], X.mean(0)) < 1e-9 and
          maxdiff(b["model"]["scaler"]["scale"], X.std(0)) < 1e-9)
    d = maxdiff(arr(b, "coef"), m.coef_)
    check("logistic: coef within 1e-4 of sklearn", d < 1e-4, d)
    d = maxdiff(arr(b, "intercept"), m.intercept_)
    check("logistic: intercept within 1e-4", d < 1e-4, d)
    rows = read_scores(sc)
    P = np.array([[float(r["p.fault"]), float(r["p.ok"])] for r in rows])
    d = maxdiff(P, m.predict_proba(Z))
    check("logistic: probabilities within 1e-4", d < 1e-4, d)
    # metrics stored = sklearn.metrics on our own predictions
    yhat = np.where(P[:, 0] > 0.5, "fault", "ok")
    mt = b["metrics"]
    check("logistic: accuracy", abs(mt["train_accuracy"] -
          skm.accuracy_score(lab, yhat)) < 1e-12)
    check("logistic: macro F1", abs(mt["train_f1_macro"] -
          skm.f1_score(lab, yhat, average="macro")) < 1e-12)
    # AUC of p(labels[1]) = p("ok")
    check("logistic: ROC AUC", abs(mt["train_auc"] - skm.roc_auc_score(
          lab == "ok", P[:, 1])) < 1e-12,
          (mt["train_auc"], skm.roc_auc_score(lab == "ok", P[:, 1])))
    cm = skm.confusion_matrix(lab, yhat, labels=["fault", "ok"])
    check("logistic: confusion", b["metrics"].get("confusion") ==
          cm.tolist(), (b["metrics"].get("confusion"), cm.tolist()))


def case_softmax():
    X, rng = matrix(600, 9, 2)
    Z = StandardScaler().fit_transform(X)
    W = rng.normal(size=(9, 4))
    y = np.argmax(Z @ W + rng.normal(size=(600, 4)), 1)
    names = np.array(["ball", "inner", "normal", "outer"])
    lab = names[y]
    fr = frames_of(X, lab, "softmax")
    bun, sc = os.path.join(DIR, "s.bundle"), os.path.join(DIR, "s.csv")
    run(["-k", "softmax", "-l", "label", "-C", "2", "--val", "0", "--test",
         "0", "-o", bun, "--scores", sc, "--tol", "1e-10"], fr)
    b = read_bundle(bun)
    m = LogisticRegression(C=2, tol=1e-10, max_iter=1000,
                           solver=SOLVER).fit(Z, lab)
    d = maxdiff(arr(b, "coef"), m.coef_)
    check("softmax: coef within 1e-4 of sklearn", d < 1e-4, d)
    d = maxdiff(arr(b, "intercept"), m.intercept_)
    check("softmax: intercept within 1e-4", d < 1e-4, d)
    rows = read_scores(sc)
    P = np.array([[float(r["p." + c]) for c in names] for r in rows])
    d = maxdiff(P, m.predict_proba(Z))
    check("softmax: probabilities within 1e-4", d < 1e-4, d)
    yhat = names[np.argmax(P, 1)]
    mt = b["metrics"]
    check("softmax: accuracy, macro F1, OvR AUC", abs(mt["accuracy"] -
          skm.accuracy_score(lab, yhat)) < 1e-12 and
          abs(mt["f1_macro"] - skm.f1_score(lab, yhat, average="macro"))
          < 1e-12 and abs(mt["auc"] - skm.roc_auc_score(
              lab, P, multi_class="ovr", average="macro")) < 1e-12,
          (mt, skm.roc_auc_score(lab, P, multi_class="ovr")))
    check("softmax: confusion", mt["confusion"] ==
          skm.confusion_matrix(lab, yhat, labels=names).tolist())


def case_ridge():
    X, rng = matrix(500, 7, 3)
    Z = StandardScaler().fit_transform(X)
    y = Z @ rng.normal(size=7) * 10 + 50 + rng.normal(size=500)
    fr = frames_of(X, y, "ridge")
    bun, sc = os.path.join(DIR, "r.bundle"), os.path.join(DIR, "r.csv")
    run(["-k", "ridge", "-l", "label", "--alpha", "2.5", "--val", "0",
         "--test", "0", "-o", bun, "--scores", sc], fr)
    b = read_bundle(bun)
    m = Ridge(alpha=2.5).fit(Z, y)
    d = maxdiff(arr(b, "coef"), m.coef_)
    check("ridge: coef within 1e-8 of sklearn", d < 1e-8, d)
    d = maxdiff(arr(b, "intercept"), [m.intercept_])
    check("ridge: intercept within 1e-8", d < 1e-8, d)
    yh = np.array([float(r["value"]) for r in read_scores(sc)])
    mt = b["metrics"]
    check("ridge: RMSE, MAE",
          abs(mt["rmse"] - np.sqrt(skm.mean_squared_error(y, yh))) < 1e-9
          and abs(mt["mae"] - skm.mean_absolute_error(y, yh)) < 1e-9)
    dd = yh - y
    s = np.sum(np.where(dd < 0, np.exp(-dd / 13) - 1, np.exp(dd / 10) - 1))
    check("ridge: C-MAPSS score", abs(mt["cmapss_score"] - s) < 1e-9 * s,
          (mt["cmapss_score"], s))


def case_pca():
    X, rng = matrix(300, 8, 4)
    X[:, 3] = X[:, 0] * 2 + rng.normal(size=300) * 0.1
    Z = StandardScaler().fit_transform(X)
    fr = frames_of(X, None, "pca")
    bun, sc = os.path.join(DIR, "p.bundle"), os.path.join(DIR, "p.csv")
    run(["-k", "pca", "--components", "3", "--far", "0.01", "--threshold",
         "parametric", "--val", "0", "--test", "0", "-o", bun,
         "--scores", sc], fr)
    b = read_bundle(bun)
    m = PCA(3, svd_solver="full").fit(Z)
    C = arr(b, "components")
    d = max(min(maxdiff(C[i], s * m.components_[i]) for s in (1, -1))
            for i in range(3))
    check("pca: components within 1e-8 (up to sign)", d < 1e-8, d)
    d = maxdiff(arr(b, "explained_variance"), m.explained_variance_)
    check("pca: explained variance within 1e-8", d < 1e-8, d)
    d = maxdiff(arr(b, "mean"), m.mean_)
    check("pca: mean", d < 1e-10, d)
    T = (Z - m.mean_) @ m.components_.T
    t2 = np.sum(T * T / m.explained_variance_, 1)
    q = np.sum((Z - m.mean_ - T @ m.components_) ** 2, 1)
    rows = read_scores(sc)
    d1 = maxdiff([float(r["t2"]) for r in rows], t2)
    d2 = maxdiff([float(r["q"]) for r in rows], q)
    check("pca: T^2 and Q against numpy", d1 < 1e-8 and d2 < 1e-8, (d1, d2))
    n, k = 300, 3
    lim = k * (n - 1) * (n + 1) / (n * (n - k)) * stats.f.ppf(0.99, k, n - k)
    h = b["model"]["hyper"]
    check("pca: T^2 limit (F distribution)", abs(h["t2_threshold"] - lim) <
          1e-9 * lim, (h["t2_threshold"], lim))
    ev = np.linalg.eigvalsh(np.cov(Z.T))[::-1][k:]
    t1, t2_, t3 = ev.sum(), (ev ** 2).sum(), (ev ** 3).sum()
    h0 = 1 - 2 * t1 * t3 / (3 * t2_ ** 2)
    c = stats.norm.ppf(0.99)
    ql = t1 * (c * np.sqrt(2 * t2_ * h0 * h0) / t1 + 1 +
               t2_ * h0 * (h0 - 1) / t1 ** 2) ** (1 / h0)
    check("pca: Q limit (Jackson-Mudholkar)", abs(h["q_threshold"] - ql) <
          1e-9 * ql, (h["q_threshold"], ql))
    # empirical threshold: the 0.95 quantile of training T^2 (numpy linear)
    run(["-k", "pca", "--components", "3", "--far", "0.05", "--threshold",
         "empirical", "--val", "0", "--test", "0", "-o", bun], fr)
    h = read_bundle(bun)["model"]["hyper"]
    check("pca: empirical thresholds", abs(h["t2_threshold"] -
          np.quantile(t2, 0.95)) < 1e-9 and abs(h["q_threshold"] -
          np.quantile(q, 0.95)) < 1e-9)
    # by explained variance
    run(["-k", "pca", "--variance", "0.9", "--val", "0", "--test", "0",
         "-o", bun], fr)
    k90 = int(np.searchsorted(np.cumsum(PCA().fit(Z).explained_variance_ratio_),
                              0.9) + 1)
    check("pca: --variance 0.9 keeps %d components" % k90,
          read_bundle(bun)["model"]["hyper"]["components"] == k90)


def case_mahalanobis():
    X, rng = matrix(250, 5, 5)
    Z = StandardScaler().fit_transform(X)
    fr = frames_of(X, None, "mahal")
    bun, sc = os.path.join(DIR, "m.bundle"), os.path.join(DIR, "m.csv")
    run(["-k", "mahalanobis", "--far", "0.01", "--threshold", "parametric",
         "--val", "0", "--test", "0", "-o", bun, "--scores", sc], fr)
    b = read_bundle(bun)
    P = np.linalg.inv(np.cov(Z.T))
    d = maxdiff(arr(b, "precision"), P)
    check("mahalanobis: precision within 1e-8 of numpy", d < 1e-8, d)
    D = Z - Z.mean(0)
    s = np.einsum("ij,jk,ik->i", D, P, D)
    d = maxdiff([float(r["mahalanobis"]) for r in read_scores(sc)], s)
    check("mahalanobis: D^2 against numpy", d < 1e-8, d)
    n, p = 250, 5
    lim = p * (n - 1) * (n + 1) / (n * (n - p)) * stats.f.ppf(0.99, p, n - p)
    check("mahalanobis: threshold", abs(b["outputs"]["threshold"] - lim) <
          1e-9 * lim, (b["outputs"]["threshold"], lim))


def split80(n):
    return int(round(n * 0.8))


def case_mlp_regressor():
    X, rng = matrix(1000, 5, 6)
    Z0 = X
    y = np.sin(StandardScaler().fit_transform(X)[:, 0]) * 3 + \
        StandardScaler().fit_transform(X)[:, 1] ** 2 + \
        0.1 * rng.normal(size=1000)
    fr = frames_of(X, y, "mlpr")
    ntr = split80(1000)
    sc = StandardScaler().fit(Z0[:ntr])
    Ztr, Zva = sc.transform(Z0[:ntr]), sc.transform(Z0[ntr:])
    ours, theirs = [], []
    for seed in range(5):
        bun = os.path.join(DIR, "mr%d.bundle" % seed)
        run(["-k", "mlp_regressor", "-l", "label", "--hidden", "32",
             "--epochs", "300", "--patience", "0", "--val", "0.2", "--test",
             "0", "--purge", "0", "--seed", str(seed), "-o", bun], fr)
        ours.append(read_bundle(bun)["metrics"]["validation_rmse"])
        m = MLPRegressor((32,), max_iter=300, random_state=seed,
                         n_iter_no_change=10 ** 6).fit(Ztr, y[:ntr])
        theirs.append(np.sqrt(np.mean((m.predict(Zva) - y[ntr:]) ** 2)))
    a, c = np.median(ours), np.median(theirs)
    check("mlp_regressor: median validation RMSE of 5 seeds %.4f within 5%% "
          "of sklearn's %.4f (or below)" % (a, c), a <= c * 1.05, (a, c))


def case_mlp_classifier():
    X, rng = matrix(900, 6, 7)
    Z = StandardScaler().fit_transform(X)
    y = (np.sin(2 * Z[:, 0]) + Z[:, 1] * Z[:, 2] + 0.3 * rng.normal(size=900)
         > 0).astype(int) + (Z[:, 3] > 1)
    names = np.array(["a", "b", "c"])
    lab = names[y]
    fr = frames_of(X, lab, "mlpc")
    ntr = split80(900)
    sc = StandardScaler().fit(X[:ntr])
    Ztr, Zva = sc.transform(X[:ntr]), sc.transform(X[ntr:])
    ours, theirs = [], []
    for seed in range(5):
        bun = os.path.join(DIR, "mc%d.bundle" % seed)
        run(["-k", "mlp_classifier", "-l", "label", "--hidden", "24,12",
             "--epochs", "100", "--patience", "0", "--val", "0.2", "--test",
             "0", "--purge", "0", "--seed", str(seed), "-o", bun], fr)
        ours.append(read_bundle(bun)["metrics"]["validation_accuracy"])
        m = MLPClassifier((24, 12), max_iter=100, random_state=seed,
                          n_iter_no_change=10 ** 6).fit(Ztr, lab[:ntr])
        theirs.append(m.score(Zva, lab[ntr:]))
    a, c = np.median(ours), np.median(theirs)
    check("mlp_classifier: median validation accuracy of 5 seeds %.4f within "
          "5%% of sklearn's %.4f (or above)" % (a, c), a >= c * 0.95, (a, c))


import warnings
warnings.filterwarnings("ignore")
globals()["case_" + CASE]()
sys.exit(1 if fails else 0)
