"""Small frame files and checks for tests/e2e/validate_cli.sh.

  validate_misc.py kinds OUT        samples of dev k1 with a features, an
                                    event and a prediction frame between
  validate_misc.py passed IN OUT    frames that are not samples came out
                                    unchanged, in their place
  validate_misc.py raw REJ HEX      the one decode reject holds bytes HEX
  validate_misc.py ramp I N OUT     samples I .. I+N-1 of dev r1, one a
                                    second
"""
import sys

from validate_frames import pack, read_frames


def kinds(out):
    fr = []
    for i in range(10):
        fr.append(pack((100 + i) * 10**9, {'dev': 'k1', 'line': i + 1},
                       {'x': float(i)}))
        if i == 3:
            fr.append(pack(103 * 10**9, {'kind': 'features', 'dev': 'k1',
                                         'n': 4}, {'x.mean': 1.5}))
        if i == 5:
            fr.append(pack(50 * 10**9, {'kind': 'event', 'dev': 'k1'},
                           {'type': 'retrain', 'nested': {'a': [1, 2]}}))
        if i == 7:
            fr.append(pack(10 * 10**9, {'kind': 'prediction', 'dev': 'zz',
                                        'model': 'm@1'}, {'score': 0.5}))
    open(out, 'wb').write(b''.join(fr))
    return 0


def passed(inp, out):
    a = [(f.t, f.meta, f.body) for f in read_frames(inp)
         if f.kind != 'sample']
    b = [(f.t, f.meta, f.body) for f in read_frames(out)
         if f.kind != 'sample']
    if a != b:
        print('other kinds changed:\n%r\n%r' % (a, b))
        return 1
    seq = [f.kind for f in read_frames(out)]
    want = [f.kind for f in read_frames(inp)]
    if seq != want:
        print('order changed: %r' % seq)
        return 1
    return 0


def raw(rej, hexs):
    r = [f for f in read_frames(rej) if f.body.get('rule') == 'decode']
    if len(r) != 1 or r[0].body.get('raw') != bytes.fromhex(hexs):
        print('decode rejects: %r' % r)
        return 1
    return 0


def ramp(start, n, out):
    with open(out, 'wb') as f:
        for i in range(int(start), int(start) + int(n)):
            f.write(pack((1000 + i) * 10**9, {'dev': 'r1', 'line': i + 1},
                         {'x': float(i % 50)}))
    return 0


if __name__ == '__main__':
    cmd = {'kinds': kinds, 'passed': passed, 'raw': raw, 'ramp': ramp}
    if len(sys.argv) < 2 or sys.argv[1] not in cmd:
        sys.stderr.write(__doc__)
        sys.exit(64)
    sys.exit(cmd[sys.argv[1]](*sys.argv[2:]))
