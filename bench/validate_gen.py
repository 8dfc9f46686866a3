"""Frames for bench/validate.sh: DEVICES devices sending FRAMES frames each,
round robin (so consecutive frames always come from different devices), one
a second per device, three channels like the bench CSV.

  validate_gen.py DEVICES FRAMES > frames.mp
"""
import random
import struct
import sys

import msgpack


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 64
    ndev, nfr = int(argv[1]), int(argv[2])
    rnd = random.Random(1)
    out = sys.stdout.buffer
    buf = []
    for i in range(nfr):
        t = struct.pack('>II', 1700000000 + i, 0)
        for d in range(ndev):
            buf.append(msgpack.packb(
                [[msgpack.ExtType(0, t),
                  {'v': 1, 'kind': 'sample', 'dev': 'dev-%05d' % d,
                   'seq': i}],
                 {'vibration': rnd.uniform(-1, 1),
                  'temperature': 60 + rnd.uniform(-5, 5),
                  'pressure': 100 + rnd.uniform(-2, 2)}],
                use_bin_type=True))
        if len(buf) >= 10000:
            out.write(b''.join(buf))
            buf = []
    out.write(b''.join(buf))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
