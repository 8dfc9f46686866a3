"""Oracle for the normalize tests: numpy's answers, computed from the data
files themselves (not from frames), compared with what bin/normalize wrote.

    normalize_check.py fit PARAMS KIND DATA [METHOD]
        PARAMS (from normalize --fit) against numpy on DATA: every
        non-constant channel present with METHOD (default zscore), every
        constant one with method none; n, min, max exact; mean and std (ddof
        0) to 1e-12 relative; q25, q50, q75 within the rank error the file
        states (qerr * n positions of numpy's sorted data), exact if qerr is
        0; center and scale as METHOD takes them.
    normalize_check.py scaled PARAMS KIND DATA FRAMES
        FRAMES (normalize's output) hold (x - center) / scale for each scaled
        channel, computed here by numpy from DATA, and every other channel
        exactly as in DATA.
    normalize_check.py roundtrip KIND DATA FRAMES
        FRAMES (after normalize | normalize --inverse) hold DATA to 1e-12
        relative (a zero: to 1e-12 of the channel's largest magnitude).
    normalize_check.py constants KIND DATA
        The names of DATA's constant channels (numpy: ptp == 0), one a line.
    normalize_check.py dump FRAMES
        One JSON line per frame: [[sec, nsec], meta, body] (NaN as "NaN",
        nested msgpack decoded), for shell tests.

KIND is cmapss (space separated: unit cycle setting1..3 s1..s21) or cwru
(a header naming the one column).  Exit status 0 when every check holds;
each failure is printed.
"""
import json
import math
import struct
import sys

import msgpack
import numpy as np

from normalize_frames import CMAPSS_COLUMNS

REL = 1e-12
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg)


def load_data(kind, path):
    """{channel: float64 array} from the text file, by numpy alone."""
    if kind == "cmapss":
        a = np.loadtxt(path, dtype=np.float64)
        return {name: a[:, i] for i, name in enumerate(CMAPSS_COLUMNS)}
    if kind == "cwru":
        with open(path) as f:
            name = f.readline().strip()
        return {name: np.loadtxt(path, dtype=np.float64, skiprows=1)}
    raise SystemExit("unknown kind " + kind)


# ---- the parameters file, read by a parser of its own (docs/normalize.md)

def split_words(line, where):
    words, i, n = [], 0, len(line)
    while True:
        while i < n and line[i] in " \t\r":
            i += 1
        if i == n or line[i] == "#":
            return words
        if line[i] != '"':
            j = i
            while j < n and line[j] not in " \t\r":
                j += 1
            words.append(line[i:j])
            i = j
            continue
        i += 1
        w = []
        while True:
            if i == n:
                raise ValueError(where + ": no closing quote")
            c = line[i]
            if c == '"':
                i += 1
                break
            if c == "\\":
                w.append({'"': '"', "\\": "\\", "n": "\n", "t": "\t",
                          "r": "\r"}[line[i + 1]])
                i += 2
            else:
                w.append(c)
                i += 1
        words.append("".join(w))


def read_params(path):
    """{name: {"method", "center", "scale", stats...}} in file order."""
    chans = {}
    version = None
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            w = split_words(line.rstrip("\n"), "%s:%d" % (path, lineno))
            if not w:
                continue
            if version is None:
                assert w[0] == "version" and len(w) == 2, (path, lineno)
                version = int(w[1])
                continue
            name, method, center, scale = w[:4]
            e = {"method": method, "line": lineno,
                 "center": None if center == "-" else float(center),
                 "scale": None if scale == "-" else float(scale)}
            for kv in w[4:]:
                k, v = kv.split("=", 1)
                e[k] = (v if k == "kind" else int(v)
                        if k in ("n", "nonfinite") else float(v))
            chans[name] = e
    assert version == 1, path
    return chans


def rel_close(a, b, rel=REL):
    m = max(abs(a), abs(b))
    return abs(a - b) <= rel * m


