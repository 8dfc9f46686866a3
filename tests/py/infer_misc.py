#!/usr/bin/python3
"""infer's frame handling and bundle(1), checked against numpy
(tests/e2e/infer_misc.sh).

usage: infer_misc.py BIN TMPDIR

- missing features: rejected, naming them; extra features ignored;
- NaN: rejected by default; --nan mean fills the training mean (counted);
- other kinds (sample, event, reject) pass through unchanged, in place;
- --keep keeps the input's fields; --shadow scores a challenger beside;
- --kind sample scores sample frames (a Mahalanobis model on raw readings);
- refusals at start: truncated, flipped byte, NaN weights, newer format,
  unsigned under --pubkey, another key: each exits 65 naming the reason;
- bundle show/verify/sign/diff/section.
"""
import hashlib
import io
import json
import math
import os
import struct
import subprocess
import sys

import msgpack
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "pipelines", "python"))
from pdm_bundle import read, write_body  # noqa: E402

BIN, T = sys.argv[1], sys.argv[2]
fails = 0


def ok(n):
    print("ok - " + n)


def fail(n, why=""):
    global fails
    fails += 1
    print("FAIL - %s%s" % (n, ": " + str(why) if why else ""))


def expect(n, cond, why=""):
    ok(n) if cond else fail(n, why)


def ts(i):
    return msgpack.ExtType(0, struct.pack(">II", 1764687600 + i, 0))


def run(args, data=b""):
    p = subprocess.run([BIN + "/infer"] + args, input=data,
                       capture_output=True)
    return p.returncode, list(msgpack.Unpacker(io.BytesIO(p.stdout),
                                               raw=False)), p.stderr.decode()


def bundle(path, kind="logistic", feats=("x", "y"), version="1", **over):
    n = len(feats)
    arrays = {"coef": {"shape": [1, n], "data": [0.5 * (j + 1) for j in
                                                   range(n)]},
              "intercept": {"shape": [1], "data": [-0.25]}}
    if kind == "mahalanobis":
        arrays = {"mean": {"shape": [n], "data": [1.0] * n},
                  "precision": {"shape": [n, n], "data": list(
                      (np.eye(n) * 2 + 0.1).ravel())}}
    b = {"format": 1, "name": "m" + kind[:3], "version": version,
         "parent": None, "created": 0,
         "data": {"digest": None, "rows": {"train": 0, "validation": 0,
                                           "test": 0}},
         "upstream": {"schema": "version 1\n", "params": None,
                      "window": "size 1024\n"},
         "features": list(feats),
         "model": {"kind": kind, "hyper": {},
                   "scaler": {"mean": [1.0 + j for j in range(n)],
                              "scale": [2.0] * n},
                   "arrays": arrays},
         "outputs": {"labels": ["ok", "bad"] if kind == "logistic" else
                     None, "threshold": 0.5 if kind == "logistic" else 3.0,
                     "score": "p1"},
         "metrics": {"accuracy": 0.9}, "profile": {"features": {},
                                                   "score": None}}
    for k, v in over.items():
        b[k] = v
    write_body(path, b)
    return b


def p1(b, x):
    sc = b["model"]["scaler"]
    xs = (np.asarray(x) - sc["mean"]) / np.asarray(sc["scale"])
    w = b["model"]["arrays"]["coef"]["data"]
    z = xs @ np.asarray(w) + b["model"]["arrays"]["intercept"]["data"][0]
    return 1 / (1 + math.exp(-z))


