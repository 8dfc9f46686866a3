#!/usr/bin/python3
"""infer's hot swap under load (tests/e2e/infer_swap.sh, bench/infer.sh).

usage: infer_swap.py BIN TMPDIR NFRAMES NSWAPS MODE [PUBKEY-PREFIX]

MODE symlink: infer serves TMPDIR/model.bundle, a symlink; between chunks of
the stream the symlink is flipped to a new version (polling sees it); with
--blas-min 1, so that queued frames go in micro-batches through BLAS.
MODE hup: the same with --poll 0 and SIGHUP after each flip, frame by frame
(the logistic model never batches by itself).
Among the swaps, spread evenly: a corrupt bundle (a flipped byte: digest),
a truncated one, NaN weights, a newer body format, one that does not fit
the stream (a feature the frames lack), and with a key an unsigned one and
one signed by another key; each must be refused, with its reason, while
the old model keeps serving.

Checks: every input frame has exactly one prediction, in order, seq
continuous per device; each prediction's score is what the model its meta
names gives for that row (numpy); the model changes only at a model_swap
event, every good version is served, the bad ones are refused with their
reason; the accounting line balances.  Prints ok/FAIL lines; exit 1 on any
failure.
"""
import io
import os
import signal
import struct
import subprocess
import sys
import threading
import time

import msgpack
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "pipelines", "python"))
from pdm_bundle import write_body  # noqa: E402

BIN, T, N, NSW, MODE = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                        int(sys.argv[4]), sys.argv[5])
KEY = sys.argv[6] if len(sys.argv) > 6 else None
# the symlinks point at absolute paths: a relative T (make bench gives
# bench/out/...) would make them relative to their own directory
T = os.path.abspath(T)
FEAT = ["f.a", "f.b", "f.c"]
NDEV = 4
fails = 0


def ok(n):
    print("ok - " + n)


def fail(n, why=""):
    global fails
    fails += 1
    print("FAIL - %s%s" % (n, ": " + str(why) if why else ""))


def weights(v):
    return np.array([0.5, -0.25, 0.125]) * (1 + v / 10.0), -0.1 * v


def body(v, feats=FEAT):
    w, b = weights(v)
    return {"format": 1, "name": "swap", "version": str(v), "parent": None,
            "created": 1764687600 + v, "data": {"digest": None, "rows": {
                "train": 0, "validation": 0, "test": 0}},
            "upstream": {"schema": None, "params": None, "window": None},
            "features": feats,
            "model": {"kind": "logistic", "hyper": {}, "scaler": None,
                      "arrays": {"coef": {"shape": [1, 3],
                                          "data": [float(x) for x in w]},
                                 "intercept": {"shape": [1],
                                               "data": [float(b)]}}},
            "outputs": {"labels": ["ok", "bad"], "threshold": 0.5,
                        "score": "p1"},
            "metrics": {}, "profile": {"features": {}, "score": None}}


def make(v, path, feats=FEAT, sign=None):
    write_body(path, body(v, feats))
    if sign:
        subprocess.run([BIN + "/bundle", "sign", "-k", sign, path],
                       check=True)


# the versions: good ones 1..NSW, with bad ones in between
plan = []          # (kind, version, path)
BAD = [("corrupt", "digest mismatch"), ("truncated", "truncated"),
       ("nanweights", "weight coef[1] is nan"),
       ("newer", "body format version 2 not known"),
       ("misfit", "does not fit the stream")]
if KEY:
    BAD += [("unsigned", "unsigned, and a signature is required"),
            ("otherkey", "signed by another key")]
