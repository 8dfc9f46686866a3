#!/usr/bin/python3
"""pipeline_model.py -- the small logistic bundle the pipeline benchmark and
tests/e2e/pipelines.sh serve: StandardScaler + LogisticRegression fitted
with scikit-learn on the features frames window wrote from a small slice,
on a synthetic label (the first ".std" feature above its median: the
label only has to make a model of the right shape; nothing is claimed
about its accuracy), exported with pipelines/python/pdm_bundle.py with the
upstream texts (validate's schema, normalize's parameters, window's
--print-config), so that validate -s, normalize -p, window -C, infer -m
and drift -m all read the one file.

    pipeline_model.py FEATURES.mp SCHEMA PARAMS WINDOWCFG OUT.bundle [NAME [VERSION]]
"""
import os
import sys

import msgpack
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "pipelines", "python"))
from pdm_bundle import export  # noqa: E402


def main():
    a = sys.argv[1:]
    if len(a) < 5:
        sys.exit(__doc__)
    feat, schema, params, wcfg, out = a[:5]
    name = a[5] if len(a) > 5 else "pipe"
    version = a[6] if len(a) > 6 else "1"
    names, rows = None, []
    with open(feat, "rb") as f:
        for fr in msgpack.Unpacker(f, raw=False, strict_map_key=False):
            meta, body = fr[0][1], fr[1]
            if meta.get("kind") != "features":
                continue
            if names is None:
                names = sorted(k for k, v in body.items()
                               if isinstance(v, float))
            rows.append([body.get(k, np.nan) for k in names])
    X = np.asarray(rows, dtype=np.float64)
    X = X[np.isfinite(X).all(axis=1)]
    if len(X) < 10:
        sys.exit("pipeline_model: %d usable features frames in %s"
                 % (len(X), feat))
    j = next(i for i, k in enumerate(names) if k.endswith(".std"))
    y = (X[:, j] > np.median(X[:, j])).astype(int)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    rd = lambda p: open(p).read()  # noqa: E731
    export(out, pipe, names, name=name, version=version, X_train=X,
           schema=rd(schema), params=rd(params), window=rd(wcfg),
           metrics={"train_accuracy": pipe.score(X, y)})
    print("pipeline_model: %s: %d features, %d rows" % (out, len(names),
                                                       len(X)))


main()