def check_fit(params, kind, data, method="zscore"):
    p = read_params(params)
    cols = load_data(kind, data)
    worst = {}
    for name, x in cols.items():
        n = len(x)
        constant = bool(np.ptp(x) == 0)
        e = p.get(name)
        if e is None:
            fail("%s: not in %s" % (name, params))
            continue
        where = "%s:%d: %s" % (params, e["line"], name)
        if e["n"] != n:
            fail("%s: n=%d, numpy counts %d" % (where, e["n"], n))
        if e["nonfinite"] != int(np.sum(~np.isfinite(x))):
            fail("%s: nonfinite=%d" % (where, e["nonfinite"]))
        if e["min"] != x.min() or e["max"] != x.max():
            fail("%s: min/max %r %r, numpy %r %r" % (where, e["min"],
                 e["max"], x.min(), x.max()))
        mean, std = np.mean(x), np.std(x)
        if mean != 0:
            worst["mean"] = max(worst.get("mean", 0),
                                abs(e["mean"] - mean) / abs(mean))
        if not constant:
            worst["std"] = max(worst.get("std", 0),
                               abs(e["std"] - std) / std)
        if not rel_close(e["mean"], mean):
            fail("%s: mean %r, numpy %r (rel %.3g)" % (where, e["mean"],
                 mean, abs(e["mean"] - mean) / abs(mean)))
        if constant:
            if e["std"] != 0:
                fail("%s: constant, but std=%r" % (where, e["std"]))
        elif not rel_close(e["std"], std):
            fail("%s: std %r, numpy %r (rel %.3g)" % (where, e["std"], std,
                 abs(e["std"] - std) / std))
        # quantiles: within qerr * n positions of numpy's sorted data
        s = np.sort(x)
        qerr = e["qerr"]
        if not 0 <= qerr <= 0.005:
            fail("%s: qerr=%r: the sketch promises at most 0.005" %
                 (where, qerr))
        slack = int(math.floor(n * qerr + 1e-9))
        for key, phi in (("q25", 0.25), ("q50", 0.5), ("q75", 0.75)):
            v = e[key]
            h = (n - 1) * phi
            if qerr == 0:
                if v != np.quantile(x, phi):
                    fail("%s: %s %r, numpy (exact) %r" % (where, key, v,
                         np.quantile(x, phi)))
                continue
            lo = s[max(0, math.floor(h) - slack)]
            hi = s[min(n - 1, math.ceil(h) + slack)]
            if not lo <= v <= hi:
                fail("%s: %s %r outside [%r, %r] (numpy's sorted data at "
                     "ranks %g -+ %d)" % (where, key, v, lo, hi, h, slack))
            # how far in rank the answer is from numpy's, for the record
            a, b = np.searchsorted(s, v, "left"), np.searchsorted(s, v,
                                                                  "right")
            off = 0 if a <= h <= b else min(abs(a - h), abs(b - 1 - h))
            worst[key] = max(worst.get(key, 0), off / n)
        # method, center, scale
        if constant:
            if e["method"] != "none":
                fail("%s: constant, but method %s" % (where, e["method"]))
            continue
        iqr0 = method == "robust" and e["q75"] == e["q25"]
        want = "none" if iqr0 else method
        if e["method"] != want:
            fail("%s: method %s, expected %s" % (where, e["method"], want))
            continue
        if want == "zscore":
            ok = rel_close(e["center"], mean) and rel_close(e["scale"], std)
        elif want == "minmax":
            ok = e["center"] == x.min() and e["scale"] == x.max() - x.min()
        elif want == "robust":
            ok = (e["center"] == e["q50"] and
                  e["scale"] == e["q75"] - e["q25"])
        else:
            ok = True
        if not ok:
            fail("%s: center %r scale %r do not follow %s" % (where,
                 e["center"], e["scale"], want))
    for name in p:
        if name not in cols:
            fail("%s: %s is not a channel of %s" % (params, name, data))
    if worst:
        print("# %s: %d channels; worst relative error of mean %.3g, std "
              "%.3g; worst quantile rank error (fraction of n) %s" % (
                  data, len(cols), worst.get("mean", 0), worst.get("std", 0),
                  ", ".join("%s %.5f" % (k, worst[k])
                            for k in ("q25", "q50", "q75") if k in worst)))


