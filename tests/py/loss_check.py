"""Oracle side of the loss tests (tests/e2e/loss_*.sh), with Python's
msgpack only: build byte streams with an eos or an oversized frame inside,
and read back what a reader wrote out.

  loss_check.py mk-eos OUT N K     N sample frames, an eos after the K-th
  loss_check.py mk-big OUT N K     N sample frames, a 2 MiB frame after the
                                   K-th (well formed, a 2 MiB str in body)
  loss_check.py seqs FILE          per device: frames, distinct seq, the
                                   frames missing from 0..max seq, repeats:
                                   "DEV frames=N distinct=N missing=N
                                   repeats=N max=N", and a last line
                                   "total frames=N missing=N repeats=N"

Run under Debian's /usr/bin/python3.
"""
import struct
import sys

import msgpack


def t(sec):
    return msgpack.ExtType(0, struct.pack('>II', sec, 0))


def sample(dev, seq):
    return msgpack.packb([[t(1700000000 + seq),
                           {'v': 1, 'kind': 'sample', 'dev': dev,
                            'seq': seq}], {'x': float(seq)}])


def frames(path):
    u = msgpack.Unpacker(raw=False, strict_map_key=False,
                         max_buffer_size=1 << 30)
    u.feed(open(path, 'rb').read())
    return list(u)


def main():
    cmd = sys.argv[1]
    if cmd in ('mk-eos', 'mk-big'):
        n, k = int(sys.argv[3]), int(sys.argv[4])
        out = []
        for i in range(n):
            out.append(sample('d1', i))
            if i + 1 == k:
                if cmd == 'mk-eos':
                    out.append(msgpack.packb([[t(0), {'v': 1,
                                                      'kind': 'eos'}], {}]))
                else:
                    out.append(msgpack.packb([[t(1700000000),
                                               {'v': 1, 'kind': 'sample',
                                                'dev': 'big'}],
                                              {'blob': 'a' * (2 << 20)}]))
        open(sys.argv[2], 'wb').write(b''.join(out))
        return 0
    if cmd == 'seqs':
        devs = {}
        for fr in frames(sys.argv[2]):
            meta = fr[0][1]
            if meta.get('kind', 'sample') != 'sample':
                continue
            devs.setdefault(meta['dev'], []).append(meta['seq'])
        tot = [0, 0, 0]
        for dev in sorted(devs):
            s = devs[dev]
            distinct = len(set(s))
            missing = max(s) + 1 - distinct
            repeats = len(s) - distinct
            print('%s frames=%d distinct=%d missing=%d repeats=%d max=%d' %
                  (dev, len(s), distinct, missing, repeats, max(s)))
            tot[0] += len(s)
            tot[1] += missing
            tot[2] += repeats
        print('total frames=%d missing=%d repeats=%d' % tuple(tot))
        return 0
    return 64


if __name__ == '__main__':
    sys.exit(main())
