"""Check window's features frames against numpy/scipy (window_oracle.py).

    window_check.py windows IN OUT [options]
        every features frame of OUT: its samples are IN's samples of its
        device with start <= t < end, their count is its n, and each
        "channel.feature" is recomputed from them from scratch
    window_check.py rolling IN OUT N [options]
        OUT is hop-1 count windows of N samples: frame j holds samples
        j .. j+N-1 of IN's one device; every time-domain feature of every
        frame is recomputed from scratch (vectorised, two-pass)

options: --rate HZ (else from the window's times, as window does),
--wfn NAME, --bands LIST, --bearing SPEC (repeatable; geometry turned into
line frequencies here, from the formulas), --env-band LO-HI, --env-tol HZ,
--harmonics N, --kurtosis excess|pearson, --frames N (expected count).

Tolerances (issue 4): time-domain features 1e-9 relative, with an absolute
floor of 1e-12 times the window's rms (1e-12 for the dimensionless ones,
1e-12 rms per second of window for the slope); spectral features 1e-5
relative or 1e-7 of the window's total power (spec_power) for powers, 1e-7
absolute for the envelope shares (fractions of the envelope power),
spec_kurtosis 1e-5 relative to m4/m2^2 (Pearson's value: the excess form is
near 0), dom_freq the same bin or one whose power ties the largest within
the tolerance.  The largest error seen, as a fraction of its tolerance, is
printed per feature.
"""
import argparse
import math
import sys

import numpy as np

from window_oracle import (LINES, TIME_FEATURES, bearing_orders, read_frames,
                           spectral_features, time_features)

UNIT_FEATURES = {"mean", "std", "min", "max", "rms", "peak", "p2p"}
failures = 0
worst = {}


def fail(msg):
    global failures
    failures += 1
    if failures <= 30:
        print("FAIL: " + msg)


def note(feat, err, tol):
    r = err / tol if tol > 0 else (0.0 if err == 0 else math.inf)
    if feat not in worst or r > worst[feat][0]:
        worst[feat] = (r, err)


def close(got, want, tol, what, feat):
    if isinstance(want, float) and math.isnan(want) or \
       isinstance(want, np.floating) and np.isnan(want):
        if not math.isnan(got):
            fail("%s: got %.17g, want NaN" % (what, got))
        return
    err = abs(got - want)
    note(feat, err, tol)
    if not err <= tol:
        fail("%s: got %.17g, want %.17g (err %.3g > tol %.3g)"
             % (what, got, want, err, tol))


def parse_bearings(specs):
    """{channel or None: {line: Hz}} from window's -B syntax."""
    out = {}
    for spec in specs:
        kv = dict(item.split("=", 1) for item in spec.split(","))
        shaft = float(kv["rpm"]) / 60.0 if "rpm" in kv else float(kv["hz"])
        if "balls" in kv:
            ords = bearing_orders(int(kv["balls"]), float(kv["ball"]),
                                  float(kv["pitch"]),
                                  float(kv.get("angle", 0)))
        else:
            ords = {}
        for ln in LINES:
            if ln in kv:
                ords[ln] = float(kv[ln])
        out[kv.get("channel")] = {ln: ords[ln] * shaft for ln in LINES}
    return out


def parse_bands(spec):
    neq, bands = 0, []
    if spec:
        for item in spec.split(","):
            if "-" in item:
                lo, hi = item.split("-")
                bands.append((float(lo), float(hi)))
            else:
                neq = int(item)
    return neq, bands


def check_time(feat, got, want, rms, dur, what):
    if feat in UNIT_FEATURES:
        floor = 1e-12 * rms
    elif feat == "slope":
        floor = 1e-12 * rms / dur if dur > 0 else 0
    else:
        floor = 1e-12
    tol = max(1e-9 * abs(want), floor) if not math.isnan(want) else 0
    close(got, want, tol, what, feat)


