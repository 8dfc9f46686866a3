"""Oracle for validate's dead-sensor rules on the IMS snapshots (numpy).

  validate_ims.py OUT FILE...
      OUT is validate's output for the FILEs (in that order, one device,
      testdata/validate/ims.schema).  For every sample frame the flags must
      be exactly those numpy finds: stuck:bK when the run of equal values of
      bK ending there is 20 or longer, flat:bK when the population variance
      of the last 256 values of bK is under 1e-4.  And the issue's claim:
      no frame of a live snapshot is flagged, the near-zero ones are.
"""
import sys

import numpy as np

from validate_check import Checker
from validate_frames import ims_rows, read_frames

STUCK, FLATN, FLOOR = 20, 256, 1e-4
DEAD = ('2004.02.19.06.12.39', '2004.02.19.06.22.39')


def expected_flags(x):
    """Per row of x (n x 4): the set of flags."""
    n = len(x)
    flags = [set() for _ in range(n)]
    for k in range(x.shape[1]):
        c = x[:, k]
        run = np.ones(n, dtype=np.int64)
        same = c[1:] == c[:-1]
        for i in range(1, n):
            if same[i - 1]:
                run[i] = run[i - 1] + 1
        for i in np.flatnonzero(run >= STUCK):
            flags[i].add('stuck:b%d' % (k + 1))
        d = c - c.mean()
        cs = np.concatenate(([0.0], np.cumsum(d)))
        cs2 = np.concatenate(([0.0], np.cumsum(d * d)))
        s = cs[FLATN:] - cs[:-FLATN]
        s2 = cs2[FLATN:] - cs2[:-FLATN]
        var = s2 / FLATN - (s / FLATN) ** 2
        for j in np.flatnonzero(var < FLOOR):
            flags[j + FLATN - 1].add('flat:b%d' % (k + 1))
    return flags


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 64
    ck = Checker()
    files = argv[2:]
    parts = [np.array(list(ims_rows(p))) for p in files]
    x = np.concatenate(parts)
    want = expected_flags(x)
    out = [f for f in read_frames(argv[1]) if f.kind == 'sample']
    if not ck.expect(len(out) == len(x), 'output has %d samples, input %d'
                     % (len(out), len(x))):
        return 1
    bad = 0
    for i, f in enumerate(out):
        got = set(filter(None, f.meta.get('flags', '').split(',')))
        if got != want[i]:
            bad += 1
            if bad <= 5:
                ck.expect(False, 'frame %d (%s line %s): flags %s, numpy '
                          'says %s' % (i, f.meta.get('src'),
                                       f.meta.get('line'), sorted(got),
                                       sorted(want[i])))
    ck.expect(bad == 0, '%d frames flagged differently' % bad)
    start = 0
    for p, part in zip(files, parts):
        n = len(part)
        flagged = sum(1 for f in out[start:start + n] if 'flags' in f.meta)
        dead = any(d in p for d in DEAD)
        if dead:
            ck.expect(flagged >= n - (FLATN - 1), '%s (near zero): only %d '
                      'of %d frames flagged' % (p, flagged, n))
            for k in range(4):
                ck.expect(any('flat:b%d' % (k + 1) in w for w in
                              want[start:start + n]) and
                          any('stuck:b%d' % (k + 1) in w for w in
                              want[start:start + n]),
                          '%s: b%d trips neither rule' % (p, k + 1))
        else:
            ck.expect(flagged == 0, '%s (live): %d frames flagged' %
                      (p, flagged))
        print('%s: %d of %d frames flagged' % (p, flagged, n))
        start += n
    return 1 if ck.fails else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
