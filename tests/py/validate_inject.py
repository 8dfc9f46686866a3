"""Faults injected into C-MAPSS FD001, and the rejects they must cause.

  validate_inject.py make TXT SEED FRAMES EXPECT
      Frames of the C-MAPSS file TXT (one device per unit, time = cycle
      seconds, as ingest makes them), with faults put into rows chosen by
      the seed: NaN, Inf, a value far out of range, a missing channel, a
      non-integer s17, an unknown channel, a repeated or earlier time.
      EXPECT gets the rejects that testdata/validate/cmapss.schema must
      give, worked out here by following the time of the last accepted
      frame of each device.
  validate_inject.py check EXPECT OUT REJ
      validate's output and reject stream against EXPECT: exactly those
      lines rejected, by those rules and channels; everything else passed
      on unmarked and in order (a rejected cycle leaves a gap, so gap
      events come too).
"""
import json
import random
import sys

from validate_check import Checker
from validate_frames import NS, pack, read_frames, same, unpack_nested

NAMES = (['setting1', 'setting2', 'setting3'] +
         ['s%d' % i for i in range(1, 22)])
FAULTS = ('nan', 'inf', 'range', 'missing', 'type', 'unknown', 'duplicate',
          'order')


def make(txt, seed, framespath, expectpath):
    rnd = random.Random(int(seed))
    rows = []
    with open(txt) as f:
        for i, line in enumerate(f):
            v = line.split()
            rows.append((i + 1, v[0], int(v[1]),
                         dict(zip(NAMES, map(float, v[2:])))))
    last = {}              # device -> time of its last accepted frame
    prev = {}              # device -> time of its previous row
    out, expect = [], []
    for line, unit, cycle, body in rows:
        ns = cycle * NS
        fault = rnd.choice(FAULTS) if rnd.random() < 0.02 else None
        if fault in ('duplicate', 'order') and unit not in prev:
            fault = None
        ch = rnd.choice(NAMES)
        want = None
        if fault == 'nan':
            body[ch] = float('nan')
            want = ('nan', ch)
        elif fault == 'inf':
            body[ch] = rnd.choice((float('inf'), float('-inf')))
            want = ('inf', ch)
        elif fault == 'range':
            body[ch] = rnd.choice((1e6, -1e6))
            want = ('range', ch)
        elif fault == 'missing':
            del body[ch]
            want = ('required', ch)
        elif fault == 'type':
            body['s17'] += 0.5
            want = ('type', 's17')
        elif fault == 'unknown':
            body['s99'] = 1.0
            want = ('unknown', 's99')
        elif fault == 'duplicate':
            ns = prev[unit]
        elif fault == 'order':
            ns = prev[unit] - 2 * NS
        prev[unit] = ns
        if unit in last and ns <= last[unit]:
            want = ('order' if ns < last[unit] else 'duplicate', None)
        if want is None:
            last[unit] = ns
        else:
            expect.append((line, want[0], want[1]))
        out.append(pack(ns, {'dev': unit, 'src': 'train_FD001.txt',
                             'line': line}, body))
    with open(framespath, 'wb') as f:
        f.write(b''.join(out))
    with open(expectpath, 'w') as f:
        json.dump({'rejects': expect, 'rows': len(rows)}, f)
    return 0


def check(ck, expectpath, outpath, rejpath):
    exp = json.load(open(expectpath))
    want = {line: (rule, ch) for line, rule, ch in exp['rejects']}
    ck.expect(len(want) > 100, 'too few faults injected: %d' % len(want))
    rej = read_frames(rejpath)
    got = {f.meta['line']: (f.body.get('rule'), f.body.get('field'))
           for f in rej}
    ck.expect(len(got) == len(rej), 'a line rejected twice')
    for line in sorted(set(got) | set(want)):
        ck.expect(got.get(line) == want.get(line), 'line %d: rejected as %r,'
                  ' expected %r' % (line, got.get(line), want.get(line)))
    for f in rej:
        orig = unpack_nested(f.body['frame'])
        ck.expect(orig.meta.get('line') == f.meta['line'],
                  'reject of line %d holds line %r' %
                  (f.meta['line'], orig.meta.get('line')))
    out = [f for f in read_frames(outpath) if f.kind == 'sample']
    lines = [f.meta['line'] for f in out]
    ck.expect(lines == [i for i in range(1, exp['rows'] + 1)
                        if i not in want], 'output lines differ')
    ck.expect(all('flags' not in f.meta and 'fixed' not in f.meta
                  for f in out), 'frames passed on were marked')


def main(argv):
    if len(argv) == 6 and argv[1] == 'make':
        return make(*argv[2:])
    if len(argv) == 5 and argv[1] == 'check':
        ck = Checker()
        check(ck, *argv[2:])
        return 1 if ck.fails else 0
    sys.stderr.write(__doc__)
    return 64


if __name__ == '__main__':
    sys.exit(main(sys.argv))
