#!/usr/bin/python3
"""pdm_bundle -- write model bundles from scikit-learn, and read them back.

For people who train in Python: export a fitted scikit-learn Pipeline as a
bundle that infer(1) serves on the device, and load any bundle (ours or
train(1)'s) back into numpy.  Needs python3-msgpack, python3-numpy and
python3-sklearn (Debian), nothing else; not needed on the device.  The
format is docs/bundle.md.

    from pdm_bundle import export, read
    export("m.bundle", pipe, features, name="cwru-fault", version="1",
           X_train=X, schema=open("schema").read(), window="-w 1024 ...")
    b = read("m.bundle")          # dict; arrays as numpy float64

Supported pipelines: an optional StandardScaler, then one of
LogisticRegression (binary -> "logistic", multinomial -> "softmax"), Ridge,
MLPClassifier, MLPRegressor, PCA (an anomaly model: score T^2, Q beside it,
thresholds from the training rows' quantile), EmpiricalCovariance or
MinCovDet ("mahalanobis").  Signing needs libsodium: run
`bundle sign -k KEY.sec FILE` after export.

As a command:  pdm_bundle.py show FILE   (prints the body as JSON)
"""
import hashlib
import json
import sys
import time

import msgpack
import numpy as np

CONTAINER = 1
FORMAT = 1
NBINS = 10
NSAMPLE = 1000


class BundleError(Exception):
    pass


# ---- profiles --------------------------------------------------------------

def profile(x, nbins=NBINS, nsample=NSAMPLE, seed=1):
    """PROF of docs/bundle.md for the values x (non-finite left out)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    m = x.size
    if m == 0:
        return {"count": 0, "mean": 0.0, "std": 0.0, "min": 0.0, "max": 0.0,
                "edges": [0.0] * (nbins + 1), "freq": [0.0] * nbins,
                "sample": []}
    edges = np.quantile(x, np.linspace(0, 1, nbins + 1))
    edges[0], edges[-1] = x.min(), x.max()
    edges = np.maximum.accumulate(edges)
    freq = np.bincount(prof_bin(edges, x), minlength=nbins)[:nbins] / m
    rng = np.random.default_rng(seed)
    k = min(nsample, m)
    idx = np.sort(rng.choice(m, size=k, replace=False))
    return {"count": int(m), "mean": float(x.mean()), "std": float(x.std()),
            "min": float(x.min()), "max": float(x.max()),
            "edges": [float(e) for e in edges],
            "freq": [float(f) for f in freq],
            "sample": [float(v) for v in x[idx]]}


def prof_bin(edges, x):
    """The bin of each x as bundle_prof_bin() gives it: the highest i with
    edges[i] <= x among the first nbins edges, 0 below the first."""
    edges = np.asarray(edges)
    return np.clip(np.searchsorted(edges[:-1], x, side="right") - 1, 0,
                   len(edges) - 2)


# ---- from scikit-learn --------------------------------------------------------

def _arr(a):
    a = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise BundleError("non-finite weights")
    return {"shape": [int(s) for s in a.shape],
            "data": [float(v) for v in a.ravel()]}


def _split(pipe):
    """(scaler or None, final estimator) of a Pipeline or an estimator."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    steps = [s for _, s in pipe.steps] if isinstance(pipe, Pipeline) else [pipe]
    steps = [s for s in steps if s is not None and s != "passthrough"]
    scaler = None
    if len(steps) == 2 and isinstance(steps[0], StandardScaler):
        scaler = steps[0]
    elif len(steps) != 1:
        raise BundleError("a pipeline of StandardScaler and one model "
                          "(got %s)" % [type(s).__name__ for s in steps])
    return scaler, steps[-1]


def scores(model, Xs):
    """The score and extra outputs infer computes, from sklearn's own
    methods, for scaled rows Xs: (score, dict of extra outputs)."""
    from sklearn.covariance import EmpiricalCovariance
    from sklearn.decomposition import PCA
    if isinstance(model, PCA):
        t = model.transform(Xs)
        t2 = np.sum(t ** 2 / model.explained_variance_, axis=1)
        r = Xs - model.inverse_transform(t)
        return t2, {"q": np.sum(r ** 2, axis=1)}
    if isinstance(model, EmpiricalCovariance):
        return model.mahalanobis(Xs), {}
    if hasattr(model, "predict_proba"):
        p = model.predict_proba(Xs)
        return (p[:, 1] if p.shape[1] == 2 else p.max(axis=1)), {"p": p}
    y = model.predict(Xs)
    return (y if y.ndim == 1 else y[:, 0]), {"y": y}