def frames(path):
    with open(path, "rb") as f:
        for fr in msgpack.Unpacker(f, raw=False, strict_map_key=False):
            yield fr


def body_columns(path, names):
    """{name: array} of the body values of every sample frame."""
    out = {n: [] for n in names}
    for (t, meta), body in frames(path):
        if meta.get("kind", "sample") != "sample":
            continue
        for n in names:
            out[n].append(body[n])
    return {n: np.array(v, dtype=np.float64) for n, v in out.items()}


def check_scaled(params, kind, data, fpath):
    p = read_params(params)
    cols = load_data(kind, data)
    got = body_columns(fpath, cols.keys())
    nscaled = 0
    for name, x in cols.items():
        y = got[name]
        if len(y) != len(x):
            fail("%s: %d values in frames, %d in data" % (name, len(y),
                 len(x)))
            continue
        e = p.get(name)
        if e is None or e["method"] == "none":
            if not np.array_equal(y, x):
                fail("%s: not scaled, yet changed" % name)
            continue
        want = (x - e["center"]) / e["scale"]
        bad = np.flatnonzero(y != want)
        if len(bad):
            i = bad[0]
            fail("%s: %d values differ from (x - %r) / %r, first at row %d:"
                 " %r vs %r" % (name, len(bad), e["center"], e["scale"], i,
                                y[i], want[i]))
        nscaled += 1
    print("# %s: %d channels scaled as numpy scales them" % (data, nscaled))


def check_roundtrip(kind, data, fpath):
    cols = load_data(kind, data)
    got = body_columns(fpath, cols.keys())
    worst = 0.0
    for name, x in cols.items():
        y = got[name]
        if len(y) != len(x):
            fail("%s: %d values, %d in data" % (name, len(y), len(x)))
            continue
        d = np.abs(y - x)
        nz = x != 0
        # a zero has no relative error: it must come back within 1e-12 of
        # the channel's largest magnitude ((0 - c) / s * s + c rounds)
        zlim = REL * np.max(np.abs(x))
        if np.any(d[~nz] > zlim):
            fail("%s: a zero came back as %r" % (name, y[~nz][d[~nz] > zlim][0]))
        r = d[nz] / np.abs(x[nz])
        if len(r) and r.max() > REL:
            i = np.flatnonzero(nz)[np.argmax(r)]
            fail("%s: row %d: %r came back as %r (rel %.3g)" % (name, i,
                 x[i], y[i], r.max()))
        if len(r):
            worst = max(worst, r.max())
    print("# %s: back to the input, worst relative error %.3g" % (data,
                                                                   worst))


def plain(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, float) and math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    if isinstance(v, msgpack.ExtType):
        return list(struct.unpack(">II", v.data)) if v.code == 0 and \
            len(v.data) == 8 else {"ext": v.code}
    if isinstance(v, bytes):
        try:
            return {"bytes": plain(msgpack.unpackb(v, raw=False))}
        except Exception:
            return {"bytes": v.hex()}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def dump(fpath):
    for fr in frames(fpath):
        (t, meta), body = fr
        print(json.dumps([plain(t), plain(meta), plain(body)],
                         sort_keys=True))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "fit":
        check_fit(*args)
    elif cmd == "scaled":
        check_scaled(*args)
    elif cmd == "roundtrip":
        check_roundtrip(*args)
    elif cmd == "constants":
        for name, x in load_data(*args).items():
            if np.ptp(x) == 0:
                print(name)
    elif cmd == "dump":
        dump(*args)
    else:
        raise SystemExit("unknown command " + cmd)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
