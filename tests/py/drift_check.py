"""Oracle checks for tests/e2e/drift.sh, computed here with numpy and scipy
from the frames themselves, never from drift's own output values:

  profile  REF.mp PROFILE        the fitted profile: count, mean, std (ddof 0),
                                 min, max, edges (numpy.quantile), freq
                                 (numpy.histogram), sample drawn from the data
  evidence IN.mp EVENTS.mp PROFILE W
                                 every ks/psi/w1 value in every drift event
                                 against scipy.stats.ks_2samp,
                                 wasserstein_distance / std and PSI in numpy,
                                 on the device's last W values before the
                                 event (as float32, as drift holds them)
  seq      IN.mp EVENTS.mp PROFILE TEST W H
                                 the first confirmed event of each device for
                                 ph, cusum or adwin alone comes at the first
                                 evaluation after tests/py/drift_ref.py's
                                 detector first alarms on that device's scores
  bundle   PROFILE OUT           a minimal unsigned bundle (logistic, two
                                 labels, a confusion matrix) with that profile
"""
import hashlib
import sys

import msgpack
import numpy as np
import scipy.stats

EPS = 1e-4
CONFUSION = [[800, 41], [40, 119]]    # make_bundle's: rows true, cols predicted


def frames(path):
    with open(path, "rb") as f:
        yield from msgpack.Unpacker(f, raw=False, strict_map_key=False)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def close(a, b, rel=1e-9, abs_=1e-12):
    return abs(a - b) <= abs_ or abs(a - b) <= rel * abs(b)


def check_profile(refpath, profpath):
    prof = msgpack.unpackb(open(profpath, "rb").read(), raw=False)
    cols = {}
    for (_, meta), body in frames(refpath):
        for k, v in body.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cols.setdefault(k, []).append(float(v))
    feats = dict(prof["features"])
    if prof.get("score") is not None:
        feats["score"] = prof["score"]
    if set(feats) != set(cols):
        fail("profile features %s, data %s" % (sorted(feats), sorted(cols)))
    for k, p in feats.items():
        x = np.array(cols[k])
        nb = len(p["freq"])
        edges = np.quantile(x, np.linspace(0, 1, nb + 1))
        freq = np.histogram(x, edges)[0] / len(x)
        for what, got, want in (("count", p["count"], len(x)),
                                ("mean", p["mean"], x.mean()),
                                ("std", p["std"], x.std()),
                                ("min", p["min"], x.min()),
                                ("max", p["max"], x.max())):
            if not close(got, want, 1e-9):
                fail("%s %s: %r vs numpy %r" % (k, what, got, want))
        if not np.allclose(p["edges"], edges, rtol=1e-12, atol=1e-12):
            fail("%s edges differ from numpy.quantile" % k)
        if not np.allclose(p["freq"], freq, atol=1e-12):
            fail("%s freq differ from numpy.histogram" % k)
        s = np.array(p["sample"])
        if len(s) != min(1000, len(x)) or not np.isin(s, x).all():
            fail("%s sample: %d values, not all from the data" % (k, len(s)))
    print("profile: %d features match numpy" % len(feats))


def psi(freq, edges, x):
    cnt = np.histogram(np.clip(x, edges[0], edges[-1]), edges)[0]
    p = np.maximum(freq, EPS)
    q = np.maximum(cnt / cnt.sum(), EPS)
    return float(np.sum((q - p) * np.log(q / p)))