at = {(j + 1) * NSW // (len(BAD) + 1): b for j, b in enumerate(BAD)}
v = 1
os.makedirs(T, exist_ok=True)
for i in range(NSW):
    if i in at:
        kind = at[i][0]
        plan.append((kind, 900 + len(plan), os.path.join(T, kind +
                                                          ".bundle")))
    else:
        v += 1
        plan.append(("good", v, os.path.join(T, "v%d.bundle" % v)))
sec = KEY + ".sec" if KEY else None
make(1, os.path.join(T, "v1.bundle"), sign=sec)
for kind, ver, path in plan:
    if kind == "good":
        make(ver, path, sign=sec)
    elif kind == "corrupt":
        make(ver, path, sign=sec)
        raw = bytearray(open(path, "rb").read())
        raw[len(raw) // 3] ^= 0x04          # inside the body
        open(path, "wb").write(bytes(raw))
    elif kind == "truncated":
        make(ver, path, sign=sec)
        raw = open(path, "rb").read()
        open(path, "wb").write(raw[:len(raw) - 20])
    elif kind in ("nanweights", "newer"):
        bd = body(ver)
        if kind == "newer":
            bd["format"] = 2
        else:
            bd["model"]["arrays"]["coef"]["data"][1] = float("nan")
        write_body(path, bd)        # bundle sign would refuse it
    elif kind == "misfit":
        make(ver, path, feats=["f.a", "f.b", "f.zz"], sign=sec)
    elif kind == "unsigned":
        make(ver, path)
    else:
        subprocess.run([BIN + "/bundle", "keygen", "-f",
                        os.path.join(T, "other")], check=True,
                       capture_output=True)
        make(ver, path, sign=os.path.join(T, "other.sec"))
link = os.path.join(T, "model.bundle")
if os.path.lexists(link):
    os.unlink(link)
os.symlink(os.path.join(T, "v1.bundle"), link)

# the rows: a, b, c in [-4, 4); device i % NDEV
rng = np.random.default_rng(5)
X = np.round(rng.uniform(-4, 4, size=(N, 3)), 3)


def frames(lo, hi):
    out = io.BytesIO()
    pk = msgpack.Packer()
    for i in range(lo, hi):
        out.write(pk.pack([[msgpack.ExtType(0, struct.pack(
            ">II", 1764687600 + i // 1000, 0)),
            {"kind": "features", "dev": "d%d" % (i % NDEV),
             "seq": i // NDEV, "n": 1}],
            {"f.a": X[i, 0], "f.b": X[i, 1], "f.c": X[i, 2]}]))
    return out.getvalue()


cmd = [BIN + "/infer", "-m", link]
if KEY:
    cmd += ["-k", KEY + ".pub"]
if MODE == "hup":
    cmd += ["--poll", "0"]
else:
    cmd += ["--blas-min", "1"]     # micro-batches through BLAS: swaps
                                   # must wait for the frames held
outp = open(os.path.join(T, "swap.out"), "wb")
errp = open(os.path.join(T, "swap.err"), "wb")
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=outp, stderr=errp)
chunk = N // (len(plan) + 1)
pos = 0
t0 = time.time()
for kind, ver, path in plan + [(None, None, None)]:
    hi = N if path is None else pos + chunk
    p.stdin.write(frames(pos, hi))
    p.stdin.flush()
    pos = hi
    if path is None:
        break
    tmp = link + ".tmp"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(path, tmp)
    os.replace(tmp, link)
    if MODE == "hup":
        p.send_signal(signal.SIGHUP)
    time.sleep(0.12)   # let the loader take it (polls every 50 ms)
p.stdin.close()
rc = p.wait()
outp.close()
errp.close()
elapsed = time.time() - t0
err = open(os.path.join(T, "swap.err")).read()
if rc != 0:
    fail("infer exit status", "%d: %s" % (rc, err))

# ---- verify -----------------------------------------------------------------
# streamed into arrays (10 million frames in the bench)
cap = N + 16
devs = np.zeros(cap, dtype=np.int32)
seqs = np.zeros(cap, dtype=np.int64)
vers = np.zeros(cap, dtype=np.int32)
score = np.zeros(cap)
events, at = [], []          # event bodies; how many predictions before each
npred = 0
with open(os.path.join(T, "swap.out"), "rb") as f:
    for fr in msgpack.Unpacker(f, raw=False):
        m = fr[0][1]
        k = m.get("kind")
        if k == "prediction" and npred < cap:
            devs[npred] = int(m["dev"][1:])
            seqs[npred] = m["seq"]
            vers[npred] = int(m["model"].split("@")[1])
            score[npred] = fr[1]["score"]
            npred += 1
        elif k == "event":
            events.append(fr[1])
            at.append(npred)
devs, seqs, vers, score = devs[:npred], seqs[:npred], vers[:npred], \
    score[:npred]
if npred == N:
    ok("%d frames, %d predictions" % (N, npred))
else:
    fail("one prediction per frame", "%d of %d" % (npred, N))
idx = seqs * NDEV + devs
if npred == N and np.array_equal(idx, np.arange(N)):
    ok("in order, seq continuous per device")
else:
    fail("in order, seq continuous per device")
    idx = np.clip(idx, 0, N - 1)
want = np.empty(npred)
for ver in np.unique(vers):
    sel = vers == ver
    w, b = weights(ver)
    want[sel] = 1 / (1 + np.exp(-(X[idx[sel]] @ w + b)))
rel = np.max(np.abs(score - want) / np.abs(want)) if npred else 1
if rel < 1e-12:
    ok("each score is its named model's (worst %.2g)" % rel)
else:
    fail("each score is its named model's", "worst %.3g" % rel)
# the model changes exactly where a model_swap event stands
swaps = [(a, e) for a, e in zip(at, events) if e["type"] == "model_swap"]
refused = [e for e in events if e["type"] == "model_refused"]
change = np.flatnonzero(vers[1:] != vers[:-1]) + 1     # first of a run
swap_at = {a: int(e["to"].split("@")[1]) for a, e in swaps}
bad_change = sum(1 for c in change if swap_at.get(int(c)) != vers[c])
bad_change += sum(1 for a, v in swap_at.items()
                  if a < npred and vers[a] != v)
changes = len(change)
good = [ver for kind, ver, _ in plan if kind == "good"]
served = sorted(set(int(v) for v in np.unique(vers)))
if bad_change == 0 and changes == len(swaps):
    ok("the model changes only at a model_swap event (%d changes)" %
       changes)
else:
    fail("the model changes only at a model_swap event",
         "%d changes, %d swaps, %d unannounced" % (changes, len(swaps),
                                                   bad_change))
if served == [1] + good:
    ok("every good version served (%d swaps)" % len(good))
else:
    fail("every good version served", "served %s, want %s" %
         (served, [1] + good))
if any(v >= 900 for v in served):
    fail("no bad bundle served", served)
else:
    ok("no bad bundle served")
reasons = [e["reason"] for e in refused]
want_r = [w for k, w in BAD]
if KEY:
    # unsigned NaN-weight and newer-format bundles are refused for the
    # missing signature before their body is looked at
    want_r = [w if k not in ("nanweights", "newer") else
              "unsigned, and a signature is required" for k, w in BAD]
missing = [w for w, got in zip(want_r, reasons + [""] * len(want_r))
           if w not in got]
if not missing and len(refused) == len(want_r):
    ok("refused, each with its reason: %s" % "; ".join(want_r))
else:
    fail("refused each bad bundle with its reason", "missing %s; got %s" %
         (missing, reasons))
acc = dict(kv.split("=") for kv in err.split("infer: ")[-1].split()
           if "=" in kv)
try:
    a = {k: int(v) for k, v in acc.items()}
    if (a["in"] == N and a["in"] + a["events"] == a["out"] + a["rejected"] +
            a["dropped"] + a["unwritten"] and a["swaps"] == len(good) and
            a["refused"] == len(want_r)):
        ok("accounting: %s" % err.strip().splitlines()[-1])
    else:
        fail("accounting", err.strip())
except (KeyError, ValueError):
    fail("accounting line", err)
print("# %d frames, %d swaps in %.1f s (mode %s)" % (N, len(plan), elapsed,
                                                       MODE))
sys.exit(1 if fails else 0)