def check_spec(feat, got, sp, what, excess):
    want = sp[feat]
    tot = sp["spec_power"]
    if feat == "dom_freq":
        if got != want:
            # a tie within the tolerance is not an error
            P, f = sp["_P"], sp["_f"]
            k = int(np.argmin(np.abs(f - got)))
            if not P[k] >= P.max() - max(1e-5 * P.max(), 1e-7 * tot):
                fail("%s: got %.9g Hz, want %.9g Hz" % (what, got, want))
        note(feat, abs(got - want), 1.0)
        return
    if feat.startswith("env_") and feat != "env_power":
        tol = max(1e-5 * abs(want), 1e-7)
    elif feat.startswith("band") or feat in ("spec_power", "env_power"):
        tol = max(1e-5 * abs(want), 1e-7 * tot)
    elif feat == "spec_kurtosis":
        # relative to m4 / m2^2 itself: the excess form subtracts 3
        tol = 1e-5 * abs(want + (3.0 if excess else 0.0))
    else:
        tol = 1e-5 * abs(want)
    close(got, want, tol, what, feat)


def by_device(frames, lateness=0):
    """{dev: (times, {channel: values})}, in time order, without the samples
    that arrive more than lateness ns behind their device's newest."""
    dev, newest = {}, {}
    for t, meta, body in frames:
        if meta.get("kind", "sample") != "sample":
            continue
        name = meta.get("dev", "")
        if name in newest and t < newest[name] - lateness:
            continue
        newest[name] = max(t, newest.get(name, t))
        d = dev.setdefault(name, ([], []))
        d[0].append(t)
        d[1].append(body)
    out = {}
    for name, (ts, bodies) in dev.items():
        order = np.argsort(np.asarray(ts, dtype=np.int64), kind="stable")
        ts = np.asarray(ts, dtype=np.int64)[order]
        chans = {k: np.array([bodies[i][k] for i in order], dtype=np.float64)
                 for k in bodies[0]}
        out[name] = (ts, chans)
    return out


def cmd_windows(a):
    devs = by_device(read_frames(a.input), a.lateness)
    neq, bands = parse_bands(a.bands)
    brg = parse_bearings(a.bearing)
    feats = [f for f in read_frames(a.output)
             if f[1].get("kind") == "features"]
    if a.frames is not None and len(feats) != a.frames:
        fail("%d features frames, want %d" % (len(feats), a.frames))
    nval = 0
    for t, meta, body in feats:
        from window_oracle import ns_of
        start, end = ns_of(meta["start"]), ns_of(meta["end"])
        ts, chans = devs[meta["dev"]]
        sel = (ts >= start) & (ts < end)
        n = int(sel.sum())
        where = "%s [%d, %d)" % (meta["dev"], start, end)
        if n != meta["n"]:
            fail("%s: n %d, but %d samples in [start, end)" %
                 (where, meta["n"], n))
            continue
        if t != start:
            fail("%s: frame time %d is not the start" % (where, t))
        tw = ts[sel]
        cache = {}
        for key, got in body.items():
            ch = max((c for c in chans if key.startswith(c + ".")),
                     key=len)
            feat = key[len(ch) + 1:]
            x = chans[ch][sel]
            if "t" not in cache.setdefault(ch, {}):
                cache[ch]["t"] = time_features(x, tw,
                                               a.kurtosis == "excess")
            tf = cache[ch]["t"]
            what = "%s %s" % (where, key)
            nval += 1
            if feat in TIME_FEATURES:
                check_time(feat, got, tf[feat], tf["rms"],
                           (int(tw[-1]) - int(tw[0])) * 1e-9, what)
                continue
            if "s" not in cache[ch]:
                fs = a.rate if a.rate else \
                    (len(tw) - 1) * 1e9 / (int(tw[-1]) - int(tw[0]))
                lines = brg.get(ch, brg.get(None))
                cache[ch]["s"] = spectral_features(
                    x, fs, a.wfn, neq, bands, a.kurtosis == "excess",
                    lines, a.env_band, a.env_tol, a.harmonics)
            check_spec(feat, got, cache[ch]["s"], what,
                       a.kurtosis == "excess")
    return len(feats), nval


