"""Reference change detectors for the drift tests, written from the papers
(not from the C code), and the case generator for tests/unit/test_drift.c.

- Page-Hinkley: Page (1954), in the fading form River uses: the running
  mean of the values since the last alarm, the cumulative sum of
  (x - mean - delta) faded by alpha and floored at 0, an alarm when it
  reaches lambda after min_n values.
- CUSUM: Page (1954) tabular form, Montgomery's notation: S+ and S- against
  a reference mean with slack k sigma, alarm past h sigma.
- ADWIN2: Bifet and Gavalda (2007), "Learning from time-changing data with
  adaptive windowing", section 4: an exponential histogram of at most M
  buckets of each size 2^i, and every `clock` values every split of the
  window at a bucket boundary into W0 (older) and W1 (newer) is tested with
  eps_cut = sqrt(2/m var ln(2/d')) + 2/(3m) ln(2/d'), d' = delta / ln(n),
  1/m = 1/(n0 - min_len + 1) + 1/(n1 - min_len + 1) (the MOA/River
  refinement of the paper's harmonic mean), dropping the oldest bucket while
  some split holds.

Run as a script: prints test cases with scipy/numpy answers, one a line:
    KIND ARGS... | EXPECTED...
"""
import math
import sys

import numpy as np


class PageHinkley:
    def __init__(self, delta=0.005, lam=50.0, alpha=1 - 1e-4, min_n=30,
                 both=True):
        self.delta, self.lam, self.alpha = delta, lam, alpha
        self.min_n, self.both = min_n, both
        self.reset()

    def reset(self):
        self.n = 0
        self.mean = 0.0
        self.up = self.down = 0.0

    def update(self, x):
        self.n += 1
        self.mean += (x - self.mean) / self.n
        self.up = max(0.0, self.alpha * self.up + (x - self.mean - self.delta))
        if self.both:
            self.down = max(0.0, self.alpha * self.down +
                            (self.mean - x - self.delta))
        # River counts from 1 and tests after incrementing: n + 1 >= min_n
        if self.n + 1 >= self.min_n and (self.up >= self.lam or
                                         (self.both and self.down >= self.lam)):
            self.reset()
            return True
        return False


class Cusum:
    def __init__(self, mu, sigma, k=0.5, h=5.0):
        self.mu, self.sigma, self.k, self.h = mu, sigma, k, h
        self.sp = self.sn = 0.0

    def update(self, x):
        self.sp = max(0.0, self.sp + (x - self.mu) - self.k * self.sigma)
        self.sn = max(0.0, self.sn - (x - self.mu) - self.k * self.sigma)
        if self.sp > self.h * self.sigma or self.sn > self.h * self.sigma:
            self.sp = self.sn = 0.0
            return True
        return False


class Adwin:
    """ADWIN2 over a list of rows; rows[i] holds buckets of 2^i values,
    oldest first, each bucket (total, variance = sum of squared deviations
    from its own mean)."""

    def __init__(self, delta=0.002, clock=32, M=5, min_len=5, grace=10,
                 maxrows=32):
        self.delta, self.clock, self.M = delta, clock, M
        self.min_len, self.grace, self.maxrows = min_len, grace, maxrows
        self.rows = [[]]
        self.tick = 0

    def stats(self):
        # window size, total and variance recomputed from the buckets by
        # the parallel-variance rule (Chan et al.)
        n = t = v = 0.0
        for i in reversed(range(len(self.rows))):
            for (bt, bv) in self.rows[i]:
                nb = 2.0 ** i
                if n > 0:
                    v += bv + n * nb * (t / n - bt / nb) ** 2 / (n + nb)
                else:
                    v += bv
                n += nb
                t += bt
        return n, t, v

    def insert(self, x):
        self.rows[0].append((x, 0.0))
        i = 0
        while len(self.rows[i]) > self.M:
            if i + 1 == self.maxrows:
                self.rows[i].pop(0)
                break
            if i + 1 == len(self.rows):
                self.rows.append([])
            (t1, v1), (t2, v2) = self.rows[i][0], self.rows[i][1]
            nb = 2.0 ** i
            v12 = v1 + v2 + nb * nb * (t1 / nb - t2 / nb) ** 2 / (2 * nb)
            self.rows[i + 1].append((t1 + t2, v12))
            del self.rows[i][0:2]
            i += 1

    def update(self, x):
        self.insert(x)
        self.tick += 1
        n, _, _ = self.stats()
        if self.tick % self.clock != 0 or n <= self.grace:
            return False
        change = False
        while True:
            n, total, var = self.stats()
            cut = False
            n0 = u0 = 0.0
            buckets = [(i, b) for i in reversed(range(len(self.rows)))
                       for b in self.rows[i]]
            for j, (i, (bt, bv)) in enumerate(buckets[:-1]):
                n0 += 2.0 ** i
                u0 += bt
                n1, u1 = n - n0, total - u0
                if n0 < self.min_len or n1 < self.min_len:
                    continue
                dp = math.log(2 * math.log(n) / self.delta)
                m = 1 / (n0 - self.min_len + 1) + 1 / (n1 - self.min_len + 1)
                eps = math.sqrt(2 * m * (var / n) * dp) + 2 / 3 * dp * m
                if abs(u0 / n0 - u1 / n1) > eps:
                    cut = True
                    break
            if not cut:
                return change
            change = True
            last = len(self.rows) - 1
            self.rows[last].pop(0)
            if not self.rows[last] and last > 0:
                self.rows.pop()