M = os.path.join(T, "m.bundle")
B = bundle(M)
frames = [
    [[ts(0), {"kind": "features", "dev": "a", "seq": 0, "n": 5}],
     {"x": 1.5, "y": -2.0, "extra": 7.0}],
    [[ts(1), {"kind": "sample", "dev": "a", "seq": 0}], {"x": 1.0}],
    [[ts(2), {"kind": "features", "dev": "a", "seq": 1, "n": 5}],
     {"x": 3.0}],                                       # y missing
    [[ts(3), {"kind": "features", "dev": "a", "seq": 2, "n": 5}],
     {"x": float("nan"), "y": 1.0}],                    # NaN
    [[ts(4), {"kind": "event"}], {"type": "gap", "seconds": 3.0}],
    [[ts(5), {"kind": "features", "dev": "b", "seq": 0, "n": 5,
              "short": True}], {"y": 0.5, "x": -1.0}],  # other order
]
data = b"".join(msgpack.packb(f) for f in frames)
for batch in ("64", "1"):
    rc, out, err = run(["-m", M, "--batch", batch], data)
    kinds = [f[0][1].get("kind", "sample") for f in out]
    expect("batch %s: frames in order, kinds" % batch,
           rc == 0 and kinds == ["prediction", "sample", "reject", "reject",
                                 "event", "prediction"], (rc, kinds, err))
    if rc != 0 or len(out) != 6:
        continue
    expect("batch %s: score" % batch,
           abs(out[0][1]["score"] - p1(B, [1.5, -2.0])) < 1e-15 and
           abs(out[5][1]["score"] - p1(B, [-1.0, 0.5])) < 1e-15)
    expect("batch %s: label, anomaly, p.CLASS" % batch,
           out[0][1]["label"] == ("bad" if p1(B, [1.5, -2]) > 0.5 else "ok")
           and out[0][1]["anomaly"] == (p1(B, [1.5, -2]) > 0.5) and
           abs(out[0][1]["p.ok"] + out[0][1]["p.bad"] - 1) < 1e-15)
    expect("batch %s: meta copied, model named" % batch,
           out[0][0][1] == {"kind": "prediction", "dev": "a", "seq": 0,
                            "n": 5, "model": "mlog@1"} and
           out[5][0][1].get("short") is True and out[0][0][0] == ts(0),
           out[0][0])
    expect("batch %s: extra features ignored, not kept" % batch,
           "extra" not in out[0][1] and "x" not in out[0][1])
    expect("batch %s: missing feature rejected, named" % batch,
           "missing feature(s): y" in out[2][1]["reason"] and
           out[2][1]["rule"] == "missing", out[2][1])
    expect("batch %s: NaN rejected, named" % batch,
           "NaN in feature(s): x" in out[3][1]["reason"], out[3][1])
    expect("batch %s: pass-through unchanged" % batch,
           msgpack.packb(out[1]) == msgpack.packb(frames[1]) and
           msgpack.packb(out[4]) == msgpack.packb(frames[4]))
    expect("batch %s: accounting" % batch,
           "in=6 out=4 rejected=2" in err and "missing=1 nan=1" in err, err)

# the predictions are canonical msgpack (what frame_encode and Python's
# packb write), times and meta of every form: EventTime, int and float
# frame times, time meta values, an ext meta value (the record path), a
# legacy [time, body] frame passed through
canon = [
    [[ts(7), {"kind": "features", "dev": "c" * 40, "seq": 70000, "n": 300,
              "start": ts(6), "end": ts(8)}], {"x": 0.5, "y": 1e300}],
    [[1764687600, {"kind": "features", "dev": "c", "seq": 2 ** 40}],
     {"x": -0.5, "y": 2.0}],
    [[1764687600.25, {"kind": "features", "dev": "c", "seq": 3,
                      "n": -5, "short": False}], {"x": 1, "y": -2}],
    [[ts(9), {"kind": "features", "dev": "c", "seq": 4,
              "n": msgpack.ExtType(5, b"ab")}], {"x": 1.0, "y": 2.0}],
]
blob = b"".join(msgpack.packb(f) for f in canon) + msgpack.packb(
    [ts(10), {"x": 1.0}])          # legacy [time, body]: a sample
for extra in ([], ["--keep"]):
    p = subprocess.run([BIN + "/infer", "-m", M] + extra, input=blob,
                       capture_output=True)
    up = msgpack.Unpacker(raw=False)
    up.feed(p.stdout)
    bad, pos, nfr = [], 0, 0
    for fr in up:
        end = up.tell()
        if msgpack.packb(fr) != p.stdout[pos:end]:
            bad.append(nfr)
        pos = end
        nfr += 1
    expect("canonical predictions %s(time forms, long dev, big seq)" %
           " ".join(extra), p.returncode == 0 and nfr == 5 and not bad,
           (p.returncode, nfr, bad, p.stderr))

