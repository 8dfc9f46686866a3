"""The window tests' oracle: every feature of docs/features.md computed from
scratch with numpy and scipy, in double precision, from a window's samples,
plus frame reading and writing with msgpack.  Nothing here comes from the C
code: formulas are written again from the document.
"""
import math
import struct

import msgpack
import numpy as np
import scipy.signal

NS = 1_000_000_000
TIME_FEATURES = ["mean", "std", "min", "max", "rms", "peak", "p2p", "skew",
                 "kurtosis", "crest", "shape", "impulse", "clearance", "slope"]
LINES = ["bpfo", "bpfi", "bsf", "ftf"]


# ---- frames ---------------------------------------------------------------

def event_time(ns):
    sec, nsec = divmod(int(ns), NS)
    return msgpack.ExtType(0, struct.pack(">II", sec, nsec))


def ns_of(t):
    """EventTime ext, int or float seconds -> int nanoseconds."""
    if isinstance(t, msgpack.ExtType):
        sec, nsec = struct.unpack(">II", t.data)
        return sec * NS + nsec
    if isinstance(t, int):
        return t * NS
    return int(round(t * NS))


def sample_frame(ns, dev, seq, body, **meta):
    m = {"kind": "sample", "dev": dev, "seq": seq}
    m.update(meta)
    return msgpack.packb([[event_time(ns), m], body])


def read_frames(path):
    """[(time ns, meta, body)] of every frame in the file."""
    out = []
    with open(path, "rb") as f:
        for fr in msgpack.Unpacker(f, raw=False, strict_map_key=False):
            (t, meta), body = fr
            out.append((ns_of(t), meta, body))
    return out


# ---- time domain ----------------------------------------------------------

def time_features(x, t_ns, excess=True):
    """Every time-domain feature of x (float64), times t_ns (int ns).

    The moments are taken in long double (numpy.longdouble, 64-bit
    mantissa on x86): a float64 two-pass mean of 70 C +- 0.01 C is off by
    about 1e-14, which moves the skewness by 3e-12 -- more than the 1e-9
    relative the tests ask of a skewness of 1e-4 (scipy.stats.skew shows
    exactly that error against exact rational arithmetic).
    """
    x = np.asarray(x, dtype=np.float64)
    xl = x.astype(np.longdouble)
    with np.errstate(all="ignore"):
        mean = xl.mean()
        d = xl - mean
        m2 = (d * d).mean()
        m3 = (d * d * d).mean()
        m4 = (d * d * d * d).mean()
        rms = np.sqrt((xl * xl).mean())
        peak = np.max(np.abs(x))
        mabs = np.abs(xl).mean()
        msq = np.sqrt(np.abs(xl)).mean()
        if m2 == 0:
            skew = kurt = math.nan
        else:
            skew = float(m3 / m2 ** 1.5)
            kurt = float(m4 / m2 ** 2) - (3.0 if excess else 0.0)
        u = (np.asarray(t_ns, dtype=np.int64) - int(t_ns[0])).astype(
            np.longdouble) * 1e-9
        du = u - u.mean()
        den = np.sum(du * du)
        slope = float(np.sum(du * d) / den) if den > 0 else math.nan
        return {
            "mean": float(mean), "std": float(np.sqrt(m2)),
            "min": np.min(x), "max": np.max(x),
            "rms": float(rms), "peak": peak, "p2p": np.max(x) - np.min(x),
            "skew": skew, "kurtosis": kurt,
            "crest": float(peak / rms) if rms > 0 else math.nan,
            "shape": float(rms / mabs) if mabs > 0 else math.nan,
            "impulse": float(peak / mabs) if mabs > 0 else math.nan,
            "clearance": float(peak / msq ** 2) if msq > 0 else math.nan,
            "slope": slope,
        }


# ---- spectra --------------------------------------------------------------

def smooth(n):
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


def nfft_for(n):
    """n if even with no prime factor above 5, else the next such length."""
    m = n + (n & 1)
    while not smooth(m):
        m += 2
    return m


def taper(name, n):
    """Periodic (DFT-even) windows, as scipy.signal.get_window gives them."""
    if name == "rect":
        return np.ones(n)
    return scipy.signal.get_window(name if name != "hann" else "hann", n,
                                   fftbins=True)


def one_sided(X, nfft, scale):
    P = (X.real ** 2 + X.imag ** 2) * scale
    P[1:-1] *= 2.0          # nfft is even: the last bin is Nyquist
    return P


def spectral_features(x, fs, wfn="hann", neq=0, bands=(), excess=True,
                      lines=None, env_band=(5.0, 500.0), env_tol=3.0,
                      harmonics=3):
    """Spectral and envelope features of x sampled at fs Hz.

    bands: [(lo, hi)] in Hz; lines: {name: Hz} of the bearing lines.
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    nf = nfft_for(n)
    w = taper(wfn, n)
    xw = np.zeros(nf)
    xw[:n] = w * (x - x.mean())
    X = np.fft.rfft(xw)
    P = one_sided(X, nf, 1.0 / (nf * np.sum(w * w)))
    f = np.arange(nf // 2 + 1) * fs / nf
    out = {}
    tot = P.sum()
    out["spec_power"] = tot
    out["dom_freq"] = f[1 + int(np.argmax(P[1:]))]
    p = P / tot
    c = np.sum(f * p)
    out["centroid"] = c
    nz = p[p > 0]
    out["entropy"] = -np.sum(nz * np.log(nz)) / math.log(len(p))
    m2 = np.sum((f - c) ** 2 * p)
    m4 = np.sum((f - c) ** 4 * p)
    out["spec_kurtosis"] = m4 / m2 ** 2 - (3.0 if excess else 0.0)
    # equal bands by bin number: band = floor(2 k neq / nfft)
    k = np.arange(nf // 2 + 1)
    if neq:
        b = np.minimum(2 * k * neq // nf, neq - 1)
        for i in range(neq):
            out["band%d" % i] = P[b == i].sum()
    for lo, hi in bands:
        out["band_%s_%s" % (fmt_g(lo), fmt_g(hi))] = \
            P[(f >= lo) & (f < hi)].sum()
    # envelope: |analytic signal| of the windowed signal (scipy's hilbert),
    # mean removed, its one-sided power spectrum
    env = np.abs(scipy.signal.hilbert(xw))
    env = env - env.mean()
    E = np.fft.rfft(env)
    Pe = one_sided(E, nf, 1.0 / (nf * nf))
    band = (f >= env_band[0]) & (f <= env_band[1])
    epow = Pe[band].sum()
    out["env_power"] = epow
    for name, hz in (lines or {}).items():
        sel = np.zeros(len(f), dtype=bool)
        for h in range(1, harmonics + 1):
            sel |= np.abs(f - h * hz) <= env_tol
        out["env_" + name] = Pe[sel].sum() / epow
    out["_P"] = P           # for checking the dominant frequency
    out["_f"] = f
    return out


def fmt_g(v):
    """C's %g."""
    return "%g" % v


def bearing_orders(balls, ball, pitch, angle_deg):
    """Multiples of shaft speed: BPFO, BPFI, BSF (ball spin), FTF."""
    r = ball / pitch * math.cos(math.radians(angle_deg))
    return {
        "bpfo": balls / 2.0 * (1 - r),
        "bpfi": balls / 2.0 * (1 + r),
        "bsf": pitch / (2.0 * ball) * (1 - r * r),
        "ftf": (1 - r) / 2.0,
    }
