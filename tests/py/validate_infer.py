"""Oracle for validate --infer-schema (numpy, from the frames themselves).

  validate_infer.py SCHEMA FRAMES MARGIN
      SCHEMA was inferred from FRAMES with --margin MARGIN.  Checks: one
      section per channel seen, required exactly when it was in every
      sample; type int exactly when every value was whole; the range is the
      observed one widened by MARGIN x span on each side (by MARGIN x |v|
      for a constant channel; not below 0 for a channel never negative;
      whole numbers for int), rounded outward by at most 1e-5 relative; the
      rate interval is the median interval (numpy), and its tolerance
      covers at least 98% of the intervals.
"""
import math
import re
import sys

import numpy as np

from validate_check import Checker
from validate_frames import read_frames

UNITS = {'ns': 1, 'us': 1e3, 'ms': 1e6, 's': 1e9, '': 1e9, 'm': 60e9,
         'min': 60e9, 'h': 3600e9, 'd': 86400e9}


def duration(w):
    m = re.fullmatch(r'([0-9.eE+-]+)([a-zA-Z]*)', w)
    v, u = float(m.group(1)), m.group(2)
    return 1e9 / v if u == 'Hz' else v * UNITS[u]


def parse(path):
    dev, chans, cur = {}, {}, None
    for line in open(path):
        line = line.split('#')[0].strip()
        if not line:
            continue
        if line.startswith('['):
            kw, _, name = line[1:-1].partition(' ')
            cur = dev if kw == 'device' else chans.setdefault(name, {})
            continue
        w = line.split()
        cur[w[0]] = w[1:]
    return dev, chans


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 64
    ck = Checker()
    margin = float(argv[3])
    dev, chans = parse(argv[1])
    samples = [f for f in read_frames(argv[2]) if f.kind == 'sample']
    values, present, order = {}, {}, []
    last, dts = {}, []
    for f in samples:
        d = f.meta.get('dev', '')
        if d in last and f.t > last[d]:
            dts.append(f.t - last[d])
        if d not in last or f.t > last[d]:
            last[d] = f.t
        for k, v in f.body.items():
            if k not in present:
                order.append(k)
                present[k] = 0
                values[k] = []
            present[k] += 1
            if isinstance(v, (int, float)) and math.isfinite(v):
                values[k].append(float(v))
    ck.expect(list(chans) == order, 'channels %r, seen %r' %
              (list(chans), order))
    for k in order:
        c = chans.get(k, {})
        x = np.array(values[k])
        ck.expect(('required' in c) == (present[k] == len(samples)) and
                  ('optional' in c) == (present[k] < len(samples)),
                  '%s: required/optional' % k)
        if len(x) == 0:
            continue
        integral = bool(np.all(x == np.floor(x)))
        ck.expect(c.get('type', [None])[0] == ('int' if integral else
                                               'number'),
                  '%s: type %r' % (k, c.get('type')))
        lo, hi = x.min(), x.max()
        span = hi - lo
        pad = margin * (span if span > 0 else abs(hi) if hi != 0 else 1)
        elo, ehi = lo - pad, hi + pad
        if lo >= 0 and elo < 0:
            elo = 0.0
        if integral:
            elo, ehi = math.floor(elo), math.ceil(ehi)
        glo, ghi = float(c['range'][0]), float(c['range'][1])
        tol = 1e-5 * max(1.0, abs(elo), abs(ehi))
        ck.expect(glo <= elo and elo - glo <= tol and ghi >= ehi and
                  ghi - ehi <= tol, '%s: range %r %r, expected %r %r' %
                  (k, glo, ghi, elo, ehi))
        ck.expect(glo <= lo and ghi >= hi, '%s: data outside its range' % k)
    if len(dts) >= 2:
        dts = np.array(dts, dtype=np.float64)
        med = np.median(dts)
        got = duration(dev['rate'][0])
        ck.expect(abs(got - med) <= max(1.0, 1e-4 * med),
                  'rate %s (%r ns), median %r ns' % (dev['rate'][0], got,
                                                    med))
        t = dev['rate'][1]
        tol_ns = got * float(t[:-1]) / 100 if t.endswith('%') else \
            duration(t)
        inside = np.mean(np.abs(dts - got) <= tol_ns + 1)
        ck.expect(inside >= 0.98, 'rate tolerance %s covers %.4f of the '
                  'intervals' % (t, inside))
    return 1 if ck.fails else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