def detections(det, xs):
    return [i for i, x in enumerate(xs) if det.update(x)]


# ---- case generator for test_drift.c --------------------------------------

def fmt(v):
    return repr(float(v))


def line(kind, args, arrays, expected):
    parts = [kind] + [str(a) for a in args]
    for a in arrays:
        parts += [str(len(a))] + [fmt(x) for x in a]
    parts.append("|")
    parts += [fmt(e) if not isinstance(e, int) else str(e) for e in expected]
    print(" ".join(parts))


def main():
    import scipy.special
    import scipy.stats
    from scipy.spatial.distance import jensenshannon

    rng = np.random.default_rng(20261202)
    # KS: exact regime (equal and unequal sizes, ties) and the Kolmogorov
    # regime (max(n1, n2) > 10000), over the whole p-value range
    sizes = [(5, 7), (8, 8), (20, 20), (100, 80), (1000, 1000), (1000, 500),
             (1000, 999), (3000, 2000), (300, 10001), (12000, 15000),
             (20000, 150), (10500, 100), (10001, 30), (50000, 40000)]
    for n1, n2 in sizes:
        for shift in (0.0, 0.05, 0.2, 0.6, 2.0):
            for ties in (False, True):
                a = rng.normal(0, 1, n1)
                b = rng.normal(shift, 1, n2)
                if ties:
                    a, b = np.round(a, 1), np.round(b, 1)
                r = scipy.stats.ks_2samp(a, b)
                line("ks", [], [a, b], [r.statistic, r.pvalue])
    # Kolmogorov's distribution and Smirnov's tail, every branch
    for n in (3, 10, 50, 140, 141, 500, 5000, 60000, 200000):
        for x in (0.6 / n, 0.9 / n, 1.5 / n, 0.01, 0.03, 0.05, 0.1, 0.2,
                  0.3, 0.49, 0.5, 0.7, 1 - 1.5 / n, 0.999):
            if 0 < x < 1:
                line("kolmogn", [n, fmt(x)], [], [scipy.stats.kstwo.sf(x, n)])
                line("smirnov", [n, fmt(x)], [],
                     [scipy.special.smirnov(n, x)])
    # PSI on quantile bins with the documented epsilon
    eps = 1e-4
    for n, nb, shift in ((1000, 10, 0.0), (1000, 10, 0.5), (200, 20, 2.0),
                         (50, 10, 3.0)):
        ref = rng.normal(0, 1, 5000)
        edges = np.quantile(ref, np.linspace(0, 1, nb + 1))
        freq = np.histogram(ref, edges)[0] / len(ref)
        cur = rng.normal(shift, 1, n)
        # numpy.histogram drops values outside the edges: clip them in
        cnt = np.histogram(np.clip(cur, edges[0], edges[-1]), edges)[0]
        p = np.maximum(freq, eps)
        q = np.maximum(cnt / cnt.sum(), eps)
        line("psi", [], [edges, freq, cur], [np.sum((q - p) * np.log(q / p))])
    # Wasserstein-1
    for n1, n2, shift in ((10, 7, 0.3), (1000, 1000, 0.0), (1000, 300, 1.0),
                          (500, 500, 0.0)):
        a = rng.normal(0, 1, n1)
        b = rng.normal(shift, 2, n2)
        if n1 == 500:
            a, b = np.round(a, 1), np.round(b, 1)
        line("w1", [], [a, b], [scipy.stats.wasserstein_distance(a, b)])
    # Jensen-Shannon distance, base 2
    for k in (2, 3, 10):
        p = rng.integers(0, 50, k).astype(float)
        q = rng.integers(0, 50, k).astype(float)
        p[0] = 0
        line("js", [], [p, q], [jensenshannon(p, q, base=2)])
    # sequential detectors: detection indices of the reference classes
    for seed, change, mag in ((1, 2000, 1.0), (2, 3000, 0.3), (3, 0, 0.0),
                              (4, 1500, -2.0)):
        r2 = np.random.default_rng(seed)
        xs = r2.normal(0, 1, 6000)
        if change:
            xs[change:] += mag
        line("ph", [], [xs], detections(PageHinkley(), xs) or [-1])
        line("ph20", [], [xs],
             detections(PageHinkley(lam=20, both=True), xs) or [-1])
        line("cusum", [], [xs], detections(Cusum(0.0, 1.0), xs) or [-1])
        line("cusum8", [], [xs],
             detections(Cusum(0.0, 1.0, 0.25, 8.0), xs) or [-1])
        line("adwin", [], [xs], detections(Adwin(), xs) or [-1])
        line("adwin01", [], [xs], detections(Adwin(delta=0.1), xs) or [-1])


if __name__ == "__main__":
    sys.exit(main())
