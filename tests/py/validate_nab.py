"""Oracle for validate on the NAB files, from the csv module alone.

  validate_nab.py machine CSV OUT REJ
      Rows at or before the last accepted time are rejected (rule order if
      before, duplicate if equal), everything else passes in order.  The
      issue's statement is checked too: exactly lines 10151-10162.
  validate_nab.py ambient CSV OUT REJ
      Every interval between consecutive rows over 90 minutes is a gap
      event (from, to, length) placed just before the row that ends it; no
      rejects.  The README's statement: 10 gaps, the longest 174 h.
"""
import sys

from validate_check import Checker
from validate_frames import nab_rows, read_frames, unpack_nested

GAP_NS = 90 * 60 * 10**9


def machine(ck, csvpath, outpath, rejpath):
    rows = list(nab_rows(csvpath))
    last = None
    want_rej, want_out = [], []
    for line, ns, v in rows:
        if last is not None and ns <= last[1]:
            want_rej.append((line, 'order' if ns < last[1] else 'duplicate',
                             ns, last[1]))
        else:
            want_out.append((line, ns, v))
            last = (line, ns)
    ck.expect([r[0] for r in want_rej] == list(range(10151, 10163)),
              'oracle: rejected lines are not 10151-10162')
    rej = read_frames(rejpath)
    got = [(f.meta.get('line'), f.body.get('rule'), f.body.get('value'),
            f.body.get('limit')) for f in rej]
    ck.expect(got == want_rej, 'rejects %r\nexpected %r' % (got, want_rej))
    for f in rej:
        orig = unpack_nested(f.body['frame'])
        ck.expect(orig.meta.get('line') == f.meta.get('line') and
                  orig.t == f.t and f.meta.get('src', '').endswith(
                      'machine_temperature_system_failure.csv') and
                  ('line %d' % 10150) in f.body.get('reason', ''),
                  'reject %r: original frame, src or reason' % f.meta)
    out = read_frames(outpath)
    got = [(f.meta.get('line'), f.t, f.body.get('value')) for f in out]
    ck.expect(got == want_out, 'output differs from the rows accepted '
              '(%d frames, expected %d)' % (len(got), len(want_out)))


def ambient(ck, csvpath, outpath, rejpath):
    rows = list(nab_rows(csvpath))
    want = []
    for (l0, t0, _), (l1, t1, _) in zip(rows, rows[1:]):
        if t1 - t0 > GAP_NS:
            want.append((l1, t0, t1, (t1 - t0) / 1e9))
    hours = sorted(w[3] / 3600 for w in want)
    ck.expect(len(want) == 10 and hours[-1] == 174 and hours[0] == 2,
              'oracle: gaps are not the README\'s 10 (2 h .. 174 h): %r'
              % hours)
    out = read_frames(outpath)
    got = []
    for i, f in enumerate(out):
        if f.kind != 'event':
            continue
        nxt = out[i + 1] if i + 1 < len(out) else None
        ck.expect(nxt is not None and nxt.meta.get('line') ==
                  f.meta.get('line') and nxt.t == f.body.get('to'),
                  'event %r is not followed by the row that ends it' % f)
        ck.expect(f.t == f.body.get('from') and
                  f.body.get('type') == 'gap', 'event %r' % f)
        got.append((f.meta.get('line'), f.body.get('from'), f.body.get('to'),
                    f.body.get('seconds')))
    ck.expect(got == want, 'gaps %r\nexpected %r' % (got, want))
    ck.expect(len(read_frames(rejpath)) == 0, 'ambient: rejects')
    samples = [(f.meta.get('line'), f.t, f.body.get('value')) for f in out
               if f.kind == 'sample']
    ck.expect(samples == rows, 'ambient: samples changed')


def main(argv):
    ck = Checker()
    if len(argv) == 5 and argv[1] in ('machine', 'ambient'):
        {'machine': machine, 'ambient': ambient}[argv[1]](ck, *argv[2:])
    else:
        sys.stderr.write(__doc__)
        return 64
    return 1 if ck.fails else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