def export(path, pipe, features, name, version, X_train=None, parent=None,
           created=None, schema=None, params=None, window=None,
           metrics=None, confusion=None, data_digest=None, rows=None,
           threshold=None, anomaly_below=False, score_name=None,
           quantile=0.99, seed=1, nbins=NBINS):
    """Write the fitted pipe as a bundle at path (unsigned).  features: the
    names, in the model's column order.  X_train (raw, unscaled rows)
    gives the profiles and, for pca and mahalanobis, the thresholds (the
    quantile of the training scores) unless threshold is given."""
    from sklearn.covariance import EmpiricalCovariance
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    scaler, m = _split(pipe)
    n = len(features)
    hyper, arrays, labels = {}, {}, None
    thr = threshold
    Xs = None
    if X_train is not None:
        X_train = np.asarray(X_train, dtype=np.float64)
        Xs = scaler.transform(X_train) if scaler is not None else X_train
    if isinstance(m, LogisticRegression):
        labels = [str(c) for c in m.classes_]
        mc = getattr(m, "multi_class", "auto")
        if len(labels) == 2:
            kind, score = "logistic", "p1"
            if thr is None:
                thr = 0.5
        else:
            if mc == "ovr" or (mc == "auto" and m.solver == "liblinear"):
                raise BundleError("one-vs-rest LogisticRegression: use "
                                  "multinomial (the default with lbfgs)")
            kind, score = "softmax", "pmax"
        arrays["coef"] = _arr(m.coef_)
        arrays["intercept"] = _arr(np.atleast_1d(m.intercept_))
        hyper = {"C": float(m.C), "solver": str(m.solver)}
    elif isinstance(m, Ridge):
        kind, score = "ridge", "value"
        arrays["coef"] = _arr(m.coef_)
        arrays["intercept"] = _arr(np.atleast_1d(m.intercept_))
        hyper = {"alpha": float(np.atleast_1d(m.alpha)[0])}
    elif isinstance(m, (MLPClassifier, MLPRegressor)):
        clf = isinstance(m, MLPClassifier)
        kind = "mlp_classifier" if clf else "mlp_regressor"
        if clf:
            labels = [str(c) for c in m.classes_]
            if m.out_activation_ not in ("logistic", "softmax") or (
                    m.out_activation_ == "logistic" and len(labels) != 2):
                raise BundleError("multilabel MLPClassifier not supported")
            score = "p1" if len(labels) == 2 else "pmax"
            if len(labels) == 2 and thr is None:
                thr = 0.5
        else:
            score = "value"
        for i, (W, b) in enumerate(zip(m.coefs_, m.intercepts_)):
            arrays["W%d" % i] = _arr(W)
            arrays["b%d" % i] = _arr(b)
        hyper = {"activation": m.activation, "layers": len(m.coefs_),
                 "hidden": ",".join(str(W.shape[1]) for W in m.coefs_[:-1])}
    elif isinstance(m, PCA):
        if m.whiten:
            raise BundleError("PCA(whiten=True) not supported")
        kind, score = "pca", "t2"
        arrays["mean"] = _arr(m.mean_)
        arrays["components"] = _arr(m.components_)
        arrays["explained_variance"] = _arr(m.explained_variance_)
        hyper = {"n_components": int(m.n_components_)}
        if Xs is not None:
            t2, ex = scores(m, Xs)
            hyper["t2_threshold"] = float(np.quantile(t2, quantile))
            hyper["q_threshold"] = float(np.quantile(ex["q"], quantile))
    elif isinstance(m, EmpiricalCovariance):
        kind, score = "mahalanobis", "mahalanobis"
        arrays["mean"] = _arr(m.location_)
        arrays["precision"] = _arr(m.precision_)
        if thr is None and Xs is not None:
            thr = float(np.quantile(m.mahalanobis(Xs), quantile))
    else:
        raise BundleError("%s not supported" % type(m).__name__)
    if score_name is not None:
        score = score_name

    sc = None
    if scaler is not None:
        mean = scaler.mean_ if scaler.mean_ is not None else np.zeros(n)
        scale = scaler.scale_ if scaler.scale_ is not None else np.ones(n)
        if len(mean) != n:
            raise BundleError("scaler of %d features, %d names" %
                              (len(mean), n))
        sc = {"mean": _arr(mean)["data"], "scale": _arr(scale)["data"]}
    prof = {"features": {}, "score": None}
    if X_train is not None:
        for j, f in enumerate(features):
            prof["features"][f] = profile(X_train[:, j], nbins,
                                          seed=seed + j)
        s, _ = scores(m, Xs)
        prof["score"] = profile(s, nbins, seed=seed + n)
    met = dict(metrics or {})
    if confusion is not None:
        met["confusion"] = [[int(v) for v in r] for r in confusion]
    if rows is None:
        rows = {"train": 0 if X_train is None else int(len(X_train)),
                "validation": 0, "test": 0}
    body = {
        "format": FORMAT, "name": name, "version": str(version),
        "parent": parent,
        "created": int(time.time() if created is None else created),
        "data": {"digest": data_digest, "rows": rows},
        "upstream": {"schema": schema, "params": params, "window": window},
        "features": list(features),
        "model": {"kind": kind, "hyper": hyper, "scaler": sc,
                  "arrays": arrays},
        "outputs": {"labels": labels,
                    "threshold": None if thr is None else float(thr),
                    "score": score, "anomaly_below": bool(anomaly_below)},
        "metrics": {k: (v if k == "confusion" else float(v))
                    for k, v in met.items()},
        "profile": prof,
    }
    write_body(path, body)
    return body


