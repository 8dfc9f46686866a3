"""Checks of validate's output for the e2e tests (run with Debian's python3).

  validate_check.py accounting ERR OUT [REJ] [IN]
      The report on stderr (file ERR) must satisfy in = out + rejected +
      dropped (held = 0 at exit), per device and in total; the per-rule
      rejected and dropped counts must add up to the totals; and the counts
      must be those of the streams themselves: OUT holds out samples (and
      other frames passed on) + filled + events frames, REJ (if given; "-":
      inline in OUT) rejected reject frames, IN (if given) `in` frames.
  validate_check.py hand JSONL EXPECT OUT REJ ERR
      The hand-made stream: compare with the expectations in EXPECT.

Exit 0 when every check holds; otherwise each failure is printed.
"""
import re
import sys

from validate_frames import read_frames, jsonl_rows, same, NS, unpack_nested

WORD = r'(?:"(?:[^"\\]|\\.)*"|\S+)'


def _unquote(w):
    if w.startswith('"'):
        return re.sub(r'\\(.)', r'\1', w[1:-1])
    return w


def parse_report(text, prog='validate'):
    """{'total': {...}, 'rules': {(rule, channel): {...}},
    'devices': {name: {...}}} from the last accounting report on stderr
    (the summary of rejects that may follow it repeats rule lines)."""
    rep = {'total': None, 'rules': {}, 'devices': {}}
    for line in text.splitlines():
        if not line.startswith(prog + ': '):
            continue
        words = re.findall(r'(\w[\w-]*)=(' + WORD + ')', line)
        kv = {k: _unquote(v) for k, v in words}
        if 'rule' in kv:
            key = (kv.pop('rule'), kv.pop('channel', None))
            kv.pop('line', None)
            kv.pop('lines', None)
            if key not in rep['rules']:       # the summary repeats them
                rep['rules'][key] = {k: int(v) for k, v in kv.items()}
        elif 'device' in kv:
            name = kv.pop('device')
            rep['devices'][name] = {k: int(v) for k, v in kv.items()}
        elif 'in' in kv and 'out' in kv:
            # a new report (SIGUSR1 prints some before the last): keep the
            # last one only
            rep = {'total': {k: int(v) for k, v in kv.items()},
                   'rules': {}, 'devices': {}}
    return rep


class Checker:
    def __init__(self):
        self.fails = 0

    def expect(self, cond, what):
        if not cond:
            self.fails += 1
            print('FAIL: ' + what)
        return cond


def accounting(ck, errpath, outpath, rejpath=None, inpath=None):
    rep = parse_report(open(errpath).read())
    t = rep['total']
    if not ck.expect(t is not None, 'no totals line in ' + errpath):
        return rep
    ck.expect(t['held'] == 0, 'held=%d at exit' % t['held'])
    # out: every frame to the output, read, filled (gap) or event
    ck.expect(t['in'] + t['filled'] + t['events'] ==
              t['out'] + t['rejected'] + t['dropped'],
              'in=%d + filled=%d + events=%d != out=%d + rejected=%d + '
              'dropped=%d' % (t['in'], t['filled'], t['events'], t['out'],
                              t['rejected'], t['dropped']))
    sums = {k: 0 for k in ('in', 'out', 'rejected', 'dropped', 'filled',
                           'events')}
    for name, d in rep['devices'].items():
        ck.expect(d['in'] + d['filled'] + d['events'] ==
                  d['out'] + d['rejected'] + d['dropped'],
                  'device %s: in=%d + filled + events != out=%d + '
                  'rejected=%d + dropped=%d' %
                  (name, d['in'], d['out'], d['rejected'], d['dropped']))
        for k in sums:
            sums[k] += d[k]
    for k in sums:
        ck.expect(sums[k] == t[k], 'devices add up to %s=%d, total says %d'
                  % (k, sums[k], t[k]))
    for what in ('rejected', 'dropped'):
        n = sum(r.get(what, 0) for r in rep['rules'].values())
        ck.expect(n == t[what], 'rules add up to %s=%d, total says %d' %
                  (what, n, t[what]))
    n = sum(r.get('filled', 0) for (rule, ch), r in rep['rules'].items()
            if rule == 'gap')
    ck.expect(n == t['filled'], 'gap rule filled=%d, total filled=%d' %
              (n, t['filled']))
    n = sum(r.get('events', 0) for r in rep['rules'].values())
    ck.expect(n == t['events'], 'rules add up to events=%d, total says %d'
              % (n, t['events']))

    if rejpath == '-':                 # --reject -: inline
        rejpath = outpath
    out = read_frames(outpath)
    added = sum(1 for f in out if f.meta.get('fixed') == 'gap')
    events = sum(1 for f in out if f.kind == 'event' and
                 f.meta.get('stage') == 'validate')
    rejects_inline = sum(1 for f in out if f.kind == 'reject' and
                         f.meta.get('stage') == 'validate')
    ck.expect(added == t['filled'], 'output holds %d added frames, '
              'filled=%d' % (added, t['filled']))
    ck.expect(events == t['events'], 'output holds %d gap events, '
              'events=%d' % (events, t['events']))
    if rejpath and rejpath != outpath:
        rej = read_frames(rejpath)
        ck.expect(len(rej) == t['rejected'], 'reject stream holds %d, '
                  'rejected=%d' % (len(rej), t['rejected']))
        ck.expect(all(f.kind == 'reject' for f in rej),
                  'reject stream holds other kinds')
        ck.expect(len(out) == t['out'], 'output holds %d frames, out=%d'
                  % (len(out), t['out']))
    else:
        ck.expect(len(out) - rejects_inline == t['out'],
                  'output holds %d frames and %d rejects, out=%d' %
                  (len(out) - rejects_inline, rejects_inline, t['out']))
        if rejpath == outpath:
            ck.expect(rejects_inline == t['rejected'], 'inline rejects %d, '
                      'rejected=%d' % (rejects_inline, t['rejected']))
    if inpath:
        n = len(read_frames(inpath))
        ck.expect(n == t['in'], 'input holds %d frames, in=%d' %
                  (n, t['in']))
    return rep