def rolling_time(W, T, excess):
    """Time features of every row of W (windows x N), two-pass in long
    double (see window_oracle.time_features)."""
    W = W.astype(np.longdouble)
    mean = W.mean(axis=1)
    d = W - mean[:, None]
    m2 = (d * d).mean(axis=1)
    m3 = (d * d * d).mean(axis=1)
    m4 = (d * d * d * d).mean(axis=1)
    absw = np.abs(W)
    peak = absw.max(axis=1)
    rms = np.sqrt((W * W).mean(axis=1))
    mabs = absw.mean(axis=1)
    msq = np.sqrt(absw).mean(axis=1)
    u = (T - T[:, :1]).astype(np.longdouble) * 1e-9
    du = u - u.mean(axis=1)[:, None]
    with np.errstate(all="ignore"):
        out = {
            "mean": mean, "std": np.sqrt(m2), "min": W.min(axis=1),
            "max": W.max(axis=1), "rms": rms, "peak": peak,
            "p2p": W.max(axis=1) - W.min(axis=1),
            "skew": m3 / m2 ** 1.5,
            "kurtosis": m4 / m2 ** 2 - (3.0 if excess else 0.0),
            "crest": peak / rms, "shape": rms / mabs, "impulse": peak / mabs,
            "clearance": peak / msq ** 2,
            "slope": (du * d).sum(axis=1) / (du * du).sum(axis=1),
        }
    return {k: v.astype(np.float64) for k, v in out.items()}


def cmd_rolling(a):
    from numpy.lib.stride_tricks import sliding_window_view
    from window_oracle import ns_of
    devs = by_device(read_frames(a.input))
    (dev, (ts, chans)), = devs.items()
    N = a.n
    feats = [f for f in read_frames(a.output)
             if f[1].get("kind") == "features"]
    m = len(ts) - N + 1
    if len(feats) != m:
        fail("%d features frames, want %d (hop 1)" % (len(feats), m))
        return len(feats), 0
    TW = sliding_window_view(ts, N)
    nval = 0
    for j, (t, meta, body) in enumerate(feats):
        if (meta["n"] != N or ns_of(meta["start"]) != ts[j] or
                ns_of(meta["end"]) != ts[j + N - 1] + 1 or meta["seq"] != j):
            fail("frame %d: start/end/n/seq %s" % (j, meta))
    CH = 4096
    dur = (ts[N - 1:] - ts[:m]) * 1e-9
    for ch, x in chans.items():
        XW = sliding_window_view(x, N)
        want = {f: np.empty(m) for f in TIME_FEATURES}
        for c0 in range(0, m, CH):
            w = rolling_time(XW[c0:c0 + CH], TW[c0:c0 + CH],
                             a.kurtosis == "excess")
            for f in TIME_FEATURES:
                want[f][c0:c0 + CH] = w[f]
        for feat in TIME_FEATURES:
            key = ch + "." + feat
            if key not in feats[0][2]:
                continue
            got = np.array([b[key] for _, _, b in feats], dtype=np.float64)
            wv = want[feat]
            if feat in UNIT_FEATURES:
                floor = 1e-12 * want["rms"]
            elif feat == "slope":
                floor = 1e-12 * want["rms"] / dur
            else:
                floor = np.full(m, 1e-12)
            tol = np.maximum(1e-9 * np.abs(wv), floor)
            err = np.abs(got - wv)
            nan = np.isnan(wv)
            bad = np.nonzero(~(err <= tol) & ~nan |
                             (nan & ~np.isnan(got)))[0]
            for j in bad[:10]:
                fail("window %d %s: got %.17g, want %.17g" %
                     (j, key, got[j], wv[j]))
            ok = ~nan
            if ok.any():
                r = err[ok] / tol[ok]
                i = int(np.argmax(r))
                note(feat, float(err[ok][i]), float(tol[ok][i]))
            nval += m
    return len(feats), nval


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["windows", "rolling"])
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("n", nargs="?", type=int)
    p.add_argument("--rate", type=float)
    p.add_argument("--wfn", default="hann")
    p.add_argument("--bands")
    p.add_argument("--bearing", action="append", default=[])
    p.add_argument("--env-band", default="5-500")
    p.add_argument("--env-tol", type=float, default=3.0)
    p.add_argument("--harmonics", type=int, default=3)
    p.add_argument("--kurtosis", default="excess")
    p.add_argument("--frames", type=int)
    p.add_argument("--lateness", type=int, default=0, help="ns")
    a = p.parse_args()
    a.env_band = tuple(float(v) for v in a.env_band.split("-"))
    nf, nv = cmd_windows(a) if a.mode == "windows" else cmd_rolling(a)
    for feat in sorted(worst):
        print("  %-16s worst error %.3g (%.3g of its tolerance)" %
              (feat, worst[feat][1], worst[feat][0]))
    print("%d frames, %d values checked, %d failures" % (nf, nv, failures))
    return 1 if failures or nv == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