def write_body(path, body):
    """Wrap a body dict in the container (unsigned) and write it."""
    raw = msgpack.packb(body, use_bin_type=True)
    blob = msgpack.packb({"pdm-bundle": CONTAINER, "body": raw,
                          "sha256": hashlib.sha256(raw).digest(),
                          "sig": None, "key": None}, use_bin_type=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    import os
    os.replace(tmp, path)


# ---- reading ------------------------------------------------------------------

def read(path):
    """The bundle at path as a dict: the body, with every model array a
    numpy float64 array of its shape, the scaler's mean and scale as arrays,
    and "sha256", "signed", "key" (hex) from the container.  Checks the
    container version, the digest and the body format version (signatures
    need libsodium: `bundle verify -k KEY.pub FILE`)."""
    with open(path, "rb") as f:
        c = msgpack.unpackb(f.read(), raw=False)
    if not isinstance(c, dict) or "pdm-bundle" not in c:
        raise BundleError("%s: not a bundle" % path)
    if c["pdm-bundle"] != CONTAINER:
        raise BundleError("%s: container version %s" % (path,
                                                          c["pdm-bundle"]))
    raw = c["body"]
    if hashlib.sha256(raw).digest() != c["sha256"]:
        raise BundleError("%s: digest mismatch" % path)
    b = msgpack.unpackb(raw, raw=False)
    if b.get("format") != FORMAT:
        raise BundleError("%s: body format %s" % (path, b.get("format")))
    for k, a in b["model"]["arrays"].items():
        b["model"]["arrays"][k] = np.asarray(
            a["data"], dtype=np.float64).reshape(a["shape"])
    sc = b["model"].get("scaler")
    if sc is not None:
        sc["mean"] = np.asarray(sc["mean"], dtype=np.float64)
        sc["scale"] = np.asarray(sc["scale"], dtype=np.float64)
    b["sha256"] = c["sha256"].hex()
    b["signed"] = c.get("sig") is not None
    b["key"] = c["key"].hex() if c.get("key") is not None else None
    return b


def _act(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "logistic":
        return 1 / (1 + np.exp(-z))
    return z


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def predict(b, X):
    """Score raw rows X with a bundle read by read(), in numpy, as infer
    does: (score, extra) like scores()."""
    X = np.asarray(X, dtype=np.float64)
    m = b["model"]
    a = m["arrays"]
    if m.get("scaler") is not None:
        X = (X - m["scaler"]["mean"]) / m["scaler"]["scale"]
    k = m["kind"]
    if k in ("logistic", "softmax", "ridge"):
        z = X @ np.atleast_2d(a["coef"]).T + np.atleast_1d(a["intercept"])
        if k == "ridge":
            return z[:, 0], {"y": z}
        if k == "logistic":
            p1 = 1 / (1 + np.exp(-z[:, 0]))
            return p1, {"p": np.column_stack([1 - p1, p1])}
        p = _softmax(z)
        return p.max(axis=1), {"p": p}
    if k.startswith("mlp_"):
        h = X
        L = int(m["hyper"]["layers"])
        for i in range(L):
            h = h @ a["W%d" % i] + a["b%d" % i]
            if i < L - 1:
                h = _act(m["hyper"]["activation"], h)
        if k == "mlp_regressor":
            return h[:, 0], {"y": h}
        if h.shape[1] == 1:
            p1 = 1 / (1 + np.exp(-h[:, 0]))
            return p1, {"p": np.column_stack([1 - p1, p1])}
        p = _softmax(h)
        return p.max(axis=1), {"p": p}
    if k == "pca":
        Xc = X - a["mean"]
        t = Xc @ a["components"].T
        t2 = np.sum(t ** 2 / a["explained_variance"], axis=1)
        return t2, {"q": np.sum((Xc - t @ a["components"]) ** 2, axis=1)}
    if k == "mahalanobis":
        d = X - a["mean"]
        return np.einsum("ij,jk,ik->i", d, a["precision"], d), {}
    raise BundleError("kind %s not known" % k)


def _jsonable(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, dict):
        return {k: _jsonable(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_jsonable(v) for v in o]
    return o


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "show":
        sys.exit("usage: pdm_bundle.py show FILE")
    try:
        print(json.dumps(_jsonable(read(sys.argv[2])), indent=1))
    except (BundleError, OSError) as e:
        sys.exit("pdm_bundle: %s" % e)
