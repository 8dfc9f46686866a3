#!/usr/bin/python3
"""infer's hot swap under load (tests/e2e/infer_swap.sh, bench/infer.sh).

usage: infer_swap.py BIN TMPDIR NFRAMES NSWAPS MODE [PUBKEY-PREFIX]

MODE symlink: infer serves TMPDIR/model.bundle, a symlink; between chunks of
the stream the symlink is flipped to a new version (polling sees it).
MODE hup: the same with --poll 0 and SIGHUP after each flip.
Among the swaps: a corrupt bundle (a flipped byte: digest), one that does
not fit the stream (a feature the frames lack), and, with a key, one signed
by another key; each must be refused while the old model keeps serving.

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
v = 1
os.makedirs(T, exist_ok=True)
for i in range(NSW):
    if i == NSW // 4:
        plan.append(("corrupt", 900, os.path.join(T, "corrupt.bundle")))
    elif i == NSW // 2:
        plan.append(("misfit", 901, os.path.join(T, "misfit.bundle")))
    elif i == 3 * NSW // 4 and KEY:
        plan.append(("otherkey", 902, os.path.join(T, "other.bundle")))
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
    elif kind == "misfit":
        make(ver, path, feats=["f.a", "f.b", "f.zz"], sign=sec)
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
preds, events, order = [], [], []
with open(os.path.join(T, "swap.out"), "rb") as f:
    for fr in msgpack.Unpacker(f, raw=False):
        k = fr[0][1].get("kind")
        if k == "prediction":
            preds.append((fr[0][1]["dev"], fr[0][1]["seq"],
                          fr[0][1]["model"], fr[1]["score"]))
            order.append("p")
        elif k == "event":
            events.append(fr[1])
            order.append("e")
if len(preds) == N:
    ok("%d frames, %d predictions" % (N, len(preds)))
else:
    fail("one prediction per frame", "%d of %d" % (len(preds), N))
devs = np.array([int(d[1:]) for d, _, _, _ in preds])
seqs = np.array([s for _, s, _, _ in preds])
idx = seqs * NDEV + devs
if len(preds) == N and np.array_equal(idx, np.arange(N)):
    ok("in order, seq continuous per device")
else:
    fail("in order, seq continuous per device")
models = [m for _, _, m, _ in preds]
vers = np.array([int(m.split("@")[1]) for m in models])
score = np.array([s for _, _, _, s in preds])
want = np.empty(len(preds))
for ver in np.unique(vers):
    sel = vers == ver
    w, b = weights(ver)
    want[sel] = 1 / (1 + np.exp(-(X[idx[sel]] @ w + b)))
rel = np.max(np.abs(score - want) / np.abs(want)) if len(preds) else 1
if rel < 1e-12:
    ok("each score is its named model's (worst %.2g)" % rel)
else:
    fail("each score is its named model's", "worst %.3g" % rel)
# the model changes exactly where a model_swap event stands
swaps = [e for e in events if e["type"] == "model_swap"]
refused = [e for e in events if e["type"] == "model_refused"]
changes, pi, cur, bad_change = 0, 0, None, 0
pending_swap = None
for o in order:
    if o == "e":
        e = events[0]
        events.pop(0)
        if e["type"] == "model_swap":
            pending_swap = e["to"]
        continue
    m = models[pi]
    pi += 1
    if cur is not None and m != cur:
        changes += 1
        if pending_swap != m:
            bad_change += 1
    elif pending_swap is not None and m != pending_swap:
        bad_change += 1
    pending_swap = None
    cur = m
good = [ver for kind, ver, _ in plan if kind == "good"]
served = sorted(set(int(m.split("@")[1]) for m in models))
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
if any(v in served for v in (900, 901, 902)):
    fail("no bad bundle served")
else:
    ok("no bad bundle served")
reasons = " | ".join(e["reason"] for e in refused)
want_r = ["digest mismatch", "does not fit the stream"] + (
    ["signed by another key"] if KEY else [])
missing = [r for r in want_r if r not in reasons]
if not missing and len(refused) == len(want_r):
    ok("refused: %s" % ", ".join(want_r))
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