# --nan mean: the scaler's mean (the training mean) for x
rc, out, err = run(["-m", M, "--nan", "mean", "--keep"], data)
expect("--nan mean: filled and counted",
       rc == 0 and out[3][0][1]["kind"] == "prediction" and
       abs(out[3][1]["score"] - p1(B, [1.0, 1.0])) < 1e-15 and
       "nan_filled=1" in err, (rc, err))
expect("--keep: the input's fields after the outputs",
       rc == 0 and list(out[0][1])[-3:] == ["x", "y", "extra"] and
       out[0][1]["extra"] == 7.0)

# --shadow: a challenger with other weights
S = os.path.join(T, "s.bundle")
bs = bundle(S, version="2", model={
    "kind": "logistic", "hyper": {}, "scaler": None,
    "arrays": {"coef": {"shape": [1, 2], "data": [-1.0, 0.25]},
               "intercept": {"shape": [1], "data": [0.5]}}})
rc, out, err = run(["-m", M, "--shadow", S], data)
sx = 1 / (1 + math.exp(-(-1.0 * 1.5 + 0.25 * -2.0 + 0.5)))
expect("--shadow: both models' outputs",
       rc == 0 and out[0][1]["shadow.model"] == "mlog@2" and
       abs(out[0][1]["shadow.score"] - sx) < 1e-15 and
       abs(out[0][1]["score"] - p1(B, [1.5, -2.0])) < 1e-15 and
       "shadow.p.bad" in out[0][1], (rc, out[0][1] if out else err))

# --kind sample: a Mahalanobis model on raw readings
K = os.path.join(T, "k.bundle")
bk = bundle(K, kind="mahalanobis", feats=("x",))
rc, out, err = run(["-m", K, "--kind", "sample"], data)
d = (1.0 - 1.0) / 2.0 - 1.0
expect("--kind sample: samples scored, features pass",
       rc == 0 and out[1][0][1]["kind"] == "prediction" and
       abs(out[1][1]["score"] - d * d * 2.1) < 1e-15 and
       out[0][0][1]["kind"] == "features" and
       out[1][1]["anomaly"] is False, (rc, out[1] if len(out) > 1 else err))

# an output that cannot be written: exit 74, every frame accounted for,
# batched or not
many = b"".join(msgpack.packb([[ts(i), {"kind": "features", "dev": "a",
                                        "seq": i}], {"x": 1.0, "y": 2.0}])
                for i in range(20000))
for extra in (["--blas-min", "0"], ["--blas-min", "1"]):
    p = subprocess.run([BIN + "/infer", "-m", M, "-o", "/dev/full"] + extra,
                       input=many, capture_output=True)
    e = p.stderr.decode()
    expect("/dev/full %s: exit 74, accounted" % " ".join(extra),
           p.returncode == 74 and "No space left" in e and
           "does not balance" not in e, (p.returncode, e))

# ---- refusals at start ------------------------------------------------------
raw = open(M, "rb").read()


def refused(name, blob, why, args=()):
    path = os.path.join(T, name + ".bundle")
    open(path, "wb").write(blob)
    rc, out, err = run(["-m", path] + list(args), data)
    expect("refused at start: %s" % name,
           rc == 65 and why in err and path in err and not out, (rc, err))