def _num(s):
    return float(s)


def hand(ck, jsonl, expect, outpath, rejpath, errpath):
    rows = {line: (dev, ns, body) for line, dev, ns, body in
            jsonl_rows(jsonl)}
    want_out, want_rej, want_drop = [], [], []
    for text in open(expect):
        text = text.split('#')[0].split()
        if not text:
            continue
        if text[0] in ('out', 'event'):
            want_out.append(text)
        elif text[0] == 'reject':
            want_rej.append(text)
        elif text[0] == 'drop':
            want_drop.append(text)
        else:
            raise ValueError('hand.expect: ' + text[0])
    out = read_frames(outpath)
    ck.expect(len(out) == len(want_out), 'output: %d frames, expected %d'
              % (len(out), len(want_out)))
    for f, w in zip(out, want_out):
        if w[0] == 'event':
            t0, t1, length = int(w[2]) * NS, int(w[3]) * NS, _num(w[4])
            ck.expect(f.kind == 'event' and f.body.get('type') == w[1] and
                      f.body.get('from') == t0 and f.body.get('to') == t1
                      and same(f.body.get('seconds'), length),
                      'expected event %s, got %r' % (' '.join(w), f))
            continue
        line = int(w[1])
        dev, ns, body = rows[line]
        body = dict(body)
        flags = fixed = None
        for x in w[2:]:
            if x.startswith('-'):
                del body[x[1:]]
            elif x.startswith('flags='):
                flags = x[6:]
            elif x.startswith('fixed='):
                fixed = x[6:]
            else:
                k, v = x.split('=')
                body[k] = _num(v)
        where = 'output line %d' % line
        if not ck.expect(f.kind == 'sample' and f.meta.get('line') == line,
                         '%s: got %r' % (where, f)):
            continue
        ck.expect(f.meta.get('dev') == dev and f.t == ns,
                  '%s: dev/time %r %r' % (where, f.meta.get('dev'), f.t))
        ck.expect(set(f.body) == set(body), '%s: channels %s, expected %s'
                  % (where, sorted(f.body), sorted(body)))
        for k, v in body.items():
            got = f.body.get(k)
            ok = (got == v if isinstance(v, str) else
                  isinstance(got, (int, float)) and same(float(got),
                                                         float(v)))
            ck.expect(ok, '%s: %s=%r, expected %r' % (where, k, got, v))
        ck.expect(f.meta.get('flags') == flags, '%s: flags %r, expected %r'
                  % (where, f.meta.get('flags'), flags))
        ck.expect(f.meta.get('fixed') == fixed, '%s: fixed %r, expected %r'
                  % (where, f.meta.get('fixed'), fixed))

    rej = read_frames(rejpath)
    got = sorted((f.meta.get('line'), f.body.get('rule'),
                  f.body.get('field')) for f in rej)
    want = sorted((int(w[1]), w[2], w[3] if len(w) > 3 else None)
                  for w in want_rej)
    ck.expect(got == want, 'rejects %r, expected %r' % (got, want))
    for f in rej:
        line = f.meta.get('line')
        if line not in rows:
            continue
        dev, ns, body = rows[line]
        orig = unpack_nested(f.body.get('frame'))
        ck.expect(orig.t == ns and orig.meta.get('line') == line and
                  orig.meta.get('dev') == dev and
                  set(orig.body) == set(body),
                  'reject of line %d does not hold the original frame: %r'
                  % (line, orig))
        ck.expect(f.meta.get('dev') == dev and f.meta.get('src') and
                  isinstance(f.body.get('reason'), str) and
                  len(f.body['reason']) > 10,
                  'reject of line %d: meta/reason %r' % (line, f))

    rep = parse_report(open(errpath).read())
    drops = {}
    for w in want_drop:
        key = (w[2], w[3] if len(w) > 3 else None)
        drops[key] = drops.get(key, 0) + 1
    got = {k: v['dropped'] for k, v in rep['rules'].items()
           if v.get('dropped')}
    ck.expect(got == drops, 'drops by rule %r, expected %r' % (got, drops))
    t = rep['total']
    ck.expect(t['dropped'] == len(want_drop) and
              t['rejected'] == len(want_rej) and t['in'] == len(rows),
              'totals %r' % t)


def main(argv):
    ck = Checker()
    if len(argv) >= 4 and argv[1] == 'accounting':
        accounting(ck, argv[2], argv[3], *(argv[4:6]))
    elif len(argv) == 7 and argv[1] == 'hand':
        hand(ck, *argv[2:])
    else:
        sys.stderr.write(__doc__)
        return 64
    return 1 if ck.fails else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