def check_evidence(inpath, evpath, profpath, W):
    W = int(W)
    prof = msgpack.unpackb(open(profpath, "rb").read(), raw=False)
    feats = prof["features"]
    hist = {}          # dev -> list of bodies
    times = {}
    for (t, meta), body in frames(inpath):
        if meta.get("kind", "sample") != "sample":
            continue
        d = meta.get("dev", "")
        hist.setdefault(d, []).append(body)
        times.setdefault(d, []).append(t)
    n = 0
    for (t, meta), body in frames(evpath):
        if body.get("type") != "drift" or body["state"] == "cleared":
            continue
        d = meta["dev"]
        upto = body["frames"]
        if times[d][upto - 1] != t:
            fail("event time is not the time of frame %d of %s" % (upto, d))
        if body["from"] != times[d][upto - W]:
            fail("window start is not the time of frame %d" % (upto - W))
        for e in body["evidence"]:
            if e["test"] == "js":
                from scipy.spatial.distance import jensenshannon
                lab = [b.get("label") for b in hist[d][upto - W:upto]]
                q = [lab.count("ok"), lab.count("fault")]
                want = jensenshannon(np.sum(CONFUSION, axis=0), q, base=2)
                if not close(e["stat"], want, 1e-12):
                    fail("%s js at %d: %r vs scipy %r" % (d, upto, e["stat"],
                                                         want))
                n += 1
                continue
            if e["test"] not in ("ks", "psi", "w1"):
                continue
            f = e["feature"]
            win = np.array([b[f] for b in hist[d][upto - W:upto]],
                           dtype=np.float32).astype(np.float64)
            ref = feats[f]
            if e["test"] == "ks":
                r = scipy.stats.ks_2samp(np.array(ref["sample"]), win)
                if not close(e["stat"], r.statistic, 1e-12) or \
                        not (close(e["p"], r.pvalue, 1e-6, 1e-9)):
                    fail("%s %s ks at %d: %r p %r vs scipy %r p %r" % (
                        d, f, upto, e["stat"], e["p"], r.statistic,
                        r.pvalue))
            elif e["test"] == "w1":
                want = scipy.stats.wasserstein_distance(
                    np.array(ref["sample"]), win) / ref["std"]
                if not close(e["stat"], want, 1e-9):
                    fail("%s %s w1 at %d: %r vs scipy %r" % (d, f, upto,
                                                             e["stat"], want))
            else:
                want = psi(np.array(ref["freq"]), np.array(ref["edges"]), win)
                if not close(e["stat"], want, 1e-9):
                    fail("%s %s psi at %d: %r vs numpy %r" % (d, f, upto,
                                                              e["stat"], want))
            if not e["stat"] > e["threshold"] and e["runs"] > 0:
                fail("evidence below its threshold")
            n += 1
    if n == 0:
        fail("no window evidence to check")
    print("evidence: %d values match scipy/numpy" % n)


def check_seq(inpath, evpath, profpath, test, W, H):
    import drift_ref
    W, H = int(W), int(H)
    prof = msgpack.unpackb(open(profpath, "rb").read(), raw=False)
    sc = prof["score"]
    scores = {}
    for (t, meta), body in frames(inpath):
        scores.setdefault(meta["dev"], []).append(body["score"])
    first = {}
    for (t, meta), body in frames(evpath):
        if body.get("type") == "drift" and body["state"] == "confirmed":
            first.setdefault(meta["dev"], body)
    n = 0
    for d, xs in scores.items():
        if test == "ph":
            det = drift_ref.PageHinkley()
        elif test == "cusum":
            det = drift_ref.Cusum(sc["mean"], sc["std"])
        else:
            det = drift_ref.Adwin()
        alarm = next((i for i, x in enumerate(xs) if det.update(x)), None)
        if alarm is None:
            if d in first:
                fail("%s: %s event but no reference alarm" % (d, test))
            continue
        want = max(W, -(-(alarm + 1) // H) * H)
        if d not in first:
            fail("%s: reference alarms at %d, no event" % (d, alarm))
        got = first[d]
        if got["frames"] != want:
            fail("%s: event at frame %d, reference alarm at %d (evaluation "
                 "%d)" % (d, got["frames"], alarm, want))
        ev = [e for e in got["evidence"] if e["test"] == test]
        if len(ev) != 1:
            fail("%s: no %s evidence" % (d, test))
        n += 1
    if n == 0:
        fail("no alarm to compare")
    print("%s: %d devices' first alarms match the reference" % (test, n))


def make_bundle(profpath, out):
    prof = msgpack.unpackb(open(profpath, "rb").read(), raw=False)
    names = sorted(prof["features"])
    body = {
        "format": 1, "name": "synth", "version": "1", "parent": None,
        "created": 1700000000,
        "data": {"digest": "0" * 64,
                 "rows": {"train": 1, "validation": 0, "test": 0}},
        "upstream": {"schema": None, "params": None, "window": None},
        "features": names,
        "model": {"kind": "logistic", "hyper": {}, "scaler": None,
                  "arrays": {"coef": {"shape": [1, len(names)],
                                      "data": [0.0] * len(names)},
                             "intercept": {"shape": [1], "data": [0.0]}}},
        "outputs": {"labels": ["ok", "fault"], "threshold": None,
                    "score": "p1"},
        # predicted: ok 84%, fault 16% (a N(0,1) score above 1)
        "metrics": {"accuracy": 1.0, "confusion": CONFUSION},
        "profile": prof,
    }
    b = msgpack.packb(body, use_bin_type=True)
    f = {"pdm-bundle": 1, "body": b, "sha256": hashlib.sha256(b).digest(),
         "sig": None, "key": None}
    open(out, "wb").write(msgpack.packb(f, use_bin_type=True))


def main():
    cmd = sys.argv[1]
    if cmd == "profile":
        check_profile(*sys.argv[2:4])
    elif cmd == "evidence":
        check_evidence(*sys.argv[2:6])
    elif cmd == "seq":
        check_seq(*sys.argv[2:8])
    elif cmd == "bundle":
        make_bundle(*sys.argv[2:4])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