refused("truncated", raw[:len(raw) - 7], "truncated")
flip = bytearray(raw)
flip[len(raw) // 2] ^= 1
refused("flipped", bytes(flip), "digest mismatch")


def rebody(b):
    bb = msgpack.packb(b, use_bin_type=True)
    return msgpack.packb({"pdm-bundle": 1, "body": bb,
                          "sha256": hashlib.sha256(bb).digest(),
                          "sig": None, "key": None}, use_bin_type=True)


nb = json.loads(json.dumps(B))
nb["model"]["arrays"]["coef"]["data"][1] = float("nan")
refused("nanweights", rebody(nb), "weight coef[1] is nan")
nb = json.loads(json.dumps(B))
nb["format"] = 2
refused("newer", rebody(nb), "body format version 2 not known")
refused("container2", rebody(B).replace(b"\xaapdm-bundle\x01",
                                        b"\xaapdm-bundle\x02"),
        "container format version 2 not known")
nb = json.loads(json.dumps(B))
nb["model"]["arrays"]["coef"]["shape"] = [2, 1]
refused("shape", rebody(nb), "shape mismatch")
subprocess.run([BIN + "/bundle", "keygen", os.path.join(T, "k1")],
               check=True, capture_output=True)
subprocess.run([BIN + "/bundle", "keygen", os.path.join(T, "k2")],
               check=True, capture_output=True)
refused("unsigned", raw, "unsigned, and a signature is required",
        ["-k", os.path.join(T, "k1.pub")])
sg = os.path.join(T, "signed.bundle")
p = subprocess.run([BIN + "/bundle", "sign", "-k", os.path.join(T, "k2.sec"),
                    M, sg], capture_output=True)
expect("bundle sign", p.returncode == 0, p.stderr)
refused("otherkey", open(sg, "rb").read(), "signed by another key",
        ["-k", os.path.join(T, "k1.pub")])
rc, out, err = run(["-m", sg, "-k", os.path.join(T, "k2.pub")], data)
expect("served under its key", rc == 0 and len(out) == 6, err)
sig = bytearray(open(sg, "rb").read())
sig[-40] ^= 0x80          # inside the signature
refused("badsig", bytes(sig), "bad signature",
        ["-k", os.path.join(T, "k2.pub")])

# ---- bundle(1) -------------------------------------------------------------


def bundle_cmd(*args):
    p = subprocess.run([BIN + "/bundle"] + list(args), capture_output=True)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


rc, o, e = bundle_cmd("verify", "-k", os.path.join(T, "k2.pub"), sg)
expect("bundle verify: good", rc == 0 and "ok, mlog@1, signed by" in o, e)
rc, o, e = bundle_cmd("verify", "-k", os.path.join(T, "k1.pub"), sg,
                      os.path.join(T, "flipped.bundle"))
expect("bundle verify: bad ones named, exit 65",
       rc == 65 and "signed by another key" in e and "digest mismatch" in e,
       (rc, e))
rc, o, e = bundle_cmd("show", M)
expect("bundle show", rc == 0 and o.startswith("mlog@1") and
       "features   2: x y" in o and "accuracy 0.9" in o, o)
rc, o, e = bundle_cmd("show", "--json", sg)
j = json.loads(o) if rc == 0 else {}
r = read(sg)
expect("bundle show --json equals the Python reader",
       rc == 0 and j["sha256"] == r["sha256"] and j["signed"] and
       j["key"] == r["key"] and j["features"] == r["features"] and
       j["model"]["scaler"]["mean"] == list(r["model"]["scaler"]["mean"]) and
       j["upstream"] == r["upstream"], (rc, e))
rc, o, e = bundle_cmd("diff", M, S)
expect("bundle diff: what changed, exit 1",
       rc == 1 and "version    1 -> 2" in o and "scaler     yes -> none" in o
       and "coef: weights changed" in o, (rc, o))
rc, o, e = bundle_cmd("diff", M, sg)
expect("bundle diff: same body, exit 0", rc == 0 and "signature" in o,
       (rc, o))
rc, o, e = bundle_cmd("section", M, "window")
expect("bundle section", rc == 0 and o == "size 1024\n", (rc, o, e))
rc, o, e = bundle_cmd("section", M, "params")
expect("bundle section: absent, exit 65",
       rc == 65 and "has no params section" in e, (rc, e))
rc, o, e = bundle_cmd("keygen", os.path.join(T, "k1"))
expect("bundle keygen refuses to overwrite", rc == 73, (rc, e))
expect("secret key mode 0600",
       os.stat(os.path.join(T, "k1.sec")).st_mode & 0o777 == 0o600)
sys.exit(1 if fails else 0)
