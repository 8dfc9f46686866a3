"""For tests/e2e/drift_infer.sh: a logistic model exported by
pipelines/python/pdm_bundle.py (profiles of x0..x2, the score, and the
confusion matrix of a test set), and sample frames of 2 devices whose
features shift by 1 std at frame AT.

  drift_infer.py bundle OUT
  drift_infer.py frames N AT OUT
"""
import struct
import sys

import msgpack
import numpy as np

sys.path.insert(0, "pipelines/python")


def bundle(out):
    import pdm_bundle
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import confusion_matrix
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    rng = np.random.default_rng(5)
    X = rng.standard_normal((6000, 3))
    y = (X[:, 0] + X[:, 1] + 0.5 * rng.standard_normal(6000) > 1).astype(int)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    pipe.fit(X[:4000], y[:4000])
    cm = confusion_matrix(y[4000:], pipe.predict(X[4000:]))
    pdm_bundle.export(out, pipe, ["x0", "x1", "x2"], "synth", "1",
                      X_train=X[:4000], confusion=cm, created=1700000000)


def frames(n, at, out):
    rng = np.random.default_rng(6)
    pk = msgpack.Packer()
    with open(out, "wb") as f:
        for i in range(n):
            t = msgpack.ExtType(0, struct.pack(">II", 1700000000 + i, 0))
            for d in range(2):
                x = rng.standard_normal(3) + (1.0 if i >= at else 0.0)
                f.write(pk.pack([[t, {"kind": "sample", "dev": "d%d" % d,
                                      "seq": i}],
                                 {"x0": x[0], "x1": x[1], "x2": x[2]}]))


if __name__ == "__main__":
    if sys.argv[1] == "bundle":
        bundle(sys.argv[2])
    else:
        frames(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
