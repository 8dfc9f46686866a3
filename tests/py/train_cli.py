"""train's command line beyond the numerics: labels (body, meta, device
map, derived RUL), splits (time with purge, group, k-fold), accounting,
the bundle's metadata, upstream texts and profile, --eval and determinism.

    train_cli.py BIN DIR

Expected values are worked out here from the frames this script writes."""
import os
import re
import subprocess
import sys

import numpy as np

from train_util import read_bundle, read_scores, write_frames

BIN, DIR = sys.argv[1], sys.argv[2]
TRAIN = os.path.join(BIN, "train")
fails = 0
os.environ["OPENBLAS_NUM_THREADS"] = "1"


def check(name, cond, why=""):
    global fails
    if cond:
        print("ok - %s" % name)
    else:
        fails += 1
        print("FAIL - %s: %s" % (name, why))


def run(args, frames, status=0):
    p = subprocess.run([TRAIN] + args + ["-i", frames], capture_output=True,
                       text=True)
    if p.returncode != status:
        print(p.stdout, p.stderr)
        raise SystemExit("train %s: exit %d" % (" ".join(args), p.returncode))
    return p


rng = np.random.default_rng(11)
NAMES = ["a.mean", "a.std", "b.mean"]


# two devices, 100 rows each, classes by device half
def two_devices():
    X, devs, times, labs = [], [], [], []
    for d in range(2):
        for i in range(100):
            c = (i // 10) % 2
            X.append(rng.normal(size=3) + c * 2)
            devs.append("d%d" % d)
            times.append(1.7e9 + i * 10 + d * 0.5)
            labs.append("hi" if c else "lo")
    return np.array(X), devs, times, labs


X, devs, times, labs = two_devices()
fr = os.path.join(DIR, "two.msgpack")
write_frames(fr, X, NAMES, devs, times, labs)

# --- time split with purge --------------------------------------------------
bun, sc = os.path.join(DIR, "t.bundle"), os.path.join(DIR, "t.csv")
p = run(["-k", "logistic", "-l", "label", "--purge", "2", "-o", bun,
         "--scores", sc, "--created", "1700000000", "--name", "demo",
         "--version", "7", "--parent", "6"], fr)
b = read_bundle(bun)
rows = b["data"]["rows"]
check("time split: train 120, validation 36, test 36 (purge 2 a cut)",
      (rows["train"], rows["validation"], rows["test"]) == (120, 36, 36),
      rows)
S = read_scores(sc)
order_ok = True
for d in ("d0", "d1"):
    seq = [r["set"] for r in sorted((r for r in S if r["dev"] == d),
                                    key=lambda r: float(r["time"]))]
    want = ["train"] * 60 + ["purged"] * 2 + ["validation"] * 18 + \
        ["purged"] * 2 + ["test"] * 18
    order_ok &= seq == want
check("time split: each device in time order, purged rows at each cut",
      order_ok)
check("metadata: name, version, parent, created",
      (b["name"], b["version"], b["parent"], b["created"]) ==
      ("demo", "7", "6", 1700000000), (b["name"], b["version"]))
check("features: the body's numbers less the label",
      b["features"] == NAMES, b["features"])
check("accounting line", re.search(r"in=200 .*rows=200 skipped=0 "
      r"incomplete=0 unlabelled=0", p.stderr) is not None, p.stderr)
# profile of the training rows, unscaled
tr = [i for i, r in enumerate(S) if r["set"] == "train"]
pf = b["profile"]["features"]["a.std"]
col = X[tr, 1]
check("profile: count, mean, min, max of the training rows",
      pf["count"] == 120 and abs(pf["mean"] - col.mean()) < 1e-12 and
      pf["min"] == col.min() and pf["max"] == col.max(), pf["count"])
check("profile: quantile edges (numpy linear)",
      np.allclose(pf["edges"], np.quantile(col, np.linspace(0, 1, 11)),
                  rtol=0, atol=1e-12))
check("score profile present", b["profile"]["score"]["count"] == 120)

# --- --eval prints the stored metrics on the same rows ----------------------
bun2 = os.path.join(DIR, "all.bundle")
run(["-k", "softmax", "-l", "label", "--val", "0", "--test", "0", "-o",
     bun2], fr)
acc = read_bundle(bun2)["metrics"]["train_accuracy"]
p = run(["--eval", bun2, "-l", "label"], fr)
m = re.search(r"^eval\s+200\s+([0-9.]+)", p.stdout, re.M)
check("--eval: accuracy of all 200 rows equals the stored one",
      m is not None and abs(float(m.group(1)) - acc) < 1e-4, p.stdout)
p = run(["--eval", bun2, "-l", "label", "--last"], fr)
check("--eval --last: one row a device", re.search(r"^eval\s+2\s", p.stdout,
      re.M) is not None, p.stdout)

# --- determinism -------------------------------------------------------------
a1, a2 = os.path.join(DIR, "d1.bundle"), os.path.join(DIR, "d2.bundle")
for a in (a1, a2):
    run(["-k", "mlp_classifier", "-l", "label", "--hidden", "8,4",
         "--epochs", "30", "--seed", "5", "--created", "1700000000", "-o",
         a], fr)
check("same frames, seed and --created: byte-identical bundles",
      open(a1, "rb").read() == open(a2, "rb").read())
run(["-k", "mlp_classifier", "-l", "label", "--hidden", "8,4", "--epochs",
     "30", "--seed", "6", "--created", "1700000000", "-o", a2], fr)
check("another seed: other weights", open(a1, "rb").read() !=
      open(a2, "rb").read())

# --- label from meta, label map, unlabelled and incomplete -------------------
frm = os.path.join(DIR, "meta.msgpack")
write_frames(frm, X, NAMES, devs, times, labs, meta_label=True,
             label_key="cls")
run(["-k", "logistic", "-l", "cls", "--val", "0", "--test", "0", "-o",
     bun2], frm)
check("label from a meta field", read_bundle(bun2)["outputs"]["labels"] ==
      ["hi", "lo"])
mp = os.path.join(DIR, "map.txt")
with open(mp, "w") as f:
    f.write("# device label\nd0 healthy\n")
p = run(["-k", "pca", "--label-map", mp, "--val", "0", "--test", "0", "-o",
         bun2], fr)
check("--label-map: a device without a line is unlabelled",
      "rows=100 skipped=0 incomplete=0 unlabelled=100" in p.stderr, p.stderr)
fi = os.path.join(DIR, "inc.msgpack")
X2 = X.copy()
X2[5, 1] = np.nan
write_frames(fi, X2, NAMES, devs, times, labs)
p = run(["-k", "logistic", "-l", "label", "-o", bun2], fi)
check("a NaN feature: incomplete", "rows=199 skipped=0 incomplete=1" in
      p.stderr, p.stderr)
p = run(["-k", "logistic", "-l", "label", "-o", bun2, "-x", "b.*"], fr)
check("-x leaves features out", read_bundle(bun2)["features"] ==
      ["a.mean", "a.std"])
p = run(["-k", "logistic", "-l", "label", "-o", bun2, "-f", "*.mean"], fr)
check("-f picks features", read_bundle(bun2)["features"] ==
      ["a.mean", "b.mean"])

# --- derived RUL ---------------------------------------------------------------
p = run(["-k", "ridge", "--rul", "windows", "--rul-cap", "50", "--val", "0",
         "--test", "0", "-o", bun2, "--scores", sc], fr)
S = read_scores(sc)
ok = True
for d in ("d0", "d1"):
    r = sorted((r for r in S if r["dev"] == d), key=lambda r: float(r["time"]))
    ok &= [float(x["label"]) for x in r] == [min(50, 99 - i)
                                              for i in range(100)]
check("--rul windows --rul-cap 50: min(50, windows to the last)", ok)
with open(mp, "w") as f:
    f.write("d0 7\nd1 3\n")
p = run(["-k", "ridge", "--rul", "seconds", "--label-map", mp, "--val", "0",
         "--test", "0", "-o", bun2, "--scores", sc], fr)
S = read_scores(sc)
r = [x for x in S if x["dev"] == "d1"]
check("--rul seconds plus the map's RUL at the last row",
      abs(float(r[0]["label"]) - (990 + 3)) < 1e-6, r[0]["label"])
check("score name rul", read_bundle(bun2)["outputs"]["score"] == "rul")

# --- group split and k-fold ------------------------------------------------------
Xg, dg, tg, lg = [], [], [], []
for u in range(10):
    for i in range(20):
        c = i % 2
        Xg.append(rng.normal(size=3) + c * 2)
        dg.append("u%d" % u)
        tg.append(1.7e9 + i)
        lg.append(str(c))
fg = os.path.join(DIR, "groups.msgpack")
write_frames(fg, np.array(Xg), NAMES, dg, tg, lg)
p = run(["-k", "logistic", "-l", "label", "--split", "group", "--seed", "4",
         "-o", bun2, "--scores", sc, "--folds", "5"], fg)
S = read_scores(sc)
sets = {}
for x in S:
    sets.setdefault(x["dev"], set()).add(x["set"])
check("group split: each group in one set",
      all(len(s) == 1 for s in sets.values()), sets)
cnt = [sum(1 for s in sets.values() if s == {k})
       for k in ("train", "validation", "test")]
check("group split: 6 / 2 / 2 groups", cnt == [6, 2, 2], cnt)
check("--folds 5: five fold lines and cv_accuracy",
      len(re.findall(r"^fold\d", p.stdout, re.M)) == 5 and
      "cv_accuracy" in read_bundle(bun2)["metrics"], p.stdout)
check("labels sorted as numbers", read_bundle(bun2)["outputs"]["labels"] ==
      ["0", "1"])

# --- upstream texts --------------------------------------------------------------
sch, par, win = (os.path.join(DIR, n) for n in ("s.schema", "n.params",
                                                "w.conf"))
for path, text in ((sch, "channel a\n  range -5 5\n"), (par, "a 0 1\n"),
                   (win, "size 256\nfeatures time\n")):
    with open(path, "w") as f:
        f.write(text)
run(["-k", "logistic", "-l", "label", "-o", bun2, "--schema", sch,
     "--params", par, "--window-config", win], fr)
u = read_bundle(bun2)["upstream"]
check("upstream texts embedded as they are",
      u == {"schema": open(sch).read(), "params": open(par).read(),
            "window": open(win).read()}, u)

# --- labels through window --carry ------------------------------------------------
import msgpack
from train_util import evtime
smp = os.path.join(DIR, "samples.msgpack")
lab = np.repeat([0, 1, 0, 1], [37, 50, 23, 50])      # changes inside windows
with open(smp, "wb") as f:
    for i in range(len(lab)):
        f.write(msgpack.packb([[evtime(1.7e9 + i), {"dev": "m", "seq": i}],
                               {"v": float(rng.normal() + 3 * lab[i]),
                                "w": float(rng.normal()),
                                "state": float(lab[i])}]))
wf = os.path.join(DIR, "carry.feat")
p = subprocess.run("%s/window -q -s 10 --carry state < %s > %s" %
                   (BIN, smp, wf), shell=True)
check("window --carry: runs", p.returncode == 0)
fr_ = list(msgpack.Unpacker(open(wf, "rb"), raw=False))
wins = [lab[k:k + 10] for k in range(0, len(lab), 10)]
check("window --carry: state.last is the window's last sample, min/max "
      "its range", [(b["state.last"], b["state.min"], b["state.max"])
                    for _, b in fr_] ==
      [(float(w[-1]), float(w.min()), float(w.max())) for w in wins])
mixed = sum(1 for w in wins if w.min() != w.max())
p = run(["-k", "logistic", "-l", "state", "--val", "0", "--test", "0",
         "-o", bun2], wf)
b = read_bundle(bun2)
check("train -l state: carried labels, %d mixed windows dropped" % mixed,
      "rows=%d skipped=0 incomplete=0 unlabelled=0 mixed=%d" %
      (len(wins) - mixed, mixed) in p.stderr and
      not any(f.startswith("state.") for f in b["features"]), p.stderr)
p = run(["-k", "logistic", "-l", "state", "--mixed", "keep", "--val", "0",
         "--test", "0", "-o", bun2], wf)
check("--mixed keep: every window", "rows=%d" % len(wins) in p.stderr)

# --- signing: train --sign, bundle verify, train --eval --pubkey -------------------
kp = os.path.join(DIR, "k")
subprocess.run([os.path.join(BIN, "bundle"), "keygen", kp], check=True,
               capture_output=True)
sb = os.path.join(DIR, "signed.bundle")
run(["-k", "logistic", "-l", "label", "-o", sb, "--sign", kp + ".sec"], fr)
v = subprocess.run([os.path.join(BIN, "bundle"), "verify", "-k",
                    kp + ".pub", sb], capture_output=True)
check("--sign: bundle verify -k accepts it", v.returncode == 0, v.stderr)
p = run(["--eval", sb, "-l", "label", "--pubkey", kp + ".pub"], fr)
check("--eval --pubkey: a bundle signed by that key", "eval" in p.stdout)
subprocess.run([os.path.join(BIN, "bundle"), "keygen", kp + "2"],
               check=True, capture_output=True)
p = run(["--eval", sb, "-l", "label", "--pubkey", kp + "2.pub"], fr,
        status=66)
check("--eval --pubkey: another key's bundle refused (66)",
      p.returncode == 66)

# --- errors ------------------------------------------------------------------------
one = os.path.join(DIR, "one.msgpack")
write_frames(one, X[:10], NAMES, devs[:10], times[:10], ["x"] * 10)
p = run(["-k", "logistic", "-l", "label", "-o", bun2, "--val", "0",
         "--test", "0"], one, status=65)
check("one class: exit 65, said", "two classes" in p.stderr, p.stderr)
p = run(["-k", "logistic", "-l", "nosuch", "-o", bun2], fr, status=65)
check("no labelled row: exit 65", "no labelled rows" in p.stderr, p.stderr)
p = run(["-k", "logistic", "-l", "label", "-o", "/nonexistent/x.bundle"],
        fr, status=73)
check("bundle not writable: exit 73", p.returncode == 73)
p = run(["--eval", os.path.join(DIR, "none.bundle"), "-l", "label"], fr,
        status=66)
check("--eval of a missing bundle: exit 66", "none.bundle" in p.stderr)
sys.exit(1 if fails else 0)
