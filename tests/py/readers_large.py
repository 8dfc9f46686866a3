"""readers_large -- inputs and checks for tests/e2e/readers_large.sh: wide
files, each reader's output checked by python3-msgpack, independent of the
programs' own code.

    readers_large.py csv N ROWS [DUP]     a CSV: time, c00000..c(N-1), ROWS rows;
                                          DUP: the last column named c(DUP)
    readers_large.py schema N [DUP]       [channel cI] required reject, range
                                          0 (I + 1) reject per channel, but
                                          the last channel's range ends at
                                          I + 0.3 (row 2 breaks it);
                                          DUP: a last section for c(DUP)
    readers_large.py params N [DUP]       cI zscore mean=I std=2 per channel
    readers_large.py check-ingest N ROWS FILE.mp
    readers_large.py check-normalize N ROWS FILE.mp
    readers_large.py count FILE.mp        "samples rejects"

The value of column I in row R is I + R / 4.
"""
import sys

import msgpack


def name(i):
    return 'c%05d' % i


def value(i, r):
    return i + r / 4


def frames(path):
    with open(path, 'rb') as f:
        return list(msgpack.Unpacker(f, raw=False, max_map_len=10**7,
                                     max_str_len=10**8))


def fail(msg):
    sys.stderr.write('readers_large: %s\n' % msg)
    sys.exit(1)


def main(a):
    out = sys.stdout
    if a[0] == 'csv':
        n, rows = int(a[1]), int(a[2])
        names = [name(i) for i in range(n)]
        if len(a) > 3:
            names[-1] = name(int(a[3]))
        out.write('time,' + ','.join(names) + '\n')
        for r in range(rows):
            out.write('%d,' % (1700000000 + r) +
                      ','.join(repr(value(i, r)) for i in range(n)) + '\n')
    elif a[0] == 'schema':
        n = int(a[1])
        out.write('[device]\norder reject\n')
        for i in range(n):
            out.write('[channel %s]\nrequired reject\nrange 0 %s reject\n'
                      % (name(i), i + 1 if i < n - 1 else '%d.3' % i))
        if len(a) > 2:
            out.write('[channel %s]\n' % name(int(a[2])))
    elif a[0] == 'params':
        n = int(a[1])
        out.write('version 1\n')
        for i in range(n):
            out.write('%s zscore - - mean=%d std=2\n' % (name(i), i))
        if len(a) > 2:
            out.write('%s zscore - - mean=0 std=1\n' % name(int(a[2])))
    elif a[0] in ('check-ingest', 'check-normalize'):
        n, rows = int(a[1]), int(a[2])
        fr = [f for f in frames(a[3]) if f[0][1].get('kind') == 'sample']
        if len(fr) != rows:
            fail('%d sample frames, expected %d' % (len(fr), rows))
        for r, ((_, meta), body) in enumerate(fr):
            if len(body) != n:
                fail('row %d: %d channels, expected %d' % (r, len(body), n))
            for i in range(n):
                x = value(i, r)
                if a[0] == 'check-normalize':
                    x = (x - i) / 2
                got = body.get(name(i))
                if got is None or abs(got - x) > 1e-12 * max(1, abs(x)):
                    fail('row %d: %s = %r, expected %r'
                         % (r, name(i), got, x))
    elif a[0] == 'count':
        fr = frames(a[1])
        kinds = [f[0][1].get('kind') for f in fr]
        print(kinds.count('sample'), kinds.count('reject'))
    else:
        fail('unknown command ' + a[0])


if __name__ == '__main__':
    main(sys.argv[1:])
