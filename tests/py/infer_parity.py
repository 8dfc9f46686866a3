#!/usr/bin/python3
"""Train/serve parity, end to end (tests/e2e/infer_parity.sh).

usage: infer_parity.py BIN TESTDATA TMPDIR

Training, as a user would: CWRU drive-end samples (three fault records, the
first 2 s of each) through validate (a schema) | normalize (parameters
fitted by normalize -f) | window (-s 1024 -H 512 -f time -r 12000); a
scikit-learn pipeline (StandardScaler, multinomial LogisticRegression) fitted
on those features; one bundle carrying the schema, the parameters and
window's --print-config, written by pdm_bundle.export.

Serving: the held-out last second of each record through
    validate -s M | normalize -p M | window -C M | infer -m M
Each filter takes its section of the bundle: the chain's output equals,
byte for byte, the chain run with the separate files.

The Python side on the same rows, independently: z-score with numpy's
mean and std of the training samples, time features of each window by the
oracle (tests/py/window_oracle.py, from docs/features.md), the sklearn
pipeline's predict_proba and predict.  Every prediction equals it within
1e-5 relative (p.CLASS, score) and in label.
"""
import gzip
import io
import os
import subprocess
import sys

import msgpack
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "pipelines", "python"))
from pdm_bundle import export  # noqa: E402
from window_oracle import sample_frame, ns_of, time_features  # noqa: E402

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

BIN, TD, T = sys.argv[1], sys.argv[2], sys.argv[3]
RATE, SIZE, HOP, NTRAIN = 12000, 1024, 512, 24000
RECS = [("cwru_12k_DE_0hp_B007_118", "ball"),
        ("cwru_12k_DE_0hp_IR007_105", "inner"),
        ("cwru_12k_DE_0hp_OR007at6_130", "outer")]
SCHEMA = """# CWRU drive end as channel "de" (infer_parity.py)
[device]
order      reject
duplicate  reject
unknown    reject

[channels de]
range      -10 10 reject
"""
fails = 0


def ok(n):
    print("ok - " + n)


def fail(n, why=""):
    global fails
    fails += 1
    print("FAIL - %s%s" % (n, ": " + str(why) if why else ""))


def run(cmd, data):
    p = subprocess.run(cmd, input=data, capture_output=True)
    if p.returncode != 0:
        raise SystemExit("%s: exit %d: %s" % (cmd, p.returncode,
                                                p.stderr.decode()))
    return p.stdout


def chain(data, schema, params, conf, model=None, more=()):
    out = run([BIN + "/validate", "-q", "-s", schema], data)
    out = run([BIN + "/normalize", "-q", "-p", params], out)
    out = run([BIN + "/window", "-q", "-C", conf] + list(more), out)
    if model is not None:
        out = run([BIN + "/infer", "-q", "-m", model], out)
    return out


def frames(b):
    return list(msgpack.Unpacker(io.BytesIO(b), raw=False))


# raw samples, split in time
train, test, raw = io.BytesIO(), io.BytesIO(), {}
for rec, cls in RECS:
    with gzip.open(os.path.join(TD, "cwru", rec + ".csv.gz"), "rt") as f:
        f.readline()
        x = np.array([float(l.split(",")[0]) for l in f])
    t = np.arange(len(x)) * 1000000000 // RATE
    raw[rec] = (x, t)
    for i in range(len(x)):
        (train if i < NTRAIN else test).write(
            sample_frame(int(t[i]), rec, i, {"de": float(x[i])}))
train, test = train.getvalue(), test.getvalue()

# the training side
sch = os.path.join(T, "de.schema")
par = os.path.join(T, "de.params")
conf = os.path.join(T, "win.conf")
open(sch, "w").write(SCHEMA)
v = run([BIN + "/validate", "-q", "-s", sch], train)
run([BIN + "/normalize", "-q", "-f", "-p", par], v)
wc = run([BIN + "/window", "-s", str(SIZE), "-H", str(HOP), "-f", "time",
          "-r", str(RATE), "--print-config"], b"")
open(conf, "wb").write(wc)
fr = [f for f in frames(chain(train, sch, par, conf))
      if f[0][1].get("kind") == "features"]
names = [k for k in fr[0][1] if k not in ("de.slope",)]
X = np.array([[f[1][k] for k in names] for f in fr])
keep = np.all(np.isfinite(X), axis=0) & (X.std(axis=0) > 0)
names = [n for n, k in zip(names, keep) if k]
X = X[:, keep]
y = np.array([dict(RECS)[f[0][1]["dev"]] for f in fr])
pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
pipe.fit(X, y)
M = os.path.join(T, "cwru.bundle")
export(M, pipe, names, name="cwru-parity", version="1", X_train=X,
       schema=open(sch).read(), params=open(par).read(),
       window=wc.decode())
ok("trained on %d windows, %d features" % (len(X), len(names)))

# serving: the chain with the bundle, and with the separate files
served = chain(test, M, M, M, M)
apart = chain(test, sch, par, conf, M)
if served == apart:
    ok("each filter takes its section: same bytes as the separate files")
else:
    fail("each filter takes its section", "outputs differ")
p = subprocess.run([BIN + "/window", "-C", M, "--print-config"],
                   capture_output=True)
body = [l for l in p.stdout.decode().splitlines() if not l.startswith("#")]
want = [l for l in wc.decode().splitlines() if not l.startswith("#")]
if p.returncode == 0 and body == want:
    ok("window -C bundle --print-config gives back the embedded options")
else:
    fail("window --print-config round trip", (body, want))
preds = [f for f in frames(served) if f[0][1].get("kind") == "prediction"]

# the Python side, independently of the C code
xs_tr = np.concatenate([raw[r][0][:NTRAIN] for r, _ in RECS])
mu, sd = xs_tr.mean(), xs_tr.std()
rows, got_p, got_l = [], [], []
for f in preds:
    dev = f[0][1]["dev"]
    x, t = raw[dev]
    i = int(np.searchsorted(t, ns_of(f[0][1]["start"])))
    n = f[0][1]["n"]
    z = (x[i:i + n] - mu) / sd
    tf = time_features(z, t[i:i + n])
    rows.append([tf[k.split(".", 1)[1]] for k in names])
    got_p.append([f[1]["p." + c] for c in pipe.classes_])
    got_l.append(f[1]["label"])
rows = np.array(rows)
want_p = pipe.predict_proba(rows)
want_l = list(pipe.predict(rows))
rel = np.max(np.abs(np.array(got_p) - want_p) / np.abs(want_p))
nwin = sum(1 for f in frames(chain(test, sch, par, conf))
           if f[0][1].get("kind") == "features")
if len(preds) == nwin and nwin > 60:
    ok("one prediction per window: %d" % len(preds))
else:
    fail("one prediction per window", "%d of %d" % (len(preds), nwin))
if rel <= 1e-5 and got_l == want_l:
    ok("chain equals the Python pipeline: %d windows, p worst %.2g "
       "relative, labels equal" % (len(preds), rel))
else:
    fail("chain equals the Python pipeline", "p worst %.3g, %d labels "
         "differ" % (rel, sum(a != b for a, b in zip(got_l, want_l))))
acc = np.mean(np.array(want_l) == np.array(
    [dict(RECS)[f[0][1]["dev"]] for f in preds]))
print("# held-out accuracy %.3f (not a test: the model is a toy)" % acc)
sys.exit(1 if fails else 0)
